# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A bucket's event notification to a Sentinel queue, merged into the bucket's configuration.

A bucket has one NotificationConfiguration, shared by everyone (other queues, SNS topics, Lambda
functions, EventBridge). PutBucketNotificationConfiguration replaces all of it, so the module reads
it, changes only the queue configuration whose Id is ours (``s3_connector.is_owned_notification``)
and writes back everything else as it was read, order included.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import copy
import re

from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.sentinel.aws.plugins.module_utils import s3_connector
from ansible_collections.sentinel.aws.plugins.module_utils.log_queue import check_bucket_name
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

RETRY = AWSRetry.jittered_backoff(retries=8, delay=1, backoff=2.0, max_delay=20)

# The destination lists of a NotificationConfiguration and the key naming each one's ARN.
DESTINATION_KEYS = {
    "QueueConfigurations": "QueueArn",
    "TopicConfigurations": "TopicArn",
    "LambdaFunctionConfigurations": "LambdaFunctionArn",
}
# What PutBucketNotificationConfiguration takes; GetBucketNotificationConfiguration answers these
# and ResponseMetadata.
CONFIGURATION_KEYS = tuple(DESTINATION_KEYS) + ("EventBridgeConfiguration",)
QUEUE_ARN_PATTERN = re.compile(
    r"^arn:(?P<partition>aws|aws-us-gov):sqs:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):(?P<name>[A-Za-z0-9_-]{1,80})\Z"
)
# S3 event types: s3:<Category>[:<Name or *>] (S3 user guide, "Supported event types").
EVENT_PATTERN = re.compile(r"^s3:[A-Za-z]+(?::(?:[A-Za-z]+|\*))?\Z")
DEFAULT_EVENTS = ["s3:ObjectCreated:*"]
FILTER_VALUE_MAX = 1024


# --- pure: input and the configuration we want ----------------------------------------------


def notification_spec(params: dict) -> dict:
    """The desired notification from module parameters; InvalidInput, naming the option, on bad input."""
    configuration_id = params["id"]
    if not s3_connector.is_owned_notification(configuration_id) or len(configuration_id) > 255:
        raise InvalidInput(
            "id must start with %s (how sentinel.aws tells its notifications from others on the bucket) and be at "
            "most 255 characters, got %r" % (s3_connector.OWNED_NOTIFICATION_PREFIX, configuration_id)
        )
    spec = {"bucket": check_bucket_name("bucket", params["bucket"]), "id": configuration_id, "state": params["state"]}
    if spec["state"] == "absent":
        return spec
    if not params.get("queue_arn") or not QUEUE_ARN_PATTERN.match(params["queue_arn"]):
        raise InvalidInput(
            "queue_arn must be the ARN of an SQS standard queue, arn:<aws or aws-us-gov>:sqs:<region>:<12-digit "
            "account>:<name>, got %r" % params.get("queue_arn")
        )
    events = params["events"]
    bad = [event for event in events if not isinstance(event, str) or not EVENT_PATTERN.match(event)]
    if not events or bad:
        raise InvalidInput(
            "events must list S3 event types such as s3:ObjectCreated:* or s3:ObjectCreated:Put, got %r"
            % (bad or events)
        )
    for option in ("prefix", "suffix"):
        value = params.get(option) or ""
        if len(value) > FILTER_VALUE_MAX:
            raise InvalidInput("%s must be at most %d characters long" % (option, FILTER_VALUE_MAX))
    spec.update(queue_arn=params["queue_arn"], events=list(events), prefix=params.get("prefix") or "")
    spec["suffix"] = params.get("suffix") or ""
    return spec


def desired_configuration(spec: dict) -> dict:
    """Our QueueConfiguration. An empty prefix or suffix is left out: S3 allows no empty filter value."""
    configuration = {"Id": spec["id"], "QueueArn": spec["queue_arn"], "Events": list(spec["events"])}
    rules = [{"Name": name, "Value": spec[name]} for name in ("prefix", "suffix") if spec[name]]
    if rules:
        configuration["Filter"] = {"Key": {"FilterRules": rules}}
    return configuration


def key_filter(configuration: dict) -> dict:
    """{'prefix': ..., 'suffix': ...} of a configuration ('' when it has none).

    S3 answers the rule names capitalised (Prefix, Suffix) whatever case they were sent in.
    """
    rules = ((configuration.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []
    found = {"prefix": "", "suffix": ""}
    for rule in rules:
        found[str(rule.get("Name", "")).lower()] = rule.get("Value") or ""
    return found


def same_configuration(current: dict, desired: dict) -> bool:
    def essence(configuration: dict) -> tuple:
        events = sorted(set(configuration.get("Events") or []))
        return configuration.get("QueueArn"), events, key_filter(configuration)

    return essence(current) == essence(desired)


def stored_configuration(answer: dict) -> dict:
    """The bucket's NotificationConfiguration from GetBucketNotificationConfiguration's answer."""
    return {key: copy.deepcopy(answer[key]) for key in CONFIGURATION_KEYS if key in answer}


def find_ours(configuration: dict, configuration_id: str) -> dict | None:
    for queue in configuration.get("QueueConfigurations") or []:
        if queue.get("Id") == configuration_id:
            return queue
    return None


def merged(configuration: dict, ours: dict) -> dict:
    """The configuration with ours in place of the queue configuration of that Id (or last); nothing else changes."""
    result = copy.deepcopy(configuration)
    queues = result.setdefault("QueueConfigurations", [])
    for index, queue in enumerate(queues):
        if queue.get("Id") == ours["Id"]:
            queues[index] = copy.deepcopy(ours)
            return result
    queues.append(copy.deepcopy(ours))
    return result


def without(configuration: dict, configuration_id: str) -> dict:
    result = copy.deepcopy(configuration)
    queues = [queue for queue in result.get("QueueConfigurations") or [] if queue.get("Id") != configuration_id]
    if queues:
        result["QueueConfigurations"] = queues
    else:
        result.pop("QueueConfigurations", None)
    return result


# S3 refuses two configurations (of any destination) whose event types, prefixes and suffixes all
# overlap: "Configurations overlap" / "Configuration is ambiguously defined" (S3 user guide,
# "Configuring event notifications using object key name filtering": a missing prefix or suffix
# overlaps any; two prefixes overlap when a key can begin with both, two suffixes when it can end
# with both; s3:ObjectCreated:* overlaps s3:ObjectCreated:Put).
def _events_overlap(first: str, second: str) -> bool:
    def covers(wide: str, narrow: str) -> bool:
        return wide == narrow or (wide.endswith(":*") and narrow.startswith(wide[:-1]))

    return covers(first, second) or covers(second, first)


def overlaps(first: dict, second: dict) -> bool:
    if not any(_events_overlap(a, b) for a in first.get("Events") or [] for b in second.get("Events") or []):
        return False
    one, other = key_filter(first), key_filter(second)
    prefixes = one["prefix"].startswith(other["prefix"]) or other["prefix"].startswith(one["prefix"])
    suffixes = one["suffix"].endswith(other["suffix"]) or other["suffix"].endswith(one["suffix"])
    return prefixes and suffixes


def describe(kind: str, configuration: dict) -> str:
    found = key_filter(configuration)
    return "the %s %r to %s (events %s, prefix %r, suffix %r)" % (
        kind[: -len("Configurations")].replace("LambdaFunction", "Lambda function").lower(),
        configuration.get("Id"),
        configuration.get(DESTINATION_KEYS[kind]),
        ", ".join(configuration.get("Events") or []),
        found["prefix"],
        found["suffix"],
    )


def require_no_overlap(configuration: dict, ours: dict, bucket: str) -> None:
    """InvalidInput, before any write, naming each other configuration S3 would refuse ours beside."""
    clashes = [
        describe(kind, other)
        for kind in DESTINATION_KEYS
        for other in configuration.get(kind) or []
        if not (kind == "QueueConfigurations" and other.get("Id") == ours["Id"]) and overlaps(other, ours)
    ]
    if clashes:
        found = key_filter(ours)
        raise InvalidInput(
            "prefix/suffix: the notification %s (events %s, prefix %r, suffix %r) overlaps %s on bucket %s, and S3 "
            "refuses overlapping configurations for one event type; nothing was changed. Use a prefix or suffix "
            "that does not overlap, or, when another consumer needs the same files, fan out through an SNS topic"
            % (ours["Id"], ", ".join(ours["Events"]), found["prefix"], found["suffix"], "; ".join(clashes), bucket)
        )


# --- S3 calls and the two states ------------------------------------------------------------


class NotificationApi:
    def __init__(self, module):
        self.s3 = module.client("s3", retry_decorator=RETRY)

    def _call(self, what: str, method: object, **kwargs: object) -> dict:
        return AWSErrorHandler.common_error_handler(what)(method)(aws_retry=True, **kwargs)

    def read(self, bucket: str) -> dict:
        answer = self._call(
            "get the notification configuration of bucket %s" % bucket,
            self.s3.get_bucket_notification_configuration,
            Bucket=bucket,
        )
        return stored_configuration(answer)

    def write(self, bucket: str, configuration: dict) -> None:
        # S3 sends every queue and topic of the configuration a test event and refuses the whole
        # configuration ("Unable to validate the following destination configurations") when a
        # destination's policy does not let S3 send to it.
        self._call(
            "put the notification configuration of bucket %s" % bucket,
            self.s3.put_bucket_notification_configuration,
            Bucket=bucket,
            NotificationConfiguration=configuration,
        )


def ensure(api: NotificationApi, spec: dict, check_mode: bool) -> dict:
    """Add, converge or remove our queue configuration: the outcome (changed, configuration, diff)."""
    before = api.read(spec["bucket"])
    current = find_ours(before, spec["id"])
    if spec["state"] == "absent":
        after, ours = (without(before, spec["id"]), {}) if current else (before, {})
    else:
        ours = desired_configuration(spec)
        if current is not None and same_configuration(current, ours):
            after = before
        else:
            require_no_overlap(before, ours, spec["bucket"])
            after = merged(before, ours)
    changed = after is not before
    if changed and not check_mode:
        api.write(spec["bucket"], after)
    return {"changed": changed, "configuration": copy.deepcopy(ours), "diff": {"before": before, "after": after}}
