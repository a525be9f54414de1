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
options:
  _input:
    description: The host names, such as C(ansible_play_hosts_all).
    type: list
    elements: str
    required: true
  hostvars:
    description: The variables of each host (C(hostvars)).
    type: dict
    required: true
  path:
    description: Where the report file goes; empty for no file.
    type: str
    default: ""
  format:
    description: The file's format; empty to take it from the path's extension (C(.csv), else JSON).
    type: str
    choices: ["", json, csv]
    default: ""
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

import csv
import io
import json
from typing import Any, Dict, List, Mapping

from ansible.errors import AnsibleFilterError

COLUMNS = ("host", "account_id", "role_arn", "connector_id", "workspace", "ownership", "outcome", "reason")
FILE_FORMATS = ("json", "csv")
NOT_RECORDED = "the account failed before the role recorded its outcome: see its error above in the log"
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


def report_row(host: str, variables: Mapping[str, Any]) -> Dict[str, str]:
    """One account's row, from its host variables (its cloudtrail_connector fact)."""
    connector = variables.get("cloudtrail_connector") or {}
    if not connector.get("outcome"):
        account_id = variables.get("cloudtrail_aws_account_id")
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            host=host, account_id="" if account_id is None else account_id, outcome="failed", reason=NOT_RECORDED
        )
    else:
        row = {column: connector.get(column) for column in COLUMNS}
        row.update(host=host, account_id=connector.get("aws_account_id"), reason=_reason(connector))
    return {column: "" if value is None else str(value) for column, value in row.items()}


def table_lines(rows: List[Dict[str, str]]) -> List[str]:
    """The rows under a header, aligned; the reason last and unpadded (it can be a long message)."""
    padded = COLUMNS[:-1]
    widths = {column: max([len(column)] + [len(row[column]) for row in rows]) for column in padded}
    header = {column: column.upper().replace("_", " ") for column in COLUMNS}
    lines = [
        ("  ".join(row[column].ljust(widths[column]) for column in padded) + "  " + row["reason"]).rstrip()
        for row in [header] + rows
    ]
    counts: Dict[str, int] = {}
    for row in rows:
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
    summary = ", ".join("%d %s" % (count, outcome) for outcome, count in sorted(counts.items()))
    lines.append("%d account%s: %s" % (len(rows), "" if len(rows) == 1 else "s", summary or "none"))
    # Only where a connector is really there now: not in check mode, not after offboarding.
    if any(row["outcome"] in ("created", "updated", "unchanged") and row["connector_id"] for row in rows):
        lines.append(EVENTS_NOTE)
    return lines


def file_text(rows: List[Dict[str, str]], path: str, fmt: str) -> str:
    """The report file's text; the format given, else from the path's extension (.csv, else JSON)."""
    fmt = fmt or ("csv" if path.lower().endswith(".csv") else "json")
    if fmt not in FILE_FORMATS:
        raise AnsibleFilterError("the report format must be json or csv (or empty: from the path), got %r" % fmt)
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()


def cloudtrail_report(
    hosts: List[str], hostvars: Mapping[str, Mapping[str, Any]], path: str = "", format: str = ""  # noqa: A002
) -> Dict[str, Any]:
    """The report of the play's accounts (see RETURN), in the order of the play's hosts."""
    rows = [report_row(host, hostvars[host]) for host in hosts]
    return {
        "rows": rows,
        "lines": table_lines(rows),
        "file_text": file_text(rows, str(path), format or "") if path else "",
    }


class FilterModule(object):
    def filters(self):
        return {"cloudtrail_report": cloudtrail_report}
