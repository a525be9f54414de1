"""The EXAMPLES of sentinel.aws.connector_role run as written against the sandbox."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import yaml
from helpers.ansible_run import REPO, run_playbook
from sandbox import Sandbox

MODULE = REPO / "plugins" / "modules" / "connector_role.py"


def module_examples() -> list[dict]:
    """The EXAMPLES string, read from the module's source without importing it."""
    tree = ast.parse(MODULE.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXAMPLES" for t in node.targets):
            return yaml.safe_load(node.value.value)
    raise AssertionError("connector_role.py has no EXAMPLES")


def test_examples_run_as_written(clean_sandbox: Sandbox, tmp_path: Path):
    sandbox = clean_sandbox
    tasks = module_examples()
    assert tasks and all("name" in task for task in tasks)
    playbook = tmp_path / "examples.yml"
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))

    run = run_playbook(playbook, env=sandbox.env)
    assert run.returncode == 0, run.output
    assert run.stat("failed") == 0 and run.stat("ok") == len(tasks), run.recap
    actions = [r["action"] for r in sandbox.aws.write_requests()]
    # create (role + policy), add a tag, change the session duration, then delete.
    assert actions[:2] == ["CreateRole", "AttachRolePolicy"], actions
    assert "TagRole" in actions and "UpdateRole" in actions
    assert actions[-1] == "DeleteRole", actions
    assert sandbox.aws.client("iam").list_roles()["Roles"] == []
