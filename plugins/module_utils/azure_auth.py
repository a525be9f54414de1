# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure sign-in for the collection's modules: options, credential, retry policy, client settings.

Built on azure-identity and azure-core only (not azure.azcollection's module_utils, whose import
pulls ~57 SDK modules and azure-cli-core). Option names and environment variables mirror
azure.azcollection's so AWX's "Microsoft Azure Resource Manager" credential works unchanged.
Every module run is a new process, so SDK modules are imported only where they are used.

A module that is not a Sentinel module gets its credential, cloud endpoints and client settings
from ``azure_connection(params)``.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import configparser
import json
import os
import subprocess
import time
from typing import Any, Callable, Dict, List, NamedTuple, Optional

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.sentinel.aws.plugins.module_utils.azure_cloud import (
    CONNECTION_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    AzureAuthError,
    require_https,
    resolve_cloud,
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


class AzureSdkMissing(ImportError):
    """The Azure SDK is not installed: amazon.aws's wording for a missing boto3."""

    def __init__(self) -> None:
        super().__init__(missing_required_lib(AZURE_REQUIREMENTS))
        self.import_error = str(AZURE_IMPORT_ERROR)


def require_sdk() -> None:
    if not HAS_AZURE:
        raise AzureSdkMissing()


# Option spec shared by the Azure modules; documented once in doc_fragments/azure.py.
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
# ARM counts these as writes (and DELETE as deletes) against its throttling limits.
WRITE_METHODS = ("PUT", "PATCH", "POST", "DELETE")
# The time budget of modules without a wait_timeout option (data_connector's default wait_timeout).
DEFAULT_WAIT_TIMEOUT = 60


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


def bounded_retry_policy_class(
    deadline: float, budget: float, on_throttle: Optional[Callable[[float], None]] = None
) -> Any:
    """azure-core's RetryPolicy bound to one module run's deadline (time.monotonic()) and budget.

    on_throttle, when given, is how a write (PUT, PATCH, POST, DELETE) that ARM answered 429 waits
    before its retry, instead of sleeping on its own: it gets the seconds ARM asked for
    (Retry-After) or the back-off. cloudtrail_organization gives its WritePacer's, so that every
    writer of the run slows down and the retries take their turns with the new writes.
    """
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

        def sleep(self, settings: Dict[str, Any], transport: Any, response: Any = None) -> None:
            if on_throttle is not None and is_throttled_write(response):
                on_throttle(self.get_retry_after(response) or self.get_backoff_time(settings))
                return
            super().sleep(settings, transport, response=response)

    return BoundedRetryPolicy


def is_throttled_write(response: Any) -> bool:
    """Whether an azure-core PipelineResponse is ARM's 429 to a write."""
    http_response = getattr(response, "http_response", None)
    request = getattr(http_response, "request", None)
    return getattr(http_response, "status_code", None) == 429 and getattr(request, "method", "") in WRITE_METHODS


def bounded_retry_policy(deadline: float, budget: float, on_throttle: Optional[Callable[[float], None]] = None) -> Any:
    """The retry policy of every ARM and metadata call of one module run."""
    return bounded_retry_policy_class(deadline, budget, on_throttle)(**RETRY_SETTINGS)


def connection_verify(params: Dict[str, Any]) -> bool:
    """What to pass as connection_verify: True keeps requests' CA handling (REQUESTS_CA_BUNDLE)."""
    return params.get("cert_validation_mode") != "ignore"


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


# What to set when no credentials were found at all (auth_source=auto fell through to the Azure
# CLI, and the CLI gave nothing): the options, and the environment variables AWX's Azure
# credential injects (doc_fragments/azure.py).
NO_CREDENTIALS = (
    "no Azure credentials found. Set subscription_id, and client_id, secret and tenant of a service principal "
    "(or the environment variables AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_ID, AZURE_SECRET, AZURE_TENANT); "
    "or set auth_source (ANSIBLE_AZURE_AUTH_SOURCE): credential_file with a profile of ~/.azure/credentials "
    "(option profile, AZURE_PROFILE), msi for a managed identity, or cli after 'az login'. Set cloud_environment "
    "(AZURE_CLOUD_ENVIRONMENT) for a cloud other than AzureCloud"
)


def cli_subscription_id(nothing_else_found: bool = False) -> str:
    """The Azure CLI's current subscription, as azure.azcollection uses when none is given.

    nothing_else_found: auth_source=auto found no other credentials, so the CLI was the last
    resort, and its failure means there are no credentials at all.
    """
    try:
        output = subprocess.run(
            ["az", "account", "show", "--output", "json"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
        return json.loads(output)["id"]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError) as exc:
        if nothing_else_found:
            raise AzureAuthError("%s ('az account show' failed: %s)" % (NO_CREDENTIALS, exc)) from exc
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


class AzureSession:
    """Credential, subscription and cloud of one module run, and the settings of its clients."""

    def __init__(
        self,
        params: Dict[str, Any],
        subscription_id: Optional[str] = None,
        on_throttle: Optional[Callable[[float], None]] = None,
    ):
        """subscription_id, when given (from a workspace resource ID), wins over the auth options.

        on_throttle: told of each ARM 429 (bounded_retry_policy_class).
        """
        require_sdk()
        self.params = params
        self.on_throttle = on_throttle
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
        # With auth_source=auto, the CLI is chosen only when nothing else was found (auth_settings).
        self.subscription_id = self.subscription_id or cli_subscription_id(params.get("auth_source") in (None, "auto"))

    def renew_credential(self) -> Any:
        """A new credential (with an empty token cache); the clients' policies call it on an expired token."""
        self.credential = build_credential(self.settings, self.cloud, self.params, self.deadline)
        return self.credential

    @property
    def secrets(self) -> List[Optional[str]]:
        return [self.settings.get("secret")]

    def client_kwargs(self) -> Dict[str, Any]:
        """Keyword arguments every management client gets: endpoint, scope, CA handling, retries."""
        scope = self.cloud["scope"]
        return dict(
            base_url=self.cloud["resource_manager"],
            credential_scopes=[scope],
            connection_verify=self.verify,
            connection_timeout=CONNECTION_TIMEOUT,
            read_timeout=self.params.get("read_timeout") or DEFAULT_READ_TIMEOUT,
            user_agent="sentinel.aws-ansible",
            retry_policy=bounded_retry_policy(self.deadline, self.budget, self.on_throttle),
            authentication_policy=renewing_authentication_policy(self.credential, scope, self.renew_credential),
        )


class AzureConnection(NamedTuple):
    """What a module needs to call Azure (see azure_connection)."""

    credential: Any
    cloud: Dict[str, str]
    subscription_id: str
    client_kwargs: Dict[str, Any]


def azure_connection(params: Dict[str, Any], subscription_id: Optional[str] = None) -> AzureConnection:
    """Sign-in and client settings from a module's Azure options (AZURE_AUTH_ARGSPEC), for any Azure module.

    - credential: the azure-identity credential auth_source chose (service principal, managed
      identity or Azure CLI), bound to the run's time budget;
    - cloud: {name, resource_manager, authority, scope} of cloud_environment (a metadata URL is read);
    - subscription_id: the argument (from a resource ID), else the option or AZURE_SUBSCRIPTION_ID,
      else the Azure CLI's;
    - client_kwargs: for an azure-mgmt client, ``Client(credential, subscription_id, **client_kwargs)``:
      base_url and credential_scopes (ARM), connection_verify (TLS on unless cert_validation_mode=ignore;
      REQUESTS_CA_BUNDLE is honoured), connection_timeout, read_timeout, user_agent, retry_policy (the
      run's one bounded policy) and authentication_policy (renews an expired ARM token). A client of
      another service keeps all but base_url, credential_scopes and authentication_policy.

    Raises AzureSdkMissing, or a ValueError (AzureAuthError, InvalidInput) for unusable options
    before any network call; the exceptions of azure_errors() when the cloud metadata cannot be
    read. Pass messages through sentinel_api.scrub before reporting them. Warn with
    connection_warnings(params).
    """
    session = AzureSession(params, subscription_id)
    return AzureConnection(session.credential, dict(session.cloud), session.subscription_id, session.client_kwargs())


def connection_warnings(params: Dict[str, Any]) -> List[str]:
    """What a module warns about its Azure options before it starts."""
    if connection_verify(params):
        return []
    return ["cert_validation_mode=ignore: TLS certificates of Azure endpoints are not checked"]


def azure_errors() -> tuple:
    """The exceptions an Azure call raises (imported lazily)."""
    from azure.core.exceptions import AzureError

    return (AzureError, RetryAfterBeyondBudget)


def azure_argument_spec(module_spec: Dict[str, Any]) -> Dict[str, Any]:
    """The module's own options plus the shared Azure ones."""
    spec = dict(AZURE_AUTH_ARGSPEC)
    spec.update(module_spec)
    return spec


# The workspace a module works on: name + resource group, or the full resource ID (documented once
# in doc_fragments/azure.py, WORKSPACE). Which of them to give is checked by
# sentinel.check_workspace_choice, the rule the role's variables follow too.
WORKSPACE_ARGSPEC = dict(
    workspace_name=dict(type="str", aliases=["workspace"]),
    resource_group=dict(type="str"),
    workspace_resource_id=dict(type="str"),
)


def workspace_module(module_spec: Dict[str, Any], **kwargs: Any) -> AnsibleModule:
    """The AnsibleModule of a module working on one workspace: its options, the workspace and Azure ones."""
    spec = dict(WORKSPACE_ARGSPEC)
    spec.update(module_spec)
    module = AnsibleModule(argument_spec=azure_argument_spec(spec), supports_check_mode=True, **kwargs)
    for warning in connection_warnings(module.params):
        module.warn(warning)
    return module
