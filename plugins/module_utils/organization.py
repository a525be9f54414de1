# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The organisation path (cloudtrail_organization), its pure half: inputs, results, pacing, threads.

One module run converges the CloudTrail connector of many AWS accounts from one hub credential
(organization_runner.py does the calls). Everything here works on plain data, an injected clock
and plain callables, so unit tests reach it without AWS or Azure.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional

from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import CLOUDTRAIL_KIND
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import normalise_role_arn
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import role_arn_account
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput
from ansible_collections.sentinel.aws.plugins.module_utils.validation import assume_role_request
from ansible_collections.sentinel.aws.plugins.module_utils.validation import check_account_id
from ansible_collections.sentinel.aws.plugins.module_utils.validation import check_description
from ansible_collections.sentinel.aws.plugins.module_utils.validation import check_guid
from ansible_collections.sentinel.aws.plugins.module_utils.validation import check_iam_path
from ansible_collections.sentinel.aws.plugins.module_utils.validation import check_role_name
from ansible_collections.sentinel.aws.plugins.module_utils.validation import check_tags

ACCOUNT_PLACEHOLDER = "{account_id}"
MAX_CONCURRENCY = 64
# ARM's token bucket for writes, per subscription, principal and region: 200 writes, refilled at
# 10 a second (learn.microsoft.com, azure-resource-manager/management/request-limits-and-throttling).
ARM_WRITE_BUCKET = 200
ARM_WRITE_REFILL_PER_SECOND = 10.0
OUTCOMES = ("created", "updated", "unchanged", "removed", "absent", "failed")
SUMMARY_KEYS = ("total", "changed", "failed") + tuple(o for o in OUTCOMES if o != "failed")


# --- inputs ------------------------------------------------------------------------------------


def check_accounts(values: List[Any]) -> List[str]:
    """The account IDs, in the order given, each once; InvalidInput naming ``accounts`` and the bad value."""
    accounts: List[str] = []
    for value in values:
        account = check_account_id("accounts", value)
        if account not in accounts:
            accounts.append(account)
    return accounts


def check_concurrency(value: int) -> int:
    if not 1 <= value <= MAX_CONCURRENCY:
        raise InvalidInput("concurrency must be 1 to %d accounts at once, got %d" % (MAX_CONCURRENCY, value))
    return value


def check_writes_per_second(value: float) -> float:
    # More than the bucket a second cannot be sustained by ARM at all.
    if not 0 < value <= ARM_WRITE_BUCKET:
        raise InvalidInput(
            "azure_writes_per_second must be more than 0 and at most %d (ARM's write bucket), got %s"
            % (ARM_WRITE_BUCKET, value)
        )
    return float(value)


def assume_role_requests(params: Dict[str, Any], accounts: List[str], partition: str) -> Dict[str, Dict[str, str]]:
    """The sts:AssumeRole request of each account, all checked before any call; InvalidInput naming the option.

    ``assume_role_arn`` is a template: ``{account_id}`` stands for each account's ID.
    """
    template = params.get("assume_role_arn")
    if template and ACCOUNT_PLACEHOLDER not in template:
        raise InvalidInput(
            "assume_role_arn must contain %s where each account's ID goes (for example "
            "arn:aws:iam::%s:role/OrganizationAccountAccessRole), got %r"
            % (ACCOUNT_PLACEHOLDER, ACCOUNT_PLACEHOLDER, template)
        )
    if not template and not params.get("assume_role_name"):
        raise InvalidInput("one of assume_role_name or assume_role_arn is required: the role to assume in each account")
    requests = {}
    for account in accounts:
        options = dict(params, account_id=account)
        if template:
            options["assume_role_arn"] = template.replace(ACCOUNT_PLACEHOLDER, account)
        requests[account] = assume_role_request(options, partition)
    return requests


def check_external_id(given: Optional[str], customer_id: str) -> str:
    """The workspace ID the roles trust: the workspace's customerId; a given external_id must be it."""
    workspace_id = customer_id.lower()
    if given is not None and check_guid("external_id", given) != workspace_id:
        raise InvalidInput(
            "external_id %s is not the ID (customerId) of the workspace, %s: Sentinel assumes the roles with the "
            "workspace's ID as sts:ExternalId; leave external_id out or give that ID" % (given, workspace_id)
        )
    return workspace_id


def check_role_options(params: Dict[str, Any]) -> None:
    """The role options checked under this module's names (iam_role.role_spec names connector_role's)."""
    check_role_name("role_name", params["role_name"])
    check_iam_path("role_path", params["role_path"])
    if params["role_tags"] is not None:
        check_tags("role_tags", params["role_tags"])
    if params["role_description"] is not None:
        check_description("role_description", params["role_description"])


def role_params(params: Dict[str, Any], external_id: str) -> Dict[str, Any]:
    """connector_role's parameters (iam_role.role_spec's input) from the module's role options."""
    return dict(
        name=params["role_name"],
        state=params["state"],
        external_id=external_id,
        microsoft_account_id=params["microsoft_account_id"],
        managed_policies=params["managed_policies"],
        purge_policies=True,
        path=params["role_path"],
        description=params["role_description"],
        permissions_boundary=None,
        max_session_duration=None,
        account_id=None,
        tags=params["role_tags"],
        purge_tags=params["purge_tags"],
        purge_external_ids=False,
        take_over=params["take_over"],
    )


def azure_time_budget(wait_timeout: int, read_timeout: int, accounts: int, concurrency: int, rate: float) -> float:
    """Seconds the run may spend on Azure, retry waits included (azure_auth's one deadline per run).

    Each round of ``concurrency`` accounts may wait up to ``wait_timeout`` for Sentinel to assume a
    new role, and the paced writes take ``accounts / rate`` seconds.
    """
    rounds = max(1, math.ceil(accounts / concurrency))
    return float(max(wait_timeout, read_timeout) * rounds + accounts / rate)


# --- the role, from iam:GetAccountAuthorizationDetails ----------------------------------------


def role_details(roles: List[Dict[str, Any]], name: str) -> Optional[Dict[str, Any]]:
    """The RoleDetail of role ``name`` in an account's GetAccountAuthorizationDetails answer, or None.

    IAM role names are unique regardless of case (IAM user guide, "IAM identifiers").
    """
    wanted = name.lower()
    return next((role for role in roles if str(role.get("RoleName", "")).lower() == wanted), None)


def role_from_details(details: Dict[str, Any]) -> Dict[str, Any]:
    """What GetRole answers, as far as a RoleDetail has it: not Description nor MaxSessionDuration."""
    keys = (
        "Path",
        "RoleName",
        "RoleId",
        "Arn",
        "CreateDate",
        "AssumeRolePolicyDocument",
        "PermissionsBoundary",
        "Tags",
    )
    return {key: details[key] for key in keys if key in details}


def role_lists(details: Dict[str, Any]) -> Dict[str, List[str]]:
    """The attached policy ARNs, inline policy names and instance profile names of a RoleDetail."""
    return {
        "attached": [p["PolicyArn"] for p in details.get("AttachedManagedPolicies") or []],
        "inline": [p["PolicyName"] for p in details.get("RolePolicyList") or []],
        "profiles": [p["InstanceProfileName"] for p in details.get("InstanceProfileList") or []],
    }


# --- the connector ---------------------------------------------------------------------------


def connector_spec(role_arn: str, params: Dict[str, Any]) -> Dict[str, Any]:
    """data_connector's spec (sentinel_runner) for the CloudTrail connector of ``role_arn``."""
    return dict(
        kind=CLOUDTRAIL_KIND,
        role_arn=role_arn,
        connector_id=None,
        logs_enabled=params["logs_enabled"],
        ensure_sentinel=False,
        wait_timeout=params["wait_timeout"],
        state=params["state"],
        sqs_urls=None,
        destination_table=None,
    )


def other_role_connector(connectors: List[Dict[str, Any]], role_arn: str) -> Optional[str]:
    """Why the account must not get a connector for ``role_arn``: another role of its account has one (None: it may).

    One account read twice would double its events; moving the connector to the new role
    (repointing) would stop the old one silently. Either is the user's call, not a bulk run's.
    """
    account = role_arn_account(role_arn)
    for connector in connectors:
        held = connector.get("aws_role_arn")
        if (
            connector.get("kind") == CLOUDTRAIL_KIND
            and role_arn_account(held) == account
            and normalise_role_arn(held) != normalise_role_arn(role_arn)
        ):
            return (
                "connector %s already reads AWS account %s through role %s; nothing was changed. Set role_name to "
                "that role, or remove connector %s first (sentinel.aws.data_connector state=absent)"
                % (connector.get("name"), account, held, connector.get("name"))
            )
    return None


# --- per-account results ---------------------------------------------------------------------


def account_result(
    account_id: str,
    outcome: str,
    changed: bool = False,
    role_arn: str = "",
    role_ownership: str = "",
    connector_id: str = "",
    reason: str = "",
) -> Dict[str, Any]:
    return dict(
        account_id=account_id,
        outcome=outcome,
        changed=changed,
        role_arn=role_arn,
        role_ownership=role_ownership,
        connector_id=connector_id,
        reason=reason,
    )


def present_outcome(role_ownership: str, connector_before: Dict[str, Any], changed: bool) -> str:
    """``created`` when the account gets its role or its connector now, else ``updated`` or ``unchanged``."""
    if role_ownership == "created" or (changed and not connector_before):
        return "created"
    return "updated" if changed else "unchanged"


def absent_outcome(changed: bool) -> str:
    return "removed" if changed else "absent"


def summary(results: List[Dict[str, Any]]) -> Dict[str, int]:
    counts = dict.fromkeys(SUMMARY_KEYS, 0)
    counts["total"] = len(results)
    for result in results:
        counts[result["outcome"]] += 1
        counts["changed"] += bool(result["changed"])
    return counts


def failure_message(results: List[Dict[str, Any]]) -> Optional[str]:
    """``N of M accounts failed: <id>: <reason>; ...``, or None when none failed."""
    failed = [r for r in results if r["outcome"] == "failed"]
    if not failed:
        return None
    return "%d of %d accounts failed: %s" % (
        len(failed),
        len(results),
        "; ".join("%s: %s" % (r["account_id"], r["reason"]) for r in failed),
    )


def run_diff(diffs: Dict[str, Dict[str, Any]], results: List[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """--diff: ``before`` and ``after`` keyed by account ID, for the accounts that change only."""
    changed = [r["account_id"] for r in results if r["changed"] and r["account_id"] in diffs]
    return {
        "before": {account: diffs[account]["before"] for account in changed},
        "after": {account: diffs[account]["after"] for account in changed},
    }


# --- pacing and threads ------------------------------------------------------------------------


class WritePacer:
    """A token bucket shared by every thread of the run: ``rate`` writes a second, ``burst`` at once.

    wait() takes a token, sleeping until there is one. A caller that finds the bucket empty
    reserves the next token before it sleeps (the count goes below zero), so waiting threads are
    served in turn and the pace holds however many wait.

    The pace adapts to ARM's answers. ARM's write limit is a token bucket per subscription,
    principal and region, shared with whatever else that principal writes (learn.microsoft.com,
    "Understand how Azure Resource Manager throttles requests"), so the pace given may be too fast.
    A 429 stops every write until its Retry-After has passed and halves the pace, down to
    ``floor``; the write answered 429 then waits its turn like the others (retry_throttled(), which
    azure_auth's retry policy calls instead of sleeping on its own). Each write that succeeds
    (succeeded()) raises the pace by a tenth, up to the pace given. Without that, each thread
    would retry on its own while the others kept writing at the old pace, and a long run would
    spend some accounts' retries (benchmarks/README.md, issue 17: 15 of 500 accounts).
    """

    def __init__(
        self,
        rate: float,
        burst: Optional[float] = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        floor: float = 0.5,
    ):
        self._ceiling = rate
        self._floor = min(rate, floor)
        self._rate = rate
        self._capacity = max(1.0, burst if burst is not None else rate)
        self._tokens = self._capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._resume_at = self._updated
        self._lock = threading.Lock()

    @property
    def rate(self) -> float:
        """The pace now, writes a second."""
        return self._rate

    def _refill(self, now: float) -> None:
        # No token comes while the writes are stopped: the bucket fills again from the resumption.
        start = max(self._updated, self._resume_at)
        if now > start:
            self._tokens = min(self._capacity, self._tokens + (now - start) * self._rate)
        self._updated = now

    def wait(self) -> float:
        """Take a token; the seconds slept for it."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens -= 1
            delay = max(0.0, self._resume_at - now)
            if self._tokens < 0:
                delay += -self._tokens / self._rate
        if delay > 0:
            self._sleep(delay)
        return delay

    def throttled(self, retry_after: float) -> None:
        """ARM answered 429: no new write for ``retry_after`` seconds, and half the pace."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._resume_at = max(self._resume_at, now + retry_after)
            self._rate = max(self._floor, self._rate / 2)
            self._tokens = min(self._tokens, 0.0)

    def retry_throttled(self, retry_after: float) -> float:
        """How a write answered 429 waits for its retry: throttled(), then its turn; the seconds slept."""
        self.throttled(retry_after)
        return self.wait()

    def succeeded(self) -> None:
        """A write went through: a step back towards the pace given."""
        with self._lock:
            self._refill(self._clock())
            self._rate = min(self._ceiling, self._rate * 1.1)


def run_each(items: List[Any], work: Callable[[Any], Dict[str, Any]], concurrency: int) -> List[Dict[str, Any]]:
    """``work(item)`` for every item, ``concurrency`` at once in threads; the results in the items' order.

    ``work`` must not raise: each item's failure is its own result (isolated()).
    """
    if concurrency <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items)), thread_name_prefix="account") as pool:
        return list(pool.map(work, items))


def isolated(
    work: Callable[[Any], Dict[str, Any]], failed: Callable[[Any, BaseException], Dict[str, Any]]
) -> Callable[[Any], Dict[str, Any]]:
    """``work`` whose every exception becomes ``failed(item, error)``: one account never stops the others."""

    def run(item: Any) -> Dict[str, Any]:
        try:
            return work(item)
        except Exception as error:  # noqa: BLE001 - any failure is the account's, reported as its reason
            return failed(item, error)

    return run
