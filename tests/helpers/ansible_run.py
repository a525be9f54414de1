"""Run sentinel.aws modules and playbooks through the real ``ansible-playbook``.

Integration tests use these instead of importing module code: the module runs in its own
process, as it does for users, with the options and environment variables they would set.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
_RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<stats>(?:\w+=\d+\s*)+)$", re.MULTILINE)
# "fatal: [host]: FAILED! => {...}" (one line, or indented JSON with -vvv)
_FAILED = re.compile(r"^(?:fatal|failed): \[[^\]]+\][^\n{]*=> (?=\{)", re.MULTILINE)


@dataclass
class PlaybookRun:
    returncode: int
    stdout: str
    stderr: str
    recap: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def stat(self, name: str, host: str = "localhost") -> int:
        return self.recap.get(host, {}).get(name, 0)

    def failed_results(self) -> list[dict[str, Any]]:
        """The result of every failed task, as printed by the default callback."""
        decoder = json.JSONDecoder()
        return [decoder.raw_decode(self.stdout, match.end())[0] for match in _FAILED.finditer(self.stdout)]

    def failure_messages(self) -> list[str]:
        """The ``msg`` of every failed task, and argument-spec errors of the role's validation, each once.

        Once: the cloudtrail role fails an account again with the same message after recording it
        for the run report (its rescue), so one failure prints two results.
        """
        messages: list[str] = []
        for result in self.failed_results():
            messages.append(str(result.get("msg", "")))
            messages.extend(str(error) for error in result.get("argument_errors", []))
        return list(dict.fromkeys(messages))


@dataclass
class ModuleRun(PlaybookRun):
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(self.result.get("failed"))

    @property
    def changed(self) -> bool:
        return bool(self.result.get("changed"))

    @property
    def msg(self) -> str:
        return str(self.result.get("msg", ""))


def ansible_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for an ansible process: this venv, the dev collection tree, tests/ansible.cfg."""
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=os.environ["DEV_COLLECTIONS"],
        ANSIBLE_CONFIG=str(REPO / "tests" / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    env.update(extra or {})
    return env


def parse_recap(stdout: str) -> dict[str, dict[str, int]]:
    recap: dict[str, dict[str, int]] = {}
    for match in _RECAP.finditer(stdout):
        stats = dict(item.split("=") for item in match.group("stats").split())
        recap[match.group("host")] = {key: int(value) for key, value in stats.items()}
    return recap


def run_playbook(
    playbook: str | Path,
    *,
    extra_vars: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    inventory: str | Path | None = None,
    check: bool = False,
    diff: bool = False,
    verbosity: int = 0,
    args: list[str] | None = None,
    timeout: float = 600,
) -> PlaybookRun:
    """Run ``ansible-playbook`` and return its output with the PLAY RECAP parsed."""
    command = [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook)]
    with tempfile.TemporaryDirectory() as scratch:
        if extra_vars:
            vars_file = Path(scratch) / "extra_vars.json"
            vars_file.write_text(json.dumps(extra_vars))
            command += ["-e", f"@{vars_file}"]
        if inventory:
            command += ["-i", str(inventory)]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if verbosity:
            command.append("-" + "v" * verbosity)
        command += args or []
        proc = subprocess.run(
            command, env=ansible_env(env), capture_output=True, text=True, timeout=timeout, check=False
        )
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, parse_recap(proc.stdout))


def run_module(
    module: str,
    module_args: dict[str, Any],
    *,
    env: dict[str, str] | None = None,
    check: bool = False,
    diff: bool = False,
    verbosity: int = 0,
    timeout: float = 600,
) -> ModuleRun:
    """Run one task of ``sentinel.aws.<module>`` (or a fully qualified name) and return its result.

    The task runs with ``ignore_errors`` so a failure still yields the module's own result.
    """
    fqcn = module if "." in module else f"sentinel.aws.{module}"
    with tempfile.TemporaryDirectory() as scratch:
        result_file = Path(scratch) / "result.json"
        playbook = Path(scratch) / "task.yml"
        play = [
            {
                "hosts": "localhost",
                "gather_facts": False,
                "tasks": [
                    {"name": "module under test", fqcn: module_args, "register": "result", "ignore_errors": True},
                    {
                        "name": "save the result",
                        "ansible.builtin.copy": {"content": "{{ result | to_json }}", "dest": str(result_file)},
                        "check_mode": False,
                        "diff": False,
                    },
                ],
            }
        ]
        # JSON is YAML; no templating of module_args happens beyond what Ansible does to task args.
        playbook.write_text(json.dumps(play))
        run = run_playbook(playbook, env=env, check=check, diff=diff, verbosity=verbosity, timeout=timeout)
        result = json.loads(result_file.read_text()) if result_file.exists() else {}
    if not result:
        raise AssertionError(f"no result from {fqcn}:\n{run.output}")
    return ModuleRun(run.returncode, run.stdout, run.stderr, run.recap, result)


def run_module_cases(
    module: str, cases: list[dict[str, Any]], *, env: dict[str, str] | None = None, timeout: float = 600
) -> list[dict[str, Any]]:
    """Run ``sentinel.aws.<module>`` once per argument dict, as tasks of one playbook; their results in order."""
    return run_task_cases([(module, args) for args in cases], env=env, timeout=timeout)


def run_task_cases(
    cases: list[tuple[str, dict[str, Any]]], *, env: dict[str, str] | None = None, timeout: float = 600
) -> list[dict[str, Any]]:
    """Run each (module, arguments) as a task of one playbook; their results in order.

    One ansible-playbook start instead of one per case; each task runs with ``ignore_errors`` so
    every case yields the module's own result.
    """
    tasks: list[dict[str, Any]] = [
        {
            "name": f"case {index}",
            module if "." in module else f"sentinel.aws.{module}": args,
            "register": f"case{index}",
            "ignore_errors": True,
        }
        for index, (module, args) in enumerate(cases)
    ]
    with tempfile.TemporaryDirectory() as scratch:
        results = Path(scratch) / "results.json"
        names = ", ".join(f"case{index}" for index in range(len(cases)))
        tasks.append({"ansible.builtin.copy": {"content": "{{ [" + names + "] | to_json }}", "dest": str(results)}})
        playbook = Path(scratch) / "cases.yml"
        playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
        run = run_playbook(playbook, env=env, timeout=timeout)
        outcomes = json.loads(results.read_text()) if results.exists() else []
    if len(outcomes) != len(cases):
        raise AssertionError(f"{len(outcomes)} results for {len(cases)} cases:\n{run.output}")
    return outcomes
