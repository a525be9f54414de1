"""The role takes what Ansible users naturally type: numbers from YAML, text from ``-e key=value``.

Issue 12.7: ``-e cloudtrail_wait_timeout=120`` (text), a role name YAML reads as a number (IAM
allows all-digit names), a number as description, and a 12-digit account ID YAML kept as a decimal
number were refused although the role's argument spec had accepted them. Refusals of what is
really wrong are in test_bad_input.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sandbox import Sandbox

from helpers.ansible_run import run_playbook
from helpers.onboarding import ONBOARD, role_vars

pytestmark = pytest.mark.slow


def test_numbers_from_yaml_and_text_from_the_command_line_onboard_and_converge(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    sb = clean_sandbox
    account = sb.env["SANDBOX_AWS_ACCOUNT_ID"]
    # Unquoted, as in an inventory or vars file: YAML reads each of these as an integer.
    (tmp_path / "vars.yml").write_text(
        f"cloudtrail_aws_account_id: {account}\ncloudtrail_role_name: 20240101\ncloudtrail_role_description: 42\n"
    )
    variables = {k: v for k, v in role_vars(sb).items() if k != "cloudtrail_aws_account_id"}
    args = ["-e", f"@{tmp_path / 'vars.yml'}", "-e", "cloudtrail_wait_timeout=120"]

    first = run_playbook(ONBOARD, extra_vars=variables, env=sb.env, args=args)

    assert first.returncode == 0, first.output
    assert first.stat("changed") == 2
    role = sb.aws.client("iam").get_role(RoleName="20240101")["Role"]
    assert role["Description"] == "42"
    [connector] = sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"])
    assert connector["properties"]["awsRoleArn"] == f"arn:aws:iam::{account}:role/20240101"

    aws_writes, azure_writes = len(sb.aws.write_requests()), len(sb.azure.write_requests())
    again = run_playbook(ONBOARD, extra_vars=variables, env=sb.env, args=args)

    assert again.returncode == 0, again.output
    assert again.stat("changed") == 0
    assert sb.aws.write_requests()[aws_writes:] == [] and sb.azure.write_requests()[azure_writes:] == []
