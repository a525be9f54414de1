# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sentinel logic as pure functions: workspace references, connector IDs, payloads, comparison.

Nothing here talks to Azure; the modules pass plain data in and get plain data back, so every
rule is unit-tested on its own.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import re
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple

from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import (
    DESTINATION_TABLES,
    PARTITIONS,
    S3_KIND,
)
from ansible_collections.sentinel.aws.plugins.module_utils.validation import (
    InvalidInput,
    check_guid,
    parse_role_arn,
)

CLOUDTRAIL_KIND = "AmazonWebServicesCloudTrail"
# The AWS kinds, both managed: CloudTrail (legacy, API polling) and S3 (SQS-notified S3 files).
SUPPORTED_KINDS = (CLOUDTRAIL_KIND, S3_KIND)
AWS_KINDS = SUPPORTED_KINDS
# The options that apply to the S3 kind only, as data_connector names them.
S3_OPTIONS = ("sqs_urls", "destination_table")

# Connector IDs derived from the role ARN are uuid5(CONNECTOR_ID_NAMESPACE, "<kind>:<arn lower-case>")
# for CloudTrail and uuid5(..., "<kind>:<arn lower-case>:<destination table>") for S3, whose
# connectors one role may hold several of, one per table (one per log type and queue).
# Fixed for ever: changing it would make every re-run create a second connector.
CONNECTOR_ID_NAMESPACE = uuid.UUID("5d3f0a52-7a8e-4c4e-9a55-3c1f0a6e5e10")

# Azure naming rules (Microsoft Learn, "Naming rules and restrictions for Azure resources"):
# resource groups 1-90 of letters, digits, _ ( ) - . and not ending in a period;
# Log Analytics workspaces 4-63 of letters, digits and hyphens, starting and ending alphanumeric.
RESOURCE_GROUP_PATTERN = re.compile(r"^[-\w.()]{0,89}[-\w()]\Z")
WORKSPACE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]\Z")
WORKSPACE_ID_PATTERN = re.compile(
    r"^/subscriptions/(?P<subscription_id>[^/]+)/resourceGroups/(?P<resource_group>[^/]+)"
    r"/providers/Microsoft\.OperationalInsights/workspaces/(?P<name>[^/]+)/?\Z",
    re.IGNORECASE,
)

# Sentinel's 400 BadRequest texts when it is unavailable on a workspace (clients pinning them:
# "is not onboarded to Microsoft Sentinel" / "is not registered to 'Microsoft.SecurityInsights'";
# iknowjason/PurpleCloud #42 and microsoft/zerotrustassessment #1241 quote the first in full).
NOT_ONBOARDED = re.compile(r"is not onboarded to Microsoft Sentinel", re.IGNORECASE)
PROVIDER_NOT_REGISTERED = re.compile(r"is not registered to 'Microsoft\.SecurityInsights'", re.IGNORECASE)

# Sentinel refuses a second connector of one kind and "context" under another name, in words
# that include "two connectors with different names and the same kind and context id"
# (Azure/Azure-Sentinel #15075). What the context is for CloudTrail is not public (design.md), so
# the refusal is explained from the workspace's connector list, not from our guess of it.
DUPLICATE_PATTERN = re.compile(r"two connectors with different names and the same kind and context", re.IGNORECASE)

# Sentinel answers a connector PUT with HTTP 400 when it cannot assume the role yet; a new IAM
# role (or a changed trust policy) takes seconds to propagate. The wording of that refusal is not
# public (tests/sandbox/README.md), so the PUT retries every 400 except the ones waiting cannot
# change: the service refusing our body ("Failed to parse input. Error='Required property
# 'dataTypes' not found'": Azure/azure-cli-extensions #4248), a second connector for the same role
# (Azure/Azure-Sentinel #15075), and Sentinel being off on the workspace or its provider not
# registered (NOT_ONBOARDED, PROVIDER_NOT_REGISTERED above).
PERMANENT_PUT_REFUSAL = re.compile(
    "|".join(
        (
            r"Failed to parse input",
            r"Required property",
            DUPLICATE_PATTERN.pattern,
            NOT_ONBOARDED.pattern,
            PROVIDER_NOT_REGISTERED.pattern,
        )
    ),
    re.IGNORECASE,
)

# The account of a role ARN held by a connector (connectors made by hand are not validated by us).
ROLE_ARN_ACCOUNT_PATTERN = re.compile(r"^arn:[\w-]+:iam::(?P<account>[0-9]{12}):role/", re.IGNORECASE)

# An SQS queue URL, <scheme>://<endpoint>/<12-digit account>/<queue name> (SQS developer guide,
# "Queue and message identifiers": names are 1-80 letters, digits, '-' and '_', '.fifo' for FIFO
# queues). The endpoint is not pinned to sqs.<region>.amazonaws.com: SQS still answers legacy
# <region>.queue.amazonaws.com URLs, and a local endpoint (moto, the sandbox) names its own host.
SQS_URL_PATTERN = re.compile(r"^https?://[^/\s]+/[0-9]{12}/[A-Za-z0-9_-]{1,80}(?:\.fifo)?\Z")


# --- validation -----------------------------------------------------------------------------


def check_subscription_id(value: Optional[str], option: str = "subscription_id") -> str:
    if not value:
        raise InvalidInput("%s is required (option or AZURE_SUBSCRIPTION_ID)" % option)
    return check_guid(option, value)


def check_resource_group(value: str, option: str = "resource_group") -> str:
    if not isinstance(value, str) or not RESOURCE_GROUP_PATTERN.match(value):
        raise InvalidInput(
            "%s must be 1-90 letters, digits, underscores, hyphens, periods or parentheses, not "
            "ending in a period, got %r" % (option, value)
        )
    return value


def check_workspace_name(value: str, option: str = "workspace_name") -> str:
    if not isinstance(value, str) or not WORKSPACE_NAME_PATTERN.match(value):
        raise InvalidInput(
            "%s must be 4-63 letters, digits or hyphens, starting and ending with a letter or digit, "
            "got %r" % (option, value)
        )
    return value


def parse_workspace_resource_id(value: str, option: str = "workspace_resource_id") -> Dict[str, str]:
    """Split /subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>."""
    match = WORKSPACE_ID_PATTERN.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise InvalidInput(
            "%s must be /subscriptions/<subscription GUID>/resourceGroups/<group>/providers/"
            "Microsoft.OperationalInsights/workspaces/<name>, got %r" % (option, value)
        )
    parts = match.groupdict()
    return dict(
        subscription_id=check_subscription_id(parts["subscription_id"], "%s subscription" % option),
        resource_group=check_resource_group(parts["resource_group"], "%s resource group" % option),
        name=check_workspace_name(parts["name"], "%s workspace name" % option),
    )


# The options that name a workspace, as the modules call them.
WORKSPACE_OPTIONS = ("workspace_name", "resource_group", "workspace_resource_id")


def check_workspace_choice(values: Dict[str, Any], names: Optional[Dict[str, str]] = None) -> None:
    """The rule for naming a workspace: workspace_name and resource_group together, or workspace_resource_id alone.

    values: the three options by their module names (None or empty when not given); names: what
    to call them in the message (the role's variables), by module name.
    """
    label = {option: (names or {}).get(option, option) for option in WORKSPACE_OPTIONS}
    given = {option for option in WORKSPACE_OPTIONS if values.get(option) not in (None, "", [], {})}
    by_id = "workspace_resource_id" in given
    by_name = bool(given & {"workspace_name", "resource_group"})
    if by_id == by_name:
        raise InvalidInput(
            "give the workspace either as %(workspace_name)s and %(resource_group)s, or as "
            "%(workspace_resource_id)s (not both)" % label
        )
    if by_name and not {"workspace_name", "resource_group"} <= given:
        raise InvalidInput("%(workspace_name)s and %(resource_group)s go together: give both" % label)


def workspace_reference(params: Dict[str, Any]) -> Dict[str, Optional[str]]:
    """{subscription_id, resource_group, name} from workspace_name + resource_group or the resource ID.

    subscription_id is None when it comes from the authentication options (checked later).
    """
    check_workspace_choice(params)
    if params.get("workspace_resource_id"):
        return parse_workspace_resource_id(params["workspace_resource_id"])
    return dict(
        subscription_id=None,
        resource_group=check_resource_group(params["resource_group"]),
        name=check_workspace_name(params["workspace_name"]),
    )


def workspace_arm_id(subscription_id: str, resource_group: str, name: str) -> str:
    return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.OperationalInsights/workspaces/%s" % (
        subscription_id,
        resource_group,
        name,
    )


def check_connector_role_arn(kind: str, value: str, option: str = "aws_role_arn") -> str:
    """The role Sentinel assumes; the CloudTrail connector reaches AWS commercial only.

    The S3 connector reaches the partitions Microsoft's Entra tenant has an audience for
    (s3_connector.SENTINEL_OIDC: aws and aws-us-gov), not China.
    """
    parts = parse_role_arn(option, value)
    if kind == CLOUDTRAIL_KIND and parts["partition"] != "aws":
        raise InvalidInput(
            "%s is in partition %r: the %s connector can only read AWS commercial (partition 'aws') "
            "CloudTrail, not GovCloud or China" % (option, parts["partition"], kind)
        )
    if kind == S3_KIND and parts["partition"] not in PARTITIONS:
        raise InvalidInput(
            "%s is in partition %r: the %s connector reads AWS commercial ('aws') and GovCloud ('aws-us-gov') "
            "accounts only" % (option, parts["partition"], kind)
        )
    return value


def check_sqs_urls(value: Any, option: str = "sqs_urls") -> List[str]:
    """The S3 connector's queues: a non-empty list of SQS queue URLs, each once."""
    if not isinstance(value, list) or not value:
        raise InvalidInput("%s must list at least one SQS queue URL for kind %s" % (option, S3_KIND))
    for url in value:
        if not isinstance(url, str) or not SQS_URL_PATTERN.match(url):
            raise InvalidInput(
                "%s items must be SQS queue URLs of the form https://sqs.<region>.amazonaws.com/<12-digit account>/"
                "<queue name>, got %r" % (option, url)
            )
    if len(set(value)) != len(value):
        raise InvalidInput("%s lists a queue URL more than once: %s" % (option, ", ".join(value)))
    return list(value)


def check_destination_table(value: Any, option: str = "destination_table") -> str:
    if value not in DESTINATION_TABLES:
        raise InvalidInput("%s must be one of %s, got %r" % (option, ", ".join(DESTINATION_TABLES), value))
    return value


def check_kind_options(kind: str, params: Dict[str, Any]) -> None:
    """S3_OPTIONS are given with kind AmazonWebServicesS3 only (another kind would silently ignore them)."""
    given = [option for option in S3_OPTIONS if params.get(option) not in (None, [], "")]
    if kind != S3_KIND and given:
        raise InvalidInput("%s apply only to kind %s, not %s" % (" and ".join(given), S3_KIND, kind))


def check_kind(value: str) -> str:
    if value not in SUPPORTED_KINDS:
        raise InvalidInput("kind must be one of %s, got %r" % (", ".join(SUPPORTED_KINDS), value))
    return value


# --- connector identity ---------------------------------------------------------------------


def normalise_role_arn(arn: Optional[str]) -> str:
    """Compare role ARNs case-insensitively: IAM role names are unique regardless of case."""
    return (arn or "").strip().lower()


def derive_connector_id(kind: str, role_arn: str, destination_table: Optional[str] = None) -> str:
    """The connector ID a re-run finds again: uuid5 over a fixed namespace, the kind, the ARN (and S3's table)."""
    name = "%s:%s" % (kind, normalise_role_arn(role_arn))
    if kind == S3_KIND:
        name += ":%s" % destination_table
    return str(uuid.uuid5(CONNECTOR_ID_NAMESPACE, name))


def desired_connector(
    kind: str,
    role_arn: str,
    logs_enabled: bool,
    sqs_urls: Optional[List[str]] = None,
    destination_table: Optional[str] = None,
) -> Dict[str, Any]:
    """The connector as wanted, in connector_summary's shape (S3 adds its queues and table)."""
    desired = dict(kind=kind, aws_role_arn=role_arn, logs_enabled=bool(logs_enabled))
    if kind == S3_KIND:
        desired.update(sqs_urls=list(sqs_urls or []), destination_table=destination_table)
    return desired


def logs_state(enabled: bool) -> str:
    """The REST value of dataTypes.logs.state (always sent: the service requires dataTypes)."""
    return "Enabled" if enabled else "Disabled"


def logs_enabled_in(data_types: Optional[Dict[str, Any]]) -> bool:
    """dataTypes.logs.state read back, whatever its case (Sentinel answers "enabled" to "Enabled")."""
    return str(((data_types or {}).get("logs") or {}).get("state") or "").lower() == "enabled"


def s3_properties(desired: Dict[str, Any]) -> Dict[str, Any]:
    """The REST properties of an AmazonWebServicesS3 connector (AwsS3DataConnectorProperties, all required)."""
    return dict(
        roleArn=desired["aws_role_arn"],
        sqsUrls=list(desired["sqs_urls"]),
        destinationTable=desired["destination_table"],
        dataTypes=dict(logs=dict(state=logs_state(desired["logs_enabled"]))),
    )


def connector_summary(data: Dict[str, Any], raw: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Our return shape from an SDK model's as_dict() (snake_case keys) and the connector's raw ARM body.

    securityinsight 1.0.0 reads kinds it has no model for (AmazonWebServicesS3) as the base class
    with kind 'DataConnector' and no properties; raw (the item of the HTTP body) restores the kind
    and, for S3, gives the properties. Non-AWS kinds are reported with their kind only.
    """
    raw = raw or {}
    kind = data.get("kind")
    if not kind or kind == "DataConnector":
        kind = raw.get("kind") or kind
    summary = dict(id=data.get("id"), name=data.get("name"), kind=kind, etag=data.get("etag"))
    if kind == CLOUDTRAIL_KIND:
        summary.update(aws_role_arn=data.get("aws_role_arn"), logs_enabled=logs_enabled_in(data.get("data_types")))
    elif kind == S3_KIND:
        properties = raw.get("properties") or {}
        summary.update(
            aws_role_arn=properties.get("roleArn"),
            sqs_urls=list(properties.get("sqsUrls") or []),
            destination_table=properties.get("destinationTable"),
            logs_enabled=logs_enabled_in(properties.get("dataTypes")),
        )
    return summary


def same_id(left: Optional[str], right: Optional[str]) -> bool:
    return (left or "").lower() == (right or "").lower()


def matches_role(connector: Dict[str, Any], kind: str, role_arn: str, destination_table: Optional[str] = None) -> bool:
    """Whether connector is the one of kind for role_arn: Sentinel's "context" as we understand it.

    An S3 connector is one role's for one destination table (one log type, one queue set), so its
    table is part of the match; a CloudTrail connector is one role's.
    """
    return (
        connector.get("kind") == kind
        and normalise_role_arn(connector.get("aws_role_arn")) == normalise_role_arn(role_arn)
        and (kind != S3_KIND or connector.get("destination_table") == destination_table)
    )


def role_arn_account(arn: Optional[str]) -> Optional[str]:
    """The AWS account of a role ARN, or None when it is not one."""
    match = ROLE_ARN_ACCOUNT_PATTERN.match((arn or "").strip())
    return match.group("account") if match else None


def holder_conflict(holder: Dict[str, Any], kind: str, role_arn: str, option: str) -> str:
    """Why a connector ID other than the one of the connector already holding the role cannot be used."""
    table = " (table %s)" % holder.get("destination_table") if kind == S3_KIND else ""
    return (
        "connector %s already connects role %s%s to this workspace; Sentinel refuses a second %s connector "
        "for the same role%s. Omit %s to manage that connector, or remove it first"
        % (holder.get("name"), role_arn, table, kind, " and table" if table else "", option)
    )


def repointing_refusal(connector: Dict[str, Any], role_arn: str, option: str) -> Optional[str]:
    """Why the connector found by a given ID must not be pointed at role_arn (None when it may).

    A connector reads one AWS account through one role: pointing another account's connector at
    this role would silently stop Sentinel reading that account. The same account with another
    role (a renamed role) is an update.
    """
    held_arn = connector.get("aws_role_arn")
    held_account = role_arn_account(held_arn)
    if not held_arn or held_account == role_arn_account(role_arn):
        return None
    return (
        "%(option)s %(name)s is the connector of AWS account %(account)s (it holds role %(held)s): pointing it at "
        "%(wanted)s would stop Sentinel reading account %(account)s. Nothing was changed. Leave %(option)s empty to "
        "use a connector of this account's own (its ID is derived from the role ARN), or remove connector %(name)s "
        "first if account %(account)s is no longer to be read"
    ) % dict(option=option, name=connector.get("name"), account=held_account, held=held_arn, wanted=role_arn)


def find_connector(
    connectors: List[Dict[str, Any]],
    kind: str,
    role_arn: Optional[str],
    connector_id: Optional[str],
    destination_table: Optional[str] = None,
) -> Tuple[Optional[Dict[str, Any]], str]:
    """The existing connector to converge, and the ID to PUT: (current or None, connector_id).

    Sentinel refuses a second connector of one kind for one role under another name, so the
    role ARN (and, for S3, the destination table: matches_role) decides: a connector of the kind
    holding the ARN is adopted (even one made by hand under a random ID). A connector_id given by
    the user that differs from the holder's ID is an error rather than a doomed PUT. Without a
    holder the given or derived ID is used, and a connector already there under it is updated,
    unless it holds a role of another AWS account (repointing_refusal).
    """
    holder = next(
        (c for c in connectors if role_arn and matches_role(c, kind, role_arn, destination_table)),
        None,
    )
    if holder and connector_id and not same_id(holder.get("name"), connector_id):
        raise InvalidInput(holder_conflict(holder, kind, role_arn or "", "connector_id"))
    if holder:
        return holder, holder["name"]
    target_id = connector_id or derive_connector_id(kind, role_arn or "", destination_table)
    by_id = next((c for c in connectors if same_id(c.get("name"), target_id)), None)
    if by_id and by_id.get("kind") != kind:
        raise InvalidInput(
            "connector_id %s is already used by a connector of kind %s, not %s" % (target_id, by_id.get("kind"), kind)
        )
    refusal = repointing_refusal(by_id, role_arn or "", "connector_id") if by_id else None
    if refusal:
        raise InvalidInput(refusal)
    return by_id, (by_id or {}).get("name") or target_id


def select_for_removal(
    connectors: List[Dict[str, Any]],
    kind: str,
    role_arn: Optional[str],
    connector_id: Optional[str],
    destination_table: Optional[str] = None,
) -> Optional[Dict[str, Any]]:
    """The connector state=absent removes: by connector_id when given, else by kind + role ARN (+ S3's table).

    Always of kind: an ID naming a connector of another kind (an S3 connector given to a CloudTrail
    removal, or any other connector of the workspace) removes nothing.
    """
    for connector in connectors:
        if connector.get("kind") != kind:
            continue
        if connector_id:
            if same_id(connector.get("name"), connector_id) and (
                not role_arn or matches_role(connector, kind, role_arn, destination_table)
            ):
                return connector
        elif role_arn and matches_role(connector, kind, role_arn, destination_table):
            return connector
    return None


def filter_connectors(
    connectors: List[Dict[str, Any]], connector_id: Optional[str] = None, role_arn: Optional[str] = None
) -> List[Dict[str, Any]]:
    """data_connector_info: AWS connectors, optionally one ID or one role ARN."""
    selected = [c for c in connectors if c.get("kind") in AWS_KINDS]
    if connector_id:
        selected = [c for c in selected if same_id(c.get("name"), connector_id)]
    if role_arn:
        selected = [c for c in selected if normalise_role_arn(c.get("aws_role_arn")) == normalise_role_arn(role_arn)]
    return selected


def is_duplicate_refusal(status_code: Optional[int], message: Optional[str]) -> bool:
    return status_code == 400 and bool(DUPLICATE_PATTERN.search(message or ""))


def duplicate_refusal_message(
    connectors: List[Dict[str, Any]], kind: str, connector_id: str, workspace_name: str, refusal: str
) -> str:
    """Explain Sentinel's duplicate refusal with the workspace's other connectors of the kind, and how to remove them.

    Connectors left over from older set-ups are hidden in the portal but still returned by the API,
    so the list is the only place a user sees them.
    """
    others = sorted(
        (c for c in connectors if c.get("kind") == kind and not same_id(c.get("name"), connector_id)),
        key=lambda c: str(c.get("name")),
    )
    msg = "Sentinel refused connector %s on workspace %s as a duplicate (%s). " % (
        connector_id,
        workspace_name,
        refusal,
    )
    if not others:
        return msg + "Listing the workspace's connectors found no other %s connector; run again later" % kind
    found = ", ".join(
        "%s (role %s%s)"
        % (c.get("name"), c.get("aws_role_arn"), ", table %s" % c.get("destination_table") if kind == S3_KIND else "")
        for c in others
    )
    return msg + (
        "The workspace already has these %s connectors, some perhaps left over from an older set-up and hidden "
        "in the portal: %s. Remove each one that is no longer wanted with sentinel.aws.data_connector "
        "state=absent %sconnector_id=<its name> on this workspace, then run again"
        % (kind, found, "kind=%s " % kind if kind != CLOUDTRAIL_KIND else "")
    )


# --- comparison and diff --------------------------------------------------------------------


def connector_differs(current: Optional[Dict[str, Any]], desired: Dict[str, Any]) -> bool:
    """True when a PUT is needed: missing, or role ARN or logs state differ (ARN case ignored).

    For S3 also the destination table, or the queues as a set (their order means nothing to Sentinel).
    """
    if not current:
        return True
    differs = (
        current.get("kind") != desired["kind"]
        or normalise_role_arn(current.get("aws_role_arn")) != normalise_role_arn(desired["aws_role_arn"])
        or bool(current.get("logs_enabled")) != bool(desired["logs_enabled"])
    )
    if desired["kind"] == S3_KIND:
        differs = (
            differs
            or current.get("destination_table") != desired["destination_table"]
            or set(current.get("sqs_urls") or []) != set(desired["sqs_urls"])
        )
    return differs


def comparable(connector: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The part of a connector shown in --diff (no etag: it changes on every write)."""
    if not connector:
        return {}
    keys = ("name", "kind", "aws_role_arn", "logs_enabled")
    if connector.get("kind") == S3_KIND:
        keys += ("sqs_urls", "destination_table")
    return {key: connector.get(key) for key in keys}


def connector_diff(before: Optional[Dict[str, Any]], after: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    return dict(before=comparable(before), after=comparable(after))


def planned_connector(
    current: Optional[Dict[str, Any]], desired: Dict[str, Any], connector_id: str, workspace_id: str
) -> Dict[str, Any]:
    """What the connector will look like after the PUT (returned as-is in check mode)."""
    planned = dict(current or {})
    planned.update(desired)
    planned["name"] = connector_id
    planned.setdefault("id", "%s/providers/Microsoft.SecurityInsights/dataConnectors/%s" % (workspace_id, connector_id))
    planned.setdefault("etag", None)
    return planned


# --- the one hand-rolled retry: "role not yet assumable" ---------------------------------------


def is_retryable_put_refusal(status_code: Optional[int], message: Optional[str]) -> bool:
    """A 400 on the connector PUT that may be the role not assumable yet: any but PERMANENT_PUT_REFUSAL."""
    return status_code == 400 and not PERMANENT_PUT_REFUSAL.search(message or "")


class RetryBudgetSpent(Exception):
    """The retryable error persisted past the time budget; carries the last exception."""

    def __init__(self, last_error: BaseException, attempts: int, waited: float):
        super().__init__(str(last_error))
        self.last_error = last_error
        self.attempts = attempts
        self.waited = waited


def retry_within(
    operation: Callable[[], Any],
    retryable: Callable[[BaseException], bool],
    timeout: float,
    first_delay: float = 2.0,
    max_delay: float = 15.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Any:
    """Call operation until it succeeds, retrying retryable errors with exponential backoff.

    Never sleeps past the budget: the last wait is shortened so one final attempt lands at the
    deadline. Other errors propagate at once.
    """
    deadline = clock() + max(0.0, timeout)
    delay = first_delay
    attempts = 0
    started = clock()
    while True:
        attempts += 1
        try:
            return operation()
        except Exception as exc:  # noqa: BLE001 - filtered by retryable()
            if not retryable(exc):
                raise
            remaining = deadline - clock()
            if remaining <= 0:
                raise RetryBudgetSpent(exc, attempts, clock() - started) from exc
            sleep(min(delay, remaining))
            delay = min(delay * 2, max_delay)
