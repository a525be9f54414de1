"""The playbooks sentinel.aws.onboard_organization / offboard_organization, as an organisation runs them.

An AWS Organization is made in moto from a hub (management) account, its accounts listed by the
sentinel.aws.organizations inventory plugin (an ``*.organizations.yml`` file given with ``-i``), and
every account converged from the hub's keys by one run of sentinel.aws.cloudtrail_organization:
moto's CreateAccount puts ``OrganizationAccountAccessRole`` (trusting the hub) in each new account,
and AssumeRole into it gives keys that moto serves as that account (tests/sandbox/README.md). Every
assertion reads moto's state per account, the emulator's connectors, the sandbox's request logs or
the run report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sandbox import Sandbox
from sandbox.aws import credentials_for

from helpers.ansible_run import REPO, PlaybookRun, run_playbook
from helpers.onboarding import REPORT_ENV, ROLE_NAME, report_rows
from helpers.sandbox_state import cloudtrail_body, portal_put, sentinel_trust_policy

ONBOARD_ORGANIZATION = REPO / "playbooks" / "onboard_organization.yml"
OFFBOARD_ORGANIZATION = REPO / "playbooks" / "offboard_organization.yml"
HUB = "111111111111"
OUTSIDER = "999999999999"  # an account outside the organization, onboarded by hand
ACCESS_ROLE = "OrganizationAccountAccessRole"
MEMBERS = ("prod-a", "prod-b", "dev-c", "dev-d")
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def hub_env(sb: Sandbox) -> dict[str, str]:
    """The sandbox's environment with the hub account's keys (the inventory plugin and the module use them)."""
    keys = credentials_for(HUB)
    return dict(
        sb.env,
        AWS_ACCESS_KEY_ID=keys["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=keys["aws_secret_access_key"],
        **REPORT_ENV,
    )


def organization(sb: Sandbox) -> dict[str, str]:
    """The hub's organization with the MEMBERS accounts in the OU /Workloads; their IDs by name. The log is then cleared."""
    client = sb.aws.client("organizations", account_id=HUB)
    client.create_organization(FeatureSet="ALL")
    root = client.list_roots()["Roots"][0]["Id"]
    unit = client.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]["Id"]
    ids = {}
    for name in MEMBERS:
        status = client.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        ids[name] = status["AccountId"]
        client.move_account(AccountId=ids[name], SourceParentId=root, DestinationParentId=unit)
    sb.aws.reset()
    return ids


def inventory(tmp_path: Path) -> Path:
    """The organization's accounts below /Workloads (not the hub) as hosts named by account name."""
    path = tmp_path / "hub.organizations.yml"
    config = {
        "plugin": "sentinel.aws.organizations",
        "organizational_units": ["/Workloads"],
        "hostname": "account_name",
    }
    path.write_text(yaml.safe_dump(config))
    return path


def organization_vars(sb: Sandbox, **extra: Any) -> dict[str, Any]:
    variables = {
        "organization_assume_role_name": ACCESS_ROLE,
        "organization_workspace_name": sb.env["SANDBOX_WORKSPACE_NAME"],
        "organization_resource_group": sb.env["SANDBOX_RESOURCE_GROUP"],
        "organization_concurrency": 2,
    }
    variables.update(extra)
    return variables


def play(sb: Sandbox, tmp_path: Path, playbook: Path = ONBOARD_ORGANIZATION, **kwargs: Any) -> PlaybookRun:
    extra_vars = organization_vars(sb, **kwargs.pop("extra_vars", {}))
    return run_playbook(playbook, extra_vars=extra_vars, env=hub_env(sb), inventory=inventory(tmp_path), **kwargs)


def iam(sb: Sandbox, account: str) -> Any:
    return sb.aws.client("iam", account_id=account)


def role_names(sb: Sandbox, account: str) -> list[str]:
    return sorted(role["RoleName"] for role in iam(sb, account).list_roles()["Roles"])


def role_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:role/{ROLE_NAME}"


def connector_arns(sb: Sandbox) -> dict[str, str]:
    """The workspace's connectors: role ARN -> connector ID."""
    return {c["properties"]["awsRoleArn"]: c["name"] for c in sb.azure.connectors(workspace="law-sentinel")}


def row(sb: Sandbox, name: str, account: str, outcome: str, ownership: str) -> dict[str, str]:
    """The report row of an onboarded account."""
    return {
        "host": name,
        "account_id": account,
        "role_arn": role_arn(account),
        "connector_id": connector_arns(sb).get(role_arn(account), ""),
        "workspace": "law-sentinel",
        "ownership": ownership,
        "outcome": outcome,
        "reason": "",
    }


def azure_writes_since(sb: Sandbox, mark: int) -> list[dict[str, Any]]:
    """The ARM writes after the first ``mark`` ones (the log only grows; a reset would drop the connectors)."""
    return sb.azure.write_requests()[mark:]


def no_host_changed(run: PlaybookRun) -> bool:
    return all(stats.get("changed", 0) == 0 for stats in run.recap.values())


@pytest.mark.slow
def test_every_account_of_the_organization_is_onboarded_but_the_failing_one_which_the_report_shows(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    """One account (a role of Sentinel's name serving EC2) fails; the others are onboarded; the run fails."""
    sb = clean_sandbox
    ids = organization(sb)
    foreign = ids["dev-c"]
    iam(sb, foreign).create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    sb.aws.reset()
    report_file = tmp_path / "report.json"

    first = play(sb, tmp_path, extra_vars={"organization_report_path": str(report_file)})

    assert first.returncode == 2, first.output
    healthy = [name for name in MEMBERS if ids[name] != foreign]
    for name in healthy:
        assert iam(sb, ids[name]).get_role(RoleName=ROLE_NAME)["Role"]["Arn"] == role_arn(ids[name])
    assert sorted(connector_arns(sb)) == sorted(role_arn(ids[name]) for name in healthy)
    # The foreign role is untouched: no policy attached, its trust as it was.
    assert iam(sb, foreign).list_attached_role_policies(RoleName=ROLE_NAME)["AttachedPolicies"] == []
    assert iam(sb, foreign).get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"] == EC2_TRUST
    # Nothing in the hub.
    assert role_names(sb, HUB) == []
    rows = report_rows(first, "organization_report")
    [reason] = [r["reason"] for r in rows if r["account_id"] == foreign]
    assert "not a Sentinel role" in reason and "ec2.amazonaws.com" in reason, reason
    expected = [
        (
            row(sb, name, ids[name], "created", "created")
            if ids[name] != foreign
            # The module gives no role ARN for an account it refused.
            else {**row(sb, name, foreign, "failed", ""), "role_arn": "", "reason": reason}
        )
        for name in MEMBERS
    ]
    assert sorted(rows, key=lambda r: r["host"]) == sorted(expected, key=lambda r: r["host"])
    assert json.loads(report_file.read_text()) == rows
    assert "4 accounts: 3 created, 1 failed" in first.stdout
    assert f"1 of 4 accounts failed: {foreign}: " in first.output

    # Converged: the same report with "unchanged", no write on either cloud; the foreign account still fails.
    sb.aws.reset()
    mark = len(sb.azure.write_requests())
    azure_before = len(sb.azure.requests)
    again = play(sb, tmp_path)

    assert again.returncode == 2, again.output
    assert sb.aws.write_requests() == [] and azure_writes_since(sb, mark) == []
    # The playbook adds no call of its own: per account one AssumeRole and at most two IAM reads,
    # and for the whole run two ARM reads (the workspace, its connectors).
    assert sb.aws.actions("sts").count("AssumeRole") == 4
    assert len(sb.aws.actions("iam")) <= 2 * 4, sb.aws.actions("iam")
    arm = [r for r in sb.azure.requests[azure_before:] if r["path"].lower().startswith("/subscriptions/")]
    assert [r["method"] for r in arm] == ["GET", "GET"], arm
    assert no_host_changed(again), again.output
    rows = report_rows(again, "organization_report")
    assert {r["account_id"]: (r["outcome"], r["ownership"]) for r in rows} == {
        **{ids[name]: ("unchanged", "managed") for name in healthy},
        foreign: ("failed", ""),
    }
    assert "4 accounts: 1 failed, 3 unchanged" in again.stdout


@pytest.mark.slow
def test_check_mode_says_what_would_happen_and_writes_nothing(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    sb = clean_sandbox
    ids = organization(sb)

    run = play(sb, tmp_path, check=True, diff=True)

    assert run.returncode == 0, run.output
    assert sb.aws.write_requests() == [] and sb.azure.write_requests() == []
    rows = report_rows(run, "organization_report")
    assert sorted((r["host"], r["account_id"], r["outcome"]) for r in rows) == sorted(
        (name, ids[name], "would create") for name in MEMBERS
    )
    assert all(role_names(sb, ids[name]) == [ACCESS_ROLE] for name in MEMBERS)
    assert connector_arns(sb) == {}
    assert "4 accounts: 4 would create" in run.stdout


@pytest.mark.slow
def test_offboarding_removes_our_roles_and_connectors_and_nothing_else(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    sb = clean_sandbox
    ids = organization(sb)
    onboard = play(sb, tmp_path)
    assert onboard.returncode == 0, onboard.output
    # Not ours: the role and connector of an account outside the organization, made by hand (the
    # portal), and another role in a member account.
    outsider_role = iam(sb, OUTSIDER).create_role(
        RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(sentinel_trust_policy(sb.workspace["customer_id"]))
    )["Role"]["Arn"]
    outsider = portal_put(sb, "a7d1c0de-0000-4000-8000-0000000000a1", cloudtrail_body(outsider_role))
    iam(sb, ids["prod-a"]).create_role(RoleName="AuditRole", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    sb.aws.reset()
    mark = len(sb.azure.write_requests())

    offboard = play(sb, tmp_path, OFFBOARD_ORGANIZATION)

    assert offboard.returncode == 0, offboard.output
    assert connector_arns(sb) == {outsider_role: outsider["name"]}
    assert role_names(sb, OUTSIDER) == [ROLE_NAME]
    assert role_names(sb, ids["prod-a"]) == ["AuditRole", ACCESS_ROLE]
    assert all(role_names(sb, ids[name]) == [ACCESS_ROLE] for name in MEMBERS[1:])
    rows = report_rows(offboard, "organization_report")
    assert sorted((r["account_id"], r["outcome"], r["reason"]) for r in rows) == sorted(
        (ids[name], "removed", "") for name in MEMBERS
    )
    assert [r["method"] for r in azure_writes_since(sb, mark)] == ["DELETE"] * 4

    # Offboarded: nothing left to remove, no write.
    sb.aws.reset()
    mark = len(sb.azure.write_requests())
    again = play(sb, tmp_path, OFFBOARD_ORGANIZATION)
    assert again.returncode == 0, again.output
    assert sb.aws.write_requests() == [] and azure_writes_since(sb, mark) == []
    assert no_host_changed(again), again.output
    assert {r["outcome"] for r in report_rows(again, "organization_report")} == {"absent"}


def test_no_account_to_work_on_fails_and_says_what_to_give() -> None:
    """Not "skipping: no hosts matched" and exit 0, which reads as success.

    Run by their collection names, as users do: the plays' tasks file (playbooks/tasks/) is found there too.
    """
    for playbook in ("sentinel.aws.onboard_organization", "sentinel.aws.offboard_organization"):
        run = run_playbook(playbook)

        assert run.returncode != 0
        message = " ".join(run.failure_messages())
        assert "No AWS account to work on: the host pattern 'all' matches no inventory host" in message, run.output
        assert "plugin: sentinel.aws.organizations" in message
        assert "-e organization_hosts=localhost -e aws_account_id=123456789012" in message


@pytest.mark.parametrize(
    ("extra_vars", "message"),
    [
        # A host of a hand-written inventory that names no account.
        ({}, "no AWS account ID for the host localhost: give each host the variable aws_account_id"),
        (
            {"aws_account_id": "222222222222", "organization_aws_connection": {"secret_acces_key": "CANARY"}},
            "organization_aws_connection has keys that no module takes: secret_acces_key",
        ),
        (
            {"aws_account_id": "222222222222", "cloudtrail_aws_account_id": "333333333333"},
            "host localhost: aws_account_id and cloudtrail_aws_account_id name different accounts",
        ),
    ],
    ids=["no-account", "bad-connection-key", "two-accounts"],
)
def test_bad_input_fails_before_any_call_and_the_report_says_why(
    clean_sandbox: Sandbox, extra_vars: dict[str, Any], message: str
) -> None:
    sb = clean_sandbox
    variables = organization_vars(sb, organization_hosts="localhost", **extra_vars)

    run = run_playbook(ONBOARD_ORGANIZATION, extra_vars=variables, env=hub_env(sb))

    assert run.returncode == 2, run.output
    [reported] = report_rows(run, "organization_report")
    assert (reported["host"], reported["outcome"]) == ("localhost", "failed")
    assert message in reported["reason"], reported
    assert "CANARY" not in run.output
    assert sb.aws.requests == [] and sb.azure.write_requests() == []
