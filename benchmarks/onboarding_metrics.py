"""Pure parts of the onboarding benchmark: call classification, per-scenario summaries, the table.

Everything here takes plain data (the sandbox's request logs, the timer callback's records) and
returns plain data, so it is unit-tested without a sandbox (tests/unit/test_benchmarks.py).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable

# AWS query/JSON actions that only read. IAM, STS and CloudTrail name every read this way.
_AWS_READ_ACTION = re.compile(r"^(Get|List|Describe|Head|Lookup)")
# Entra ID and cloud discovery: what a client needs before it may call ARM. Counted apart from
# ARM reads, as the targets say ("token requests counted separately").
_AZURE_AUTH_PATH = re.compile(r"/oauth2/(v2\.0/)?token$|/\.well-known/openid-configuration$|^/metadata/endpoints$")
_WRITE_METHODS = {"PUT", "PATCH", "POST", "DELETE"}

AWS_ACCOUNT_BASE = 200_000_000_000  # benchmark accounts: 200000000001, 200000000002, ...


def account_ids(count: int, base: int = AWS_ACCOUNT_BASE) -> list[str]:
    """``count`` distinct 12-digit moto account IDs (the sandbox maps key AKIASBX<id> to account <id>)."""
    return [f"{base + index:012d}" for index in range(1, count + 1)]


def inventory(accounts: Iterable[str], group: str = "aws_accounts") -> dict[str, Any]:
    """An Ansible YAML/JSON inventory: one host per AWS account, run locally with the controller's Python."""
    hosts = {f"aws-{account}": {"aws_account_id": account} for account in accounts}
    return {
        "all": {
            "children": {
                group: {
                    "hosts": hosts,
                    "vars": {
                        "ansible_connection": "local",
                        # An inventory localhost may otherwise pick a broken python3.x (design.md).
                        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                    },
                }
            }
        }
    }


def classify_aws(record: dict[str, Any]) -> str:
    """``read`` or ``write`` for one record of the sandbox's moto request log."""
    action = str(record.get("action", ""))
    if " " in action:  # REST protocol (S3): "METHOD /path"
        return "read" if action.split(" ", 1)[0] in ("GET", "HEAD") else "write"
    return "read" if _AWS_READ_ACTION.match(action) else "write"


def classify_azure(record: dict[str, Any]) -> str:
    """``auth`` (token, OpenID and cloud metadata discovery), ``read`` or ``write`` for an emulator record."""
    path = str(record.get("path", ""))
    if _AZURE_AUTH_PATH.search(path):
        return "auth"
    return "write" if str(record.get("method", "")).upper() in _WRITE_METHODS else "read"


def azure_call_name(record: dict[str, Any]) -> str:
    """A stable label for an Azure request: method plus the resource type, IDs and names dropped."""
    path = str(record.get("path", ""))
    method = str(record.get("method", "")).upper()
    if path.endswith("/token"):
        return f"{method} token"
    if path.endswith("/openid-configuration"):
        return f"{method} openid-configuration"
    if path.startswith("/metadata/"):
        return f"{method} metadata/endpoints"
    parts = [part for part in path.strip("/").split("/") if part]
    # ARM paths alternate collection/name: keep collections, and the last one when it is a list call.
    collections = parts[0::2]
    label = collections[-1] if collections else path
    listing = len(parts) % 2 == 1
    return f"{method} {label}{' (list)' if listing else ''}"


def summarise_calls(aws: list[dict[str, Any]], azure: list[dict[str, Any]], hosts: int) -> dict[str, Any]:
    """Counts by kind and by call, totals and per-account figures for one run."""
    aws_kinds = Counter(classify_aws(r) for r in aws)
    azure_kinds = Counter(classify_azure(r) for r in azure)
    per_host = max(hosts, 1)
    return {
        "aws": {
            "read": aws_kinds["read"],
            "write": aws_kinds["write"],
            "by_action": dict(sorted(Counter(f"{r['service']}:{r['action']}" for r in aws).items())),
            "errors": sum(1 for r in aws if (r.get("status") or 0) >= 400),
        },
        "azure": {
            "auth": azure_kinds["auth"],
            "read": azure_kinds["read"],
            "write": azure_kinds["write"],
            "by_call": dict(sorted(Counter(azure_call_name(r) for r in azure).items())),
            "errors": sum(1 for r in azure if isinstance(r.get("status"), int) and r["status"] >= 400),
        },
        "per_account": {
            "aws_read": round(aws_kinds["read"] / per_host, 2),
            "aws_write": round(aws_kinds["write"] / per_host, 2),
            "azure_read": round(azure_kinds["read"] / per_host, 2),
            "azure_write": round(azure_kinds["write"] / per_host, 2),
            "azure_auth": round(azure_kinds["auth"] / per_host, 2),
        },
    }


def summarise_tasks(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Task results from the bench_timer callback: counts by status and where the time went, per task.

    A task counts as executed when a module ran for it (ok, changed or failed); skipped ones did not.
    """
    by_status = Counter(r["status"] for r in records)
    per_task: dict[str, dict[str, Any]] = {}
    for record in records:
        entry = per_task.setdefault(
            record["task"], {"action": record.get("action"), "runs": 0, "skipped": 0, "seconds": 0.0, "max": 0.0}
        )
        if record["status"] == "skipped":
            entry["skipped"] += 1
            continue
        entry["runs"] += 1
        entry["seconds"] = round(entry["seconds"] + record["seconds"], 3)
        entry["max"] = round(max(entry["max"], record["seconds"]), 3)
    for entry in per_task.values():
        entry["mean"] = round(entry["seconds"] / entry["runs"], 3) if entry["runs"] else 0.0
    executed = by_status["ok"] + by_status["changed"] + by_status["failed"]
    return {
        "executed": executed,
        "changed": by_status["changed"],
        "failed": by_status["failed"],
        "skipped": by_status["skipped"],
        "task_seconds": round(sum(r["seconds"] for r in records if r["status"] != "skipped"), 3),
        "per_task": per_task,
    }


def ratio(ours: float | int | None, theirs: float | int | None) -> float | None:
    """ours / theirs, or None when it means nothing (a zero or missing denominator)."""
    if ours is None or theirs is None or theirs == 0:
        return None
    return round(ours / theirs, 3)


# The figures of the table: (label, path into a scenario's result).
TABLE_METRICS: list[tuple[str, tuple[str, ...]]] = [
    ("wall s", ("wall_seconds",)),
    ("CPU s", ("cpu_seconds",)),
    ("tasks run", ("tasks", "executed")),
    ("changed", ("tasks", "changed")),
    ("AWS read", ("calls", "aws", "read")),
    ("AWS write", ("calls", "aws", "write")),
    ("Azure read", ("calls", "azure", "read")),
    ("Azure write", ("calls", "azure", "write")),
    ("Azure token+disc.", ("calls", "azure", "auth")),
    ("peak RSS MB", ("memory", "peak_tree_rss_mb")),
]


def dig(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def comparison_rows(scenarios: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (accounts, phase, metric): ours, the alternative's and the ratio ours/alternative.

    Other implementations (diagnostic variants) get their figure under ``variants``.
    """
    index = {(s["implementation"], s["accounts"], s["phase"], s.get("forks")): s for s in scenarios}
    variants = sorted({s["implementation"] for s in scenarios} - {"ours", "alternative"})
    rows = []
    keys = sorted({(s["accounts"], s["phase"], s.get("forks")) for s in scenarios}, key=_row_order)
    for accounts, phase, forks in keys:
        ours = index.get(("ours", accounts, phase, forks))
        theirs = index.get(("alternative", accounts, phase, forks))
        for label, path in TABLE_METRICS:
            mine = dig(ours, path) if ours else None
            other = dig(theirs, path) if theirs else None
            row = {
                "accounts": accounts,
                "phase": phase,
                "forks": forks,
                "metric": label,
                "ours": mine,
                "alternative": other,
                "ratio": ratio(mine, other),
            }
            if variants:
                row["variants"] = {
                    name: dig(index[(name, accounts, phase, forks)], path)
                    for name in variants
                    if (name, accounts, phase, forks) in index
                }
            rows.append(row)
    return rows


def _row_order(key: tuple[int, str, Any]) -> tuple[int, int, int]:
    accounts, phase, forks = key
    return (accounts, {"first": 0, "converged": 1}.get(phase, 2), forks or 0)


def format_table(rows: list[dict[str, Any]]) -> str:
    """The comparison as a fixed-width text table (also valid Markdown)."""
    variants = sorted({name for row in rows for name in row.get("variants", {})})
    header = ["N", "forks", "run", "metric", "ours", "alternative", "ours/alt", *variants]
    lines = [header]
    for row in rows:
        lines.append(
            [
                str(row["accounts"]),
                str(row["forks"] or "default"),
                row["phase"],
                row["metric"],
                _fmt(row["ours"]),
                _fmt(row["alternative"]),
                _fmt(row["ratio"]),
                *(_fmt(row.get("variants", {}).get(name)) for name in variants),
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rendered = [
        "| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) + " |" for line in lines
    ]
    rendered.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(rendered)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def check_targets(scenarios: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets for our converged re-runs, each with the measured figure and pass/fail."""
    checks = []
    by_key = {(s["implementation"], s["accounts"], s["phase"], s.get("forks")): s for s in scenarios}
    for (impl, accounts, phase, forks), scenario in sorted(by_key.items(), key=lambda item: str(item[0])):
        if impl != "ours" or phase != "converged":
            continue
        calls = scenario["calls"]
        per = calls["per_account"]
        # A failed run makes fewer calls: its figures must not pass for a fast, quiet run.
        succeeded = scenario.get("returncode", 0) == 0 and scenario.get("state", {}).get("ok", True)
        checks.append(_check(accounts, forks, "run succeeded", int(succeeded), "== 1"))
        checks += [
            _check(accounts, forks, "no write calls", calls["aws"]["write"] + calls["azure"]["write"], "== 0"),
            # Issue 7 set <= 2 (GetRole, ListAttachedRolePolicies). Since issue 11 connector_role also
            # reads ListRolePolicies: GetRole does not show inline policies, and an added
            # `Action: *` inline policy must not pass for converged. The alternative makes 4.
            _check(accounts, forks, "AWS reads per account", per["aws_read"], "<= 3"),
            _check(accounts, forks, "Azure reads per account", per["azure_read"], "<= 2"),
            _check(accounts, forks, "changed tasks", scenario["tasks"]["changed"], "== 0"),
        ]
        theirs = by_key.get(("alternative", accounts, phase, forks))
        if theirs and accounts >= 50:
            checks.append(
                _check(
                    accounts,
                    forks,
                    "wall time ours/alternative",
                    ratio(scenario["wall_seconds"], theirs["wall_seconds"]),
                    "<= 0.5",
                )
            )
    return checks


def _check(accounts: int, forks: Any, name: str, value: Any, rule: str) -> dict[str, Any]:
    operator, limit = rule.split()
    if value is None:
        passed = False
    elif operator == "==":
        passed = value == float(limit)
    else:
        passed = value <= float(limit)
    return {"accounts": accounts, "forks": forks, "target": f"{name} {rule}", "value": value, "passed": passed}
