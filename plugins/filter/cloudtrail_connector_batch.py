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
  - Takes the play batch's hosts and their C(hostvars), and returns one entry per workspace with the connectors
    to create or converge there, those of the accounts whose C(sentinel.aws.cloudtrail_account) task converged the
    IAM role and left the connector to write (its result, registered as C(cloudtrail_connector), is C(pending)
    because the plan shows the connector missing or different). The role writes each entry's connectors in one
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
    description: C(hostvars); each host's C(cloudtrail__account) fact and registered C(cloudtrail_connector) are read.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the connectors of the batch, once per workspace
  sentinel.aws.data_connector:
    connectors: "{{ item.connectors }}"
  loop: "{{ ansible_play_batch | sentinel.aws.cloudtrail_connector_batch(hostvars) }}"
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

from typing import Any, Dict, List, Mapping


def cloudtrail_connector_batch(hosts: List[str], hostvars: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The batch's connectors to write, grouped by workspace in the order of the hosts."""
    groups: Dict[str, Dict[str, Any]] = {}
    for host in hosts:
        variables = hostvars[host]
        account, result = variables.get("cloudtrail__account"), variables.get("cloudtrail_connector") or {}
        if not account or not result.get("pending") or result.get("failed"):
            continue
        group = groups.setdefault(
            account["workspace"]["key"],
            dict(workspace=account["workspace"], hosts=[], connectors=[], ensure_sentinel=False, wait_timeout=0),
        )
        group["hosts"].append(host)
        group["connectors"].append(
            dict(
                aws_role_arn=result["role_arn"],
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
