"""Pure ingestion logic: query texts, input checks, endpoints, connector matching, known fixes, verdicts."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils import ingestion
from ansible_collections.sentinel.aws.plugins.module_utils.ingestion import InvalidInput

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)
WS = "6f5e4d3c-0000-4000-8000-0000000051a1"
CONNECTOR = "0d7a1c52-3b9e-4f10-9c1d-2e4f6a8b0c22"


def at(minutes_ago: int) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def account(connector_id=CONNECTOR, connected_at=None):
    return dict(aws_account_id="123456789012", connector_id=connector_id, connected_at=connected_at)


def health_row(status="Success", first=300, latest=5, name=CONNECTOR):
    return dict(
        SentinelResourceId="/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w"
        "/providers/Microsoft.SecurityInsights/dataConnectors/" + name,
        SentinelResourceName=name,
        FirstSeen=at(first),
        TimeGenerated=at(latest),
        Status=status,
        OperationName="Data fetch status change",
        Description="",
    )


def failure_row(code="AccessDenied", message="User is not authorized to perform: sts:AssumeRole", minutes_ago=10):
    return dict(
        SentinelResourceId="x/dataConnectors/" + CONNECTOR,
        SentinelResourceName=CONNECTOR,
        StatusCode=code,
        StatusMessage=message,
        Failures=3,
        LastFailure=at(minutes_ago),
    )


def report(events=None, health=None, failures=None, acct=None, window=120, waiting=30):
    return ingestion.account_report(acct or account(), events, health, failures, NOW, window, waiting, WS)


def test_query_texts_are_the_documented_ones():
    assert ingestion.events_query(["123456789012", "012345678901"], 90) == (
        "AWSCloudTrail\n| where TimeGenerated > ago(7d)\n"
        '| where RecipientAccountId in ("123456789012", "012345678901")\n'
        "| summarize LastEvent = max(TimeGenerated), Events = countif(TimeGenerated > ago(90m)) by RecipientAccountId"
    )
    assert 'SentinelResourceKind == "AmazonWebServicesCloudTrail"' in ingestion.health_query()
    failures = ingestion.failures_query(45)
    assert "ago(45m)" in failures and 'OperationName == "Data fetch failure summary"' in failures
    assert "mv-expand Failure = ExtendedProperties.FailureSummary" in failures


@pytest.mark.parametrize(
    "accounts, fragment",
    [
        ([], "accounts must be a non-empty list"),
        ("123456789012", "accounts must be a non-empty list"),
        (["123456789012"], "accounts[0] must be a dict"),
        ([{"aws_account_id": "12345"}], "accounts[0].aws_account_id must be an AWS account ID of exactly 12 digits"),
        ([{"aws_account_id": "123456789012", "role": "x"}], "accounts[0] has unknown keys ['role']"),
        (
            [{"aws_account_id": "123456789012"}, {"aws_account_id": "123456789012", "connected_at": "yesterday"}],
            "accounts[1].connected_at must be an ISO 8601 date-time",
        ),
    ],
)
def test_bad_accounts_name_the_field(accounts, fragment):
    with pytest.raises(InvalidInput) as error:
        ingestion.check_accounts(accounts)
    assert fragment in str(error.value)


def test_accounts_are_normalised():
    checked = ingestion.check_accounts(
        [{"aws_account_id": "012345678901", "connector_id": "", "connected_at": "2026-11-30T06:00:00"}]
    )
    assert checked == [
        dict(
            aws_account_id="012345678901",
            connector_id=None,
            connected_at=datetime(2026, 11, 30, 6, 0, tzinfo=timezone.utc),
        )
    ]


def test_workspace_id_and_minutes_are_checked():
    with pytest.raises(InvalidInput, match="workspace_id must be a GUID"):
        ingestion.check_workspace_id("law-sentinel")
    with pytest.raises(InvalidInput, match="window_minutes must be 1 minute or more, got 0"):
        ingestion.check_minutes("window_minutes", 0)


def test_logs_endpoint_per_cloud_and_override():
    assert ingestion.logs_endpoint("AzureCloud", None) == "https://api.loganalytics.io"
    assert ingestion.logs_endpoint("AzureUSGovernment", None) == "https://api.loganalytics.us"
    assert ingestion.logs_endpoint("azurechinacloud", None) == "https://api.loganalytics.azure.cn"
    assert ingestion.logs_endpoint("AzurePublicCloud", None) == "https://api.loganalytics.io"
    assert ingestion.logs_endpoint("https://stack.example/", "https://logs.example/") == "https://logs.example"
    with pytest.raises(InvalidInput, match="logs_endpoint .* is required when cloud_environment"):
        ingestion.logs_endpoint("https://stack.example/", None)
    with pytest.raises(InvalidInput, match="logs_endpoint must be an https:// URL"):
        ingestion.logs_endpoint("AzureCloud", "http://logs.example")


@pytest.mark.parametrize(
    "code, message, cause",
    [
        ("AccessDenied", "User is not authorized to perform: sts:AssumeRole on resource", "role_not_assumable"),
        ("AccessDenied", "AssumeRole failed: the external ID does not match", "external_id_mismatch"),
        ("KMS.AccessDeniedException", "The ciphertext refers to a customer master key", "kms_decrypt"),
        ("S3B40012", "Access to the SQS queue was denied", "sqs_permissions"),
        ("500", "Internal error", None),
    ],
)
def test_known_fixes(code, message, cause):
    fix = ingestion.known_fix(code, message, WS)
    assert (fix or {}).get("cause") == cause
    if cause == "external_id_mismatch":
        assert WS in fix["fix"]


def test_receiving():
    result = report(events=dict(LastEvent=at(3), Events=42), health=[health_row()], failures=[])
    assert result["verdict"] == "receiving"
    assert result["reason"] == "42 events in the last 120 minutes, the latest at %s" % at(3)
    assert result["connector_status"]["status"] == "Success" and result["connected_since"] == at(300)


def test_waiting_from_first_health_record_or_given_time():
    assert report(health=[health_row(first=10, latest=2)], failures=[])["verdict"] == "waiting"
    given = account(connector_id=None, connected_at=NOW - timedelta(minutes=5))
    result = report(acct=given)
    assert result["verdict"] == "waiting" and "5 minutes old" in result["reason"]


def test_silent_when_old_or_of_unknown_age():
    old = report(events=dict(LastEvent=at(600), Events=0), health=[health_row(first=900)], failures=[])
    assert old["verdict"] == "silent" and "the last event at %s" % at(600) in old["reason"]
    assert old["last_event"] == at(600)
    unknown = report(health=None, failures=None)
    assert unknown["verdict"] == "silent" and "SentinelHealth is not enabled" in unknown["reason"]
    no_id = report(acct=account(connector_id=None), health=[health_row()], failures=[])
    assert no_id["verdict"] == "silent" and "no connector ID given" in no_id["reason"]
    other = report(health=[health_row(name="another-connector")], failures=[])
    assert other["verdict"] == "silent" and "SentinelHealth has no record of connector" in other["reason"]


def test_failing_with_known_fix():
    result = report(
        health=[health_row(status="Failure")],
        failures=[
            failure_row(minutes_ago=20),
            failure_row(code="KMS.Disabled", message="KMS key is disabled", minutes_ago=5),
        ],
    )
    assert result["verdict"] == "failing"
    assert result["reason"] == "Sentinel's fetches for this account fail: KMS.Disabled KMS key is disabled"
    assert [f["cause"] for f in result["fixes"]] == ["kms_decrypt", "role_not_assumable"]
    assert result["recent_failures"][0]["count"] == 3


def test_failures_with_events_still_arriving_are_receiving_with_the_fix():
    result = report(events=dict(LastEvent=at(1), Events=5), health=[health_row()], failures=[failure_row()])
    assert result["verdict"] == "receiving" and result["fixes"][0]["cause"] == "role_not_assumable"


def test_failures_without_events_are_failing_even_when_the_latest_status_is_success():
    assert report(health=[health_row()], failures=[failure_row()])["verdict"] == "failing"


def test_connector_matched_by_resource_id_suffix_without_case():
    row = dict(health_row(name="other"), SentinelResourceId="x/dataConnectors/" + CONNECTOR.upper())
    assert ingestion.connector_rows([row], CONNECTOR) == [row]
    assert ingestion.connector_rows([row], None) == []


def test_summary_and_unknown_table():
    reports = [dict(aws_account_id="1", verdict="silent"), dict(aws_account_id="2", verdict="receiving")]
    assert ingestion.summary(reports) == dict(receiving=["2"], waiting=[], silent=["1"], failing=[])
    message = "'where' operator: Failed to resolve table or column expression named 'SentinelHealth'"
    assert ingestion.unknown_table(message) == "SentinelHealth"
    assert ingestion.unknown_table("Syntax error") is None


def test_table_rows():
    assert ingestion.table_rows(["a", "b"], [[1, 2], [3, 4]]) == [dict(a=1, b=2), dict(a=3, b=4)]


def test_accounts_find_their_connector_by_role_account():
    connectors = [
        dict(name="z-second", kind="AmazonWebServicesCloudTrail", aws_role_arn="arn:aws:iam::123456789012:role/b"),
        dict(name="a-first", kind="AmazonWebServicesCloudTrail", aws_role_arn="arn:aws:iam::123456789012:role/a"),
        dict(name="s3", kind="AmazonWebServicesS3"),
        dict(name="other", kind="AmazonWebServicesCloudTrail", aws_role_arn="arn:aws:iam::111111111111:role/a"),
    ]
    accounts = [account(connector_id=None), dict(account(connector_id="given"), aws_account_id="111111111111")]
    assert [a["connector_id"] for a in ingestion.with_connectors(accounts, connectors)] == ["a-first", "given"]
    assert ingestion.with_connectors([account(connector_id=None)], None)[0]["connector_id"] is None


def test_quiet_minutes_since_the_last_event_or_the_connector():
    assert report(events=dict(LastEvent=at(600), Events=0))["quiet_minutes"] == 600
    assert report(acct=account(connected_at=NOW - timedelta(minutes=45)))["quiet_minutes"] == 45
    assert report(acct=account(connector_id=None))["quiet_minutes"] is None
