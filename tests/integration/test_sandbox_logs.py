"""The emulator's Log Analytics query API, driven by azure-monitor-query's LogsQueryClient and raw HTTPS."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.monitor.query import LogsQueryClient

from ansible_collections.sentinel.aws.plugins.module_utils import ingestion

from test_sandbox_azure import credential, token

A, B = "123456789012", "111111111111"


def ago(minutes: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes)).isoformat()


def client(sb: Any) -> LogsQueryClient:
    return LogsQueryClient(
        credential(sb), endpoint=sb.azure_url, audience=sb.azure_url, connection_verify=str(sb.ca_path)
    )


def rows(sb: Any, query: str) -> list[dict[str, Any]]:
    table = client(sb).query_workspace(sb.workspace["customer_id"], query, timespan=timedelta(days=7)).tables[0]
    return [dict(zip(table.columns, row, strict=True)) for row in table.rows]


def post(sb: Any, body: Any, workspace: str | None = None, bearer: str | None = "valid") -> requests.Response:
    headers = {"Authorization": f"Bearer {token(sb)}"} if bearer == "valid" else {}
    return requests.post(
        f"{sb.azure_url}/v1/workspaces/{workspace or sb.workspace['customer_id']}/query",
        json=body,
        headers=headers,
        verify=str(sb.ca_path),
        timeout=10,
    )


def test_events_query_counts_per_account_in_the_window(clean_sandbox):
    sb = clean_sandbox
    sb.azure.seed_logs(
        "AWSCloudTrail",
        [
            {"TimeGenerated": ago(5), "RecipientAccountId": A},
            {"TimeGenerated": ago(30), "RecipientAccountId": A},
            {"TimeGenerated": ago(300), "RecipientAccountId": B},
            {"TimeGenerated": ago(60 * 24 * 8), "RecipientAccountId": "222222222222"},  # past the lookback
            {"TimeGenerated": ago(1), "RecipientAccountId": "333333333333"},  # not asked for
        ],
    )
    found = {r["RecipientAccountId"]: r for r in rows(sb, ingestion.events_query([A, B, "222222222222"], 60))}
    assert set(found) == {A, B}
    assert found[A]["Events"] == 2 and found[B]["Events"] == 0
    # datetime columns are typed as such: the SDK turns them into datetimes
    assert isinstance(found[B]["LastEvent"], datetime)
    assert abs((datetime.now(timezone.utc) - found[B]["LastEvent"]).total_seconds() - 300 * 60) < 60
    request = [r for r in sb.azure.requests if r["path"].startswith("/v1/")][-1]
    assert request["status"] == 200 and request["authorized"] and request["body"]["timespan"] == "PT604800.0S"
    assert sb.azure.write_requests() == []


def test_health_queries_summarise_per_connector(clean_sandbox):
    sb = clean_sandbox
    connector = "/subscriptions/s/providers/Microsoft.SecurityInsights/dataConnectors/c1"
    failure = {"StatusCode": "AccessDenied", "StatusMessage": "not authorized to perform sts:AssumeRole"}
    common = {"SentinelResourceId": connector, "SentinelResourceName": "c1"}
    sb.azure.seed_logs(
        "SentinelHealth",
        [
            {
                **common,
                "TimeGenerated": ago(200),
                "SentinelResourceKind": "AmazonWebServicesCloudTrail",
                "Status": "Success",
                "OperationName": "Data fetch status change",
                "Description": "ok",
            },
            {
                **common,
                "TimeGenerated": ago(10),
                "SentinelResourceKind": "AmazonWebServicesCloudTrail",
                "Status": "Failure",
                "OperationName": "Data fetch failure summary",
                "Description": "failed",
                "ExtendedProperties": {"FailureSummary": [failure, failure]},
            },
            {**common, "TimeGenerated": ago(5), "SentinelResourceKind": "AmazonWebServicesS3", "Status": "Success"},
        ],
    )
    (health,) = rows(sb, ingestion.health_query())
    assert health["Status"] == "Failure" and health["OperationName"] == "Data fetch failure summary"
    assert health["FirstSeen"] < health["TimeGenerated"]
    (summary,) = rows(sb, ingestion.failures_query(60))
    assert (summary["StatusCode"], summary["Failures"]) == ("AccessDenied", 2)
    assert rows(sb, ingestion.failures_query(5)) == []  # the failure is 10 minutes old


def test_sentinel_health_missing_is_the_services_semantic_error(clean_sandbox):
    answer = post(clean_sandbox, {"query": ingestion.health_query(), "timespan": "P7D"})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "BadArgumentError" and error["innererror"]["code"] == "SemanticError"
    assert "Failed to resolve table or column expression named 'SentinelHealth'" in (
        error["innererror"]["innererror"]["message"]
    )
    # Seeding the table (even with no rows) enables it.
    clean_sandbox.azure.seed_logs("SentinelHealth", [])
    assert post(clean_sandbox, {"query": ingestion.health_query()}).json()["tables"][0]["rows"] == []


@pytest.mark.parametrize(
    "query",
    [
        "AWSCloudTrail | take 10",
        ingestion.events_query([A], 60) + " | where 1 == 1",
        ingestion.events_query([A], 60).replace("AWSCloudTrail", "AWSCloudTrailX"),
    ],
)
def test_any_other_query_is_a_400_bad_argument(clean_sandbox, query):
    answer = post(clean_sandbox, {"query": query})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["code"], error["innererror"]["code"]) == ("BadArgumentError", "SyntaxError")
    with pytest.raises(HttpResponseError) as raised:
        client(clean_sandbox).query_workspace(clean_sandbox.workspace["customer_id"], query, timespan=None)
    assert raised.value.status_code == 400


def test_whitespace_of_a_canonical_query_does_not_matter(clean_sandbox):
    clean_sandbox.azure.seed_logs("AWSCloudTrail", [{"TimeGenerated": ago(1), "RecipientAccountId": A}])
    one_line = " ".join(ingestion.events_query([A], 60).split())
    assert post(clean_sandbox, {"query": one_line}).json()["tables"][0]["rows"][0][0] == A


def test_errors_of_the_query_endpoint(clean_sandbox):
    sb = clean_sandbox
    unknown = post(sb, {"query": ingestion.health_query()}, workspace="bad_workspace_id")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "PathNotFoundError"
    anonymous = post(sb, {"query": ingestion.health_query()}, bearer=None)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "AuthenticationFailed"
    no_query = post(sb, {"timespan": "PT1H"})
    assert no_query.status_code == 400 and no_query.json()["error"]["code"] == "BadArgumentError"


def test_control_api_seeds_lists_and_resets_rows(clean_sandbox):
    sb = clean_sandbox
    url = f"{sb.azure_url}/_sandbox/logs"
    row = {"TimeGenerated": ago(1), "RecipientAccountId": A}
    seeded = requests.post(url, json={"table": "AWSCloudTrail", "rows": [row]}, verify=str(sb.ca_path), timeout=10)
    assert seeded.json() == {"table": "AWSCloudTrail", "rows": 1}
    listed = requests.get(url, params={"table": "AWSCloudTrail"}, verify=str(sb.ca_path), timeout=10).json()
    assert listed == [row]
    other = next(w for w in sb.seed["workspaces"] if w["name"] == "law-plain")["customer_id"]
    assert sb.azure.seed_logs("AWSCloudTrail", [row], workspace_id=other) == 1
    bad = requests.post(url, json={"table": "Heartbeat", "rows": []}, verify=str(sb.ca_path), timeout=10)
    assert bad.status_code == 400 and "table must be AWSCloudTrail or SentinelHealth" in bad.json()["error"]
    bad_time = requests.post(
        url, json={"table": "AWSCloudTrail", "rows": [{"TimeGenerated": "soon"}]}, verify=str(sb.ca_path), timeout=10
    )
    assert bad_time.status_code == 400
    sb.azure.reset()
    assert requests.get(url, verify=str(sb.ca_path), timeout=10).json() == []
    # SentinelHealth is gone again after a reset
    assert post(sb, {"query": ingestion.health_query()}).status_code == 400
