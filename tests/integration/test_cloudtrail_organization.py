"""cloudtrail_organization: many accounts of a moto Organization converged in one task from a hub credential.

The organisation is made in moto from the hub (management) account; moto's CreateAccount puts
``OrganizationAccountAccessRole`` in each new account, and AssumeRole into it gives keys moto serves
as that account (tests/sandbox/README.md). Every assertion reads moto's state per account, the
emulator's connectors or the request logs of both sandboxes.
"""

from __future__ import annotations

import json
from typing import Any

from sandbox import Sandbox
from sandbox.aws import credentials_for

from helpers.ansible_run import run_module

HUB = "111111111111"
ACCESS_ROLE = "OrganizationAccountAccessRole"
ROLE = "MicrosoftSentinelRole"
OTHER_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)


def hub_env(sb: Sandbox) -> dict[str, str]:
    keys = credentials_for(HUB)
    return dict(
        sb.env, AWS_ACCESS_KEY_ID=keys["aws_access_key_id"], AWS_SECRET_ACCESS_KEY=keys["aws_secret_access_key"]
    )


def member_accounts(sb: Sandbox, count: int) -> list[str]:
    """``count`` new accounts of the hub's organization, each with moto's OrganizationAccountAccessRole."""
    organizations = sb.aws.client("organizations", account_id=HUB)
    try:
        organizations.describe_organization()
    except organizations.exceptions.AWSOrganizationsNotInUseException:
        organizations.create_organization(FeatureSet="ALL")
    accounts = [
        organizations.create_account(Email=f"m{i}@example.com", AccountName=f"m{i}")["CreateAccountStatus"]["AccountId"]
        for i in range(count)
    ]
    sb.aws.reset()
    return accounts


def args(sb: Sandbox, accounts: list[str], **overrides: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "accounts": accounts,
        "assume_role_name": ACCESS_ROLE,
        "workspace_name": sb.env["SANDBOX_WORKSPACE_NAME"],
        "resource_group": sb.env["SANDBOX_RESOURCE_GROUP"],
    }
    options.update(overrides)
    return options


def connector_roles(sb: Sandbox) -> list[str]:
    connectors = sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"])
    return sorted(c["properties"]["awsRoleArn"] for c in connectors)


def arm_requests(sb: Sandbox, since: int = 0) -> list[tuple[str, str]]:
    """(method, last path segment) of the ARM requests from the ``since``-th on (token and metadata ones left out)."""
    return [
        (r["method"], r["path"].rsplit("/", 1)[-1])
        for r in sb.azure.requests[since:]
        if r["path"].startswith("/subscriptions/")
    ]


def arm_writes(sb: Sandbox, since: int = 0) -> list[tuple[str, str]]:
    return [(method, name) for method, name in arm_requests(sb, since) if method != "GET"]


def remove_role(sb: Sandbox, account: str, name: str) -> None:
    iam = sb.aws.client("iam", account_id=account)
    for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    iam.delete_role(RoleName=name)


def test_onboards_every_account_then_converges_reading_azure_twice_and_each_account_once(
    clean_sandbox: Sandbox,
) -> None:
    sb = clean_sandbox
    accounts = member_accounts(sb, 5)

    run = run_module("cloudtrail_organization", args(sb, accounts), env=hub_env(sb))

    assert run.changed and not run.failed, run.output
    roles = [f"arn:aws:iam::{a}:role/{ROLE}" for a in accounts]
    assert [(a["account_id"], a["outcome"], a["role_arn"], a["role_ownership"]) for a in run.result["accounts"]] == [
        (a, "created", arn, "created") for a, arn in zip(accounts, roles, strict=True)
    ]
    assert run.result["summary"] == dict(
        total=5, changed=5, failed=0, created=5, updated=0, unchanged=0, removed=0, absent=0
    )
    assert run.result["workspace_id"] == sb.env["SANDBOX_WORKSPACE_ID"]
    assert connector_roles(sb) == sorted(roles)
    for account in accounts:
        role = sb.aws.client("iam", account_id=account).get_role(RoleName=ROLE)["Role"]
        condition = role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
        assert condition == {"StringEquals": {"sts:ExternalId": sb.env["SANDBOX_WORKSPACE_ID"]}}
    # One AssumeRole per account, all with the hub's keys; everything else in the member accounts.
    assumes = [r for r in sb.aws.requests if r["action"] == "AssumeRole"]
    assert sorted(r["access_key"] for r in assumes) == [f"AKIASBX{HUB}"] * 5
    assert {r["account"] for r in sb.aws.requests if r["action"] != "AssumeRole"} == set(accounts)
    assert arm_requests(sb).count(("GET", "dataConnectors")) == 1
    assert ROLE not in [r["RoleName"] for r in sb.aws.client("iam", account_id=HUB).list_roles()["Roles"]]

    sb.aws.reset()
    mark = len(sb.azure.requests)
    again = run_module("cloudtrail_organization", args(sb, accounts), env=hub_env(sb))

    assert not again.changed and not again.failed, again.output
    assert [a["outcome"] for a in again.result["accounts"]] == ["unchanged"] * 5
    assert [a["role_ownership"] for a in again.result["accounts"]] == ["managed"] * 5
    assert again.result["summary"]["unchanged"] == 5
    assert sb.aws.write_requests() == [] and arm_writes(sb, mark) == []
    # Per converged account: the AssumeRole and one IAM read; for the whole run: two ARM reads.
    assert sorted((r["account"], r["action"]) for r in sb.aws.requests) == sorted(
        [(HUB, "AssumeRole")] * len(accounts) + [(a, "GetAccountAuthorizationDetails") for a in accounts]
    )
    assert sorted(arm_requests(sb, mark)) == [("GET", "dataConnectors"), ("GET", sb.env["SANDBOX_WORKSPACE_NAME"])]


def test_a_failing_account_never_stops_the_others(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    accounts = member_accounts(sb, 4)
    foreign, unassumable = accounts[1], accounts[2]
    sb.aws.client("iam", account_id=foreign).create_role(RoleName=ROLE, AssumeRolePolicyDocument=OTHER_TRUST)
    remove_role(sb, unassumable, ACCESS_ROLE)
    sb.aws.reset()

    run = run_module("cloudtrail_organization", args(sb, accounts), env=hub_env(sb))

    assert run.failed and run.changed
    outcomes = {a["account_id"]: a for a in run.result["accounts"]}
    assert [a["account_id"] for a in run.result["accounts"]] == accounts
    assert outcomes[foreign]["outcome"] == "failed"
    assert f"role {ROLE} is not a Sentinel role and was not made by sentinel.aws" in outcomes[foreign]["reason"]
    assert outcomes[unassumable]["outcome"] == "failed"
    assert (
        f"Failed to assume the role arn:aws:iam::{unassumable}:role/{ACCESS_ROLE} (sts:AssumeRole)"
        in outcomes[unassumable]["reason"]
    )
    assert "AccessDenied" in outcomes[unassumable]["reason"]
    assert run.msg.startswith("2 of 4 accounts failed: ")
    assert f"{foreign}: role {ROLE} is not a Sentinel role" in run.msg
    assert f"{unassumable}: Failed to assume the role" in run.msg
    assert run.result["summary"] == dict(
        total=4, changed=2, failed=2, created=2, updated=0, unchanged=0, removed=0, absent=0
    )
    healthy = [accounts[0], accounts[3]]
    assert connector_roles(sb) == sorted(f"arn:aws:iam::{a}:role/{ROLE}" for a in healthy)
    # The foreign role is untouched; nothing at all was written in either failing account.
    role = sb.aws.client("iam", account_id=foreign).get_role(RoleName=ROLE)["Role"]
    assert role["AssumeRolePolicyDocument"] == json.loads(OTHER_TRUST) and not role.get("Tags")
    assert {r["account"] for r in sb.aws.write_requests()} == set(healthy)
