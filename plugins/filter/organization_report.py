# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: organization_report
short_description: The run report of the sentinel.aws.onboard_organization playbook - one row per AWS account, as a table, JSON or CSV
version_added: 0.2.0
author:
  - sentinel.aws maintainers (@sentinel-aws)
description:
  - Takes the play's host names (one per AWS account), C(hostvars) and the registered result of
    C(sentinel.aws.cloudtrail_organization), and returns one row per host from the module's result
    for its account, the rows as the lines of a table, and, when a path is given, the text of the
    report file. The same report, with the same columns, as C(sentinel.aws.cloudtrail_report) for the
    per-host role.
  - An account the module has no result for (the run failed before it, for example on a bad option)
    is a C(failed) row with the module's message.
  - Internal to the playbooks C(sentinel.aws.onboard_organization) and C(sentinel.aws.offboard_organization).
    It is a public plugin only because Galaxy wants every plugin documented. It may change with them.
options:
  result:
    description: The registered result of C(sentinel.aws.cloudtrail_organization), failed or not.
    type: dict
    required: true
  check_mode:
    description: Whether the run is in check mode (the outcomes then read C(would ...)).
    type: bool
    default: false
extends_documentation_fragment:
  - sentinel.aws.host_report
  - sentinel.aws.host_report.file
"""

EXAMPLES = r"""
- name: Show the run report
  ansible.builtin.debug:
    msg: "{{ (ansible_play_hosts_all | sentinel.aws.organization_report(hostvars, organization_result)).lines }}"
  run_once: true
"""

RETURN = r"""
_value:
  description: The report.
  type: dict
  contains:
    rows:
      description:
        - One per host, with the keys C(host), C(account_id), C(role_arn), C(connector_id), C(workspace),
          C(ownership), C(outcome) and C(reason) (all text, empty when not known).
        - C(outcome) is C(created), C(updated), C(unchanged), C(removed), C(absent) or C(failed); in check
          mode C(would create), C(would update), C(would remove).
        - C(reason) is why the account failed.
      type: list
      elements: dict
    lines:
      description: The rows as a table, then a count per outcome.
      type: list
      elements: str
    file_text:
      description: The text of the report file in its format; empty when no path is given.
      type: str
"""

from typing import Any, Dict, List, Mapping, Optional

from ansible.errors import AnsibleFilterError

from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_report import COLUMNS, EVENTS_NOTE
from ansible_collections.sentinel.aws.plugins.module_utils.run_report import file_text, host_account_id, table_lines
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

# In check mode the module's outcomes are what would happen; the report words them as the role's does.
CHECK_MODE_OUTCOMES = {"created": "would create", "updated": "would update", "removed": "would remove"}
NO_RESULT = "the module returned no result for this account"


def _account_id(host: str, variables: Mapping[str, Any]) -> str:
    try:
        return host_account_id(host, variables)
    except InvalidInput:  # the module's task failed on it, with the message the row shows
        return ""


def account_row(
    host: str, account_id: str, account: Optional[Mapping[str, Any]], result: Mapping[str, Any], check_mode: bool
) -> Dict[str, str]:
    """One host's row, from the module's result for its account (``account``; a failed row when None)."""
    if account is None:
        row = dict.fromkeys(COLUMNS, "")
        row.update(host=host, account_id=account_id, outcome="failed", reason=str(result.get("msg") or NO_RESULT))
        return row
    outcome = str(account.get("outcome") or "")
    values = {
        "host": host,
        "account_id": account_id,
        "role_arn": account.get("role_arn"),
        "connector_id": account.get("connector_id"),
        # The workspace's name, as the role's report shows it (the module returns its ARM ID).
        "workspace": str(result.get("workspace") or "").rsplit("/", 1)[-1],
        "ownership": account.get("role_ownership"),
        "outcome": CHECK_MODE_OUTCOMES.get(outcome, outcome) if check_mode else outcome,
        "reason": account.get("reason"),
    }
    return {column: "" if values[column] is None else str(values[column]) for column in COLUMNS}


def organization_report(
    hosts: List[str],
    hostvars: Mapping[str, Mapping[str, Any]],
    result: Mapping[str, Any],
    path: str = "",
    format: str = "",  # noqa: A002
    check_mode: bool = False,
) -> Dict[str, Any]:
    """The report of the play's accounts (see RETURN), in the order of the play's hosts."""
    result = result or {}
    by_id = {account.get("account_id"): account for account in result.get("accounts") or []}
    rows = []
    for host in hosts:
        account_id = _account_id(host, hostvars[host])
        rows.append(account_row(host, account_id, by_id.get(account_id), result, check_mode))
    try:
        text = file_text(rows, COLUMNS, str(path), format or "") if path else ""
    except InvalidInput as exc:
        raise AnsibleFilterError(str(exc)) from None
    return {"rows": rows, "lines": table_lines(rows, COLUMNS, EVENTS_NOTE, "connector_id"), "file_text": text}


class FilterModule(object):
    def filters(self):
        return {"organization_report": organization_report}
