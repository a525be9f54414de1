# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is Sentinel receiving each AWS account's logs, and if not, why: queries, verdicts, known fixes.

Pure functions over plain data, apart from logs_query (the one link to the Azure sign-in of
module_utils/azure_auth.py and azure_cloud.py), which the module calls to run the queries.

Sources: Microsoft Learn "Monitor the health of your data connectors" and "Troubleshoot AWS S3
connector issues" (the SentinelHealth queries and 'Data fetch failure summary' with
ExtendedProperties.FailureSummary StatusCode/StatusMessage), the AWSCloudTrail connector definition
(`AWSCloudTrail | summarize Time = max(TimeGenerated)`, RecipientAccountId = the AWS account), and
the Log Analytics query API reference (POST {endpoint}/v1/workspaces/{id}/query); see
/work/shared/research-s3.md section 4 and tests/sandbox/README.md.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional

from ansible_collections.sentinel.aws.plugins.module_utils.azure_cloud import cloud_key
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import role_arn_account
from ansible_collections.sentinel.aws.plugins.module_utils.validation import (
    InvalidInput,
    check_account_id,
    check_guid,
)

CLOUDTRAIL_KIND = "AmazonWebServicesCloudTrail"
# How far back the last event and the connector's health history are looked for.
LOOKBACK_DAYS = 7
FAILURE_OPERATION = "Data fetch failure summary"
HEALTH_TABLE = "SentinelHealth"

# The query endpoint of each cloud (Log Analytics query API reference; azure-monitor-query's
# default is the public one). The token audience is the endpoint itself.
LOGS_ENDPOINTS = {
    "azurecloud": "https://api.loganalytics.io",
    "azureusgovernment": "https://api.loganalytics.us",
    "azurechinacloud": "https://api.loganalytics.azure.cn",
}
VERDICTS = ("receiving", "waiting", "silent", "failing")

# Known causes of CloudTrail/S3 connector fetch failures, matched on the failure's StatusCode and
# StatusMessage; the first match wins: an external ID refusal also mentions AssumeRole, and KMS
# and SQS refusals are AccessDenied too, so the generic "role not assumable" comes last.
KNOWN_FIXES = (
    (
        "external_id_mismatch",
        re.compile(r"external\s*id", re.IGNORECASE),
        "the role's trust policy must require sts:ExternalId equal to this workspace's ID ({workspace_id}); "
        "re-run sentinel.aws.onboard, which writes it",
    ),
    (
        "kms_decrypt",
        re.compile(r"\bKMS\b|kms:Decrypt|KMS\.|Decrypt", re.IGNORECASE),
        "the role needs kms:Decrypt on the KMS key that encrypts the logs (the key policy must allow the role too)",
    ),
    (
        "sqs_permissions",
        re.compile(r"\bSQS\b|ReceiveMessage|DeleteMessage|S3B40012", re.IGNORECASE),
        "the role needs sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility and "
        "sqs:GetQueueUrl on the queue, and the queue policy must allow it",
    ),
    (
        "role_not_assumable",
        re.compile(r"AssumeRole|cannot be assumed|not authorized to assume|AccessDenied|NoSuchEntity", re.IGNORECASE),
        "the IAM role must exist and trust Microsoft Sentinel's AWS account (arn:aws:iam::197857026523:root, "
        "sts:AssumeRole, no MFA condition); re-run sentinel.aws.onboard for this account",
    ),
)

HEALTH_NOT_ENABLED = (
    "SentinelHealth is not enabled on this workspace, so connector failures cannot be seen: enable health "
    "monitoring (Microsoft Sentinel > Settings > Auditing and health monitoring), which is a diagnostic "
    "setting on <workspace resource ID>/providers/Microsoft.SecurityInsights/settings/SentinelHealth "
    "sending to this workspace"
)


# --- the queries (shown verbatim in the module's documentation, so analysts can paste them) ------


def events_query(account_ids: List[str], window_minutes: int) -> str:
    """Last event (in LOOKBACK_DAYS) and events in the window, per AWS account."""
    accounts = ", ".join('"%s"' % account for account in account_ids)
    return (
        "AWSCloudTrail\n"
        "| where TimeGenerated > ago(%dd)\n"
        "| where RecipientAccountId in (%s)\n"
        "| summarize LastEvent = max(TimeGenerated), Events = countif(TimeGenerated > ago(%dm)) by RecipientAccountId"
        % (LOOKBACK_DAYS, accounts, window_minutes)
    )


def health_query(kind: str = CLOUDTRAIL_KIND) -> str:
    """Per connector: its first health record (in LOOKBACK_DAYS) and its latest status."""
    return (
        "SentinelHealth\n"
        "| where TimeGenerated > ago(%dd)\n"
        '| where SentinelResourceKind == "%s"\n'
        "| summarize FirstSeen = min(TimeGenerated), arg_max(TimeGenerated, Status, OperationName, Description)"
        " by SentinelResourceId, SentinelResourceName" % (LOOKBACK_DAYS, kind)
    )


def failures_query(window_minutes: int, kind: str = CLOUDTRAIL_KIND) -> str:
    """Per connector and reason: the fetch failures in the window."""
    return (
        "SentinelHealth\n"
        "| where TimeGenerated > ago(%dm)\n"
        '| where SentinelResourceKind == "%s"\n'
        '| where OperationName == "%s"\n'
        "| mv-expand Failure = ExtendedProperties.FailureSummary\n"
        "| summarize Failures = count(), LastFailure = max(TimeGenerated)"
        " by SentinelResourceId, SentinelResourceName, StatusCode = tostring(Failure.StatusCode),"
        " StatusMessage = tostring(Failure.StatusMessage)" % (window_minutes, kind, FAILURE_OPERATION)
    )


# --- input ---------------------------------------------------------------------------------------


def check_accounts(accounts: Any) -> List[Dict[str, Any]]:
    """The accounts option: a non-empty list of {aws_account_id, connector_id?, connected_at?}."""
    if not isinstance(accounts, list) or not accounts:
        raise InvalidInput("accounts must be a non-empty list of {aws_account_id, connector_id, connected_at}")
    checked = []
    for index, account in enumerate(accounts):
        where = "accounts[%d]" % index
        if not isinstance(account, dict):
            raise InvalidInput("%s must be a dict with aws_account_id, got %r" % (where, account))
        unknown = sorted(set(account) - {"aws_account_id", "connector_id", "connected_at"})
        if unknown:
            raise InvalidInput(
                "%s has unknown keys %s (allowed: aws_account_id, connector_id, connected_at)" % (where, unknown)
            )
        account_id = check_account_id(where + ".aws_account_id", str(account.get("aws_account_id") or ""))
        connected_at = account.get("connected_at")
        checked.append(
            dict(
                aws_account_id=account_id,
                connector_id=str(account.get("connector_id") or "") or None,
                connected_at=parse_time(connected_at, where + ".connected_at") if connected_at else None,
            )
        )
    return checked


def with_connectors(accounts: List[Dict[str, Any]], connectors: Optional[List[Dict[str, Any]]]) -> List[Dict[str, Any]]:
    """Each account without a connector_id gets the one of the CloudTrail connector whose role is in it.

    connectors: as sentinel.aws.data_connector_info returns them ({name, kind, aws_role_arn}). With
    several connectors in one account (several roles), the first by name is taken.
    """
    by_account: Dict[str, str] = {}
    for connector in sorted(connectors or [], key=lambda c: str(c.get("name") or "")):
        account_id = role_arn_account(connector.get("aws_role_arn"))
        if connector.get("kind") == CLOUDTRAIL_KIND and account_id and connector.get("name"):
            by_account.setdefault(account_id, str(connector["name"]))
    return [dict(a, connector_id=a["connector_id"] or by_account.get(a["aws_account_id"])) for a in accounts]


def check_workspace_id(value: str) -> str:
    return check_guid("workspace_id", value)


def check_minutes(option: str, value: int) -> int:
    if value < 1:
        raise InvalidInput("%s must be 1 minute or more, got %d" % (option, value))
    return value


def parse_time(value: Any, option: str = "time") -> datetime:
    """An ISO 8601 date-time (a trailing Z allowed); naive values are UTC."""
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidInput(
                "%s must be an ISO 8601 date-time such as 2026-11-30T06:00:00Z, got %r" % (option, value)
            ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def logs_endpoint(cloud_environment: str, given: Optional[str]) -> str:
    """The Log Analytics query endpoint: the one given, else the named cloud's.

    A metadata-URL cloud (Azure Stack, a proxy, the sandbox) has no known query endpoint: ARM's
    metadata document does not reliably name it, so it must be given.
    """
    if given:
        if not given.lower().startswith("https://"):
            raise InvalidInput("logs_endpoint must be an https:// URL (bearer tokens go to it), got %r" % given)
        return given.rstrip("/")
    endpoint = LOGS_ENDPOINTS.get(cloud_key(cloud_environment or "AzureCloud"))
    if not endpoint:
        raise InvalidInput(
            "logs_endpoint (or SENTINEL_AWS_LOGS_ENDPOINT) is required when cloud_environment is not AzureCloud, "
            "AzureUSGovernment or AzureChinaCloud: give the Log Analytics query endpoint of %s" % cloud_environment
        )
    return endpoint


# --- answers -------------------------------------------------------------------------------------


def table_rows(columns: List[str], rows: List[List[Any]]) -> List[Dict[str, Any]]:
    """Rows of a query answer as dicts keyed by column name."""
    return [{name: row[index] for index, name in enumerate(columns)} for row in rows]


def iso(value: Any) -> Optional[str]:
    if value in (None, ""):
        return None
    return parse_time(value).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def connector_rows(rows: List[Dict[str, Any]], connector_id: Optional[str]) -> List[Dict[str, Any]]:
    """The health rows of one connector: SentinelResourceName is its ID, or SentinelResourceId ends in it."""
    if not connector_id:
        return []
    wanted = connector_id.lower()
    return [
        row
        for row in rows
        if str(row.get("SentinelResourceName") or "").lower() == wanted
        or str(row.get("SentinelResourceId") or "").lower().rstrip("/").endswith("/" + wanted)
    ]


def known_fix(status_code: str, message: str, workspace_id: str) -> Optional[Dict[str, str]]:
    text = "%s %s" % (status_code or "", message or "")
    for cause, pattern, fix in KNOWN_FIXES:
        if pattern.search(text):
            return dict(cause=cause, fix=fix.format(workspace_id=workspace_id))
    return None


def failure_entries(rows: List[Dict[str, Any]], workspace_id: str) -> List[Dict[str, Any]]:
    """A connector's failures, latest first, each with the known fix when there is one."""
    entries = []
    for row in sorted(rows, key=lambda r: parse_time(r["LastFailure"]), reverse=True):
        entry = dict(
            status_code=str(row.get("StatusCode") or ""),
            status_message=str(row.get("StatusMessage") or ""),
            count=int(row.get("Failures") or 0),
            last_failure=iso(row.get("LastFailure")),
        )
        fix = known_fix(entry["status_code"], entry["status_message"], workspace_id)
        entry.update(cause=fix["cause"] if fix else None, fix=fix["fix"] if fix else None)
        entries.append(entry)
    return entries


def account_report(
    account: Dict[str, Any],
    events: Optional[Dict[str, Any]],
    health: Optional[List[Dict[str, Any]]],
    failures: Optional[List[Dict[str, Any]]],
    now: datetime,
    window_minutes: int,
    waiting_minutes: int,
    workspace_id: str,
) -> Dict[str, Any]:
    """One account's facts and verdict. health/failures are None when SentinelHealth is not enabled."""
    status = None
    if health is not None:
        mine = connector_rows(health, account["connector_id"])
        latest = max(mine, key=lambda r: parse_time(r["TimeGenerated"])) if mine else None
        first_seen = min((parse_time(r["FirstSeen"]) for r in mine), default=None)
        if latest:
            status = dict(
                status=latest.get("Status"),
                operation=latest.get("OperationName"),
                description=latest.get("Description"),
                time=iso(latest.get("TimeGenerated")),
                first_seen=iso(first_seen),
            )
    else:
        first_seen = None
    recent = failure_entries(connector_rows(failures or [], account["connector_id"]), workspace_id)
    connected_at = account.get("connected_at") or first_seen
    last_event = (events or {}).get("LastEvent")
    quiet_since = parse_time(last_event) if last_event else connected_at
    facts = dict(
        aws_account_id=account["aws_account_id"],
        connector_id=account["connector_id"],
        last_event=iso((events or {}).get("LastEvent")),
        events_in_window=int((events or {}).get("Events") or 0),
        connector_status=status,
        recent_failures=recent,
        connected_since=iso(connected_at),
        quiet_minutes=int((now - quiet_since).total_seconds() // 60) if quiet_since else None,
    )
    facts.update(verdict_of(facts, health is not None, now, connected_at, window_minutes, waiting_minutes))
    return facts


def verdict_of(
    facts: Dict[str, Any],
    health_enabled: bool,
    now: datetime,
    connected_at: Optional[datetime],
    window_minutes: int,
    waiting_minutes: int,
) -> Dict[str, Any]:
    """{verdict, reason, fixes}: failing (latest health is a failure, or failures and no events),
    receiving (events in the window), waiting (no events, connector younger than waiting_minutes),
    silent (no events, older or of unknown age)."""
    status = facts["connector_status"] or {}
    failures = facts["recent_failures"]
    events = facts["events_in_window"]
    fixes = [dict(cause=f["cause"], fix=f["fix"]) for f in failures if f["fix"]]
    fixes = [fix for index, fix in enumerate(fixes) if fix not in fixes[:index]]
    if str(status.get("status", "")).lower() == "failure" or (failures and not events):
        latest = failures[0] if failures else None
        why = (
            "%s %s" % (latest["status_code"], latest["status_message"])
            if latest
            else status.get("description") or "failure"
        )
        return dict(verdict="failing", reason="Sentinel's fetches for this account fail: %s" % why.strip(), fixes=fixes)
    if events:
        return dict(
            verdict="receiving",
            reason="%d events in the last %d minutes, the latest at %s" % (events, window_minutes, facts["last_event"]),
            fixes=fixes,
        )
    age = (now - connected_at).total_seconds() / 60 if connected_at else None
    last = (
        "the last event at %s" % facts["last_event"] if facts["last_event"] else "no event in %d days" % LOOKBACK_DAYS
    )
    if age is not None and age < waiting_minutes:
        return dict(
            verdict="waiting",
            reason="no events yet; the connector is %d minutes old and first data can take %d minutes"
            % (age, waiting_minutes),
            fixes=fixes,
        )
    if age is not None:
        known = "the connector is %d minutes old" % age
    elif not facts["connector_id"]:
        known = "no connector ID given, so its age and health are unknown"
    elif not health_enabled:
        known = "its age is unknown (SentinelHealth is not enabled)"
    else:
        known = "SentinelHealth has no record of connector %s in %d days" % (facts["connector_id"], LOOKBACK_DAYS)
    return dict(
        verdict="silent",
        reason="no events in the last %d minutes (%s); %s" % (window_minutes, last, known),
        fixes=fixes,
    )


def summary(reports: List[Dict[str, Any]]) -> Dict[str, List[str]]:
    """Account IDs per verdict."""
    return {verdict: [r["aws_account_id"] for r in reports if r["verdict"] == verdict] for verdict in VERDICTS}


def unknown_table(message: str) -> Optional[str]:
    """The table a query could not resolve (the service's SemanticError SEM0100), if that is the error."""
    match = re.search(r"Failed to resolve table or column expression named '([^']+)'", message or "")
    return match.group(1) if match else None


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def window_timespan(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)


# --- the one link to the Azure sign-in (azure_auth, azure_cloud) --------------------------------------------------------


class QueryFailed(Exception):
    """A query could not run; kwargs for fail_json (msg, status_code, error_code)."""

    def __init__(self, msg: str, status_code: Optional[int] = None, error_code: Optional[str] = None):
        super().__init__(msg)
        self.result = dict(msg=msg, status_code=status_code, error_code=error_code)
        self.message = msg


def logs_query(params: Dict[str, Any]) -> Callable[[str, str, timedelta], List[Dict[str, Any]]]:
    """A function running one query on a workspace, returning its rows as dicts.

    Everything this module takes from the Azure sign-in code (azure_auth, azure_cloud, sentinel_api) is here: the credential (same options
    and environment as the other Azure modules), the cloud, CA handling, the retry policy and time
    budget, error translation. The query endpoint is the cloud's (logs_endpoint). Raises
    QueryFailed; a missing table's SemanticError keeps its table name in error_code 'UnknownTable:<name>'.
    """
    import time

    from ansible_collections.sentinel.aws.plugins.module_utils import azure_auth, azure_cloud
    from ansible_collections.sentinel.aws.plugins.module_utils.sentinel_api import scrub, translate_error

    try:
        from azure.monitor.query import LogsQueryClient
    except ImportError as exc:
        raise QueryFailed(
            "azure-monitor-query is required to query the logs (pip install azure-monitor-query): %s" % exc
        ) from exc
    secrets = [params.get("secret")]
    try:
        endpoint = logs_endpoint(params.get("cloud_environment") or "AzureCloud", params.get("logs_endpoint"))
        azure_auth.require_sdk()
        budget = azure_auth.time_budget(params)
        deadline = time.monotonic() + budget
        verify = azure_auth.connection_verify(params)
        cloud = azure_cloud.resolve_cloud(
            params.get("cloud_environment") or "AzureCloud", verify, azure_auth.bounded_retry_policy(deadline, budget)
        )
        credential = azure_auth.build_credential(azure_auth.auth_settings(params), cloud, params, deadline)
    except azure_auth.AzureSdkMissing as exc:
        raise QueryFailed(str(exc)) from exc
    except ValueError as exc:  # InvalidInput, AzureAuthError, bad cloud metadata
        raise QueryFailed(scrub(str(exc), secrets)) from exc
    except azure_auth.azure_errors() as exc:
        raise QueryFailed(**translate_error(exc, "read the cloud metadata", "-", secrets=secrets)) from exc

    client = LogsQueryClient(
        credential,
        endpoint=endpoint,
        audience=endpoint,
        connection_verify=verify,
        connection_timeout=azure_cloud.CONNECTION_TIMEOUT,
        read_timeout=params.get("read_timeout") or azure_cloud.DEFAULT_READ_TIMEOUT,
        retry_policy=azure_auth.bounded_retry_policy(deadline, budget),
        user_agent="sentinel.aws-ansible",
    )

    def run(workspace_id: str, query: str, timespan: timedelta) -> List[Dict[str, Any]]:
        try:
            result = client.query_workspace(workspace_id, query, timespan=timespan)
        except azure_auth.azure_errors() as raised:
            # azure-monitor-query re-raises every HttpResponseError as a plain one (process_error),
            # which hides a ClientAuthenticationError: translate the original.
            original = raised.__context__
            exc = original if isinstance(original, azure_auth.azure_errors()) else raised
            table = unknown_table(str(getattr(raised, "message", "") or raised))
            if table:
                raise QueryFailed(
                    "table %s does not exist in the workspace" % table, exc.status_code, "UnknownTable:" + table
                ) from raised
            raise QueryFailed(**translate_error(exc, "query the logs", workspace_id, secrets=secrets)) from raised
        tables = getattr(result, "tables", None) or []
        if not tables:
            raise QueryFailed(
                "the query on workspace %s answered no table (partial result: %s)"
                % (workspace_id, getattr(result, "partial_error", None))
            )
        return table_rows(list(tables[0].columns), [list(row) for row in tables[0].rows])

    return run
