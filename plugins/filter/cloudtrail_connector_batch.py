# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: cloudtrail_connector_batch
short_description: The data connectors the sentinel.aws.cloudtrail role writes for the play batch, per workspace
version_added: 0.3.0
author:
  - sentinel.aws maintainers (@sentinel-aws)
description:
  - Takes the play batch's hosts and their C(hostvars), and the registered result of the role's read once per
    workspace, and returns one entry per workspace with the connectors to create or converge there, those of
    the accounts whose plan (C(sentinel.aws.cloudtrail_plan)) shows the connector missing or different and
    whose IAM role task succeeded. The role writes each entry's connectors in one
    C(sentinel.aws.data_connector) run (its C(connectors) option), so one Azure sign-in instead of one per account.
  - An account whose IAM role task failed is left out, so that no connector is made for a role that is not there.
  - The role ARN is the one IAM returned; in check mode, for a role not made yet, the computed one.
  - C(sentinel.aws.cloudtrail_connector_written) picks each account's result from that run.
  - Internal to the role. It is a public plugin only because a role inside a collection cannot carry
    plugins of its own, and Galaxy wants every plugin documented. It may change with the role.
options:
  _input:
    description: The hosts of the play batch (C(ansible_play_batch)).
    type: list
    elements: str
    required: true
  hostvars:
    description: C(hostvars); each host's C(cloudtrail__account) fact and registered C(cloudtrail__role) are read.
    type: dict
    required: true
  workspace_reads:
    description: The registered result of the role's read once per workspace (see C(sentinel.aws.cloudtrail_plan)).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the connectors of the batch, once per workspace
  sentinel.aws.data_connector:
    connectors: "{{ item.connectors }}"
  loop: "{{ ansible_play_batch | sentinel.aws.cloudtrail_connector_batch(hostvars, cloudtrail__workspace_reads) }}"
  run_once: true
"""

RETURN = r"""
_value:
  description:
    - One entry per workspace, in the order of the hosts - C(workspace) (the account's noted C(key) and
      C(options)), C(hosts), C(connectors) (C(aws_role_arn), C(connector_id), C(logs_enabled), one per host,
      in the same order), C(ensure_sentinel) (any account's) and C(wait_timeout) (the largest).
  type: list
  elements: dict
"""

from typing import Any, Dict, List, Mapping, Optional

from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_plan import cloudtrail_plan

# The plan's tasks files whose accounts need their connector written (tasks/present.yml).
WRITING_TASKS_FILES = ("present.yml", "present_verify.yml")


def cloudtrail_connector_batch(
    hosts: List[str], hostvars: Mapping[str, Any], workspace_reads: Optional[Dict[str, Any]]
) -> List[Dict[str, Any]]:
    """The batch's connectors to write, grouped by workspace in the order of the hosts."""
    groups: Dict[str, Dict[str, Any]] = {}
    for host in hosts:
        variables = hostvars[host]
        account, role = variables.get("cloudtrail__account"), variables.get("cloudtrail__role")
        if not account or not role or role.get("failed"):
            continue
        plan = cloudtrail_plan(account, workspace_reads)
        if plan["tasks_file"] not in WRITING_TASKS_FILES:
            continue
        group = groups.setdefault(
            account["workspace"]["key"],
            dict(workspace=account["workspace"], hosts=[], connectors=[], ensure_sentinel=False, wait_timeout=0),
        )
        group["hosts"].append(host)
        group["connectors"].append(
            dict(
                aws_role_arn=(role.get("role") or {}).get("arn") or plan["role_arn"],
                connector_id=account["connector_id"] or None,
                logs_enabled=account["logs_enabled"],
            )
        )
        group["ensure_sentinel"] = group["ensure_sentinel"] or account["ensure_sentinel"]
        group["wait_timeout"] = max(group["wait_timeout"], int(account["wait_timeout"]))
    return list(groups.values())


class FilterModule(object):
    def filters(self):
        return {"cloudtrail_connector_batch": cloudtrail_connector_batch}
