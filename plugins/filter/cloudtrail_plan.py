# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: cloudtrail_plan
short_description: What the sentinel.aws.cloudtrail role does for one AWS account, from the reads shared per workspace
version_added: 0.1.0
author:
  - sentinel.aws maintainers (@sentinel-aws)
description:
  - Takes one account's noted variables (the role's C(cloudtrail__account) fact) and the registered
    result of the read the role makes once per workspace (C(sentinel.aws.data_connector_info) with
    C(workspace_details), looped over the workspaces of the play batch, which reads the workspace and
    its connectors), and returns
    the plan for the account, why it must stop before any change, the role ARN, the workspace ID to
    use as external ID, the connector that already reads through the account's role, and the step
    M(sentinel.aws.cloudtrail_account) takes.
  - The connector is matched and compared by the functions the C(sentinel.aws.data_connector) module
    uses (role ARNs without regard to case or surrounding spaces), and the role ARN is built by the one
    C(sentinel.aws.connector_role) uses, so that the role and the modules cannot disagree.
  - The account stops before any change when its variables are wrong, when its workspace cannot be
    used, when a given external ID is not the workspace's ID (checked when the workspace was read),
    or when a given connector ID does not fit the role (when onboarding, another connector holds the
    role or the ID's connector reads another AWS account; when offboarding, the ID is not the role's
    connector).
  - Internal to the role. It is a public plugin only because a role inside a collection cannot carry
    plugins of its own (Ansible loads them from the collection's C(plugins/filter)), and Galaxy wants
    every plugin documented. Its input and output follow the role and may change with it.
  - It is a filter so that the decision is made in Python, once per task that reads it, instead of
    through a chain of role variables or Jinja, which Ansible templates anew in every task.
options:
  _input:
    description:
      - The account's noted variables, with the keys C(workspace) (C(key), and C(options), the workspace
        options given, as the modules take them), C(state), C(aws_account_id),
        C(role_path), C(role_name), C(external_id), C(connector_id), C(logs_enabled),
        C(ensure_sentinel) and C(input_errors).
    type: dict
    required: true
  workspace_reads:
    description:
      - The registered result of the C(sentinel.aws.data_connector_info) loop (with C(workspace_details)) over
        the workspaces (C(item.key) is the workspace key).
      - Each loop result holds C(workspace) when the workspace was read, C(connectors) when they were listed,
        and C(msg) (the workspace's error first) and C(sentinel_enabled) when a read failed.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Carry out the account's plan
  sentinel.aws.cloudtrail_account:
    plan: "{{ cloudtrail__account | sentinel.aws.cloudtrail_plan(cloudtrail__workspace_reads) }}"
"""

RETURN = r"""
_value:
  description: The plan for the account.
  type: dict
  contains:
    stop_reason:
      description: Why the account stops before any change; empty when it goes on.
      type: str
    step:
      description:
        - What the role does for the account (M(sentinel.aws.cloudtrail_account)) - C(stop), C(absent), C(present) (the
          role, then the connector written by the batch), or C(present_connector_converged) when the connector is
          already as wanted (the role only).
      type: str
    role_arn:
      description: The ARN of the account's IAM role, built from its account ID, path and name (no AWS call).
      type: str
    workspace:
      description: The workspace as the user named it (its name, else its resource ID).
      type: str
    workspace_id:
      description: The external ID given, else the workspace's C(customerId); null when neither is known.
      type: str
    connector:
      description: The CloudTrail connector that reads through the account's role, from the shared list; empty when none.
      type: dict
    connector_converged:
      description: The connector is exactly as wanted (kind, role ARN, logs state, and the connector ID when given).
      type: bool
    connector_to_remove:
      description: There is a connector of the role to remove (offboarding).
      type: bool
"""

from typing import Any, Dict, List, Optional

from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import (
    CLOUDTRAIL_KIND,
    connector_differs,
    desired_connector,
    find_connector,
    matches_role,
    same_id,
    select_for_removal,
)
from ansible_collections.sentinel.aws.plugins.module_utils.validation import (
    COMMERCIAL_PARTITION,
    InvalidInput,
    role_arn,
)

Reads = Dict[str, Any]


def workspace_label(account: Dict[str, Any]) -> str:
    options = account["workspace"]["options"]
    return options.get("workspace_name") or options.get("workspace_resource_id") or ""


def read_of(reads: Optional[Reads], account: Dict[str, Any]) -> Dict[str, Any]:
    """The loop result of the account's workspace ({} when it was not read: the account had input errors)."""
    key = account["workspace"]["key"]
    return next((r for r in (reads or {}).get("results", []) if (r.get("item") or {}).get("key") == key), {})


def workspace_reason(account: Dict[str, Any], read: Dict[str, Any]) -> str:
    """Why the account's workspace cannot be used ('' when it can): its reads failed, or Sentinel is off."""
    if not account["external_id"] and "workspace" not in read:
        # The module reports a failed workspace read first: it explains more than the list that failed after it.
        return read.get("msg") or "the workspace was not read"
    if "connectors" in read:
        return ""
    if read.get("sentinel_enabled") is False:
        # The connector list is refused when Sentinel is off. Offboarding has nothing to remove
        # there; onboarding goes on only if data_connector may enable Sentinel.
        if account["state"] == "absent" or account["ensure_sentinel"]:
            return ""
        return (
            "Microsoft Sentinel is not enabled on workspace %s: enable it, or set cloudtrail_ensure_sentinel to true"
            % workspace_label(account)
        )
    return read.get("msg") or "the data connectors were not listed"


def external_id_reason(account: Dict[str, Any], workspace: Dict[str, Any]) -> str:
    """A given external ID that is not the workspace's ID ('' when it is, or when the workspace was not read).

    Sentinel sends the workspace ID as sts:ExternalId, so a role trusting another ID can never be
    assumed for this workspace: stopping here keeps it from being written (issue 11 case 7).
    """
    given = account["external_id"].lower()
    actual = (workspace.get("customer_id") or "").lower()
    if not given or not actual or given == actual:
        return ""
    return (
        "cloudtrail_external_id %s is not the workspace ID of workspace %s (its customer_id is %s): Sentinel sends "
        "the workspace ID as sts:ExternalId, so a role trusting another ID could not be assumed for it. Nothing was "
        "changed. Leave cloudtrail_external_id empty to use the workspace's ID"
        % (given, workspace_label(account), actual)
    )


def offboarding_reason(account: Dict[str, Any], arn: str, connectors: List[Dict[str, Any]]) -> str:
    """A given connector ID that is not the connector of the role ('' when it is, or none was given).

    Removing the role would leave that connector reading a role that no longer exists (issue 11 case 4).
    """
    wanted = account["connector_id"].lower()
    if not wanted:
        return ""
    holder = next((c for c in connectors if matches_role(c, CLOUDTRAIL_KIND, arn)), None)
    if holder and not same_id(holder.get("name"), wanted):
        return (
            "cloudtrail_connector_id %s is not the connector of role %s: connector %s holds it, and removing the "
            "role would leave that connector reading a role that no longer exists. Nothing was removed. Give "
            "cloudtrail_connector_id %s, or leave it empty" % (wanted, arn, holder.get("name"), holder.get("name"))
        )
    by_id = next((c for c in connectors if same_id(c.get("name"), wanted)), None)
    if not holder and by_id and by_id.get("kind") != CLOUDTRAIL_KIND:
        # An S3 connector (or any other kind) is never the role's CloudTrail connector, even with the same role.
        return (
            "cloudtrail_connector_id %s is a connector of kind %s, not the %s connector of role %s. Nothing was "
            "removed. Leave cloudtrail_connector_id empty" % (wanted, by_id.get("kind"), CLOUDTRAIL_KIND, arn)
        )
    if not holder and by_id:
        return (
            "cloudtrail_connector_id %s holds role %s, not %s (built from cloudtrail_aws_account_id, "
            "cloudtrail_role_path and cloudtrail_role_name). Nothing was removed. Check those variables, or leave "
            "cloudtrail_connector_id empty" % (wanted, by_id.get("aws_role_arn"), arn)
        )
    return ""


def onboarding_connector(account: Dict[str, Any], arn: str, connectors: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The connector data_connector would converge ({} when none), or InvalidInput with the module's refusal.

    The module's messages name its option connector_id; the user of the role gave cloudtrail_connector_id.
    """
    try:
        current = find_connector(connectors, CLOUDTRAIL_KIND, arn, account["connector_id"] or None)[0]
    except InvalidInput as exc:
        raise InvalidInput(str(exc).replace("connector_id", "cloudtrail_connector_id")) from None
    return current or {}


def cloudtrail_plan(account: Dict[str, Any], workspace_reads: Optional[Reads]) -> Dict[str, Any]:
    """The plan for one account (see RETURN)."""
    arn = role_arn(COMMERCIAL_PARTITION, account["aws_account_id"], account["role_path"], account["role_name"])
    read = read_of(workspace_reads, account)
    workspace = read.get("workspace") or {}
    connectors = read.get("connectors") or []
    plan = {
        "stop_reason": "",
        "role_arn": arn,
        "workspace": workspace_label(account),
        "workspace_id": account["external_id"] or workspace.get("customer_id"),
        "connector": {},
        "connector_converged": False,
        "connector_to_remove": False,
    }
    reason = (
        "; ".join(account["input_errors"]) or workspace_reason(account, read) or external_id_reason(account, workspace)
    )
    if not reason and account["state"] == "absent":
        reason = offboarding_reason(account, arn, connectors)
        removed = select_for_removal(connectors, CLOUDTRAIL_KIND, arn, account["connector_id"] or None)
        plan.update(connector=removed or {}, connector_to_remove=bool(removed))
    elif not reason:
        try:
            current = onboarding_connector(account, arn, connectors)
        except InvalidInput as exc:
            reason = str(exc)
        else:
            wanted = desired_connector(CLOUDTRAIL_KIND, arn, account["logs_enabled"])
            converged = bool(current) and not connector_differs(current, wanted)
            plan.update(connector=current, connector_converged=converged)
    if reason:
        step = "stop"
    elif account["state"] == "absent":
        step = "absent"
    else:
        step = "present_connector_converged" if plan["connector_converged"] else "present"
    plan.update(stop_reason=reason, step=step)
    return plan


class FilterModule(object):
    def filters(self):
        return {"cloudtrail_plan": cloudtrail_plan}
