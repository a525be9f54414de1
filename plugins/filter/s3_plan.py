# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: s3_plan
short_description: What the sentinel.aws.s3 role does for one AWS account, from the workspace read shared per workspace
version_added: 0.2.0
author:
  - sentinel.aws maintainers (@sentinel-aws)
description:
  - Takes one account's noted variables (the role's C(s3__account) fact) and the registered result of the
    C(sentinel.aws.workspace_info) loop the role runs once per workspace of the play batch, and returns the
    plan for the account - why it must stop before any change, the names and ARNs of everything it manages
    (built by the same functions the modules use), one entry per log type, and the tasks file to include.
  - The account stops before any change when its variables are wrong, when its workspace cannot be read,
    or, when onboarding, when Microsoft Sentinel is not enabled on the workspace (unless C(ensure_sentinel)).
  - Internal to the role. It is a public plugin only because a role inside a collection cannot carry plugins
    of its own, and Galaxy wants every plugin documented. Its input and output may change with the role.
options:
  _input:
    description:
      - The account's noted variables, with the keys C(workspace) (C(key), and C(options) as the modules take
        them), C(state), C(aws_account_id), C(partition), C(region), C(role_name), C(bucket), C(log_types),
        C(trail), C(ensure_sentinel) and C(input_errors).
    type: dict
    required: true
  workspace_reads:
    description: The registered result of the C(sentinel.aws.workspace_info) loop over the workspaces (C(item.key) is the workspace key).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Include the tasks the account needs
  ansible.builtin.include_tasks: "{{ (s3__account | sentinel.aws.s3_plan(s3__workspace_reads)).tasks_file }}"
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
      description: C(stop.yml), C(present.yml) or C(absent.yml).
      type: str
    role_arn:
      description: The ARN of the web-identity role Sentinel assumes (no AWS call).
      type: str
    provider_arn:
      description: The ARN of the account's OIDC provider for Microsoft's Entra tenant.
      type: str
    workspace:
      description: The workspace as the user named it (its name, else its resource ID).
      type: str
    workspace_id:
      description: The workspace's C(customerId) (the default session name's suffix); null when not read.
      type: str
    sentinel_enabled:
      description: Whether Sentinel is enabled on the workspace (offboarding removes connectors only then).
      type: bool
    log_types:
      description:
        - One per log type, in the order given, with C(type), C(table) (the connector's destination table),
          C(prefix) (the notification's filter), C(queue_name), C(queue_arn), C(queue_url) (what SQS names a
          queue of that name; the role uses the queue module's answer when there is one) and C(notification_id).
      type: list
      elements: dict
    trail:
      description:
        - C(create), C(name), C(arn), C(multi_region), C(organization_id) (empty for an account trail) and
          C(log_account) (whose C(AWSLogs/) folder the trail writes to - the organisation ID of an
          organisation trail, else the account ID).
      type: dict
"""

from typing import Any, Dict, List, Optional

from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import (
    LOG_TYPES,
    OWNED_NOTIFICATION_PREFIX,
    default_prefix,
    oidc_provider_arn,
)
from ansible_collections.sentinel.aws.plugins.module_utils.validation import role_arn

Reads = Dict[str, Any]
DEFAULT_TRAIL_NAME = "sentinel-aws-trail"


def read_of(reads: Optional[Reads], account: Dict[str, Any]) -> Dict[str, Any]:
    """The loop result of the account's workspace ({} when it was not read: the account had input errors)."""
    key = account["workspace"]["key"]
    return next((r for r in (reads or {}).get("results", []) if (r.get("item") or {}).get("key") == key), {})


def workspace_label(account: Dict[str, Any]) -> str:
    options = account["workspace"]["options"]
    return options.get("workspace_name") or options.get("workspace_resource_id") or ""


def workspace_reason(account: Dict[str, Any], workspace_read: Dict[str, Any]) -> str:
    """Why the account's workspace cannot be used ('' when it can)."""
    if "workspace" not in workspace_read:
        return workspace_read.get("msg") or "the workspace was not read"
    enabled = workspace_read["workspace"].get("sentinel_enabled")
    if enabled is False and account["state"] == "present" and not account["ensure_sentinel"]:
        return (
            "Microsoft Sentinel is not enabled on workspace %s: enable it, or set s3_ensure_sentinel to true"
            % workspace_label(account)
        )
    return ""


def trail_plan(account: Dict[str, Any]) -> Dict[str, Any]:
    """The trail's names; CloudTrail's bucket statements are conditioned on its ARN (aws:SourceArn)."""
    trail = account.get("trail") or {}
    name = trail.get("name") or DEFAULT_TRAIL_NAME
    organization_id = trail.get("organization_id") or ""
    return {
        "create": bool(trail.get("create")),
        "name": name,
        # An organisation trail's ARN is in the management account that runs this (research-s3.md §3).
        "arn": "arn:%s:cloudtrail:%s:%s:trail/%s"
        % (account["partition"], account["region"], account["aws_account_id"], name),
        "multi_region": trail.get("multi_region", True),
        "organization_id": organization_id,
        "log_account": organization_id or account["aws_account_id"],
    }


def log_type_plans(account: Dict[str, Any], trail: Dict[str, Any]) -> List[Dict[str, Any]]:
    partition, region, account_id = account["partition"], account["region"], account["aws_account_id"]
    plans = []
    for entry in account["log_types"]:
        spec = entry if isinstance(entry, dict) else {"type": entry}
        name = spec["type"]
        if spec.get("prefix"):
            prefix = spec["prefix"]
        elif name == "cloudtrail" and trail["organization_id"]:
            # An organisation trail writes AWSLogs/<org id>/<account>/CloudTrail/...: one notification
            # filter for every member account (research-s3.md §3, the event notification).
            prefix = "AWSLogs/%s/" % trail["organization_id"]
        else:
            prefix = default_prefix(name, account_id)
        queue_name = spec.get("queue_name") or OWNED_NOTIFICATION_PREFIX + name
        plans.append(
            {
                "type": name,
                "table": LOG_TYPES[name]["table"],
                "prefix": prefix,
                "queue_name": queue_name,
                "queue_arn": "arn:%s:sqs:%s:%s:%s" % (partition, region, account_id, queue_name),
                "queue_url": "https://sqs.%s.amazonaws.com/%s/%s" % (region, account_id, queue_name),
                "notification_id": OWNED_NOTIFICATION_PREFIX + name,
            }
        )
    return plans


def s3_plan(account: Dict[str, Any], workspace_reads: Optional[Reads]) -> Dict[str, Any]:
    """The plan for one account (see RETURN)."""
    workspace_read = read_of(workspace_reads, account)
    workspace = workspace_read.get("workspace") or {}
    plan: Dict[str, Any] = {
        "workspace": workspace_label(account),
        "workspace_id": workspace.get("customer_id"),
        "sentinel_enabled": workspace.get("sentinel_enabled") is not False,
    }
    reason = "; ".join(account["input_errors"]) or workspace_reason(account, workspace_read)
    if reason:
        plan.update(stop_reason=reason, tasks_file="stop.yml")
        return plan
    partition, account_id = account["partition"], account["aws_account_id"]
    trail = trail_plan(account)
    plan.update(
        stop_reason="",
        tasks_file="absent.yml" if account["state"] == "absent" else "present.yml",
        role_arn=role_arn(partition, account_id, "/", account["role_name"]),
        provider_arn=oidc_provider_arn(partition, account_id),
        trail=trail,
        log_types=log_type_plans(account, trail),
    )
    return plan


class FilterModule(object):
    def filters(self):
        return {"s3_plan": s3_plan}
