"""azure_auth's token cache: hits, misses (expiry, other secret, corrupt file), modes, what the file shows."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import hashlib
import os
import stat
import time

import pytest
from azure.core.credentials import AccessToken

from ansible_collections.sentinel.aws.plugins.module_utils import azure_auth

SECRET = "Q~sandbox-client-secret-0123456789abcdefgh"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.cached-access-token"
SCOPE = "https://management.azure.com/.default"
CLOUD = dict(
    name="AzureCloud",
    resource_manager="https://management.azure.com/",
    authority="https://login.microsoftonline.com",
    scope=SCOPE,
)
SETTINGS = dict(method="service_principal", tenant="Tenant-GUID", client_id="Client-GUID", secret=SECRET)
PARAMS = dict(cloud_environment="AzureCloud", token_cache=True)


def identity(**changes):
    settings = dict(SETTINGS, **{k: v for k, v in changes.items() if k in SETTINGS})
    params = dict(PARAMS, **{k: v for k, v in changes.items() if k not in SETTINGS})
    return azure_auth.token_cache_identity(settings, params)


def cache(directory, secret=SECRET):
    return azure_auth.TokenCache(str(directory), identity(), secret)


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "token_cache"


# --- hit and miss ---------------------------------------------------------------------------------------------


def test_a_stored_token_and_its_cloud_are_read_back(cache_dir):
    expires_on = int(time.time()) + 3599
    cache(cache_dir).store(SCOPE, TOKEN, expires_on, CLOUD)
    assert cache(cache_dir).token(SCOPE) == (TOKEN, expires_on)
    assert cache(cache_dir).cloud() == CLOUD
    assert cache(cache_dir).token("https://api.loganalytics.io/.default") is None  # tokens are per scope


def test_a_token_expiring_within_five_minutes_is_a_miss_and_so_is_its_cloud(cache_dir):
    now = 1_800_000_000.0
    cache(cache_dir).store(SCOPE, TOKEN, int(now) + 301, CLOUD)
    assert cache(cache_dir).token(SCOPE, now) == (TOKEN, int(now) + 301)
    assert cache(cache_dir).cloud(now) == CLOUD
    assert cache(cache_dir).token(SCOPE, now + 1) is None  # 300 s left
    assert cache(cache_dir).cloud(now + 1) is None  # the metadata is read again with the next sign-in


def test_a_file_written_with_another_secret_is_a_miss(cache_dir):
    cache(cache_dir).store(SCOPE, TOKEN, int(time.time()) + 3599, CLOUD)
    rotated = cache(cache_dir, secret="Q~the-rotated-secret-abcdefghijklmnopqrstuv")
    assert rotated.path == cache(cache_dir).path  # same file: the name does not depend on the secret
    assert rotated.token(SCOPE) is None and rotated.cloud() is None
    # and its next sign-in replaces the file with one it can read
    rotated.store(SCOPE, "fresh", int(time.time()) + 3599, CLOUD)
    assert rotated.token(SCOPE)[0] == "fresh" and cache(cache_dir).token(SCOPE) is None


@pytest.mark.parametrize(
    "content",
    [b"", b"not a fernet token", b"gAAAAA" + b"A" * 120, b"x" * (azure_auth.TOKEN_CACHE_MAX_BYTES + 1)],
    ids=["empty", "garbage", "bad-fernet", "too-big"],
)
def test_a_corrupt_file_is_a_miss_not_an_error(cache_dir, content):
    cache(cache_dir).store(SCOPE, TOKEN, int(time.time()) + 3599, CLOUD)
    with open(cache(cache_dir).path, "wb") as handle:
        handle.write(content)
    assert cache(cache_dir).token(SCOPE) is None and cache(cache_dir).cloud() is None


def test_a_tampered_file_is_a_miss(cache_dir):
    cache(cache_dir).store(SCOPE, TOKEN, int(time.time()) + 3599, CLOUD)
    path = cache(cache_dir).path
    sealed = bytearray(open(path, "rb").read())
    sealed[60] = ord("A") if sealed[60] != ord("A") else ord("B")
    open(path, "wb").write(bytes(sealed))
    assert cache(cache_dir).token(SCOPE) is None


def test_an_unreadable_file_or_missing_directory_is_a_miss(cache_dir):
    assert cache(cache_dir).token(SCOPE) is None and cache(cache_dir).cloud() is None  # nothing yet
    cache(cache_dir).store(SCOPE, TOKEN, int(time.time()) + 3599, CLOUD)
    # A read that fails (EISDIR here: mode 0 would not stop root) is a miss; so is the write after it.
    path = cache(cache_dir).path
    os.unlink(path)
    os.mkdir(path, 0o700)
    assert cache(cache_dir).token(SCOPE) is None
    cache(cache_dir).store(SCOPE, TOKEN, int(time.time()) + 3599, CLOUD)
    assert os.path.isdir(path) and os.listdir(cache_dir) == [os.path.basename(path)]  # no temporary file left


def test_drop_removes_the_file(cache_dir):
    cache(cache_dir).store(SCOPE, TOKEN, int(time.time()) + 3599, CLOUD)
    cache(cache_dir).drop()
    assert not os.path.exists(cache(cache_dir).path) and cache(cache_dir).token(SCOPE) is None
    cache(cache_dir).drop()  # nothing to drop: no error


# --- the file on disk -------------------------------------------------------------------------------------------


def test_the_directory_is_0700_and_the_file_0600_whatever_the_umask(cache_dir):
    previous = os.umask(0)
    try:
        cache(cache_dir).store(SCOPE, TOKEN, int(time.time()) + 3599, CLOUD)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(cache_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(cache(cache_dir).path).st_mode) == 0o600
    assert os.listdir(cache_dir) == [os.path.basename(cache(cache_dir).path)]  # no temporary file left


def test_the_file_shows_neither_the_token_nor_the_secret(cache_dir):
    cache(cache_dir).store(SCOPE, TOKEN, int(time.time()) + 3599, CLOUD)
    sealed = open(cache(cache_dir).path, "rb").read()
    for clear in (TOKEN, SECRET, "cached-access-token", SCOPE, "management.azure.com"):
        assert clear.encode() not in sealed
    assert TOKEN not in os.path.basename(cache(cache_dir).path)


def test_the_file_name_is_not_derived_from_the_secret():
    name = azure_auth.token_cache_file_name(identity())
    assert hashlib.sha256(SECRET.encode()).hexdigest() not in name
    # One file per tenant, client, cloud and authority; the same whatever the secret or the case of the GUIDs.
    others = [
        identity(tenant="other-tenant"),
        identity(client_id="other-client"),
        identity(cloud_environment="AzureUSGovernment"),
        identity(cloud_environment="https://management.local.azurestack.external"),
        identity(adfs_authority_url="https://adfs.local.azurestack.external/adfs"),
    ]
    assert len({name} | {azure_auth.token_cache_file_name(other) for other in others}) == 6
    assert azure_auth.token_cache_file_name(identity(secret="another secret")) == name
    assert azure_auth.token_cache_file_name(identity(tenant="tenant-guid", cloud_environment="azurecloud")) == name


def test_the_key_depends_on_the_secret_and_the_identity():
    key = azure_auth.token_cache_key(SECRET, identity())
    assert key != azure_auth.token_cache_key("another secret", identity())
    assert key != azure_auth.token_cache_key(SECRET, identity(client_id="other-client"))
    assert SECRET.encode() not in key


@pytest.mark.parametrize("mode", [0o755, 0o770, 0o701])
def test_a_directory_others_may_use_is_not_used_and_the_module_warns(cache_dir, mode):
    cache_dir.mkdir()
    os.chmod(cache_dir, mode)
    cache(cache_dir).store(SCOPE, TOKEN, int(time.time()) + 3599, CLOUD)
    assert os.listdir(cache_dir) == []
    (warning,) = azure_auth.connection_warnings(dict(PARAMS, token_cache_dir=str(cache_dir)))
    assert warning.startswith("token_cache_dir %s is not used" % cache_dir) and oct(mode) in warning
    assert azure_auth.connection_warnings(dict(PARAMS, token_cache=False, token_cache_dir=str(cache_dir))) == []


def test_a_token_cache_dir_that_is_a_file_is_not_used_and_the_module_warns(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("mine")
    azure_auth.TokenCache(str(not_a_dir), identity(), SECRET).store(SCOPE, TOKEN, int(time.time()) + 3599, CLOUD)
    assert not_a_dir.read_text() == "mine"
    assert azure_auth.TokenCache(str(not_a_dir), identity(), SECRET).token(SCOPE) is None
    (warning,) = azure_auth.connection_warnings(dict(PARAMS, token_cache_dir=str(not_a_dir)))
    assert warning == "token_cache_dir %s is not used, as it is not a directory; the task signs in anew" % not_a_dir


def test_only_a_service_principal_with_token_cache_on_gets_a_cache(cache_dir):
    params = dict(PARAMS, token_cache_dir=str(cache_dir))
    opened = azure_auth.open_token_cache(SETTINGS, params)
    assert opened.path == os.path.join(str(cache_dir), azure_auth.token_cache_file_name(identity()))
    assert azure_auth.open_token_cache(SETTINGS, dict(params, token_cache=False)) is None
    for method in ("msi", "cli"):
        assert azure_auth.open_token_cache(dict(SETTINGS, method=method), params) is None
    # A run that does not check TLS neither trusts nor feeds the cache.
    assert azure_auth.open_token_cache(SETTINGS, dict(params, cert_validation_mode="ignore")) is None


def test_the_default_directory_is_under_the_users_ansible_directory():
    opened = azure_auth.open_token_cache(SETTINGS, dict(PARAMS))
    assert opened.directory == os.path.expanduser("~/.ansible/sentinel_aws/token_cache")


# --- the credential ---------------------------------------------------------------------------------------------


class InnerCredential:
    """Stands for ClientSecretCredential: counts its token requests."""

    def __init__(self):
        self.calls = []

    def get_token(self, *scopes, **kwargs):
        self.calls.append((scopes, kwargs))
        return AccessToken("fresh-%d" % len(self.calls), int(time.time()) + 3599)


def test_a_miss_asks_the_inner_credential_and_stores_a_hit_does_not_ask(cache_dir):
    first = InnerCredential()
    token = azure_auth.CachingCredential(first, cache(cache_dir), CLOUD).get_token(SCOPE)
    assert token.token == "fresh-1" and len(first.calls) == 1
    second = InnerCredential()
    credential = azure_auth.CachingCredential(second, cache(cache_dir), CLOUD)
    assert credential.get_token(SCOPE) == token and second.calls == []
    assert credential.served_from_cache("fresh-1") and not credential.served_from_cache("other")
    assert cache(cache_dir).cloud() == CLOUD


def test_a_renewal_asks_the_inner_credential_and_rewrites_the_cache(cache_dir):
    cache(cache_dir).store(SCOPE, "refused", int(time.time()) + 3599, CLOUD)
    inner = InnerCredential()
    credential = azure_auth.CachingCredential(inner, cache(cache_dir), CLOUD, lookup=False)
    assert credential.get_token(SCOPE).token == "fresh-1" and not credential.served_from_cache("fresh-1")
    assert cache(cache_dir).token(SCOPE)[0] == "fresh-1"


def test_a_claims_challenge_or_another_tenant_bypasses_the_cache(cache_dir):
    cache(cache_dir).store(SCOPE, TOKEN, int(time.time()) + 3599, CLOUD)
    inner = InnerCredential()
    credential = azure_auth.CachingCredential(inner, cache(cache_dir), CLOUD)
    assert credential.get_token(SCOPE, claims='{"access_token": {}}').token == "fresh-1"
    assert credential.get_token(SCOPE, tenant_id="other").token == "fresh-2"
    assert cache(cache_dir).token(SCOPE)[0] == TOKEN  # neither was stored


@pytest.mark.parametrize(
    "code, cached, renew",
    [
        ("ExpiredAuthenticationToken", False, True),
        ("ExpiredAuthenticationToken", True, True),
        ("InvalidAuthenticationToken", True, True),
        ("InvalidAuthenticationTokenAudience", True, True),
        ("InvalidAuthenticationToken", False, False),  # a fresh token refused: another would be too
        ("AuthenticationFailed", True, False),
        (None, True, False),
    ],
)
def test_which_refusals_renew_the_token(cache_dir, code, cached, renew):
    cache(cache_dir).store(SCOPE, TOKEN, int(time.time()) + 3599, CLOUD)
    credential = azure_auth.CachingCredential(InnerCredential(), cache(cache_dir), CLOUD, lookup=cached)
    token = credential.get_token(SCOPE).token
    assert azure_auth.refused_token_to_renew(credential, "Bearer " + token, 401, code) is renew
    assert azure_auth.refused_token_to_renew(credential, "Bearer " + token, 403, code) is False


def test_without_the_cache_only_an_expired_token_is_renewed():
    assert azure_auth.refused_token_to_renew(InnerCredential(), "Bearer x", 401, "ExpiredAuthenticationToken")
    assert not azure_auth.refused_token_to_renew(InnerCredential(), "Bearer x", 401, "InvalidAuthenticationToken")
