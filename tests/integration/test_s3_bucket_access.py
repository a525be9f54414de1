"""sentinel.aws.s3_bucket_access through ansible-playbook against moto's S3 in the sandbox.

The bucket policy is read back from moto after each run, and writes are counted from the
sandbox's request log: S3 requests are logged as "METHOD /bucket".
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from helpers.ansible_run import run_module, run_module_cases
from sandbox import Sandbox

BUCKET = "sentinel-logs"
ROLE = "arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"
ROLE2 = "arn:aws:iam::123456789012:role/OIDC_SecondWorkspace"
TRAIL = "arn:aws:cloudtrail:us-east-1:123456789012:trail/sentinel"
THEIRS = [
    {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    },
    # No Sid, keys in an unusual order, a one-item list: all must come back as they are.
    {
        "Resource": f"arn:aws:s3:::{BUCKET}/audit/*",
        "Action": ["s3:GetObject"],
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
    },
]


def make_bucket(sandbox: Sandbox, statements: list | None = None, region: str = "us-east-1") -> None:
    s3 = sandbox.aws.client("s3", region=region)
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=BUCKET, **extra)
    if statements:
        s3.put_bucket_policy(
            Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Id": "their-policy", "Statement": statements})
        )
    sandbox.aws.reset()  # the log starts empty; moto keeps the bucket


def policy_text(sandbox: Sandbox, region: str = "us-east-1") -> str | None:
    try:
        return sandbox.aws.client("s3", region=region).get_bucket_policy(Bucket=BUCKET)["Policy"]
    except ClientError as e:
        assert e.response["Error"]["Code"] == "NoSuchBucketPolicy"
        return None


def statements(sandbox: Sandbox) -> list:
    text = policy_text(sandbox)
    return json.loads(text)["Statement"] if text else []


def args(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"bucket": BUCKET, "role_arn": ROLE}
    values.update(overrides)
    return values


def writes(sandbox: Sandbox) -> list[str]:
    return [r["action"] for r in sandbox.aws.write_requests()]


def test_bucket_without_policy_gets_ours_and_a_converged_rerun_only_reads(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_bucket(sandbox)
    run = run_module("s3_bucket_access", args(), env=sandbox.env)
    assert run.changed and not run.failed, run.output
    read, listing = statements(sandbox)
    assert (read["Principal"], read["Action"], read["Resource"]) == (
        {"AWS": ROLE},
        "s3:GetObject",
        f"arn:aws:s3:::{BUCKET}/*",
    )
    assert (listing["Principal"], listing["Action"], listing["Resource"]) == (
        {"AWS": ROLE},
        "s3:ListBucket",
        f"arn:aws:s3:::{BUCKET}",
    )
    assert run.result["statement_ids"] == [read["Sid"], listing["Sid"]]
    assert run.result["policy"] == json.loads(policy_text(sandbox))
    assert writes(sandbox) == [f"PUT /{BUCKET}"]

    sandbox.aws.reset()
    again = run_module("s3_bucket_access", args(), env=sandbox.env)
    assert not again.changed and not again.failed, again.output
    assert sandbox.aws.write_requests() == []
    assert sandbox.aws.actions() == [f"GET /{BUCKET}"]  # GetBucketPolicy only
    assert again.result["policy"] == run.result["policy"]


def test_other_statements_survive_exactly_in_order(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_bucket(sandbox, THEIRS)
    run = run_module("s3_bucket_access", args(cloudtrail_trail_arn=TRAIL), env=sandbox.env, diff=True)
    assert run.changed and not run.failed, run.output
    text = policy_text(sandbox)
    document = json.loads(text)
    assert list(document) == ["Version", "Id", "Statement"] and document["Id"] == "their-policy"
    assert document["Statement"][:2] == THEIRS
    # Byte for byte: each of their statements is in the stored text exactly as it was written.
    assert all(json.dumps(statement) in text for statement in THEIRS)
    sids = [s["Sid"] for s in document["Statement"][2:]]
    assert sids == run.result["statement_ids"] and len(sids) == 4
    assert all(sid.startswith("SentinelAws") for sid in sids)
    assert run.result["diff"]["before"]["Statement"] == THEIRS
    assert run.result["diff"]["after"] == document


def test_cloudtrail_statements_for_an_organisation_trail(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_bucket(sandbox)
    run = run_module(
        "s3_bucket_access",
        {"bucket": BUCKET, "cloudtrail_trail_arn": TRAIL, "cloudtrail_log_account": "o-a1b2c3d4e5"},
        env=sandbox.env,
    )
    assert run.changed and not run.failed, run.output
    acl, write = statements(sandbox)
    assert acl["Action"] == "s3:GetBucketAcl" and acl["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL}}
    assert write["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert write["Resource"] == [
        f"arn:aws:s3:::{BUCKET}/AWSLogs/123456789012/*",
        f"arn:aws:s3:::{BUCKET}/AWSLogs/o-a1b2c3d4e5/*",
    ]
    assert write["Condition"]["StringEquals"]["s3:x-amz-acl"] == "bucket-owner-full-control"


def test_drift_removed_or_edited_is_repaired_in_place_with_diff(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_bucket(sandbox, THEIRS)
    first = run_module("s3_bucket_access", args(), env=sandbox.env)
    assert first.changed, first.output
    document = json.loads(policy_text(sandbox))
    theirs_a, theirs_b, read, listing = document["Statement"]
    edited = dict(read, Action="s3:*", Resource=f"arn:aws:s3:::{BUCKET}/*")
    # By hand: our GetObject statement widened, our ListBucket statement deleted.
    document["Statement"] = [theirs_a, edited, theirs_b]
    sandbox.aws.client("s3").put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(document))
    sandbox.aws.reset()

    run = run_module("s3_bucket_access", args(), env=sandbox.env, diff=True)
    assert run.changed and not run.failed, run.output
    assert statements(sandbox) == [theirs_a, read, theirs_b, listing]
    assert run.result["diff"]["before"]["Statement"] == [theirs_a, edited, theirs_b]
    assert run.result["diff"]["after"]["Statement"] == [theirs_a, read, theirs_b, listing]
    assert writes(sandbox) == [f"PUT /{BUCKET}"]


def test_statement_written_differently_by_aws_is_not_rewritten(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_bucket(sandbox)
    run_module("s3_bucket_access", args(), env=sandbox.env)
    document = json.loads(policy_text(sandbox))
    for statement in document["Statement"]:
        statement["Action"], statement["Principal"]["AWS"] = [statement["Action"]], [ROLE]
    sandbox.aws.client("s3").put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(document))
    sandbox.aws.reset()
    run = run_module("s3_bucket_access", args(), env=sandbox.env)
    assert not run.changed and not run.failed, run.output
    assert sandbox.aws.write_requests() == []


def test_two_roles_get_their_own_statements_and_offboarding_one_keeps_the_other(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_bucket(sandbox, THEIRS)
    first, second = run_module_cases("s3_bucket_access", [args(), args(role_arn=ROLE2)], env=sandbox.env)
    assert first["changed"] and second["changed"], (first, second)
    assert not set(first["statement_ids"]) & set(second["statement_ids"])
    assert [s.get("Sid") for s in statements(sandbox)][2:] == first["statement_ids"] + second["statement_ids"]

    sandbox.aws.reset()
    gone = run_module("s3_bucket_access", args(state="absent"), env=sandbox.env)
    assert gone.changed and not gone.failed, gone.output
    assert gone.result["statement_ids"] == first["statement_ids"]
    left = statements(sandbox)
    assert left[:2] == THEIRS and [s["Sid"] for s in left[2:]] == second["statement_ids"]
    assert {s["Principal"]["AWS"] for s in left[2:]} == {ROLE2}


def test_check_mode_writes_nothing_and_shows_the_diff(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_bucket(sandbox, THEIRS)
    before = policy_text(sandbox)
    run = run_module("s3_bucket_access", args(), env=sandbox.env, check=True, diff=True)
    assert run.changed and not run.failed, run.output
    assert sandbox.aws.write_requests() == [] and policy_text(sandbox) == before
    assert run.result["diff"]["before"] == json.loads(before)
    assert run.result["diff"]["after"]["Statement"][:2] == THEIRS
    assert len(run.result["diff"]["after"]["Statement"]) == 4 == len(run.result["policy"]["Statement"])

    absent = run_module("s3_bucket_access", args(state="absent"), env=sandbox.env, check=True)
    assert not absent.changed and sandbox.aws.write_requests() == []


def test_absent_removes_only_ours_and_deletes_a_policy_left_empty(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_bucket(sandbox, THEIRS)
    run_module("s3_bucket_access", args(cloudtrail_trail_arn=TRAIL), env=sandbox.env)
    sandbox.aws.reset()
    # Without role_arn or the trail: every statement of ours goes, theirs stay.
    kept = run_module("s3_bucket_access", {"bucket": BUCKET, "state": "absent"}, env=sandbox.env, diff=True)
    assert kept.changed and not kept.failed, kept.output
    assert len(kept.result["statement_ids"]) == 4
    assert json.loads(policy_text(sandbox)) == {"Version": "2012-10-17", "Id": "their-policy", "Statement": THEIRS}
    assert kept.result["diff"]["after"]["Statement"] == THEIRS

    sandbox.aws.client("s3").delete_bucket_policy(Bucket=BUCKET)
    run_module("s3_bucket_access", args(), env=sandbox.env)
    sandbox.aws.reset()
    emptied = run_module("s3_bucket_access", args(state="absent"), env=sandbox.env, diff=True)
    assert emptied.changed and not emptied.failed, emptied.output
    assert policy_text(sandbox) is None
    assert writes(sandbox) == [f"DELETE /{BUCKET}"]
    assert emptied.result["policy"] == {} and emptied.result["diff"]["after"] == {}

    sandbox.aws.reset()
    again = run_module("s3_bucket_access", args(state="absent"), env=sandbox.env)
    assert not again.changed and not again.failed and sandbox.aws.write_requests() == []


def test_govcloud_bucket_gets_govcloud_arns(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    gov_role = "arn:aws-us-gov:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"
    make_bucket(sandbox, region="us-gov-west-1")
    gov = {"bucket": BUCKET, "role_arn": gov_role, "aws_partition": "aws-us-gov", "region": "us-gov-west-1"}
    run = run_module("s3_bucket_access", gov, env=sandbox.env)
    assert run.changed and not run.failed, run.output
    document = json.loads(policy_text(sandbox, region="us-gov-west-1"))
    assert [s["Resource"] for s in document["Statement"]] == [
        f"arn:aws-us-gov:s3:::{BUCKET}/*",
        f"arn:aws-us-gov:s3:::{BUCKET}",
    ]


@pytest.mark.parametrize("absent", [False, True])
def test_bad_input_fails_naming_the_option_before_any_call(clean_sandbox: Sandbox, absent: bool):
    sandbox = clean_sandbox
    make_bucket(sandbox)
    state = {"state": "absent"} if absent else {}
    cases = [
        (args(bucket="Not_A_Bucket", **state), "bucket must be an S3 bucket name"),
        (args(role_arn="OIDC_MicrosoftSentinelS3Role", **state), "role_arn must be an IAM role ARN"),
        (args(cloudtrail_trail_arn="arn:aws:cloudtrail:us-east-1:1:trail/x", **state), "cloudtrail_trail_arn must be"),
        (args(cloudtrail_trail_arn=TRAIL, cloudtrail_log_account="org", **state), "cloudtrail_log_account must be"),
        (args(role_arn="arn:aws-us-gov:iam::123456789012:role/OIDC_X", **state), "role_arn is in the AWS partition"),
        (
            args(aws_partition="aws-us-gov", role_arn="arn:aws-us-gov:iam::123456789012:role/OIDC_X", **state),
            "the region 'us-east-1'",
        ),
    ]
    if not absent:
        cases.append(({"bucket": BUCKET}, "needs role_arn, cloudtrail_trail_arn or both"))
    results = run_module_cases("s3_bucket_access", [arguments for arguments, _message in cases], env=sandbox.env)
    for (_arguments, message), result in zip(cases, results, strict=True):
        assert result.get("failed") and message in result["msg"], result
    assert sandbox.aws.requests == []


def test_missing_bucket_fails_naming_it(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    run = run_module("s3_bucket_access", args(bucket="no-such-bucket"), env=sandbox.env)
    assert run.failed and "get the policy of bucket no-such-bucket" in run.msg, run.result
    assert run.result.get("error", {}).get("code") == "NoSuchBucket"
    assert sandbox.aws.write_requests() == []
