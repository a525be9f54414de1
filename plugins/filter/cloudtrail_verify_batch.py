# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: cloudtrail_verify_batch
short_description: The accounts the sentinel.aws.cloudtrail role still has to verify, by workspace
version_added: 0.2.0
author:
  - sentinel.aws maintainers (@sentinel-aws)
description:
  - From the hosts of the play batch and their variables - the accounts onboarded with
    C(cloudtrail_verify) whose C(cloudtrail_connector) fact has no C(ingestion) verdict yet, grouped
    by workspace ID, each as the O(sentinel.aws.ingestion_info#module:accounts) of
    C(sentinel.aws.ingestion_info) takes it.
  - A connector the run created gets O(started) as its creation time, so that it is C(waiting)
    rather than of unknown age while its first data is on its way.
  - Internal to the role. It is a public plugin only because a role inside a collection cannot
    carry plugins of its own, and Galaxy wants every plugin documented. It may change with the role.
options:
  _input:
    description: The host names of the play batch (C(ansible_play_batch)).
    type: list
    elements: str
    required: true
  hostvars:
    description: C(hostvars).
    type: dict
    required: true
  started:
    description: When the verification started (ISO 8601, UTC).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Query each workspace once for its accounts
  sentinel.aws.ingestion_info:
    workspace_id: "{{ item.workspace_id }}"
    accounts: "{{ item.accounts }}"
  loop: "{{ ansible_play_batch | sentinel.aws.cloudtrail_verify_batch(hostvars, '2026-11-30T06:00:00Z') }}"
"""

RETURN = r"""
_value:
  description: One entry per workspace - C(workspace_id) and C(accounts) (C(aws_account_id),
    C(connector_id), and C(connected_at) for a connector created by the run).
  type: list
  elements: dict
"""

from typing import Any, Dict, List, Mapping


def cloudtrail_verify_batch(hosts: List[str], hostvars: Mapping[str, Any], started: str) -> List[Dict[str, Any]]:
    """The batch's accounts to verify, grouped by workspace ID in the order of the hosts."""
    workspaces: Dict[str, List[Dict[str, Any]]] = {}
    for host in hosts:
        variables = hostvars[host]
        account = variables.get("cloudtrail__account") or {}
        connector = variables.get("cloudtrail_connector") or {}
        # A failed account, or one verified already (another group of the batch polled it).
        if not account.get("verify") or connector.get("outcome") in (None, "failed") or "ingestion" in connector:
            continue
        entry = {"aws_account_id": connector["aws_account_id"], "connector_id": connector["connector_id"]}
        if connector["outcome"] == "created":
            entry["connected_at"] = started
        accounts = workspaces.setdefault(connector["workspace_id"], [])
        if entry not in accounts:
            accounts.append(entry)
    return [{"workspace_id": workspace_id, "accounts": accounts} for workspace_id, accounts in workspaces.items()]


class FilterModule(object):
    def filters(self):
        return {"cloudtrail_verify_batch": cloudtrail_verify_batch}
