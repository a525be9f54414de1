"""The Log Analytics query API of the Azure emulator: ``POST /v1/workspaces/{workspaceId}/query``.

Tables are seeded through the control API (``POST /_sandbox/logs``). The emulator does not run
KQL: it recognises the exact query texts ``sentinel.aws.ingestion_info`` sends (whitespace runs
compared as one space), takes their parameters (durations, account IDs, connector kind) and
computes the answer in Python. Any other text gets the service's 400 for bad KQL. Sources of each
behaviour: tests/sandbox/README.md, "Log Analytics query API".
"""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from .azure_types import ArmError, Request, Response

AWS_TABLE = "AWSCloudTrail"
HEALTH_TABLE = "SentinelHealth"

# Column types as the service declares them (Azure Monitor Logs reference, table schemas).
COLUMN_TYPES = {
    "TimeGenerated": "datetime",
    "LastEvent": "datetime",
    "FirstSeen": "datetime",
    "LastFailure": "datetime",
    "Events": "long",
    "Failures": "long",
}

_DURATION = r"(\d+)([dhm])"
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}

# The canonical texts, whitespace collapsed, with their parameters as groups.
EVENTS = re.compile(
    r"^AWSCloudTrail \| where TimeGenerated > ago\(" + _DURATION + r"\) \| where RecipientAccountId in "
    r"\((?P<ids>\"\d{12}\"(?:, \"\d{12}\")*)\) \| summarize LastEvent = max\(TimeGenerated\), "
    r"Events = countif\(TimeGenerated > ago\(" + _DURATION + r"\)\) by RecipientAccountId$"
)
HEALTH = re.compile(
    r"^SentinelHealth \| where TimeGenerated > ago\(" + _DURATION + r"\) \| where SentinelResourceKind == "
    r"\"(?P<kind>\w+)\" \| summarize FirstSeen = min\(TimeGenerated\), arg_max\(TimeGenerated, Status, "
    r"OperationName, Description\) by SentinelResourceId, SentinelResourceName$"
)
FAILURES = re.compile(
    r"^SentinelHealth \| where TimeGenerated > ago\(" + _DURATION + r"\) \| where SentinelResourceKind == "
    r"\"(?P<kind>\w+)\" \| where OperationName == \"Data fetch failure summary\" \| mv-expand Failure = "
    r"ExtendedProperties\.FailureSummary \| summarize Failures = count\(\), LastFailure = max\(TimeGenerated\) "
    r"by SentinelResourceId, SentinelResourceName, StatusCode = tostring\(Failure\.StatusCode\), "
    r"StatusMessage = tostring\(Failure\.StatusMessage\)$"
)


class LogsError(ArmError):
    """An error in the query API's shape: ``{"error": {"message", "code", "innererror"?}}``."""

    def __init__(self, status: int, code: str, message: str, inner: dict[str, Any] | None = None):
        super().__init__(status, code, message)
        self.inner = inner

    def response(self) -> Response:
        error: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.inner:
            error["innererror"] = self.inner
        return Response(self.status, {"error": error})


def parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def format_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ago(now: datetime, amount: str, unit: str) -> datetime:
    return now - timedelta(**{_UNITS[unit]: int(amount)})


class LogsState:
    """Rows per workspace ID (customerId) and table. AWSCloudTrail exists in every Sentinel workspace;
    SentinelHealth only once health monitoring is enabled (seeding it enables it)."""

    def __init__(self, workspace_ids: list[str]):
        self.workspace_ids = {w.lower() for w in workspace_ids}
        self.lock = threading.Lock()
        self.tables: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.tables = {w: {AWS_TABLE: []} for w in self.workspace_ids}

    def seed(self, workspace_id: str, table: str, rows: list[dict[str, Any]]) -> int:
        if table not in (AWS_TABLE, HEALTH_TABLE):
            raise ValueError(f"table must be {AWS_TABLE} or {HEALTH_TABLE}, got {table!r}")
        key = workspace_id.lower()
        if key not in self.workspace_ids:
            raise ValueError(f"no workspace with ID {workspace_id!r}")
        for row in rows:
            parse_time(row["TimeGenerated"])  # a bad time fails the seeding, not a later query
        with self.lock:
            stored = self.tables[key].setdefault(table, [])
            stored.extend(dict(row) for row in rows)
            return len(stored)

    def rows(self, workspace_id: str, table: str) -> list[dict[str, Any]] | None:
        with self.lock:
            found = self.tables[workspace_id.lower()].get(table)
            return None if found is None else [dict(row) for row in found]


def query(
    state: LogsState, request: Request, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
) -> Response:
    """``POST /v1/workspaces/{workspace}/query`` with ``{"query", "timespan"?}``."""
    workspace_id = request.params["workspace"]
    if workspace_id.lower() not in state.workspace_ids:
        raise LogsError(404, "PathNotFoundError", "The requested path does not exist")
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise LogsError(400, "BadArgumentError", "The request had some invalid properties")
    text = " ".join(body["query"].split())
    current = now()
    for pattern, answer in ((EVENTS, _events), (HEALTH, _health), (FAILURES, _failures)):
        match = pattern.match(text)
        if match:
            table = AWS_TABLE if pattern is EVENTS else HEALTH_TABLE
            rows = state.rows(workspace_id, table)
            if rows is None:
                raise _unknown_table(table)
            columns, values = answer(match, rows, current)
            return Response(200, {"tables": [_table(columns, values)]})
    raise LogsError(
        400,
        "BadArgumentError",
        "The request had some invalid properties",
        {
            "code": "SyntaxError",
            "message": "A recognition error occurred in the query.",
            "innererror": {
                "code": "SYN0002",
                "message": "The sandbox answers only the queries of sentinel.aws.ingestion_info (see "
                "tests/sandbox/README.md); this text is not one of them.",
            },
        },
    )


def _unknown_table(table: str) -> LogsError:
    return LogsError(
        400,
        "BadArgumentError",
        "The request had some invalid properties",
        {
            "code": "SemanticError",
            "message": "A semantic error occurred.",
            "innererror": {
                "code": "SEM0100",
                "message": f"'where' operator: Failed to resolve table or column expression named '{table}'",
            },
        },
    )


def _table(columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {
        "name": "PrimaryResult",
        "columns": [{"name": name, "type": COLUMN_TYPES.get(name, "string")} for name in columns],
        "rows": [[format_time(v) if isinstance(v, datetime) else v for v in row] for row in rows],
    }


def _events(match: re.Match, rows: list[dict[str, Any]], now: datetime) -> tuple[list[str], list[list[Any]]]:
    lookback, window = ago(now, match.group(1), match.group(2)), ago(now, match.group(4), match.group(5))
    wanted = set(re.findall(r"\d{12}", match.group("ids")))
    found: dict[str, list[Any]] = {}
    for row in rows:
        time = parse_time(row["TimeGenerated"])
        account = str(row.get("RecipientAccountId", ""))
        if time > lookback and account in wanted:
            entry = found.setdefault(account, [account, time, 0])
            entry[1] = max(entry[1], time)
            entry[2] += 1 if time > window else 0
    return ["RecipientAccountId", "LastEvent", "Events"], list(found.values())


def _health_rows(match: re.Match, rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    since = ago(now, match.group(1), match.group(2))
    return [
        row
        for row in rows
        if parse_time(row["TimeGenerated"]) > since and row.get("SentinelResourceKind") == match.group("kind")
    ]


def _health(match: re.Match, rows: list[dict[str, Any]], now: datetime) -> tuple[list[str], list[list[Any]]]:
    groups: dict[tuple[str, str], list[Any]] = {}
    for row in sorted(_health_rows(match, rows, now), key=lambda r: parse_time(r["TimeGenerated"])):
        time = parse_time(row["TimeGenerated"])
        key = (row.get("SentinelResourceId", ""), row.get("SentinelResourceName", ""))
        first = groups[key][2] if key in groups else time
        groups[key] = [
            *key,
            first,
            time,
            row.get("Status", ""),
            row.get("OperationName", ""),
            row.get("Description", ""),
        ]
    columns = ["SentinelResourceId", "SentinelResourceName", "FirstSeen", "TimeGenerated", "Status", "OperationName"]
    return columns + ["Description"], list(groups.values())


def _failures(match: re.Match, rows: list[dict[str, Any]], now: datetime) -> tuple[list[str], list[list[Any]]]:
    groups: dict[tuple[str, str, str, str], list[Any]] = {}
    for row in _health_rows(match, rows, now):
        if row.get("OperationName") != "Data fetch failure summary":
            continue
        time = parse_time(row["TimeGenerated"])
        for failure in (row.get("ExtendedProperties") or {}).get("FailureSummary") or []:
            key = (
                row.get("SentinelResourceId", ""),
                row.get("SentinelResourceName", ""),
                str(failure.get("StatusCode", "")),
                str(failure.get("StatusMessage", "")),
            )
            entry = groups.setdefault(key, [*key, 0, time])
            entry[4] += 1
            entry[5] = max(entry[5], time)
    columns = ["SentinelResourceId", "SentinelResourceName", "StatusCode", "StatusMessage", "Failures", "LastFailure"]
    return columns, list(groups.values())
