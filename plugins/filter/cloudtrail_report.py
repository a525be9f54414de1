# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: cloudtrail_report
short_description: The run report of the sentinel.aws.cloudtrail role - one row per AWS account, as a table, JSON or CSV
version_added: 0.2.0
author:
  - sentinel.aws maintainers (@sentinel-aws)
description:
  - Takes the play's host names (one per AWS account) and C(hostvars), and returns one row per host
    from its C(cloudtrail_connector) fact, the rows as the lines of a table, and, when a path is
    given, the text of the report file.
  - A host that failed before the role recorded anything (for example on the role's argument
    specification) is a C(failed) row.
  - Internal to the role's C(report) tasks (C(tasks_from=report)), which the playbooks
    C(sentinel.aws.onboard) and C(sentinel.aws.offboard) run. It is a public plugin only because a
    role inside a collection cannot carry plugins of its own, and Galaxy wants every plugin
    documented. It may change with the role.
extends_documentation_fragment:
  - sentinel.aws.host_report
  - sentinel.aws.host_report.file
"""

EXAMPLES = r"""
- name: Show the run report
  ansible.builtin.debug:
    msg: "{{ (ansible_play_hosts_all | sentinel.aws.cloudtrail_report(hostvars)).lines }}"
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
        - C(outcome) is C(created), C(updated), C(unchanged), C(removed) or C(failed); in check mode
          C(would create), C(would update), C(would remove).
        - C(reason) is why the account failed, or what offboarding left on a role it kept.
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

COLUMNS = ("host", "account_id", "role_arn", "connector_id", "workspace", "ownership", "outcome", "reason")
# Sentinel's documentation: the first CloudTrail events arrive 20-30 minutes after the connector.
EVENTS_NOTE = "Events land in the AWSCloudTrail table of the workspace (first data 20-30 minutes after the connector)."


def _reason(connector: Mapping[str, Any]) -> str:
    if connector.get("reason"):
        return str(connector["reason"])
    ingestion = connector.get("ingestion")
    if ingestion:  # cloudtrail_verify: the verdict of an account that did not fail on it
        return "ingestion %s: %s" % (ingestion.get("verdict"), ingestion.get("reason"))
    left = connector.get("left_behind") or []
    if left:
        return "role kept, with " + "; ".join(str(thing) for thing in left)
    return ""


def cloudtrail_report(
    hosts: List[str], hostvars: Mapping[str, Mapping[str, Any]], path: str = "", format: str = ""  # noqa: A002
) -> Dict[str, Any]:
    """The report of the play's accounts (see RETURN), in the order of the play's hosts."""
    rows = [
        report_row(host, hostvars[host], "cloudtrail_connector", "cloudtrail_aws_account_id", COLUMNS, _reason)
        for host in hosts
    ]
    try:
        text = file_text(rows, COLUMNS, str(path), format or "") if path else ""
    except InvalidInput as exc:
        raise AnsibleFilterError(str(exc)) from None
    return {"rows": rows, "lines": table_lines(rows, COLUMNS, EVENTS_NOTE, "connector_id"), "file_text": text}


class FilterModule(object):
    def filters(self):
        return {"cloudtrail_report": cloudtrail_report}
