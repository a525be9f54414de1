"""The EXAMPLES of sentinel.aws.connector_role run as written against the sandbox."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import yaml
from helpers.ansible_run import REPO, run_playbook
from sandbox import Sandbox

MODULE = REPO / "plugins" / "modules" / "connector_role.py"
# The account of the example run from a hub (assume_role_name).
MEMBER_ACCOUNT = "210987654321"


def module_examples() -> list[dict]:
    """The EXAMPLES string, read from the module's source without importing it."""
    tree = ast.parse(MODULE.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXAMPLES" for t in node.targets):
            return yaml.safe_load(node.value.value)
    raise AssertionError("connector_role.py has no EXAMPLES")


def test_examples_run_as_written(clean_sandbox: Sandbox, tmp_path: Path):
    sandbox = clean_sandbox
    # The member account of the hub example holds the role the hub assumes (STS refuses a missing one).
    hub_role = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}
    sandbox.aws.client("iam", account_id=MEMBER_ACCOUNT).create_role(
        RoleName="OrganizationAccountAccessRole",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [hub_role]}),
    )
    sandbox.aws.reset()  # the log starts with the examples' own calls
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
