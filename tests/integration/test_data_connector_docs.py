"""ansible-doc renders the three Azure-side modules, and their EXAMPLES run as written against the sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers.ansible_run import REPO, ansible_env, run_playbook
from helpers.sandbox_state import ROLE_NAME, make_role

MODULES = ["workspace_info", "data_connector", "data_connector_info"]

# The second account of data_connector's example that connects several accounts in one run.
OTHER_ACCOUNT = "210987654321"


def module_doc(name):
    source = (REPO / "plugins" / "modules" / f"{name}.py").read_text()
    namespace = {}
    exec(compile(source.split("from ansible.module_utils")[0], name, "exec"), namespace)  # docs only, no imports
    return namespace


@pytest.mark.parametrize("name", MODULES)
def test_ansible_doc_renders(name):
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-doc"), "--json", f"sentinel.aws.{name}"],
        env=ansible_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)[f"sentinel.aws.{name}"]
    options = doc["doc"]["options"]
    for option in (
        "auth_source",
        "subscription_id",
        "client_id",
        "secret",
        "tenant",
        "cloud_environment",
        "cert_validation_mode",
        "workspace_name",
        "workspace_resource_id",
    ):
        assert option in options, option
    assert doc["examples"] and doc["return"]
    assert "Warning" not in proc.stderr and "WARNING" not in proc.stderr, proc.stderr


def test_examples_run_as_written(clean_sandbox, tmp_path):
    make_role(clean_sandbox)  # the role the examples name, trusted with the workspace ID
    make_role(clean_sandbox, account_id=OTHER_ACCOUNT)  # and the second account's, for the connectors list
    for name in ["workspace_info", "data_connector", "data_connector_info"]:
        tasks = yaml.safe_load(module_doc(name)["EXAMPLES"])
        playbook = tmp_path / f"{name}.yml"
        playbook.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
        run = run_playbook(playbook, env=clean_sandbox.env)
        assert run.returncode == 0 and run.stat("failed") == 0, run.output
        assert run.stat("ok") == len(tasks)
    # data_connector's examples created, paused, then removed the CloudTrail connector, did the same
    # with an S3 one (at its preview API version), and between those connected two accounts in one run.
    puts = [r for r in clean_sandbox.azure.write_requests() if "dataconnectors" in r["path"].lower()]
    assert [(r["method"], r["api_version"]) for r in puts] == [
        ("PUT", "2021-10-01"),
        ("PUT", "2021-10-01"),
        ("DELETE", "2021-10-01"),
        ("PUT", "2025-07-01-preview"),
        ("PUT", "2021-10-01"),
        ("PUT", "2021-10-01"),
        ("DELETE", "2025-07-01-preview"),
    ]
    left = {c["properties"]["awsRoleArn"] for c in clean_sandbox.azure.connectors()}
    assert left == {f"arn:aws:iam::{account}:role/{ROLE_NAME}" for account in ("123456789012", OTHER_ACCOUNT)}
