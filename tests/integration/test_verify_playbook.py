"""sentinel.aws.verify end to end: onboarded accounts (roles + connectors in the sandbox), seeded logs,
the playbook's verdicts, its set_stats and its failure threshold for scheduled runs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_ingestion_info import FAILING, RECEIVING, SILENT, WAITING, connector, stage_every_verdict

from helpers.ansible_run import run_playbook
from helpers.sandbox_state import cloudtrail_body, portal_put, sentinel_trust_policy

ACCOUNTS = {"aws-receiving": RECEIVING, "aws-waiting": WAITING, "aws-silent": SILENT, "aws-failing": FAILING}


def onboard(sb: Any) -> None:
    """Each account as sentinel.aws.onboard leaves it: Sentinel's role, and a connector pointing at it."""
    for account in ACCOUNTS.values():
        policy = json.dumps(sentinel_trust_policy(sb.workspace["customer_id"]))
        arn = sb.aws.client("iam", account_id=account).create_role(
            RoleName="MicrosoftSentinelRole", AssumeRolePolicyDocument=policy
        )["Role"]["Arn"]
        portal_put(sb, connector(account), cloudtrail_body(arn))


def inventory(tmp_path: Path, sb: Any) -> Path:
    path = tmp_path / "hosts.yml"
    hosts = {name: {"cloudtrail_aws_account_id": account} for name, account in ACCOUNTS.items()}
    group_vars = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "cloudtrail_workspace_name": sb.env["SANDBOX_WORKSPACE_NAME"],
        "cloudtrail_resource_group": sb.env["SANDBOX_RESOURCE_GROUP"],
    }
    path.write_text(yaml.safe_dump({"all": {"children": {"aws_accounts": {"hosts": hosts, "vars": group_vars}}}}))
    return path


def verdict_lines(output: str) -> dict[str, str]:
    return dict(re.findall(r'"AWS account (\d{12}): (\w+) - ', output))


def custom_stats(output: str) -> dict[str, Any]:
    """The set_stats data the default callback prints (ANSIBLE_SHOW_CUSTOM_STATS)."""
    text = output.split("CUSTOM STATS:", 1)[1]
    return json.JSONDecoder().raw_decode(text[text.index("{") :])[0]


def run_verify(sb: Any, tmp_path: Path, check: bool = False, **extra_vars: Any):
    return run_playbook(
        "sentinel.aws.verify",
        inventory=inventory(tmp_path, sb),
        extra_vars=extra_vars or None,
        env=dict(sb.env, ANSIBLE_SHOW_CUSTOM_STATS="true"),
        check=check,
    )


@pytest.mark.parametrize("check", [False, True])
def test_verify_prints_and_publishes_each_verdict(clean_sandbox, tmp_path, check):
    sb = clean_sandbox
    onboard(sb)
    stage_every_verdict(sb)
    writes_before = len(sb.azure.write_requests())
    run = run_verify(sb, tmp_path, check=check, verify_alert_after_minutes=100000)
    assert run.returncode == 0, run.output
    expected = {RECEIVING: "receiving", WAITING: "waiting", SILENT: "silent", FAILING: "failing"}
    assert verdict_lines(run.stdout) == expected
    assert "fix: the IAM role must exist and trust Microsoft Sentinel's AWS account" in run.stdout
    stats = custom_stats(run.stdout)["sentinel_ingestion"]
    assert {account: entry["verdict"] for account, entry in stats.items()} == expected
    assert stats[FAILING]["recent_failures"][0]["status_code"] == "AccessDenied"
    # Reads only: one workspace read, one connector list, three queries for the four accounts.
    assert len(sb.azure.write_requests()) == writes_before
    assert len([r for r in sb.azure.requests if r["path"].startswith("/v1/")]) == 3


def test_verify_fails_accounts_silent_or_failing_past_the_threshold(clean_sandbox, tmp_path):
    sb = clean_sandbox
    onboard(sb)
    stage_every_verdict(sb)
    run = run_verify(sb, tmp_path)  # default threshold: 240 minutes
    assert run.returncode != 0
    assert {host: run.stat("failed", host) for host in ACCOUNTS} == {
        "aws-receiving": 0,
        "aws-waiting": 0,
        "aws-silent": 1,
        "aws-failing": 1,
    }
    messages = " ".join(run.failure_messages())
    assert f"AWS account {SILENT} is silent (no event for 18" in messages  # 30 hours = 1800 minutes
    assert f"AWS account {FAILING} is failing (no event for 30" in messages  # connector 5 hours old
    # A threshold past both: the job passes.
    assert run_verify(sb, tmp_path, verify_alert_after_minutes=1900).returncode == 0


def test_verify_says_how_to_enable_sentinel_health(clean_sandbox, tmp_path):
    sb = clean_sandbox
    onboard(sb)
    sb.azure.seed_logs("AWSCloudTrail", [{"TimeGenerated": "2026-01-01T00:00:00Z", "RecipientAccountId": SILENT}])
    run = run_verify(sb, tmp_path)
    assert "Microsoft.SecurityInsights/settings/SentinelHealth" in run.stdout
    # Without health and without events, no account's age is known: each is silent, and fails.
    assert set(verdict_lines(run.stdout).values()) == {"silent"}
    assert all(run.stat("failed", host) == 1 for host in ACCOUNTS)
    assert "no event known" in " ".join(run.failure_messages())
