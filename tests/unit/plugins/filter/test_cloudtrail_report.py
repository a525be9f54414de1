"""The run report: an account's outcome in one word, the rows of every account, the table and the files."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import csv
import io
import json
from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_outcome import FilterModule as OutcomeFilters
from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_report import COLUMNS, EVENTS_NOTE
from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_report import FilterModule as ReportFilters
from ansible_collections.sentinel.aws.plugins.module_utils.run_report import NOT_RECORDED

outcome = OutcomeFilters().filters()["cloudtrail_outcome"]
report = ReportFilters().filters()["cloudtrail_report"]

ARN = "arn:aws:iam::123456789012:role/MicrosoftSentinelRole"
CONNECTOR = {"name": "c0a8f5a4-7d0e-4c1b-9f2a-3b4c5d6e7f80", "aws_role_arn": ARN}


@pytest.mark.parametrize(
    "role,connector,before,expected",
    [
        ({"changed": True, "ownership": "created"}, {"changed": True}, {}, "created"),
        # The role was there (made by an earlier run), the connector was not.
        ({"changed": False, "ownership": "managed"}, {"changed": True}, {}, "created"),
        ({"changed": True, "ownership": "adopted"}, {"changed": False}, CONNECTOR, "updated"),
        ({"changed": False, "ownership": "managed"}, {"changed": True}, CONNECTOR, "updated"),
        # Converged: data_connector did not run.
        ({"changed": False, "ownership": "managed"}, {}, CONNECTOR, "unchanged"),
    ],
)
def test_onboarding_outcomes(role: dict, connector: dict, before: dict, expected: str) -> None:
    assert outcome("present", role, connector, before) == expected


def test_offboarding_removes_or_changes_nothing() -> None:
    assert outcome("absent", {"changed": True, "role_deleted": True}, {"changed": True}, CONNECTOR) == "removed"
    # A role kept for another workspace: this workspace's trust and connector went.
    assert outcome("absent", {"changed": True, "role_deleted": False}, {"changed": False}, {}) == "removed"
    assert outcome("absent", {"changed": False, "ownership": "none"}, {"skipped": True}, {}) == "unchanged"


@pytest.mark.parametrize(
    "state,role,before,expected",
    [
        ("present", {"changed": True, "ownership": "created"}, {}, "would create"),
        ("present", {"changed": True, "ownership": "managed"}, CONNECTOR, "would update"),
        ("absent", {"changed": True, "role_deleted": True}, CONNECTOR, "would remove"),
        ("present", {"changed": False, "ownership": "managed"}, CONNECTOR, "unchanged"),
    ],
)
def test_check_mode_says_what_would_happen(state: str, role: dict, before: dict, expected: str) -> None:
    assert outcome(state, role, {}, before, True) == expected


def fact(**overrides: Any) -> dict[str, Any]:
    """The role's cloudtrail_connector fact of an onboarded account."""
    base = {
        "state": "present",
        "aws_account_id": "123456789012",
        "role_arn": ARN,
        "connector_id": CONNECTOR["name"],
        "workspace": "law-sentinel",
        "ownership": "created",
        "outcome": "created",
        "reason": "",
    }
    return {**base, **overrides}


HOSTVARS = {
    "prod": {"cloudtrail_connector": fact()},
    "dev": {
        "cloudtrail_connector": fact(
            aws_account_id="210987654321",
            role_arn="arn:aws:iam::210987654321:role/MicrosoftSentinelRole",
            connector_id=None,
            ownership=None,
            outcome="failed",
            reason="role MicrosoftSentinelRole is not a Sentinel role",
        )
    },
    # Failed on the role's argument specification: nothing recorded.
    "broken": {"cloudtrail_aws_account_id": "333333333333"},
}


def test_one_row_per_host_in_play_order_with_failures_and_their_reasons() -> None:
    rows = report(["prod", "dev", "broken"], HOSTVARS)["rows"]
    assert [tuple(row) for row in rows] == [COLUMNS] * 3
    assert rows[0] == {
        "host": "prod",
        "account_id": "123456789012",
        "role_arn": ARN,
        "connector_id": CONNECTOR["name"],
        "workspace": "law-sentinel",
        "ownership": "created",
        "outcome": "created",
        "reason": "",
    }
    assert (rows[1]["outcome"], rows[1]["reason"], rows[1]["connector_id"]) == (
        "failed",
        "role MicrosoftSentinelRole is not a Sentinel role",
        "",
    )
    assert rows[2] == {**dict.fromkeys(COLUMNS, ""), "host": "broken", "account_id": "333333333333",
                       "outcome": "failed", "reason": NOT_RECORDED}  # fmt: skip


def test_a_kept_role_reports_what_was_left_on_it() -> None:
    kept = fact(state="absent", outcome="removed", connector_id=None, left_behind=["the trust for workspace ID x"])
    [row] = report(["prod"], {"prod": {"cloudtrail_connector": kept}})["rows"]
    assert row["reason"] == "role kept, with the trust for workspace ID x"


def test_the_table_aligns_the_columns_and_counts_the_outcomes() -> None:
    lines = report(["prod", "dev", "broken"], HOSTVARS)["lines"]
    header, prod, dev, broken, summary, note = lines
    assert header.split() == ["HOST", "ACCOUNT", "ID", "ROLE", "ARN", "CONNECTOR", "ID", "WORKSPACE", "OWNERSHIP",
                              "OUTCOME", "REASON"]  # fmt: skip
    assert prod.index(ARN) == dev.index("arn:aws:iam::210987654321") == header.index("ROLE ARN")
    assert prod.index("created", prod.index("law-sentinel")) >= header.index("OWNERSHIP")
    assert dev.endswith("failed   role MicrosoftSentinelRole is not a Sentinel role")
    assert broken.endswith(NOT_RECORDED)
    assert summary == "3 accounts: 1 created, 2 failed"
    assert note == EVENTS_NOTE


def test_no_events_note_in_check_mode_or_after_offboarding() -> None:
    for fact_ in (fact(outcome="would create"), fact(state="absent", outcome="removed", connector_id=None)):
        lines = report(["prod"], {"prod": {"cloudtrail_connector": fact_}})["lines"]
        assert EVENTS_NOTE not in lines
        assert lines[-1].startswith("1 account: 1 ")


def test_no_file_text_without_a_path() -> None:
    assert report(["prod"], HOSTVARS)["file_text"] == ""


@pytest.mark.parametrize("path,fmt", [("/tmp/report.json", ""), ("/tmp/report.txt", ""), ("/tmp/r.csv", "json")])
def test_the_json_file_holds_the_rows(path: str, fmt: str) -> None:
    result = report(["prod", "dev"], HOSTVARS, path=path, format=fmt)
    assert json.loads(result["file_text"]) == result["rows"]


@pytest.mark.parametrize("path,fmt", [("/tmp/report.CSV", ""), ("/tmp/report.json", "csv")])
def test_the_csv_file_holds_the_rows_under_a_header(path: str, fmt: str) -> None:
    result = report(["prod", "dev", "broken"], HOSTVARS, path=path, format=fmt)
    assert list(csv.DictReader(io.StringIO(result["file_text"]))) == result["rows"]
    assert result["file_text"].splitlines()[0] == ",".join(COLUMNS)


def test_an_unknown_format_is_refused_by_name() -> None:
    with pytest.raises(AnsibleFilterError, match="the report format must be json or csv .* got 'xml'"):
        report(["prod"], HOSTVARS, path="/tmp/report.xml", format="xml")


def test_a_verified_account_reports_its_ingestion_verdict() -> None:
    verified = fact(ingestion={"verdict": "waiting", "reason": "no events yet", "fixes": []})
    [row] = report(["prod"], {"prod": {"cloudtrail_connector": verified}})["rows"]
    assert row["reason"] == "ingestion waiting: no events yet"
