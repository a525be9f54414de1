"""Cloud metadata and Entra ID (client credentials only) for the Azure emulator.

The metadata endpoint is how clients are pointed at the emulator: ``cloud_environment: <azure_url>``
makes them read ``<azure_url>/metadata/endpoints`` and take the login endpoint, the ARM endpoint and
the token audience from it, as they do for Azure Stack and sovereign clouds.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from .azure_types import ArmError, Request, Response

TOKEN_LIFETIME = 3599  # seconds, what Entra ID answers for client credentials


@dataclass
class TokenStore:
    """Opaque bearer tokens, kept in memory: token -> (client_id, expires_at)."""

    lifetime: int = TOKEN_LIFETIME
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, client_id: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (client_id, time.time() + self.lifetime)
        return token

    def lookup(self, token: str) -> tuple[str, float] | None:
        with self._lock:
            return self._tokens.get(token)

    def issued(self) -> list[str]:
        """Every bearer token handed out so far (tests grep logs for them)."""
        with self._lock:
            return list(self._tokens)

    def revoke_all(self) -> None:
        """Forget every issued token: ARM answers them 401 InvalidAuthenticationToken (test control).

        What a client holding a token from before a sandbox restart sees (the store is in memory),
        and the tests of a cached token that ARM no longer accepts (azure_auth's token cache).
        """
        with self._lock:
            self._tokens = {}

    def expire_all(self) -> None:
        """Make every issued token expired (tests of the ExpiredAuthenticationToken path)."""
        with self._lock:
            self._tokens = {token: (client, 0.0) for token, (client, _expiry) in self._tokens.items()}


def metadata(request: Request) -> Response:
    """``GET /metadata/endpoints``: a list of clouds (2019-05-01 and later), the Azure Stack dict before."""
    version = request.api_version
    if not version:
        raise ArmError(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    base = request.base_url
    if version < "2019-05-01":
        # The form msrestazure.get_cloud_from_metadata_endpoint (azure.azcollection) reads.
        return Response(
            200,
            {
                "galleryEndpoint": f"{base}/",
                "graphEndpoint": f"{base}/",
                "portalEndpoint": f"{base}/",
                "authentication": {"loginEndpoint": f"{base}/", "audiences": [f"{base}/"]},
            },
        )
    return Response(200, [cloud_entry(base)])


def cloud_entry(base: str) -> dict:
    """One cloud in ARM's metadata format (as management.azure.com answers), every endpoint on us."""
    return {
        "name": "AzureSandbox",
        "portal": f"{base}/",
        "resourceManager": f"{base}/",
        "authentication": {
            "loginEndpoint": base,
            "audiences": [f"{base}/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "graph": f"{base}/",
        "graphAudience": f"{base}/",
        "microsoftGraphResourceId": f"{base}/",
        "logAnalyticsResourceId": f"{base}/",
        "media": f"{base}/",
        "batch": f"{base}/",
        "sqlManagement": f"{base}/",
        "activeDirectoryDataLake": f"{base}/",
        "suffixes": {
            "storage": "core.sandbox.invalid",
            "keyVaultDns": "vault.sandbox.invalid",
            "acrLoginServer": "azurecr.sandbox.invalid",
            "sqlServerHostname": "database.sandbox.invalid",
        },
    }


def openid_configuration(request: Request, tenant_id: str) -> Response:
    """``GET /{tenant}/v2.0/.well-known/openid-configuration``: what MSAL reads to find the token endpoint."""
    tenant = request.params["tenant"]
    if tenant.lower() not in (tenant_id.lower(), "common", "organizations"):
        return _aad_error(400, "invalid_tenant", f"AADSTS90002: Tenant '{tenant}' not found.", 90002)
    base = f"{request.base_url}/{tenant}"
    return Response(
        200,
        {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "issuer": f"{base}/v2.0",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "tenant_region_scope": None,
            "cloud_instance_name": "sandbox.invalid",
        },
    )


def token(request: Request, seed: dict, tokens: TokenStore) -> Response:
    """``POST /{tenant}/oauth2/v2.0/token`` with ``grant_type=client_credentials``; AADSTS errors as Entra ID words them."""
    form = request.form()
    tenant = request.params["tenant"]
    if tenant.lower() != seed["tenant_id"].lower():
        return _aad_error(400, "invalid_request", f"AADSTS90002: Tenant '{tenant}' not found.", 90002)
    if form.get("grant_type") != "client_credentials":
        return _aad_error(
            400,
            "unsupported_grant_type",
            "AADSTS70003: The app requested an unsupported grant type (the sandbox supports client_credentials).",
            70003,
        )
    client_id = form.get("client_id", "")
    if client_id.lower() != seed["client_id"].lower():
        return _aad_error(
            400,
            "unauthorized_client",
            f"AADSTS700016: Application with identifier '{client_id}' was not found in the directory "
            f"'{tenant}'. This can happen if the application has not been installed by the administrator "
            "of the tenant or consented to by any user in the tenant.",
            700016,
        )
    if not secrets.compare_digest(form.get("client_secret", ""), seed["client_secret"]):
        return _aad_error(
            401,
            "invalid_client",
            f"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is "
            f"the client secret value, not the client secret ID, for a secret added to app '{client_id}'.",
            7000215,
        )
    if not _scope_ok(form.get("scope", ""), request.base_url):
        return _aad_error(
            400,
            "invalid_scope",
            f"AADSTS1002012: The provided value for scope {form.get('scope', '')} is not valid. Client credential "
            f"flows must have a scope value with /.default suffixed to the resource identifier "
            f"(the sandbox's is {request.base_url}/.default).",
            1002012,
        )
    access_token = tokens.issue(client_id)
    return Response(
        200,
        {
            "token_type": "Bearer",
            "expires_in": tokens.lifetime,
            "ext_expires_in": tokens.lifetime,
            "access_token": access_token,
        },
    )


def _scope_ok(scope: str, base_url: str) -> bool:
    """Client credentials need ``<resource>/.default``; the resource is our audience, slash or not."""
    if not scope.endswith("/.default"):
        return False
    return scope[: -len("/.default")].rstrip("/") == base_url.rstrip("/")


def _aad_error(status: int, error: str, description: str, code: int) -> Response:
    return Response(
        status,
        {
            "error": error,
            "error_description": description,
            "error_codes": [code],
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
            "trace_id": secrets.token_hex(16),
            "correlation_id": secrets.token_hex(16),
        },
    )
