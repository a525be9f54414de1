# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Sentinel modules do, on plain data: module options in, result dict out.

One run goes module -> runner -> sentinel_api.SentinelApi -> SDK. The runner decides (with the
pure rules of sentinel.py) and calls the API; every failure leaves as a SentinelError, which the
module's main() reports. ``ensure_present`` / ``ensure_absent`` take a SentinelApi, or any
object with its methods, which is how the unit tests drive them.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import (
    CLOUDTRAIL_KIND,
    NOT_ONBOARDED,
    PROVIDER_NOT_REGISTERED,
    S3_KIND,
    RetryBudgetSpent,
    check_connector_role_arn,
    check_destination_table,
    check_kind,
    check_kind_options,
    check_sqs_urls,
    connector_diff,
    connector_differs,
    desired_connector,
    duplicate_refusal_message,
    filter_connectors,
    find_connector,
    is_duplicate_refusal,
    is_retryable_put_refusal,
    planned_connector,
    retry_within,
    same_id,
    select_for_removal,
    workspace_reference,
)
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel_api import (
    SentinelApi,
    SentinelError,
    not_enabled_message,
    open_sentinel,
    reports_bad_input,
)
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import SENTINEL_AWS_ACCOUNT_ID, root_principal
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput, check_guid, parse_role_arn

# --- workspace_info ---------------------------------------------------------------------------


@reports_bad_input
def workspace_details(params: Dict[str, Any]) -> Dict[str, Any]:
    """workspace_info: the workspace, and whether Sentinel is enabled on it when sentinel_state is set."""
    api = open_sentinel(params, workspace_reference(params))
    details = api.get_workspace()
    if params["sentinel_state"]:
        details["sentinel_enabled"] = api.sentinel_enabled()
    return details


# --- data_connector_info ----------------------------------------------------------------------


@reports_bad_input
def aws_connectors(params: Dict[str, Any]) -> Dict[str, Any]:
    """data_connector_info: {connectors}, the workspace's AWS connectors, optionally of one ID or one role ARN.

    With workspace_details, also {workspace} (workspace_info's keys but sentinel_enabled), read in
    the same sign-in: one token for both reads, where two module runs fetch two. Both reads are
    made even when the first fails, and the SentinelError of a failure carries what was read (the
    workspace's error first): a caller that has the workspace ID from elsewhere can still use the
    list, and one that offboards can still use the workspace ID when Sentinel is off.
    """
    reference = workspace_reference(params)
    connector_id = check_guid("connector_id", params["connector_id"]) if params["connector_id"] else None
    if params["aws_role_arn"]:
        parse_role_arn("aws_role_arn", params["aws_role_arn"])
    api = open_sentinel(params, reference)
    if not params["workspace_details"]:
        return dict(connectors=filter_connectors(list_connectors(api), connector_id, params["aws_role_arn"]))
    read: Dict[str, Any] = {}
    errors: List[SentinelError] = []
    try:
        read["workspace"] = api.get_workspace()
    except SentinelError as error:
        errors.append(error)
    try:
        read["connectors"] = filter_connectors(list_connectors(api), connector_id, params["aws_role_arn"])
    except SentinelError as error:
        errors.append(error)
    if errors:
        details = {key: value for error in reversed(errors) for key, value in error.details.items()}
        raise SentinelError(errors[0].msg, errors[0].service, **details, **read)
    return read


def list_connectors(api: SentinelApi) -> List[Dict[str, Any]]:
    """The workspace's connectors; when they cannot be listed, whether the workspace is missing or Sentinel is off."""
    try:
        return api.list_connectors()
    except SentinelError as error:
        raise unreadable_connectors(api, error) from error


def unreadable_connectors(api: SentinelApi, error: SentinelError) -> SentinelError:
    """The error to report when listing connectors failed with error."""
    service = error.service
    reason = service.get("message") or ""
    # Sentinel's own "not onboarded" answer says it all; other refusals are checked by reading the
    # workspace (its own error when it is missing) and its onboarding state.
    enabled = not NOT_ONBOARDED.search(reason)
    if enabled and service.get("status_code") in (400, 404, 409) and not PROVIDER_NOT_REGISTERED.search(reason):
        api.get_workspace()
        enabled = api.sentinel_enabled()
    if enabled:
        return error
    return SentinelError(
        not_enabled_message(api.name, api.resource_group),
        sentinel_enabled=False,
        status_code=service.get("status_code"),
        error_code=service.get("error_code"),
    )


# --- data_connector ---------------------------------------------------------------------------


def connector_spec(params: Dict[str, Any]) -> Dict[str, Any]:
    """data_connector's options, every one checked before any call to Azure."""
    reference = workspace_reference(params)
    kind = check_kind(params["kind"])
    check_kind_options(kind, params)
    role_arn = check_connector_role_arn(kind, params["aws_role_arn"]) if params["aws_role_arn"] else None
    connector_id = check_guid("connector_id", params["connector_id"]) if params["connector_id"] else None
    if params["wait_timeout"] < 0:
        raise InvalidInput("wait_timeout must be 0 or more seconds, got %d" % params["wait_timeout"])
    spec = dict(
        workspace=reference,
        kind=kind,
        role_arn=role_arn,
        connector_id=connector_id,
        logs_enabled=params["logs_enabled"],
        ensure_sentinel=params["ensure_sentinel"],
        wait_timeout=params["wait_timeout"],
        state=params["state"],
        sqs_urls=None,
        destination_table=None,
    )
    if kind == S3_KIND:
        spec.update(s3_spec(params, role_arn))
    return spec


def s3_spec(params: Dict[str, Any], role_arn: Optional[str]) -> Dict[str, Any]:
    """The S3 kind's options: queues and table to create or converge; to remove, the ID or the role and table.

    One role may hold an S3 connector per destination table, so a role ARN alone does not name one.
    """
    table = params.get("destination_table")
    if table is not None or params["state"] == "present" or role_arn:
        if table is None:
            raise InvalidInput(
                "destination_table is required for kind %s%s"
                % (S3_KIND, " with aws_role_arn" if params["state"] == "absent" else "")
            )
        table = check_destination_table(table)
    urls = params.get("sqs_urls")
    if params["state"] == "present" or urls:
        urls = check_sqs_urls(urls)
    return dict(sqs_urls=urls, destination_table=table)


@reports_bad_input
def data_connector(params: Dict[str, Any], check_mode: bool, with_diff: bool) -> Dict[str, Any]:
    """data_connector: {changed, connector}, and diff when with_diff (--diff); with connectors, {changed, connectors}."""
    if params["connectors"] is not None:
        return data_connectors(params, check_mode, with_diff)
    spec = connector_spec(params)
    api = open_sentinel(params, spec["workspace"])
    ensure = ensure_present if spec["state"] == "present" else ensure_absent
    result = ensure(api, spec, check_mode)
    if not with_diff:
        del result["diff"]
    return result


def connector_specs(params: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The connectors option: one spec per element (its role, ID and logs state), all checked before any call."""
    if params["kind"] != CLOUDTRAIL_KIND or params["state"] != "present":
        raise InvalidInput("connectors is for kind %s with state present only" % CLOUDTRAIL_KIND)
    if not params["connectors"]:
        raise InvalidInput("connectors must list at least one connector")
    specs: List[Dict[str, Any]] = []
    for index, element in enumerate(params["connectors"]):
        logs_enabled = params["logs_enabled"] if element["logs_enabled"] is None else element["logs_enabled"]
        given = dict(params, aws_role_arn=element["aws_role_arn"], connector_id=element["connector_id"])
        try:
            spec = connector_spec(dict(given, logs_enabled=logs_enabled))
        except InvalidInput as exc:
            raise InvalidInput("connectors[%d]: %s" % (index, exc)) from None
        if any(same_id(spec["role_arn"], other["role_arn"]) for other in specs):
            raise InvalidInput("connectors[%d]: aws_role_arn %s is listed twice" % (index, element["aws_role_arn"]))
        specs.append(spec)
    return specs


def data_connectors(params: Dict[str, Any], check_mode: bool, with_diff: bool) -> Dict[str, Any]:
    """data_connector with connectors: several CloudTrail connectors of one workspace in one sign-in.

    The connector list is read once for all. A connector that fails (refused PUT, role never
    assumable, conflicting ID) is its element's failure and does not stop the others; the run then
    fails naming each, and still returns every element's result.
    """
    specs = connector_specs(params)
    api = open_sentinel(params, specs[0]["workspace"])
    results = ensure_present_each(api, specs, check_mode)
    # --diff: before and after of each connector that changes, keyed by its role ARN.
    diffs = {r["aws_role_arn"]: r.pop("diff", None) for r in results}
    summary = dict(changed=any(r["changed"] for r in results), connectors=results)
    if with_diff:
        changed = [r["aws_role_arn"] for r in results if r["changed"]]
        summary["diff"] = {side: {arn: diffs[arn][side] for arn in changed} for side in ("before", "after")}
    failed = [r for r in results if r["failed"]]
    if failed:
        raise SentinelError(
            "%d of %d connectors failed: %s"
            % (len(failed), len(results), "; ".join("%s: %s" % (r["aws_role_arn"], r["msg"]) for r in failed)),
            **summary,
        )
    return summary


def ensure_present_each(
    api: SentinelApi, specs: List[Dict[str, Any]], check_mode: bool, sleep: Callable[[float], None] = time.sleep
) -> List[Dict[str, Any]]:
    """Create or converge each spec's connector, from one read of the list: per spec {aws_role_arn, changed,
    connector, diff, failed, msg}. A failure of one spec (SentinelError, InvalidInput) is its result's."""
    connectors, enabled_sentinel = read_connectors(api, specs[0]["ensure_sentinel"], check_mode)
    results = []
    for spec in specs:
        result = dict(aws_role_arn=spec["role_arn"], changed=False, connector={}, failed=False, msg="")
        try:
            result.update(converge_connector(api, spec, connectors, enabled_sentinel, check_mode, sleep))
        except (SentinelError, InvalidInput) as exc:
            result.update(failed=True, msg=getattr(exc, "msg", str(exc)))
        else:
            written = result["connector"]
            # The next specs see this one (an ID given twice is then refused as Sentinel would).
            connectors = [c for c in connectors if not same_id(c.get("name"), written.get("name"))] + [written]
        results.append(result)
    return results


def ensure_present(
    api: SentinelApi,
    spec: Dict[str, Any],
    check_mode: bool,
    sleep: Callable[[float], None] = time.sleep,
    connectors: Optional[List[Dict[str, Any]]] = None,
) -> Dict[str, Any]:
    """Create or converge the connector of spec's role: {changed, connector, diff}.

    sleep is how the PUT waits between attempts while Sentinel cannot assume the role yet.
    connectors, when given, is the workspace's connector list already read (cloudtrail_organization
    reads it once for every account); otherwise it is read here.
    """
    connectors, enabled_sentinel = given_or_read_connectors(api, spec, check_mode, connectors)
    return converge_connector(api, spec, connectors, enabled_sentinel, check_mode, sleep)


def converge_connector(
    api: SentinelApi,
    spec: Dict[str, Any],
    connectors: List[Dict[str, Any]],
    enabled_sentinel: bool,
    check_mode: bool,
    sleep: Callable[[float], None],
) -> Dict[str, Any]:
    """ensure_present on a connector list already read: {changed, connector, diff}."""
    current, target_id = find_connector(
        connectors, spec["kind"], spec["role_arn"], spec["connector_id"], spec["destination_table"]
    )
    desired = desired_connector(
        spec["kind"], spec["role_arn"], spec["logs_enabled"], spec["sqs_urls"], spec["destination_table"]
    )
    if not connector_differs(current, desired):
        return outcome(enabled_sentinel, current, current, current)
    after = planned_connector(current, desired, target_id, api.workspace_id)
    if not check_mode:
        after = put_connector(api, spec, desired, target_id, (current or {}).get("etag"), sleep)
    return outcome(True, current, after, after)


def ensure_absent(
    api: SentinelApi, spec: Dict[str, Any], check_mode: bool, connectors: Optional[List[Dict[str, Any]]] = None
) -> Dict[str, Any]:
    """Remove the connector spec selects (by connector_id, else by role): {changed, connector, diff}.

    connectors: as for ensure_present.
    """
    connectors, enabled_sentinel = given_or_read_connectors(api, spec, check_mode, connectors)
    current = select_for_removal(
        connectors, spec["kind"], spec["role_arn"], spec["connector_id"], spec["destination_table"]
    )
    if current and not check_mode:
        api.delete_connector(current)
    return outcome(bool(current) or enabled_sentinel, current, None, current)


def outcome(
    changed: bool,
    before: Optional[Dict[str, Any]],
    after: Optional[Dict[str, Any]],
    connector: Optional[Dict[str, Any]],
) -> Dict[str, Any]:
    return dict(changed=changed, connector=connector or {}, diff=connector_diff(before, after))


def given_or_read_connectors(
    api: SentinelApi, spec: Dict[str, Any], check_mode: bool, connectors: Optional[List[Dict[str, Any]]]
) -> Tuple[List[Dict[str, Any]], bool]:
    """The connector list a caller read already (Sentinel then was enabled), else read_connectors'."""
    if connectors is not None:
        return connectors, False
    return read_connectors(api, spec["ensure_sentinel"], check_mode)


def read_connectors(api: SentinelApi, ensure_sentinel: bool, check_mode: bool) -> Tuple[List[Dict[str, Any]], bool]:
    """The workspace's connectors, and whether Sentinel was (or, in check mode, would be) enabled first."""
    if not ensure_sentinel or api.sentinel_enabled():
        return list_connectors(api), False
    if check_mode:
        return [], True  # a workspace without Sentinel has no connectors yet
    api.enable_sentinel()
    return list_connectors(api), True


def put_connector(
    api: SentinelApi,
    spec: Dict[str, Any],
    desired: Dict[str, Any],
    connector_id: str,
    etag: Optional[str],
    sleep: Callable[[float], None],
) -> Dict[str, Any]:
    """PUT desired, retrying a 400 that may be "cannot assume the role (yet)" within wait_timeout."""

    def role_not_ready(exc: BaseException) -> bool:
        service = getattr(exc, "service", {})
        return is_retryable_put_refusal(service.get("status_code"), service.get("message"))

    try:
        return retry_within(
            lambda: api.put_connector(connector_id, desired, etag),
            role_not_ready,
            timeout=spec["wait_timeout"],
            sleep=sleep,
        )
    except RetryBudgetSpent as spent:
        raise role_never_assumable(spent, spec) from spent.last_error
    except SentinelError as error:
        raise explained_duplicate(api, error, spec["kind"], connector_id) from error


def role_never_assumable(spent: RetryBudgetSpent, spec: Dict[str, Any]) -> SentinelError:
    service = getattr(spent.last_error, "service", {})
    role_arn = spec["role_arn"]
    if spec["kind"] == S3_KIND:
        # The S3 connector signs in by web identity (research-s3.md section 3), not sts:AssumeRole.
        trust = (
            "trusts Microsoft's OIDC provider (sts:AssumeRoleWithWebIdentity with the audience and session name "
            "conditions: sentinel.aws.s3_connector_role)"
        )
    else:
        trust = (
            "lets %s call sts:AssumeRole with the condition sts:ExternalId equal to the workspace ID (the "
            "customer_id of sentinel.aws.workspace_info) and does not require MFA"
            % root_principal(SENTINEL_AWS_ACCOUNT_ID)
        )
    return SentinelError(
        "Sentinel still refused the connector for role %s after %d attempts in %.0f seconds (wait_timeout=%d): "
        "%s. If Sentinel could not assume role %s: check that the role exists, that its trust policy %s; raise "
        "wait_timeout if the role was created moments ago"
        % (role_arn, spent.attempts, spent.waited, spec["wait_timeout"], service.get("message"), role_arn, trust),
        status_code=service.get("status_code"),
        error_code=service.get("error_code"),
    )


def explained_duplicate(api: SentinelApi, error: SentinelError, kind: str, connector_id: str) -> SentinelError:
    """Sentinel refused the PUT as a duplicate: the error naming the workspace's other connectors of the kind.

    error itself when it is another refusal, or when the connectors cannot be listed.
    """
    service = error.service
    if not is_duplicate_refusal(service.get("status_code"), service.get("message")):
        return error
    try:
        connectors = api.list_connectors()
    except SentinelError:
        return error
    return SentinelError(
        duplicate_refusal_message(connectors, kind, connector_id, api.name, service["message"]),
        status_code=service.get("status_code"),
        error_code=service.get("error_code"),
    )
