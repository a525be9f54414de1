"""The S3 playbooks (sentinel.aws.onboard_s3 / offboard_s3) and the S3 demo, as users run them."""

from __future__ import annotations

import csv
import os
import re
import subprocess
from pathlib import Path

import pytest
from sandbox import Sandbox

from helpers.ansible_run import REPO, run_playbook
from helpers.onboarding import REPORT_ENV, accounts_inventory, report_rows

ROLE = "OIDC_MicrosoftSentinelS3Role"
# Two accounts, each with its bucket, and one whose bucket name S3 would refuse.
ACCOUNTS = {"aws-a": "111111111111", "aws-b": "222222222222", "aws-bad": "333333333333"}
BUCKETS = {"aws-a": "logs-a", "aws-b": "logs-b", "aws-bad": "Logs_B"}


def workspace_vars(sb: Sandbox, **extra: str) -> dict[str, str]:
    return {
        "s3_workspace_name": sb.env["SANDBOX_WORKSPACE_NAME"],
        "s3_resource_group": sb.env["SANDBOX_RESOURCE_GROUP"],
        **extra,
    }


@pytest.mark.slow
def test_onboard_and_offboard_an_inventory_of_accounts_with_a_csv_report(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    sb = clean_sandbox
    for host in ("aws-a", "aws-b"):
        sb.aws.client("s3", account_id=ACCOUNTS[host]).create_bucket(Bucket=BUCKETS[host])
    inventory = accounts_inventory(
        tmp_path / "hosts.yml",
        {host: {"s3_aws_account_id": account, "s3_bucket": BUCKETS[host]} for host, account in ACCOUNTS.items()},
        prefix="s3_",
    )
    report_file = tmp_path / "report.csv"

    onboard = run_playbook(
        "sentinel.aws.onboard_s3",
        extra_vars=workspace_vars(sb, s3_report_path=str(report_file)),
        env={**sb.env, **REPORT_ENV},
        inventory=inventory,
    )

    # Only the account with the malformed bucket name fails, before any call for it.
    assert onboard.returncode == 2, onboard.output
    assert {host: onboard.stat("failed", host) for host in ACCOUNTS} == {"aws-a": 0, "aws-b": 0, "aws-bad": 1}
    assert not [r for r in sb.aws.requests if r["account"] == ACCOUNTS["aws-bad"]]
    connectors = {c["properties"]["roleArn"]: c for c in sb.azure.connectors(workspace="law-sentinel")}
    rows = report_rows(onboard, "s3_report")
    assert [(row["host"], row["outcome"]) for row in rows] == [
        ("aws-a", "created"),
        ("aws-b", "created"),
        ("aws-bad", "failed"),
    ]
    for row in rows[:2]:
        account = ACCOUNTS[row["host"]]
        # Each account's own role, queue and connector.
        assert row["role_arn"] == f"arn:aws:iam::{account}:role/{ROLE}"
        assert connectors[row["role_arn"]]["name"] == row["connector_ids"]
        [url] = connectors[row["role_arn"]]["properties"]["sqsUrls"]
        assert f"/{account}/sentinel-aws-cloudtrail" in url
    assert "s3_bucket must be an S3 bucket name" in rows[2]["reason"]
    assert list(csv.DictReader(report_file.open())) == rows
    assert "3 accounts: 2 created, 1 failed" in onboard.stdout

    offboard = run_playbook(
        "sentinel.aws.offboard_s3", extra_vars=workspace_vars(sb), env={**sb.env, **REPORT_ENV}, inventory=inventory
    )

    assert offboard.returncode == 2, offboard.output
    assert [row["outcome"] for row in report_rows(offboard, "s3_report")] == ["removed", "removed", "failed"]
    assert sb.azure.connectors(workspace="law-sentinel") == []
    for host in ("aws-a", "aws-b"):
        assert sb.aws.client("iam", account_id=ACCOUNTS[host]).list_roles()["Roles"] == []
        assert sb.aws.client("sqs", account_id=ACCOUNTS[host]).list_queues().get("QueueUrls", []) == []


def test_no_matching_host_names_the_s3_variables() -> None:
    proc = run_playbook("sentinel.aws.onboard_s3", extra_vars={"cloudtrail_hosts": "no-such-host"})
    assert proc.returncode != 0
    assert "-e s3_aws_account_id=123456789012 -e s3_bucket=<bucket>" in proc.stdout


# What a demo must not print (as tests/integration/test_scripts.py's DEMO_NOISE).
DEMO_NOISE = ("[WARNING]", "[DEPRECATION WARNING]")


@pytest.mark.slow
def test_the_s3_demo_onboards_twice(tmp_path: Path) -> None:
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "scripts/demo.sh", "s3"],
        cwd=REPO,
        # Its own directory for the tarball, the install and the sandbox, as test_scripts.py's demo test.
        env={**os.environ, "SENTINEL_AWS_DEMO_DIR": str(tmp_path)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert [noise for noise in DEMO_NOISE if noise in output] == [], output
    recaps = re.findall(r"^localhost\s+: (.*)$", proc.stdout, re.MULTILINE)
    assert len(recaps) == 3  # onboard, onboard again, read back
    assert "changed=0" not in recaps[0] and "failed=0" in recaps[0]
    assert re.search(r"changed=0 .*failed=0", recaps[1])
    # The read-back: the connector (table, queue, role), and every AWS piece converged.
    assert "Sentinel S3 connectors: AWSCloudTrail <- " in proc.stdout
    assert "as Sentinel needs them" in proc.stdout and "NOT as Sentinel needs them" not in proc.stdout
    assert not (tmp_path / "sandbox" / "pid").exists()  # the sandbox was stopped
