"""azure_cloud: known clouds, metadata parsing, the https-only rule."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils import azure_cloud
from ansible_collections.sentinel.aws.plugins.module_utils.azure_cloud import AzureAuthError

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
    cloud = azure_cloud.resolve_cloud(name, True)
    assert cloud["resource_manager"] == "https://management.azure.com/"
    assert cloud["authority"] == "https://login.microsoftonline.com"


def test_gov_and_china_clouds():
    assert (
        azure_cloud.resolve_cloud("AzureUSGovernment", True)["scope"]
        == "https://management.core.usgovcloudapi.net/.default"
    )
    assert azure_cloud.resolve_cloud("AzureChinaCloud", True)["authority"] == "https://login.chinacloudapi.cn"


def test_unknown_cloud_name_rejected():
    with pytest.raises(AzureAuthError, match="cloud_environment"):
        azure_cloud.resolve_cloud("MarsCloud", True)


def test_metadata_list_picks_the_cloud_of_the_url():
    cloud = azure_cloud.parse_cloud_metadata(PUBLIC_AND_GOV, "https://management.usgovcloudapi.net")
    assert cloud == dict(
        name="AzureUSGovernment",
        resource_manager="https://management.usgovcloudapi.net/",
        authority="https://login.microsoftonline.us",
        scope="https://management.core.usgovcloudapi.net/.default",
    )


def test_metadata_single_entry_list_is_taken():
    entry = dict(PUBLIC_AND_GOV[0], resourceManager="https://127.0.0.1:8443/")
    cloud = azure_cloud.parse_cloud_metadata([entry], "https://localhost:8443")
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
    cloud = azure_cloud.parse_cloud_metadata(legacy, "https://management.local.azurestack.external")
    assert cloud["resource_manager"] == "https://management.local.azurestack.external/"
    assert (
        cloud["authority"] == "https://adfs.local/adfs"
        and cloud["scope"] == "https://management.adfs.local/abc/.default"
    )


@pytest.mark.parametrize("payload", [[], "text", {"authentication": {}}, PUBLIC_AND_GOV + [PUBLIC_AND_GOV[0]]])
def test_bad_metadata(payload):
    with pytest.raises(ValueError):
        azure_cloud.parse_cloud_metadata(payload, "https://elsewhere.example")


# --- https only (issue 12, item 4) ----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://127.0.0.1:8443", "HTTP://management.example"])
def test_plain_http_metadata_url_refused_before_any_call(url):
    with pytest.raises(AzureAuthError, match="cloud_environment .* must be an https:// URL"):
        azure_cloud.resolve_cloud(url, True)


@pytest.mark.parametrize(
    "entry, field",
    [
        (dict(PUBLIC_AND_GOV[0], authentication={"loginEndpoint": "http://login.example/"}), "loginEndpoint"),
        (dict(PUBLIC_AND_GOV[0], resourceManager="http://management.example/"), "resourceManager"),
    ],
)
def test_metadata_naming_a_plain_http_endpoint_is_refused(entry, field):
    with pytest.raises(AzureAuthError, match="%s .* must be an https:// URL" % field):
        azure_cloud.parse_cloud_metadata([entry], "https://management.example")
