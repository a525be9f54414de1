"""The benchmark's pure parts (benchmarks/onboarding_metrics.py): call classification, summaries, table, targets."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import importlib.util
import json
from pathlib import Path
from typing import Any

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


def test_assume_role_is_counted_apart_from_reads_and_writes() -> None:
    assert m.classify_aws(aws("AssumeRole", service="sts")) == "assume_role"
    assert m.classify_aws(aws("GetCallerIdentity", service="sts")) == "read"
    summary = m.summarise_calls(
        [aws("AssumeRole", service="sts"), aws("AssumeRole", service="sts"), aws("GetRole"), aws("GetRole")], [], 2
    )
    assert (summary["aws"]["read"], summary["aws"]["write"], summary["aws"]["assume_role"]) == (2, 0, 2)
    assert summary["per_account"]["aws_assume_role"] == 1.0


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


def test_inventory_group_vars_carry_the_hub_account() -> None:
    inv = m.inventory(["200000000001"], group_vars={"organization_hub_account_id": "100000000009"})
    assert inv["all"]["children"]["aws_accounts"]["vars"]["organization_hub_account_id"] == "100000000009"
    assert inv["all"]["children"]["aws_accounts"]["vars"]["ansible_connection"] == "local"


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
            azure("PUT", CONNECTORS + "/x", status=429),
        ],
        hosts=2,
    )
    assert summary["aws"]["read"] == 3 and summary["aws"]["write"] == 1 and summary["aws"]["errors"] == 1
    assert summary["aws"]["by_action"] == {"iam:CreateRole": 1, "iam:GetRole": 2, "iam:ListAttachedRolePolicies": 1}
    assert (summary["azure"]["auth"], summary["azure"]["read"], summary["azure"]["write"]) == (1, 2, 2)
    assert summary["azure"]["errors"] == 2 and summary["azure"]["throttled"] == 1
    assert summary["per_account"] == {
        "aws_read": 1.5,
        "aws_write": 0.5,
        "aws_assume_role": 0.0,
        "azure_read": 1.0,
        "azure_write": 1.0,
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
    assume_role: float = 0,
    auth: int = 3,
    list_pages: int = 1,
    throttled: int = 0,
) -> dict:
    return {
        "implementation": impl,
        "accounts": accounts,
        "phase": phase,
        "forks": None,
        "wall_seconds": wall,
        "tasks": {"executed": 4, "changed": changed},
        "calls": {
            "aws": {"read": aws_read * accounts, "write": aws_write, "assume_role": assume_role * accounts},
            "azure": {
                "read": azure_read * accounts,
                "write": 0,
                "auth": auth,
                "throttled": throttled,
                "by_call": {"GET dataConnectors (list)": list_pages},
            },
            "per_account": {"aws_read": aws_read, "azure_read": azure_read, "aws_assume_role": assume_role},
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


def test_parse_sizes_and_the_run_plan_give_each_side_its_own_counts() -> None:
    sides = ["organization", "expert", "ours"]
    sizes = m.parse_sizes(["ours=50,200"], sides)
    assert sizes == {"ours": [50, 200]}
    assert m.run_plan(sides, [50, 200, 500], sizes) == [
        (50, "organization"),
        (50, "expert"),
        (50, "ours"),
        (200, "organization"),
        (200, "expert"),
        (200, "ours"),
        (500, "organization"),
        (500, "expert"),
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [("alternative=50", "one of ['ours']"), ("ours", "IMPLEMENTATION=N"), ("ours=5x", "must be integers")],
)
def test_parse_sizes_names_a_bad_spec(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=r"--sizes") as error:
        m.parse_sizes([spec], ["ours"])
    assert message in str(error.value)


@pytest.mark.parametrize(("spec", "expected"), [("25,4", (25, 4.0)), ("200,10", (200, 10.0)), ("5,0.5", (5, 0.5))])
def test_parse_throttle(spec: str, expected: tuple) -> None:
    assert m.parse_throttle(spec) == expected


@pytest.mark.parametrize("spec", ["25", "a,b", "0,4", "25,0", "1,2,3"])
def test_parse_throttle_refuses_a_bad_spec(spec: str) -> None:
    with pytest.raises(ValueError, match="--inject-429"):
        m.parse_throttle(spec)


def test_extrapolate_draws_the_line_through_the_two_largest_counts() -> None:
    assert m.extrapolate({50: 20.0, 200: 80.0}, 500) == 200.0
    assert m.extrapolate({10: 1.0, 50: 20.0, 200: 50.0}, 500) == 110.0
    assert m.extrapolate({50: 20.0}, 500) is None


def test_cost_growth_measured_and_extrapolated_sides_are_labelled() -> None:
    scenarios = [
        scenario("organization", "converged", 2.0, accounts=50),
        scenario("organization", "converged", 10.0, accounts=500),
        scenario("ours", "converged", 20.0, accounts=50),
        scenario("ours", "converged", 80.0, accounts=200),
    ]
    growth = {(r["implementation"], r["phase"]): r for r in m.cost_growth(scenarios)}
    org, ours = growth[("organization", "converged")], growth[("ours", "converged")]
    assert (org["wall_500"], org["wall_500_source"], org["growth"], org["per_account_growth"]) == (
        10.0,
        "measured",
        5.0,
        0.5,
    )
    assert (ours["wall_500"], ours["wall_500_source"], ours["growth"]) == (200.0, "extrapolated from N=50,200", 10.0)


def test_a_failed_run_is_neither_measured_nor_extrapolated_from() -> None:
    failed = scenario("expert", "converged", 5.0, accounts=500)
    failed.update(returncode=2)
    assert m.wall_at([failed], "expert", "converged", 500) is None


def organization_runs(accounts: int = 500, **converged: Any) -> list[dict]:
    first = scenario("organization", "first", 120.0, accounts=accounts, throttled=40, aws_read=2, assume_role=1)
    first["inject_429"] = {"kind": "write throttle", "bucket": 25, "refill_per_second": 4.0}
    options = {"aws_read": 2, "assume_role": 1, "azure_read": 2 / accounts, "accounts": accounts}
    return [first, scenario("organization", "converged", 10.0, **{**options, **converged})]


def test_issue17_targets_pass() -> None:
    scenarios = [
        scenario("ours", "first", 40.0),
        scenario("expert", "first", 80.0),
        scenario("ours", "converged", 20.0),
        scenario("expert", "converged", 40.0),
        scenario("expert", "converged", 200.0, accounts=500),
        *organization_runs(),
    ]
    checks = m.check_issue17_targets(scenarios)
    assert all(c["passed"] for c in checks), [c for c in checks if not c["passed"]]
    targets = {c["target"] for c in checks}
    assert {
        "first run wall time role/expert (aim 0.5) <= 1.0",
        "converged run wall time role/expert (aim 0.5) <= 1.0",
        "organization converged: AWS reads per account <= 2",
        "organization converged: AssumeRole per account <= 1",
        "organization converged: Azure reads for the whole run (1 connector list page(s)) <= 2",
        "organization/expert converged wall time (expert measured) <= 0.1",
        "organization first run under injected ARM 429s (40 answered): every account onboarded == 1",
    } <= targets
    assert "ours converged: Azure token+discovery requests per run <= 3" in targets


def test_issue17_targets_miss_and_say_when_expert_was_extrapolated() -> None:
    scenarios = [
        scenario("ours", "converged", 50.0),
        scenario("expert", "converged", 40.0),
        scenario("expert", "converged", 100.0, accounts=200),
        *organization_runs(aws_read=3, azure_read=11 / 500, list_pages=10, auth=4),
    ]
    scenarios[-1]["wall_seconds"] = 30.0
    missed = {c["target"] for c in m.check_issue17_targets(scenarios) if not c["passed"]}
    assert missed == {
        "converged run wall time role/expert (aim 0.5) <= 1.0",
        "organization converged: AWS reads per account <= 2",
        "organization converged: Azure reads for the whole run (10 connector list page(s)) <= 2",
        "organization converged: Azure token+discovery requests per run <= 3",
        # expert at 500: 100 + (100 - 40) / 150 * 300 = 220; 30 / 220 = 0.136
        "organization/expert converged wall time (expert extrapolated from N=50,200) <= 0.1",
    }


def test_a_first_run_with_no_429_answered_does_not_prove_the_throttling_target() -> None:
    scenarios = organization_runs()
    scenarios[0]["calls"]["azure"]["throttled"] = 0
    [check] = [c for c in m.check_issue17_targets(scenarios) if "429" in c["target"]]
    assert not check["passed"]


def test_merge_scenarios_takes_only_what_this_run_lacks_and_marks_it() -> None:
    here = [scenario("ours", "converged", 10.0)]
    earlier = [scenario("ours", "converged", 99.0), scenario("expert", "converged", 40.0, accounts=200)]
    merged = m.merge_scenarios(here, earlier, "old.json")
    assert [(s["implementation"], s["wall_seconds"], s.get("from_results")) for s in merged] == [
        ("ours", 10.0, None),
        ("expert", 40.0, "old.json"),
    ]
    assert m.wall_at(merged, "expert", "converged", 200) == (40.0, "measured (partly in another run)")
    assert m.wall_at(merged + [scenario("expert", "converged", 20.0)], "expert", "converged", 500) == (
        80.0,  # 40 + (40 - 20) / 150 * 300
        "extrapolated from N=50,200 (partly in another run)",
    )


@pytest.mark.parametrize(("spec", "expected"), [("500", [500]), ("50,200", [50, 200])])
def test_parse_counts(spec: str, expected: list) -> None:
    assert m.parse_counts(spec, "--inject-429-at") == expected


@pytest.mark.parametrize("spec", ["", "0", "x", "50,-1"])
def test_parse_counts_refuses_a_bad_spec(spec: str) -> None:
    with pytest.raises(ValueError, match="--inject-429-at"):
        m.parse_counts(spec, "--inject-429-at")
