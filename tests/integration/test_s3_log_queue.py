"""sentinel.aws.s3_log_queue through ansible-playbook against moto's SQS in the sandbox.

State is read back with the test's own boto3 client on moto; write calls are counted from the
sandbox's request log.
"""

from __future__ import annotations

import json
from typing import Any

from helpers.ansible_run import run_module, run_module_cases
from sandbox import Sandbox

QUEUE = "sentinel-cloudtrail"
BUCKET = "central-logs"
ROLE_ARN = "arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"
MARKER = {"sentinel.aws:managed": "true"}
CONVERGED_READS = ["GetQueueUrl", "GetQueueAttributes", "ListQueueTags"]


def queue_args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"name": QUEUE, "bucket": BUCKET, "role_arn": ROLE_ARN}
    args.update(overrides)
    return args


def moto_queue(sandbox: Sandbox, name: str = QUEUE, region: str = "us-east-1") -> dict[str, Any] | None:
    sqs = sandbox.aws.client("sqs", region=region)
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        return None
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "Policy"])["Attributes"]
    return {
        "url": url,
        "arn": attributes["QueueArn"],
        "policy": json.loads(attributes["Policy"]) if attributes.get("Policy") else None,
        "tags": sqs.list_queue_tags(QueueUrl=url).get("Tags", {}),
    }


def sqs_actions(sandbox: Sandbox) -> list[str]:
    return sandbox.aws.actions("sqs")


def statements_by_sid(policy: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in policy["Statement"]}


def test_create_with_the_cloudformation_policy_then_rerun_reads_only(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    account = sandbox.env["SANDBOX_AWS_ACCOUNT_ID"]
    run = run_module("s3_log_queue", queue_args(tags={"owner": "soc"}), env=sandbox.env)
    assert run.changed and not run.failed, run.output
    # Policy and tags travel in CreateQueue itself: the queue never exists unmarked or unguarded.
    assert sqs_actions(sandbox) == ["GetQueueUrl", "CreateQueue"]
    assert [r["action"] for r in sandbox.aws.write_requests()] == ["CreateQueue"]

    queue = moto_queue(sandbox)
    assert queue is not None
    arn = f"arn:aws:sqs:us-east-1:{account}:{QUEUE}"
    assert queue["arn"] == run.result["queue_arn"] == arn
    assert queue["url"] == run.result["queue_url"]
    assert queue["tags"] == run.result["tags"] == {"owner": "soc", **MARKER}
    statements = statements_by_sid(queue["policy"])
    assert queue["policy"]["Id"] == "SentinelSQSPolicy"
    assert statements["SentinelAwsAllowS3ToSendMessages"] == {
        "Sid": "SentinelAwsAllowS3ToSendMessages",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "SQS:SendMessage",
        "Resource": arn,
        "Condition": {
            "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{BUCKET}"},
            "StringEquals": {"aws:SourceAccount": account},
        },
    }
    reader = statements["SentinelAwsAllowSentinelRoleToAccessQueue"]
    assert reader["Principal"] == {"AWS": ROLE_ARN} and reader["Resource"] == arn
    assert sorted(reader["Action"]) == [
        "SQS:ChangeMessageVisibility",
        "SQS:DeleteMessage",
        "SQS:GetQueueAttributes",
        "SQS:GetQueueUrl",
        "SQS:ReceiveMessage",
    ]
    assert run.result["ownership"] == "created"

    sandbox.aws.reset()
    again = run_module("s3_log_queue", queue_args(tags={"owner": "soc"}), env=sandbox.env)
    assert not again.failed and not again.changed, again.output
    assert sandbox.aws.write_requests() == []
    assert [r["action"] for r in sandbox.aws.requests] == CONVERGED_READS
    assert again.result["ownership"] == "managed"
    assert (again.result["queue_url"], again.result["queue_arn"]) == (queue["url"], arn)


def test_policy_changed_by_hand_is_repaired_and_the_diff_shows_it(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    assert not run_module("s3_log_queue", queue_args(), env=sandbox.env).failed
    queue = moto_queue(sandbox)
    assert queue is not None
    tampered = json.loads(json.dumps(queue["policy"]))
    tampered["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"] = "arn:aws:s3:::*"
    tampered["Statement"].append(
        {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "SQS:*", "Resource": queue["arn"]}
    )
    sqs = sandbox.aws.client("sqs")
    sqs.set_queue_attributes(QueueUrl=queue["url"], Attributes={"Policy": json.dumps(tampered)})
    sandbox.aws.reset()

    checked = run_module("s3_log_queue", queue_args(), env=sandbox.env, check=True, diff=True)
    assert checked.changed and not checked.failed, checked.output
    assert sandbox.aws.write_requests() == []
    assert checked.result["diff"]["before"]["policy"] == tampered
    assert checked.result["diff"]["after"]["policy"] == queue["policy"]

    repaired = run_module("s3_log_queue", queue_args(), env=sandbox.env)
    assert repaired.changed and not repaired.failed, repaired.output
    assert [r["action"] for r in sandbox.aws.write_requests()] == ["SetQueueAttributes"]
    after = moto_queue(sandbox)
    assert after is not None and after["policy"] == queue["policy"]


def test_same_policy_written_differently_is_left_alone(clean_sandbox: Sandbox):
    """Actions in another order and case, one-item lists: IAM reads them the same, so nothing is written."""
    sandbox = clean_sandbox
    assert not run_module("s3_log_queue", queue_args(), env=sandbox.env).failed
    queue = moto_queue(sandbox)
    assert queue is not None
    rewritten = json.loads(json.dumps(queue["policy"]))
    send, reader = rewritten["Statement"]
    send["Action"] = ["sqs:sendmessage"]
    reader["Action"] = list(reversed(reader["Action"]))
    reader["Principal"] = {"AWS": [ROLE_ARN]}
    rewritten["Statement"] = [reader, send]
    sqs = sandbox.aws.client("sqs")
    sqs.set_queue_attributes(QueueUrl=queue["url"], Attributes={"Policy": json.dumps(rewritten)})
    sandbox.aws.reset()

    run = run_module("s3_log_queue", queue_args(), env=sandbox.env)
    assert not run.failed and not run.changed, run.output
    assert sandbox.aws.write_requests() == []


def test_a_queue_of_that_name_without_the_marker_is_refused_before_any_write(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    sqs = sandbox.aws.client("sqs")
    url = sqs.create_queue(QueueName=QUEUE, tags={"team": "other"})["QueueUrl"]
    sandbox.aws.reset()

    run = run_module("s3_log_queue", queue_args(), env=sandbox.env)
    assert run.failed and not run.changed
    assert f"name: the queue {QUEUE} exists and was not made by sentinel.aws" in run.msg
    assert "sentinel.aws:managed=true" in run.msg
    assert sandbox.aws.write_requests() == []
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "other"}
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {})

    gone = run_module("s3_log_queue", {"name": QUEUE, "state": "absent"}, env=sandbox.env)
    assert not gone.failed and not gone.changed, gone.output
    assert gone.result["ownership"] == "foreign"
    assert any("not made by sentinel.aws" in w for w in gone.result.get("warnings", [])), gone.output
    assert sandbox.aws.write_requests() == []
    assert moto_queue(sandbox) is not None


def test_tags_are_added_to_a_managed_queue_and_other_tags_stay(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    assert not run_module("s3_log_queue", queue_args(), env=sandbox.env).failed
    queue = moto_queue(sandbox)
    assert queue is not None
    sandbox.aws.client("sqs").tag_queue(QueueUrl=queue["url"], Tags={"added-by": "hand"})
    sandbox.aws.reset()

    run = run_module("s3_log_queue", queue_args(tags={"owner": "soc"}), env=sandbox.env, diff=True)
    assert run.changed and not run.failed, run.output
    assert [r["action"] for r in sandbox.aws.write_requests()] == ["TagQueue"]
    after = moto_queue(sandbox)
    assert after is not None and after["tags"] == {"added-by": "hand", "owner": "soc", **MARKER}
    assert run.result["diff"]["before"]["tags"] == {"added-by": "hand", **MARKER}
    assert run.result["diff"]["after"]["tags"] == after["tags"]


def test_check_mode_creates_nothing_and_reports_the_queue_it_would_make(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    run = run_module("s3_log_queue", queue_args(), env=sandbox.env, check=True, diff=True)
    assert run.changed and not run.failed, run.output
    assert sandbox.aws.write_requests() == []
    assert moto_queue(sandbox) is None
    account = sandbox.env["SANDBOX_AWS_ACCOUNT_ID"]
    assert run.result["queue_arn"] == f"arn:aws:sqs:us-east-1:{account}:{QUEUE}"
    assert run.result["diff"]["before"] == {}
    assert run.result["diff"]["after"]["tags"] == MARKER

    real = run_module("s3_log_queue", queue_args(), env=sandbox.env)
    # What check mode promised is what the real run made.
    assert real.result["queue_url"] == run.result["queue_url"]
    assert real.result["policy"] == run.result["policy"]


def test_bucket_in_another_account_is_the_source_account_condition(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    run = run_module("s3_log_queue", queue_args(bucket_account_id="210987654321"), env=sandbox.env)
    assert run.changed and not run.failed, run.output
    queue = moto_queue(sandbox)
    assert queue is not None
    send = statements_by_sid(queue["policy"])["SentinelAwsAllowS3ToSendMessages"]
    assert send["Condition"]["StringEquals"] == {"aws:SourceAccount": "210987654321"}


def test_absent_deletes_only_a_queue_with_the_marker(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    assert not run_module("s3_log_queue", queue_args(), env=sandbox.env).failed
    sandbox.aws.client("sqs").create_queue(QueueName="someone-elses")
    sandbox.aws.reset()

    checked = run_module("s3_log_queue", {"name": QUEUE, "state": "absent"}, env=sandbox.env, check=True, diff=True)
    assert checked.changed and not checked.failed, checked.output
    assert sandbox.aws.write_requests() == []
    assert checked.result["diff"]["after"] == {}

    run = run_module("s3_log_queue", {"name": QUEUE, "state": "absent"}, env=sandbox.env)
    assert run.changed and not run.failed, run.output
    assert [r["action"] for r in sandbox.aws.write_requests()] == ["DeleteQueue"]
    assert moto_queue(sandbox) is None
    assert moto_queue(sandbox, "someone-elses") is not None
    assert (run.result["queue_url"], run.result["ownership"]) == (None, "managed")

    sandbox.aws.reset()
    again = run_module("s3_log_queue", {"name": QUEUE, "state": "absent"}, env=sandbox.env)
    assert not again.failed and not again.changed, again.output
    assert sandbox.aws.write_requests() == [] and again.result["ownership"] == "none"


def test_govcloud_builds_aws_us_gov_arns(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    gov_role = "arn:aws-us-gov:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"
    args = queue_args(role_arn=gov_role, aws_partition="aws-us-gov", region="us-gov-west-1")
    run = run_module("s3_log_queue", args, env=sandbox.env)
    assert run.changed and not run.failed, run.output
    queue = moto_queue(sandbox, region="us-gov-west-1")
    assert queue is not None
    account = sandbox.env["SANDBOX_AWS_ACCOUNT_ID"]
    assert queue["arn"] == run.result["queue_arn"] == f"arn:aws-us-gov:sqs:us-gov-west-1:{account}:{QUEUE}"
    send = statements_by_sid(queue["policy"])["SentinelAwsAllowS3ToSendMessages"]
    assert send["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws-us-gov:s3:::{BUCKET}"}
    assert send["Resource"] == queue["arn"]


def test_bad_input_fails_before_any_call_naming_the_option(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    cases = [
        (queue_args(name="sentinel.fifo"), "name must be an SQS standard queue name"),
        (queue_args(bucket="Central_Logs"), "bucket must be an S3 bucket name"),
        (queue_args(role_arn="OIDC_MicrosoftSentinelS3Role"), "role_arn must be an IAM role ARN"),
        (queue_args(bucket_account_id="12345"), "bucket_account_id must be an AWS account ID of exactly 12 digits"),
        (queue_args(aws_account_id="1234567890123"), "aws_account_id must be an AWS account ID"),
        (queue_args(role_arn="arn:aws-us-gov:iam::123456789012:role/OIDC_x"), "role_arn is in partition 'aws-us-gov'"),
        (
            queue_args(aws_partition="aws-us-gov", role_arn="arn:aws-us-gov:iam::123456789012:role/OIDC_x"),
            "aws_partition is 'aws-us-gov' but region 'us-east-1' is in partition 'aws'",
        ),
        (queue_args(aws_account_id="111111111111"), "aws_account_id: the credentials act on AWS account 123456789012"),
        (queue_args(tags={"sentinel.aws:managed": "false"}), "tags: sentinel.aws:managed=true is the marker"),
        ({"name": QUEUE, "role_arn": ROLE_ARN}, "bucket is required when state=present"),
    ]
    results = run_module_cases("s3_log_queue", [args for args, _message in cases], env=sandbox.env)
    for (args, message), result in zip(cases, results, strict=True):
        assert result.get("failed") and message in result.get("msg", ""), (args, result.get("msg"))
    assert sandbox.aws.write_requests() == []
    assert moto_queue(sandbox) is None
