"""The collection playbooks (sentinel.aws.onboard / offboard) and their examples, as users run them."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sandbox import Sandbox

from helpers.ansible_run import REPO, ansible_env, run_playbook
from helpers.onboarding import ROLE_NAME, REPORT_ENV, accounts_inventory, report_rows, role_vars

BIN = Path(sys.executable).parent
EXAMPLES = REPO / "playbooks" / "examples"
ROLE = REPO / "roles" / "cloudtrail"
SPEC = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
DEFAULTS = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
S3_ROLE = REPO / "roles" / "s3"
S3_SPEC = yaml.safe_load((S3_ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
S3_DEFAULTS = yaml.safe_load((S3_ROLE / "defaults" / "main.yml").read_text())
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
    # One changed task per account: sentinel.aws.cloudtrail_account removes the connector, then the role.
    assert offboard.stat("changed") == 1
    assert sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"]) == []
    assert sb.aws.client("iam").list_roles()["Roles"] == []


# --- the run report (issue 13) ----------------------------------------------------------------------

# Three accounts to onboard, and one (the sandbox's default account) where a role of the name
# Sentinel uses already serves something else: the ownership rules refuse it before any write.
REPORT_ACCOUNTS = {
    "aws-a": "111111111111",
    "aws-b": "222222222222",
    "aws-foreign": "123456789012",
    "aws-c": "333333333333",
}
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def workspace_vars(sb: Sandbox, **extra: Any) -> dict[str, Any]:
    """role_vars without the account: the inventory gives one per host."""
    variables = role_vars(sb, **extra)
    del variables["cloudtrail_hosts"], variables["cloudtrail_aws_account_id"]
    return variables


# What AWX keeps as a job's artifacts: the set_stats data of the run (stats.custom["_run"]).
ARTIFACTS_CALLBACK = """
import json, os
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "artifacts"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_stats(self, stats):
        with open(os.environ["ARTIFACTS_FILE"], "w") as artifacts:
            json.dump(stats.custom.get("_run", {}), artifacts)
"""


def artifacts_callback(tmp_path: Path) -> dict[str, str]:
    """The environment that makes ansible-playbook write the run's artifacts to tmp_path/artifacts.json."""
    plugins = tmp_path / "callback_plugins"
    plugins.mkdir()
    (plugins / "artifacts.py").write_text(ARTIFACTS_CALLBACK)
    return {
        "ANSIBLE_CALLBACK_PLUGINS": str(plugins),
        "ANSIBLE_CALLBACKS_ENABLED": "artifacts",
        "ARTIFACTS_FILE": str(tmp_path / "artifacts.json"),
    }


def expected_rows(sb: Sandbox, outcome: str, ownership: str, reason: str) -> list[dict[str, str]]:
    connectors = {c["properties"]["awsRoleArn"]: c["name"] for c in sb.azure.connectors(workspace="law-sentinel")}
    rows = []
    for host, account in REPORT_ACCOUNTS.items():
        arn = f"arn:aws:iam::{account}:role/{ROLE_NAME}"
        onboarded = host != "aws-foreign"
        rows.append(
            {
                "host": host,
                "account_id": account,
                "role_arn": arn,
                "connector_id": connectors[arn] if onboarded else "",
                "workspace": "law-sentinel",
                "ownership": ownership if onboarded else "",
                "outcome": outcome if onboarded else "failed",
                "reason": "" if onboarded else reason,
            }
        )
    return rows


@pytest.mark.slow
def test_the_run_report_shows_every_account_with_the_failure_and_its_reason(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    sb = clean_sandbox
    sb.aws.client("iam", account_id="123456789012").create_role(
        RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(EC2_TRUST)
    )
    inventory = accounts_inventory(
        tmp_path / "hosts.yml", {host: {"cloudtrail_aws_account_id": a} for host, a in REPORT_ACCOUNTS.items()}
    )
    report_file = tmp_path / "report.json"

    first = run_playbook(
        "sentinel.aws.onboard",
        extra_vars=workspace_vars(sb, cloudtrail_report_path=str(report_file)),
        env={**sb.env, **artifacts_callback(tmp_path)},
        inventory=inventory,
    )

    assert first.returncode == 2, first.output
    # PLAY RECAP still counts the foreign account as failed, and only it.
    assert {host: first.stat("failed", host) for host in REPORT_ACCOUNTS} == {
        "aws-a": 0,
        "aws-b": 0,
        "aws-foreign": 1,
        "aws-c": 0,
    }
    artifacts = json.loads((tmp_path / "artifacts.json").read_text())
    rows = artifacts["cloudtrail_report"]
    [reason] = [row["reason"] for row in rows if row["host"] == "aws-foreign"]
    assert f"role {ROLE_NAME} is not a Sentinel role" in reason and "ec2.amazonaws.com" in reason
    assert rows == expected_rows(sb, "created", "created", reason)
    assert json.loads(report_file.read_text()) == rows
    assert (
        sb.aws.client("iam", account_id="123456789012").list_attached_role_policies(RoleName=ROLE_NAME)[
            "AttachedPolicies"
        ]
        == []
    )

    # A re-run, to CSV (from the extension), shown by the default callback: the same accounts, unchanged.
    report_file = tmp_path / "report.csv"
    again = run_playbook(
        "sentinel.aws.onboard",
        extra_vars=workspace_vars(sb, cloudtrail_report_path=str(report_file)),
        env={**sb.env, **REPORT_ENV},
        inventory=inventory,
    )

    assert again.returncode == 2, again.output
    assert sum(again.stat("changed", host) for host in REPORT_ACCOUNTS) == 0, again.output
    rows = report_rows(again)
    assert rows == expected_rows(sb, "unchanged", "managed", reason)
    assert list(csv.DictReader(report_file.open())) == rows
    assert "4 accounts: 1 failed, 3 unchanged" in again.stdout
    assert "aws-foreign  123456789012  arn:aws:iam::123456789012:role/MicrosoftSentinelRole" in again.stdout


@pytest.mark.slow
def test_the_run_report_is_shown_when_every_account_fails(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    """A play whose every host failed ends the playbook: the report must come before that."""
    sb = clean_sandbox
    accounts = {"aws-a": "111111111111", "aws-b": "222222222222"}
    inventory = accounts_inventory(
        tmp_path / "hosts.yml", {host: {"cloudtrail_aws_account_id": a} for host, a in accounts.items()}
    )

    for playbook in ("sentinel.aws.onboard", "sentinel.aws.offboard"):
        run = run_playbook(
            playbook,
            # A wrong variable for every account: each stops before any cloud call.
            extra_vars=workspace_vars(sb, cloudtrail_connector_id="1234"),
            env={**sb.env, **REPORT_ENV},
            inventory=inventory,
        )

        assert run.returncode == 2, run.output
        assert all(run.stat("failed", host) == 1 for host in accounts), run.output
        rows = report_rows(run)
        assert [(row["host"], row["account_id"], row["outcome"]) for row in rows] == [
            ("aws-a", "111111111111", "failed"),
            ("aws-b", "222222222222", "failed"),
        ]
        assert all("cloudtrail_connector_id must be a GUID" in row["reason"] for row in rows), rows
        assert "2 accounts: 2 failed" in run.stdout
    assert sb.aws.write_requests() == [] and sb.azure.write_requests() == []


@pytest.mark.parametrize("playbook", ["sentinel.aws.onboard", "sentinel.aws.offboard", "sentinel.aws.verify"])
@pytest.mark.parametrize("args", [[], ["-e", "cloudtrail_hosts=aws_accounts"]], ids=["no-vars", "no-match"])
def test_no_account_to_work_on_fails_and_says_what_to_give(playbook: str, args: list[str]) -> None:
    """Not "skipping: no hosts matched" and exit 0, which reads as success."""
    run = run_playbook(playbook, args=args)

    assert run.returncode != 0
    message = " ".join(run.failure_messages())
    assert "No AWS account to work on" in message, run.output
    assert "Give an inventory with one host per AWS account (-i inventory.yml" in message
    assert "-e cloudtrail_hosts=localhost -e cloudtrail_aws_account_id=123456789012" in message


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


@pytest.mark.parametrize(
    "spec,defaults,prefix", [(SPEC, DEFAULTS, "cloudtrail_"), (S3_SPEC, S3_DEFAULTS, "s3_")], ids=["cloudtrail", "s3"]
)
def test_role_defaults_match_the_argument_specs(spec: dict, defaults: dict, prefix: str) -> None:
    for name, value in defaults.items():
        assert name in spec, f"{name} is in defaults/main.yml but not in meta/argument_specs.yml"
        assert spec[name].get("default") == value, f"{name}: argument_specs default differs from defaults/main.yml"
    for name, option in spec.items():
        assert name.startswith(prefix)
        assert option.get("description"), f"{name} has no description"
        if "default" in option:
            assert name in defaults, f"{name} has a documented default but none in defaults/main.yml"
    assert spec[prefix + "aws_account_id"].get("required") is True


def test_the_example_vars_files_use_only_role_variables() -> None:
    for vars_file in sorted((EXAMPLES / "vars").glob("*.yml")):
        variables = yaml.safe_load(vars_file.read_text())
        # Each file is for one of the roles: sandbox_s3.yml for sentinel.aws.s3.
        unknown = set(variables) - set(S3_SPEC if vars_file.stem.endswith("_s3") else SPEC) - {"cloudtrail_hosts"}
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
