"""log_queue: the queue's input rules, its policy and the whole-document comparison, without AWS."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import json

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils import log_queue
from ansible_collections.sentinel.aws.plugins.module_utils import validation
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

ROLE = "arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:sentinel-cloudtrail"


def params(**overrides):
    values = {
        "name": "sentinel-cloudtrail",
        "state": "present",
        "bucket": "central-logs",
        "bucket_account_id": None,
        "role_arn": ROLE,
        "tags": None,
        "aws_partition": "aws",
        "aws_account_id": None,
    }
    values.update(overrides)
    return values


def test_policy_is_the_cloudformation_one_with_our_sids():
    spec = log_queue.queue_spec(params())
    policy = log_queue.queue_policy(spec, QUEUE_ARN, "210987654321")
    assert policy["Id"] == "SentinelSQSPolicy"
    send, reader = policy["Statement"]
    assert send == {
        "Sid": "SentinelAwsAllowS3ToSendMessages",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "SQS:SendMessage",
        "Resource": QUEUE_ARN,
        "Condition": {
            "ArnLike": {"aws:SourceArn": "arn:aws:s3:::central-logs"},
            "StringEquals": {"aws:SourceAccount": "210987654321"},
        },
    }
    assert reader["Sid"] == "SentinelAwsAllowSentinelRoleToAccessQueue"
    assert reader["Principal"] == {"AWS": ROLE}
    assert set(reader["Action"]) == {
        "SQS:ReceiveMessage",
        "SQS:DeleteMessage",
        "SQS:GetQueueAttributes",
        "SQS:GetQueueUrl",
        "SQS:ChangeMessageVisibility",
    }


def test_govcloud_bucket_arn_is_in_its_partition():
    spec = log_queue.queue_spec(
        params(aws_partition="aws-us-gov", role_arn="arn:aws-us-gov:iam::123456789012:role/OIDC_x")
    )
    arn = log_queue.queue_arn("aws-us-gov", "us-gov-west-1", "123456789012", spec["name"])
    assert arn == "arn:aws-us-gov:sqs:us-gov-west-1:123456789012:sentinel-cloudtrail"
    send = log_queue.queue_policy(spec, arn, "123456789012")["Statement"][0]
    assert send["Condition"]["ArnLike"] == {"aws:SourceArn": "arn:aws-us-gov:s3:::central-logs"}


def test_region_outside_the_partition_is_refused_naming_aws_partition():
    spec = log_queue.queue_spec(params())
    with pytest.raises(InvalidInput, match="aws_partition is 'aws' but region 'us-gov-west-1' is in partition"):
        validation.require_partition(spec["partition"], "aws-us-gov", "us-gov-west-1")


def test_same_meaning_written_differently_is_the_same_policy():
    spec = log_queue.queue_spec(params())
    desired = log_queue.queue_policy(spec, QUEUE_ARN, "123456789012")
    rewritten = json.loads(json.dumps(desired))
    send, reader = rewritten["Statement"]
    send["Action"] = ["sqs:sendmessage"]
    reader["Action"] = list(reversed(reader["Action"]))
    reader["Principal"] = {"AWS": [ROLE]}
    rewritten["Statement"] = [reader, send]
    assert log_queue.same_policy(rewritten, desired)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p["Statement"][0]["Condition"]["ArnLike"].update({"aws:SourceArn": "arn:aws:s3:::*"}),
        lambda p: p["Statement"][0]["Condition"].pop("StringEquals"),
        lambda p: p["Statement"][1]["Action"].append("SQS:*"),
        lambda p: p["Statement"].append({"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*"}),
        lambda p: p.update({"Statement": p["Statement"][:1]}),
        lambda p: p.update({"Id": "Other"}),
    ],
)
def test_any_other_change_is_drift(tamper):
    spec = log_queue.queue_spec(params())
    desired = log_queue.queue_policy(spec, QUEUE_ARN, "123456789012")
    tampered = json.loads(json.dumps(desired))
    tamper(tampered)
    assert not log_queue.same_policy(tampered, desired)


def test_no_policy_or_an_unparsable_one_is_drift():
    spec = log_queue.queue_spec(params())
    desired = log_queue.queue_policy(spec, QUEUE_ARN, "123456789012")
    assert log_queue.parse_policy(None) == {}
    assert not log_queue.same_policy(log_queue.parse_policy(None), desired)
    assert not log_queue.same_policy(log_queue.parse_policy("{not json"), desired)


def test_tags_only_add_or_change_and_always_carry_the_marker():
    spec = log_queue.queue_spec(params(tags={"owner": "soc"}))
    assert spec["tags"] == {"owner": "soc", "sentinel.aws:managed": "true"}
    current = {"owner": "old", "sentinel.aws:managed": "true", "kept": "x"}
    assert log_queue.tags_to_set(current, spec["tags"]) == {"owner": "soc"}


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"name": "q.fifo"}, "name must be an SQS standard queue name"),
        ({"name": "x" * 81}, "name must be an SQS standard queue name"),
        ({"bucket": "ab"}, "bucket must be an S3 bucket name"),
        ({"bucket": "-logs"}, "bucket must be an S3 bucket name"),
        ({"bucket": None}, "bucket is required when state=present"),
        ({"role_arn": None}, "role_arn is required when state=present"),
        ({"role_arn": "arn:aws:iam::123:role/x"}, "role_arn must be an IAM role ARN"),
        ({"aws_partition": "aws-cn"}, "aws_partition must be one of aws, aws-us-gov"),
        ({"bucket_account_id": "abc"}, "bucket_account_id must be an AWS account ID"),
        ({"aws_account_id": "1"}, "aws_account_id must be an AWS account ID"),
        ({"tags": {"aws:x": "y"}}, "tags keys must not start with the reserved prefix"),
    ],
)
def test_bad_input_names_the_option(overrides, message):
    with pytest.raises(InvalidInput, match=message):
        log_queue.queue_spec(params(**overrides))


def test_absent_needs_only_the_name():
    spec = log_queue.queue_spec(params(state="absent", bucket=None, role_arn=None))
    assert (spec["name"], spec["state"]) == ("sentinel-cloudtrail", "absent")


def test_wrong_account_is_refused_naming_aws_account_id():
    with pytest.raises(InvalidInput, match="aws_account_id: the credentials act on AWS account 111111111111"):
        validation.require_account("123456789012", "111111111111", "from sts:GetCallerIdentity")
    validation.require_account(None, "111111111111", "from sts:GetCallerIdentity")
