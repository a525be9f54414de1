"""Onboarding benchmark: sentinel.aws.cloudtrail against amazon.aws.iam_role + uri, on the sandbox.

    bash benchmarks/run.sh                       # N = 1, 10, 50, default forks, both sides, + profile
    python benchmarks/onboarding.py --accounts 1,10 --forks 5,10 --no-profile

For each N and forks setting, each implementation starts from an empty sandbox (moto state and
the Azure emulator reset), onboards N AWS accounts (one inventory host per moto account) into one
workspace, then runs again: the converged, no-change run users schedule daily. Per run it records
wall time, task results (bench_timer callback), the AWS and Azure requests the sandbox logged,
and memory; it prints the comparison table and writes everything to benchmarks/results/.
See benchmarks/README.md for the figures and how to read them.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(BENCH), str(REPO / "tests")]

import onboarding_metrics as metrics  # noqa: E402
from helpers.ansible_run import ansible_env, parse_recap  # noqa: E402

PLAYBOOKS = {
    "ours": BENCH / "playbooks" / "ours.yml",
    "alternative": BENCH / "playbooks" / "alternative.yml",
    # Issue 17: the expert per-host alternative (token, workspace and connector list read once per play).
    "expert": BENCH / "playbooks" / "expert.yml",
    # Diagnostic, run only when asked (--implementations ...,ours_modules): see the playbook's header.
    "ours_modules": BENCH / "playbooks" / "ours_modules.yml",
    "ours_shared_reads": BENCH / "playbooks" / "ours_shared_reads.yml",
    # The S3 connector path (issue 15), run when asked (--implementations ours,s3): its own state check.
    "s3": BENCH / "playbooks" / "s3.yml",
    # Issue 17: the organisation path, one module run from the hub credential for every member account.
    "organization": BENCH / "playbooks" / "organization.yml",
    "baseline": BENCH / "playbooks" / "baseline.yml",
}
ROLE_NAME = "MicrosoftSentinelRole"  # the role name both playbooks use
S3_ROLE_NAME = "OIDC_MicrosoftSentinelS3Role"  # the sentinel.aws.s3 role's default
# The organisation path's hub (management) account; its member accounts get moto's IDs.
HUB_ACCOUNT = "100000000009"
# Injected ARM write throttle for first runs (--inject-429): a bucket of 25 writes refilled at 4 per
# second, so that the organisation path's pace (5 writes/s by default) drains it and meets 429s.
# ARM's own bucket (200, refilled at 10/s, learn.microsoft.com azure-resource-manager/management/
# request-limits-and-throttling) would never answer 429 to a run paced at 5/s.
DEFAULT_WRITE_THROTTLE = "25,4"


# -- one ansible-playbook run -------------------------------------------------------------------------------


class TreeMemorySampler(threading.Thread):
    """Peak of the summed RSS of a process and all its descendants, sampled every ``interval`` s.

    The sum counts pages shared between forked workers once per process, so it is an upper bound.
    """

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_bytes = 0
        self.peak_single_bytes = 0
        self.peak_processes = 0
        self._halt = threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._halt.is_set():
            total, count = 0, 0
            try:
                for proc in [root, *root.children(recursive=True)]:
                    try:
                        rss = proc.memory_info().rss
                        total += rss
                        count += 1
                        self.peak_single_bytes = max(self.peak_single_bytes, rss)
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        pass
            except psutil.NoSuchProcess:
                break
            self.peak_bytes = max(self.peak_bytes, total)
            self.peak_processes = max(self.peak_processes, count)
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=2)


def run_ansible(
    playbook: Path, inventory: Path, env: dict[str, str], forks: int | None, scratch: Path
) -> dict[str, Any]:
    """Run ansible-playbook once; wall time, exit code, recap, task records and memory."""
    timer_out = scratch / f"timer-{time.monotonic_ns()}.jsonl"
    log_path = scratch / "ansible.log"
    command = [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook), "-i", str(inventory)]
    if forks:
        command += ["--forks", str(forks)]
    run_env = ansible_env(
        {
            **env,
            "ANSIBLE_CALLBACK_PLUGINS": str(BENCH / "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "bench_timer",
            "BENCH_TIMER_OUT": str(timer_out),
            # Deprecation notices are the same on every run of both sides and only add output.
            "ANSIBLE_DEPRECATION_WARNINGS": "false",
        }
    )
    with open(log_path, "w") as log:
        load = os.getloadavg()[0]
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=run_env, stdout=log, stderr=subprocess.STDOUT, cwd=str(scratch))
        sampler = TreeMemorySampler(proc.pid)
        sampler.start()
        # wait4 gives this child's own CPU time, its waited-for children (the workers) included.
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
    output = log_path.read_text()
    records = [json.loads(line) for line in timer_out.read_text().splitlines()] if timer_out.exists() else []
    return {
        "returncode": proc.returncode,
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "load_average_at_start": round(load, 2),
        "recap": parse_recap(output),
        "records": records,
        "memory": {
            "peak_tree_rss_mb": round(sampler.peak_bytes / 2**20, 1),
            "peak_processes": sampler.peak_processes,
            # Sampled, not ru_maxrss: a forked child's ru_maxrss starts at its parent's RSS (this
            # process holds the sandbox, hundreds of MB), which would hide the playbook's own figure.
            "max_single_process_rss_mb": round(sampler.peak_single_bytes / 2**20, 1),
        },
        "errors": failure_lines(output) if proc.returncode else [],
    }


def failure_lines(output: str, limit: int = 5) -> list[str]:
    """The first distinct task failures of a run (Ansible's "fatal:" lines, trimmed), for the report."""
    seen: list[str] = []
    for line in output.splitlines():
        if line.startswith(("fatal:", "failed:")) or "ERROR!" in line or line.startswith("[ERROR]"):
            text = re.sub(r"^(fatal|failed): \[[^]]+\]", r"\1: [<host>]", line)[:600]
            if text not in seen:
                seen.append(text)
            if len(seen) >= limit:
                break
    return seen


# -- one scenario: reset, first run, converged run(s) ---------------------------------------------------------


def measured(sandbox: Any, run: Any, hosts: int) -> dict[str, Any]:
    """Run ``run()`` and attribute to it the sandbox requests logged meanwhile."""
    aws_before, azure_before = len(sandbox.aws.requests), len(sandbox.azure.requests)
    result = run()
    aws, azure = sandbox.aws.requests[aws_before:], sandbox.azure.requests[azure_before:]
    result["calls"] = metrics.summarise_calls(aws, azure, hosts)
    result["tasks"] = metrics.summarise_tasks(result.pop("records"))
    return result


def account_iam(sandbox: Any) -> Any:
    """``for_account(account)``: an IAM client on moto acting in ``account``, for the state checks.

    One client for all accounts, each request naming its account in moto's ``x-moto-account-id``
    header: a boto3 client costs ~0.1 s to make, a minute per check at N = 500.
    """
    client = sandbox.aws.client("iam")
    current: dict[str, str] = {}

    def name_the_account(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = current["account"]

    client.meta.events.register("before-send.iam", name_the_account)

    def for_account(account: str) -> Any:
        current["account"] = account
        return client

    return for_account


def converged_state(sandbox: Any, accounts: list[str]) -> dict[str, Any]:
    """What is really there after a run: IAM roles trusting Sentinel, connectors pointing at them."""
    roles_ok = 0
    iam_in = account_iam(sandbox)
    for account in accounts:
        iam = iam_in(account)
        try:
            role = iam.get_role(RoleName=ROLE_NAME)["Role"]
            attached = iam.list_attached_role_policies(RoleName=ROLE_NAME)["AttachedPolicies"]
        except iam.exceptions.NoSuchEntityException:
            continue
        external_ids = json.dumps(role.get("AssumeRolePolicyDocument", {}))
        if sandbox.workspace["customer_id"] in external_ids and any(
            p["PolicyName"] == "AWSCloudTrail_ReadOnlyAccess" for p in attached
        ):
            roles_ok += 1
    wanted = {f"arn:aws:iam::{account}:role/{ROLE_NAME}".lower() for account in accounts}
    connectors = sandbox.azure.connectors(sandbox.workspace["name"])
    connected = {
        c["properties"]["awsRoleArn"].lower()
        for c in connectors
        if c["kind"] == "AmazonWebServicesCloudTrail"
        and c["properties"]["dataTypes"]["logs"]["state"].lower() == "enabled"
    }
    return {
        "roles_ok": roles_ok,
        "connectors_ok": len(wanted & connected),
        "connectors_total": len(connectors),
        "ok": roles_ok == len(accounts) and wanted <= connected and len(connectors) == len(accounts),
    }


def s3_converged_state(sandbox: Any, accounts: list[str]) -> dict[str, Any]:
    """What is really there after an S3 run: web-identity roles, and an S3 connector per role with its queue."""
    roles_ok = 0
    iam_in = account_iam(sandbox)
    for account in accounts:
        iam = iam_in(account)
        try:
            trust = json.dumps(iam.get_role(RoleName=S3_ROLE_NAME)["Role"].get("AssumeRolePolicyDocument", {}))
        except iam.exceptions.NoSuchEntityException:
            continue
        roles_ok += "AssumeRoleWithWebIdentity" in trust and sandbox.workspace["customer_id"] in trust
    wanted = {f"arn:aws:iam::{account}:role/{S3_ROLE_NAME}".lower() for account in accounts}
    connectors = sandbox.azure.connectors(sandbox.workspace["name"])
    connected = {
        c["properties"]["roleArn"].lower()
        for c in connectors
        if c["kind"] == "AmazonWebServicesS3" and len(c["properties"]["sqsUrls"]) == 1
    }
    return {
        "roles_ok": roles_ok,
        "connectors_ok": len(wanted & connected),
        "connectors_total": len(connectors),
        "ok": roles_ok == len(accounts) and wanted <= connected and len(connectors) == len(accounts),
    }


def organization_accounts(sandbox: Any, count: int) -> list[str]:
    """A moto Organization of ``HUB_ACCOUNT`` with ``count`` new member accounts (moto picks their IDs).

    moto's CreateAccount puts OrganizationAccountAccessRole, trusting the hub, in each new account,
    as AWS Organizations does (tests/sandbox/README.md); the organisation path assumes it.
    """
    organizations = sandbox.aws.client("organizations", account_id=HUB_ACCOUNT)
    organizations.create_organization(FeatureSet="ALL")
    return [
        organizations.create_account(Email=f"bench-{index}@example.com", AccountName=f"bench-{index:04d}")[
            "CreateAccountStatus"
        ]["AccountId"]
        for index in range(1, count + 1)
    ]


def make_accounts(accounts: list[str]) -> None:
    """Build moto's IAM backend of each account now, outside the measured runs.

    The sandbox loads AWS's ~1,600 managed policies into every account's IAM backend when it is
    first used (MOTO_IAM_LOAD_MANAGED_POLICIES, ~0.3 s of the harness process's CPU each). The
    organisation's accounts pay it in CreateAccount, before the first run; the per-host sides pay
    it here, so that no side's first run carries moto's set-up of its accounts.
    """
    from moto.iam.models import iam_backends

    for account in accounts:
        iam_backends[account]["global"]


def inject_write_throttle(sandbox: Any, spec: str, accounts: int) -> dict[str, Any]:
    """ARM 429s (with Retry-After) on the connector writes of the next run: what was injected.

    The emulator's write throttle (ARM's token bucket, ``bucket`` writes refilled at ``refill`` a
    second) when it has one; else the first tenth of the connector PUTs answer 429, Retry-After 1.
    """
    bucket, refill = metrics.parse_throttle(spec)
    if hasattr(sandbox.azure, "throttle_writes"):
        sandbox.azure.throttle_writes(bucket, refill)
        return {"kind": "write throttle", "bucket": bucket, "refill_per_second": refill}
    times = max(1, accounts // 10)
    sandbox.azure.add_fault(
        method="PUT", path_contains="/dataConnectors/", status=429, headers={"Retry-After": "1"}, times=times
    )
    return {"kind": "faults", "connector_puts_answered_429": times, "retry_after": 1}


def lift_write_throttle(sandbox: Any) -> None:
    """No throttle and no fault left for the converged runs (which must write nothing anyway)."""
    if hasattr(sandbox.azure, "throttle_writes"):
        sandbox.azure.throttle_writes(None)
    with sandbox.azure._lock:
        sandbox.azure.faults.clear()


def run_scenarios(
    sandbox: Any,
    implementation: str,
    accounts: int,
    forks: int | None,
    repeat: int,
    scratch: Path,
    inject_429: str | None = None,
) -> list[dict[str, Any]]:
    sandbox.reset()
    if implementation == "organization":
        ids = organization_accounts(sandbox, accounts)
        group_vars = {"organization_hub_account_id": HUB_ACCOUNT}
    else:
        ids = metrics.account_ids(accounts)
        make_accounts(ids)
        group_vars = {}
    inventory = scratch / f"inventory-{implementation}-{accounts}.json"
    inventory.write_text(json.dumps(metrics.inventory(ids, group_vars=group_vars)))
    if implementation == "s3":  # the S3 path reads a bucket that must exist: one per account
        for account in ids:
            sandbox.aws.client("s3", account_id=account).create_bucket(Bucket=f"logs-{account}")
    results = []
    phases = ["first"] + ["converged"] * repeat
    converged_walls: list[float] = []
    for index, phase in enumerate(phases):
        throttle = inject_write_throttle(sandbox, inject_429, accounts) if inject_429 and phase == "first" else None
        result = measured(
            sandbox,
            lambda: run_ansible(PLAYBOOKS[implementation], inventory, sandbox.env, forks, scratch),
            accounts,
        )
        if throttle:
            lift_write_throttle(sandbox)
            result["inject_429"] = throttle
        result["state"] = (s3_converged_state if implementation == "s3" else converged_state)(sandbox, ids)
        result.update(implementation=implementation, accounts=accounts, forks=forks, phase=phase)
        status = "ok" if result["returncode"] == 0 and result["state"]["ok"] else "FAILED"
        print(
            f"  {implementation:<12} N={accounts:<3} forks={forks or 'default':<7} {phase:<9} "
            f"{result['wall_seconds']:7.2f} s  tasks={result['tasks']['executed']:<4} "
            f"changed={result['tasks']['changed']:<4} aws r/w={result['calls']['aws']['read']}/{result['calls']['aws']['write']} "
            f"azure r/w={result['calls']['azure']['read']}/{result['calls']['azure']['write']} "
            f"token+disc={result['calls']['azure']['auth']} assume={result['calls']['aws']['assume_role']} "
            f"429s={result['calls']['azure']['throttled']} load={result['load_average_at_start']} {status}",
            flush=True,
        )
        if phase == "converged":
            converged_walls.append(result["wall_seconds"])
            if index < len(phases) - 1:
                continue  # keep the last converged run's details, with the median wall time of all
            result["wall_runs"] = converged_walls
            result["wall_seconds"] = round(statistics.median(converged_walls), 3)
        results.append(result)
    return results


# -- where the time goes -----------------------------------------------------------------------------------------

_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def module_runs(sandbox: Any, account: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each module of both sides with the arguments of a converged run for ``account``, run outside Ansible."""
    ws, rg = sandbox.workspace["name"], sandbox.seed["resource_group"]
    arn = f"arn:aws:iam::{account}:role/{ROLE_NAME}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::197857026523:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": sandbox.workspace["customer_id"]}},
            }
        ],
    }
    env = sandbox.env
    return {
        "ansible.builtin.ping": ("ansible.modules.ping", {}),
        "sentinel.aws.workspace_info": (
            "ansible_collections.sentinel.aws.plugins.modules.workspace_info",
            {"workspace_name": ws, "resource_group": rg},
        ),
        "sentinel.aws.connector_role": (
            "ansible_collections.sentinel.aws.plugins.modules.connector_role",
            {"name": ROLE_NAME, "external_id": sandbox.workspace["customer_id"], "account_id": account},
        ),
        "sentinel.aws.data_connector": (
            "ansible_collections.sentinel.aws.plugins.modules.data_connector",
            {"workspace_name": ws, "resource_group": rg, "aws_role_arn": arn},
        ),
        "amazon.aws.iam_role": (
            "ansible_collections.amazon.aws.plugins.modules.iam_role",
            {
                "name": ROLE_NAME,
                "assume_role_policy_document": json.dumps(trust),
                "create_instance_profile": False,
                "managed_policies": ["arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"],
                "description": "Microsoft Sentinel reads this account's CloudTrail",
            },
        ),
        "ansible.builtin.uri (token)": (
            "ansible.modules.uri",
            {
                "url": f"{env['SANDBOX_AZURE_URL']}/{env['AZURE_TENANT']}/oauth2/v2.0/token",
                "method": "POST",
                "body_format": "form-urlencoded",
                "ca_path": env["REQUESTS_CA_BUNDLE"],
                "body": {
                    "grant_type": "client_credentials",
                    "client_id": env["AZURE_CLIENT_ID"],
                    "client_secret": env["AZURE_SECRET"],
                    "scope": f"{env['SANDBOX_AZURE_URL']}/.default",
                },
            },
        ),
    }


def import_breakdown(trace: str, top: int = 8) -> dict[str, Any]:
    """From ``-X importtime`` output: total import time and self time per top-level package."""
    total_us = 0
    by_package: dict[str, int] = {}
    for line in trace.splitlines():
        match = _IMPORTTIME.match(line)
        if not match:
            continue
        name = match.group(4)
        if len(match.group(3)) == 1:  # a top-level import: its cumulative time covers its subtree
            total_us += int(match.group(2))
        parts = name.split(".")
        root = ".".join(parts[:3]) if parts[0] == "ansible_collections" else parts[0]
        by_package[root] = by_package.get(root, 0) + int(match.group(1))
    heaviest = sorted(by_package.items(), key=lambda item: -item[1])[:top]
    return {
        "import_seconds": round(total_us / 1e6, 3),
        "self_ms_by_package": {k: round(v / 1000, 1) for k, v in heaviest},
    }


def profile_module(module: str, arguments: dict[str, Any], env: dict[str, str], scratch: Path) -> dict[str, Any]:
    """Best-of-3 wall time of one direct module run, and where its imports spend (one -X importtime run)."""
    args_file = scratch / "module-args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": arguments}))
    run_env = {**os.environ, **env, "PYTHONPATH": os.environ["DEV_COLLECTIONS"]}
    walls, result = [], {}
    for _attempt in range(3):
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", module, str(args_file)], env=run_env, capture_output=True, text=True, check=False
        )
        walls.append(time.perf_counter() - started)
        try:
            result = json.loads(proc.stdout[proc.stdout.index("{") :])
        except ValueError:
            result = {"failed": True, "msg": (proc.stdout + proc.stderr)[-500:]}
    trace = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", module, str(args_file)],
        env=run_env,
        capture_output=True,
        text=True,
        check=False,
    ).stderr
    return {
        "wall_seconds": round(min(walls), 3),
        "changed": bool(result.get("changed")),
        "failed": bool(result.get("failed")),
        **({"msg": result.get("msg")} if result.get("failed") else {}),
        **import_breakdown(trace),
    }


def profile(sandbox: Any, accounts: int, forks: int | None, scratch: Path) -> dict[str, Any]:
    """Ansible's per-task cost (empty modules) at the biggest N, and each module run alone, converged."""
    interpreter = []
    for _attempt in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        interpreter.append(time.perf_counter() - started)
    inventory = scratch / f"inventory-{accounts}.json"
    inventory.write_text(json.dumps(metrics.inventory(metrics.account_ids(accounts))))
    baseline = measured(
        sandbox, lambda: run_ansible(PLAYBOOKS["baseline"], inventory, sandbox.env, forks, scratch), accounts
    )

    # One account, already onboarded by ours.yml, so every module run below is a converged run.
    account = metrics.account_ids(1)[0]
    one = scratch / "inventory-profile.json"
    one.write_text(json.dumps(metrics.inventory([account])))
    run_ansible(PLAYBOOKS["ours"], one, sandbox.env, None, scratch)
    env = {**sandbox.env, "AWS_ACCESS_KEY_ID": f"AKIASBX{account}"}
    modules = {}
    for name, (module, arguments) in module_runs(sandbox, account).items():
        aws_before, azure_before = len(sandbox.aws.requests), len(sandbox.azure.requests)
        modules[name] = profile_module(module, arguments, env, scratch)
        calls = metrics.summarise_calls(
            sandbox.aws.requests[aws_before:], sandbox.azure.requests[azure_before:], 4  # 3 timed runs + importtime
        )
        modules[name]["calls_per_run"] = {
            "aws": calls["per_account"]["aws_read"] + calls["per_account"]["aws_write"],
            "azure": calls["per_account"]["azure_read"] + calls["per_account"]["azure_write"],
            "azure_auth": calls["per_account"]["azure_auth"],
        }
    return {
        "accounts": accounts,
        "forks": forks,
        "python_startup_seconds": round(min(interpreter), 3),
        "baseline_empty_modules": {
            "playbook": "benchmarks/playbooks/baseline.yml (3 ping tasks per host)",
            "wall_seconds": baseline["wall_seconds"],
            "cpu_seconds": baseline["cpu_seconds"],
            "tasks": {k: v for k, v in baseline["tasks"].items() if k != "per_task"},
            "memory": baseline["memory"],
        },
        "module_runs_outside_ansible": modules,
    }


# -- main -----------------------------------------------------------------------------------------------------


def print_profile(where: dict[str, Any]) -> None:
    base = where["baseline_empty_modules"]
    print(
        f"\nWhere the time goes: python start-up {where['python_startup_seconds']} s; "
        f"baseline.yml (3 empty modules x {where['accounts']} hosts) {base['wall_seconds']} s"
    )
    print(
        f"  {'module run alone (converged)':<32} {'wall s':>7} {'imports s':>9} {'API calls':>9} {'auth':>5}  heaviest imports (self ms)"
    )
    for name, run in where["module_runs_outside_ansible"].items():
        heaviest = ", ".join(f"{k} {v}" for k, v in list(run["self_ms_by_package"].items())[:4])
        calls = run["calls_per_run"]
        print(
            f"  {name:<32} {run['wall_seconds']:>7} {run['import_seconds']:>9} "
            f"{calls['aws'] + calls['azure']:>9} {calls['azure_auth']:>5}  {heaviest}"
            + ("  FAILED: " + str(run.get("msg"))[:200] if run["failed"] else "")
        )


def machine() -> dict[str, Any]:
    import ansible

    cpu = platform.processor() or ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "ansible_core": ansible.__version__,
        "platform": platform.platform(),
        # Other work on the machine skews wall times: the load when the run ended.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def report_of(
    measured: list[dict[str, Any]],
    earlier: list[tuple[str, list[dict[str, Any]]]],
    where: Any,
    command: str,
    started: float,
) -> dict[str, Any]:
    """The results: this run's scenarios, those taken from earlier results files (marked), tables, checks."""
    scenarios = measured
    for source, others in earlier:
        scenarios = metrics.merge_scenarios(scenarios, others, source)
    return {
        "machine": machine(),
        "command": command,
        "total_seconds": round(time.perf_counter() - started, 1),
        "scenarios": scenarios,
        "table": metrics.comparison_rows(scenarios),
        "targets": metrics.check_targets(scenarios),
        "issue17_targets": metrics.check_issue17_targets(scenarios),
        "cost_growth": metrics.cost_growth(scenarios),
        "where_the_time_goes": where,
    }


def measured_here(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in report["scenarios"] if "from_results" not in s]


def write_report(output: Path, report: dict[str, Any]) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")


def print_issue17(report: dict[str, Any]) -> None:
    """Issue 17's target checks and each side's cost growth from N = 50 to 500 (extrapolations said so)."""
    if report["issue17_targets"]:
        print("\nIssue 17 targets:")
    for check in report["issue17_targets"]:
        print(
            f"  {'PASS' if check['passed'] else 'MISS'}  N={check['accounts']:<3} {check['target']}: {check['value']}"
        )
    if report["cost_growth"]:
        print("\nCost growth, wall time N=50 -> 500:")
    for row in report["cost_growth"]:
        print(
            f"  {row['implementation']:<12} {row['phase']:<9} {row['wall_50']:8.1f} s -> {row['wall_500']:8.1f} s "
            f"({row['wall_500_source']}): x{row['growth']}, per account x{row['per_account_growth']}"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--accounts", default="1,10,50", help="comma-separated account counts (default 1,10,50)")
    parser.add_argument("--forks", default="", help="comma-separated forks settings; empty: Ansible's default (5)")
    parser.add_argument(
        "--implementations",
        default="alternative,ours",
        help="which sides to run: " + ", ".join(name for name in PLAYBOOKS if name != "baseline"),
    )
    parser.add_argument(
        "--sizes",
        action="append",
        default=[],
        metavar="IMPLEMENTATION=N[,N...]",
        help="account counts for one implementation instead of --accounts (repeatable), e.g. ours=50,200",
    )
    parser.add_argument(
        "--inject-429",
        nargs="?",
        const=DEFAULT_WRITE_THROTTLE,
        metavar="BUCKET,REFILL",
        help=f"ARM write throttle on every first run (default {DEFAULT_WRITE_THROTTLE}: 25 writes, refilled at 4/s)",
    )
    parser.add_argument(
        "--inject-429-at",
        metavar="N[,N...]",
        help="with --inject-429: throttle the first runs of these account counts only (default: every count)",
    )
    parser.add_argument(
        "--with-results",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="an earlier results JSON whose scenarios this run did not measure join the tables and checks, "
        "marked from_results (repeatable)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="converged runs per scenario (median wall time)")
    parser.add_argument("--no-profile", action="store_true", help="skip the where-the-time-goes measurements")
    parser.add_argument("--output", type=Path, help="JSON file (default benchmarks/results/onboarding-<date>.json)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if "DEV_COLLECTIONS" not in os.environ:
        sys.exit("source scripts/bootstrap.sh first (or run: bash benchmarks/run.sh)")
    from sandbox import Sandbox

    counts = [int(n) for n in args.accounts.split(",") if n]
    forks_list: list[int | None] = [int(f) for f in args.forks.split(",") if f] or [None]
    implementations = [i for i in args.implementations.split(",") if i]
    unknown = sorted(set(implementations) - set(PLAYBOOKS))
    if unknown:
        sys.exit(f"unknown implementation(s) {unknown}: one of {sorted(PLAYBOOKS)}")
    try:
        plan = metrics.run_plan(implementations, counts, metrics.parse_sizes(args.sizes, implementations))
        if args.inject_429:
            metrics.parse_throttle(args.inject_429)
        throttled_counts = metrics.parse_counts(args.inject_429_at, "--inject-429-at") if args.inject_429_at else None
        earlier = [(str(path), json.loads(path.read_text())["scenarios"]) for path in args.with_results]
    except (ValueError, OSError, KeyError) as exc:
        sys.exit(f"{exc}")
    output = args.output or BENCH / "results" / f"onboarding-{datetime.date.today().isoformat()}.json"
    command = " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])])
    scratch = Path(tempfile.mkdtemp(prefix="sentinel-bench-"))
    scenarios: list[dict[str, Any]] = []
    started = time.perf_counter()
    sandbox = Sandbox(scratch / "sandbox").start()
    try:
        for forks in forks_list:
            for count, implementation in plan:
                throttled = args.inject_429 if throttled_counts is None or count in throttled_counts else None
                scenarios += run_scenarios(
                    sandbox, implementation, count, forks, args.repeat, scratch, inject_429=throttled
                )
                # What is measured so far, kept should a long run (N = 500) be stopped.
                write_report(output, report_of(scenarios, earlier, None, command, started))
        where = None
        if not args.no_profile:
            print("  profiling: empty-module baseline and module import times", flush=True)
            sandbox.reset()
            where = profile(sandbox, max(counts), forks_list[0], scratch)
    finally:
        sandbox.stop()
    report = report_of(scenarios, earlier, where, command, started)
    rows, checks = report["table"], report["targets"]
    for source in sorted({s["from_results"] for s in report["scenarios"] if "from_results" in s}):
        print(f"\nFigures of another run (another machine load) taken from {source} where this run has none.")
    print()
    print(metrics.format_table(rows))
    print()
    for check in checks:
        print(
            f"  {'PASS' if check['passed'] else 'MISS'}  N={check['accounts']:<3} {check['target']}: {check['value']}"
        )
    print_issue17(report)
    failed = [s for s in measured_here(report) if s["returncode"] != 0 or not s["state"]["ok"]]
    for scenario in failed:
        print(
            f"\n{scenario['implementation']} N={scenario['accounts']} {scenario['phase']} failed ({scenario['state']}):"
        )
        for line in scenario["errors"]:
            print(f"  {line}")
    write_report(output, report)
    if where:
        print_profile(where)
    print(f"\nwrote {output} ({report['total_seconds']} s)")
    shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
