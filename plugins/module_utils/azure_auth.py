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

import base64
import configparser
import hashlib
import json
import os
import stat
import subprocess
import tempfile
import threading
import time
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.sentinel.aws.plugins.module_utils.azure_cloud import (
    CONNECTION_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    AzureAuthError,
    cloud_key,
    known_cloud,
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
    token_cache=dict(type="bool", default=False, fallback=(env_fallback, ["SENTINEL_AWS_AZURE_TOKEN_CACHE"])),
    token_cache_dir=dict(
        type="path",
        default="~/.ansible/sentinel_aws/token_cache",
        fallback=(env_fallback, ["SENTINEL_AWS_AZURE_TOKEN_CACHE_DIR"]),
    ),
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


# --- the token cache shared by the module runs of a controller (option token_cache) ---------------------------
# Each module run is a new process, so each one used to sign in anew: ARM's cloud metadata (when
# cloud_environment is a URL), Entra ID's OpenID configuration and the token request. With
# token_cache, a service principal's token, and the cloud endpoints it was got for, are kept in
# one file per tenant, client, cloud and sign-in authority, encrypted with a key derived from the
# client secret. Safe because only a holder of the secret can read or write a file that decrypts,
# and a holder of the secret can mint the same token anyway. Managed identities and the Azure CLI
# are not cached: IMDS answers on the machine itself, and the CLI keeps a token cache of its own.

TOKEN_CACHE_VERSION = "sentinel.aws azure token cache v1"
# A token expiring within this many seconds is a miss (azure-core's BearerTokenCredentialPolicy
# refreshes 300 s before expiry too), so a run never starts with a token that dies during it.
TOKEN_CACHE_MARGIN = 300
# A cache file holds a cloud and a few tokens: anything bigger is not one of ours.
TOKEN_CACHE_MAX_BYTES = 65536


def token_cache_identity(settings: Dict[str, Any], params: Dict[str, Any]) -> str:
    """What a cache file is for: tenant, client, cloud and sign-in authority, known before any request.

    The authority and the ARM scope are functions of cloud_environment and adfs_authority_url
    (for a metadata URL, of the document it serves), so these name them before the metadata is read;
    tokens inside the file are kept per scope.
    """
    cloud = params.get("cloud_environment") or "AzureCloud"
    cloud = cloud_key(cloud) if known_cloud(cloud) else cloud.strip().rstrip("/")
    parts = (TOKEN_CACHE_VERSION, settings["tenant"].lower(), settings["client_id"].lower(), cloud)
    return "|".join(parts + ((params.get("adfs_authority_url") or "").rstrip("/"),))


def token_cache_file_name(identity: str) -> str:
    """SHA-256 of the identity: says nothing of the secret, and two principals never share a file."""
    return hashlib.sha256(identity.encode("utf-8")).hexdigest() + ".token"


def token_cache_key(secret: str, identity: str) -> bytes:
    """The Fernet key of a cache file: HKDF-SHA256 over the client secret, salted with the identity.

    Entra ID's client secrets are random (40 characters), so a fast key derivation is enough; the
    salt makes each file's key its own.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=identity.encode("utf-8"), info=TOKEN_CACHE_VERSION.encode("utf-8")
    ).derive(secret.encode("utf-8"))
    return base64.urlsafe_b64encode(derived)


def token_cache_directory(params: Dict[str, Any]) -> str:
    """token_cache_dir, ~ expanded (the option is a path; module_utils callers may pass none)."""
    return os.path.expanduser(params.get("token_cache_dir") or AZURE_AUTH_ARGSPEC["token_cache_dir"]["default"])


def token_cache_dir_problem(directory: str) -> Optional[str]:
    """Why an existing cache directory is not used (owned by another user, open to others), or None."""
    try:
        info = os.stat(directory)
    except OSError:
        return None  # made, 0700, on the first write
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a directory"
    if info.st_uid != os.getuid():
        return "it belongs to another user"
    if info.st_mode & 0o077:
        return "its mode is %s: others may use it (it must be 0700)" % oct(info.st_mode & 0o777)
    return None


class TokenCache:
    """One encrypted cache file: {"cloud": {...}, "tokens": {scope: {"token", "expires_on"}}}.

    Any file that cannot be read, does not decrypt (another secret: rotated; tampered with) or does
    not parse is a miss, never an error; a failed write just leaves no cache.
    """

    def __init__(self, directory: str, identity: str, secret: str):
        self.directory = directory
        self.path = os.path.join(directory, token_cache_file_name(identity))
        self._identity = identity
        self._secret = secret

    def _fernet(self) -> Any:
        from cryptography.fernet import Fernet

        return Fernet(token_cache_key(self._secret, self._identity))

    def read(self) -> Dict[str, Any]:
        from cryptography.fernet import InvalidToken

        if token_cache_dir_problem(self.directory):
            return {}
        try:
            with open(self.path, "rb") as handle:
                sealed = handle.read(TOKEN_CACHE_MAX_BYTES + 1)
            if len(sealed) > TOKEN_CACHE_MAX_BYTES:
                return {}
            content = json.loads(self._fernet().decrypt(sealed))
        except (OSError, ValueError, InvalidToken):
            return {}
        return content if isinstance(content, dict) else {}

    def token(self, scope: str, now: Optional[float] = None) -> Optional[Tuple[str, int]]:
        """(token, expires_on) of a scope, unless missing or expiring within TOKEN_CACHE_MARGIN."""
        return live_token(self.read(), scope, time.time() if now is None else now)

    def cloud(self, now: Optional[float] = None) -> Optional[Dict[str, str]]:
        """The cloud endpoints, only while the file's token for the cloud's own ARM scope is live.

        So metadata read once is reused for at most a token's lifetime (about an hour), and a cloud
        that moved is read again at the next sign-in.
        """
        content = self.read()
        cloud = content.get("cloud")
        if not isinstance(cloud, dict) or not live_token(
            content, cloud.get("scope"), time.time() if now is None else now
        ):
            return None
        return cloud

    def store(self, scope: str, token: str, expires_on: int, cloud: Dict[str, str]) -> None:
        now = time.time()
        tokens = self.read().get("tokens") or {}
        tokens = {key: entry for key, entry in tokens.items() if live_token({"tokens": tokens}, key, now)}
        tokens[scope] = {"token": token, "expires_on": int(expires_on)}
        self._write(self._fernet().encrypt(json.dumps({"cloud": cloud, "tokens": tokens}).encode("utf-8")))

    def _write(self, sealed: bytes) -> None:
        """Atomically (a temporary file renamed over the old one), mode 0600 in a directory of mode 0700."""
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            if token_cache_dir_problem(self.directory):
                return
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")  # mode 0600
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(sealed)
                os.replace(temporary, self.path)
            except OSError:
                os.unlink(temporary)
                raise
        except OSError:
            return

    def drop(self) -> None:
        try:
            os.unlink(self.path)
        except OSError:
            return


def live_token(content: Dict[str, Any], scope: Any, now: float) -> Optional[Tuple[str, int]]:
    """(token, expires_on) of content's scope when it outlives now by TOKEN_CACHE_MARGIN, else None."""
    tokens = content.get("tokens")
    entry = tokens.get(scope) if isinstance(tokens, dict) and isinstance(scope, str) else None
    if not isinstance(entry, dict):
        return None
    token, expires_on = entry.get("token"), entry.get("expires_on")
    if not isinstance(token, str) or not token or not isinstance(expires_on, int):
        return None
    return (token, expires_on) if expires_on - now > TOKEN_CACHE_MARGIN else None


def open_token_cache(settings: Dict[str, Any], params: Dict[str, Any]) -> Optional[TokenCache]:
    """The run's cache when token_cache is on and the credential is a service principal's, else None.

    Not with cert_validation_mode=ignore: a run that does not check TLS could be handed a forged
    cloud document or token, and must not pass them on to runs that do check.
    """
    if not params.get("token_cache") or settings.get("method") != "service_principal" or not connection_verify(params):
        return None
    return TokenCache(token_cache_directory(params), token_cache_identity(settings, params), settings["secret"])


class CachingCredential:
    """A TokenCredential (azure-core's get_token protocol) that asks the cache before the inner credential.

    A token got from the inner credential is written to the cache with the run's cloud. lookup=False
    (a renewal: the cached token was refused) always asks the inner credential. A claims challenge
    or another tenant goes straight to the inner credential and is not cached.
    """

    def __init__(self, inner: Any, cache: TokenCache, cloud: Dict[str, str], lookup: bool = True):
        self.inner = inner
        self.cache = cache
        self.cloud = cloud
        self.lookup = lookup
        self._from_cache: set = set()
        # cloudtrail_organization's threads share one credential.
        self._lock = threading.Lock()

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        if kwargs.get("claims") or kwargs.get("tenant_id"):
            return self.inner.get_token(*scopes, **kwargs)
        from azure.core.credentials import AccessToken

        scope = " ".join(sorted(scopes))
        with self._lock:
            cached = self.cache.token(scope) if self.lookup else None
            if cached:
                self._from_cache.add(cached[0])
                return AccessToken(*cached)
            fresh = self.inner.get_token(*scopes, **kwargs)
            self.cache.store(scope, fresh.token, fresh.expires_on, self.cloud)
            return fresh

    def served_from_cache(self, token: str) -> bool:
        """Whether this bearer token was read from the cache rather than got from Entra ID in this run."""
        return token in self._from_cache

    def close(self) -> None:
        self.inner.close()


def arm_error_code(http_response: Any) -> Optional[str]:
    """error.code of an ARM error body ({"error": {"code", "message"}}), or None."""
    try:
        body = json.loads(http_response.text())
    except (ValueError, TypeError, AttributeError):
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


def refused_token_to_renew(credential: Any, authorization: str, status_code: int, code: Optional[str]) -> bool:
    """Whether ARM's answer refuses the bearer token in a way a fresh token can mend.

    An expired token (401 ExpiredAuthenticationToken), whatever its source; and a token read from
    the token cache that ARM does not know or accept (401 InvalidAuthenticationToken, or one of its
    ...Audience/...Tenant variants): revoked, or issued by an Entra ID that no longer knows it. A
    fresh token refused as invalid is not renewed: another would be refused the same way.
    """
    if status_code != 401 or not code:
        return False
    if code == "ExpiredAuthenticationToken":
        return True
    token = authorization.partition(" ")[2].strip()
    cached = isinstance(credential, CachingCredential) and credential.served_from_cache(token)
    return cached and code.startswith("InvalidAuthenticationToken")


def renewing_authentication_policy(credential: Any, scope: str, renew_credential: Callable[[], Any]) -> Any:
    """ARM's bearer-token policy that answers a refused token with one fresh token (refused_token_to_renew).

    ARM answers an expired token with 401 ExpiredAuthenticationToken (terraform-provider-azurerm
    #20867 shows the body). azure-core's BearerTokenCredentialPolicy drops its cached token on a
    401 but re-sends only for a CAE claims challenge, and the credential's own cache (MSAL's, or the
    token cache's file) would hand the same token back; so a new credential is built (an empty
    cache; the file's token dropped) and the request is sent once more. Checked after the base
    policy, so it works with or without the WWW-Authenticate challenge header.
    """
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

    class RenewingAuthenticationPolicy(ARMChallengeAuthenticationPolicy):
        def send(self, request: Any) -> Any:
            response = super().send(request)
            http_response = response.http_response
            if refused_token_to_renew(
                self._credential,
                request.http_request.headers.get("Authorization", ""),
                http_response.status_code,
                arm_error_code(http_response) if http_response.status_code == 401 else None,
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
        self.token_cache = open_token_cache(self.settings, params)
        # A cached cloud spares the metadata request; only while its token is live (TokenCache.cloud).
        self.cloud = (self.token_cache and self.token_cache.cloud()) or resolve_cloud(
            params.get("cloud_environment") or "AzureCloud",
            self.verify,
            bounded_retry_policy(self.deadline, self.budget),
        )
        self.credential = self.new_credential(lookup=True)
        # With auth_source=auto, the CLI is chosen only when nothing else was found (auth_settings).
        self.subscription_id = self.subscription_id or cli_subscription_id(params.get("auth_source") in (None, "auto"))

    def new_credential(self, lookup: bool) -> Any:
        """A new credential (an empty in-memory token cache), behind the token cache when token_cache is on."""
        self.credential = build_credential(self.settings, self.cloud, self.params, self.deadline)
        if self.token_cache is not None:
            self.credential = CachingCredential(self.credential, self.token_cache, self.cloud, lookup)
        return self.credential

    def renew_credential(self) -> Any:
        """The clients' policies call it on a refused token: the cache file is dropped, and a fresh token rewrites it."""
        if self.token_cache is not None:
            self.token_cache.drop()
        return self.new_credential(lookup=False)

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
    warnings = []
    if not connection_verify(params):
        warnings.append("cert_validation_mode=ignore: TLS certificates of Azure endpoints are not checked")
    if params.get("token_cache"):
        directory = token_cache_directory(params)
        problem = token_cache_dir_problem(directory)
        if problem:
            warnings.append("token_cache_dir %s is not used, as %s; the task signs in anew" % (directory, problem))
    return warnings


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
