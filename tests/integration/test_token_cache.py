"""The Azure token cache (option token_cache, issue 17): module runs share one sign-in, safely.

Each module run is an ansible-playbook process of its own, as on a controller; the emulator's
request log shows which sign-in requests (cloud metadata, OpenID configuration, token) each made.
conftest.py gives every test a cache directory of its own.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from ansible_collections.sentinel.aws.plugins.module_utils.azure_auth import TokenCache, token_cache_identity

from helpers.ansible_run import run_module
from helpers.onboarding import azure_sign_in_requests

SIGN_IN = ["endpoints", "openid-configuration", "token"]


def ws_args(sb, **extra):
    return dict(workspace_name=sb.workspace["name"], resource_group=sb.seed["resource_group"], **extra)


def read_workspace(sb, env=None, **extra):
    """One workspace_info run; its result and the sign-in requests it made."""
    before = len(sb.azure.requests)
    result = run_module("workspace_info", ws_args(sb, **extra), env=env or sb.env)
    return result, azure_sign_in_requests(sb, before)


def tokens_since(sb, before: list[str]) -> list[str]:
    """The bearer tokens the emulator issued since ``before`` (its tokens outlive a reset)."""
    return [token for token in sb.azure.tokens.issued() if token not in before]


def cached_file(sb, directory: str) -> TokenCache:
    """The cache file of the sandbox's service principal, opened with its secret (as a module does)."""
    env = sb.env
    settings = dict(tenant=env["AZURE_TENANT"], client_id=env["AZURE_CLIENT_ID"])
    identity = token_cache_identity(settings, dict(cloud_environment=env["AZURE_CLOUD_ENVIRONMENT"]))
    return TokenCache(directory, identity, env["AZURE_SECRET"])


@pytest.mark.parametrize("switch", ["option", "environment"])
def test_a_second_module_run_signs_in_with_no_request(clean_sandbox, token_cache_dir, switch):
    sb = clean_sandbox
    if switch == "option":
        env, extra = sb.env, dict(token_cache=True)
    else:
        env, extra = dict(sb.env, SENTINEL_AWS_AZURE_TOKEN_CACHE="true"), {}
    issued = sb.azure.tokens.issued()

    first, first_sign_in = read_workspace(sb, env, **extra)
    second, second_sign_in = read_workspace(sb, env, **extra)

    assert not first.failed and not second.failed, (first.result, second.result)
    assert first_sign_in == SIGN_IN
    assert second_sign_in == []  # neither the cloud metadata, nor OpenID configuration, nor a token
    assert second.result["workspace"]["customer_id"] == sb.workspace["customer_id"]
    (token,) = tokens_since(sb, issued)
    assert all(r["authorized"] for r in sb.azure.requests if r["path"].startswith("/subscriptions/"))
    # One file, 0600 in a 0700 directory, holding the token and the cloud only encrypted.
    (path,) = Path(token_cache_dir).iterdir()
    assert stat.S_IMODE(os.stat(token_cache_dir).st_mode) == 0o700 and stat.S_IMODE(path.stat().st_mode) == 0o600
    sealed = path.read_bytes()
    assert token.encode() not in sealed and sb.env["AZURE_SECRET"].encode() not in sealed
    assert sb.azure_url.encode() not in sealed
    cache = cached_file(sb, token_cache_dir)
    assert cache.path == str(path) and cache.token(f"{sb.azure_url}/.default")[0] == token
    assert cache.cloud()["resource_manager"] == f"{sb.azure_url}/"


def test_without_token_cache_each_module_run_signs_in(clean_sandbox, token_cache_dir):
    sb = clean_sandbox
    issued = sb.azure.tokens.issued()
    runs = [read_workspace(sb), read_workspace(sb)]
    for result, sign_in in runs:
        assert not result.failed and sign_in == SIGN_IN, result.result
    assert len(tokens_since(sb, issued)) == 2
    assert not os.path.exists(token_cache_dir)


# ARM answers a forgotten token 401 InvalidAuthenticationToken, an expired one 401 ExpiredAuthenticationToken.
@pytest.mark.parametrize("refuse", ["revoke_all", "expire_all"], ids=["revoked", "expired"])
def test_a_cached_token_arm_refuses_is_replaced_once_and_the_cache_rewritten(clean_sandbox, token_cache_dir, refuse):
    sb = clean_sandbox
    issued = sb.azure.tokens.issued()
    first, first_sign_in = read_workspace(sb, token_cache=True)
    assert not first.failed and first_sign_in == SIGN_IN, first.result
    (old_token,) = tokens_since(sb, issued)
    getattr(sb.azure.tokens, refuse)()  # the emulator no longer accepts it; the file still holds it
    before = len(sb.azure.requests)

    renewed, sign_in = read_workspace(sb, token_cache=True)

    assert not renewed.failed, renewed.result
    assert renewed.result["workspace"]["customer_id"] == sb.workspace["customer_id"]
    arm = [r for r in sb.azure.requests[before:] if r["path"].startswith("/subscriptions/")]
    assert [r["status"] for r in arm][:2] == [401, 200]  # refused, then the same read with a fresh token
    # One fresh token; the cloud still came from the cache (no metadata request).
    assert sign_in == ["openid-configuration", "token"]
    (new_token,) = tokens_since(sb, issued + [old_token])
    assert cached_file(sb, token_cache_dir).token(f"{sb.azure_url}/.default")[0] == new_token
    # The next run uses the rewritten file.
    third, third_sign_in = read_workspace(sb, token_cache=True)
    assert not third.failed and third_sign_in == [], third.result


def test_a_wrong_secret_does_not_get_the_cached_token(clean_sandbox, token_cache_dir):
    sb = clean_sandbox
    first, first_sign_in = read_workspace(sb, token_cache=True)
    assert not first.failed and first_sign_in == SIGN_IN, first.result
    before = len(sb.azure.requests)

    wrong, sign_in = read_workspace(sb, dict(sb.env, AZURE_SECRET="not-the-secret"), token_cache=True)

    assert wrong.failed and wrong.msg.startswith("authentication failed"), wrong.msg
    assert sign_in == SIGN_IN  # its own sign-in, refused: the file did not decrypt with its key
    assert [r for r in sb.azure.requests[before:] if r["path"].startswith("/subscriptions/")] == []
    assert "not-the-secret" not in wrong.output
    # The holder of the right secret still finds its token.
    again, again_sign_in = read_workspace(sb, token_cache=True)
    assert not again.failed and again_sign_in == [], again.result
