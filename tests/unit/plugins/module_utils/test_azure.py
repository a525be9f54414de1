"""Azure plumbing: cloud metadata parsing, auth option precedence, error translation."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

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
