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


def inventory(
    accounts: Iterable[str], group: str = "aws_accounts", group_vars: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An Ansible YAML/JSON inventory: one host per AWS account, run locally with the controller's Python.

    ``group_vars``: more variables for the group (the organisation path's hub account).
    """
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
                        **(group_vars or {}),
                    },
                }
            }
        }
    }


def classify_aws(record: dict[str, Any]) -> str:
    """``read``, ``write`` or ``assume_role`` for one record of the sandbox's moto request log.

    AssumeRole (the hub's way into a member account, issue 17) is neither: it changes no account,
    and the targets count it apart from the reads.
    """
    action = str(record.get("action", ""))
    if record.get("service") == "sts" and action.startswith("AssumeRole"):
        return "assume_role"
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
            "assume_role": aws_kinds["assume_role"],
            "by_action": dict(sorted(Counter(f"{r['service']}:{r['action']}" for r in aws).items())),
            "errors": sum(1 for r in aws if (r.get("status") or 0) >= 400),
        },
        "azure": {
            "auth": azure_kinds["auth"],
            "read": azure_kinds["read"],
            "write": azure_kinds["write"],
            "by_call": dict(sorted(Counter(azure_call_name(r) for r in azure).items())),
            "errors": sum(1 for r in azure if isinstance(r.get("status"), int) and r["status"] >= 400),
            # ARM's "too many requests" answers (the emulator's write throttle or injected faults).
            "throttled": sum(1 for r in azure if r.get("status") == 429),
        },
        "per_account": {
            "aws_read": round(aws_kinds["read"] / per_host, 2),
            "aws_write": round(aws_kinds["write"] / per_host, 2),
            "aws_assume_role": round(aws_kinds["assume_role"] / per_host, 2),
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
    ("AWS AssumeRole", ("calls", "aws", "assume_role")),
    ("Azure read", ("calls", "azure", "read")),
    ("Azure write", ("calls", "azure", "write")),
    ("Azure token+disc.", ("calls", "azure", "auth")),
    ("Azure 429s", ("calls", "azure", "throttled")),
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


# -- issue 17: the organisation path, the expert per-host alternative, N up to 500 ----------------------------

# The sides that run one inventory host per account, and take minutes per run at N = 500 (issue 17).
PER_HOST_SIDES = ("ours", "expert", "alternative")


def parse_sizes(specs: list[str], implementations: list[str]) -> dict[str, list[int]]:
    """``["ours=50,200"]`` -> ``{"ours": [50, 200]}``: account counts for one implementation (``--sizes``)."""
    sizes: dict[str, list[int]] = {}
    for spec in specs:
        name, counts = spec.split("=", 1) if "=" in spec else (spec, "")
        if name not in implementations or not counts:
            raise ValueError(f"--sizes {spec!r}: expected IMPLEMENTATION=N[,N...] with one of {implementations}")
        sizes[name] = parse_counts(counts, f"--sizes {name}=")
    return sizes


def run_plan(implementations: list[str], counts: list[int], sizes: dict[str, list[int]]) -> list[tuple[int, str]]:
    """(N, implementation) pairs in run order: by N, then the implementations in the order given.

    Each implementation runs at its own ``sizes`` when given, else at every N of ``counts``; the
    sides of one N run back to back, so that the machine's load weighs on them alike.
    """
    wanted = {(n, impl) for impl in implementations for n in sizes.get(impl, counts)}
    order = {impl: index for index, impl in enumerate(implementations)}
    return sorted(wanted, key=lambda pair: (pair[0], order[pair[1]]))


def merge_scenarios(current: list[dict[str, Any]], earlier: list[dict[str, Any]], source: str) -> list[dict[str, Any]]:
    """This run's scenarios plus those of an earlier results file that this run did not measure.

    Each one taken is marked with ``from_results`` (its file), so that a table or a check built on
    figures of two runs (two machine loads) says so.
    """
    measured = {(s["implementation"], s["accounts"], s["phase"], s.get("forks")) for s in current}
    taken = [
        {**s, "from_results": s.get("from_results", source)}
        for s in earlier
        if (s["implementation"], s["accounts"], s["phase"], s.get("forks")) not in measured
    ]
    return current + taken


def parse_counts(spec: str, option: str) -> list[int]:
    """``"50,200"`` -> [50, 200], for an option that takes account counts."""
    try:
        counts = [int(n) for n in spec.split(",") if n]
    except ValueError:
        raise ValueError(f"{option} {spec!r}: account counts must be integers") from None
    if not counts or min(counts) < 1:
        raise ValueError(f"{option} {spec!r}: expected N[,N...] with every N at least 1")
    return counts


def parse_throttle(spec: str) -> tuple[int, float]:
    """``"25,4"`` -> (25, 4.0): an ARM write throttle's bucket size and refill per second (``--inject-429``)."""
    try:
        bucket, refill = spec.split(",")
        parsed = int(bucket), float(refill)
    except ValueError:
        raise ValueError(f"--inject-429 {spec!r}: expected BUCKET,REFILL_PER_SECOND such as 25,4") from None
    if parsed[0] < 1 or parsed[1] <= 0:
        raise ValueError(f"--inject-429 {spec!r}: the bucket must hold a write and refill above 0")
    return parsed


def extrapolate(points: dict[int, float], target: int) -> float | None:
    """The straight line through the two largest measured N, at ``target`` (None with fewer than two).

    A per-host side's run is a fixed cost plus a cost per account (each account is its own tasks),
    so the line fits it; the issue asks for it at N = 500 from 50 and 200.
    """
    measured = sorted(points.items())
    if len(measured) < 2:
        return None
    (n1, w1), (n2, w2) = measured[-2:]
    return round(w2 + (w2 - w1) / (n2 - n1) * (target - n2), 1)


def _succeeded(scenario: dict[str, Any]) -> bool:
    return scenario.get("returncode", 0) == 0 and scenario.get("state", {}).get("ok", True)


def wall_at(
    scenarios: list[dict[str, Any]], implementation: str, phase: str, accounts: int
) -> tuple[float, str] | None:
    """A side's wall time at N: measured when it ran (and succeeded), else extrapolated; with how it was got.

    A figure taken from another run's results (``from_results``) says so.
    """
    runs = {
        s["accounts"]: s
        for s in scenarios
        if s["implementation"] == implementation and s["phase"] == phase and _succeeded(s)
    }
    if accounts in runs:
        return runs[accounts]["wall_seconds"], "measured" + _another_run([runs[accounts]])
    below = sorted(n for n in runs if n < accounts)[-2:]
    estimate = extrapolate({n: runs[n]["wall_seconds"] for n in below}, accounts)
    if estimate is None:
        return None
    return estimate, "extrapolated from N=" + ",".join(map(str, below)) + _another_run([runs[n] for n in below])


def _another_run(scenarios: list[dict[str, Any]]) -> str:
    return " (partly in another run)" if any("from_results" in s for s in scenarios) else ""


def cost_growth(scenarios: list[dict[str, Any]], small: int = 50, large: int = 500) -> list[dict[str, Any]]:
    """Per side and run: wall time at ``small`` and at ``large`` accounts, and how it grew (issue 17)."""
    rows = []
    for implementation in dict.fromkeys(s["implementation"] for s in scenarios):
        for phase in ("first", "converged"):
            base, top = wall_at(scenarios, implementation, phase, small), wall_at(
                scenarios, implementation, phase, large
            )
            if base is None or top is None or not base[1].startswith("measured"):
                continue
            rows.append(
                {
                    "implementation": implementation,
                    "phase": phase,
                    f"wall_{small}": base[0],
                    f"wall_{large}": top[0],
                    f"wall_{large}_source": top[1],
                    "growth": ratio(top[0], base[0]),
                    "per_account_growth": ratio(top[0] / large, base[0] / small),
                }
            )
    return rows


def check_issue17_targets(scenarios: list[dict[str, Any]], large: int = 500) -> list[dict[str, Any]]:
    """Issue 17's targets, each with the measured figure (or the extrapolation, said so) and pass/fail."""
    index = {(s["implementation"], s["accounts"], s["phase"]): s for s in scenarios}
    checks = []
    # The per-host role against the expert alternative at N = 50, both runs (aim: 0.5).
    for phase in ("first", "converged"):
        ours, expert = index.get(("ours", 50, phase)), index.get(("expert", 50, phase))
        if ours and expert:
            value = ratio(ours["wall_seconds"], expert["wall_seconds"]) if _succeeded(ours) else None
            checks.append(_check(50, None, f"{phase} run wall time role/expert (aim 0.5)", value, "<= 1.0"))
    for s in scenarios:
        impl, accounts, phase = s["implementation"], s["accounts"], s["phase"]
        # One Azure credential and one workspace here: at most 2 token + discovery requests, plus 1.
        if impl in ("ours", "organization"):
            checks.append(
                _check(
                    accounts,
                    None,
                    f"{impl} {phase}: Azure token+discovery requests per run",
                    s["calls"]["azure"]["auth"],
                    "<= 3",
                )
            )
        if impl != "organization":
            continue
        checks.append(
            _check(
                accounts,
                None,
                f"organization {phase}: run succeeded, every account onboarded",
                int(_succeeded(s)),
                "== 1",
            )
        )
        if phase == "converged":
            per = s["calls"]["per_account"]
            pages = s["calls"]["azure"]["by_call"].get("GET dataConnectors (list)", 0)
            checks += [
                _check(accounts, None, "organization converged: AWS reads per account", per["aws_read"], "<= 2"),
                _check(
                    accounts, None, "organization converged: AssumeRole per account", per["aws_assume_role"], "<= 1"
                ),
                _check(
                    accounts,
                    None,
                    "organization converged: AWS and Azure writes",
                    s["calls"]["aws"]["write"] + s["calls"]["azure"]["write"],
                    "== 0",
                ),
                _check(
                    accounts,
                    None,
                    f"organization converged: Azure reads for the whole run ({pages} connector list page(s))",
                    s["calls"]["azure"]["read"],
                    "<= 2",
                ),
            ]
            expert = wall_at(scenarios, "expert", "converged", accounts)
            if expert and accounts >= 50:
                checks.append(
                    _check(
                        accounts,
                        None,
                        f"organization/expert converged wall time (expert {expert[1]})",
                        ratio(s["wall_seconds"], expert[0]) if _succeeded(s) else None,
                        "<= 0.1",
                    )
                )
        elif s.get("inject_429") and accounts >= large:
            checks.append(
                _check(
                    accounts,
                    None,
                    f"organization first run under injected ARM 429s ({s['calls']['azure']['throttled']} answered): every account onboarded",
                    int(_succeeded(s) and s["calls"]["azure"]["throttled"] > 0),
                    "== 1",
                )
            )
    return checks
