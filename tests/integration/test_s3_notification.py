"""sentinel.aws.s3_notification through ansible-playbook against moto's S3 in the sandbox.

The bucket's notification configuration is read back with the test's own boto3 client; write calls
are counted from the sandbox's request log (S3: every method but GET/HEAD).
"""

from __future__ import annotations

import copy
from typing import Any

from helpers.ansible_run import run_module, run_module_cases
from sandbox import Sandbox

BUCKET = "central-logs"
ACCOUNT = "123456789012"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:sentinel-cloudtrail"
PREFIX = f"AWSLogs/{ACCOUNT}/CloudTrail/"
OURS = "sentinel-aws-cloudtrail"
# Someone else's notifications on the bucket, none overlapping ours: they must survive every run.
OTHERS: dict[str, Any] = {
    "TopicConfigurations": [
        {
            "Id": "security-team-deletions",
            "TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:deletions",
            "Events": ["s3:ObjectRemoved:*"],
        }
    ],
    "QueueConfigurations": [
        {
            "Id": "athena-partitions",
            "QueueArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:athena",
            "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "athena-results/"}]}},
        }
    ],
    "LambdaFunctionConfigurations": [
        {
            "Id": "thumbnails",
            "LambdaFunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:thumbnails",
            "Events": ["s3:ObjectCreated:Put"],
            "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".jpg"}]}},
        }
    ],
    "EventBridgeConfiguration": {},
}


def ours(prefix: str = PREFIX, queue_arn: str = QUEUE_ARN) -> dict[str, Any]:
    return {
        "Id": OURS,
        "QueueArn": queue_arn,
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}, {"Name": "suffix", "Value": ".gz"}]}},
    }


def notification_args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"bucket": BUCKET, "id": OURS, "queue_arn": QUEUE_ARN, "prefix": PREFIX}
    args.update(overrides)
    return args


def make_bucket(sandbox: Sandbox, configuration: dict[str, Any] | None = None, region: str = "us-east-1") -> None:
    s3 = sandbox.aws.client("s3", region=region)
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=BUCKET, **location)
    if configuration:
        s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration=configuration)
    sandbox.aws.reset()


def as_answered(configuration: dict[str, Any]) -> dict[str, Any]:
    """A configuration as S3 (and the sandbox) answers it: filter rule names capitalised (aws/aws-sdk #389)."""
    answered = copy.deepcopy(configuration)
    for kind in ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations"):
        for item in answered.get(kind, []):
            for rule in item.get("Filter", {}).get("Key", {}).get("FilterRules", []):
                rule["Name"] = rule["Name"].capitalize()
    return answered


def stored(sandbox: Sandbox, region: str = "us-east-1") -> dict[str, Any]:
    answer = sandbox.aws.client("s3", region=region).get_bucket_notification_configuration(Bucket=BUCKET)
    answer.pop("ResponseMetadata", None)
    return answer


def with_ours(configuration: dict[str, Any], configuration_of_ours: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(configuration)
    merged.setdefault("QueueConfigurations", []).append(configuration_of_ours)
    return merged


def merged_with_ours(configuration: dict[str, Any], index: int) -> dict[str, Any]:
    merged = copy.deepcopy(configuration)
    merged.setdefault("QueueConfigurations", []).insert(index, ours())
    return merged


def write_actions(sandbox: Sandbox) -> list[str]:
    return [r["action"] for r in sandbox.aws.write_requests()]


def test_added_beside_other_notifications_which_survive_then_rerun_reads_only(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_bucket(sandbox, OTHERS)
    run = run_module("s3_notification", notification_args(), env=sandbox.env)
    assert run.changed and not run.failed, run.output
    assert write_actions(sandbox) == [f"PUT /{BUCKET}"]
    # Every other queue, topic, Lambda and EventBridge configuration is as it was, ours is last.
    assert stored(sandbox) == as_answered(with_ours(OTHERS, ours()))
    assert run.result["configuration"] == ours()

    sandbox.aws.reset()
    again = run_module("s3_notification", notification_args(), env=sandbox.env)
    assert not again.failed and not again.changed, again.output
    assert sandbox.aws.write_requests() == []
    assert [r["method"] for r in sandbox.aws.requests] == ["GET"]
    assert again.result["configuration"] == ours()


def test_on_a_bucket_without_notifications(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_bucket(sandbox)
    run = run_module("s3_notification", notification_args(prefix=""), env=sandbox.env)
    assert run.changed and not run.failed, run.output
    expected = ours()
    expected["Filter"]["Key"]["FilterRules"] = [{"Name": "suffix", "Value": ".gz"}]
    assert stored(sandbox) == as_answered({"QueueConfigurations": [expected]})


def test_removed_by_hand_is_restored_and_changed_by_hand_is_repaired_in_place(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_bucket(sandbox, OTHERS)
    assert not run_module("s3_notification", notification_args(), env=sandbox.env).failed
    s3 = sandbox.aws.client("s3")
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration=OTHERS)
    sandbox.aws.reset()

    restored = run_module("s3_notification", notification_args(), env=sandbox.env)
    assert restored.changed and not restored.failed, restored.output
    assert stored(sandbox) == as_answered(with_ours(OTHERS, ours()))

    # Ours first, with another suffix: repaired where it stands, the other queue stays after it.
    tampered = copy.deepcopy(OTHERS)
    changed = ours()
    changed["Filter"]["Key"]["FilterRules"][1]["Value"] = ".json"
    tampered["QueueConfigurations"].insert(0, changed)
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration=tampered)
    sandbox.aws.reset()
    repaired = run_module("s3_notification", notification_args(), env=sandbox.env, diff=True)
    assert repaired.changed and not repaired.failed, repaired.output
    assert write_actions(sandbox) == [f"PUT /{BUCKET}"]
    expected = copy.deepcopy(OTHERS)
    expected["QueueConfigurations"].insert(0, ours())
    assert stored(sandbox) == as_answered(expected)
    assert repaired.result["diff"] == {
        "before": as_answered(tampered),
        "after": merged_with_ours(as_answered(OTHERS), 0),
    }


def test_capitalised_rule_names_rules_and_events_in_another_order_are_the_same_configuration(clean_sandbox: Sandbox):
    """S3 answers Prefix/Suffix capitalised (aws/aws-sdk #389): a converged bucket is not written again for it."""
    sandbox = clean_sandbox
    same = ours()
    same["Events"] = ["s3:ObjectCreated:*", "s3:ObjectCreated:*"]
    same["Filter"]["Key"]["FilterRules"] = [{"Name": "Suffix", "Value": ".gz"}, {"Name": "Prefix", "Value": PREFIX}]
    make_bucket(sandbox, {"QueueConfigurations": [same]})
    run = run_module("s3_notification", notification_args(), env=sandbox.env)
    assert not run.failed and not run.changed, run.output
    assert sandbox.aws.write_requests() == []
    assert run.result["configuration"] == ours()


def test_overlap_is_refused_naming_the_other_configuration_before_any_write(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    defender = {
        "QueueConfigurations": [
            {
                "Id": "defender-for-cloud",
                "QueueArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:defender",
                "Events": ["s3:ObjectCreated:Put"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "AWSLogs/"}]}},
            }
        ]
    }
    make_bucket(sandbox, defender)
    run = run_module("s3_notification", notification_args(), env=sandbox.env)
    assert run.failed and not run.changed
    assert "prefix/suffix: the notification sentinel-aws-cloudtrail" in run.msg
    assert f"overlaps the queue 'defender-for-cloud' to arn:aws:sqs:us-east-1:{ACCOUNT}:defender" in run.msg
    assert "SNS topic" in run.msg
    assert sandbox.aws.write_requests() == []
    assert stored(sandbox) == as_answered(defender)

    # A prefix that cannot overlap (another directory) is fine beside it.
    apart = run_module("s3_notification", notification_args(prefix="Other/"), env=sandbox.env)
    assert apart.changed and not apart.failed, apart.output


def test_check_mode_writes_nothing_and_diff_shows_the_whole_configuration(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_bucket(sandbox, OTHERS)
    run = run_module("s3_notification", notification_args(), env=sandbox.env, check=True, diff=True)
    assert run.changed and not run.failed, run.output
    assert sandbox.aws.write_requests() == []
    assert stored(sandbox) == as_answered(OTHERS)
    assert run.result["diff"] == {"before": as_answered(OTHERS), "after": with_ours(as_answered(OTHERS), ours())}


def test_absent_removes_only_ours(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_bucket(sandbox, OTHERS)
    assert not run_module("s3_notification", notification_args(), env=sandbox.env).failed
    sandbox.aws.reset()

    checked = run_module(
        "s3_notification", {"bucket": BUCKET, "id": OURS, "state": "absent"}, env=sandbox.env, check=True
    )
    assert checked.changed and not checked.failed, checked.output
    assert sandbox.aws.write_requests() == []

    run = run_module("s3_notification", {"bucket": BUCKET, "id": OURS, "state": "absent"}, env=sandbox.env)
    assert run.changed and not run.failed, run.output
    assert stored(sandbox) == as_answered(OTHERS)
    assert run.result["configuration"] == {}

    sandbox.aws.reset()
    again = run_module("s3_notification", {"bucket": BUCKET, "id": OURS, "state": "absent"}, env=sandbox.env)
    assert not again.failed and not again.changed, again.output
    assert sandbox.aws.write_requests() == []


def test_absent_of_the_last_configuration_empties_the_bucket_configuration(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_bucket(sandbox, {"QueueConfigurations": [ours()]})
    run = run_module("s3_notification", {"bucket": BUCKET, "id": OURS, "state": "absent"}, env=sandbox.env)
    assert run.changed and not run.failed, run.output
    assert stored(sandbox) == as_answered({})


def test_govcloud_queue_in_a_govcloud_bucket(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    region = "us-gov-west-1"
    make_bucket(sandbox, region=region)
    gov_queue = f"arn:aws-us-gov:sqs:{region}:{ACCOUNT}:sentinel-cloudtrail"
    run = run_module("s3_notification", notification_args(queue_arn=gov_queue, region=region), env=sandbox.env)
    assert run.changed and not run.failed, run.output
    assert stored(sandbox, region) == as_answered({"QueueConfigurations": [ours(queue_arn=gov_queue)]})


def test_bad_input_fails_before_any_call_naming_the_option(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_bucket(sandbox, OTHERS)
    cases = [
        (notification_args(id="cloudtrail"), "id must start with sentinel-aws-"),
        (notification_args(queue_arn="sentinel-cloudtrail"), "queue_arn must be the ARN of an SQS standard queue"),
        (notification_args(queue_arn=f"arn:aws:sns:us-east-1:{ACCOUNT}:t"), "queue_arn must be the ARN"),
        (notification_args(events=["ObjectCreated"]), "events must list S3 event types"),
        (notification_args(events=[]), "events must list S3 event types"),
        (notification_args(bucket="Central_Logs"), "bucket must be an S3 bucket name"),
        (notification_args(prefix="x" * 1025), "prefix must be at most 1024 characters"),
        ({"bucket": BUCKET, "id": OURS}, "queue_arn must be the ARN"),
    ]
    results = run_module_cases("s3_notification", [args for args, _message in cases], env=sandbox.env)
    for (args, message), result in zip(cases, results, strict=True):
        assert result.get("failed") and message in result.get("msg", ""), (args, result.get("msg"))
    assert sandbox.aws.requests == []
    assert stored(sandbox) == as_answered(OTHERS)
