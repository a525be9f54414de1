"""sentinel.aws.ingestion_info against the sandbox's Log Analytics query API: verdicts, health, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_data_connector_docs import module_doc

from helpers.ansible_run import ansible_env, run_module, run_playbook

RECEIVING, WAITING, SILENT, FAILING = "111111111111", "222222222222", "333333333333", "444444444444"


def ago(minutes: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def connector(account: str) -> str:
    return "c-" + account


def health(account: str, minutes_ago: float, status: str = "Success", **extra: Any) -> dict[str, Any]:
    return {
        "TimeGenerated": ago(minutes_ago),
        "SentinelResourceKind": "AmazonWebServicesCloudTrail",
        "SentinelResourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/"
        "law-sentinel/providers/Microsoft.SecurityInsights/dataConnectors/" + connector(account),
        "SentinelResourceName": connector(account),
        "Status": status,
        "OperationName": "Data fetch status change",
        "Description": "",
        **extra,
    }


def failure(account: str, minutes_ago: float, code: str, message: str) -> dict[str, Any]:
    return health(
        account,
        minutes_ago,
        "Failure",
        OperationName="Data fetch failure summary",
        ExtendedProperties={"FailureSummary": [{"StatusCode": code, "StatusMessage": message}]},
    )


def stage_every_verdict(sb: Any) -> None:
    """One account per verdict: events now / a new connector / an old connector / fetch failures."""
    sb.azure.seed_logs(
        "AWSCloudTrail",
        [{"TimeGenerated": ago(m), "RecipientAccountId": RECEIVING} for m in (2, 20, 50)]
        + [{"TimeGenerated": ago(60 * 30), "RecipientAccountId": SILENT}],
    )
    sb.azure.seed_logs(
        "SentinelHealth",
        [
            health(RECEIVING, 60 * 24),
            health(WAITING, 8),
            health(SILENT, 60 * 48),
            health(FAILING, 60 * 5),
            failure(FAILING, 15, "AccessDenied", "User: x is not authorized to perform: sts:AssumeRole on resource"),
        ],
    )


def args(sb: Any, *accounts: str, **extra: Any) -> dict[str, Any]:
    return dict(
        workspace_id=sb.workspace["customer_id"],
        accounts=[dict(aws_account_id=a, connector_id=connector(a)) for a in accounts],
        **extra,
    )


def by_account(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["aws_account_id"]: entry for entry in result["accounts"]}


def log_queries(sb: Any) -> list[str]:
    return [r["body"]["query"] for r in sb.azure.requests if r["path"].startswith("/v1/")]


@pytest.mark.parametrize("check", [False, True])
def test_each_verdict_with_its_reason(clean_sandbox, check):
    sb = clean_sandbox
    stage_every_verdict(sb)
    run = run_module("ingestion_info", args(sb, RECEIVING, WAITING, SILENT, FAILING), env=sb.env, check=check)
    assert not run.failed and not run.changed, run.result
    accounts = by_account(run.result)
    assert {a: accounts[a]["verdict"] for a in accounts} == {
        RECEIVING: "receiving",
        WAITING: "waiting",
        SILENT: "silent",
        FAILING: "failing",
    }
    assert accounts[RECEIVING]["events_in_window"] == 3 and accounts[RECEIVING]["reason"].startswith(
        "3 events in the last 120 minutes"
    )
    assert "first data can take 30 minutes" in accounts[WAITING]["reason"]
    assert accounts[SILENT]["last_event"] and accounts[SILENT]["events_in_window"] == 0
    assert accounts[SILENT]["reason"].startswith("no events in the last 120 minutes (the last event at ")
    failing = accounts[FAILING]
    assert failing["reason"].startswith("Sentinel's fetches for this account fail: AccessDenied User: x is not")
    assert failing["fixes"][0]["cause"] == "role_not_assumable"
    assert failing["recent_failures"][0]["count"] == 1 and failing["connector_status"]["status"] == "Failure"
    assert run.result["summary"] == dict(receiving=[RECEIVING], waiting=[WAITING], silent=[SILENT], failing=[FAILING])
    assert run.result["sentinel_health"] == {"enabled": True, "message": None}
    # The queries it reports are the ones it sent (three), and nothing was written.
    assert log_queries(sb) == run.result["queries"] and len(run.result["queries"]) == 3
    assert sb.azure.write_requests() == []


def test_window_and_waiting_threshold_are_options(clean_sandbox):
    sb = clean_sandbox
    stage_every_verdict(sb)
    run = run_module(
        "ingestion_info", args(sb, RECEIVING, WAITING, SILENT, window_minutes=10, waiting_minutes=5), env=sb.env
    )
    accounts = by_account(run.result)
    assert accounts[RECEIVING]["events_in_window"] == 1
    assert accounts[WAITING]["verdict"] == "silent"  # 8 minutes old, threshold 5
    assert "ago(10m)" in run.result["queries"][0]


def test_without_sentinel_health_it_says_how_to_enable_it(clean_sandbox):
    sb = clean_sandbox
    sb.azure.seed_logs("AWSCloudTrail", [{"TimeGenerated": ago(3), "RecipientAccountId": RECEIVING}])
    account = dict(aws_account_id=WAITING, connected_at=ago(5))
    run = run_module(
        "ingestion_info",
        dict(args(sb, RECEIVING, SILENT), accounts=[*args(sb, RECEIVING, SILENT)["accounts"], account]),
        env=sb.env,
    )
    assert not run.failed, run.result
    assert run.result["sentinel_health"]["enabled"] is False
    assert "Microsoft.SecurityInsights/settings/SentinelHealth" in run.result["sentinel_health"]["message"]
    accounts = by_account(run.result)
    assert accounts[RECEIVING]["verdict"] == "receiving"
    assert accounts[SILENT]["verdict"] == "silent" and "SentinelHealth is not enabled" in accounts[SILENT]["reason"]
    assert accounts[WAITING]["verdict"] == "waiting"  # its age comes from connected_at
    assert len(log_queries(sb)) == 2  # the failure query is not sent once the table is known missing


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(workspace_id="law-sentinel"), "workspace_id must be a GUID"),
        (dict(accounts=[dict(aws_account_id="1234")]), "accounts[0].aws_account_id must be an AWS account ID"),
        (
            dict(accounts=[dict(aws_account_id="123456789012", connected_at="yesterday")]),
            "accounts[0].connected_at must be an ISO 8601 date-time",
        ),
        (dict(window_minutes=0), "window_minutes must be 1 minute or more"),
        (dict(logs_endpoint="http://127.0.0.1:1"), "logs_endpoint must be an https:// URL"),
    ],
)
def test_bad_input_fails_before_any_query(clean_sandbox, options, message):
    sb = clean_sandbox
    run = run_module("ingestion_info", dict(args(sb, RECEIVING), **options), env=sb.env)
    assert run.failed and message in run.msg, run.result
    assert log_queries(sb) == []


def test_a_metadata_url_cloud_needs_the_logs_endpoint(clean_sandbox):
    sb = clean_sandbox
    env = {k: v for k, v in sb.env.items() if k != "SENTINEL_AWS_LOGS_ENDPOINT"}
    run = run_module("ingestion_info", args(sb, RECEIVING), env=env)
    assert run.failed and "logs_endpoint (or SENTINEL_AWS_LOGS_ENDPOINT) is required" in run.msg
    # Given as an option, it is used (the same as the environment variable).
    given = run_module("ingestion_info", args(sb, RECEIVING, logs_endpoint=sb.azure_url), env=env)
    assert not given.failed, given.result


def test_wrong_secret_and_unknown_workspace(clean_sandbox):
    sb = clean_sandbox
    wrong = "another-wrong-secret-42"
    denied = run_module("ingestion_info", args(sb, RECEIVING, secret=wrong), env=sb.env)
    assert denied.failed and denied.msg.startswith("authentication failed"), denied.result
    assert wrong not in denied.output and wrong not in json.dumps(denied.result)
    unknown = run_module(
        "ingestion_info", dict(args(sb, RECEIVING), workspace_id="00000000-0000-4000-8000-000000000000"), env=sb.env
    )
    assert unknown.failed and unknown.result["status_code"] == 404
    assert "The requested path does not exist" in unknown.msg


def test_connectors_from_data_connector_info_find_each_accounts_health(clean_sandbox):
    sb = clean_sandbox
    stage_every_verdict(sb)
    connectors = [
        dict(
            name=connector(FAILING), kind="AmazonWebServicesCloudTrail", aws_role_arn=f"arn:aws:iam::{FAILING}:role/R"
        ),
        dict(name="c-unrelated", kind="AmazonWebServicesS3"),
    ]
    run = run_module(
        "ingestion_info",
        dict(args(sb), accounts=[dict(aws_account_id=FAILING), dict(aws_account_id=WAITING)], connectors=connectors),
        env=sb.env,
    )
    accounts = by_account(run.result)
    assert accounts[FAILING]["connector_id"] == connector(FAILING) and accounts[FAILING]["verdict"] == "failing"
    # No connector for this account in the list: its health (and so its age) is unknown.
    assert accounts[WAITING]["connector_id"] is None and accounts[WAITING]["verdict"] == "silent"
    assert accounts[WAITING]["quiet_minutes"] is None


def test_docs_render_and_examples_run_as_written(clean_sandbox, tmp_path):
    doc = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-doc"), "--json", "sentinel.aws.ingestion_info"],
        env=ansible_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert doc.returncode == 0 and "WARNING" not in doc.stderr.upper(), doc.stderr
    tasks = yaml.safe_load(module_doc("ingestion_info")["EXAMPLES"])
    playbook = tmp_path / "examples.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    run = run_playbook(playbook, env=clean_sandbox.env)
    assert run.returncode == 0 and run.stat("failed") == 0, run.output
    # 222222222222's connected_at is a fixed time: waiting or silent depending on the clock.
    assert "111111111111: silent" in run.stdout and "222222222222: " in run.stdout
