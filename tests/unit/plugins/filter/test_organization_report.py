"""The organisation playbooks' filters: the module's accounts and connection from the play, and the run report."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import csv
import io
import json
from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_report import COLUMNS, EVENTS_NOTE
from ansible_collections.sentinel.aws.plugins.filter.organization_args import FilterModule as ArgsFilters
from ansible_collections.sentinel.aws.plugins.filter.organization_report import NO_RESULT
from ansible_collections.sentinel.aws.plugins.filter.organization_report import FilterModule as ReportFilters

args = ArgsFilters().filters()["organization_args"]
report = ReportFilters().filters()["organization_report"]

PROD = "210987654321"
DEV = "123456789012"
SEC = "012345678901"
WORKSPACE = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law-sentinel"
HOSTVARS: dict[str, dict[str, Any]] = {
    # As the sentinel.aws.organizations inventory plugin sets them, and a hand-written host of the role.
    "prod": {"aws_account_id": PROD, "cloudtrail_aws_account_id": PROD},
    "dev": {"cloudtrail_aws_account_id": DEV},
    "sec": {"aws_account_id": SEC},
}


def account(account_id: str, **overrides: Any) -> dict[str, Any]:
    """One account of the module's result, onboarded."""
    base = {
        "account_id": account_id,
        "outcome": "created",
        "changed": True,
        "role_arn": f"arn:aws:iam::{account_id}:role/MicrosoftSentinelRole",
        "role_ownership": "created",
        "connector_id": "c0a8f5a4-7d0e-4c1b-9f2a-3b4c5d6e7f80",
        "reason": "",
    }
    return {**base, **overrides}


RESULT = {
    "failed": True,
    "msg": f"1 of 3 accounts failed: {DEV}: role MicrosoftSentinelRole is not a Sentinel role",
    "workspace": WORKSPACE,
    "accounts": [
        account(PROD),
        account(DEV, outcome="failed", changed=False, role_ownership=None, connector_id=None,
                reason="role MicrosoftSentinelRole is not a Sentinel role"),
        account(SEC, outcome="unchanged", changed=False, role_ownership="managed"),
    ],
}  # fmt: skip


# --- organization_args ------------------------------------------------------------------------------


def test_every_host_gives_its_account_once_in_play_order() -> None:
    hostvars = {**HOSTVARS, "prod-again": {"aws_account_id": PROD}}
    assert args(["sec", "prod", "dev", "prod-again"], hostvars)["accounts"] == [SEC, PROD, DEV]


def test_hosts_without_an_account_are_named() -> None:
    with pytest.raises(AnsibleFilterError, match="no AWS account ID for the hosts a, b: give each host the variable"):
        args(["prod", "a", "b"], {**HOSTVARS, "a": {}, "b": {"aws_account_id": ""}})


def test_two_accounts_for_one_host_are_refused() -> None:
    with pytest.raises(AnsibleFilterError, match="host x: aws_account_id and cloudtrail_aws_account_id name different"):
        args(["x"], {"x": {"aws_account_id": PROD, "cloudtrail_aws_account_id": DEV}})


def test_connection_keys_reach_the_module_under_their_option_names() -> None:
    given = args(
        ["prod"],
        HOSTVARS,
        aws_connection={"aws_access_key_id": "AKIA", "aws_secret_access_key": "s", "region": "eu-west-1"},
        azure_connection={"client_secret": "z", "tenant_id": "t"},
    )
    assert given["connection"] == {
        "access_key": "AKIA",
        "secret_key": "s",
        "region": "eu-west-1",
        "secret": "z",
        "tenant": "t",
    }
    assert args(["prod"], HOSTVARS)["connection"] == {}
    # Both clouds have a profile: the module's is the AWS one, the Azure credential file's is azure_profile.
    both = args(["prod"], HOSTVARS, aws_connection={"profile": "hub"}, azure_connection={"profile": "soc"})
    assert both["connection"] == {"profile": "hub", "azure_profile": "soc"}


@pytest.mark.parametrize(
    "aws, azure, message",
    [
        (
            {"secret_acces_key": "CANARY"},
            {},
            "organization_aws_connection has keys that no module takes: secret_acces_key",
        ),
        ({}, {"client_secrt": "CANARY"}, "organization_azure_connection has keys that no module takes: client_secrt"),
        ({}, "CANARY", "organization_azure_connection must be a dictionary"),
    ],
)
def test_a_bad_connection_is_refused_naming_the_variable_never_a_value(aws: Any, azure: Any, message: str) -> None:
    with pytest.raises(AnsibleFilterError) as raised:
        args(["prod"], HOSTVARS, aws_connection=aws, azure_connection=azure)
    assert message in str(raised.value)
    assert "CANARY" not in str(raised.value)


# --- organization_report ----------------------------------------------------------------------------


def test_one_row_per_host_from_the_modules_result_for_its_account() -> None:
    rows = report(["prod", "dev", "sec"], HOSTVARS, RESULT)["rows"]
    assert [tuple(row) for row in rows] == [COLUMNS] * 3
    assert rows[0] == {
        "host": "prod",
        "account_id": PROD,
        "role_arn": f"arn:aws:iam::{PROD}:role/MicrosoftSentinelRole",
        "connector_id": "c0a8f5a4-7d0e-4c1b-9f2a-3b4c5d6e7f80",
        "workspace": "law-sentinel",
        "ownership": "created",
        "outcome": "created",
        "reason": "",
    }
    assert (rows[1]["outcome"], rows[1]["ownership"], rows[1]["connector_id"], rows[1]["reason"]) == (
        "failed",
        "",
        "",
        "role MicrosoftSentinelRole is not a Sentinel role",
    )
    assert (rows[2]["outcome"], rows[2]["ownership"]) == ("unchanged", "managed")


def test_an_account_without_a_result_fails_with_the_modules_message() -> None:
    refused = {"failed": True, "msg": "accounts: '12' is not a 12-digit AWS account ID"}
    rows = report(["prod", "dev"], HOSTVARS, refused)["rows"]
    assert [(row["account_id"], row["outcome"], row["reason"]) for row in rows] == [
        (PROD, "failed", refused["msg"]),
        (DEV, "failed", refused["msg"]),
    ]
    # The module did not run (no result registered), or a host names two accounts: the row still comes out.
    assert report(["x"], {"x": {"aws_account_id": PROD, "cloudtrail_aws_account_id": DEV}}, {})["rows"] == [
        {**dict.fromkeys(COLUMNS, ""), "host": "x", "outcome": "failed", "reason": NO_RESULT}
    ]


def test_check_mode_says_what_would_happen() -> None:
    accounts = [account(PROD), account(DEV, outcome="updated"), account(SEC, outcome="removed")]
    planned = {"workspace": WORKSPACE, "accounts": accounts}
    rows = report(["prod", "dev", "sec"], HOSTVARS, planned, check_mode=True)["rows"]
    assert [row["outcome"] for row in rows] == ["would create", "would update", "would remove"]
    unchanged = {"accounts": [account(PROD, outcome="unchanged")]}
    assert report(["prod"], HOSTVARS, unchanged, check_mode=True)["rows"][0]["outcome"] == "unchanged"


def test_the_table_counts_the_outcomes_and_says_where_events_land() -> None:
    lines = report(["prod", "dev", "sec"], HOSTVARS, RESULT)["lines"]
    header, prod, dev, sec, summary, note = lines
    assert header.split()[:3] == ["HOST", "ACCOUNT", "ID"]
    assert dev.endswith("failed     role MicrosoftSentinelRole is not a Sentinel role")
    assert summary == "3 accounts: 1 created, 1 failed, 1 unchanged"
    assert note == EVENTS_NOTE
    offboarded = {"accounts": [account(PROD, outcome="removed", connector_id=None)]}
    assert EVENTS_NOTE not in report(["prod"], HOSTVARS, offboarded)["lines"]


def test_the_file_holds_the_rows_as_json_or_csv() -> None:
    as_json = report(["prod", "dev"], HOSTVARS, RESULT, path="/tmp/report.json")
    assert json.loads(as_json["file_text"]) == as_json["rows"]
    as_csv = report(["prod", "dev"], HOSTVARS, RESULT, path="/tmp/report.CSV")
    assert list(csv.DictReader(io.StringIO(as_csv["file_text"]))) == as_csv["rows"]
    assert report(["prod"], HOSTVARS, RESULT)["file_text"] == ""
    with pytest.raises(AnsibleFilterError, match="the report format must be json or csv .* got 'xml'"):
        report(["prod"], HOSTVARS, RESULT, path="/tmp/report.xml", format="xml")
