"""The benchmark's pure parts (benchmarks/onboarding_metrics.py): call classification, summaries, table, targets."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import importlib.util
import json
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "onboarding_metrics.py"
_SPEC = importlib.util.spec_from_file_location("onboarding_metrics", _PATH)
assert _SPEC and _SPEC.loader
m = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(m)


def aws(action: str, service: str = "iam", status: int = 200) -> dict:
    return {"service": service, "action": action, "status": status}


def azure(method: str, path: str, status: int = 200) -> dict:
    return {"method": method, "path": path, "status": status}


WS = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law"
CONNECTORS = WS + "/providers/Microsoft.SecurityInsights/dataConnectors"


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        ("GetRole", "read"),
        ("ListAttachedRolePolicies", "read"),
        ("GetCallerIdentity", "read"),
        ("LookupEvents", "read"),
        ("CreateRole", "write"),
        ("AttachRolePolicy", "write"),
        ("UpdateAssumeRolePolicy", "write"),
        ("TagRole", "write"),
        ("GET /bucket", "read"),
        ("HEAD /bucket/key", "read"),
        ("PUT /bucket", "write"),
    ],
)
def test_classify_aws(action: str, kind: str) -> None:
    assert m.classify_aws(aws(action)) == kind


@pytest.mark.parametrize(
    ("method", "path", "kind", "label"),
    [
        ("POST", "/tenant-guid/oauth2/v2.0/token", "auth", "POST token"),
        ("GET", "/tenant-guid/v2.0/.well-known/openid-configuration", "auth", "GET openid-configuration"),
        ("GET", "/metadata/endpoints", "auth", "GET metadata/endpoints"),
        ("GET", WS, "read", "GET workspaces"),
        ("GET", CONNECTORS, "read", "GET dataConnectors (list)"),
        ("GET", CONNECTORS + "/abc", "read", "GET dataConnectors"),
        ("PUT", CONNECTORS + "/abc", "write", "PUT dataConnectors"),
        ("DELETE", CONNECTORS + "/abc", "write", "DELETE dataConnectors"),
        ("GET", WS + "/providers/Microsoft.SecurityInsights/onboardingStates/default", "read", "GET onboardingStates"),
    ],
)
def test_classify_azure(method: str, path: str, kind: str, label: str) -> None:
    record = azure(method, path)
    assert m.classify_azure(record) == kind
    assert m.azure_call_name(record) == label


def test_account_ids_are_distinct_12_digit_strings() -> None:
    ids = m.account_ids(50)
    assert len(set(ids)) == 50
    assert all(len(i) == 12 and i.isdigit() for i in ids)
    assert ids[0] == "200000000001"


def test_inventory_has_one_local_host_per_account() -> None:
    inv = m.inventory(["200000000001", "200000000002"])
    group = inv["all"]["children"]["aws_accounts"]
    assert group["hosts"] == {
        "aws-200000000001": {"aws_account_id": "200000000001"},
        "aws-200000000002": {"aws_account_id": "200000000002"},
    }
    assert group["vars"]["ansible_connection"] == "local"
    json.dumps(inv)  # written as a JSON inventory


def test_summarise_calls_counts_kinds_and_per_account() -> None:
    summary = m.summarise_calls(
        [aws("GetRole"), aws("GetRole"), aws("ListAttachedRolePolicies"), aws("CreateRole", status=409)],
        [
            azure("POST", "/t/oauth2/v2.0/token"),
            azure("GET", WS),
            azure("GET", CONNECTORS),
            azure("PUT", CONNECTORS + "/x", status=400),
        ],
        hosts=2,
    )
    assert summary["aws"]["read"] == 3 and summary["aws"]["write"] == 1 and summary["aws"]["errors"] == 1
    assert summary["aws"]["by_action"] == {"iam:CreateRole": 1, "iam:GetRole": 2, "iam:ListAttachedRolePolicies": 1}
    assert (summary["azure"]["auth"], summary["azure"]["read"], summary["azure"]["write"]) == (1, 2, 1)
    assert summary["azure"]["errors"] == 1
    assert summary["per_account"] == {
        "aws_read": 1.5,
        "aws_write": 0.5,
        "azure_read": 1.0,
        "azure_write": 0.5,
        "azure_auth": 0.5,
    }


def test_summarise_tasks_skipped_is_not_executed() -> None:
    records = [
        {"host": "a", "task": "role", "action": "x", "status": "ok", "seconds": 1.0},
        {"host": "b", "task": "role", "action": "x", "status": "changed", "seconds": 3.0},
        {"host": "a", "task": "put", "action": "uri", "status": "skipped", "seconds": 0.01},
        {"host": "b", "task": "put", "action": "uri", "status": "failed", "seconds": 0.5},
    ]
    tasks = m.summarise_tasks(records)
    assert (tasks["executed"], tasks["changed"], tasks["failed"], tasks["skipped"]) == (3, 1, 1, 1)
    assert tasks["task_seconds"] == 4.5
    assert tasks["per_task"]["role"] == {
        "action": "x",
        "runs": 2,
        "skipped": 0,
        "seconds": 4.0,
        "max": 3.0,
        "mean": 2.0,
    }
    assert tasks["per_task"]["put"]["runs"] == 1 and tasks["per_task"]["put"]["skipped"] == 1


@pytest.mark.parametrize(("ours", "theirs", "expected"), [(1, 2, 0.5), (3, 0, None), (None, 2, None), (0, 4, 0.0)])
def test_ratio(ours, theirs, expected) -> None:
    assert m.ratio(ours, theirs) == expected


def scenario(
    impl: str,
    phase: str,
    wall: float,
    aws_write: int = 0,
    aws_read: float = 3,  # GetRole, ListAttachedRolePolicies, ListRolePolicies
    azure_read: float = 2,
    changed: int = 0,
    accounts: int = 50,
) -> dict:
    return {
        "implementation": impl,
        "accounts": accounts,
        "phase": phase,
        "forks": None,
        "wall_seconds": wall,
        "tasks": {"executed": 4, "changed": changed},
        "calls": {
            "aws": {"read": aws_read * accounts, "write": aws_write},
            "azure": {"read": azure_read * accounts, "write": 0, "auth": accounts},
            "per_account": {"aws_read": aws_read, "azure_read": azure_read},
        },
        "memory": {"peak_tree_rss_mb": 100.0},
    }


def test_comparison_rows_pair_sides_and_order_phases() -> None:
    rows = m.comparison_rows(
        [
            scenario("ours", "converged", 10.0),
            scenario("alternative", "converged", 40.0),
            scenario("ours", "first", 30.0),
            scenario("alternative", "first", 60.0),
        ]
    )
    assert [r["phase"] for r in rows][:1] == ["first"]
    wall = next(r for r in rows if r["phase"] == "converged" and r["metric"] == "wall s")
    assert (wall["ours"], wall["alternative"], wall["ratio"]) == (10.0, 40.0, 0.25)
    table = m.format_table(rows)
    assert "| 50 | default | converged | wall s" in table and "0.25" in table


def test_targets_pass_and_miss() -> None:
    good = m.check_targets([scenario("ours", "converged", 10.0), scenario("alternative", "converged", 40.0)])
    assert all(c["passed"] for c in good) and len(good) == 6
    bad = m.check_targets(
        [
            scenario("ours", "converged", 30.0, aws_write=1, aws_read=4, azure_read=3, changed=1),
            scenario("alternative", "converged", 40.0),
        ]
    )
    missed = {c["target"] for c in bad if not c["passed"]}
    assert missed == {
        "no write calls == 0",
        "AWS reads per account <= 3",
        "Azure reads per account <= 2",
        "changed tasks == 0",
        "wall time ours/alternative <= 0.5",
    }


def test_variants_get_their_own_column() -> None:
    rows = m.comparison_rows(
        [
            scenario("ours", "converged", 10.0),
            scenario("alternative", "converged", 40.0),
            scenario("ours_modules", "converged", 5.0),
        ]
    )
    wall = next(r for r in rows if r["metric"] == "wall s")
    assert wall["variants"] == {"ours_modules": 5.0}
    assert "ours_modules" in m.format_table(rows).splitlines()[0]


def test_a_failed_run_misses_its_targets() -> None:
    failed = scenario("ours", "converged", 1.0, aws_read=0, azure_read=0)
    failed.update(returncode=2, state={"ok": False})
    checks = m.check_targets([failed, scenario("alternative", "converged", 40.0)])
    assert [c["target"] for c in checks if not c["passed"]] == ["run succeeded == 1"]
