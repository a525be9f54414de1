# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run report of the collection's roles: one row per AWS account, as a table, JSON or CSV.

Pure functions, no SDK imports, shared by the roles' report filters (cloudtrail_report, s3_report).
Each role publishes one fact per account (cloudtrail_connector, s3_connector) with at least
``aws_account_id``, ``outcome`` and ``reason``; a role's filter says which fact, which columns, how
to word a row's reason and what to say when connectors are in place.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import csv
import io
import json
from typing import Any, Callable, Dict, List, Mapping, Sequence

from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

FILE_FORMATS = ("json", "csv")
NOT_RECORDED = "the account failed before the role recorded its outcome: see its error above in the log"
# Outcomes after which the account's connectors are really there (not in check mode, not offboarded).
CONNECTED_OUTCOMES = ("created", "updated", "unchanged")
# The host variables that hold an inventory host's AWS account: the sentinel.aws.organizations
# inventory plugin sets both; a hand-written inventory for the cloudtrail role gives the second.
ACCOUNT_VARIABLES = ("aws_account_id", "cloudtrail_aws_account_id")


def report_row(
    host: str,
    variables: Mapping[str, Any],
    fact: str,
    account_variable: str,
    columns: Sequence[str],
    reason: Callable[[Mapping[str, Any]], str],
) -> Dict[str, str]:
    """One account's row, from its host variables (its fact); all text, empty when not known.

    A host that failed before the role recorded anything (for example on the role's argument
    specification) is a failed row with the account ID it was given.
    """
    recorded = variables.get(fact) or {}
    if not recorded.get("outcome"):
        account_id = variables.get(account_variable)
        row: Dict[str, Any] = dict.fromkeys(columns, "")
        row.update(host=host, account_id=account_id, outcome="failed", reason=NOT_RECORDED)
    else:
        row = {column: recorded.get(column) for column in columns}
        row.update(host=host, account_id=recorded.get("aws_account_id"), reason=reason(recorded))
    return {column: "" if row.get(column) is None else str(row[column]) for column in columns}


def host_account_id(host: str, variables: Mapping[str, Any]) -> str:
    """The AWS account an inventory host stands for (ACCOUNT_VARIABLES), as text; "" when it names none.

    Raises InvalidInput naming the host when its two variables name different accounts.
    """
    given = dict.fromkeys(str(variables[name]) for name in ACCOUNT_VARIABLES if variables.get(name) not in (None, ""))
    if len(given) > 1:
        raise InvalidInput(
            "host %s: aws_account_id and cloudtrail_aws_account_id name different accounts (%s)"
            % (host, ", ".join(given))
        )
    return next(iter(given), "")


def table_lines(rows: List[Dict[str, str]], columns: Sequence[str], note: str, connected_column: str) -> List[str]:
    """The rows under a header, aligned, then a count per outcome, then ``note`` when connectors are in place.

    The last column (the reason) is unpadded: it can be a long message.
    """
    padded = columns[:-1]
    widths = {column: max([len(column)] + [len(row[column]) for row in rows]) for column in padded}
    header = {column: column.upper().replace("_", " ") for column in columns}
    lines = [
        ("  ".join(row[column].ljust(widths[column]) for column in padded) + "  " + row[columns[-1]]).rstrip()
        for row in [header] + rows
    ]
    counts: Dict[str, int] = {}
    for row in rows:
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
    summary = ", ".join("%d %s" % (count, outcome) for outcome, count in sorted(counts.items()))
    lines.append("%d account%s: %s" % (len(rows), "" if len(rows) == 1 else "s", summary or "none"))
    if any(row["outcome"] in CONNECTED_OUTCOMES and row[connected_column] for row in rows):
        lines.append(note)
    return lines


def file_text(rows: List[Dict[str, str]], columns: Sequence[str], path: str, fmt: str) -> str:
    """The report file's text; the format given, else from the path's extension (.csv, else JSON)."""
    fmt = fmt or ("csv" if path.lower().endswith(".csv") else "json")
    if fmt not in FILE_FORMATS:
        raise InvalidInput("the report format must be json or csv (or empty: from the path), got %r" % fmt)
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()
