"""sentinel.aws.s3_connector_role through ansible-playbook against moto's server in the sandbox.

The role Sentinel's S3 connector assumes by web identity. Every assertion reads the state back
from moto or the sandbox's request log; nothing is mocked. moto accepts a trust naming an OIDC
provider that does not exist (real IAM does not: tests/sandbox/README.md), so no provider is made.
"""

from __future__ import annotations

import json
from typing import Any

from helpers.ansible_run import run_module, run_module_cases
from helpers.iam_state import iam_actions, role_state
from sandbox import Sandbox

ROLE = "OIDC_MicrosoftSentinelS3Role"
WS = "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"
SENTINEL = f"MicrosoftSentinel_{WS}"
TENANT = "33e01921-4d64-4f8c-a055-5bdaffd5e33d"
AUDIENCE = "api://1462b192-27f7-4cb9-8523-0f4ecb54b47e"
AUD_KEY = f"sts.windows.net/{TENANT}/:aud"
CLOUDTRAIL_RO = "arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"
MARKER = {"sentinel.aws:managed": "true"}
CONVERGED_READS = ["GetRole", "ListAttachedRolePolicies", "ListRolePolicies"]


def provider_arn(sandbox: Sandbox, partition: str = "aws", tenant: str = TENANT) -> str:
    return f"arn:{partition}:iam::{sandbox.env['SANDBOX_AWS_ACCOUNT_ID']}:oidc-provider/sts.windows.net/{tenant}/"


def microsofts_template(sandbox: Sandbox, session_name: str = SENTINEL) -> dict[str, Any]:
    """Microsoft's CloudFormation trust policy (research-s3.md section 3), written out by hand."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn(sandbox)},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {AUD_KEY: AUDIENCE, "sts:RoleSessionName": session_name}},
            }
        ],
    }


def make_role(sandbox: Sandbox, document: dict[str, Any], marked: bool = True) -> None:
    """A role made straight on moto (marked: with the module's marker tag); the request log is cleared."""
    iam = sandbox.aws.client("iam")
    extra = {"Tags": [{"Key": k, "Value": v} for k, v in MARKER.items()]} if marked else {}
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(document), **extra)
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=CLOUDTRAIL_RO)
    sandbox.aws.reset()


def trust(sandbox: Sandbox, name: str = ROLE) -> dict[str, Any]:
    role = role_state(sandbox, name)
    assert role is not None
    return role["AssumeRolePolicyDocument"]


def test_create_is_microsofts_template_then_a_rerun_only_reads(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    args = {"workspace_id": WS, "tags": {"owner": "soc"}, "description": "Sentinel S3"}
    run = run_module("s3_connector_role", args, env=sandbox.env, diff=True)
    assert run.changed and not run.failed, run.output
    # The provider's ARN names the account: one sts:GetCallerIdentity before the create.
    assert [(r["service"], r["action"]) for r in sandbox.aws.requests] == [
        ("iam", "GetRole"),
        ("sts", "GetCallerIdentity"),
        ("iam", "GetPolicy"),
        ("iam", "CreateRole"),
        ("iam", "AttachRolePolicy"),
    ]
    role = role_state(sandbox, ROLE)
    assert role is not None
    assert role["AssumeRolePolicyDocument"] == microsofts_template(sandbox)
    assert role["AttachedPolicies"] == [CLOUDTRAIL_RO]
    assert role["TagDict"] == {"owner": "soc", **MARKER}
    assert role["Description"] == "Sentinel S3"
    result = run.result["role"]
    assert result["arn"] == role["Arn"] == f"arn:aws:iam::{sandbox.env['SANDBOX_AWS_ACCOUNT_ID']}:role/{ROLE}"
    assert (result["session_names"], result["trust_policy"]) == ([SENTINEL], microsofts_template(sandbox))
    assert run.result["ownership"] == "created"
    assert run.result["diff"]["before"] == {}
    assert run.result["diff"]["after"]["session_names"] == [SENTINEL]
    assert "external_ids" not in run.result["diff"]["after"]

    sandbox.aws.reset()
    again = run_module("s3_connector_role", args, env=sandbox.env)
    assert not again.failed and not again.changed, again.output
    assert sandbox.aws.write_requests() == []
    assert iam_actions(sandbox) == CONVERGED_READS
    assert again.result["ownership"] == "managed"


def test_trust_condition_drift_is_repaired_with_diff(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    other_session = microsofts_template(sandbox, "MicrosoftSentinel_00000000-0000-4000-8000-000000000000")
    no_audience = microsofts_template(sandbox)
    no_audience["Statement"][0]["Condition"] = {"StringEquals": {"sts:RoleSessionName": SENTINEL}}
    for drifted in (other_session, no_audience):
        sandbox.aws.reset(state=True)
        make_role(sandbox, drifted)
        run = run_module("s3_connector_role", {"workspace_id": WS}, env=sandbox.env, diff=True)
        assert run.changed and not run.failed, run.output
        assert [r["action"] for r in sandbox.aws.write_requests()] == ["UpdateAssumeRolePolicy"]
        assert trust(sandbox) == microsofts_template(sandbox)
        assert run.result["diff"]["before"]["trust_policy"] == drifted
        assert run.result["diff"]["after"]["trust_policy"] == microsofts_template(sandbox)
        assert run.result["diff"]["after"]["session_names"] == [SENTINEL]


def test_defender_pattern_moves_both_names_to_string_like_and_warns(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    names = [SENTINEL, "MicrosoftDefenderForClouds_*"]
    run = run_module("s3_connector_role", {"session_names": names}, env=sandbox.env)
    assert run.changed and not run.failed, run.output
    [statement] = trust(sandbox)["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {AUD_KEY: AUDIENCE},
        "StringLike": {"sts:RoleSessionName": sorted(names)},
    }
    assert run.result["role"]["session_names"] == sorted(names)
    assert any("matches by pattern (StringLike)" in w for w in run.result.get("warnings", [])), run.result

    sandbox.aws.reset()
    again = run_module("s3_connector_role", {"session_names": list(reversed(names))}, env=sandbox.env)
    assert not again.changed and not again.failed, again.output
    assert sandbox.aws.write_requests() == []


def test_check_mode_writes_nothing(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    created = run_module("s3_connector_role", {"workspace_id": WS}, env=sandbox.env, check=True, diff=True)
    assert created.changed and not created.failed, created.output
    assert role_state(sandbox, ROLE) is None
    assert created.result["role"]["arn"].endswith(f":role/{ROLE}")
    assert created.result["diff"]["after"]["trust_policy"] == microsofts_template(sandbox)

    drifted = microsofts_template(sandbox, "MicrosoftSentinel_00000000-0000-4000-8000-000000000000")
    make_role(sandbox, drifted)
    repaired = run_module("s3_connector_role", {"workspace_id": WS}, env=sandbox.env, check=True)
    assert repaired.changed and not repaired.failed, repaired.output
    assert sandbox.aws.write_requests() == []
    assert trust(sandbox) == drifted


def test_a_role_of_that_name_made_by_someone_else_is_refused_before_any_write(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    foreign = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    make_role(sandbox, foreign, marked=False)
    present, absent = run_module_cases(
        "s3_connector_role", [{"workspace_id": WS}, {"state": "absent"}], env=sandbox.env
    )
    assert present["failed"]
    assert present["msg"].startswith(f"role {ROLE} is not a Sentinel role and was not made by sentinel.aws")
    assert "lets ec2.amazonaws.com assume it" in present["msg"]
    assert not absent["changed"] and absent["ownership"] == "foreign"
    assert sandbox.aws.write_requests() == []
    assert trust(sandbox) == foreign


def test_a_hand_made_role_from_microsofts_template_is_adopted(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_role(sandbox, microsofts_template(sandbox), marked=False)
    run = run_module("s3_connector_role", {"workspace_id": WS}, env=sandbox.env)
    assert run.changed and not run.failed, run.output
    assert run.result["ownership"] == "adopted"
    assert [r["action"] for r in sandbox.aws.write_requests()] == ["TagRole"]


def test_absent_removes_only_our_role(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_role(sandbox, microsofts_template(sandbox))
    other = "OIDC_SomeoneElsesRole"
    sandbox.aws.client("iam").create_role(
        RoleName=other, AssumeRolePolicyDocument=json.dumps(microsofts_template(sandbox))
    )
    sandbox.aws.reset()

    run = run_module("s3_connector_role", {"state": "absent"}, env=sandbox.env, diff=True)
    assert run.changed and not run.failed, run.output
    assert run.result["role_deleted"] and run.result["role"] == {}
    assert run.result["diff"]["before"]["session_names"] == [SENTINEL] and run.result["diff"]["after"] == {}
    assert [r["action"] for r in sandbox.aws.write_requests()] == ["DetachRolePolicy", "DeleteRole"]
    assert role_state(sandbox, ROLE) is None
    assert role_state(sandbox, other) is not None

    sandbox.aws.reset()
    again = run_module("s3_connector_role", {"state": "absent"}, env=sandbox.env)
    assert not again.changed and again.result["ownership"] == "none", again.output
    assert sandbox.aws.write_requests() == []


def test_bad_input_names_the_option_and_calls_nothing(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    cases = [
        {"name": "MicrosoftSentinelS3Role", "workspace_id": WS},
        {"workspace_id": "law-sentinel"},
        {"session_names": ["*"]},
        {"workspace_id": WS, "aws_partition": "aws-us-gov"},
        {"workspace_id": WS, "aws_account_id": "111122223333"},
    ]
    results = run_module_cases("s3_connector_role", cases, env=sandbox.env)
    assert [r["msg"].split(" ")[0] for r in results] == [
        "name",
        "workspace_id",
        "session_names",
        "aws_partition",
        "aws_account_id:",
    ]
    assert all(r["failed"] for r in results)
    assert sandbox.aws.write_requests() == []
    # Only the wrong-account case reads: the account comes from sts:GetCallerIdentity before a create.
    assert [r["action"] for r in sandbox.aws.requests] == ["GetRole", "GetCallerIdentity"]


def test_govcloud_uses_its_partition_tenant_and_audience(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    gov = {"region": "us-gov-west-1", "aws_partition": "aws-us-gov"}
    # moto loads AWS managed policies for the aws partition only (tests/sandbox/README.md).
    iam = sandbox.aws.client("iam", region="us-gov-west-1")
    policy = iam.create_policy(
        PolicyName="SentinelRead",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
        ),
    )["Policy"]["Arn"]
    assert policy.startswith("arn:aws-us-gov:")
    sandbox.aws.reset()
    args = dict(gov, workspace_id=WS, managed_policies=[policy])
    run = run_module("s3_connector_role", args, env=sandbox.env)
    assert run.changed and not run.failed, run.output
    tenant = "cab8a31a-1906-4287-a0d8-4eef66b95f6e"
    [statement] = run.result["role"]["trust_policy"]["Statement"]
    assert statement["Principal"] == {"Federated": provider_arn(sandbox, "aws-us-gov", tenant)}
    assert statement["Condition"] == {
        "StringEquals": {
            f"sts.windows.net/{tenant}/:aud": "api://d4230588-5f84-4281-a9c7-2c15194b28f7",
            "sts:RoleSessionName": SENTINEL,
        }
    }
    assert run.result["role"]["arn"].startswith("arn:aws-us-gov:iam::")

    sandbox.aws.reset()
    again = run_module("s3_connector_role", args, env=sandbox.env)
    assert not again.changed and not again.failed, again.output
    assert sandbox.aws.write_requests() == []
