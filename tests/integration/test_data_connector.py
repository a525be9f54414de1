"""sentinel.aws.data_connector against the sandbox: each behaviour checked on the emulator's state."""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path

import pytest
from helpers.ansible_run import run_module
from helpers.sandbox_state import ROLE_ARN, ROLE_NAME, cloudtrail_body, make_role, portal_put, sentinel_trust_policy


def args(sandbox, **extra):
    base = dict(
        workspace_name=sandbox.workspace["name"], resource_group=sandbox.seed["resource_group"], aws_role_arn=ROLE_ARN
    )
    base.update(extra)
    return {key: value for key, value in base.items() if value is not None}


def arm_reads(sandbox):
    return [
        r for r in sandbox.azure.requests if r["method"] == "GET" and r["path"].lower().startswith("/subscriptions/")
    ]


def connector_puts(sandbox):
    return [r for r in sandbox.azure.write_requests() if r["method"] == "PUT" and "dataconnectors" in r["path"].lower()]


@pytest.fixture
def sb(clean_sandbox):
    make_role(clean_sandbox)
    return clean_sandbox


def test_create_then_rerun_makes_no_write_and_one_read(sb):
    created = run_module("data_connector", args(sb), env=sb.env)
    assert created.changed and not created.failed, created.result
    stored = sb.azure.connectors()
    assert len(stored) == 1
    assert stored[0]["kind"] == "AmazonWebServicesCloudTrail"
    # Sent as the spec's enum value; Sentinel reads it back lower-case (the recordings).
    [put] = [r for r in sb.azure.write_requests() if r["method"] == "PUT"]
    assert put["body"]["properties"]["dataTypes"] == {"logs": {"state": "Enabled"}}
    assert stored[0]["properties"] == {"awsRoleArn": ROLE_ARN, "dataTypes": {"logs": {"state": "enabled"}}}
    assert created.result["connector"]["name"] == stored[0]["name"]
    assert created.result["connector"]["etag"] == stored[0]["etag"]
    assert uuid.UUID(stored[0]["name"]).version == 5  # derived from the role ARN

    before = len(sb.azure.requests)
    rerun = run_module("data_connector", args(sb), env=sb.env)
    assert not rerun.changed and not rerun.failed, rerun.result
    new_requests = sb.azure.requests[before:]
    arm = [r for r in new_requests if r["path"].lower().startswith("/subscriptions/")]
    assert [r["method"] for r in arm] == ["GET"], arm  # the connector list only
    assert rerun.result["connector"] == created.result["connector"]


def test_update_logs_disabled_uses_current_etag(sb):
    run_module("data_connector", args(sb), env=sb.env)
    etag_before = sb.azure.connectors()[0]["etag"]
    updated = run_module("data_connector", args(sb, logs_enabled=False), env=sb.env, diff=True)
    assert updated.changed and not updated.failed, updated.result
    stored = sb.azure.connectors()
    assert len(stored) == 1 and stored[0]["properties"]["dataTypes"]["logs"]["state"] == "disabled"
    assert stored[0]["etag"] != etag_before
    assert updated.result["connector"]["logs_enabled"] is False
    assert updated.result["diff"]["before"]["logs_enabled"] is True
    assert updated.result["diff"]["after"]["logs_enabled"] is False


def test_adopts_hand_made_connector(sb):
    # Made "in the portal": a random ID, logs disabled.
    handmade = str(uuid.uuid4())
    portal_put(sb, handmade, cloudtrail_body(ROLE_ARN, "Disabled"))
    result = run_module("data_connector", args(sb), env=sb.env)
    assert result.changed and not result.failed, result.result
    stored = sb.azure.connectors()
    assert [c["name"] for c in stored] == [handmade]  # updated in place, no duplicate
    assert stored[0]["properties"]["dataTypes"]["logs"]["state"] == "enabled"
    assert result.result["connector"]["name"] == handmade


def test_check_mode_writes_nothing_and_diff_shows_the_connector(sb):
    result = run_module("data_connector", args(sb), env=sb.env, check=True, diff=True)
    assert result.changed and not result.failed, result.result
    assert sb.azure.write_requests() == [] and sb.azure.connectors() == []
    assert result.result["diff"]["before"] == {}
    assert result.result["diff"]["after"]["aws_role_arn"] == ROLE_ARN
    assert result.result["diff"]["after"]["logs_enabled"] is True


def test_absent_by_role_then_absent_again(sb):
    run_module("data_connector", args(sb), env=sb.env)
    assert len(sb.azure.connectors()) == 1
    checked = run_module("data_connector", args(sb, state="absent"), env=sb.env, check=True)
    assert checked.changed and len(sb.azure.connectors()) == 1
    removed = run_module("data_connector", args(sb, state="absent"), env=sb.env, diff=True)
    assert removed.changed and not removed.failed, removed.result
    assert sb.azure.connectors() == []
    assert removed.result["diff"]["after"] == {} and removed.result["diff"]["before"]["aws_role_arn"] == ROLE_ARN
    again = run_module("data_connector", args(sb, state="absent"), env=sb.env)
    assert not again.changed and not again.failed, again.result
    assert not [r for r in sb.azure.write_requests() if r["method"] == "DELETE"][1:]


def test_absent_by_connector_id(sb):
    connector_id = "0d7a1c52-3b9e-4f10-9c1d-2e4f6a8b0c11"
    run_module("data_connector", args(sb, connector_id=connector_id), env=sb.env)
    assert [c["name"] for c in sb.azure.connectors()] == [connector_id]
    removed = run_module(
        "data_connector", args(sb, aws_role_arn=None, connector_id=connector_id, state="absent"), env=sb.env
    )
    assert removed.changed and sb.azure.connectors() == []


def test_role_not_yet_assumable_is_retried(sb):
    sb.azure.not_assumable(2)
    started = time.monotonic()
    result = run_module("data_connector", args(sb, wait_timeout=30), env=sb.env)
    assert result.changed and not result.failed, result.result
    assert len(connector_puts(sb)) == 3
    assert [p["status"] for p in connector_puts(sb)] == [400, 400, 201]
    assert time.monotonic() - started >= 6  # backoff 2 s then 4 s
    assert len(sb.azure.connectors()) == 1


def test_role_not_assumable_past_wait_timeout_fails_clearly(sb):
    sb.azure.not_assumable(100)
    result = run_module("data_connector", args(sb, wait_timeout=3), env=sb.env)
    assert result.failed
    assert "could not assume role %s" % ROLE_ARN in result.msg
    assert "trust policy" in result.msg and "sts:ExternalId" in result.msg and "wait_timeout" in result.msg
    assert result.result["status_code"] == 400
    assert 2 <= len(connector_puts(sb)) <= 3 and sb.azure.connectors() == []


def test_other_4xx_not_retried(sb):
    sb.azure.add_fault(
        method="PUT",
        path_contains="dataConnectors",
        status=400,
        code="BadRequest",
        message="Failed to parse input.",
        times=5,
    )
    result = run_module("data_connector", args(sb), env=sb.env)
    assert result.failed and "Failed to parse input" in result.msg
    assert len(connector_puts(sb)) == 1


def test_throttling_is_retried_honouring_retry_after(sb):
    sb.azure.add_fault(method="PUT", path_contains="dataConnectors", status=429, headers={"Retry-After": "2"})
    started = time.monotonic()
    result = run_module("data_connector", args(sb), env=sb.env)
    assert result.changed and not result.failed, result.result
    assert [p["status"] for p in connector_puts(sb)] == [429, 201]
    assert time.monotonic() - started >= 2
    assert len(sb.azure.connectors()) == 1


def test_server_error_on_list_is_retried(sb):
    sb.azure.add_fault(method="GET", path_contains="dataConnectors", status=503, times=1)
    result = run_module("data_connector", args(sb), env=sb.env)
    assert result.changed and not result.failed, result.result
    assert [r["status"] for r in arm_reads(sb)][:2] == [503, 200]


def test_workspace_without_sentinel(sb):
    plain = dict(workspace_name="law-plain")
    refused = run_module("data_connector", args(sb, **plain), env=sb.env)
    assert refused.failed and "not enabled on workspace law-plain" in refused.msg
    assert sb.azure.write_requests() == []
    # ensure_sentinel onboards it; the role must trust this workspace's ID.
    sb.aws.client("iam").delete_role(RoleName=ROLE_NAME)
    customer_id = next(w["customer_id"] for w in sb.seed["workspaces"] if w["name"] == "law-plain")
    make_role(sb, external_id=customer_id)
    onboarded = run_module("data_connector", args(sb, ensure_sentinel=True, **plain), env=sb.env)
    assert onboarded.changed and not onboarded.failed, onboarded.result
    assert [r["path"].rsplit("/", 2)[-2:] for r in sb.azure.write_requests()][0] == ["onboardingStates", "default"]
    assert len(sb.azure.connectors("law-plain")) == 1


def test_missing_and_forbidden_workspaces(sb):
    missing = run_module("data_connector", args(sb, workspace_name="law-missing"), env=sb.env)
    assert missing.failed and "workspace law-missing not found in resource group rg-sentinel" in missing.msg
    assert missing.result["status_code"] == 404
    forbidden = run_module("data_connector", args(sb, workspace_name="law-forbidden"), env=sb.env)
    assert forbidden.failed and "not authorized" in forbidden.msg and "law-forbidden" in forbidden.msg
    assert forbidden.result["status_code"] == 403 and forbidden.result["error_code"] == "AuthorizationFailed"
    assert sb.azure.write_requests() == []


def test_wrong_secret_is_a_clear_auth_error_without_the_secret(sb):
    wrong = "wrong-secret-0123456789"
    result = run_module("data_connector", args(sb, secret=wrong), env=sb.env, verbosity=3)
    assert result.failed and result.msg.startswith("authentication failed")
    assert wrong not in result.output and wrong not in json.dumps(result.result)
    assert sb.azure.write_requests() == []


def test_connector_id_conflicting_with_existing_connector_fails_before_write(sb):
    run_module("data_connector", args(sb), env=sb.env)
    writes = len(sb.azure.write_requests())
    result = run_module("data_connector", args(sb, connector_id=str(uuid.uuid4())), env=sb.env)
    assert result.failed and "already connects role" in result.msg
    assert len(sb.azure.write_requests()) == writes and len(sb.azure.connectors()) == 1


def make_role_in(sandbox, account_id, name=ROLE_NAME):
    """A Sentinel-trusted role in another moto account (the sandbox maps AKIASBX<account> keys to it)."""
    policy = sentinel_trust_policy(sandbox.workspace["customer_id"])
    iam = sandbox.aws.client("iam", account_id=account_id)
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(policy))["Role"]["Arn"]


def test_connector_id_of_another_accounts_connector_is_refused_before_any_write(sb):
    """Issue 11 case 3: repointing account 111111111111's connector at this account's role would stop reading it."""
    theirs = "bbbbbbbb-0000-4000-8000-00000000000b"
    their_arn = make_role_in(sb, "111111111111")
    portal_put(sb, theirs, cloudtrail_body(their_arn))
    writes = len(sb.azure.write_requests())

    for check in (True, False):
        result = run_module("data_connector", args(sb, connector_id=theirs), env=sb.env, check=check, diff=True)
        assert result.failed, result.result
        assert f"connector_id {theirs} is the connector of AWS account 111111111111" in result.msg
        assert their_arn in result.msg and "Nothing was changed" in result.msg
    assert len(sb.azure.write_requests()) == writes
    [stored] = sb.azure.connectors()
    assert (stored["name"], stored["properties"]["awsRoleArn"]) == (theirs, their_arn)


def test_connector_id_of_a_renamed_role_in_the_same_account_is_updated_and_the_diff_shows_it(sb):
    connector_id = "cccccccc-0000-4000-8000-00000000000c"
    old_arn = make_role(sb, name="SentinelRoleBeforeRename")
    portal_put(sb, connector_id, cloudtrail_body(old_arn))
    made_by_hand = len(connector_puts(sb))

    checked = run_module("data_connector", args(sb, connector_id=connector_id), env=sb.env, check=True, diff=True)
    assert checked.changed and not checked.failed, checked.result
    assert checked.result["diff"]["before"]["aws_role_arn"] == old_arn
    assert checked.result["diff"]["after"]["aws_role_arn"] == ROLE_ARN
    assert len(connector_puts(sb)) == made_by_hand

    updated = run_module("data_connector", args(sb, connector_id=connector_id), env=sb.env, diff=True)
    assert updated.changed and not updated.failed, updated.result
    assert updated.result["diff"] == checked.result["diff"]
    [stored] = sb.azure.connectors()
    assert (stored["name"], stored["properties"]["awsRoleArn"]) == (connector_id, ROLE_ARN)
    assert len(connector_puts(sb)) == made_by_hand + 1


def test_a_put_refused_as_a_duplicate_names_the_existing_connectors_and_how_to_remove_them(sb):
    """Real Sentinel's "context" may be wider than the role ARN: a leftover connector of another role blocks ours.

    The emulator only refuses the same role ARN, which the module adopts instead of duplicating, so
    the refusal Sentinel answers is injected (its wording, Azure/Azure-Sentinel #15075); the
    leftover connector is real, made as an older set-up made it.
    """
    leftover = "0d5e3c8f-0000-4000-8000-0000000000dd"
    leftover_arn = make_role(sb, name="SentinelRoleFromAnOlderSetUp")
    portal_put(sb, leftover, cloudtrail_body(leftover_arn))
    refusal = (
        "Data connector validation failed: there cannot be two connectors with different names and the same kind "
        "and context id."
    )
    sb.azure.add_fault(method="PUT", path_contains="dataConnectors", status=400, code="BadRequest", message=refusal)

    result = run_module("data_connector", args(sb), env=sb.env)

    assert result.failed, result.result
    assert "as a duplicate" in result.msg and refusal in result.msg
    assert f"{leftover} (role {leftover_arn})" in result.msg
    assert "sentinel.aws.data_connector state=absent connector_id=<its name>" in result.msg
    assert (result.result["status_code"], result.result["error_code"]) == (400, "BadRequest")
    # One refused PUT, then the listing that explains it; nothing was stored but the leftover.
    assert [p["status"] for p in connector_puts(sb)[1:]] == [400]
    assert [c["name"] for c in sb.azure.connectors()] == [leftover]

    # Removing it as the message says lets the next run connect the role.
    removed = run_module(
        "data_connector", args(sb, aws_role_arn=None, connector_id=leftover, state="absent"), env=sb.env
    )
    assert removed.changed and not removed.failed, removed.result
    connected = run_module("data_connector", args(sb), env=sb.env)
    assert connected.changed and not connected.failed, connected.result
    assert [c["properties"]["awsRoleArn"] for c in sb.azure.connectors()] == [ROLE_ARN]


@pytest.mark.parametrize(
    "extra, fragment",
    [
        (dict(aws_role_arn="arn:aws:iam::123:role/x"), "aws_role_arn must be an IAM role ARN"),
        (dict(aws_role_arn="arn:aws-us-gov:iam::123456789012:role/x"), "commercial"),
        (dict(connector_id="not-a-guid"), "connector_id must be a GUID"),
        (dict(kind="Office365"), "value of kind must be one of"),
        (
            dict(workspace_name=None, resource_group=None),
            "give the workspace either as workspace_name and resource_group",
        ),
        (dict(resource_group=None), "workspace_name and resource_group go together: give both"),
        (
            dict(
                workspace_resource_id="/subscriptions/0b1f6471-0000-4000-8000-00000000501b/resourceGroups/rg"
                "/providers/Microsoft.OperationalInsights/workspaces/law1"
            ),
            "or as workspace_resource_id (not both)",
        ),
        (
            dict(
                workspace_name=None,
                resource_group=None,
                workspace_resource_id="/subscriptions/xyz/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law1",
            ),
            "subscription must be a GUID",
        ),
        (dict(subscription_id="not-a-subscription"), "subscription_id must be a GUID"),
        (dict(secret="only-a-secret", client_id=None, tenant=None), "missing: client_id, tenant"),
    ],
)
def test_bad_input_fails_before_any_azure_call(clean_sandbox, extra, fragment):
    env = dict(clean_sandbox.env)
    if extra.get("client_id", "") is None:
        env.pop("AZURE_CLIENT_ID")
        env.pop("AZURE_TENANT")
    result = run_module("data_connector", args(clean_sandbox, **extra), env=env)
    assert result.failed and fragment in result.msg, result.msg
    assert [r for r in clean_sandbox.azure.requests if r["path"].lower().startswith("/subscriptions/")] == []


def test_no_azure_credentials_at_all_names_the_options_and_variables_to_set(tmp_path, monkeypatch):
    """Issue 13: no Azure option, no AZURE_* variable, no ~/.azure/credentials and no Azure CLI."""
    for name in list(os.environ):
        if name.startswith(("AZURE_", "ANSIBLE_AZURE_")):
            monkeypatch.delenv(name)
    # This venv's tools and the system's, without any directory that holds an Azure CLI.
    directories = [str(Path(sys.executable).parent)] + os.environ["PATH"].split(os.pathsep)
    path = os.pathsep.join(d for d in directories if d and not (Path(d) / "az").exists())
    result = run_module(
        "data_connector",
        dict(workspace_name="law-sentinel", resource_group="rg-sentinel", aws_role_arn=ROLE_ARN),
        env=dict(HOME=str(tmp_path), PATH=path),
    )
    assert result.failed and result.msg.startswith("no Azure credentials found"), result.msg
    for name in ("subscription_id", "client_id", "secret", "tenant", "auth_source", "cloud_environment"):
        assert name in result.msg, name
    for variable in ("AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_TENANT", "AZURE_PROFILE"):
        assert variable in result.msg, variable
    assert "No such file or directory: 'az'" in result.msg  # the last resort's own words


# --- time budget: Retry-After never waited past it (issue 12, item 1) ------------------------------------------


def test_a_retry_after_longer_than_the_time_budget_fails_at_once_naming_the_wait(sb):
    sb.azure.add_fault(method="PUT", path_contains="dataConnectors", status=429, headers={"Retry-After": "400"})
    started = time.monotonic()
    result = run_module("data_connector", args(sb), env=sb.env)
    assert time.monotonic() - started < 30  # not 400 s
    assert result.failed
    assert "asked to wait 400 seconds" in result.msg and "HTTP 429" in result.msg, result.msg
    assert "write the data connector" in result.msg and "wait_timeout" in result.msg
    assert result.result["status_code"] == 429
    assert [p["status"] for p in connector_puts(sb)] == [429]  # no retry after the refused wait
    assert sb.azure.connectors() == []


def test_a_retry_after_within_a_raised_wait_timeout_is_waited_for(sb):
    sb.azure.add_fault(method="PUT", path_contains="dataConnectors", status=503, headers={"Retry-After": "3"})
    result = run_module("data_connector", args(sb, wait_timeout=0, read_timeout=5), env=sb.env)
    assert result.changed and not result.failed, result.result
    first, second = connector_puts(sb)
    assert (first["status"], second["status"]) == (503, 201) and second["time"] - first["time"] >= 2.9


# --- an expired token is renewed once (issue 12, item 2) --------------------------------------------------------

EXPIRED = dict(
    method="PUT",
    path_contains="dataConnectors",
    status=401,
    code="ExpiredAuthenticationToken",
    message="The access token expiry UTC time '11/30/2026 3:00:00 AM' is earlier than current UTC time.",
)
CHALLENGE = {"WWW-Authenticate": 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token"'}


def token_requests(sandbox):
    return [r for r in sandbox.azure.requests if r["method"] == "POST" and r["path"].endswith("/oauth2/v2.0/token")]


@pytest.mark.parametrize("headers", [CHALLENGE, {}], ids=["with-challenge", "without-challenge"])
def test_an_expired_token_on_the_put_is_renewed_once_and_the_put_succeeds(sb, headers):
    sb.azure.add_fault(**EXPIRED, headers=headers)
    result = run_module("data_connector", args(sb), env=sb.env)
    assert result.changed and not result.failed, result.result
    first, second = connector_puts(sb)
    assert (first["status"], second["status"]) == (401, 201)
    tokens = token_requests(sb)
    assert len(tokens) == 2 and first["time"] < tokens[1]["time"] < second["time"]  # a fresh token between
    assert len(sb.azure.connectors()) == 1


def test_a_token_refused_again_after_renewal_fails_without_a_second_renewal(sb):
    sb.azure.add_fault(**EXPIRED, headers=CHALLENGE, times=5)
    result = run_module("data_connector", args(sb), env=sb.env)
    assert result.failed and result.msg.startswith("authentication failed"), result.msg
    assert [p["status"] for p in connector_puts(sb)] == [401, 401]
    assert len(token_requests(sb)) == 2


# --- Entra ID: service trouble is not bad credentials (issue 12, item 3) -------------------------------------


@pytest.mark.parametrize(
    "status, headers", [(500, {}), (503, {}), (429, {"Retry-After": "1"})], ids=["500", "503", "429"]
)
def test_entra_trouble_is_retried_then_reported_as_service_trouble(clean_sandbox, status, headers):
    sb = clean_sandbox
    sb.azure.add_fault(method="POST", path_contains="/oauth2/v2.0/token", status=status, headers=headers, times=50)
    started = time.monotonic()
    result = run_module("data_connector", args(sb), env=sb.env)
    assert time.monotonic() - started < 90
    assert result.failed
    assert "Microsoft Entra ID did not issue a token" in result.msg and "not of the credentials" in result.msg
    assert "check client_id" not in result.msg, result.msg
    assert result.result["status_code"] == status
    assert 2 <= len(token_requests(sb)) <= 7  # retried, within bounds (retry_status=6)
    assert sb.azure.write_requests() == []


def test_entra_trouble_that_passes_is_retried_and_the_run_succeeds(clean_sandbox):
    sb = clean_sandbox
    make_role(sb)
    sb.azure.add_fault(method="POST", path_contains="/oauth2/v2.0/token", status=500, times=2)
    result = run_module("data_connector", args(sb), env=sb.env)
    assert result.changed and not result.failed, result.result
    assert [r["status"] for r in token_requests(sb)] == [500, 500, 200]


def test_entra_retry_after_longer_than_the_budget_fails_at_once_naming_the_wait(clean_sandbox):
    sb = clean_sandbox
    sb.azure.add_fault(method="POST", path_contains="/oauth2/v2.0/token", status=429, headers={"Retry-After": "400"})
    started = time.monotonic()
    result = run_module("data_connector", args(sb), env=sb.env)
    assert time.monotonic() - started < 30
    assert result.failed and "asked to wait 400 seconds" in result.msg and "HTTP 429" in result.msg, result.msg
    assert result.result["status_code"] == 429
    assert len(token_requests(sb)) == 1


@pytest.mark.parametrize(
    "override, code",
    [
        (dict(secret="wrong-secret-0123456789"), "AADSTS7000215"),
        (dict(client_id="0b0b0b0b-0000-4000-8000-000000000000"), "AADSTS700016"),
        # The tenant's OpenID configuration answers AADSTS90002; MSAL reports it in its own words.
        (dict(tenant="0c0c0c0c-0000-4000-8000-000000000000"), "double check your tenant"),
    ],
    ids=["invalid-secret", "unknown-app", "unknown-tenant"],
)
def test_credential_refusals_are_reported_as_bad_credentials_without_retrying(clean_sandbox, override, code):
    sb = clean_sandbox
    result = run_module("data_connector", args(sb, **override), env=sb.env)
    assert result.failed and result.msg.startswith("authentication failed"), result.msg
    assert "check client_id, secret, tenant" in result.msg and code in result.msg
    assert result.result["error_code"] == (code if code.startswith("AADSTS") else None)
    assert len(token_requests(sb)) <= 1  # a refusal is not retried
    assert sb.azure.write_requests() == []


# --- only https endpoints, checked before any secret is sent (issue 12, item 4) ------------------------------


def test_a_plain_http_metadata_url_is_refused_before_any_request(clean_sandbox):
    sb = clean_sandbox
    http_url = sb.azure_url.replace("https://", "http://")
    result = run_module("data_connector", args(sb, cloud_environment=http_url), env=sb.env)
    assert result.failed and "cloud_environment" in result.msg and "must be an https:// URL" in result.msg, result.msg
    assert sb.azure.requests == []


@pytest.mark.parametrize("field", ["loginEndpoint", "resourceManager"])
def test_metadata_naming_a_plain_http_endpoint_is_refused_before_the_secret_is_sent(clean_sandbox, field):
    from sandbox.entra import cloud_entry

    sb = clean_sandbox
    entry = cloud_entry(sb.azure_url)
    plain = sb.azure_url.replace("https://", "http://")
    if field == "loginEndpoint":
        entry["authentication"]["loginEndpoint"] = plain
    else:
        entry["resourceManager"] = plain + "/"
    sb.azure.add_fault(method="GET", path_contains="/metadata/endpoints", status=200, body=[entry])
    result = run_module("data_connector", args(sb), env=sb.env)
    assert result.failed and field in result.msg and "must be an https:// URL" in result.msg, result.msg
    assert token_requests(sb) == [] and [r["path"] for r in sb.azure.requests] == ["/metadata/endpoints"]


# --- Sentinel's own refusals: inner text, actionable messages, a PUT retry robust to wording (items 5, 6) ---------


def test_provider_not_registered_says_to_register_it(sb):
    sb.azure.register_provider(False)
    result = run_module("data_connector", args(sb), env=sb.env)
    assert result.failed and result.result["status_code"] == 400
    assert "not registered for the Microsoft.SecurityInsights resource provider" in result.msg, result.msg
    assert "az provider register --namespace Microsoft.SecurityInsights" in result.msg
    assert '{"error"' not in result.msg  # the inner message, not the double-encoded JSON
    assert sb.azure.write_requests() == []


def test_not_onboarded_answer_is_enough_to_say_sentinel_is_off(sb):
    result = run_module("data_connector", args(sb, workspace_name="law-plain"), env=sb.env)
    assert result.failed and result.result["sentinel_enabled"] is False
    assert "not enabled on workspace law-plain" in result.msg and "ensure_sentinel" in result.msg
    # Sentinel's "not onboarded" text decides: no further reads of the workspace or its onboarding state.
    assert [r["path"].rsplit("/", 1)[-1] for r in arm_reads(sb)] == ["dataConnectors"]


REWORDED = "The AWS credentials for this role could not be validated yet"


def test_a_reworded_refusal_is_retried_like_the_known_one(sb):
    sb.azure.not_assumable(2, message=REWORDED)
    result = run_module("data_connector", args(sb), env=sb.env)
    assert result.changed and not result.failed, result.result
    assert [p["status"] for p in connector_puts(sb)] == [400, 400, 201]


def test_a_reworded_refusal_past_wait_timeout_shows_sentinels_inner_text(sb):
    sb.azure.not_assumable(1000, message=REWORDED)
    result = run_module("data_connector", args(sb, wait_timeout=3), env=sb.env)
    assert result.failed and REWORDED in result.msg and "wait_timeout=3" in result.msg, result.msg
    assert '{"error"' not in result.msg
    assert len(connector_puts(sb)) >= 2 and sb.azure.connectors() == []


def test_a_refusal_of_our_own_body_is_not_retried(sb):
    refusal = "Failed to parse input. Error='Required property 'dataTypes' not found in JSON. Path 'properties'.'"
    sb.azure.add_fault(method="PUT", path_contains="dataConnectors", status=400, code="BadRequest", message=refusal)
    result = run_module("data_connector", args(sb), env=sb.env)
    assert result.failed and "Required property 'dataTypes' not found" in result.msg, result.msg
    assert [p["status"] for p in connector_puts(sb)] == [400]
