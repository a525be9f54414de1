"""Reliability, end to end: the onboarding and offboarding playbooks under the faults SOC automation meets.

Faults are injected through the sandbox's documented fault API (tests/sandbox/README.md); every
outcome is read back from moto and the Azure emulator (their state and request logs). Each test
proves that the run either converges or fails cleanly, naming the operation, with nothing lost or
half-made left unexplained, and that a re-run converges.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.sentinel.aws.plugins.module_utils.azure_auth import AzureSession
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import CLOUDTRAIL_KIND, desired_connector
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel_api import SentinelApi
from sandbox import Sandbox

from helpers.ansible_run import PlaybookRun, run_playbook
from helpers.onboarding import ONBOARD, OFFBOARD, ROLE_NAME, READ_ONLY_POLICY, SENTINEL_PRINCIPAL, role_vars
from helpers.sandbox_state import make_role

pytestmark = pytest.mark.slow


# --- helpers --------------------------------------------------------------------------------------


def play(sb: Sandbox, playbook: Path = ONBOARD, extra_vars: dict[str, Any] | None = None, **kwargs: Any) -> PlaybookRun:
    return run_playbook(playbook, extra_vars=extra_vars or role_vars(sb), env=sb.env, **kwargs)


def role_arn(sb: Sandbox) -> str:
    return f"arn:aws:iam::{sb.env['SANDBOX_AWS_ACCOUNT_ID']}:role/{ROLE_NAME}"


def roles(sb: Sandbox) -> list[str]:
    return [r["RoleName"] for r in sb.aws.client("iam").list_roles()["Roles"]]


def connectors(sb: Sandbox) -> list[dict[str, Any]]:
    return sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"])


def trust_policy(sb: Sandbox) -> dict[str, Any]:
    document = sb.aws.client("iam").get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]
    return json.loads(document) if isinstance(document, str) else document


def attached(sb: Sandbox) -> list[str]:
    policies = sb.aws.client("iam").list_attached_role_policies(RoleName=ROLE_NAME)["AttachedPolicies"]
    return sorted(p["PolicyArn"] for p in policies)


def tags(sb: Sandbox) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in sb.aws.client("iam").list_role_tags(RoleName=ROLE_NAME)["Tags"]}


def assert_fully_onboarded(sb: Sandbox) -> None:
    """Exactly one role, complete (trust with external ID, read-only policy), and exactly one connector for it."""
    assert roles(sb) == [ROLE_NAME]
    [statement] = trust_policy(sb)["Statement"]
    assert statement["Principal"] == {"AWS": SENTINEL_PRINCIPAL}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": sb.env["SANDBOX_WORKSPACE_ID"]}}
    assert attached(sb) == [READ_ONLY_POLICY]
    [connector] = connectors(sb)
    assert connector["kind"] == "AmazonWebServicesCloudTrail"
    assert connector["properties"]["awsRoleArn"] == role_arn(sb)
    assert (
        connector["properties"]["dataTypes"]["logs"]["state"] == "enabled"
    )  # read back lower-case, as Sentinel answers


def assert_converged_rerun(sb: Sandbox) -> None:
    """A further run changes nothing and writes nothing."""
    aws_before, azure_before = len(sb.aws.requests), len(sb.azure.requests)
    again = play(sb)
    assert again.returncode == 0, again.output
    assert again.stat("changed") == 0, again.output
    assert [r for r in sb.aws.requests[aws_before:] if r in sb.aws.write_requests()] == []
    assert [r for r in sb.azure.requests[azure_before:] if r in sb.azure.write_requests()] == []


def aws_attempts(sb: Sandbox, action: str) -> list[dict[str, Any]]:
    return [r for r in sb.aws.requests if r["action"] == action]


def azure_attempts(sb: Sandbox, method: str, path_contains: str) -> list[dict[str, Any]]:
    return [r for r in sb.azure.requests if r["method"] == method and path_contains.lower() in r["path"].lower()]


def settled_azure_attempts(sb: Sandbox, method: str, path_contains: str, expected: int) -> list[dict[str, Any]]:
    """The attempts, once hung requests have been answered (the emulator logs a request when it answers)."""
    deadline = time.monotonic() + 20
    while len(azure_attempts(sb, method, path_contains)) < expected and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)  # and no more than expected arrive
    return azure_attempts(sb, method, path_contains)


# --- AWS: throttling and 5xx on IAM ---------------------------------------------------------------


IAM_FAULTS = [
    ("CreateRole", 400, "Throttling"),
    ("AttachRolePolicy", 503, "ServiceUnavailable"),
    ("GetRole", 503, "ServiceUnavailable"),
    ("GetCallerIdentity", 500, "InternalFailure"),
]


def test_iam_throttling_and_5xx_are_retried_and_the_run_converges(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    # More faults in a row than botocore's own retries absorb (at most 5 attempts), so only the
    # collection's retry policy can get these calls through.
    for action, status, code in IAM_FAULTS:
        sb.aws.add_fault(action, status=status, code=code, message="injected", times=6)

    run = play(sb)

    assert run.returncode == 0, run.output
    assert run.stat("changed") == 2
    for action, _status, _code in IAM_FAULTS:
        attempts = aws_attempts(sb, action)
        assert [a["fault"] for a in attempts[:6]] == [True] * 6, (action, attempts)
        assert not attempts[6]["fault"] and attempts[6]["status"] < 500, (action, attempts)
    # Retried, not repeated after success: one role was created, one policy attached.
    assert len([a for a in aws_attempts(sb, "CreateRole") if not a["fault"]]) == 1
    assert_fully_onboarded(sb)


def test_iam_throttling_exception_is_retried_like_throttling(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    sb.aws.add_fault("AttachRolePolicy", status=400, code="ThrottlingException", message="Rate exceeded", times=6)

    run = play(sb)

    assert run.returncode == 0, run.output
    assert len(aws_attempts(sb, "AttachRolePolicy")) == 7
    assert_fully_onboarded(sb)


# --- Azure: 429, 5xx, dropped connections, slow answers ----------------------------------------------

AZURE_FAULTS = {
    # 429 with Retry-After on the connector PUT: waited for, then the PUT goes through.
    "429-retry-after": [
        dict(method="PUT", path_contains="dataConnectors", status=429, headers={"Retry-After": "2"}, times=2)
    ],
    # Server errors on reads: the workspace lookup and the connector list.
    "500-503-on-reads": [
        dict(method="GET", path_contains="workspaces/law-sentinel", status=503, times=2),
        dict(method="GET", path_contains="dataConnectors", status=500, times=2),
    ],
    "503-on-put": [dict(method="PUT", path_contains="dataConnectors", status=503, times=2)],
    # The connection closed without an answer (a reset proxy, a restarted front end).
    "dropped-connection": [
        dict(method="GET", path_contains="dataConnectors", drop=True, times=1),
        dict(method="PUT", path_contains="dataConnectors", drop=True, times=1),
    ],
}


def test_a_slow_answer_within_the_client_timeout_is_waited_for_not_repeated(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    sb.azure.add_fault(method="PUT", path_contains="dataConnectors", delay=4, times=1)

    started = time.monotonic()
    run = play(sb)

    assert run.returncode == 0, run.output
    assert time.monotonic() - started >= 4
    assert [p["status"] for p in azure_attempts(sb, "PUT", "dataConnectors")] == [201]
    assert_fully_onboarded(sb)


@pytest.mark.parametrize("name", list(AZURE_FAULTS))
def test_azure_faults_are_retried_within_bounds_and_the_run_converges(clean_sandbox: Sandbox, name: str) -> None:
    sb = clean_sandbox
    for fault in AZURE_FAULTS[name]:
        sb.azure.add_fault(**fault)

    run = play(sb)

    assert run.returncode == 0, run.output
    assert run.stat("changed") == 2
    for fault in AZURE_FAULTS[name]:
        attempts = azure_attempts(sb, fault["method"], fault["path_contains"])
        injected = fault["times"]
        if fault.get("drop"):
            # A dropped request has no answer; the server still logs it as a fault, then a retry follows.
            assert len([a for a in attempts if a["fault"]]) == injected, attempts
        else:
            assert [a["fault"] for a in attempts[:injected]] == [True] * injected, attempts
        assert any(not a["fault"] and a["status"] in (200, 201) for a in attempts[injected:]), attempts
    if name == "429-retry-after":
        puts = azure_attempts(sb, "PUT", "dataConnectors")
        gaps = [later["time"] - earlier["time"] for earlier, later in zip(puts, puts[1:], strict=False)]
        assert all(gap >= 1.9 for gap in gaps), gaps  # Retry-After: 2 was honoured
    # Exactly one connector: a retried PUT (even one whose answer was lost) made no duplicate.
    assert_fully_onboarded(sb)


def test_azure_throttling_past_the_retry_budget_fails_naming_the_operation_and_a_rerun_converges(
    clean_sandbox: Sandbox,
) -> None:
    """Also the partial failure: the IAM role is made, then the connector step fails."""
    sb = clean_sandbox
    sb.azure.add_fault(method="PUT", path_contains="dataConnectors", status=429, headers={"Retry-After": "1"}, times=50)

    run = play(sb)

    assert run.returncode != 0
    [message] = run.failure_messages()
    assert "write the data connector" in message and "law-sentinel" in message, message
    puts = azure_attempts(sb, "PUT", "dataConnectors")
    assert 2 <= len(puts) <= 10, len(puts)  # retried, within bounds
    # Nothing half-made: the role is complete, no connector exists.
    assert roles(sb) == [ROLE_NAME]
    assert attached(sb) == [READ_ONLY_POLICY]
    assert connectors(sb) == []

    sb.azure.reset()  # the throttling ends (connector state was empty anyway)
    rerun = play(sb)

    assert rerun.returncode == 0, rerun.output
    assert rerun.stat("changed") == 1  # only the connector: the role was already right
    assert_fully_onboarded(sb)


# --- the new role is not assumable yet -------------------------------------------------------------


def test_a_role_not_yet_assumable_is_retried_until_it_is(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    sb.azure.not_assumable(2)

    run = play(sb)

    assert run.returncode == 0, run.output
    puts = azure_attempts(sb, "PUT", "dataConnectors")
    assert [p["status"] for p in puts] == [400, 400, 201]
    assert_fully_onboarded(sb)


def test_a_role_never_assumable_fails_at_wait_timeout_with_a_clear_message(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    sb.azure.not_assumable(1000)

    run = play(sb, extra_vars=role_vars(sb, cloudtrail_wait_timeout=3))

    assert run.returncode != 0
    [message] = run.failure_messages()
    assert "could not assume role " + role_arn(sb) in message, message
    assert "wait_timeout=3" in message, message
    puts = azure_attempts(sb, "PUT", "dataConnectors")
    assert len(puts) >= 2  # retried...
    assert puts[-1]["time"] - puts[0]["time"] <= 3.5  # ...within the time budget
    assert connectors(sb) == []
    assert roles(sb) == [ROLE_NAME]

    sb.azure.not_assumable(0)
    rerun = play(sb)
    assert rerun.returncode == 0, rerun.output
    assert_fully_onboarded(sb)


# --- partial failures -------------------------------------------------------------------------------

CONNECTOR_FAILURES = {
    # The identity may create IAM roles but lacks write access on the workspace.
    "forbidden": dict(method="PUT", path_contains="dataConnectors", status=403, code="AuthorizationFailed", times=100),
    # Azure stops answering (every connection is closed) when the connector is written.
    "unreachable": dict(method="PUT", path_contains="dataConnectors", drop=True, times=100),
}


@pytest.mark.parametrize("failure", list(CONNECTOR_FAILURES))
def test_role_made_then_connector_fails_rerun_converges_without_duplicates(
    clean_sandbox: Sandbox, failure: str
) -> None:
    sb = clean_sandbox
    sb.azure.add_fault(**CONNECTOR_FAILURES[failure])

    run = play(sb)

    assert run.returncode != 0
    [message] = run.failure_messages()
    assert "data connector" in message and "law-sentinel" in message, message
    assert "Traceback" not in run.output and "MODULE FAILURE" not in run.output
    assert roles(sb) == [ROLE_NAME] and attached(sb) == [READ_ONLY_POLICY]
    assert connectors(sb) == []

    sb.azure.reset()
    rerun = play(sb)

    assert rerun.returncode == 0, rerun.output
    assert rerun.stat("changed") == 1
    assert_fully_onboarded(sb)
    assert_converged_rerun(sb)


def test_offboarding_after_a_partial_onboarding_removes_what_exists(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    sb.azure.add_fault(**CONNECTOR_FAILURES["forbidden"])
    assert play(sb).returncode != 0
    assert roles(sb) == [ROLE_NAME] and connectors(sb) == []
    sb.azure.reset()

    run = play(sb, OFFBOARD)

    assert run.returncode == 0, run.output
    assert run.stat("changed") == 1  # the role; there was no connector to remove
    assert roles(sb) == []
    assert connectors(sb) == []
    assert sb.aws.client("iam").list_policies(Scope="Local")["Policies"] == []


def test_offboarding_when_the_role_was_already_deleted_removes_the_connector(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    assert play(sb).returncode == 0
    iam = sb.aws.client("iam")
    iam.detach_role_policy(RoleName=ROLE_NAME, PolicyArn=READ_ONLY_POLICY)
    iam.delete_role(RoleName=ROLE_NAME)

    run = play(sb, OFFBOARD)

    assert run.returncode == 0, run.output
    assert run.stat("changed") == 1  # the connector
    assert connectors(sb) == [] and roles(sb) == []


# --- concurrent runs for the same account ----------------------------------------------------------


def test_two_concurrent_onboarding_runs_end_with_one_complete_role_and_one_connector(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    runs: list[PlaybookRun] = []
    start = threading.Barrier(2)

    def onboard() -> None:
        start.wait()
        runs.append(play(sb))

    threads = [threading.Thread(target=onboard) for _run in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(runs) == 2

    for run in runs:
        if run.returncode != 0:
            # Losing a race is allowed, but only as a clean, explained failure.
            assert "Traceback" not in run.output and "MODULE FAILURE" not in run.output, run.output
            assert run.failure_messages(), run.output
    # Whatever happened, the role is never left without its policy, and there is at most one connector.
    assert roles(sb) == [ROLE_NAME]
    assert attached(sb) == [READ_ONLY_POLICY]
    assert len(connectors(sb)) <= 1
    if any(run.returncode != 0 for run in runs):
        rerun = play(sb)
        assert rerun.returncode == 0, rerun.output
    assert_fully_onboarded(sb)
    assert_converged_rerun(sb)


# --- drift ---------------------------------------------------------------------------------------------


def test_hand_made_drift_is_repaired_and_shown_in_diff(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    variables = role_vars(sb, cloudtrail_role_tags={"owner": "soc"})
    assert play(sb, extra_vars=variables).returncode == 0
    iam = sb.aws.client("iam")
    # Someone edits the role in the console: a second trusted account without an external ID,
    # an admin policy, and the owner tag removed.
    drifted = trust_policy(sb)
    drifted["Statement"].append(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}
    )
    iam.update_assume_role_policy(RoleName=ROLE_NAME, PolicyDocument=json.dumps(drifted))
    iam.attach_role_policy(RoleName=ROLE_NAME, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.untag_role(RoleName=ROLE_NAME, TagKeys=["owner"])
    sb.aws.reset()  # the request log only: the drift stays

    run = play(sb, extra_vars=variables, diff=True)

    assert run.returncode == 0, run.output
    assert run.stat("changed") == 1  # the role; the connector was untouched
    # --diff shows each drifted item being put back.
    for shown in ("444455556666", "AdministratorAccess", "owner"):
        assert shown in run.stdout, f"{shown} not in the diff:\n{run.stdout}"
    writes = {r["action"] for r in sb.aws.write_requests()}
    assert {"UpdateAssumeRolePolicy", "DetachRolePolicy", "TagRole"} <= writes
    assert_fully_onboarded(sb)
    assert tags(sb) == {"owner": "soc", "sentinel.aws:managed": "true"}
    assert_converged_rerun_with(sb, variables)


def assert_converged_rerun_with(sb: Sandbox, variables: dict[str, Any]) -> None:
    aws_before = len(sb.aws.requests)
    again = play(sb, extra_vars=variables)
    assert again.returncode == 0 and again.stat("changed") == 0, again.output
    assert [r for r in sb.aws.requests[aws_before:] if r in sb.aws.write_requests()] == []


def test_a_hung_answer_past_read_timeout_is_retried_and_converges(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    # The first connector list hangs longer than the client waits; the retry gets an answer.
    sb.azure.add_fault(method="GET", path_contains="dataConnectors", delay=8, times=1)
    extra = role_vars(sb, cloudtrail_azure_connection={"read_timeout": 2})

    started = time.monotonic()
    run = play(sb, extra_vars=extra)

    assert run.returncode == 0, run.output
    assert time.monotonic() - started < 60
    # The role's shared list (the hung attempt and its retry), then data_connector's own list.
    assert len(settled_azure_attempts(sb, "GET", "dataConnectors", 3)) == 3
    assert_fully_onboarded(sb)


def test_answers_that_always_hang_fail_naming_the_operation(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    sb.azure.add_fault(method="GET", path_contains="dataConnectors", delay=6, times=10)
    extra = role_vars(sb, cloudtrail_azure_connection={"read_timeout": 1})

    run = play(sb, extra_vars=extra)

    assert run.returncode != 0
    assert "connector" in run.output and "timed out" in run.output.lower(), run.output
    # Bounded: the first try and azure-core's 3 read retries, then the task fails.
    assert len(settled_azure_attempts(sb, "GET", "dataConnectors", 4)) == 4
    assert sb.azure.write_requests() == []


# --- issue 12: bounded waits, renewed tokens, Sentinel's wording ---------------------------------------------


def test_a_retry_after_past_the_time_budget_fails_within_seconds_naming_it_and_a_rerun_converges(
    clean_sandbox: Sandbox,
) -> None:
    sb = clean_sandbox
    sb.azure.add_fault(method="PUT", path_contains="dataConnectors", status=429, headers={"Retry-After": "400"})

    started = time.monotonic()
    run = play(sb)

    assert run.returncode != 0
    assert time.monotonic() - started < 60  # the whole playbook, not 400 s
    [message] = run.failure_messages()
    assert "asked to wait 400 seconds" in message and "HTTP 429" in message, message
    assert [p["status"] for p in azure_attempts(sb, "PUT", "dataConnectors")] == [429]
    assert roles(sb) == [ROLE_NAME] and connectors(sb) == []

    rerun = play(sb)  # the fault is used up: the throttling is over
    assert rerun.returncode == 0, rerun.output
    assert_fully_onboarded(sb)


def test_an_expired_token_on_the_put_after_the_iam_writes_is_renewed_and_the_run_converges(
    clean_sandbox: Sandbox,
) -> None:
    sb = clean_sandbox
    sb.azure.add_fault(
        method="PUT",
        path_contains="dataConnectors",
        status=401,
        code="ExpiredAuthenticationToken",
        message="The access token expiry UTC time is earlier than current UTC time.",
        headers={"WWW-Authenticate": 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token"'},
    )

    run = play(sb)

    assert run.returncode == 0, run.output
    assert [p["status"] for p in azure_attempts(sb, "PUT", "dataConnectors")] == [401, 201]
    assert_fully_onboarded(sb)


def test_tokens_expiring_mid_run_are_replaced_by_one_fresh_token(
    clean_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The emulator's own expiry (401 ExpiredAuthenticationToken with its challenge), through the module_utils."""
    sb = clean_sandbox
    make_role(sb)
    env = sb.env
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sb.ca_path))  # the sandbox's CA, as modules get it
    params = dict(
        auth_source="env",
        subscription_id=env["AZURE_SUBSCRIPTION_ID"],
        client_id=env["AZURE_CLIENT_ID"],
        secret=env["AZURE_SECRET"],
        tenant=env["AZURE_TENANT"],
        cloud_environment=sb.azure_url,
        disable_instance_discovery=True,
        cert_validation_mode="validate",
        read_timeout=10,
    )
    workspace = SentinelApi(AzureSession(params), sb.seed["resource_group"], sb.workspace["name"])
    assert workspace.list_connectors() == []
    sb.azure.tokens.expire_all()  # the token in hand (and in MSAL's cache) is now expired

    desired = desired_connector(CLOUDTRAIL_KIND, role_arn(sb), True)
    created = workspace.put_connector("3c8f5a47-0d5e-5d0b-8f0e-6f2a1c9b7e21", desired, None)

    assert created["aws_role_arn"] == role_arn(sb) and created["logs_enabled"] is True
    assert [p["status"] for p in azure_attempts(sb, "PUT", "dataConnectors")] == [401, 201]
    assert len(azure_attempts(sb, "POST", "/oauth2/v2.0/token")) == 2


def test_a_reworded_not_assumable_refusal_is_retried_and_the_run_converges(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    sb.azure.not_assumable(2, message="Sentinel could not validate the AWS credentials for this role")

    run = play(sb)

    assert run.returncode == 0, run.output
    assert [p["status"] for p in azure_attempts(sb, "PUT", "dataConnectors")] == [400, 400, 201]
    assert_fully_onboarded(sb)
