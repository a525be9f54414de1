"""Azure plumbing: cloud metadata parsing, auth option precedence, error translation."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import json

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ServiceRequestError

from ansible_collections.sentinel.aws.plugins.module_utils import azure as az
from ansible_collections.sentinel.aws.plugins.module_utils.azure import AzureAuthError

SP = dict(client_id="c", secret="s3cret-value", tenant="t", subscription_id="sub")

PUBLIC_AND_GOV = [
    {
        "name": "AzureCloud",
        "resourceManager": "https://management.azure.com/",
        "authentication": {
            "loginEndpoint": "https://login.microsoftonline.com/",
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
        },
    },
    {
        "name": "AzureUSGovernment",
        "resourceManager": "https://management.usgovcloudapi.net/",
        "authentication": {
            "loginEndpoint": "https://login.microsoftonline.us",
            "audiences": ["https://management.core.usgovcloudapi.net/"],
        },
    },
]


# --- clouds ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["AzureCloud", "azurecloud", "AzurePublicCloud"])
def test_known_public_cloud(name):
    cloud = az.resolve_cloud(name, True)
    assert cloud["resource_manager"] == "https://management.azure.com/"
    assert cloud["authority"] == "https://login.microsoftonline.com"


def test_gov_and_china_clouds():
    assert az.resolve_cloud("AzureUSGovernment", True)["scope"] == "https://management.core.usgovcloudapi.net/.default"
    assert az.resolve_cloud("AzureChinaCloud", True)["authority"] == "https://login.chinacloudapi.cn"


def test_unknown_cloud_name_rejected():
    with pytest.raises(AzureAuthError, match="cloud_environment"):
        az.resolve_cloud("MarsCloud", True)


def test_metadata_list_picks_the_cloud_of_the_url():
    cloud = az.parse_cloud_metadata(PUBLIC_AND_GOV, "https://management.usgovcloudapi.net")
    assert cloud == dict(
        name="AzureUSGovernment",
        resource_manager="https://management.usgovcloudapi.net/",
        authority="https://login.microsoftonline.us",
        scope="https://management.core.usgovcloudapi.net/.default",
    )


def test_metadata_single_entry_list_is_taken():
    entry = dict(PUBLIC_AND_GOV[0], resourceManager="https://127.0.0.1:8443/")
    cloud = az.parse_cloud_metadata([entry], "https://localhost:8443")
    assert (
        cloud["resource_manager"] == "https://127.0.0.1:8443/"
        and cloud["authority"] == "https://login.microsoftonline.com"
    )
    assert cloud["scope"] == "https://management.core.windows.net/.default"


def test_metadata_legacy_dict_uses_the_url_as_resource_manager():
    legacy = {
        "galleryEndpoint": "https://g/",
        "authentication": {
            "loginEndpoint": "https://adfs.local/adfs",
            "audiences": ["https://management.adfs.local/abc"],
        },
    }
    cloud = az.parse_cloud_metadata(legacy, "https://management.local.azurestack.external")
    assert cloud["resource_manager"] == "https://management.local.azurestack.external/"
    assert (
        cloud["authority"] == "https://adfs.local/adfs"
        and cloud["scope"] == "https://management.adfs.local/abc/.default"
    )


@pytest.mark.parametrize("payload", [[], "text", {"authentication": {}}, PUBLIC_AND_GOV + [PUBLIC_AND_GOV[0]]])
def test_bad_metadata(payload):
    with pytest.raises(ValueError):
        az.parse_cloud_metadata(payload, "https://elsewhere.example")


# --- authentication options ----------------------------------------------------------------------------


def test_service_principal_from_options(tmp_path):
    settings = az.auth_settings(dict(SP, auth_source="auto"), str(tmp_path / "none"))
    assert settings["method"] == "service_principal" and settings["secret"] == "s3cret-value"


@pytest.mark.parametrize("missing", ["client_id", "tenant", "secret"])
def test_incomplete_service_principal_fails_before_any_call(tmp_path, missing):
    params = dict(SP, auth_source="auto")
    params[missing] = None
    with pytest.raises(AzureAuthError, match="missing: %s" % missing):
        az.auth_settings(params, str(tmp_path / "none"))


def test_auto_falls_back_to_credential_file_then_cli(tmp_path):
    credentials = tmp_path / "credentials"
    assert az.auth_settings(dict(auth_source="auto"), str(credentials))["method"] == "cli"
    credentials.write_text(
        "[default]\nclient_id=fc\nsecret=fs\ntenant=ft\nsubscription_id=fsub\n[other]\nclient_id=oc\n"
    )
    settings = az.auth_settings(dict(auth_source="auto"), str(credentials))
    assert (settings["method"], settings["client_id"], settings["subscription_id"]) == (
        "service_principal",
        "fc",
        "fsub",
    )
    # Options win over the file.
    settings = az.auth_settings(dict(auth_source="credential_file", subscription_id="mine"), str(credentials))
    assert settings["subscription_id"] == "mine"
    with pytest.raises(AzureAuthError, match="missing: secret, tenant"):
        az.auth_settings(dict(auth_source="auto", profile="other"), str(credentials))
    with pytest.raises(AzureAuthError, match="profile 'nope' not found"):
        az.auth_settings(dict(auth_source="auto", profile="nope"), str(credentials))


def test_msi_needs_subscription(tmp_path):
    with pytest.raises(AzureAuthError, match="subscription_id"):
        az.auth_settings(dict(auth_source="msi"), str(tmp_path / "none"))
    assert az.auth_settings(dict(auth_source="msi", subscription_id="s"), str(tmp_path / "none"))["method"] == "msi"


def test_env_names_mirror_azure_azcollection():
    spec = az.AZURE_AUTH_ARGSPEC
    assert spec["secret"]["no_log"] is True
    assert spec["secret"]["fallback"][1] == ["AZURE_SECRET", "AZURE_CLIENT_SECRET"]
    assert spec["tenant"]["fallback"][1][0] == "AZURE_TENANT"
    assert spec["cloud_environment"]["fallback"][1] == ["AZURE_CLOUD_ENVIRONMENT"]
    assert az.connection_verify(dict(cert_validation_mode="ignore")) is False
    assert az.connection_verify(dict(cert_validation_mode="validate")) is True


# --- errors -------------------------------------------------------------------------------------------------


class FakeError:
    def __init__(self, code, message):
        self.code, self.message = code, message


def http_error(status, code, message, cls=HttpResponseError):
    exc = cls(message="(%s) %s" % (code, message))
    exc.status_code = status
    exc.error = FakeError(code, message)
    return exc


def test_forbidden_names_the_workspace():
    result = az.translate_error(http_error(403, "AuthorizationFailed", "no"), "read workspace", "law-x", "rg")
    assert "not authorized to read workspace on workspace law-x in resource group rg" in result["msg"]
    assert (result["status_code"], result["error_code"]) == (403, "AuthorizationFailed")


def test_missing_workspace():
    result = az.translate_error(http_error(404, "ResourceNotFound", "gone"), "read workspace", "law-x", "rg")
    assert result["msg"].startswith("workspace law-x not found in resource group rg")


def test_authentication_failure_keeps_aadsts_code_and_hides_the_secret():
    exc = ClientAuthenticationError(message="Authentication failed: AADSTS7000215: Invalid client secret s3cret-value")
    result = az.translate_error(exc, "read workspace", "law-x", "rg", secrets=["s3cret-value"])
    assert result["msg"].startswith("authentication failed")
    assert "s3cret-value" not in result["msg"] and result["error_code"] == "AADSTS7000215"


def test_unreachable_and_other_errors():
    assert az.translate_error(ServiceRequestError("refused"), "x", "w")["msg"].startswith("could not reach Azure")
    result = az.translate_error(http_error(409, "Conflict", "etag"), "write the data connector", "w", "rg")
    assert result["msg"] == "failed to write the data connector on workspace w in resource group rg: etag"


def test_read_timeout_below_one_second_fails_before_any_call():
    from ansible_collections.sentinel.aws.plugins.module_utils.azure import AzureSession
    from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

    with pytest.raises(InvalidInput, match="read_timeout"):
        AzureSession({"read_timeout": 0, "cloud_environment": "https://127.0.0.1:9"})


# --- https only (issue 12, item 4) ----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://127.0.0.1:8443", "HTTP://management.example"])
def test_plain_http_metadata_url_refused_before_any_call(url):
    with pytest.raises(AzureAuthError, match="cloud_environment .* must be an https:// URL"):
        az.resolve_cloud(url, True)


@pytest.mark.parametrize(
    "entry, field",
    [
        (dict(PUBLIC_AND_GOV[0], authentication={"loginEndpoint": "http://login.example/"}), "loginEndpoint"),
        (dict(PUBLIC_AND_GOV[0], resourceManager="http://management.example/"), "resourceManager"),
    ],
)
def test_metadata_naming_a_plain_http_endpoint_is_refused(entry, field):
    with pytest.raises(AzureAuthError, match="%s .* must be an https:// URL" % field):
        az.parse_cloud_metadata([entry], "https://management.example")


def test_plain_http_adfs_authority_refused_before_any_call():
    cloud = az.resolve_cloud("AzureCloud", True)
    settings = dict(SP, method="service_principal")
    with pytest.raises(AzureAuthError, match="adfs_authority_url must be an https:// URL"):
        az.build_credential(settings, cloud, {"adfs_authority_url": "http://adfs.local/adfs"})


# --- time budget (issue 12, item 1) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, budget",
    [
        ({}, 60),  # modules without wait_timeout: data_connector's default
        ({"read_timeout": 90}, 90),  # one full attempt always fits
        ({"wait_timeout": 300, "read_timeout": 60}, 300),
        ({"wait_timeout": 0, "read_timeout": 5}, 5),
    ],
)
def test_time_budget_is_the_larger_of_wait_and_read_timeout(params, budget):
    assert az.time_budget(params) == budget


def test_a_refused_retry_after_names_the_wait_and_the_status():
    refused = az.RetryAfterBeyondBudget(429, 400.0, 57.4, 60.0)
    result = az.translate_error(refused, "write the data connector", "law-x", "rg")
    assert "asked to wait 400 seconds (Retry-After)" in result["msg"] and "HTTP 429" in result["msg"]
    assert "57 seconds left" in result["msg"] and result["status_code"] == 429


def test_a_refused_retry_after_behind_an_entra_error_is_found():
    inner = az.RetryAfterBeyondBudget(429, 400.0, 50.0, 60.0)
    wrapped = ClientAuthenticationError(message="Authentication failed: %s" % inner)
    wrapped.__cause__ = inner  # as azure-identity's wrap_exceptions raises it ("from ex")
    result = az.translate_error(wrapped, "read workspace", "law-x", "rg")
    assert "asked to wait 400 seconds" in result["msg"] and result["status_code"] == 429
    assert "check client_id" not in result["msg"]


# --- Entra ID: service trouble or bad credentials (issue 12, item 3) -------------------------------------------


@pytest.mark.parametrize(
    "reason, credentials, code, status",
    [
        ("Authentication failed: AADSTS7000215: Invalid client secret provided.", True, "AADSTS7000215", None),
        (
            "Authentication failed: AADSTS700016: Application with identifier 'x' was not found",
            True,
            "AADSTS700016",
            None,
        ),
        ("Authentication failed: AADSTS90002: Tenant 't' not found.", True, "AADSTS90002", None),
        ("Authentication failed: Unable to get authority configuration for https://x/t.", True, None, None),
        ("Authentication failed: HTTP Error: 500", False, None, 500),
        ("Authentication failed: HTTP Error: 503", False, None, 503),
        ("Authentication failed: {'code': 'TooManyRequests', 'message': 'slow down'}", False, None, 429),
        ("Authentication failed: AADSTS90033: A transient error has occurred.", False, "AADSTS90033", None),
    ],
)
def test_token_refusal_tells_credentials_from_service_trouble(reason, credentials, code, status):
    assert az.token_refusal(reason) == dict(credentials=credentials, code=code, http_status=status)


def test_entra_server_error_is_reported_as_service_trouble():
    exc = ClientAuthenticationError(message="Authentication failed: HTTP Error: 500")
    result = az.translate_error(exc, "read workspace", "law-x", "rg")
    assert result["msg"].startswith("Microsoft Entra ID did not issue a token to read workspace (HTTP 500")
    assert "not of the credentials" in result["msg"] and "check client_id" not in result["msg"]
    assert result["status_code"] == 500


# --- Sentinel's double-encoded errors (issue 12, emulator section) ----------------------------------------


NOT_ONBOARDED = (
    "Workspace 'law-x' is not onboarded to Microsoft Sentinel. Please onboard through the portal or use the "
    "OnboardingStates ARM api to onboard to Sentinel."
)


def double_encoded(message):
    return json.dumps({"error": {"code": "BadRequest", "message": message}})


@pytest.mark.parametrize(
    "message, inner",
    [
        (double_encoded(NOT_ONBOARDED), NOT_ONBOARDED),
        (double_encoded(double_encoded("deep")), "deep"),
        ("plain text", "plain text"),
        ('{"not": "an error"}', '{"not": "an error"}'),
        ('{"error": "a string"}', '{"error": "a string"}'),
    ],
)
def test_inner_message_unwraps_double_encoded_errors(message, inner):
    assert az.inner_message(message) == inner


def test_error_details_show_the_inner_message():
    details = az.error_details(http_error(400, "BadRequest", double_encoded(NOT_ONBOARDED)))
    assert details == dict(status_code=400, error_code="BadRequest", message=NOT_ONBOARDED)


def test_not_onboarded_and_not_registered_are_actionable():
    off = az.translate_error(http_error(400, "BadRequest", double_encoded(NOT_ONBOARDED)), "x", "law-x", "rg")
    assert "Microsoft Sentinel is not enabled on workspace law-x in resource group rg" in off["msg"]
    assert "ensure_sentinel: true" in off["msg"]
    unregistered = "Subscription 's' is not registered to 'Microsoft.SecurityInsights'."
    result = az.translate_error(http_error(400, "BadRequest", double_encoded(unregistered)), "x", "law-x", "rg")
    assert "az provider register --namespace Microsoft.SecurityInsights" in result["msg"]
