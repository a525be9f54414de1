# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure plumbing for the Sentinel modules: options, cloud endpoints, credential, clients, errors.

Built on azure-identity and azure-core only (not azure.azcollection's module_utils, whose import
pulls ~57 SDK modules and azure-cli-core). Option names and environment variables mirror
azure.azcollection's so AWX's "Microsoft Azure Resource Manager" credential works unchanged.
Every module run is a new process, so SDK modules are imported only where they are used.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import configparser
import json
import os
import re
import subprocess
from typing import Any, Dict, List, Optional

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

try:
    # Presence checks only; the SDK modules are imported where they are used.
    import azure.core  # noqa: F401 pylint: disable=unused-import
    import azure.identity  # noqa: F401 pylint: disable=unused-import

    HAS_AZURE = True
    AZURE_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised only without the SDK
    HAS_AZURE = False
    AZURE_IMPORT_ERROR = exc

AZURE_REQUIREMENTS = "azure-identity, azure-mgmt-securityinsight and azure-mgmt-loganalytics"

# Option spec shared by the Sentinel modules; documented once in doc_fragments/azure.py.
# The env names are azure.azcollection's; azure-identity's own names are accepted as fallbacks.
AZURE_AUTH_ARGSPEC = dict(
    auth_source=dict(
        type="str",
        default="auto",
        choices=["auto", "cli", "env", "credential_file", "msi"],
        fallback=(env_fallback, ["ANSIBLE_AZURE_AUTH_SOURCE"]),
    ),
    profile=dict(type="str", fallback=(env_fallback, ["AZURE_PROFILE"])),
    subscription_id=dict(type="str", fallback=(env_fallback, ["AZURE_SUBSCRIPTION_ID"])),
    client_id=dict(type="str", fallback=(env_fallback, ["AZURE_CLIENT_ID"])),
    secret=dict(type="str", no_log=True, fallback=(env_fallback, ["AZURE_SECRET", "AZURE_CLIENT_SECRET"])),
    tenant=dict(type="str", fallback=(env_fallback, ["AZURE_TENANT", "AZURE_TENANT_ID"])),
    cloud_environment=dict(type="str", default="AzureCloud", fallback=(env_fallback, ["AZURE_CLOUD_ENVIRONMENT"])),
    cert_validation_mode=dict(
        type="str",
        default="validate",
        choices=["validate", "ignore"],
        fallback=(env_fallback, ["AZURE_CERT_VALIDATION_MODE"]),
    ),
    adfs_authority_url=dict(type="str", fallback=(env_fallback, ["AZURE_ADFS_AUTHORITY_URL"])),
    disable_instance_discovery=dict(
        type="bool", default=False, fallback=(env_fallback, ["AZURE_DISABLE_INSTANCE_DISCOVERY"])
    ),
    read_timeout=dict(type="int", default=60),
)

# Public endpoints of the clouds azure.azcollection knows by name (same values as azure-cli's
# cloud table and azure.mgmt.core.tools.get_arm_endpoints).
KNOWN_CLOUDS = {
    "azurecloud": dict(
        name="AzureCloud",
        resource_manager="https://management.azure.com/",
        authority="https://login.microsoftonline.com",
        scope="https://management.azure.com/.default",
    ),
    "azureusgovernment": dict(
        name="AzureUSGovernment",
        resource_manager="https://management.usgovcloudapi.net/",
        authority="https://login.microsoftonline.us",
        scope="https://management.core.usgovcloudapi.net/.default",
    ),
    "azurechinacloud": dict(
        name="AzureChinaCloud",
        resource_manager="https://management.chinacloudapi.cn/",
        authority="https://login.chinacloudapi.cn",
        scope="https://management.chinacloudapi.cn/.default",
    ),
}
# Aliases azure-cli and older Ansible releases accept.
CLOUD_ALIASES = {"azurepubliccloud": "azurecloud", "azureusgovernmentcloud": "azureusgovernment"}

METADATA_PATH = "/metadata/endpoints"
METADATA_API_VERSIONS = ("2022-09-01", "2015-01-01")

# The one retry policy for every Azure call (azure-core RetryPolicy keywords): 408/429/5xx and
# connection errors, honouring Retry-After; total time bounded so a task cannot hang for long.
RETRY_SETTINGS = dict(
    retry_total=6,
    retry_connect=3,
    retry_read=3,
    retry_status=6,
    retry_backoff_factor=0.8,
    retry_backoff_max=30,
    timeout=180,
)
CONNECTION_TIMEOUT = 30
# azure-core waits 300 s for an answer by default; a hung front end would hold a task that long
# per attempt. A read timeout counts as a read error, retried (retry_read) like a dropped connection.
DEFAULT_READ_TIMEOUT = 60


class AzureAuthError(ValueError):
    """The authentication options are inconsistent; raised before any network call."""


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def connection_verify(params: Dict[str, Any]) -> bool:
    """What to pass as connection_verify: True keeps requests' CA handling (REQUESTS_CA_BUNDLE)."""
    return params.get("cert_validation_mode") != "ignore"


def known_cloud(name: str) -> Optional[Dict[str, str]]:
    key = name.strip().lower()
    return KNOWN_CLOUDS.get(CLOUD_ALIASES.get(key, key))


def _scope_for(audience: str) -> str:
    return audience.rstrip("/") + "/.default"


def parse_cloud_metadata(payload: Any, metadata_url: str) -> Dict[str, str]:
    """Endpoints from an ARM metadata document: the 2022-09-01 list or the legacy dict form.

    The list names every cloud the endpoint knows (management.azure.com lists the public and
    sovereign clouds): take the one whose resourceManager is the URL we were given, else the only
    one. The legacy dict (Azure Stack, api-version 2015-01-01) has no resourceManager: it is the
    URL itself.
    """
    base = metadata_url.rstrip("/") + "/"
    if isinstance(payload, list):
        entries = [entry for entry in payload if isinstance(entry, dict)]
        same_host = [e for e in entries if str(e.get("resourceManager", "")).rstrip("/") + "/" == base]
        chosen = same_host or (entries if len(entries) == 1 else [])
        if not chosen:
            raise ValueError("cloud metadata at %s lists no cloud whose resourceManager is %s" % (metadata_url, base))
        entry = chosen[0]
    elif isinstance(payload, dict):
        entry = payload
    else:
        raise ValueError("cloud metadata at %s is neither a list nor an object" % metadata_url)
    authentication = entry.get("authentication") or {}
    login = authentication.get("loginEndpoint")
    if not login:
        raise ValueError("cloud metadata at %s has no authentication.loginEndpoint" % metadata_url)
    resource_manager = entry.get("resourceManager") or base
    audiences = authentication.get("audiences") or [resource_manager]
    return dict(
        name=entry.get("name") or metadata_url,
        resource_manager=resource_manager.rstrip("/") + "/",
        authority=login.rstrip("/"),
        scope=_scope_for(audiences[0]),
    )


def fetch_cloud_metadata(metadata_url: str, verify: bool) -> Dict[str, str]:
    """GET <url>/metadata/endpoints through azure-core (same retry policy and CA handling)."""
    from azure.core import PipelineClient
    from azure.core.pipeline.policies import RetryPolicy
    from azure.core.rest import HttpRequest

    client = PipelineClient(metadata_url, policies=[RetryPolicy(**RETRY_SETTINGS)])
    last_status = None
    for api_version in METADATA_API_VERSIONS:
        url = "%s%s?api-version=%s" % (metadata_url.rstrip("/"), METADATA_PATH, api_version)
        request = HttpRequest("GET", url, headers={"Accept": "application/json"})
        response = client.send_request(
            request, connection_verify=verify, connection_timeout=CONNECTION_TIMEOUT, read_timeout=DEFAULT_READ_TIMEOUT
        )
        if response.status_code == 200:
            return parse_cloud_metadata(json.loads(response.text()), metadata_url)
        last_status = response.status_code
    raise ValueError(
        "cloud metadata endpoint %s%s answered HTTP %s" % (metadata_url.rstrip("/"), METADATA_PATH, last_status)
    )


def resolve_cloud(cloud_environment: str, verify: bool) -> Dict[str, str]:
    """A cloud name (AzureCloud, AzureUSGovernment, AzureChinaCloud) or a metadata URL."""
    cloud = known_cloud(cloud_environment)
    if cloud:
        return dict(cloud)
    if cloud_environment.startswith("https://") or cloud_environment.startswith("http://"):
        return fetch_cloud_metadata(cloud_environment, verify)
    raise AzureAuthError(
        "cloud_environment must be AzureCloud, AzureUSGovernment, AzureChinaCloud or an https:// "
        "metadata endpoint URL, got %r" % cloud_environment
    )


def read_credential_file(profile: str, path: Optional[str] = None) -> Dict[str, str]:
    """A profile of ~/.azure/credentials (the INI file azure.azcollection reads)."""
    path = path or os.path.expanduser("~/.azure/credentials")
    parser = configparser.ConfigParser()
    if not parser.read(path):
        raise AzureAuthError("credential file %s not found (auth_source=credential_file)" % path)
    if not parser.has_section(profile):
        raise AzureAuthError("profile %r not found in %s" % (profile, path))
    return dict(parser.items(profile))


def auth_settings(params: Dict[str, Any], credential_file: Optional[str] = None) -> Dict[str, Any]:
    """Decide how to authenticate, mirroring azure.azcollection's precedence for ``auto``.

    Pure apart from reading the credential file: returns {method, client_id, secret, tenant,
    subscription_id, ...}, or raises AzureAuthError before any network call. ``auto``: a
    profile, else a service principal from options/environment, else the credential file's
    [default] profile when it exists, else the Azure CLI.
    """
    settings = {key: params.get(key) for key in ("subscription_id", "client_id", "secret", "tenant")}
    source = params.get("auth_source") or "auto"
    profile = params.get("profile")
    default_file = credential_file or os.path.expanduser("~/.azure/credentials")
    if source == "credential_file" or (source == "auto" and profile):
        from_file = read_credential_file(profile or "default", default_file)
        for key in settings:
            settings[key] = settings[key] or from_file.get(key)
        source = "credential_file"
    elif source == "auto":
        if settings["client_id"] or settings["secret"]:
            source = "env"
        elif os.path.isfile(default_file):
            return auth_settings(dict(params, auth_source="credential_file"), default_file)
        else:
            source = "cli"
    settings["method"] = "service_principal" if source in ("env", "credential_file") else source
    if settings["method"] == "service_principal":
        missing = [name for name in ("client_id", "secret", "tenant") if not settings[name]]
        if missing:
            raise AzureAuthError(
                "service principal authentication needs client_id, secret and tenant "
                "(AZURE_CLIENT_ID, AZURE_SECRET, AZURE_TENANT); missing: %s" % ", ".join(missing)
            )
    if settings["method"] == "msi" and not settings["subscription_id"]:
        raise AzureAuthError("auth_source=msi needs subscription_id (AZURE_SUBSCRIPTION_ID)")
    return settings


def cli_subscription_id() -> str:
    """The Azure CLI's current subscription, as azure.azcollection uses when none is given."""
    try:
        output = subprocess.run(
            ["az", "account", "show", "--output", "json"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
        return json.loads(output)["id"]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError) as exc:
        raise AzureAuthError("subscription_id not given and 'az account show' failed: %s" % exc) from exc


def build_credential(settings: Dict[str, Any], cloud: Dict[str, str], params: Dict[str, Any]) -> Any:
    """The azure-identity credential for the chosen method (no hand-written token code)."""
    verify = connection_verify(params)
    common = dict(connection_verify=verify)
    method = settings["method"]
    if method == "service_principal":
        from azure.identity import ClientSecretCredential

        return ClientSecretCredential(
            settings["tenant"],
            settings["client_id"],
            settings["secret"],
            authority=params.get("adfs_authority_url") or cloud["authority"],
            disable_instance_discovery=bool(params.get("disable_instance_discovery")),
            **common,
        )
    if method == "msi":
        from azure.identity import ManagedIdentityCredential

        return ManagedIdentityCredential(client_id=settings.get("client_id"), **common)
    from azure.identity import AzureCliCredential

    return AzureCliCredential(tenant_id=settings.get("tenant"))


def client_kwargs(session: "AzureSession") -> Dict[str, Any]:
    """Keyword arguments every management client gets: endpoint, scope, CA handling, retries."""
    kwargs = dict(
        base_url=session.cloud["resource_manager"],
        credential_scopes=[session.cloud["scope"]],
        connection_verify=session.verify,
        connection_timeout=CONNECTION_TIMEOUT,
        read_timeout=session.params.get("read_timeout") or DEFAULT_READ_TIMEOUT,
        user_agent="sentinel.aws-ansible",
    )
    kwargs.update(RETRY_SETTINGS)
    return kwargs


class AzureSession:
    """Credential, subscription and cloud for one module run; clients built on demand."""

    def __init__(self, params: Dict[str, Any], subscription_id: Optional[str] = None):
        """subscription_id, when given (from a workspace resource ID), wins over the auth options."""
        self.params = params
        read_timeout = params.get("read_timeout")
        if read_timeout is not None and read_timeout < 1:
            raise InvalidInput("read_timeout must be 1 second or more, got %d" % read_timeout)
        self.verify = connection_verify(params)
        self.settings = auth_settings(params)
        self.subscription_id = subscription_id or self.settings.get("subscription_id")
        if not self.subscription_id and self.settings["method"] != "cli":
            raise AzureAuthError("subscription_id is required (option or AZURE_SUBSCRIPTION_ID)")
        self.cloud = resolve_cloud(params.get("cloud_environment") or "AzureCloud", self.verify)
        self.credential = build_credential(self.settings, self.cloud, params)
        self.subscription_id = self.subscription_id or cli_subscription_id()
        self._clients: Dict[str, Any] = {}

    @property
    def secrets(self) -> List[Optional[str]]:
        return [self.settings.get("secret")]

    def security_insights(self) -> Any:
        if "si" not in self._clients:
            from azure.mgmt.securityinsight import SecurityInsights

            self._clients["si"] = SecurityInsights(self.credential, self.subscription_id, **client_kwargs(self))
        return self._clients["si"]

    def log_analytics(self) -> Any:
        if "la" not in self._clients:
            from azure.mgmt.loganalytics import LogAnalyticsManagementClient

            self._clients["la"] = LogAnalyticsManagementClient(
                self.credential, self.subscription_id, api_version=WORKSPACE_API_VERSION, **client_kwargs(self)
            )
        return self._clients["la"]


# Stable API versions we speak (per call for securityinsight 1.0.0, whose client-level setting is ignored).
SECURITY_INSIGHTS_API_VERSION = "2021-10-01"
WORKSPACE_API_VERSION = "2022-10-01"


def error_details(exc: BaseException) -> Dict[str, Any]:
    """HTTP status and ARM error code/message of an azure-core exception, when it has them."""
    status = getattr(exc, "status_code", None)
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    message = getattr(error, "message", None) or getattr(exc, "message", None) or str(exc)
    return dict(status_code=status, error_code=code, message=str(message).splitlines()[0] if message else "")


def scrub(text: str, secrets: List[Optional[str]]) -> str:
    """Remove secret values from text that may end up in a result (belt and braces to no_log)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "********")
    return text


def translate_error(
    exc: BaseException,
    operation: str,
    workspace: str,
    resource_group: str = "",
    secrets: Optional[List[Optional[str]]] = None,
) -> Dict[str, Any]:
    """One translation of Azure errors into fail_json keywords naming the operation and workspace.

    401 / invalid_client: authentication; 403: authorisation on the workspace; 404: missing
    workspace (callers with a better guess pass their own message first); others: the ARM text.
    Keeps status_code and error_code; never includes a token or the secret.
    """
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError

    details = error_details(exc)
    status = details["status_code"]
    reason = details["message"]
    where = "workspace %s" % workspace + (" in resource group %s" % resource_group if resource_group else "")
    if (isinstance(exc, ClientAuthenticationError) and status in (None, 400, 401)) or status == 401:
        msg = "authentication failed while trying to %s: check client_id, secret, tenant and cloud_environment (%s)" % (
            operation,
            reason,
        )
    elif status == 403:
        msg = (
            "not authorized to %s on %s: the identity needs a Microsoft Sentinel Contributor (or Reader, for "
            "info modules) role on it (%s)" % (operation, where, reason)
        )
    elif status == 404 and details["error_code"] in (
        None,
        "ResourceNotFound",
        "NotFound",
        "ResourceGroupNotFound",
        "WorkspaceNotFound",
    ):
        msg = "workspace %s not found in resource group %s (%s)" % (workspace, resource_group, reason)
    elif isinstance(exc, ServiceRequestError):
        msg = "could not reach Azure to %s on %s: %s" % (operation, where, reason)
    else:
        msg = "failed to %s on %s: %s" % (operation, where, reason)
    code = details["error_code"]
    if code is None:
        # Entra ID errors come as text only: keep their AADSTS code (AADSTS7000215: wrong secret).
        found = re.search(r"AADSTS\d+", reason)
        code = found.group(0) if found else None
    return dict(msg=scrub(msg, secrets or []), status_code=status, error_code=code)


class SentinelWorkspace:
    """SDK calls on one workspace, returning plain dicts (sentinel.connector_summary's shape)."""

    def __init__(self, session: AzureSession, resource_group: str, name: str):
        self.session = session
        self.resource_group = resource_group
        self.name = name

    def get(self) -> Dict[str, Any]:
        workspace = self.session.log_analytics().workspaces.get(self.resource_group, self.name)
        return dict(
            name=workspace.name,
            resource_group=self.resource_group,
            subscription_id=self.session.subscription_id,
            id=workspace.id,
            location=workspace.location,
            customer_id=workspace.customer_id,
        )

    def sentinel_enabled(self) -> bool:
        """Whether onboardingStates/default exists (Sentinel is enabled on the workspace)."""
        from azure.core.exceptions import ResourceNotFoundError

        try:
            self.session.security_insights().sentinel_onboarding_states.get(
                self.resource_group, self.name, "default", api_version=SECURITY_INSIGHTS_API_VERSION
            )
        except ResourceNotFoundError:
            return False
        return True

    def enable_sentinel(self) -> None:
        from azure.mgmt.securityinsight.models import SentinelOnboardingState

        self.session.security_insights().sentinel_onboarding_states.create(
            self.resource_group,
            self.name,
            "default",
            SentinelOnboardingState(customer_managed_key=False),
            api_version=SECURITY_INSIGHTS_API_VERSION,
        )

    def list_connectors(self) -> List[Dict[str, Any]]:
        """All connectors, every page; kinds the SDK has no model for are read from the raw body."""
        from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import connector_summary

        raw_kinds: Dict[str, str] = {}

        def remember_kinds(pipeline_response: Any) -> None:
            try:
                for item in json.loads(pipeline_response.http_response.text()).get("value", []):
                    raw_kinds[str(item.get("name", "")).lower()] = item.get("kind")
            except (ValueError, AttributeError):
                pass  # not JSON: the SDK raises its own error for this page

        pager = self.session.security_insights().data_connectors.list(
            self.resource_group, self.name, api_version=SECURITY_INSIGHTS_API_VERSION, raw_response_hook=remember_kinds
        )
        models = list(pager)
        return [connector_summary(m.as_dict(), raw_kinds.get(str(m.name).lower())) for m in models]

    def put_connector(
        self, connector_id: str, role_arn: str, logs_enabled: bool, etag: Optional[str]
    ) -> Dict[str, Any]:
        """PUT the CloudTrail connector; the model class keeps kind (a dict body loses it in 1.0.0)."""
        from azure.mgmt.securityinsight.models import (
            AwsCloudTrailDataConnector,
            AwsCloudTrailDataConnectorDataTypes,
            AwsCloudTrailDataConnectorDataTypesLogs,
        )
        from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import connector_summary, logs_state

        body = AwsCloudTrailDataConnector(
            etag=etag,
            aws_role_arn=role_arn,
            data_types=AwsCloudTrailDataConnectorDataTypes(
                logs=AwsCloudTrailDataConnectorDataTypesLogs(state=logs_state(logs_enabled))
            ),
        )
        result = self.session.security_insights().data_connectors.create_or_update(
            self.resource_group, self.name, connector_id, body, api_version=SECURITY_INSIGHTS_API_VERSION
        )
        return connector_summary(result.as_dict())

    def delete_connector(self, connector_id: str) -> None:
        self.session.security_insights().data_connectors.delete(
            self.resource_group, self.name, connector_id, api_version=SECURITY_INSIGHTS_API_VERSION
        )


def azure_argument_spec(module_spec: Dict[str, Any]) -> Dict[str, Any]:
    """The module's own options plus the shared Azure ones."""
    spec = dict(AZURE_AUTH_ARGSPEC)
    spec.update(module_spec)
    return spec


# The workspace a Sentinel module works on: name + resource group, or the full resource ID
# (documented once in doc_fragments/azure.py, WORKSPACE).
WORKSPACE_ARGSPEC = dict(
    workspace_name=dict(type="str", aliases=["workspace"]),
    resource_group=dict(type="str"),
    workspace_resource_id=dict(type="str"),
)


def workspace_module(module_spec: Dict[str, Any], **kwargs: Any) -> AnsibleModule:
    """The AnsibleModule of a module working on one workspace: its options, the workspace and Azure ones."""
    spec = dict(WORKSPACE_ARGSPEC)
    spec.update(module_spec)
    module = AnsibleModule(
        argument_spec=azure_argument_spec(spec),
        mutually_exclusive=[("workspace_resource_id", "workspace_name"), ("workspace_resource_id", "resource_group")],
        required_one_of=[("workspace_resource_id", "workspace_name")],
        required_together=[("workspace_name", "resource_group")],
        supports_check_mode=True,
        **kwargs,
    )
    require_azure(module)
    return module


def require_azure(module: Any) -> None:
    """Fail like amazon.aws does for boto3 when the Azure SDK is missing."""
    if not HAS_AZURE:
        from ansible.module_utils.basic import missing_required_lib

        module.fail_json(msg=missing_required_lib(AZURE_REQUIREMENTS), exception=str(AZURE_IMPORT_ERROR))


def azure_errors() -> tuple:
    """The exception classes translate_error handles (imported lazily)."""
    from azure.core.exceptions import AzureError

    return (AzureError,)


def open_workspace(module: Any, reference: Dict[str, Optional[str]]) -> SentinelWorkspace:
    """Session and workspace handle for a module, failing cleanly on bad auth options or cloud."""
    session = None
    try:
        if not reference.get("subscription_id") and module.params.get("subscription_id"):
            from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import check_subscription_id

            check_subscription_id(module.params["subscription_id"])
        session = AzureSession(module.params, reference.get("subscription_id"))
    except ValueError as exc:  # AzureAuthError, InvalidInput, bad cloud metadata
        module.fail_json(msg=scrub(str(exc), [module.params.get("secret")]))
    except azure_errors() as exc:
        fail_azure(module, exc, "read the cloud metadata of %s" % module.params.get("cloud_environment"), reference)
    if not session.params.get("cert_validation_mode") == "validate":
        module.warn("cert_validation_mode=ignore: TLS certificates of Azure endpoints are not checked")
    return SentinelWorkspace(session, reference["resource_group"], reference["name"])


def fail_azure(module: Any, exc: BaseException, operation: str, reference: Dict[str, Optional[str]]) -> None:
    module.fail_json(
        **translate_error(
            exc,
            operation,
            str(reference.get("name")),
            str(reference.get("resource_group")),
            secrets=[module.params.get("secret")],
        )
    )


def explain_unreadable_connectors(module: Any, workspace: SentinelWorkspace, exc: BaseException) -> None:
    """Listing connectors failed: say whether the workspace is missing or Sentinel is off on it."""
    reference = dict(name=workspace.name, resource_group=workspace.resource_group)
    status = getattr(exc, "status_code", None)
    if status in (400, 404, 409):
        try:
            workspace.get()
            enabled = workspace.sentinel_enabled()
        except azure_errors() as second:
            fail_azure(module, second, "read workspace", reference)
        if not enabled:
            module.fail_json(
                msg="Microsoft Sentinel is not enabled on workspace %s in resource group %s: enable it, or set "
                "ensure_sentinel: true" % (workspace.name, workspace.resource_group),
                sentinel_enabled=False,
                **{k: v for k, v in error_details(exc).items() if k != "message"},
            )
    fail_azure(module, exc, "list the data connectors", reference)
