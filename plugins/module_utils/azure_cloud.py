# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where an Azure cloud is: known clouds by name, ARM metadata discovery, the https-only rule.

Knows nothing of credentials: the caller (azure_auth.AzureSession) passes the retry policy and
whether to check TLS certificates. Every module run is a new process, so azure-core is imported
only where it is used.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import json
from typing import Any, Dict, Optional


class AzureAuthError(ValueError):
    """The Azure connection options (credentials, cloud, endpoints) cannot work; raised before any network call."""


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

# Seconds to open a connection to any Azure endpoint (metadata, Entra ID, ARM).
CONNECTION_TIMEOUT = 30
# azure-core waits 300 s for an answer by default; a hung front end would hold a task that long
# per attempt. A read timeout counts as a read error, retried (retry_read) like a dropped connection.
DEFAULT_READ_TIMEOUT = 60


def cloud_key(name: str) -> str:
    """The key of KNOWN_CLOUDS a cloud name stands for (case-insensitive, aliases resolved)."""
    key = name.strip().lower()
    return CLOUD_ALIASES.get(key, key)


def known_cloud(name: str) -> Optional[Dict[str, str]]:
    return KNOWN_CLOUDS.get(cloud_key(name))


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
