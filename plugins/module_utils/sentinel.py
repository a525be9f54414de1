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

from ansible_collections.sentinel.aws.plugins.module_utils.validation import (
    InvalidInput,
    check_guid,
    parse_role_arn,
)

CLOUDTRAIL_KIND = "AmazonWebServicesCloudTrail"
# Kinds this collection manages (AmazonWebServicesS3 is a later step: it needs a preview API).
SUPPORTED_KINDS = (CLOUDTRAIL_KIND,)
AWS_KINDS = (CLOUDTRAIL_KIND, "AmazonWebServicesS3")

# Connector IDs derived from the role ARN are uuid5(CONNECTOR_ID_NAMESPACE, "<kind>:<arn lower-case>").
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
    """The role Sentinel assumes; the CloudTrail connector reaches AWS commercial only."""
    parts = parse_role_arn(option, value)
    if kind == CLOUDTRAIL_KIND and parts["partition"] != "aws":
        raise InvalidInput(
            "%s is in partition %r: the %s connector can only read AWS commercial (partition 'aws') "
            "CloudTrail, not GovCloud or China" % (option, parts["partition"], kind)
        )
    return value


def check_kind(value: str) -> str:
    if value not in SUPPORTED_KINDS:
        raise InvalidInput("kind must be one of %s, got %r" % (", ".join(SUPPORTED_KINDS), value))
    return value


# --- connector identity ---------------------------------------------------------------------


def normalise_role_arn(arn: Optional[str]) -> str:
    """Compare role ARNs case-insensitively: IAM role names are unique regardless of case."""
    return (arn or "").strip().lower()


def derive_connector_id(kind: str, role_arn: str) -> str:
    """The connector ID a re-run finds again: uuid5 over a fixed namespace, the kind and the ARN."""
    return str(uuid.uuid5(CONNECTOR_ID_NAMESPACE, "%s:%s" % (kind, normalise_role_arn(role_arn))))


def desired_connector(kind: str, role_arn: str, logs_enabled: bool) -> Dict[str, Any]:
    return dict(kind=kind, aws_role_arn=role_arn, logs_enabled=bool(logs_enabled))


def logs_state(enabled: bool) -> str:
    """The REST value of dataTypes.logs.state (always sent: the service requires dataTypes)."""
    return "Enabled" if enabled else "Disabled"


def connector_summary(data: Dict[str, Any], raw_kind: Optional[str] = None) -> Dict[str, Any]:
    """Our return shape from an SDK model's as_dict() (snake_case keys).

    securityinsight 1.0.0 reads kinds it has no model for as the base class with kind
    'DataConnector'; raw_kind (from the HTTP body) restores the real one. Non-AWS kinds are
    reported with their kind only.
    """
    kind = data.get("kind")
    if raw_kind and (not kind or kind == "DataConnector"):
        kind = raw_kind
    summary = dict(id=data.get("id"), name=data.get("name"), kind=kind, etag=data.get("etag"))
    if kind == CLOUDTRAIL_KIND:
        state = ((data.get("data_types") or {}).get("logs") or {}).get("state")
        summary.update(aws_role_arn=data.get("aws_role_arn"), logs_enabled=(state or "").lower() == "enabled")
    return summary


def same_id(left: Optional[str], right: Optional[str]) -> bool:
    return (left or "").lower() == (right or "").lower()


def matches_role(connector: Dict[str, Any], kind: str, role_arn: str) -> bool:
    return connector.get("kind") == kind and normalise_role_arn(connector.get("aws_role_arn")) == normalise_role_arn(
        role_arn
    )


def role_arn_account(arn: Optional[str]) -> Optional[str]:
    """The AWS account of a role ARN, or None when it is not one."""
    match = ROLE_ARN_ACCOUNT_PATTERN.match((arn or "").strip())
    return match.group("account") if match else None


def holder_conflict(holder: Dict[str, Any], kind: str, role_arn: str, option: str) -> str:
    """Why a connector ID other than the one of the connector already holding the role cannot be used."""
    return (
        "connector %s already connects role %s to this workspace; Sentinel refuses a second %s connector "
        "for the same role. Omit %s to manage that connector, or remove it first"
        % (holder.get("name"), role_arn, kind, option)
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
    connectors: List[Dict[str, Any]], kind: str, role_arn: Optional[str], connector_id: Optional[str]
) -> Tuple[Optional[Dict[str, Any]], str]:
    """The existing connector to converge, and the ID to PUT: (current or None, connector_id).

    Sentinel refuses a second connector of one kind for one role under another name, so the
    role ARN decides: a connector of the kind holding the ARN is adopted (even one made by hand
    under a random ID). A connector_id given by the user that differs from the holder's ID is an
    error rather than a doomed PUT. Without a holder the given or derived ID is used, and a
    connector already there under it is updated, unless it holds a role of another AWS account
    (repointing_refusal).
    """
    holder = next((c for c in connectors if role_arn and matches_role(c, kind, role_arn)), None)
    if holder and connector_id and not same_id(holder.get("name"), connector_id):
        raise InvalidInput(holder_conflict(holder, kind, role_arn or "", "connector_id"))
    if holder:
        return holder, holder["name"]
    target_id = connector_id or derive_connector_id(kind, role_arn or "")
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
    connectors: List[Dict[str, Any]], kind: str, role_arn: Optional[str], connector_id: Optional[str]
) -> Optional[Dict[str, Any]]:
    """The connector state=absent removes: by connector_id when given, else by kind + role ARN."""
    for connector in connectors:
        if connector_id:
            if same_id(connector.get("name"), connector_id) and (
                not role_arn or matches_role(connector, kind, role_arn)
            ):
                return connector
        elif role_arn and matches_role(connector, kind, role_arn):
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
    found = ", ".join("%s (role %s)" % (c.get("name"), c.get("aws_role_arn")) for c in others)
    return msg + (
        "The workspace already has these %s connectors, some perhaps left over from an older set-up and hidden "
        "in the portal: %s. Remove each one that is no longer wanted with sentinel.aws.data_connector "
        "state=absent connector_id=<its name> on this workspace, then run again" % (kind, found)
    )


# --- comparison and diff --------------------------------------------------------------------


def connector_differs(current: Optional[Dict[str, Any]], desired: Dict[str, Any]) -> bool:
    """True when a PUT is needed: missing, or role ARN or logs state differ (ARN case ignored)."""
    if not current:
        return True
    return (
        current.get("kind") != desired["kind"]
        or normalise_role_arn(current.get("aws_role_arn")) != normalise_role_arn(desired["aws_role_arn"])
        or bool(current.get("logs_enabled")) != bool(desired["logs_enabled"])
    )


def comparable(connector: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The part of a connector shown in --diff (no etag: it changes on every write)."""
    if not connector:
        return {}
    return {key: connector.get(key) for key in ("name", "kind", "aws_role_arn", "logs_enabled")}


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
