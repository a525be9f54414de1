# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SQS queue Sentinel's S3 connector reads, one per log type: plan (pure), then make it.

The queue is the collection's whole: it is created with the marker tag (iam_role.MARKER_TAG_KEY),
and its policy is exactly research-s3.md's CloudFormation one, so drift anywhere in the policy is
repaired by writing the whole document again. A queue of that name without the marker is someone
else's and is refused before any write.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import copy
import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.s3 import validate_bucket_name
from ansible_collections.sentinel.aws.plugins.module_utils import iam_role
from ansible_collections.sentinel.aws.plugins.module_utils import s3_connector
from ansible_collections.sentinel.aws.plugins.module_utils import validation
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput
from ansible_collections.sentinel.aws.plugins.module_utils.validation import require_account
from ansible_collections.sentinel.aws.plugins.module_utils.validation import require_partition

# SQS answers RequestThrottled as well as the codes AWSRetry knows (SQS API reference, common errors).
RETRY = AWSRetry.jittered_backoff(
    retries=8, delay=1, backoff=2.0, max_delay=20, catch_extra_error_codes=["RequestThrottled", "ThrottlingException"]
)

# Standard queue names: 1-80 letters, digits, '-' and '_' (CreateQueue). No '.fifo': S3 event
# notifications cannot target FIFO queues (S3 user guide, "Supported event destinations").
QUEUE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,80}\Z")
# research-s3.md §3, the CloudFormation queue policy; the Sids carry our marker prefix.
POLICY_ID = "SentinelSQSPolicy"
S3_SEND_SID = s3_connector.owned_sid("AllowS3ToSendMessages")
READER_SID = s3_connector.owned_sid("AllowSentinelRoleToAccessQueue")
READER_ACTIONS = [
    "SQS:ReceiveMessage",
    "SQS:DeleteMessage",
    "SQS:GetQueueAttributes",
    "SQS:GetQueueUrl",
    "SQS:ChangeMessageVisibility",
]
MISSING_QUEUE_CODES = ["AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"]


# --- pure: input, the desired queue, comparison ----------------------------------------------


def check_queue_name(option: str, value: str) -> str:
    if not isinstance(value, str) or not QUEUE_NAME_PATTERN.match(value):
        raise InvalidInput(
            "%s must be an SQS standard queue name of 1 to 80 letters, digits, '-' and '_' (S3 cannot notify a "
            "FIFO queue), got %r" % (option, value)
        )
    return value


def check_bucket_name(option: str, value: str) -> str:
    problem = validate_bucket_name(value) if isinstance(value, str) else "a bucket name is a string"
    if problem or not value[0].isalnum():
        raise InvalidInput(
            "%s must be an S3 bucket name (3 to 63 lower-case letters, digits, '.' and '-', beginning and ending "
            "with a letter or digit): %s, got %r" % (option, problem or "it begins with %r" % value[0], value)
        )
    return value


def queue_spec(params: dict) -> dict:
    """The desired queue as plain data from module parameters; InvalidInput, naming the option, on bad input."""
    partition = s3_connector.check_partition("aws_partition", params["aws_partition"])
    spec = {
        "name": check_queue_name("name", params["name"]),
        "state": params["state"],
        "partition": partition,
        "account_id": None,
        "bucket": None,
        "bucket_account_id": None,
        "role_arn": None,
        "tags": None,
    }
    if params.get("aws_account_id") is not None:
        spec["account_id"] = validation.check_account_id("aws_account_id", params["aws_account_id"])
    if spec["state"] == "absent":
        return spec
    for option in ("bucket", "role_arn"):
        if not params.get(option):
            raise InvalidInput("%s is required when state=present" % option)
    spec["bucket"] = check_bucket_name("bucket", params["bucket"])
    if params.get("bucket_account_id") is not None:
        spec["bucket_account_id"] = validation.check_account_id("bucket_account_id", params["bucket_account_id"])
    role = validation.parse_role_arn("role_arn", params["role_arn"])
    if role["partition"] != partition:
        raise InvalidInput(
            "role_arn is in partition %r, not aws_partition %r: %s" % (role["partition"], partition, params["role_arn"])
        )
    spec["role_arn"] = params["role_arn"]
    tags = validation.check_tags("tags", params["tags"]) if params.get("tags") is not None else None
    spec["tags"] = iam_role.desired_tags(tags)
    return spec


def queue_arn(partition: str, region: str, account_id: str, name: str) -> str:
    return "arn:%s:sqs:%s:%s:%s" % (partition, region, account_id, name)


def queue_policy(spec: dict, arn: str, bucket_account_id: str) -> dict:
    """research-s3.md §3's CloudFormation policy: S3 may send from this bucket in that account, the role may read.

    aws:SourceAccount as well as aws:SourceArn: a bucket ARN has no account, so without it a bucket
    of that name in another account (after ours is deleted) could send (S3 user guide, "Granting
    permissions to publish event notification messages to a destination").
    """
    return {
        "Version": "2012-10-17",
        "Id": POLICY_ID,
        "Statement": [
            {
                "Sid": S3_SEND_SID,
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "SQS:SendMessage",
                "Resource": arn,
                "Condition": {
                    "ArnLike": {"aws:SourceArn": "arn:%s:s3:::%s" % (spec["partition"], spec["bucket"])},
                    "StringEquals": {"aws:SourceAccount": bucket_account_id},
                },
            },
            {
                "Sid": READER_SID,
                "Effect": "Allow",
                "Principal": {"AWS": spec["role_arn"]},
                "Action": list(READER_ACTIONS),
                "Resource": arn,
            },
        ],
    }


def parse_policy(text: object) -> dict:
    """A policy document from SQS's Policy attribute (a JSON string, or missing when the queue has none)."""
    if not text:
        return {}
    if isinstance(text, dict):
        return text
    try:
        document = json.loads(text)
    except ValueError:
        return {"unparsable": text}
    return document if isinstance(document, dict) else {"unparsable": text}


# A small normaliser for documents that are wholly ours (the integrator may fold it with
# resource_policy.py's comparison of Sid-marked statements): IAM reads a one-item list as the
# item, lists of actions, principals, resources and condition values in any order, and action
# names case-insensitively (IAM user guide, "IAM JSON policy elements": Action, Principal).
def _normalised_values(value: object, lower: bool = False) -> object:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = sorted({item.lower() if lower else item for item in value})
        return items[0] if len(items) == 1 else items
    return value.lower() if lower and isinstance(value, str) else value


def _normalised_statement(statement: dict) -> dict:
    result = {}
    for key, value in statement.items():
        if key in ("Action", "NotAction"):
            result[key] = _normalised_values(value, lower=True)
        elif key in ("Resource", "NotResource"):
            result[key] = _normalised_values(value)
        elif key in ("Principal", "NotPrincipal", "Condition") and isinstance(value, dict):
            result[key] = {
                k: (
                    {ck: _normalised_values(cv) for ck, cv in v.items()}
                    if isinstance(v, dict)
                    else _normalised_values(v)
                )
                for k, v in value.items()
            }
        else:
            result[key] = value
    return result


def normalised_policy(document: dict) -> dict:
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    normalised = [_normalised_statement(s) if isinstance(s, dict) else s for s in statements]
    result = dict(document)
    result["Statement"] = sorted(normalised, key=lambda s: json.dumps(s, sort_keys=True))
    return result


def same_policy(current: dict, desired: dict) -> bool:
    return normalised_policy(current) == normalised_policy(desired)


def tags_to_set(current: dict, desired: dict) -> dict:
    """The tags to add or change: those of ``tags`` and the marker; other tags on the queue stay."""
    return {key: value for key, value in desired.items() if current.get(key) != value}


def queue_view(url: str | None, arn: str, policy: dict, tags: dict) -> dict:
    return {"queue_url": url, "queue_arn": arn, "policy": policy, "tags": tags}


def diff_view(view: dict | None) -> dict:
    """What --diff shows: the policy and the tags; {} for a queue that does not exist."""
    return {"policy": view["policy"], "tags": view["tags"]} if view else {}


# --- SQS and STS calls ------------------------------------------------------------------------


class SqsErrorHandler(AWSErrorHandler):
    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(MISSING_QUEUE_CODES)


class QueueApi:
    """One method per SQS/STS call, each retried; AWS errors become AnsibleAWSError naming the operation."""

    def __init__(self, module):
        self._module = module
        self.sqs = module.client("sqs", retry_decorator=RETRY)
        meta = self.sqs.client.meta
        self.partition, self.region, self.endpoint = meta.partition, meta.region_name, meta.endpoint_url
        self._sts = None

    def _call(self, what: str, method: object, **kwargs: object) -> dict:
        return SqsErrorHandler.common_error_handler(what)(method)(aws_retry=True, **kwargs)

    def caller_account(self) -> str:
        if self._sts is None:
            self._sts = self._module.client("sts", retry_decorator=RETRY)
        return self._call("get the caller identity (sts:GetCallerIdentity)", self._sts.get_caller_identity)["Account"]

    def expected_url(self, account_id: str, name: str) -> str:
        """The URL CreateQueue answers (<endpoint>/<account>/<name>): what check mode reports for a new queue."""
        return "%s/%s/%s" % (self.endpoint.rstrip("/"), account_id, name)

    def get_queue(self, name: str) -> dict | None:
        """{url, arn, policy, tags} of the queue, None when there is none."""
        read = SqsErrorHandler.list_error_handler("get the URL of queue %s" % name)(self.sqs.get_queue_url)
        found = read(aws_retry=True, QueueName=name)
        if not found:
            return None
        url = found["QueueUrl"]
        attributes = self._call(
            "get the attributes of queue %s" % name,
            self.sqs.get_queue_attributes,
            QueueUrl=url,
            AttributeNames=["QueueArn", "Policy"],
        ).get("Attributes", {})
        tags = self._call("list the tags of queue %s" % name, self.sqs.list_queue_tags, QueueUrl=url).get("Tags", {})
        return {
            "url": url,
            "arn": attributes["QueueArn"],
            "policy": parse_policy(attributes.get("Policy")),
            "tags": tags,
        }

    def create_queue(self, name: str, policy: dict, tags: dict) -> str:
        # Policy and tags in the CreateQueue call itself: the queue never exists unmarked or unguarded.
        created = self._call(
            "create queue %s" % name,
            self.sqs.create_queue,
            QueueName=name,
            Attributes={"Policy": json.dumps(policy)},
            tags=tags,
        )
        return created["QueueUrl"]

    def put_policy(self, url: str, policy: dict) -> None:
        self._call(
            "set the policy of queue %s" % url,
            self.sqs.set_queue_attributes,
            QueueUrl=url,
            Attributes={"Policy": json.dumps(policy)},
        )

    def tag(self, url: str, tags: dict) -> None:
        self._call("tag queue %s" % url, self.sqs.tag_queue, QueueUrl=url, Tags=tags)

    def delete(self, url: str) -> None:
        self._call("delete queue %s" % url, self.sqs.delete_queue, QueueUrl=url)


# --- the two states -------------------------------------------------------------------------


def _require_ours(name: str, tags: dict) -> None:
    if not iam_role.is_marked(tags):
        raise InvalidInput(
            "name: the queue %s exists and was not made by sentinel.aws (it has no tag %s=%s); nothing was changed. "
            "Choose another name, or tag the queue yourself if it is meant to be Sentinel's"
            % (name, iam_role.MARKER_TAG_KEY, iam_role.MARKER_TAG_VALUE)
        )


def ensure_present(api: QueueApi, spec: dict, check_mode: bool) -> dict:
    """Create or converge the queue: the outcome (changed, queue_url, queue_arn, policy, tags, ownership, diff)."""
    require_partition(spec["partition"], api.partition, api.region)
    name = spec["name"]
    existing = api.get_queue(name)
    if existing is None:
        return _create(api, spec, check_mode)
    account = parse_aws_arn(existing["arn"])["account_id"]
    require_account(spec["account_id"], account, "from the ARN of queue %s" % name)
    _require_ours(name, existing["tags"])
    policy = queue_policy(spec, existing["arn"], spec["bucket_account_id"] or account)
    new_tags = tags_to_set(existing["tags"], spec["tags"])
    repair_policy = not same_policy(existing["policy"], policy)
    before = queue_view(existing["url"], existing["arn"], existing["policy"], existing["tags"])
    after = queue_view(
        existing["url"],
        existing["arn"],
        policy if repair_policy else existing["policy"],
        {**existing["tags"], **new_tags},
    )
    if not check_mode:
        if repair_policy:
            api.put_policy(existing["url"], policy)
        if new_tags:
            api.tag(existing["url"], new_tags)
    return _outcome(bool(repair_policy or new_tags), before, after, "managed")


def _create(api: QueueApi, spec: dict, check_mode: bool) -> dict:
    account = api.caller_account()
    require_account(spec["account_id"], account, "from sts:GetCallerIdentity")
    arn = queue_arn(spec["partition"], api.region, account, spec["name"])
    policy = queue_policy(spec, arn, spec["bucket_account_id"] or account)
    if check_mode:
        url = api.expected_url(account, spec["name"])
    else:
        url = api.create_queue(spec["name"], policy, spec["tags"])
    return _outcome(True, None, queue_view(url, arn, policy, dict(spec["tags"])), "created")


def ensure_absent(api: QueueApi, spec: dict, check_mode: bool) -> dict:
    """Delete the queue if it is ours; a queue without the marker is left alone, with a warning."""
    name = spec["name"]
    existing = api.get_queue(name)
    if existing is None:
        return _outcome(False, None, None, "none")
    require_account(spec["account_id"], parse_aws_arn(existing["arn"])["account_id"], "from the ARN of queue %s" % name)
    view = queue_view(existing["url"], existing["arn"], existing["policy"], existing["tags"])
    if not iam_role.is_marked(existing["tags"]):
        outcome = _outcome(False, view, view, "foreign")
        outcome["warnings"].append(
            "queue %s was not made by sentinel.aws (no tag %s=%s): left as it is"
            % (name, iam_role.MARKER_TAG_KEY, iam_role.MARKER_TAG_VALUE)
        )
        return outcome
    if not check_mode:
        api.delete(existing["url"])
    return _outcome(True, view, None, "managed")


def _outcome(changed: bool, before: dict | None, after: dict | None, ownership: str) -> dict:
    shown = after or queue_view(None, None, {}, {})
    outcome = copy.deepcopy(shown)
    outcome.update(
        changed=changed,
        ownership=ownership,
        warnings=[],
        diff={"before": diff_view(before), "after": diff_view(after)},
    )
    return outcome
