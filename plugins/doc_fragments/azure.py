# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Azure authentication options, named as azure.azcollection names them, with the same
    # environment variables (what AWX's Azure Resource Manager credential injects).
    DOCUMENTATION = r"""
options:
  auth_source:
    description:
      - Where the Azure credentials come from.
      - V(auto) uses, in order, a O(profile) of the credential file, a service principal from
        O(client_id)/O(secret)/O(tenant) (options or environment), the C([default]) profile of
        C(~/.azure/credentials) when that file exists, and finally the Azure CLI login.
      - V(env) and V(credential_file) use a service principal; V(cli) the Azure CLI's login
        (C(az login)); V(msi) a managed identity (system-assigned, or user-assigned when
        O(client_id) is given).
      - Can be set with the E(ANSIBLE_AZURE_AUTH_SOURCE) environment variable.
    type: str
    default: auto
    choices: [auto, cli, env, credential_file, msi]
  profile:
    description:
      - Profile (section) of the credential file C(~/.azure/credentials) to use.
      - Can be set with the E(AZURE_PROFILE) environment variable.
    type: str
  subscription_id:
    description:
      - The Azure subscription (a GUID) that holds the workspace.
      - Can be set with the E(AZURE_SUBSCRIPTION_ID) environment variable.
      - With O(auth_source=cli) and no subscription given, the Azure CLI's current subscription is used.
      - Not needed when the workspace is given as a resource ID, which names its subscription.
    type: str
  client_id:
    description:
      - Application (client) ID of the service principal, or of a user-assigned managed identity with O(auth_source=msi).
      - Can be set with the E(AZURE_CLIENT_ID) environment variable.
    type: str
  secret:
    description:
      - Client secret of the service principal. Requires O(client_id) and O(tenant).
      - Can be set with the E(AZURE_SECRET) environment variable (or azure-identity's E(AZURE_CLIENT_SECRET)).
    type: str
  tenant:
    description:
      - Microsoft Entra ID tenant (directory) ID of the service principal.
      - Can be set with the E(AZURE_TENANT) environment variable (or azure-identity's E(AZURE_TENANT_ID)).
    type: str
  cloud_environment:
    description:
      - The Azure cloud, V(AzureCloud), V(AzureUSGovernment), V(AzureChinaCloud), or the URL of a
        Resource Manager metadata endpoint (for example V(https://management.azure.com) or an Azure
        Stack Hub endpoint). The module reads C(<url>/metadata/endpoints) to find the Resource
        Manager URL, the sign-in authority and the token audience.
      - The metadata URL, and the sign-in and Resource Manager endpoints it names, must be C(https://);
        a plain-HTTP one is refused before any secret is sent.
      - Can be set with the E(AZURE_CLOUD_ENVIRONMENT) environment variable.
    type: str
    default: AzureCloud
  cert_validation_mode:
    description:
      - Whether to check the TLS certificates of Azure endpoints. Extra trusted CAs are taken from
        the E(REQUESTS_CA_BUNDLE) environment variable.
      - V(ignore) is unsafe (anyone on the path can read the token and the secret); use it only
        against a test endpoint.
      - Can be set with the E(AZURE_CERT_VALIDATION_MODE) environment variable.
    type: str
    default: validate
    choices: [validate, ignore]
  adfs_authority_url:
    description:
      - Sign-in authority to use instead of the cloud's (for example an AD FS URL on Azure Stack Hub).
      - Can be set with the E(AZURE_ADFS_AUTHORITY_URL) environment variable.
    type: str
  disable_instance_discovery:
    description:
      - Skip Microsoft Entra instance discovery (needed for private clouds, Azure Stack Hub and
        other authorities that Entra ID does not know).
      - Can be set with the E(AZURE_DISABLE_INSTANCE_DISCOVERY) environment variable.
    type: bool
    default: false
  read_timeout:
    description:
      - Seconds to wait for each answer from Azure. A request that gets no answer in time is retried
        (up to 3 times, like a dropped connection), then the task fails naming the operation.
      - The task's time budget for Azure is the larger of this and C(wait_timeout) (60 seconds in modules
        without that option). Every wait before a retry (throttling, server errors, dropped connections,
        Microsoft Entra ID included) must end within it. A C(Retry-After) asking for longer than the time left
        fails the task at once, naming the wait asked for and the HTTP status.
    type: int
    default: 60
  token_cache:
    description:
      - Keep the service principal's access token, and the cloud endpoints read from a metadata URL
        O(cloud_environment), in an encrypted file under O(token_cache_dir), so that the next tasks
        on this machine reuse them until the token is 5 minutes from expiry, instead of each signing
        in anew (up to three requests each, for the cloud metadata, the OpenID configuration and the token).
      - The file is encrypted (Fernet) with a key derived (HKDF-SHA256) from the client secret. Only a
        holder of the secret can read it or write one that is used, and a holder of the secret can get
        the same token from Microsoft Entra ID anyway. Its name is a SHA-256 of the tenant, the client
        ID, the cloud and the sign-in authority, never of the secret. A file that does not decrypt (the
        secret was rotated, or the file changed), cannot be read or holds a token about to expire is
        ignored and replaced after the next sign-in.
      - A cached token that Resource Manager refuses (expired, revoked or unknown) is dropped and one
        fresh token is got.
      - Not used with O(cert_validation_mode=ignore), as a run that does not check TLS could be handed a forged
        cloud or token.
      - Only for service principals. A managed identity gets its tokens from the machine's own
        metadata service, and the Azure CLI keeps a token cache of its own. M(sentinel.aws.ingestion_info)
        does not use it.
      - The C(sentinel.aws.cloudtrail) and C(sentinel.aws.s3) roles turn it on.
      - Can be set with the E(SENTINEL_AWS_AZURE_TOKEN_CACHE) environment variable.
    type: bool
    default: false
  token_cache_dir:
    description:
      - Directory of the O(token_cache) files, made with mode 0700 (each file 0600) when missing. One
        that exists and belongs to another user, or that others may read or enter, is not used (the
        task warns and signs in anew).
      - The default is under C(~/.ansible), beside Ansible's own per-user state, in the home of the user
        the task runs as, on the machine it runs on (the controller for the roles). AWX runs each job in a
        new execution environment container, so there the cache lasts for one job.
      - Can be set with the E(SENTINEL_AWS_AZURE_TOKEN_CACHE_DIR) environment variable.
    type: path
    default: ~/.ansible/sentinel_aws/token_cache
requirements:
  - python >= 3.10
  - azure-identity
  - cryptography (installed with azure-identity; used by O(token_cache))
  - azure-mgmt-securityinsight >= 1.0.0, < 2 (1.0.0 is its only stable release)
  - azure-mgmt-loganalytics
notes:
  - Each task signs in once (one token request) and reuses the token for its calls; with O(token_cache), tasks share it.
  - Throttling (HTTP 429) and server errors (5xx) are retried, honouring C(Retry-After), within a bounded time.
"""

    # How the Sentinel modules name their Log Analytics workspace.
    WORKSPACE = r"""
options:
  workspace_name:
    description:
      - Name of the Log Analytics workspace Microsoft Sentinel runs on. Requires O(resource_group).
      - Mutually exclusive with O(workspace_resource_id).
    type: str
    aliases: [workspace]
  resource_group:
    description:
      - Resource group of the workspace named by O(workspace_name).
    type: str
  workspace_resource_id:
    description:
      - Full Azure resource ID of the workspace,
        C(/subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>).
      - Its subscription overrides O(subscription_id).
    type: str
"""
