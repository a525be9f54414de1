"""sentinel.aws.kms_key_access through ansible-playbook against moto's KMS in the sandbox.

The key policy is read back from moto after each run; writes are counted from the request log.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.ansible_run import run_module, run_module_cases
from sandbox import Sandbox

ROLE = "arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"
ROLE2 = "arn:aws:iam::123456789012:role/OIDC_SecondWorkspace"
TRAIL = "arn:aws:cloudtrail:us-east-1:123456789012:trail/sentinel"
ROOT = {
    "Sid": "Enable IAM User Permissions",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    "Action": "kms:*",
    "Resource": "*",
}
ADMINS = {
    "Resource": "*",
    "Action": ["kms:Create*", "kms:Describe*"],
    "Principal": {"AWS": ["arn:aws:iam::123456789012:role/KeyAdmins"]},
    "Effect": "Allow",
}


def make_key(sandbox: Sandbox, statements: list | None = None, region: str = "us-east-1") -> str:
    """A customer managed key with an alias; its ARN. With ``statements``, their own key policy."""
    kms = sandbox.aws.client("kms", region=region)
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/sentinel-logs", TargetKeyId=key["KeyId"])
    if statements:
        document = {"Version": "2012-10-17", "Id": "their-key-policy", "Statement": statements}
        kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps(document))
    sandbox.aws.reset()
    return key["Arn"]


def policy(sandbox: Sandbox, key_arn: str, region: str = "us-east-1") -> dict:
    text = sandbox.aws.client("kms", region=region).get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"]
    return json.loads(text)


def args(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"key_id": "alias/sentinel-logs", "role_arn": ROLE}
    values.update(overrides)
    return values


def test_decrypt_for_the_role_then_a_converged_rerun_only_reads(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    key_arn = make_key(sandbox)
    run = run_module("kms_key_access", args(), env=sandbox.env)
    assert run.changed and not run.failed, run.output
    assert run.result["key_arn"] == key_arn
    root, decrypt = policy(sandbox, key_arn)["Statement"]
    assert root == ROOT  # moto's default key policy, as KMS makes it
    assert decrypt == {
        "Sid": run.result["statement_ids"][0],
        "Effect": "Allow",
        "Principal": {"AWS": ROLE},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    assert [r["action"] for r in sandbox.aws.write_requests()] == ["PutKeyPolicy"]

    sandbox.aws.reset()
    again = run_module("kms_key_access", args(key_id=key_arn), env=sandbox.env)
    assert not again.changed and not again.failed, again.output
    assert sandbox.aws.write_requests() == []
    assert sandbox.aws.actions("kms") == ["DescribeKey", "GetKeyPolicy"]


def test_other_statements_survive_exactly_with_cloudtrail_statements(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    key_arn = make_key(sandbox, [ROOT, ADMINS])
    run = run_module("kms_key_access", args(cloudtrail_trail_arn=TRAIL), env=sandbox.env, diff=True)
    assert run.changed and not run.failed, run.output
    document = policy(sandbox, key_arn)
    assert list(document) == ["Version", "Id", "Statement"] and document["Id"] == "their-key-policy"
    assert document["Statement"][:2] == [ROOT, ADMINS]
    decrypt, encrypt, describe = document["Statement"][2:]
    assert [decrypt["Sid"], encrypt["Sid"], describe["Sid"]] == run.result["statement_ids"]
    assert (
        encrypt["Principal"] == {"Service": "cloudtrail.amazonaws.com"} and encrypt["Action"] == "kms:GenerateDataKey*"
    )
    assert encrypt["Condition"]["StringEquals"] == {"aws:SourceArn": TRAIL}
    assert describe["Action"] == "kms:DescribeKey"
    assert run.result["diff"]["before"]["Statement"] == [ROOT, ADMINS]
    assert run.result["diff"]["after"] == document == run.result["policy"]


def test_drift_is_repaired_and_two_roles_keep_their_own_statements(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    key_arn = make_key(sandbox)
    first, second = run_module_cases("kms_key_access", [args(), args(role_arn=ROLE2)], env=sandbox.env)
    assert first["changed"] and second["changed"], (first, second)
    assert first["statement_ids"] != second["statement_ids"]
    root, mine, theirs = policy(sandbox, key_arn)["Statement"]
    assert {mine["Principal"]["AWS"], theirs["Principal"]["AWS"]} == {ROLE, ROLE2}

    # By hand: the first role's statement turned into kms:* .
    edited = dict(mine, Action="kms:*")
    kms = sandbox.aws.client("kms")
    kms.put_key_policy(
        KeyId=key_arn,
        PolicyName="default",
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [root, edited, theirs]}),
    )
    sandbox.aws.reset()
    run = run_module("kms_key_access", args(), env=sandbox.env, diff=True)
    assert run.changed and not run.failed, run.output
    assert policy(sandbox, key_arn)["Statement"] == [root, mine, theirs]
    assert run.result["diff"]["before"]["Statement"][1] == edited

    # By hand: the statement deleted; it comes back at the end.
    kms.put_key_policy(
        KeyId=key_arn, PolicyName="default", Policy=json.dumps({"Version": "2012-10-17", "Statement": [root, theirs]})
    )
    run = run_module("kms_key_access", args(), env=sandbox.env)
    assert run.changed and policy(sandbox, key_arn)["Statement"] == [root, theirs, mine]

    sandbox.aws.reset()
    gone = run_module("kms_key_access", args(state="absent"), env=sandbox.env)
    assert gone.changed and not gone.failed, gone.output
    assert policy(sandbox, key_arn)["Statement"] == [root, theirs]
    assert gone.result["statement_ids"] == first["statement_ids"]


def test_check_mode_writes_nothing_and_shows_the_diff(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    key_arn = make_key(sandbox)
    run = run_module("kms_key_access", args(), env=sandbox.env, check=True, diff=True)
    assert run.changed and not run.failed, run.output
    assert sandbox.aws.write_requests() == []
    assert policy(sandbox, key_arn)["Statement"] == [ROOT]
    assert run.result["diff"]["before"]["Statement"] == [ROOT]
    assert len(run.result["diff"]["after"]["Statement"]) == 2


def test_absent_removes_only_ours_and_never_empties_the_key_policy(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    key_arn = make_key(sandbox)
    run_module("kms_key_access", args(cloudtrail_trail_arn=TRAIL), env=sandbox.env)
    sandbox.aws.reset()
    # Neither role_arn nor the trail: every statement of ours comes off; the root statement stays.
    run = run_module("kms_key_access", {"key_id": "alias/sentinel-logs", "state": "absent"}, env=sandbox.env)
    assert run.changed and not run.failed, run.output
    assert len(run.result["statement_ids"]) == 3
    assert policy(sandbox, key_arn)["Statement"] == [ROOT]
    sandbox.aws.reset()
    again = run_module("kms_key_access", args(state="absent"), env=sandbox.env)
    assert not again.changed and sandbox.aws.write_requests() == []

    # A key whose policy would be left without a statement: refused, nothing written.
    lonely = run_module("kms_key_access", args(), env=sandbox.env)
    document = policy(sandbox, key_arn)
    document["Statement"] = document["Statement"][1:]
    sandbox.aws.client("kms").put_key_policy(KeyId=key_arn, PolicyName="default", Policy=json.dumps(document))
    sandbox.aws.reset()
    refused = run_module("kms_key_access", args(state="absent"), env=sandbox.env)
    assert lonely.changed and refused.failed and "without a policy" in refused.msg, refused.result
    assert sandbox.aws.write_requests() == []


def test_govcloud_key_gets_govcloud_arns(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    key_arn = make_key(sandbox, region="us-gov-west-1")
    gov_role = "arn:aws-us-gov:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"
    gov_trail = "arn:aws-us-gov:cloudtrail:us-gov-west-1:123456789012:trail/sentinel"
    run = run_module(
        "kms_key_access",
        {
            "key_id": key_arn,
            "role_arn": gov_role,
            "cloudtrail_trail_arn": gov_trail,
            "aws_partition": "aws-us-gov",
            "region": "us-gov-west-1",
        },
        env=sandbox.env,
    )
    assert run.changed and not run.failed, run.output
    assert key_arn.startswith("arn:aws-us-gov:kms:us-gov-west-1:")
    _root, decrypt, encrypt, _describe = policy(sandbox, key_arn, region="us-gov-west-1")["Statement"]
    assert decrypt["Principal"] == {"AWS": gov_role}
    assert encrypt["Condition"]["StringLike"] == {
        "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws-us-gov:cloudtrail:*:123456789012:trail/*"
    }


@pytest.mark.parametrize("absent", [False, True])
def test_bad_input_fails_naming_the_option_before_any_call(clean_sandbox: Sandbox, absent: bool):
    sandbox = clean_sandbox
    make_key(sandbox)
    state = {"state": "absent"} if absent else {}
    cases = [
        (args(key_id="sentinel-logs", **state), "key_id must be a KMS key ID"),
        (args(role_arn="arn:aws:iam::123456789012:user/someone", **state), "role_arn must be an IAM role ARN"),
        (args(cloudtrail_trail_arn="sentinel", **state), "cloudtrail_trail_arn must be"),
        (
            args(key_id="arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/x", **state),
            "key_id is in the AWS partition",
        ),
        (
            args(aws_partition="aws-us-gov", role_arn="arn:aws-us-gov:iam::123456789012:role/OIDC_X", **state),
            "the region 'us-east-1'",
        ),
    ]
    if not absent:
        cases.append(({"key_id": "alias/sentinel-logs"}, "needs role_arn, cloudtrail_trail_arn or both"))
    results = run_module_cases("kms_key_access", [arguments for arguments, _message in cases], env=sandbox.env)
    for (_arguments, message), result in zip(cases, results, strict=True):
        assert result.get("failed") and message in result["msg"], result
    assert sandbox.aws.requests == []


def test_missing_key_fails_naming_it(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    run = run_module("kms_key_access", args(key_id="alias/no-such-key"), env=sandbox.env)
    assert run.failed and "describe KMS key alias/no-such-key" in run.msg, run.result
    assert run.result.get("error", {}).get("code") == "NotFoundException"
    assert sandbox.aws.write_requests() == []
