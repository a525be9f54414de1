"""cloudtrail_verify: the role waits for the account's first data (sentinel.aws.ingestion_info) after
onboarding, against the sandbox's Log Analytics query endpoint, with a short timeout."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox import Sandbox
from test_ingestion_info import ago, failure

from helpers.ansible_run import PlaybookRun, run_playbook
from helpers.onboarding import ONBOARD, REPORT_ENV, report_rows, role_vars

pytestmark = pytest.mark.slow

POLL = "Wait until Sentinel receives the accounts' CloudTrail events"


def onboard(sb: Sandbox, **extra: Any) -> PlaybookRun:
    return run_playbook(ONBOARD, extra_vars=role_vars(sb, **extra), env={**sb.env, **REPORT_ENV})


def verify(sb: Sandbox, timeout: int = 20) -> PlaybookRun:
    return onboard(sb, cloudtrail_verify=True, cloudtrail_verify_timeout=timeout, cloudtrail_verify_interval=1)


def log_queries(sb: Sandbox) -> int:
    return len([r for r in sb.azure.requests if r["path"].startswith("/v1/")])


def test_a_new_account_receiving_its_events_passes_with_the_verdict_in_its_report(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    account = sb.env["SANDBOX_AWS_ACCOUNT_ID"]
    sb.azure.seed_logs("AWSCloudTrail", [{"TimeGenerated": ago(1), "RecipientAccountId": account}])
    run = verify(sb)
    assert run.returncode == 0, run.output
    assert run.stat("changed") == 2  # the role and the connector: verifying writes nothing
    [row] = report_rows(run)
    assert row["outcome"] == "created"
    assert row["reason"].startswith("ingestion receiving: 1 events in the last 120 minutes"), row
    assert f"AWS account {account} is receiving" in run.stdout
    # Receiving at the first poll: one poll (its queries), no retry.
    assert "FAILED - RETRYING" not in run.stdout
    assert 0 < log_queries(sb) <= 3


def test_a_failing_connector_fails_the_account_with_the_fix(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    # Default (off): no verify task at all, not even a skipped one, and no log query.
    first = onboard(sb)
    assert first.returncode == 0, first.output
    assert POLL not in first.stdout and "Show the verdict" not in first.stdout
    assert log_queries(sb) == 0
    [connector] = sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"])
    fetch_failure = failure(
        "0", 5, "AccessDenied", "User: x is not authorized to perform: sts:AssumeRole on resource"
    ) | {"SentinelResourceName": connector["name"], "SentinelResourceId": connector["id"]}
    sb.azure.seed_logs("SentinelHealth", [fetch_failure])
    writes_before = len(sb.azure.write_requests()), len(sb.aws.write_requests())

    run = verify(sb)  # the converged path, with verification

    assert run.returncode != 0
    assert run.stat("failed") == 1
    [row] = report_rows(run)
    assert row["outcome"] == "failed"
    assert f"AWS account {sb.env['SANDBOX_AWS_ACCOUNT_ID']} is failing" in row["reason"]
    assert "fix: the IAM role must exist and trust Microsoft Sentinel's AWS account" in row["reason"]
    assert "FAILED - RETRYING" not in run.stdout  # failing is final: no more polls
    assert (len(sb.azure.write_requests()), len(sb.aws.write_requests())) == writes_before


def test_an_account_still_waiting_at_the_timeout_only_warns(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    run = verify(sb, timeout=2)
    assert run.returncode == 0, run.output
    assert "FAILED - RETRYING" in run.stdout  # it polled again before the timeout
    assert "[WARNING] still no events after 2 seconds" in run.stdout
    [row] = report_rows(run)
    assert row["outcome"] == "created" and row["reason"].startswith("ingestion waiting: "), row


def test_check_mode_does_not_verify(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    run = run_playbook(
        ONBOARD, extra_vars=role_vars(sb, cloudtrail_verify=True), env={**sb.env, **REPORT_ENV}, check=True
    )
    assert run.returncode == 0, run.output
    assert POLL not in run.stdout and log_queries(sb) == 0


@pytest.mark.parametrize(
    "variables, message",
    [
        (
            dict(cloudtrail_verify_timeout=7201),
            "cloudtrail_verify_timeout must be a whole number of seconds from 1 to 7200",
        ),
        (dict(cloudtrail_verify_interval=0), "cloudtrail_verify_interval must be a whole number of seconds, 1 or more"),
        (
            dict(cloudtrail_verify_timeout=10, cloudtrail_verify_interval=20),
            "cloudtrail_verify_interval (20) must not be longer than cloudtrail_verify_timeout (10)",
        ),
    ],
)
def test_bad_verify_variables_fail_before_any_write(clean_sandbox: Sandbox, variables: dict, message: str) -> None:
    sb = clean_sandbox
    run = onboard(sb, cloudtrail_verify=True, **variables)
    assert run.returncode != 0
    assert message in run.output
    assert sb.azure.write_requests() == [] and sb.aws.write_requests() == []
