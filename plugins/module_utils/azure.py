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
import time
from typing import Any, Callable, Dict, List, Optional

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import (
    NOT_ONBOARDED,
    PROVIDER_NOT_REGISTERED,
    check_subscription_id,
    connector_summary,
    logs_state,
)
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
# connection errors, honouring Retry-After. BoundedRetryPolicy adds the time budget: see there.
RETRY_SETTINGS = dict(
    retry_total=6,
    retry_connect=3,
    retry_read=3,
    retry_status=6,
    retry_backoff_factor=0.8,
    retry_backoff_max=30,
)
CONNECTION_TIMEOUT = 30
# azure-core waits 300 s for an answer by default; a hung front end would hold a task that long
# per attempt. A read timeout counts as a read error, retried (retry_read) like a dropped connection.
DEFAULT_READ_TIMEOUT = 60
# The time budget of modules without a wait_timeout option (data_connector's default wait_timeout).
DEFAULT_WAIT_TIMEOUT = 60


class AzureAuthError(ValueError):
    """The authentication options are inconsistent; raised before any network call."""


class RetryAfterBeyondBudget(Exception):
    """Azure asked (Retry-After) for a wait that would end past the module's time budget.

    Not an AzureError on purpose: azure-core's RetryPolicy retries AzureErrors raised inside its
    loop, and this must end the call at once.
    """

    def __init__(self, status_code: int, asked: float, left: float, budget: float):
        self.status_code = status_code
        self.asked = asked
        self.left = max(0.0, left)
        self.budget = budget
        super().__init__(
            "Azure answered HTTP %d and asked to wait %.0f seconds (Retry-After) before retrying, more than the "
            "%.0f seconds left of this task's %.0f-second time budget (the larger of wait_timeout and "
            "read_timeout); try again later, or raise wait_timeout" % (status_code, asked, self.left, budget)
        )


def time_budget(params: Dict[str, Any]) -> float:
    """Seconds one module run may spend on Azure, retry waits included.

    The larger of wait_timeout (how long the user accepts waiting; modules without the option use
    data_connector's default) and read_timeout (one full attempt must always fit).
    """
    wait_timeout = params.get("wait_timeout")
    if wait_timeout is None:
        wait_timeout = DEFAULT_WAIT_TIMEOUT
    return float(max(wait_timeout, params.get("read_timeout") or DEFAULT_READ_TIMEOUT))


def bounded_retry_policy_class(deadline: float, budget: float) -> Any:
    """azure-core's RetryPolicy bound to one module run's deadline (time.monotonic()) and budget."""
    from azure.core.pipeline.policies import RetryPolicy

    class BoundedRetryPolicy(RetryPolicy):
        """azure-core's RetryPolicy whose waits all end before the module's deadline.

        RetryPolicy.send sleeps for Retry-After whatever its length (_sleep_for_retry) and only
        then finds its `timeout` spent ("Response timeout", no status). Here increment(), called
        before each sleep, checks the coming wait against the deadline: a Retry-After that does not
        fit raises RetryAfterBeyondBudget at once; a back-off that does not fit ends the retries,
        so the last answer or error is what the caller sees.
        """

        def __init__(self, **kwargs: Any):
            kwargs.setdefault("timeout", budget)
            super().__init__(**kwargs)

        def increment(self, settings: Dict[str, Any], response: Any = None, error: Any = None) -> bool:
            if not super().increment(settings, response=response, error=error):
                return False
            http_response = getattr(response, "http_response", None) if error is None else None
            asked = self.get_retry_after(response) if http_response is not None else None
            left = deadline - time.monotonic()
            if (asked or self.get_backoff_time(settings)) <= left:
                return True
            if asked:
                raise RetryAfterBeyondBudget(http_response.status_code, asked, left, budget)
            return False

    return BoundedRetryPolicy


def bounded_retry_policy(deadline: float, budget: float) -> Any:
    """The retry policy of every ARM and metadata call of one module run."""
    return bounded_retry_policy_class(deadline, budget)(**RETRY_SETTINGS)


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


def require_https(what: str, url: Any) -> str:
    """Refuse an endpoint that is not https://: the client secret and bearer tokens go to these."""
    if not isinstance(url, str) or not url.lower().startswith("https://"):
        raise AzureAuthError(
            "%s must be an https:// URL, got %r: the sign-in secret and bearer tokens are never sent over "
            "plain HTTP" % (what, url)
        )
    return url


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
    # The metadata document is what points the client secret somewhere: checked before any sign-in.
    require_https("authentication.loginEndpoint in the cloud metadata at %s" % metadata_url, login)
    resource_manager = require_https(
        "resourceManager in the cloud metadata at %s" % metadata_url, entry.get("resourceManager") or base
    )
    audiences = authentication.get("audiences") or [resource_manager]
    return dict(
        name=entry.get("name") or metadata_url,
        resource_manager=resource_manager.rstrip("/") + "/",
        authority=login.rstrip("/"),
        scope=_scope_for(audiences[0]),
    )


def fetch_cloud_metadata(metadata_url: str, verify: bool, retry_policy: Any) -> Dict[str, str]:
    """GET <url>/metadata/endpoints through azure-core (same retry policy and CA handling)."""
    from azure.core import PipelineClient
    from azure.core.rest import HttpRequest

    client = PipelineClient(metadata_url, policies=[retry_policy])
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


def resolve_cloud(cloud_environment: str, verify: bool, retry_policy: Any = None) -> Dict[str, str]:
    """A cloud name (AzureCloud, AzureUSGovernment, AzureChinaCloud) or an https:// metadata URL.

    A plain-HTTP metadata URL is refused: the document names the login endpoint the secret is
    posted to, and over HTTP anyone on the path could rewrite it.
    """
    cloud = known_cloud(cloud_environment)
    if cloud:
        return dict(cloud)
    if cloud_environment.lower().startswith("http://"):
        require_https("cloud_environment (a metadata endpoint URL)", cloud_environment)
    if cloud_environment.lower().startswith("https://"):
        return fetch_cloud_metadata(cloud_environment, verify, retry_policy)
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


def build_credential(
    settings: Dict[str, Any], cloud: Dict[str, str], params: Dict[str, Any], deadline: Optional[float] = None
) -> Any:
    """The azure-identity credential for the chosen method (no hand-written token code)."""
    verify = connection_verify(params)
    common = dict(connection_verify=verify)
    method = settings["method"]
    if method == "service_principal":
        from azure.identity import ClientSecretCredential

        budget = time_budget(params)
        deadline = deadline if deadline is not None else time.monotonic() + budget
        authority = require_https(
            "adfs_authority_url" if params.get("adfs_authority_url") else "the login endpoint",
            params.get("adfs_authority_url") or cloud["authority"],
        )
        # Entra ID's 429/5xx are retried by the credential's own azure-core pipeline: give it the
        # same settings and time budget as ARM calls (azure-identity's build_pipeline takes the
        # policy class as retry_policy_class, as its IMDS credential does), else it retries 10 times
        # with waits of up to 120 s and sleeps any Retry-After in full.
        return ClientSecretCredential(
            settings["tenant"],
            settings["client_id"],
            settings["secret"],
            authority=authority,
            disable_instance_discovery=bool(params.get("disable_instance_discovery")),
            retry_policy_class=bounded_retry_policy_class(deadline, budget),
            **dict(RETRY_SETTINGS, **common),
        )
    if method == "msi":
        from azure.identity import ManagedIdentityCredential

        return ManagedIdentityCredential(client_id=settings.get("client_id"), **common)
    from azure.identity import AzureCliCredential

    return AzureCliCredential(tenant_id=settings.get("tenant"))


def arm_error_code(http_response: Any) -> Optional[str]:
    """error.code of an ARM error body ({"error": {"code", "message"}}), or None."""
    try:
        body = json.loads(http_response.text())
    except (ValueError, TypeError, AttributeError):
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


def renewing_authentication_policy(credential: Any, scope: str, renew_credential: Callable[[], Any]) -> Any:
    """ARM's bearer-token policy that answers ExpiredAuthenticationToken with one fresh token.

    ARM answers an expired token with 401 ExpiredAuthenticationToken (terraform-provider-azurerm
    #20867 shows the body). azure-core's BearerTokenCredentialPolicy drops its cached token on a
    401 but re-sends only for a CAE claims challenge, and the credential's own cache (MSAL's)
    would hand the same expired token back; so a new credential is built (an empty cache) and the
    request is sent once more. Checked after the base policy, so it works with or without the
    WWW-Authenticate challenge header.
    """
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

    class RenewingAuthenticationPolicy(ARMChallengeAuthenticationPolicy):
        def send(self, request: Any) -> Any:
            response = super().send(request)
            if (
                response.http_response.status_code == 401
                and arm_error_code(response.http_response) == "ExpiredAuthenticationToken"
            ):
                self._credential = renew_credential()
                self.authorize_request(request, *self._scopes)
                response = self.next.send(request)
            return response

    return RenewingAuthenticationPolicy(credential, scope)


def client_kwargs(session: "AzureSession") -> Dict[str, Any]:
    """Keyword arguments every management client gets: endpoint, scope, CA handling, retries."""
    scope = session.cloud["scope"]
    return dict(
        base_url=session.cloud["resource_manager"],
        credential_scopes=[scope],
        connection_verify=session.verify,
        connection_timeout=CONNECTION_TIMEOUT,
        read_timeout=session.params.get("read_timeout") or DEFAULT_READ_TIMEOUT,
        user_agent="sentinel.aws-ansible",
        retry_policy=bounded_retry_policy(session.deadline, session.budget),
        authentication_policy=renewing_authentication_policy(session.credential, scope, session.renew_credential),
    )


class AzureSession:
    """Credential, subscription and cloud for one module run; clients built on demand."""

    def __init__(self, params: Dict[str, Any], subscription_id: Optional[str] = None):
        """subscription_id, when given (from a workspace resource ID), wins over the auth options."""
        self.params = params
        read_timeout = params.get("read_timeout")
        if read_timeout is not None and read_timeout < 1:
            raise InvalidInput("read_timeout must be 1 second or more, got %d" % read_timeout)
        self.verify = connection_verify(params)
        # One deadline for the whole run: every retry wait of every call must end before it.
        self.budget = time_budget(params)
        self.deadline = time.monotonic() + self.budget
        self.settings = auth_settings(params)
        self.subscription_id = subscription_id or self.settings.get("subscription_id")
        if not self.subscription_id and self.settings["method"] != "cli":
            raise AzureAuthError("subscription_id is required (option or AZURE_SUBSCRIPTION_ID)")
        self.cloud = resolve_cloud(
            params.get("cloud_environment") or "AzureCloud",
            self.verify,
            bounded_retry_policy(self.deadline, self.budget),
        )
        self.credential = self.renew_credential()
        self.subscription_id = self.subscription_id or cli_subscription_id()
        self._clients: Dict[str, Any] = {}

    def renew_credential(self) -> Any:
        """A new credential (with an empty token cache); the clients' policies call it on an expired token."""
        self.credential = build_credential(self.settings, self.cloud, self.params, self.deadline)
        return self.credential

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


def inner_message(message: str) -> str:
    """The service's own text of an ARM error message that may be double-encoded.

    Sentinel often answers {"error": {"code": "BadRequest", "message": "{\"error\": {\"code\":
    ..., \"message\": \"Workspace 'x' is not onboarded ...\"}}"}}: the outer message is itself a
    JSON error. Unwrapped as long as it is one (a few levels at most).
    """
    for _level in range(3):
        try:
            decoded = json.loads(message)
        except (ValueError, TypeError):
            break
        error = decoded.get("error") if isinstance(decoded, dict) else None
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            break
        message = error["message"]
    return message


def error_details(exc: BaseException) -> Dict[str, Any]:
    """HTTP status and ARM error code/message of an azure-core exception, when it has them."""
    status = getattr(exc, "status_code", None)
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    message = inner_message(str(getattr(error, "message", None) or getattr(exc, "message", None) or str(exc)))
    return dict(status_code=status, error_code=code, message=message.splitlines()[0] if message else "")


# Entra ID answers that mean the identity itself is refused, not that the service is in trouble
# (Microsoft Learn, "Microsoft Entra authentication and authorization error codes"): every AADSTS
# code except these transient ones (AADSTS50000 TokenIssuanceError, AADSTS90033
# MsodsServiceUnavailable). Throttling (429) and server errors (5xx) carry no AADSTS code.
TRANSIENT_AADSTS = ("AADSTS50000", "AADSTS90033")
ENTRA_HTTP_ERROR = re.compile(r"HTTP Error: (\d{3})")
ENTRA_SERVICE_TROUBLE = re.compile(r"TooManyRequests|temporarily_unavailable|server_error|ServiceUnavailable")


def token_refusal(reason: str) -> Dict[str, Any]:
    """What an Entra ID (token endpoint) failure means: {credentials: bool, code, http_status}.

    credentials is True only for a refusal of the identity (an AADSTS code that is not transient):
    wrong secret (AADSTS7000215), unknown app (AADSTS700016), unknown tenant (AADSTS90002, which
    MSAL reports as "Unable to get authority configuration"), ...
    """
    found = re.search(r"AADSTS\d+", reason)
    code = found.group(0) if found else None
    status = ENTRA_HTTP_ERROR.search(reason)
    http_status = int(status.group(1)) if status else None
    if http_status is None and ENTRA_SERVICE_TROUBLE.search(reason):
        http_status = 429 if "TooManyRequests" in reason else 503
    # MSAL's own words when the tenant's OpenID configuration is refused (unknown tenant: 400 AADSTS90002).
    unknown_authority = "Unable to get authority configuration" in reason
    credentials = (bool(code) and code not in TRANSIENT_AADSTS) or unknown_authority
    return dict(credentials=credentials, code=code, http_status=http_status)


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

    exc = _beyond_budget_cause(exc) or exc
    details = error_details(exc)
    status = details["status_code"]
    reason = details["message"]
    where = "workspace %s" % workspace + (" in resource group %s" % resource_group if resource_group else "")
    refusal = token_refusal(reason) if isinstance(exc, ClientAuthenticationError) and status is None else None
    if isinstance(exc, RetryAfterBeyondBudget):
        msg = "could not %s on %s: %s" % (operation, where, reason)
    elif status == 400 and PROVIDER_NOT_REGISTERED.search(reason):
        msg = (
            "could not %s on %s: the subscription is not registered for the Microsoft.SecurityInsights resource "
            "provider. Register it (az provider register --namespace Microsoft.SecurityInsights, or the "
            "portal's Resource providers page), then enable Microsoft Sentinel on the workspace (%s)"
            % (operation, where, reason)
        )
    elif status == 400 and NOT_ONBOARDED.search(reason):
        msg = "could not %s: %s" % (operation, not_enabled_message(workspace, resource_group, reason))
    elif refusal is not None and not refusal["credentials"]:
        # The token endpoint failed without refusing the identity: throttling, 5xx, no answer.
        status = refusal["http_status"]
        msg = (
            "Microsoft Entra ID did not issue a token to %s (%s, retried within the task's time budget): a "
            "problem of the sign-in service, not of the credentials; try again later (%s)"
            % (operation, "HTTP %d" % status if status else "no usable answer", reason)
        )
    elif (isinstance(exc, ClientAuthenticationError) and status in (None, 400, 401)) or status == 401:
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
        code = token_refusal(reason)["code"]
    return dict(msg=scrub(msg, secrets or []), status_code=status, error_code=code)


def not_enabled_message(workspace: str, resource_group: str, reason: str = "") -> str:
    return (
        "Microsoft Sentinel is not enabled on workspace %s in resource group %s: enable it, or set "
        "ensure_sentinel: true%s"
        % (
            workspace,
            resource_group,
            " (%s)" % reason if reason else "",
        )
    )


def _beyond_budget_cause(exc: BaseException) -> Optional[RetryAfterBeyondBudget]:
    """The RetryAfterBeyondBudget behind exc (azure-identity wraps it in ClientAuthenticationError)."""
    seen = 0
    current: Optional[BaseException] = exc
    while current is not None and seen < 5:
        if isinstance(current, RetryAfterBeyondBudget):
            return current
        current = current.__cause__ or current.__context__
        seen += 1
    return None


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

    return (AzureError, RetryAfterBeyondBudget)


def open_workspace(module: Any, reference: Dict[str, Optional[str]]) -> SentinelWorkspace:
    """Session and workspace handle for a module, failing cleanly on bad auth options or cloud."""
    session = None
    try:
        if not reference.get("subscription_id") and module.params.get("subscription_id"):

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
    details = error_details(exc)
    status = details["status_code"]
    # Sentinel's own "not onboarded" answer says it all; other refusals are checked by reading the
    # workspace and its onboarding state.
    enabled = not NOT_ONBOARDED.search(details["message"])
    if enabled and status in (400, 404, 409) and not PROVIDER_NOT_REGISTERED.search(details["message"]):
        try:
            workspace.get()
            enabled = workspace.sentinel_enabled()
        except azure_errors() as second:
            fail_azure(module, second, "read workspace", reference)
    if not enabled:
        module.fail_json(
            msg=not_enabled_message(workspace.name, workspace.resource_group),
            sentinel_enabled=False,
            **{k: v for k, v in details.items() if k != "message"},
        )
    fail_azure(module, exc, "list the data connectors", reference)
