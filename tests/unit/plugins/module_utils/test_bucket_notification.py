"""bucket_notification: merging ours into a shared configuration, S3's overlap rule, input rules."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import copy

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils import bucket_notification as bn
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:sentinel-cloudtrail"
PREFIX = "AWSLogs/123456789012/CloudTrail/"


def params(**overrides):
    values = {
        "bucket": "central-logs",
        "id": "sentinel-aws-cloudtrail",
        "state": "present",
        "queue_arn": QUEUE_ARN,
        "prefix": PREFIX,
        "suffix": ".gz",
        "events": ["s3:ObjectCreated:*"],
    }
    values.update(overrides)
    return values


def ours(**overrides):
    return bn.desired_configuration(bn.notification_spec(params(**overrides)))


def config(kind, configuration_id, events, prefix="", suffix=""):
    rules = [{"Name": n, "Value": v} for n, v in (("prefix", prefix), ("suffix", suffix)) if v]
    found = {"Id": configuration_id, bn.DESTINATION_KEYS[kind]: "arn:aws:x:us-east-1:1:" + configuration_id}
    found["Events"] = events
    if rules:
        found["Filter"] = {"Key": {"FilterRules": rules}}
    return found


OTHERS = {
    "TopicConfigurations": [config("TopicConfigurations", "deletions", ["s3:ObjectRemoved:*"])],
    "QueueConfigurations": [
        config("QueueConfigurations", "first", ["s3:ObjectCreated:*"], prefix="a/"),
        config("QueueConfigurations", "second", ["s3:ObjectCreated:*"], prefix="b/"),
    ],
    "LambdaFunctionConfigurations": [
        config("LambdaFunctionConfigurations", "jpg", ["s3:ObjectCreated:Put"], suffix=".jpg")
    ],
    "EventBridgeConfiguration": {},
}


def test_desired_configuration_filters_on_prefix_and_suffix():
    assert ours() == {
        "Id": "sentinel-aws-cloudtrail",
        "QueueArn": QUEUE_ARN,
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": PREFIX}, {"Name": "suffix", "Value": ".gz"}]}},
    }
    # S3 accepts no empty filter value: an empty prefix is no prefix rule.
    assert "Filter" not in ours(prefix="", suffix="")
    assert ours(prefix="")["Filter"] == {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".gz"}]}}


def test_merge_appends_ours_and_keeps_everything_else_in_order():
    merged = bn.merged(OTHERS, ours())
    assert merged["QueueConfigurations"] == OTHERS["QueueConfigurations"] + [ours()]
    for key in ("TopicConfigurations", "LambdaFunctionConfigurations", "EventBridgeConfiguration"):
        assert merged[key] == OTHERS[key]


def test_merge_replaces_ours_where_it_stands():
    current = copy.deepcopy(OTHERS)
    current["QueueConfigurations"].insert(1, ours(prefix="old/"))
    merged = bn.merged(current, ours())
    assert [q["Id"] for q in merged["QueueConfigurations"]] == ["first", "sentinel-aws-cloudtrail", "second"]
    assert merged["QueueConfigurations"][1] == ours()
    assert current["QueueConfigurations"][1] == ours(prefix="old/")  # the input is not changed


def test_without_removes_only_ours_and_drops_an_empty_list():
    assert bn.without(bn.merged(OTHERS, ours()), "sentinel-aws-cloudtrail") == OTHERS
    assert bn.without({"QueueConfigurations": [ours()]}, "sentinel-aws-cloudtrail") == {}


def test_s3s_capitalised_rule_names_and_event_order_mean_the_same_configuration():
    """S3 answers Prefix/Suffix capitalised whatever was sent (aws/aws-sdk #389, aws-sdk-go-v2 #1595)."""
    answered = ours()
    answered["Filter"]["Key"]["FilterRules"] = [{"Name": "Suffix", "Value": ".gz"}, {"Name": "Prefix", "Value": PREFIX}]
    assert bn.same_configuration(answered, ours())
    assert not bn.same_configuration(answered, ours(suffix=".json"))
    assert not bn.same_configuration(answered, ours(queue_arn=QUEUE_ARN + "2"))
    assert not bn.same_configuration(answered, ours(events=["s3:ObjectCreated:Put"]))


@pytest.mark.parametrize(
    "other,overlapping",
    [
        # S3 user guide, "Configuring event notifications using object key name filtering"
        (config("TopicConfigurations", "t", ["s3:ObjectCreated:*"]), True),  # no filter overlaps everything
        (config("QueueConfigurations", "q", ["s3:ObjectCreated:Put"], prefix="AWSLogs/"), True),  # wider prefix
        (config("QueueConfigurations", "q", ["s3:ObjectCreated:*"], prefix=PREFIX + "us-east-1/"), True),
        (config("QueueConfigurations", "q", ["s3:ObjectCreated:*"], suffix="gz"), True),  # a key can end with both
        (config("QueueConfigurations", "q", ["s3:ObjectRemoved:*"]), False),  # other event type
        (config("QueueConfigurations", "q", ["s3:ObjectCreated:*"], prefix="AWSLogs/9/"), False),
        (config("LambdaFunctionConfigurations", "l", ["s3:ObjectCreated:*"], suffix=".jpg"), False),
        (config("QueueConfigurations", "q", ["s3:ObjectCreated:*"], prefix="AWSLogs/", suffix=".json"), False),
    ],
)
def test_overlap_follows_s3s_rule(other, overlapping):
    assert bn.overlaps(other, ours()) is overlapping
    assert bn.overlaps(ours(), other) is overlapping


def test_overlap_message_names_the_other_configuration_and_its_destination():
    other = config("TopicConfigurations", "defender", ["s3:ObjectCreated:*"], prefix="AWSLogs/")
    with pytest.raises(InvalidInput) as refused:
        bn.require_no_overlap({"TopicConfigurations": [other]}, ours(), "central-logs")
    message = str(refused.value)
    assert message.startswith("prefix/suffix: the notification sentinel-aws-cloudtrail")
    assert (
        "the topic 'defender' to arn:aws:x:us-east-1:1:defender (events s3:ObjectCreated:*, prefix 'AWSLogs/'"
        in message
    )
    assert "bucket central-logs" in message and "SNS topic" in message


def test_our_own_earlier_configuration_is_not_an_overlap():
    bn.require_no_overlap(bn.merged(OTHERS, ours(prefix="AWSLogs/")), ours(), "central-logs")


class FakeApi:
    def __init__(self, stored):
        self.stored, self.writes = stored, []

    def read(self, bucket):
        return copy.deepcopy(self.stored)

    def write(self, bucket, configuration):
        self.writes.append(configuration)


def test_ensure_writes_only_on_change_and_never_in_check_mode():
    api = FakeApi(OTHERS)
    checked = bn.ensure(api, bn.notification_spec(params()), check_mode=True)
    assert checked["changed"] and api.writes == []
    assert checked["diff"] == {"before": OTHERS, "after": bn.merged(OTHERS, ours())}
    done = bn.ensure(api, bn.notification_spec(params()), check_mode=False)
    assert done["changed"] and api.writes == [bn.merged(OTHERS, ours())]

    converged = FakeApi(bn.merged(OTHERS, ours()))
    again = bn.ensure(converged, bn.notification_spec(params()), check_mode=False)
    assert not again["changed"] and converged.writes == [] and again["configuration"] == ours()

    removed = bn.ensure(converged, bn.notification_spec(params(state="absent")), check_mode=False)
    assert removed["changed"] and converged.writes == [OTHERS] and removed["configuration"] == {}
    gone = FakeApi(OTHERS)
    assert not bn.ensure(gone, bn.notification_spec(params(state="absent")), check_mode=False)["changed"]
    assert gone.writes == []


def test_read_answer_keeps_only_the_configuration():
    answer = dict(OTHERS, ResponseMetadata={"HTTPStatusCode": 200})
    assert bn.stored_configuration(answer) == OTHERS


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"id": "cloudtrail"}, "id must start with sentinel-aws-"),
        ({"id": "sentinel-aws-" + "x" * 250}, "id must start with sentinel-aws-"),
        ({"queue_arn": None}, "queue_arn must be the ARN of an SQS standard queue"),
        ({"queue_arn": "arn:aws:sqs:us-east-1:123456789012:q.fifo"}, "queue_arn must be the ARN"),
        ({"queue_arn": "arn:aws-cn:sqs:cn-north-1:123456789012:q"}, "queue_arn must be the ARN"),
        ({"events": []}, "events must list S3 event types"),
        ({"events": ["ObjectCreated:*"]}, "events must list S3 event types"),
        ({"bucket": "Central"}, "bucket must be an S3 bucket name"),
        ({"suffix": "x" * 1025}, "suffix must be at most 1024 characters"),
    ],
)
def test_bad_input_names_the_option(overrides, message):
    with pytest.raises(InvalidInput, match=message):
        bn.notification_spec(params(**overrides))


def test_govcloud_queue_arn_is_accepted():
    spec = bn.notification_spec(params(queue_arn="arn:aws-us-gov:sqs:us-gov-west-1:123456789012:sentinel-cloudtrail"))
    assert bn.desired_configuration(spec)["QueueArn"].startswith("arn:aws-us-gov:sqs:us-gov-west-1:")
