"""The collection playbooks (sentinel.aws.onboard / offboard) and their examples, as users run them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sandbox import Sandbox

from helpers.ansible_run import REPO, ansible_env, run_playbook

BIN = Path(sys.executable).parent
EXAMPLES = REPO / "playbooks" / "examples"
ROLE = REPO / "roles" / "cloudtrail"
SPEC = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
DEFAULTS = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
SURVEY = json.loads((EXAMPLES / "survey.json").read_text())
# AWX survey question types and the argument_specs types whose values they can produce.
SURVEY_TYPES = {
    "text": {"str"},
    "textarea": {"str", "dict", "list"},
    "password": {"str"},
    "integer": {"int"},
    "float": {"float"},
    "multiplechoice": {"str", "bool"},
    "multiselect": {"list"},
}


@pytest.mark.slow
def test_onboard_and_offboard_run_by_collection_name_with_the_sandbox_vars_file(clean_sandbox: Sandbox) -> None:
    """The README's commands: `ansible-playbook sentinel.aws.onboard -e @playbooks/examples/vars/sandbox.yml`."""
    sb = clean_sandbox
    vars_file = ["-e", f"@{EXAMPLES / 'vars' / 'sandbox.yml'}"]
    role_arn = f"arn:aws:iam::{sb.env['SANDBOX_AWS_ACCOUNT_ID']}:role/MicrosoftSentinelRole"

    onboard = run_playbook("sentinel.aws.onboard", env=sb.env, args=vars_file)

    assert onboard.returncode == 0, onboard.output
    assert onboard.stat("changed") == 2
    assert role_arn in onboard.stdout
    [connector] = sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"])
    assert connector["properties"]["awsRoleArn"] == role_arn
    tags = sb.aws.client("iam").list_role_tags(RoleName="MicrosoftSentinelRole")["Tags"]
    # The given tag, and the marker connector_role puts on the roles it makes.
    assert {t["Key"]: t["Value"] for t in tags} == {"environment": "sandbox", "sentinel.aws:managed": "true"}

    offboard = run_playbook("sentinel.aws.offboard", env=sb.env, args=vars_file)

    assert offboard.returncode == 0, offboard.output
    assert offboard.stat("changed") == 2
    assert sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"]) == []
    assert sb.aws.client("iam").list_roles()["Roles"] == []


def test_the_example_inventory_has_one_host_per_account() -> None:
    proc = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(EXAMPLES / "inventory" / "hosts.yml"), "--list"],
        capture_output=True,
        text=True,
        env=ansible_env(),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    hostvars = json.loads(proc.stdout)["_meta"]["hostvars"]
    accounts = [host["cloudtrail_aws_account_id"] for host in hostvars.values()]
    assert len(hostvars) >= 2
    assert len(set(accounts)) == len(accounts)
    # Strings of 12 digits: an unquoted 012345678901 would lose its leading zero.
    assert all(isinstance(a, str) and len(a) == 12 and a.isdigit() for a in accounts)
    assert all(host["ansible_connection"] == "local" for host in hostvars.values())


def test_role_defaults_match_the_argument_specs() -> None:
    for name, value in DEFAULTS.items():
        assert name in SPEC, f"{name} is in defaults/main.yml but not in meta/argument_specs.yml"
        assert SPEC[name].get("default") == value, f"{name}: argument_specs default differs from defaults/main.yml"
    for name, option in SPEC.items():
        assert name.startswith("cloudtrail_")
        assert option.get("description"), f"{name} has no description"
        if "default" in option:
            assert name in DEFAULTS, f"{name} has a documented default but none in defaults/main.yml"
    assert SPEC["cloudtrail_aws_account_id"].get("required") is True


def test_the_example_vars_files_use_only_role_variables() -> None:
    for vars_file in sorted((EXAMPLES / "vars").glob("*.yml")):
        variables = yaml.safe_load(vars_file.read_text())
        unknown = set(variables) - set(SPEC) - {"cloudtrail_hosts"}
        assert unknown == set(), f"{vars_file.name}: {unknown}"


def test_the_survey_is_awx_shaped() -> None:
    assert SURVEY["name"] and "description" in SURVEY
    for question in SURVEY["spec"]:
        assert {"question_name", "variable", "type", "required"} <= set(question), question
        assert question["type"] in SURVEY_TYPES, question
        assert isinstance(question["required"], bool)
        if question["type"] in ("multiplechoice", "multiselect"):
            assert question["default"] in question["choices"]
    variables = [q["variable"] for q in SURVEY["spec"]]
    assert len(variables) == len(set(variables))


@pytest.mark.parametrize("question", SURVEY["spec"], ids=lambda q: q["variable"])
def test_each_survey_question_matches_the_argument_specs(question: dict[str, Any]) -> None:
    option = SPEC.get(question["variable"])
    assert option is not None, f"{question['variable']} is not a role variable"
    assert option.get("type", "str") in SURVEY_TYPES[question["type"]]
    if option.get("required"):
        assert question["required"], "a variable the role requires must be a required question"
    if "default" in option and question.get("default") not in ("", None):
        # Survey answers are strings or numbers: compare as the role would see them.
        assert str(question["default"]).lower() == str(option["default"]).lower()
    if "choices" in option:
        assert set(question["choices"]) <= set(option["choices"])
    if option.get("type") == "bool":
        assert set(question["choices"]) == {"true", "false"}


# What differs per AWS account: the inventory gives it per host. A survey answer is an extra
# variable, which would override it on every host of a multi-account inventory.
PER_ACCOUNT_VARIABLES = {"cloudtrail_aws_account_id", "cloudtrail_aws_connection", "cloudtrail_role_tags"}


def test_the_survey_asks_nothing_that_differs_per_account() -> None:
    asked = {q["variable"] for q in SURVEY["spec"]}
    assert asked.isdisjoint(PER_ACCOUNT_VARIABLES)
    inventory = yaml.safe_load((EXAMPLES / "inventory" / "hosts.yml").read_text())
    for host in inventory["all"]["children"]["aws_accounts"]["hosts"].values():
        assert asked.isdisjoint(host)


def test_every_required_role_variable_is_asked_by_the_survey_or_given_per_account() -> None:
    asked = {q["variable"] for q in SURVEY["spec"]}
    required = {name for name, option in SPEC.items() if option.get("required")}
    assert required <= asked | PER_ACCOUNT_VARIABLES


def test_ansible_doc_renders_the_role() -> None:
    proc = subprocess.run(
        [str(BIN / "ansible-doc"), "-t", "role", "sentinel.aws.cloudtrail"],
        capture_output=True,
        text=True,
        env=ansible_env(),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for name in SPEC:
        assert name in proc.stdout
