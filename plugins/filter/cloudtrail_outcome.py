# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: cloudtrail_outcome
short_description: What the sentinel.aws.cloudtrail role did for one AWS account, in one word
version_added: 0.2.0
author:
  - sentinel.aws maintainers (@sentinel-aws)
description:
  - From the account's state, the results of C(sentinel.aws.connector_role) and
    C(sentinel.aws.data_connector), the connector there was before, and check mode -
    C(created), C(updated), C(unchanged) or C(removed); in check mode C(would create),
    C(would update) or C(would remove). The role publishes it as C(cloudtrail_connector.outcome)
    (a failed account has C(failed)), and the run report (C(sentinel.aws.cloudtrail_report)) shows it.
  - Internal to the role. It is a public plugin only because a role inside a collection cannot
    carry plugins of its own, and Galaxy wants every plugin documented. It may change with the role.
options:
  _input:
    description: The account's state.
    type: str
    choices: [present, absent]
    required: true
  role_result:
    description: The registered result of C(sentinel.aws.connector_role).
    type: dict
    required: true
  connector_result:
    description: The registered result of C(sentinel.aws.data_connector), or C({}) when it did not run.
    type: dict
    required: true
  connector_before:
    description: The connector the shared list held for the role before the run (C({}) when none).
    type: dict
    required: true
  check_mode:
    description: Whether the run is in check mode.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Publish the outcome
  ansible.builtin.set_fact:
    outcome: "{{ 'present' | sentinel.aws.cloudtrail_outcome(role_result, connector_result, {}, ansible_check_mode) }}"
"""

RETURN = r"""
_value:
  description: C(created), C(updated), C(unchanged) or C(removed), or C(would create), C(would update), C(would remove).
  type: str
"""

from typing import Any, Mapping, Optional


def cloudtrail_outcome(
    state: str,
    role_result: Mapping[str, Any],
    connector_result: Optional[Mapping[str, Any]],
    connector_before: Optional[Mapping[str, Any]],
    check_mode: bool = False,
) -> str:
    """What the role did for one account: created, updated, unchanged or removed ("would ..." in check mode).

    Onboarding creates when it made the role or a connector that was not there (the plan's
    connector_before, from the shared list), and updates when it changed anything else. Offboarding
    removes when it changed anything: the connector, this workspace from the trust, the role.
    """
    role_changed = bool(role_result.get("changed"))
    connector_changed = bool((connector_result or {}).get("changed"))
    if not role_changed and not connector_changed:
        return "unchanged"
    if state == "absent":
        verb = "remove"
    elif role_result.get("ownership") == "created" or (connector_changed and not connector_before):
        verb = "create"
    else:
        verb = "update"
    return "would " + verb if check_mode else verb + "d"


class FilterModule(object):
    def filters(self):
        return {"cloudtrail_outcome": cloudtrail_outcome}
