"""The role's connector writes for the play batch: who is in them, and each account's own result."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

from typing import Any

from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_connector_batch import cloudtrail_connector_batch
from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_connector_written import cloudtrail_connector_written

KEY = "/rg-sentinel/law-sentinel/"
WORKSPACE = {"key": KEY, "options": {"resource_group": "rg-sentinel", "workspace_name": "law-sentinel"}}
OTHER = {"key": "/rg-sentinel/law-other/", "options": {"resource_group": "rg-sentinel", "workspace_name": "law-other"}}


def account(number: str, workspace: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    base = {
        "input_errors": [],
        "workspace": workspace or WORKSPACE,
        "state": "present",
        "aws_account_id": number * 12,
        "role_path": "/",
        "role_name": "MicrosoftSentinelRole",
        "external_id": "",
        "connector_id": "",
        "logs_enabled": True,
        "ensure_sentinel": False,
        "wait_timeout": 60,
        "verify": False,
    }
    return {**base, **overrides}


def arn(number: str) -> str:
    return f"arn:aws:iam::{number * 12}:role/MicrosoftSentinelRole"


def pending(number: str, **result: Any) -> dict[str, Any]:
    """sentinel.aws.cloudtrail_account's result for an account whose connector is to be written."""
    return {"changed": True, "pending": True, "ownership": "created", "role_arn": arn(number), **result}


def test_the_batch_holds_the_accounts_whose_connector_is_missing_grouped_by_workspace() -> None:
    hostvars = {
        "a": {"cloudtrail__account": account("1"), "cloudtrail_connector": pending("1")},
        "b": {"cloudtrail__account": account("2", OTHER, wait_timeout=120), "cloudtrail_connector": pending("2")},
        "c": {
            "cloudtrail__account": account("3", logs_enabled=False, ensure_sentinel=True, connector_id="C-3"),
            "cloudtrail_connector": pending("3"),
        },
    }
    batch = cloudtrail_connector_batch(["a", "b", "c"], hostvars)
    assert batch == [
        {
            "workspace": WORKSPACE,
            "hosts": ["a", "c"],
            "connectors": [
                {"aws_role_arn": arn("1"), "connector_id": None, "logs_enabled": True},
                {"aws_role_arn": arn("3"), "connector_id": "C-3", "logs_enabled": False},
            ],
            "ensure_sentinel": True,
            "wait_timeout": 60,
        },
        {
            "workspace": OTHER,
            "hosts": ["b"],
            "connectors": [{"aws_role_arn": arn("2"), "connector_id": None, "logs_enabled": True}],
            "ensure_sentinel": False,
            "wait_timeout": 120,
        },
    ]


def test_accounts_whose_role_failed_or_that_need_no_write_are_left_out() -> None:
    published = {"changed": False, "outcome": "unchanged", "role_arn": arn("4"), "connector_id": "x"}
    hostvars = {
        "failed-role": {
            "cloudtrail__account": account("1"),
            "cloudtrail_connector": {"failed": True, "msg": "foreign"},
        },
        "no-role-yet": {"cloudtrail__account": account("2")},
        "stopped": {"cloudtrail__account": account("3", input_errors=["x"])},
        "converged": {"cloudtrail__account": account("4"), "cloudtrail_connector": published},
        "offboarding": {"cloudtrail__account": account("5", state="absent"), "cloudtrail_connector": published},
        "new": {"cloudtrail__account": account("6"), "cloudtrail_connector": pending("6")},
    }
    batch = cloudtrail_connector_batch(list(hostvars), hostvars)
    assert [(g["hosts"], [c["aws_role_arn"] for c in g["connectors"]]) for g in batch] == [(["new"], [arn("6")])]


def writes(*runs: dict[str, Any]) -> dict[str, Any]:
    return {"changed": False, "results": list(runs)}


def test_each_host_gets_its_own_element_of_its_workspaces_run() -> None:
    ok = {"aws_role_arn": arn("1"), "changed": True, "connector": {"name": "x"}, "failed": False, "msg": ""}
    refused = {"aws_role_arn": arn("3"), "changed": False, "connector": {}, "failed": True, "msg": "not authorized"}
    run = {
        "item": {"hosts": ["a", "c"]},
        "failed": True,
        "msg": "1 of 2 connectors failed",
        "connectors": [ok, refused],
    }
    result = writes({"item": {"hosts": ["b"]}, "connectors": []}, run)
    assert cloudtrail_connector_written(result, "a") == {
        "changed": True,
        "connector": {"name": "x"},
        "failed": False,
        "msg": "",
    }
    assert cloudtrail_connector_written(result, "c") == {
        "changed": False,
        "connector": {},
        "failed": True,
        "msg": "not authorized",
    }


def test_a_run_that_failed_as_a_whole_fails_each_of_its_hosts_with_its_message() -> None:
    result = writes({"item": {"hosts": ["a", "b"]}, "failed": True, "msg": "authentication failed"})
    for host in ("a", "b"):
        assert cloudtrail_connector_written(result, host)["msg"] == "authentication failed"
        assert cloudtrail_connector_written(result, host)["failed"] is True
    assert cloudtrail_connector_written(result, "z")["failed"] is True
