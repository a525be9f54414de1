# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Sentinel's S3 connector needs in a bucket policy and a key policy, and the calls that put it there.

The first half is pure: checking the options, and building the statements of research-s3.md
section 3 (Microsoft's CloudFormation templates, and AWS's documented CloudTrail bucket and key
policies) with Sids that name what they are for. A role's statements carry a digest of its ARN
and a trail's a digest of the trail's, so two workspaces' roles reading one bucket, or two trails
writing to it, never overwrite each other. The second half reads and writes the policies through
amazon.aws's client and error handler, and ``ensure`` ties the two with check and diff modes.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import hashlib
import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.sentinel.aws.plugins.module_utils.assume_role import s3_module
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.sentinel.aws.plugins.module_utils import aws_module
from ansible_collections.sentinel.aws.plugins.module_utils import resource_policy
from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import check_partition
from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import owned_sid
from ansible_collections.sentinel.aws.plugins.module_utils.validation import ACCOUNT_ID_PATTERN
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput
from ansible_collections.sentinel.aws.plugins.module_utils.validation import parse_role_arn

CLOUDTRAIL_SERVICE = "cloudtrail.amazonaws.com"
# S3 general purpose bucket naming rules (S3 user guide, "Bucket naming rules"): 3 to 63 lower-case
# letters, digits, dots and hyphens, starting and ending with a letter or digit.
BUCKET_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")
# CloudTrail trail ARNs (CloudTrail API reference, Trail.TrailARN); trail names are 3-128 characters.
TRAIL_ARN_PATTERN = re.compile(
    r"^arn:(?P<partition>[a-z-]+):cloudtrail:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):trail/[A-Za-z0-9._-]{3,128}\Z"
)
# An organization ID (Organizations API reference, Organization.Id): an organisation trail
# delivers under AWSLogs/<org ID>/ (research-s3.md section 3).
ORG_ID_PATTERN = re.compile(r"^o-[a-z0-9]{10,32}\Z")
# S3KeyPrefix of CreateTrail: at most 200 characters.
KEY_PREFIX_MAX = 200
# KeyId of the KMS API: a key ID (a GUID, or mrk-<32 hex> for a multi-Region key), a key ARN, an
# alias name (alias/<name>) or an alias ARN (KMS API reference, DescribeKey, KeyId).
KEY_ID_PATTERN = re.compile(
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-f]{32}|alias/[A-Za-z0-9/_-]{1,250})\Z"
)
KEY_ARN_PATTERN = re.compile(r"^arn:(?P<partition>[a-z-]+):kms:[a-z0-9-]+:[0-9]{12}:(?:key|alias)/\S+\Z")


# --- options ---------------------------------------------------------------------------------


def _digest(value: str) -> str:
    """A short, stable tag of an ARN for a Sid (Sids allow letters and digits only)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]


def _check_partition_of(option: str, found: str, partition: str) -> None:
    if found != partition:
        raise InvalidInput("%s is in the AWS partition %r, but aws_partition is %r" % (option, found, partition))


def common_spec(params: dict) -> dict:
    """The options both modules share, checked: partition, state, role_arn, cloudtrail_trail_arn."""
    partition = check_partition("aws_partition", params["aws_partition"])
    spec = {"partition": partition, "state": params["state"], "role_arn": None, "trail_arn": None}
    if params.get("role_arn"):
        _check_partition_of("role_arn", parse_role_arn("role_arn", params["role_arn"])["partition"], partition)
        spec["role_arn"] = params["role_arn"]
    if params.get("cloudtrail_trail_arn"):
        trail = parse_trail_arn("cloudtrail_trail_arn", params["cloudtrail_trail_arn"])
        _check_partition_of("cloudtrail_trail_arn", trail["partition"], partition)
        spec["trail_arn"] = params["cloudtrail_trail_arn"]
        spec["trail_account"] = trail["account"]
    if spec["state"] == "present" and not (spec["role_arn"] or spec["trail_arn"]):
        raise InvalidInput("state=present needs role_arn, cloudtrail_trail_arn or both: there is nothing to grant")
    return spec


def parse_trail_arn(option: str, value: str) -> dict:
    match = TRAIL_ARN_PATTERN.match(value) if isinstance(value, str) else None
    if not match:
        raise InvalidInput(
            "%s must be a CloudTrail trail ARN of the form arn:aws:cloudtrail:<region>:<12-digit account>:trail/<name>, "
            "got %r" % (option, value)
        )
    return match.groupdict()


def bucket_spec(params: dict) -> dict:
    spec = common_spec(params)
    spec["bucket"] = check_bucket("bucket", params["bucket"])
    log_account = params.get("cloudtrail_log_account")
    prefix = params.get("cloudtrail_s3_key_prefix")
    if (log_account or prefix) and not spec["trail_arn"]:
        raise InvalidInput("cloudtrail_log_account and cloudtrail_s3_key_prefix need cloudtrail_trail_arn")
    if spec["trail_arn"]:
        log_account = log_account or spec["trail_account"]
        if not (ACCOUNT_ID_PATTERN.match(log_account) or ORG_ID_PATTERN.match(log_account)):
            raise InvalidInput(
                "cloudtrail_log_account must be a 12-digit AWS account ID or an organization ID (o-<10 to 32 "
                "lower-case letters or digits>), got %r" % (log_account,)
            )
        prefix = check_key_prefix("cloudtrail_s3_key_prefix", prefix)
    spec["log_account"], spec["key_prefix"] = log_account, prefix
    return spec


def key_spec(params: dict) -> dict:
    spec = common_spec(params)
    spec["key_id"] = check_key_id("key_id", params["key_id"], spec["partition"])
    return spec


def check_bucket(option: str, bucket: str) -> str:
    if not isinstance(bucket, str) or not BUCKET_PATTERN.match(bucket) or ".." in bucket:
        raise InvalidInput(
            "%s must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, "
            "starting and ending with a letter or digit, got %r" % (option, bucket)
        )
    return bucket


def check_key_prefix(option: str, prefix: str | None) -> str:
    """A trail's S3 key prefix without slashes at either end ("" for none): CloudTrail adds the one before AWSLogs/."""
    prefix = (prefix or "").strip("/")
    if len(prefix) > KEY_PREFIX_MAX:
        raise InvalidInput("%s must be at most %d characters" % (option, KEY_PREFIX_MAX))
    return prefix


def check_key_id(option: str, key_id: str, partition: str) -> str:
    """A KMS key ID, key ARN, alias name or alias ARN; an ARN must be in ``partition``."""
    arn = KEY_ARN_PATTERN.match(key_id) if isinstance(key_id, str) else None
    if arn:
        _check_partition_of(option, arn.group("partition"), partition)
    elif not (isinstance(key_id, str) and KEY_ID_PATTERN.match(key_id)):
        raise InvalidInput(
            "%s must be a KMS key ID, key ARN, alias name (alias/<name>) or alias ARN, got %r" % (option, key_id)
        )
    return key_id


# --- statements ------------------------------------------------------------------------------


def bucket_arn(partition: str, bucket: str) -> str:
    return "arn:%s:s3:::%s" % (partition, bucket)


def reader_statements(partition: str, bucket: str, role_arn: str) -> list:
    """The role may list the bucket and read its objects (Microsoft's CloudFormation template, least privilege)."""
    tag = _digest(role_arn)
    arn = bucket_arn(partition, bucket)
    return [
        _allow(owned_sid("ReadObjects" + tag), {"AWS": role_arn}, "s3:GetObject", arn + "/*"),
        _allow(owned_sid("ListBucket" + tag), {"AWS": role_arn}, "s3:ListBucket", arn),
    ]


def cloudtrail_bucket_statements(spec: dict) -> list:
    """CloudTrail may check the bucket's ACL and write its logs (CloudTrail user guide, "Amazon S3 bucket policy
    for CloudTrail"), each only for this trail (aws:SourceArn, the confused-deputy guard AWS recommends).

    An organisation trail writes the management account's own logs under AWSLogs/<its account>/ and the
    members' under AWSLogs/<org ID>/ ("Create a bucket policy for an organization trail"): both paths.
    """
    tag = _digest(spec["trail_arn"])
    arn = bucket_arn(spec["partition"], spec["bucket"])
    base = arn + "/" + (spec["key_prefix"] + "/" if spec["key_prefix"] else "") + "AWSLogs/%s/*"
    accounts = [spec["trail_account"]]
    if spec["log_account"] != spec["trail_account"]:
        accounts.append(spec["log_account"])
    source = {"StringEquals": {"aws:SourceArn": spec["trail_arn"]}}
    write_condition = {
        "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": spec["trail_arn"]}
    }
    return [
        _allow(owned_sid("CloudTrailAclCheck" + tag), {"Service": CLOUDTRAIL_SERVICE}, "s3:GetBucketAcl", arn, source),
        _allow(
            owned_sid("CloudTrailWrite" + tag),
            {"Service": CLOUDTRAIL_SERVICE},
            "s3:PutObject",
            [base % account for account in accounts] if len(accounts) > 1 else base % accounts[0],
            write_condition,
        ),
    ]


def bucket_statements(spec: dict) -> list:
    statements = []
    if spec["role_arn"]:
        statements += reader_statements(spec["partition"], spec["bucket"], spec["role_arn"])
    if spec["trail_arn"]:
        statements += cloudtrail_bucket_statements(spec)
    return statements


def key_statements(spec: dict) -> list:
    """kms:Decrypt for the role (Microsoft's template; without it ingestion of SSE-KMS objects fails,
    Learn "aws-s3-troubleshoot"), and CloudTrail's encrypt and describe permissions for the trail
    (CloudTrail user guide, "Configure AWS KMS key policies for CloudTrail")."""
    statements = []
    if spec["role_arn"]:
        statements.append(
            _allow(owned_sid("Decrypt" + _digest(spec["role_arn"])), {"AWS": spec["role_arn"]}, "kms:Decrypt", "*")
        )
    if spec["trail_arn"]:
        tag = _digest(spec["trail_arn"])
        source = {"aws:SourceArn": spec["trail_arn"]}
        context = {
            "kms:EncryptionContext:aws:cloudtrail:arn": "arn:%s:cloudtrail:*:%s:trail/*"
            % (spec["partition"], spec["trail_account"])
        }
        principal = {"Service": CLOUDTRAIL_SERVICE}
        statements += [
            _allow(
                owned_sid("CloudTrailEncrypt" + tag),
                principal,
                "kms:GenerateDataKey*",
                "*",
                {"StringEquals": source, "StringLike": context},
            ),
            _allow(
                owned_sid("CloudTrailDescribeKey" + tag), principal, "kms:DescribeKey", "*", {"StringEquals": source}
            ),
        ]
    return statements


def _allow(sid: str, principal: dict, action: str, resource: object, condition: dict | None = None) -> dict:
    statement = {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


# --- plan -----------------------------------------------------------------------------------


def plan(current: dict | None, statements: list, spec: dict) -> tuple:
    """(the policy after the task or None for no policy, the Sids the task manages).

    present merges ``statements``; absent removes them, or every statement of ours when neither
    role_arn nor cloudtrail_trail_arn says whose.
    """
    if spec["state"] == "present":
        return resource_policy.merge_statements(current, statements), [s["Sid"] for s in statements]
    sids = [s["Sid"] for s in statements] if statements else None
    present = resource_policy.owned_sids(current)
    removed = [sid for sid in present if sids is None or sid in sids]
    return resource_policy.remove_statements(current, removed), removed


def ensure(api: object, statements: list, spec: dict, check_mode: bool) -> dict:
    """Read the policy, plan, write only when it differs: the result (changed, policy, statement_ids, diff).

    ``api`` is a BucketPolicyApi or a KeyPolicyApi. Nothing is written in check mode, nor when the
    policy already says the same (however AWS spelled it back).
    """
    try:
        before = resource_policy.parse_policy(api.read())
    except resource_policy.InvalidPolicy as e:
        raise InvalidInput("the policy of %s cannot be read safely: %s; nothing was changed" % (api.what, e)) from e
    after, sids = plan(before, statements, spec)
    changed = not resource_policy.same_policy(before, after)
    if changed and after is None and not api.deletable:
        raise InvalidInput(
            "removing the statements %s would leave %s without a policy, which AWS does not allow; nothing was "
            "changed. Add a statement of your own first (for example the account's root statement)"
            % (", ".join(sids), api.what)
        )
    if changed and not check_mode:
        if after is None:
            api.delete()
        else:
            api.write(resource_policy.dump_policy(after))
    return {
        "changed": changed,
        "policy": after or {},
        "statement_ids": sids,
        "diff": {"before": before or {}, "after": after or {}},
    }


# --- AWS calls ------------------------------------------------------------------------------

# AWSRetry's list misses S3's SlowDown and KMS's ThrottlingException (botocore's retry data lists
# both as throttling errors).
RETRY = AWSRetry.jittered_backoff(
    retries=8, delay=1, backoff=2.0, max_delay=20, catch_extra_error_codes=["SlowDown", "ThrottlingException"]
)


class PolicyErrorHandler(AWSErrorHandler):
    """amazon.aws's error handler (the same in 8.2.1 to 10): botocore errors become AnsibleAWSError
    "Failed to <what>"; for reads, S3's NoSuchBucketPolicy means no policy."""

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NoSuchBucketPolicy")


def _call(what: str, method: object, **kwargs: object) -> dict:
    return PolicyErrorHandler.common_error_handler(what)(method)(aws_retry=True, **kwargs)


class BucketPolicyApi:
    """The bucket policy: GetBucketPolicy, PutBucketPolicy, DeleteBucketPolicy."""

    deletable = True

    def __init__(self, module: object, bucket: str):
        self.s3 = module.client("s3", retry_decorator=RETRY)
        self.partition = self.s3.client.meta.partition
        self.bucket = bucket
        self.what = "bucket %s" % bucket

    def resolve(self) -> dict:
        """Nothing to look up before the policy: the bucket's name is its key."""
        return {}

    def read(self) -> str | None:
        """The policy text, None when the bucket has none."""
        what = "get the policy of bucket %s" % self.bucket
        found = PolicyErrorHandler.list_error_handler(what)(self.s3.get_bucket_policy)(
            aws_retry=True, Bucket=self.bucket
        )
        return found["Policy"] if found else None

    def write(self, text: str) -> None:
        _call("put the policy of bucket %s" % self.bucket, self.s3.put_bucket_policy, Bucket=self.bucket, Policy=text)

    def delete(self) -> None:
        _call("delete the policy of bucket %s" % self.bucket, self.s3.delete_bucket_policy, Bucket=self.bucket)


class KeyPolicyApi:
    """The key policy named default (the only name KMS has): DescribeKey, GetKeyPolicy, PutKeyPolicy.

    Every KMS key has a key policy and no call deletes one: ``ensure`` refuses to empty it.
    """

    deletable = False
    POLICY_NAME = "default"

    def __init__(self, module: object, key_id: str):
        self.kms = module.client("kms", retry_decorator=RETRY)
        self.partition = self.kms.client.meta.partition
        self.key_id = key_id
        self.what = "KMS key %s" % key_id
        self.key_arn = None

    def resolve(self) -> dict:
        """{"key_arn": the key's ARN} (an alias or key ID resolved); InvalidInput for an AWS managed key."""
        key = _call("describe KMS key %s" % self.key_id, self.kms.describe_key, KeyId=self.key_id)["KeyMetadata"]
        if key.get("KeyManager") == "AWS":
            # KMS developer guide, "AWS managed keys": nobody can change their key policies.
            raise InvalidInput(
                "key_id %s is an AWS managed key (%s): its key policy cannot be changed. Encrypt the bucket "
                "with a customer managed key to let Sentinel's role decrypt" % (self.key_id, key["Arn"])
            )
        self.key_arn = key["Arn"]
        return {"key_arn": self.key_arn}

    def read(self) -> str | None:
        what = "get the key policy of KMS key %s" % self.key_id
        return _call(what, self.kms.get_key_policy, KeyId=self.key_arn, PolicyName=self.POLICY_NAME).get("Policy")

    def write(self, text: str) -> None:
        what = "put the key policy of KMS key %s" % self.key_id
        _call(what, self.kms.put_key_policy, KeyId=self.key_arn, PolicyName=self.POLICY_NAME, Policy=text)


# --- the modules' main ----------------------------------------------------------------------


def run_module(argument_spec: dict, make_spec: object, make_api: object, build_statements: object) -> None:
    """The whole of s3_bucket_access and kms_key_access: check the options, then ``ensure``.

    Every option is checked, and the region's partition compared with aws_partition, before any call.
    """
    module = s3_module(argument_spec, check_caller=True)

    def run() -> dict:
        spec = make_spec(module.params)
        api = make_api(module, spec)
        if api.partition != spec["partition"]:
            raise InvalidInput(
                "aws_partition is %r, but the region %r is in the partition %r"
                % (spec["partition"], module.region, api.partition)
            )
        found = api.resolve()
        result = ensure(api, build_statements(spec), spec, module.check_mode)
        result.update(found)
        return result

    aws_module.run_module(module, run)
