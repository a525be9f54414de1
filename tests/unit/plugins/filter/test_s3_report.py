"""The s3 role's run report: the cloudtrail role's machinery (module_utils/run_report.py) with the S3 columns."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import csv
import io

from ansible_collections.sentinel.aws.plugins.filter.s3_report import COLUMNS, EVENTS_NOTE, FilterModule
from ansible_collections.sentinel.aws.plugins.module_utils.run_report import NOT_RECORDED

report = FilterModule().filters()["s3_report"]

ARN = "arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"
FACT = {
    "aws_account_id": "123456789012",
    "bucket": "logs",
    "log_types": ["cloudtrail", "vpcflow"],
    "role_arn": ARN,
    "connector_ids": ["c1", "c2"],
    "workspace": "law-sentinel",
    "outcome": "created",
    "reason": "",
}
HOSTVARS = {
    "prod": {"s3_connector": FACT},
    "gone": {"s3_connector": {**FACT, "connector_ids": [], "outcome": "removed", "left_behind": ["provider kept"]}},
    "broken": {"s3_aws_account_id": "210987654321"},
}


def test_rows_lines_and_files() -> None:
    result = report(["prod", "gone", "broken"], HOSTVARS, path="/tmp/r.csv")
    prod, gone, broken = result["rows"]
    assert prod == {
        "host": "prod",
        "account_id": "123456789012",
        "bucket": "logs",
        "log_types": "cloudtrail,vpcflow",
        "role_arn": ARN,
        "connector_ids": "c1,c2",
        "workspace": "law-sentinel",
        "outcome": "created",
        "reason": "",
    }
    assert (gone["outcome"], gone["reason"]) == ("removed", "kept: provider kept")
    assert broken == {**dict.fromkeys(COLUMNS, ""), "host": "broken", "account_id": "210987654321",
                      "outcome": "failed", "reason": NOT_RECORDED}  # fmt: skip
    assert result["lines"][0].split() == [word for column in COLUMNS for word in column.upper().split("_")]
    assert result["lines"][-2:] == ["3 accounts: 1 created, 1 failed, 1 removed", EVENTS_NOTE]
    assert list(csv.DictReader(io.StringIO(result["file_text"]))) == result["rows"]


def test_no_events_note_without_connectors() -> None:
    assert EVENTS_NOTE not in report(["gone"], HOSTVARS)["lines"]
