# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: cloudtrail_plan
short_description: What the sentinel.aws.cloudtrail role does for one AWS account, from the reads shared per workspace
version_added: 0.1.0
author:
  - sentinel.aws maintainers (@sentinel-aws)
description:
  - Takes one account's noted variables (the role's C(cloudtrail__share) fact) and the reads the role
    made once per workspace (its C(cloudtrail__shared) index), and returns the plan for the account,
    why it must stop before any change, the workspace ID to use as external ID, the connector that
    already reads through the account's role, and the tasks file the role includes.
  - The account stops before any change when its variables are wrong, when its workspace cannot be
    used, when a given external ID is not the workspace's ID (checked when the workspace was read),
    or when a given connector ID does not fit the role (when onboarding, another connector holds the
    role or the ID's connector reads another AWS account; when offboarding, the ID is not the role's
    connector).
  - Internal to the role; it is a filter so that the decision is made in Python once per task
    instead of through a chain of role variables, which Ansible templates anew in every task.
options:
  _input:
    description:
      - The account's noted variables, with the keys C(workspace) (C(key), C(workspace_name),
        C(workspace_resource_id)), C(needs_workspace_id), C(state), C(role_arn), C(external_id),
        C(connector_id), C(logs_enabled) and C(ensure_sentinel).
    type: dict
    required: true
  shared:
    description:
      - The shared reads, indexed by workspace key, with the keys C(workspaces) (key to workspace),
        C(listed) (keys whose connectors were listed), C(not_onboarded) (keys where Sentinel is off),
        C(connectors) (key, C(|) and lower-cased role ARN, to connector), C(connector_ids) (key, C(|) and
        lower-cased connector ID, to connector) and C(errors) (key to message).
    type: dict
    required: true
  input_errors:
    description: What is wrong with the account's variables (the C(sentinel.aws.cloudtrail_input_errors) filter).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Include the tasks the account needs
  ansible.builtin.include_tasks: "{{ (cloudtrail__share | sentinel.aws.cloudtrail_plan(cloudtrail__shared)).tasks_file }}"
"""

RETURN = r"""
_value:
  description: The plan for the account.
  type: dict
  contains:
    stop_reason:
      description: Why the account stops before any change; empty when it goes on.
      type: str
    tasks_file:
      description: C(stop.yml), C(absent.yml), C(present.yml), or C(present_connector_converged.yml) when the connector is already as wanted.
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

from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import (
    CLOUDTRAIL_KIND,
    holder_conflict,
    repointing_refusal,
)


def workspace_label(share):
    workspace = share["workspace"]
    return workspace.get("workspace_name") or workspace.get("workspace_resource_id")


def workspace_reason(share, shared):
    """Why the account's workspace cannot be used ('' when it can): its reads failed, or Sentinel is off."""
    key = share["workspace"]["key"]
    errors = shared.get("errors", {})
    if share["needs_workspace_id"] and not shared.get("workspaces", {}).get(key):
        # A failed workspace read explains more than the connector list that failed after it.
        return errors.get(key, "the workspace was not read")
    sentinel_off = key in shared.get("not_onboarded", [])
    if key in shared.get("listed", []):
        return ""
    if sentinel_off:
        # The connector list is refused when Sentinel is off. Offboarding has nothing to remove
        # there; onboarding goes on only if data_connector may enable Sentinel.
        if share["state"] == "absent" or share["ensure_sentinel"]:
            return ""
        return (
            "Microsoft Sentinel is not enabled on workspace %s: enable it, or set cloudtrail_ensure_sentinel to true"
            % workspace_label(share)
        )
    return errors.get(key, "the data connectors were not listed")


def external_id_reason(share, workspace):
    """A given external ID that is not the workspace's ID ('' when it is, or when the workspace was not read).

    Sentinel sends the workspace ID as sts:ExternalId, so a role trusting another ID can never be
    assumed for this workspace: stopping here keeps it from being written (issue 11 case 7).
    """
    given = (share.get("external_id") or "").lower()
    actual = (workspace.get("customer_id") or "").lower()
    if not given or not actual or given == actual:
        return ""
    return (
        "cloudtrail_external_id %s is not the workspace ID of workspace %s (its customer_id is %s): Sentinel sends "
        "the workspace ID as sts:ExternalId, so a role trusting another ID could not be assumed for it. Nothing was "
        "changed. Leave cloudtrail_external_id empty to use the workspace's ID"
        % (given, workspace_label(share), actual)
    )


def offboarding_mismatch(share, wanted, holder, by_id):
    """A given connector ID that is not the connector of the role: removing the role would orphan a connector."""
    if holder:
        return (
            "cloudtrail_connector_id %s is not the connector of role %s: connector %s holds it, and removing the "
            "role would leave that connector reading a role that no longer exists. Nothing was removed. Give "
            "cloudtrail_connector_id %s, or leave it empty"
            % (wanted, share["role_arn"], holder.get("name"), holder.get("name"))
        )
    return (
        "cloudtrail_connector_id %s holds role %s, not %s (built from cloudtrail_aws_account_id, cloudtrail_role_path "
        "and cloudtrail_role_name). Nothing was removed. Check those variables, or leave cloudtrail_connector_id empty"
        % (wanted, by_id.get("aws_role_arn"), share["role_arn"])
    )


def connector_id_reason(share, shared):
    """Why the given connector ID cannot be used for the account's role ('' when it can).

    Onboarding: another connector already holds the role (Sentinel would refuse a second one), or
    the ID's connector reads another AWS account (repointing it would stop that account being
    read, issue 11 case 3). Offboarding: the ID is not the connector of the role.
    """
    wanted = (share.get("connector_id") or "").lower()
    if not wanted:
        return ""
    holder = connector_of_role(share, shared)
    holder_differs = bool(holder) and (holder.get("name") or "").lower() != wanted
    by_id = {} if holder else shared.get("connector_ids", {}).get("%s|%s" % (share["workspace"]["key"], wanted), {})
    if share["state"] == "absent":
        return offboarding_mismatch(share, wanted, holder, by_id) if holder_differs or by_id else ""
    if holder_differs:
        return holder_conflict(holder, CLOUDTRAIL_KIND, share["role_arn"], "cloudtrail_connector_id")
    if by_id:
        return repointing_refusal(by_id, share["role_arn"], "cloudtrail_connector_id") or ""
    return ""


def stop_reason(share, shared, input_errors):
    """Why the account cannot go on ('' when it can): its variables, its workspace, then what the reads show."""
    if input_errors:
        return "; ".join(input_errors)
    workspace = shared.get("workspaces", {}).get(share["workspace"]["key"]) or {}
    return workspace_reason(share, shared) or external_id_reason(share, workspace) or connector_id_reason(share, shared)


def connector_of_role(share, shared):
    """The listed CloudTrail connector reading through the account's role ({} when none).

    Role ARNs compare without regard to case, as IAM names do; Sentinel allows one connector per role.
    """
    return shared.get("connectors", {}).get("%s|%s" % (share["workspace"]["key"], share["role_arn"].lower()), {})


def cloudtrail_plan(share, shared, input_errors=None):
    """The plan for one account (see RETURN)."""
    reason = stop_reason(share, shared, input_errors or [])
    connector = connector_of_role(share, shared)
    wanted_id = (share.get("connector_id") or "").lower()
    has_wanted_id = wanted_id in ("", (connector.get("name") or "").lower())
    converged = bool(connector) and connector.get("logs_enabled") == share["logs_enabled"] and has_wanted_id
    if reason:
        tasks_file = "stop.yml"
    elif share["state"] == "absent":
        tasks_file = "absent.yml"
    else:
        tasks_file = "present_connector_converged.yml" if converged else "present.yml"
    workspace = shared.get("workspaces", {}).get(share["workspace"]["key"], {})
    return {
        "stop_reason": reason,
        "tasks_file": tasks_file,
        "workspace_id": share.get("external_id") or workspace.get("customer_id"),
        "connector": connector,
        "connector_converged": converged,
        "connector_to_remove": bool(connector) and has_wanted_id,
    }


class FilterModule(object):
    def filters(self):
        return {"cloudtrail_plan": cloudtrail_plan}
