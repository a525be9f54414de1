# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: s3_report
short_description: The run report of the sentinel.aws.s3 role - one row per AWS account, as a table, JSON or CSV
version_added: 0.2.0
author:
  - sentinel.aws maintainers (@sentinel-aws)
description:
  - Takes the play's host names (one per AWS account) and C(hostvars), and returns one row per host from its
    C(s3_connector) fact, the rows as the lines of a table, and, when a path is given, the text of the report
    file. The same report as C(sentinel.aws.cloudtrail_report), with the S3 path's columns.
  - A host that failed before the role recorded anything (for example on the role's argument specification)
    is a C(failed) row.
  - Internal to the role's C(report) tasks (C(tasks_from=report)), which the playbooks
    C(sentinel.aws.onboard_s3) and C(sentinel.aws.offboard_s3) run. It is a public plugin only because a role
    inside a collection cannot carry plugins of its own, and Galaxy wants every plugin documented.
extends_documentation_fragment:
  - sentinel.aws.host_report
  - sentinel.aws.host_report.file
"""

EXAMPLES = r"""
- name: Show the run report
  ansible.builtin.debug:
    msg: "{{ (ansible_play_hosts_all | sentinel.aws.s3_report(hostvars)).lines }}"
  run_once: true
"""

RETURN = r"""
_value:
  description: The report.
  type: dict
  contains:
    rows:
      description:
        - One per host, with the keys C(host), C(account_id), C(bucket), C(log_types) (comma-separated),
          C(role_arn), C(connector_ids) (comma-separated), C(workspace), C(outcome) and C(reason) (all text,
          empty when not known).
        - C(outcome) is C(created), C(updated), C(unchanged), C(removed) or C(failed); in check mode
          C(would create), C(would update), C(would remove).
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

from typing import Any, Dict, List, Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.sentinel.aws.plugins.module_utils.run_report import file_text, report_row, table_lines
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

COLUMNS = ("host", "account_id", "bucket", "log_types", "role_arn", "connector_ids", "workspace", "outcome", "reason")
EVENTS_NOTE = (
    "Events land in each log type's table of the workspace (AWSCloudTrail, AWSVPCFlow, AWSGuardDuty, "
    "AWSCloudWatch) once AWS delivers new files to the bucket."
)


def _reason(connector: Mapping[str, Any]) -> str:
    if connector.get("reason"):
        return str(connector["reason"])
    left = connector.get("left_behind") or []
    return "kept: " + "; ".join(str(thing) for thing in left) if left else ""


def _joined(connector: Mapping[str, Any]) -> Dict[str, Any]:
    """The fact with its lists as comma-separated text, one cell each ({} when nothing was recorded)."""
    if not connector:
        return {}
    return {
        **connector,
        "log_types": ",".join(connector.get("log_types") or []),
        "connector_ids": ",".join(connector.get("connector_ids") or []),
    }


def _variables(variables: Mapping[str, Any]) -> Dict[str, Any]:
    """The two host variables a row reads (reading all of them would template every one)."""
    return {
        "s3_connector": _joined(variables.get("s3_connector") or {}),
        "s3_aws_account_id": variables.get("s3_aws_account_id"),
    }


def s3_report(
    hosts: List[str], hostvars: Mapping[str, Mapping[str, Any]], path: str = "", format: str = ""  # noqa: A002
) -> Dict[str, Any]:
    """The report of the play's accounts (see RETURN), in the order of the play's hosts."""
    rows = [
        report_row(host, _variables(hostvars[host]), "s3_connector", "s3_aws_account_id", COLUMNS, _reason)
        for host in hosts
    ]
    try:
        text = file_text(rows, COLUMNS, str(path), format or "") if path else ""
    except InvalidInput as exc:
        raise AnsibleFilterError(str(exc)) from None
    return {"rows": rows, "lines": table_lines(rows, COLUMNS, EVENTS_NOTE, "connector_ids"), "file_text": text}


class FilterModule(object):
    def filters(self):
        return {"s3_report": s3_report}
