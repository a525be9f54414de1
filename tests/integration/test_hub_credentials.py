"""Hub credentials: connector_role and the cloudtrail role assume a role in a member account themselves.

An AWS Organization is made in moto from a hub (management) account; moto's CreateAccount puts
``OrganizationAccountAccessRole`` (trusting the hub) in each new account, and STS AssumeRole into it
gives keys that moto serves as that account (tests/sandbox/README.md). Every assertion reads moto's
state per account or the sandbox's request log.
"""

from __future__ import annotations

from typing import Any

import pytest
from sandbox import Sandbox

from helpers.ansible_run import run_module, run_module_cases, run_playbook
from helpers.hub import ACCESS_ROLE, HUB, hub_env, member_account
from helpers.iam_state import role_state
from helpers.onboarding import ONBOARD, REPORT_ENV, ROLE_NAME, report_rows, role_vars

WS = "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"
EXTERNAL_SECRET = "hub-external-id-never-shown"


def role_args(account: str, **overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"name": "SentinelRole", "external_id": WS, "account_id": account}
    args["assume_role_name"] = ACCESS_ROLE
    args.update(overrides)
    return args


def test_assume_role_name_creates_the_role_in_the_member_account_then_converges_with_no_write(
    clean_sandbox: Sandbox,
) -> None:
    sb = clean_sandbox
    member = member_account(sb)

    run = run_module("connector_role", role_args(member), env=hub_env(sb))

    assert run.changed and not run.failed, run.output
    requests = sb.aws.requests
    assert run.result["role"]["arn"] == f"arn:aws:iam::{member}:role/SentinelRole"
    assert role_state(sb, "SentinelRole") is None  # not in the sandbox's default account
    assert sb.aws.client("iam", account_id=HUB).list_roles()["Roles"] == []  # nor in the hub
    assert (
        sb.aws.client("iam", account_id=member)
        .get_role(RoleName="SentinelRole")["Role"]["Arn"]
        .endswith("role/SentinelRole")
    )
    [assume] = [r for r in requests if r["action"] == "AssumeRole"]
    assert assume["access_key"] == f"AKIASBX{HUB}"
    # Every other call, the guard's GetCallerIdentity included, ran as the assumed role in the member account.
    others = [r for r in requests if r["action"] != "AssumeRole"]
    assert {r["account"] for r in others} == {member}
    assert "GetCallerIdentity" in [r["action"] for r in others]

    sb.aws.reset()
    again = run_module("connector_role", role_args(member), env=hub_env(sb))
    assert not again.changed and not again.failed, again.output
    assert sb.aws.write_requests() == []
    assert [r["action"] for r in sb.aws.requests] == [
        "AssumeRole",
        "GetRole",
        "ListAttachedRolePolicies",
        "ListRolePolicies",
    ]


def test_assume_role_arn_with_external_id_and_session_name_never_shows_the_external_id(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    member = member_account(sb)
    args = role_args(
        member,
        assume_role_name=None,
        assume_role_arn=f"arn:aws:iam::{member}:role/{ACCESS_ROLE}",
        assume_role_external_id=EXTERNAL_SECRET,
        assume_role_session_name="soc-onboarding",
    )
    run = run_module("connector_role", args, env=hub_env(sb), verbosity=3)
    assert run.changed and not run.failed, run.output
    assert EXTERNAL_SECRET not in run.output
    assert sb.aws.client("iam", account_id=member).get_role(RoleName="SentinelRole")
    assert {r["account"] for r in sb.aws.requests if r["action"] != "AssumeRole"} == {member}


def test_check_mode_through_an_assumed_role_writes_nothing(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    member = member_account(sb)
    run = run_module("connector_role", role_args(member), env=hub_env(sb), check=True, diff=True)
    assert run.changed and not run.failed, run.output
    assert run.result["role"]["arn"] == f"arn:aws:iam::{member}:role/SentinelRole"
    assert run.result["diff"]["before"] == {}
    assert sb.aws.write_requests() == []
    assert [r["RoleName"] for r in sb.aws.client("iam", account_id=member).list_roles()["Roles"]] == [ACCESS_ROLE]


def test_a_role_arn_in_another_account_is_refused_before_any_call(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    member = member_account(sb)
    args = role_args(member, assume_role_name=None, assume_role_arn=f"arn:aws:iam::222222222222:role/{ACCESS_ROLE}")
    run = run_module("connector_role", args, env=hub_env(sb))
    assert run.failed
    assert run.msg.startswith("assume_role_arn: the role arn:aws:iam::222222222222:role/")
    assert f"not the expected account {member} (account_id)" in run.msg
    assert sb.aws.requests == []


def test_an_unassumable_role_fails_naming_the_role_and_writes_nothing(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    member = member_account(sb)
    sb.aws.add_fault("AssumeRole", status=403, code="AccessDenied", message="not authorized to perform sts:AssumeRole")
    run = run_module("connector_role", role_args(member), env=hub_env(sb))
    assert run.failed
    assert f"Failed to assume the role arn:aws:iam::{member}:role/{ACCESS_ROLE} (sts:AssumeRole)" in run.msg
    assert "AccessDenied" in run.output
    assert sb.aws.write_requests() == []
    assert [r["action"] for r in sb.aws.requests] == ["AssumeRole"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"account_id": None}, "assume_role_name needs account_id: the AWS account to assume the role"),
        (
            {"assume_role_arn": "arn:aws:iam::222222222222:role/x"},
            "assume_role_arn and assume_role_name are mutually exclusive",
        ),
        ({"assume_role_name": "bad name!"}, "assume_role_name must be"),
        (
            {"assume_role_arn": "arn:aws:iam::2222:role/x", "assume_role_name": None},
            "assume_role_arn must be an IAM role ARN",
        ),
        ({"assume_role_session_name": "s"}, "assume_role_session_name must be 2 to 64"),
        ({"assume_role_external_id": "bad id with spaces"}, "assume_role_external_id must be 2 to 1224"),
        ({"assume_role_name": None, "assume_role_external_id": "abcdef"}, "assume_role_external_id is used only with"),
    ],
)
def test_bad_hub_options_name_the_option_before_any_call(
    clean_sandbox: Sandbox, overrides: dict[str, Any], message: str
) -> None:
    sb = clean_sandbox
    args = {k: v for k, v in role_args("333333333333", **overrides).items() if v is not None}
    [result] = run_module_cases("connector_role", [args], env=hub_env(sb))
    assert result["failed"]
    assert message in result["msg"]
    assert "bad id with spaces" not in result["msg"]  # an external ID is never shown
    assert sb.aws.requests == []


def test_the_cloudtrail_role_onboards_a_member_account_from_hub_credentials(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    member = member_account(sb)
    variables = role_vars(sb, cloudtrail_aws_account_id=member, cloudtrail_assume_role_name=ACCESS_ROLE)

    run = run_playbook(ONBOARD, extra_vars=variables, env={**hub_env(sb), **REPORT_ENV})

    assert run.returncode == 0, run.output
    role_arn = f"arn:aws:iam::{member}:role/{ROLE_NAME}"
    assert sb.aws.client("iam", account_id=member).get_role(RoleName=ROLE_NAME)["Role"]["Arn"] == role_arn
    assert ROLE_NAME not in [r["RoleName"] for r in sb.aws.client("iam", account_id=HUB).list_roles()["Roles"]]
    [connector] = sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"])
    assert connector["properties"]["awsRoleArn"] == role_arn
    [row] = report_rows(run)
    assert (row["account_id"], row["outcome"]) == (member, "created")
    # One AssumeRole per AWS task, from the hub's keys; no extra task per account.
    assert [r["access_key"] for r in sb.aws.requests if r["action"] == "AssumeRole"] == [f"AKIASBX{HUB}"]

    sb.aws.reset()
    again = run_playbook(ONBOARD, extra_vars=variables, env={**hub_env(sb), **REPORT_ENV})
    assert again.returncode == 0, again.output
    assert again.stat("changed") == 0
    assert sb.aws.write_requests() == []


def test_the_cloudtrail_role_refuses_a_hub_role_arn_of_another_account_before_any_call(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    member = member_account(sb)
    variables = role_vars(
        sb,
        cloudtrail_aws_account_id=member,
        cloudtrail_assume_role_arn=f"arn:aws:iam::222222222222:role/{ACCESS_ROLE}",
    )
    run = run_playbook(ONBOARD, extra_vars=variables, env=hub_env(sb))
    assert run.returncode != 0
    assert "cloudtrail_assume_role_arn: the role arn:aws:iam::222222222222:role/" in run.output
    assert f"not the expected account {member} (cloudtrail_aws_account_id)" in run.output
    assert sb.aws.requests == [] and sb.azure.write_requests() == []
