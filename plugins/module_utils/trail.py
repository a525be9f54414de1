# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CloudTrail trail whose files Sentinel's S3 connector reads: plan the changes (pure), then make them.

Not amazon.aws.cloudtrail (8.2.1 to 10): it has no IsOrganizationTrail option, returns no diff, and
compares kms_key_id as given with the ARN DescribeTrails answers, so a key ID or alias calls
UpdateTrail on every run. Here the key is resolved to its ARN (kms:DescribeKey) before comparing,
the trail is compared as one view of its settings (which is also the diff), and only a trail that
carries the marker tag (iam_role.MARKER_TAG_KEY) is ever changed or deleted.

The first half takes and returns plain dicts and is unit tested without AWS; ``TrailApi`` is one
thin method per CloudTrail/KMS/STS call through amazon.aws's retrying client and error handler.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import copy
import re

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.sentinel.aws.plugins.module_utils import aws_module
from ansible_collections.sentinel.aws.plugins.module_utils import iam_role
from ansible_collections.sentinel.aws.plugins.module_utils import validation
from ansible_collections.sentinel.aws.plugins.module_utils.assume_role import SentinelAWSModule, s3_module
from ansible_collections.sentinel.aws.plugins.module_utils.resource_access import RETRY
from ansible_collections.sentinel.aws.plugins.module_utils.resource_access import check_bucket
from ansible_collections.sentinel.aws.plugins.module_utils.resource_access import check_key_id
from ansible_collections.sentinel.aws.plugins.module_utils.resource_access import check_key_prefix
from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import check_partition
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput
from ansible_collections.sentinel.aws.plugins.module_utils.validation import require_account
from ansible_collections.sentinel.aws.plugins.module_utils.validation import require_partition

# CloudTrail's trail naming requirements (CloudTrail user guide, "Naming requirements for CloudTrail
# resources"): 3 to 128 ASCII letters, digits, periods, underscores and dashes, starting and ending
# with a letter or digit, no two of '._-' next to each other, not an IP address.
TRAIL_NAME_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?=[A-Za-z0-9])){1,126}[A-Za-z0-9]\Z")
IP_ADDRESS_PATTERN = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\Z")

# The trail's settings: the key in the module's ``trail`` view, the field DescribeTrails answers,
# and the parameter CreateTrail and UpdateTrail take.
SETTINGS = (
    ("bucket", "S3BucketName", "S3BucketName"),
    ("prefix", "S3KeyPrefix", "S3KeyPrefix"),
    ("kms_key_arn", "KmsKeyId", "KmsKeyId"),
    ("multi_region", "IsMultiRegionTrail", "IsMultiRegionTrail"),
    ("organization_trail", "IsOrganizationTrail", "IsOrganizationTrail"),
    ("global_service_events", "IncludeGlobalServiceEvents", "IncludeGlobalServiceEvents"),
    ("log_file_validation", "LogFileValidationEnabled", "EnableLogFileValidation"),
)
# UpdateTrail takes an empty string to remove a prefix or the KMS key (CloudTrail user guide,
# "Disable encryption ... with the AWS CLI": update-trail --kms-key-id ""); None means "unchanged".
CLEARED = {"prefix": "", "kms_key_arn": ""}

# What CloudTrail's refusals of a create or an update mean for this module's options (CloudTrail API
# reference, CreateTrail and UpdateTrail, Errors).
REFUSAL_HINTS = {
    "InsufficientS3BucketPolicyException": "bucket: the bucket policy does not let CloudTrail write; run "
    "sentinel.aws.s3_bucket_access with cloudtrail_trail_arn set to this trail's ARN first",
    "InsufficientEncryptionPolicyException": "kms_key_id: the key policy does not let CloudTrail encrypt; run "
    "sentinel.aws.kms_key_access with cloudtrail_trail_arn set to this trail's ARN first",
    "S3BucketDoesNotExistException": "bucket: no such bucket",
    "OrganizationsNotInUseException": "organization_trail: the account is not in an AWS Organizations "
    "organization; an organisation trail is made in the organisation's management account",
    "NotOrganizationMasterAccountException": "organization_trail: only the management account of the "
    "organisation can create an organisation trail or change whether a trail is one",
    "CloudTrailAccessNotEnabledException": "organization_trail: enable trusted access for CloudTrail in AWS "
    "Organizations first (organizations:EnableAWSServiceAccess for cloudtrail.amazonaws.com)",
    "OrganizationNotInAllFeaturesModeException": "organization_trail: the organisation must have all features "
    "enabled",
    "InsufficientDependencyServiceAccessPermissionException": "organization_trail: the credentials lack the "
    "AWS Organizations and IAM permissions an organisation trail needs",
    "TrailAlreadyExistsException": "name: a trail of this name exists already, in another region (a "
    "multi-region trail's home region) or made by another process; set region to its home region or choose "
    "another name",
}


# --- options ---------------------------------------------------------------------------------


def check_trail_name(option: str, value: str) -> str:
    if not isinstance(value, str) or not TRAIL_NAME_PATTERN.match(value) or IP_ADDRESS_PATTERN.match(value):
        raise InvalidInput(
            "%s must be a CloudTrail trail name: 3 to 128 letters, digits, '.', '_' and '-', starting and ending "
            "with a letter or digit, without two of '._-' in a row, not an IP address; got %r" % (option, value)
        )
    return value


def trail_spec(params: dict) -> dict:
    """The desired trail as plain data from module parameters; InvalidInput, naming the option, on bad input.

    Every rule is checked here, before the module makes any call. ``settings`` holds the view keys
    of SETTINGS; its kms_key_arn is filled in once the key is resolved.
    """
    spec = {
        "name": check_trail_name("name", params["name"]),
        "state": params["state"],
        "partition": check_partition("aws_partition", params["aws_partition"]),
        "account_id": None,
        "kms_key_id": None,
    }
    if params.get("aws_account_id") is not None:
        spec["account_id"] = validation.check_account_id("aws_account_id", params["aws_account_id"])
    if spec["state"] == "absent":
        return spec
    if not params.get("bucket"):
        raise InvalidInput("bucket is required when state=present: the S3 bucket CloudTrail delivers the logs to")
    if params.get("kms_key_id"):
        spec["kms_key_id"] = check_key_id("kms_key_id", params["kms_key_id"], spec["partition"])
    spec["settings"] = {
        "bucket": check_bucket("bucket", params["bucket"]),
        "prefix": check_key_prefix("s3_key_prefix", params.get("s3_key_prefix")) or None,
        "kms_key_arn": None,
        "multi_region": params["multi_region"],
        "organization_trail": params["organization_trail"],
        # CloudTrail refuses a multi-region trail without global service events (IAM, STS, CloudFront:
        # CreateTrail's InvalidParameterCombinationException), and it is CreateTrail's default.
        "global_service_events": True,
        "log_file_validation": params["log_file_validation"],
    }
    spec["logging"] = params["logging"]
    given_tags = validation.check_tags("tags", params["tags"]) if params.get("tags") is not None else None
    spec["tags"] = iam_role.desired_tags(given_tags)
    return spec


# --- the trail as the module shows it ---------------------------------------------------------


def trail_arn(partition: str, region: str, account_id: str, name: str) -> str:
    return "arn:%s:cloudtrail:%s:%s:trail/%s" % (partition, region, account_id, name)


def trail_view(described: dict, logging: bool, tags: dict) -> dict:
    """The module's ``trail`` result from a DescribeTrails entry, GetTrailStatus's IsLogging and the tags.

    No prefix and no key read back as None, however CloudTrail spells them (absent or "").
    """
    view = {"arn": described["TrailARN"], "name": described["Name"], "home_region": described.get("HomeRegion")}
    for key, field, _parameter in SETTINGS:
        value = described.get(field)
        view[key] = value if value not in ("", None) else None
    for key in ("multi_region", "organization_trail", "global_service_events", "log_file_validation"):
        view[key] = bool(view[key])
    view["logging"] = bool(logging)
    view["tags"] = dict(tags)
    return view


def new_trail_view(spec: dict, arn: str, region: str) -> dict:
    """The trail as ``spec`` creates it."""
    view = {"arn": arn, "name": spec["name"], "home_region": region}
    view.update(spec["settings"])
    view.update(logging=spec["logging"], tags=dict(spec["tags"]))
    return view


def plan_update(current: dict, spec: dict) -> dict:
    """What must change on an existing trail (a ``trail_view``) to match ``spec``; {} when nothing.

    ``settings``: UpdateTrail's parameters; ``logging``: True to start, False to stop; ``tags``: the
    tags to add or change (those of the tags option and the marker; other tags on the trail stay).
    """
    plan = {}
    settings = {
        parameter: CLEARED.get(key) if spec["settings"][key] is None else spec["settings"][key]
        for key, _field, parameter in SETTINGS
        if spec["settings"][key] != current[key]
    }
    if settings:
        plan["settings"] = settings
    if spec["logging"] != current["logging"]:
        plan["logging"] = spec["logging"]
    tags = {key: value for key, value in spec["tags"].items() if current["tags"].get(key) != value}
    if tags:
        plan["tags"] = tags
    return plan


def apply_plan(current: dict, spec: dict, plan: dict) -> dict:
    """The trail view after ``plan`` is carried out: the result and the diff's ``after``."""
    after = copy.deepcopy(current)
    if "settings" in plan:
        after.update(spec["settings"])
    after["logging"] = plan.get("logging", after["logging"])
    after["tags"].update(plan.get("tags", {}))
    return after


def create_parameters(spec: dict) -> dict:
    """CreateTrail's parameters: every setting, the tags (marker included) in the same call, so the trail
    never exists unmarked."""
    parameters = {"Name": spec["name"], "TagsList": ansible_dict_to_boto3_tag_list(spec["tags"])}
    for key, _field, parameter in SETTINGS:
        if spec["settings"][key] is not None:
            parameters[parameter] = spec["settings"][key]
    return parameters


def diff_view(view: dict | None) -> dict:
    """What --diff shows: the trail's settings, logging and tags; {} for a trail that does not exist."""
    if not view:
        return {}
    return {key: value for key, value in view.items() if key not in ("arn", "name", "home_region")}


def refusal_hint(error: AnsibleAWSError) -> str | None:
    """The option a CloudTrail refusal is about, and what to do; None for other errors."""
    response = getattr(error.exception, "response", None) or {}
    return REFUSAL_HINTS.get(response.get("Error", {}).get("Code"))


# --- CloudTrail, KMS and STS calls ------------------------------------------------------------


class TrailApi:
    """One method per call; AWS errors become AnsibleAWSError ("Failed to <what>") through amazon.aws's handler."""

    def __init__(self, module: SentinelAWSModule):
        self._module = module
        self.cloudtrail = module.client("cloudtrail", retry_decorator=RETRY)
        meta = self.cloudtrail.client.meta
        # The partition botocore resolved for the region, from the endpoint data it loaded anyway.
        self.partition, self.region = meta.partition, meta.region_name

    def _call(self, what: str, method: object, **kwargs: object) -> dict:
        return AWSErrorHandler.common_error_handler(what)(method)(aws_retry=True, **kwargs)

    def _write(self, what: str, method: object, **kwargs: object) -> dict:
        """A create or update: CloudTrail's refusals name the option they are about."""
        try:
            return self._call(what, method, **kwargs)
        except AnsibleAWSError as e:
            hint = refusal_hint(e)
            if not hint:
                raise
            raise AnsibleAWSError(message="%s (%s)" % (e.message, hint), exception=e.exception) from e

    def caller_account(self) -> str:
        sts = self._module.client("sts", retry_decorator=RETRY)
        return self._call("get the caller identity (sts:GetCallerIdentity)", sts.get_caller_identity)["Account"]

    def key_arn(self, key_id: str) -> str:
        """The ARN of a key given by ID, ARN, alias name or alias ARN: DescribeTrails answers KmsKeyId as an ARN
        (CloudTrail API reference, Trail.KmsKeyId), so that is what is compared and written."""
        kms = self._module.client("kms", retry_decorator=RETRY)
        return self._call("describe KMS key %s (kms_key_id)" % key_id, kms.describe_key, KeyId=key_id)["KeyMetadata"][
            "Arn"
        ]

    def get_trail(self, name: str) -> dict | None:
        """The trail of that name homed in this region, as ``trail_view`` shows it; None when there is none.

        DescribeTrails by name answers only trails of the current region and account (CloudTrail API
        reference, DescribeTrails, trailNameList); shadow trails of other regions are left out, and the
        name is matched here too (moto answers every trail).
        """
        described = self._call(
            "describe trail %s" % name,
            self.cloudtrail.describe_trails,
            trailNameList=[name],
            includeShadowTrails=False,
        ).get("trailList", [])
        found = [t for t in described if t.get("Name") == name and t.get("HomeRegion", self.region) == self.region]
        if not found:
            return None
        arn = found[0]["TrailARN"]
        status = self._call("get the status of trail %s" % name, self.cloudtrail.get_trail_status, Name=arn)
        listed = self._call("list the tags of trail %s" % name, self.cloudtrail.list_tags, ResourceIdList=[arn])
        tags = (listed.get("ResourceTagList") or [{}])[0].get("TagsList") or []
        return trail_view(found[0], status.get("IsLogging"), boto3_tag_list_to_ansible_dict(tags))

    def create(self, spec: dict) -> str:
        """CreateTrail; the new trail's ARN."""
        created = self._write("create trail %s" % spec["name"], self.cloudtrail.create_trail, **create_parameters(spec))
        return created["TrailARN"]

    def update(self, arn: str, settings: dict) -> None:
        self._write("update trail %s" % arn, self.cloudtrail.update_trail, Name=arn, **settings)

    def set_logging(self, arn: str, logging: bool) -> None:
        if logging:
            self._write("start logging of trail %s" % arn, self.cloudtrail.start_logging, Name=arn)
        else:
            self._call("stop logging of trail %s" % arn, self.cloudtrail.stop_logging, Name=arn)

    def tag(self, arn: str, tags: dict) -> None:
        self._call(
            "tag trail %s" % arn,
            self.cloudtrail.add_tags,
            ResourceId=arn,
            TagsList=ansible_dict_to_boto3_tag_list(tags),
        )

    def delete(self, arn: str) -> None:
        self._call("delete trail %s" % arn, self.cloudtrail.delete_trail, Name=arn)


# --- the two states -------------------------------------------------------------------------


def require_ours(name: str, tags: dict) -> None:
    if not iam_role.is_marked(tags):
        raise InvalidInput(
            "name: the trail %s exists and was not made by sentinel.aws (it has no tag %s=%s); nothing was changed. "
            "Choose another name, or tag the trail yourself if it is meant to be Sentinel's"
            % (name, iam_role.MARKER_TAG_KEY, iam_role.MARKER_TAG_VALUE)
        )


def ensure_present(api: TrailApi, spec: dict, check_mode: bool) -> dict:
    """Create or converge the trail: the outcome (changed, trail, ownership, diff)."""
    if spec["kms_key_id"]:
        spec["settings"]["kms_key_arn"] = api.key_arn(spec["kms_key_id"])
    current = api.get_trail(spec["name"])
    if current is None:
        return _create(api, spec, check_mode)
    require_account(spec["account_id"], parse_aws_arn(current["arn"])["account_id"], "from the trail's ARN")
    require_ours(spec["name"], current["tags"])
    plan = plan_update(current, spec)
    after = apply_plan(current, spec, plan)
    if plan and not check_mode:
        # Settings first: logging starts with the bucket, key and scope the task asked for.
        if "settings" in plan:
            api.update(current["arn"], plan["settings"])
        if "tags" in plan:
            api.tag(current["arn"], plan["tags"])
        if "logging" in plan:
            api.set_logging(current["arn"], plan["logging"])
    return _outcome(bool(plan), current, after, "managed")


def _create(api: TrailApi, spec: dict, check_mode: bool) -> dict:
    if check_mode or spec["account_id"]:
        account = api.caller_account()
        require_account(spec["account_id"], account, "from sts:GetCallerIdentity")
    if check_mode:
        arn = trail_arn(spec["partition"], api.region, account, spec["name"])
    else:
        arn = api.create(spec)
        if spec["logging"]:
            # A new trail does not log until StartLogging (CloudTrail API reference, CreateTrail).
            api.set_logging(arn, True)
    return _outcome(True, None, new_trail_view(spec, arn, api.region), "created")


def ensure_absent(api: TrailApi, spec: dict, check_mode: bool) -> dict:
    """Delete the trail if it is ours; a trail without the marker is left alone, with a warning."""
    current = api.get_trail(spec["name"])
    if current is None:
        return _outcome(False, None, None, "none")
    require_account(spec["account_id"], parse_aws_arn(current["arn"])["account_id"], "from the trail's ARN")
    if not iam_role.is_marked(current["tags"]):
        outcome = _outcome(False, current, current, "foreign")
        outcome["warnings"].append(
            "trail %s was not made by sentinel.aws (no tag %s=%s): left as it is"
            % (spec["name"], iam_role.MARKER_TAG_KEY, iam_role.MARKER_TAG_VALUE)
        )
        return outcome
    if not check_mode:
        api.delete(current["arn"])
    return _outcome(True, current, None, "managed")


def _outcome(changed: bool, before: dict | None, after: dict | None, ownership: str) -> dict:
    return {
        "changed": changed,
        "trail": after or {},
        "ownership": ownership,
        "warnings": [],
        "diff": {"before": diff_view(before), "after": diff_view(after)},
    }


# --- the module's main ----------------------------------------------------------------------


def run_module(argument_spec: dict) -> None:
    """The whole of s3_trail: every option checked, and the region's partition compared, before any call."""
    module = s3_module(argument_spec)
    aws_module.run_module(module, lambda: _ensure(module))


def _ensure(module: SentinelAWSModule) -> dict:
    spec = trail_spec(module.params)
    api = TrailApi(module)
    require_partition(spec["partition"], api.partition, api.region)
    ensure = ensure_present if spec["state"] == "present" else ensure_absent
    return ensure(api, spec, module.check_mode)
