"""azure_auth: auth option precedence, credentials, the time budget, the no-credentials message."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils import azure_auth
from ansible_collections.sentinel.aws.plugins.module_utils.azure_cloud import AzureAuthError, resolve_cloud

SP = dict(client_id="c", secret="s3cret-value", tenant="t", subscription_id="sub")

# --- authentication options ----------------------------------------------------------------------------


def test_service_principal_from_options(tmp_path):
    settings = azure_auth.auth_settings(dict(SP, auth_source="auto"), str(tmp_path / "none"))
    assert settings["method"] == "service_principal" and settings["secret"] == "s3cret-value"


@pytest.mark.parametrize("missing", ["client_id", "tenant", "secret"])
def test_incomplete_service_principal_fails_before_any_call(tmp_path, missing):
    params = dict(SP, auth_source="auto")
    params[missing] = None
    with pytest.raises(AzureAuthError, match="missing: %s" % missing):
        azure_auth.auth_settings(params, str(tmp_path / "none"))


def test_auto_falls_back_to_credential_file_then_cli(tmp_path):
    credentials = tmp_path / "credentials"
    assert azure_auth.auth_settings(dict(auth_source="auto"), str(credentials))["method"] == "cli"
    credentials.write_text(
        "[default]\nclient_id=fc\nsecret=fs\ntenant=ft\nsubscription_id=fsub\n[other]\nclient_id=oc\n"
    )
    settings = azure_auth.auth_settings(dict(auth_source="auto"), str(credentials))
    assert (settings["method"], settings["client_id"], settings["subscription_id"]) == (
        "service_principal",
        "fc",
        "fsub",
    )
    # Options win over the file.
    settings = azure_auth.auth_settings(dict(auth_source="credential_file", subscription_id="mine"), str(credentials))
    assert settings["subscription_id"] == "mine"
    with pytest.raises(AzureAuthError, match="missing: secret, tenant"):
        azure_auth.auth_settings(dict(auth_source="auto", profile="other"), str(credentials))
    with pytest.raises(AzureAuthError, match="profile 'nope' not found"):
        azure_auth.auth_settings(dict(auth_source="auto", profile="nope"), str(credentials))


def test_msi_needs_subscription(tmp_path):
    with pytest.raises(AzureAuthError, match="subscription_id"):
        azure_auth.auth_settings(dict(auth_source="msi"), str(tmp_path / "none"))
    assert (
        azure_auth.auth_settings(dict(auth_source="msi", subscription_id="s"), str(tmp_path / "none"))["method"]
        == "msi"
    )


def test_env_names_mirror_azure_azcollection():
    spec = azure_auth.AZURE_AUTH_ARGSPEC
    assert spec["secret"]["no_log"] is True
    assert spec["secret"]["fallback"][1] == ["AZURE_SECRET", "AZURE_CLIENT_SECRET"]
    assert spec["tenant"]["fallback"][1][0] == "AZURE_TENANT"
    assert spec["cloud_environment"]["fallback"][1] == ["AZURE_CLOUD_ENVIRONMENT"]
    assert azure_auth.connection_verify(dict(cert_validation_mode="ignore")) is False
    assert azure_auth.connection_verify(dict(cert_validation_mode="validate")) is True


def test_read_timeout_below_one_second_fails_before_any_call():
    from ansible_collections.sentinel.aws.plugins.module_utils.azure_auth import AzureSession
    from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

    with pytest.raises(InvalidInput, match="read_timeout"):
        AzureSession({"read_timeout": 0, "cloud_environment": "https://127.0.0.1:9"})


def test_plain_http_adfs_authority_refused_before_any_call():
    cloud = resolve_cloud("AzureCloud", True)
    settings = dict(SP, method="service_principal")
    with pytest.raises(AzureAuthError, match="adfs_authority_url must be an https:// URL"):
        azure_auth.build_credential(settings, cloud, {"adfs_authority_url": "http://adfs.local/adfs"})


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
    assert azure_auth.time_budget(params) == budget


# --- no credentials at all (issue 13) ---------------------------------------------------------------------


@pytest.fixture
def nothing_configured(tmp_path, monkeypatch):
    """No Azure option, no AZURE_* variable, no ~/.azure/credentials, no Azure CLI on PATH."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))


def test_no_credentials_at_all_names_the_options_and_variables_to_set(nothing_configured):
    with pytest.raises(AzureAuthError) as refused:
        azure_auth.AzureSession(dict(auth_source="auto", cloud_environment="AzureCloud"))
    message = str(refused.value)
    assert message.startswith("no Azure credentials found")
    for name in ("subscription_id", "client_id", "secret", "tenant", "auth_source", "cloud_environment"):
        assert name in message
    for variable in ("AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_TENANT", "AZURE_PROFILE"):
        assert variable in message
    assert "'az account show' failed" in message  # what the last resort said


def test_a_chosen_cli_without_subscription_keeps_the_cli_message(nothing_configured):
    with pytest.raises(AzureAuthError, match=r"^subscription_id not given and 'az account show' failed"):
        azure_auth.AzureSession(dict(auth_source="cli", cloud_environment="AzureCloud"))


# --- the sign-in of any Azure module (ingestion_info and others) -----------------------------------------


def test_azure_connection_gives_credential_cloud_subscription_and_client_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.azure/credentials
    params = dict(SP, auth_source="auto", subscription_id="0b1f6471-0000-4000-8000-00000000501b", read_timeout=9)
    connection = azure_auth.azure_connection(dict(params, cloud_environment="AzureUSGovernment"))
    assert type(connection.credential).__name__ == "ClientSecretCredential"
    assert connection.cloud == resolve_cloud("AzureUSGovernment", True)
    assert connection.subscription_id == "0b1f6471-0000-4000-8000-00000000501b"
    kwargs = connection.client_kwargs
    assert kwargs["base_url"] == "https://management.usgovcloudapi.net/"
    assert kwargs["credential_scopes"] == ["https://management.core.usgovcloudapi.net/.default"]
    assert (kwargs["connection_verify"], kwargs["read_timeout"]) == (True, 9)  # TLS checked
    assert type(kwargs["retry_policy"]).__name__ == "BoundedRetryPolicy"
    assert azure_auth.connection_warnings(params) == []
    assert azure_auth.connection_warnings(dict(params, cert_validation_mode="ignore"))
