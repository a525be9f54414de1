"""Hub credentials on the S3 connector's path: its seven AWS modules and the sentinel.aws.s3 role assume a
role in a member account themselves.

As test_hub_credentials: an AWS Organization in moto, made from the hub account; moto's CreateAccount puts
``OrganizationAccountAccessRole`` in each new account, and AssumeRole's keys are served as that account.
Every assertion reads moto's state per account, the Azure emulator's, or their request logs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sandbox import Sandbox

from helpers.ansible_run import PlaybookRun, run_playbook, run_task_cases
from helpers.hub import ACCESS_ROLE, HUB, hub_env, member_account
from helpers.onboarding import ONBOARD_S3, REPORT_ENV, report_rows, s3_vars

pytestmark = pytest.mark.slow

BUCKET = "member-logs"
ROLE = "OIDC_MicrosoftSentinelS3Role"
TRAIL = "sentinel-trail"
OTHER = "222222222222"
EXTERNAL_SECRET = "hub-external-id-never-shown"
WS = "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"


def onboard(sb: Sandbox, variables: dict[str, Any], **kwargs: Any) -> PlaybookRun:
    return run_playbook(ONBOARD_S3, extra_vars=variables, env={**hub_env(sb), **REPORT_ENV}, **kwargs)


def new_azure_writes(sb: Sandbox, since: int) -> list[dict[str, Any]]:
    new = sb.azure.requests[since:]
    return [r for r in sb.azure.write_requests() if r in new]


def test_the_s3_role_onboards_a_member_account_from_hub_credentials(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    member = member_account(sb)
    sb.aws.client("s3", account_id=member).create_bucket(Bucket=BUCKET)
    key_id = sb.aws.client("kms", account_id=member).create_key()["KeyMetadata"]["KeyId"]
    sb.aws.reset()
    # Every module of the path runs: provider, role, bucket and key policies, queue, notification, trail.
    variables = s3_vars(
        sb,
        BUCKET,
        s3_aws_account_id=member,
        s3_assume_role_name=ACCESS_ROLE,
        s3_assume_role_external_id=EXTERNAL_SECRET,
        s3_assume_role_session_name="soc-onboarding",
        s3_kms_key_id=key_id,
        s3_trail={"create": True, "name": TRAIL},
    )

    run = onboard(sb, variables, verbosity=3)

    assert run.returncode == 0, run.output
    requests = sb.aws.requests  # the run's, before the test's own reads below
    assert EXTERNAL_SECRET not in run.output
    role_arn = f"arn:aws:iam::{member}:role/{ROLE}"
    [row] = report_rows(run, "s3_report")
    assert (row["account_id"], row["outcome"], row["role_arn"]) == (member, "created", role_arn)
    # Every piece is in the member account.
    iam = sb.aws.client("iam", account_id=member)
    assert iam.get_role(RoleName=ROLE)["Role"]["Arn"] == role_arn
    [provider] = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert provider["Arn"].startswith(f"arn:aws:iam::{member}:oidc-provider/")
    s3 = sb.aws.client("s3", account_id=member)
    assert role_arn in s3.get_bucket_policy(Bucket=BUCKET)["Policy"]
    [notification] = s3.get_bucket_notification_configuration(Bucket=BUCKET)["QueueConfigurations"]
    assert notification["QueueArn"] == f"arn:aws:sqs:us-east-1:{member}:sentinel-aws-cloudtrail"
    key_policy = sb.aws.client("kms", account_id=member).get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    assert role_arn in key_policy
    [trail] = sb.aws.client("cloudtrail", account_id=member).describe_trails(trailNameList=[TRAIL])["trailList"]
    assert trail["TrailARN"] == f"arn:aws:cloudtrail:us-east-1:{member}:trail/{TRAIL}"
    # None in the hub.
    assert sb.aws.client("iam", account_id=HUB).list_roles()["Roles"] == []
    assert sb.aws.client("iam", account_id=HUB).list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    assert sb.aws.client("sqs", account_id=HUB).list_queues().get("QueueUrls", []) == []
    assert sb.aws.client("cloudtrail", account_id=HUB).describe_trails()["trailList"] == []
    [connector] = sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"])
    assert connector["properties"]["roleArn"] == role_arn
    # Each AWS task assumed the role with the hub's key (one AssumeRole per task, no extra task);
    # every other call ran as the assumed role, in the member account.
    assumes = [r for r in requests if r["action"] == "AssumeRole"]
    assert assumes and {r["access_key"] for r in assumes} == {f"AKIASBX{HUB}"}
    assert {r["account"] for r in requests if r["action"] != "AssumeRole"} == {member}

    sb.aws.reset()
    azure_from = len(sb.azure.requests)
    again = onboard(sb, variables)
    assert again.returncode == 0, again.output
    assert again.stat("changed") == 0
    assert sb.aws.write_requests() == [] and new_azure_writes(sb, azure_from) == []
    assert {r["account"] for r in sb.aws.requests if r["action"] != "AssumeRole"} == {member}


def module_cases(account: str, bucket: str, key_id: str, **hub: str) -> list[tuple[str, dict[str, Any]]]:
    """One task of each of the seven modules of the S3 path, for ``account``, with ``hub`` options."""
    role_arn = f"arn:aws:iam::{account}:role/{ROLE}"
    queue_arn = f"arn:aws:sqs:us-east-1:{account}:sentinel-aws-cloudtrail"
    cases: list[tuple[str, dict[str, Any]]] = [
        ("oidc_provider", {}),
        ("s3_connector_role", {"workspace_id": WS}),
        ("s3_bucket_access", {"bucket": bucket, "role_arn": role_arn}),
        ("kms_key_access", {"key_id": key_id, "role_arn": role_arn}),
        ("s3_log_queue", {"name": "sentinel-aws-cloudtrail", "bucket": bucket, "role_arn": role_arn}),
        ("s3_notification", {"bucket": bucket, "id": "sentinel-aws-cloudtrail", "queue_arn": queue_arn}),
        ("s3_trail", {"name": TRAIL, "bucket": bucket}),
    ]
    return [(module, dict(args, aws_account_id=account, **hub)) for module, args in cases]


def test_each_module_refuses_a_hub_role_of_another_account_before_any_call(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    member = member_account(sb)
    hub_role = f"arn:aws:iam::{member}:role/{ACCESS_ROLE}"
    key = "1234abcd-12ab-34cd-56ef-1234567890ab"

    results = run_task_cases(module_cases(OTHER, BUCKET, key, assume_role_arn=hub_role), env=hub_env(sb))

    modules = [case[0] for case in module_cases(OTHER, BUCKET, key)]
    for module, result in zip(modules, results, strict=True):
        assert result["failed"], (module, result)
        assert result["msg"].startswith(f"assume_role_arn: the role {hub_role} is in AWS account {member}"), module
        assert f"not the expected account {OTHER} (aws_account_id)" in result["msg"], module
    assert sb.aws.requests == []


def test_modules_without_a_guard_of_their_own_check_the_callers_account_first(clean_sandbox: Sandbox) -> None:
    """s3_bucket_access, kms_key_access and s3_notification got aws_account_id with the hub options; without a
    hub, one sts:GetCallerIdentity checks it before anything else."""
    sb = clean_sandbox
    s3 = sb.aws.client("s3", account_id=HUB)
    s3.create_bucket(Bucket=BUCKET)
    key_id = sb.aws.client("kms", account_id=HUB).create_key()["KeyMetadata"]["KeyId"]
    guarded = ("s3_bucket_access", "kms_key_access", "s3_notification")

    def cases(account: str) -> list[tuple[str, dict[str, Any]]]:
        return [
            (module, dict(args, state="absent"))
            for module, args in module_cases(account, BUCKET, key_id)
            if module in guarded
        ]

    sb.aws.reset()
    wrong = run_task_cases(cases(OTHER), env=hub_env(sb))
    for module, result in zip(guarded, wrong, strict=True):
        assert result["failed"], (module, result)
        assert result["msg"] == (
            f"aws_account_id: the credentials act on AWS account {HUB} (from sts:GetCallerIdentity), "
            f"not the expected account {OTHER}; nothing was changed"
        ), module
    assert sb.aws.actions() == ["GetCallerIdentity"] * len(guarded)

    sb.aws.reset()
    right = run_task_cases(cases(HUB), env=hub_env(sb))
    for module, result in zip(guarded, right, strict=True):
        assert not result["failed"] and not result["changed"], (module, result)
    assert sb.aws.write_requests() == []
    assert sb.aws.actions().count("GetCallerIdentity") == len(guarded)


def test_bad_hub_variables_stop_the_account_naming_the_variable_before_any_call(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    sb = clean_sandbox
    member = member_account(sb)
    hub_role = f"arn:aws:iam::{member}:role/{ACCESS_ROLE}"
    bad_secret = "bad secret with spaces"
    hosts = {
        "both": {"s3_assume_role_name": ACCESS_ROLE, "s3_assume_role_arn": hub_role},
        "elsewhere": {"s3_assume_role_arn": f"arn:aws:iam::{OTHER}:role/{ACCESS_ROLE}"},
        "secret": {"s3_assume_role_name": ACCESS_ROLE, "s3_assume_role_external_id": bad_secret},
    }
    inventory = {
        "all": {
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "hosts": {host: {"s3_aws_account_id": member, "s3_bucket": BUCKET, **hub} for host, hub in hosts.items()},
        }
    }
    (tmp_path / "hosts.json").write_text(json.dumps(inventory))
    variables = {
        "s3_workspace_name": sb.env["SANDBOX_WORKSPACE_NAME"],
        "s3_resource_group": sb.env["SANDBOX_RESOURCE_GROUP"],
    }
    azure_from = len(sb.azure.requests)

    run = run_playbook(
        ONBOARD_S3, extra_vars=variables, env={**hub_env(sb), **REPORT_ENV}, inventory=tmp_path / "hosts.json"
    )

    assert run.returncode != 0
    reasons = {row["host"]: row["reason"] for row in report_rows(run, "s3_report")}
    assert "s3_assume_role_arn and s3_assume_role_name are mutually exclusive" in reasons["both"]
    assert f"s3_assume_role_arn: the role arn:aws:iam::{OTHER}:role/" in reasons["elsewhere"]
    assert f"not the expected account {member} (s3_aws_account_id)" in reasons["elsewhere"]
    assert "s3_assume_role_external_id must be 2 to 1224" in reasons["secret"]
    assert bad_secret not in run.output
    assert sb.aws.requests == [] and new_azure_writes(sb, azure_from) == []
