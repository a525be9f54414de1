"""s3_trail's options, trail view, plan and both states (pure), on an in-memory CloudTrail."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import copy

import pytest
from botocore.exceptions import ClientError

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.sentinel.aws.plugins.module_utils import trail
from ansible_collections.sentinel.aws.plugins.module_utils import validation
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

ARN = "arn:aws:cloudtrail:us-east-1:123456789012:trail/sentinel"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
MARKER = {"sentinel.aws:managed": "true"}


def params(**overrides: object) -> dict:
    values = {
        "name": "sentinel",
        "bucket": "sentinel-logs",
        "s3_key_prefix": None,
        "kms_key_id": None,
        "multi_region": True,
        "organization_trail": False,
        "logging": True,
        "log_file_validation": True,
        "tags": None,
        "aws_account_id": None,
        "aws_partition": "aws",
        "state": "present",
    }
    values.update(overrides)
    return values


def described(**overrides: object) -> dict:
    """A DescribeTrails entry of the trail the default params ask for."""
    entry = {
        "Name": "sentinel",
        "TrailARN": ARN,
        "HomeRegion": "us-east-1",
        "S3BucketName": "sentinel-logs",
        "IncludeGlobalServiceEvents": True,
        "IsMultiRegionTrail": True,
        "IsOrganizationTrail": False,
        "LogFileValidationEnabled": True,
    }
    entry.update(overrides)
    return entry


def converged_view(**overrides: object) -> dict:
    view = trail.trail_view(described(), True, MARKER)
    view.update(overrides)
    return view


# --- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["abc", "my-trail", "Org.Trail_2", "a" * 128])
def test_trail_names_cloudtrail_accepts(name):
    assert trail.check_trail_name("name", name) == name


@pytest.mark.parametrize("name", ["ab", "-trail", "trail-", "my--trail", "my._trail", "10.0.0.1", "a" * 129, "a b c"])
def test_trail_names_cloudtrail_refuses_are_refused_naming_the_option(name):
    with pytest.raises(InvalidInput, match=r"^name must be a CloudTrail trail name"):
        trail.check_trail_name("name", name)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"bucket": None}, r"^bucket is required when state=present"),
        ({"bucket": "Not_A_Bucket"}, r"^bucket must be an S3 bucket name"),
        ({"kms_key_id": "my-key"}, r"^kms_key_id must be a KMS key ID"),
        ({"kms_key_id": "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/x"}, r"^kms_key_id is in the AWS partition"),
        ({"s3_key_prefix": "p" * 201}, r"^s3_key_prefix must be at most 200 characters"),
        ({"aws_account_id": "1234"}, r"^aws_account_id"),
        ({"aws_partition": "aws-cn"}, r"^aws_partition must be one of"),
        ({"tags": {"sentinel.aws:managed": "false"}}, r"^tags: sentinel.aws:managed=true is the marker"),
        ({"tags": {"aws:reserved": "x"}}, r"^tags keys must not start with the reserved prefix"),
    ],
)
def test_bad_input_is_refused_naming_the_option(overrides, message):
    with pytest.raises(InvalidInput, match=message):
        trail.trail_spec(params(**overrides))


def test_absent_needs_only_the_name():
    spec = trail.trail_spec(params(bucket=None, state="absent", aws_account_id="123456789012"))
    assert (spec["name"], spec["state"], spec["account_id"]) == ("sentinel", "absent", "123456789012")
    assert "settings" not in spec


def test_the_spec_holds_every_setting_with_global_events_on_and_the_marker_among_the_tags():
    spec = trail.trail_spec(params(s3_key_prefix="/trails/", tags={"team": "soc"}, kms_key_id="alias/cloudtrail"))
    assert spec["settings"] == {
        "bucket": "sentinel-logs",
        "prefix": "trails",
        "kms_key_arn": None,  # resolved by kms:DescribeKey in ensure_present
        "multi_region": True,
        "organization_trail": False,
        "global_service_events": True,
        "log_file_validation": True,
    }
    assert spec["kms_key_id"] == "alias/cloudtrail" and spec["logging"] is True
    assert spec["tags"] == {"team": "soc", "sentinel.aws:managed": "true"}


def test_the_region_must_be_in_aws_partition():
    spec = trail.trail_spec(params(aws_partition="aws-us-gov"))
    with pytest.raises(InvalidInput, match=r"^aws_partition is 'aws-us-gov' but region 'us-east-1' is in partition"):
        validation.require_partition(spec["partition"], "aws", "us-east-1")


# --- view and plan ----------------------------------------------------------------------------


def test_the_view_reads_no_prefix_and_no_key_however_cloudtrail_spells_them():
    view = trail.trail_view(described(S3KeyPrefix="", KmsKeyId=""), False, {})
    assert (view["prefix"], view["kms_key_arn"], view["logging"]) == (None, None, False)
    assert trail.trail_view(described(), True, MARKER)["prefix"] is None


def test_a_converged_trail_needs_no_change():
    assert trail.plan_update(converged_view(), trail.trail_spec(params())) == {}


def test_drift_logging_stopped_and_multi_region_off_is_repaired():
    current = converged_view(multi_region=False, logging=False)
    spec = trail.trail_spec(params())
    plan = trail.plan_update(current, spec)
    assert plan == {"settings": {"IsMultiRegionTrail": True}, "logging": True}
    assert trail.apply_plan(current, spec, plan) == converged_view()


def test_a_prefix_and_a_key_not_asked_for_are_removed_with_empty_strings():
    current = converged_view(prefix="old", kms_key_arn=KEY_ARN)
    plan = trail.plan_update(current, trail.trail_spec(params()))
    assert plan == {"settings": {"S3KeyPrefix": "", "KmsKeyId": ""}}


def test_the_resolved_key_arn_is_compared_not_the_alias():
    spec = trail.trail_spec(params(kms_key_id="alias/cloudtrail"))
    spec["settings"]["kms_key_arn"] = KEY_ARN
    assert trail.plan_update(converged_view(kms_key_arn=KEY_ARN), spec) == {}


def test_organisation_trail_and_tags_add_only_what_differs_and_other_tags_stay():
    current = converged_view(tags={"sentinel.aws:managed": "true", "owner": "them", "team": "old"})
    spec = trail.trail_spec(params(organization_trail=True, tags={"team": "soc"}))
    plan = trail.plan_update(current, spec)
    assert plan == {"settings": {"IsOrganizationTrail": True}, "tags": {"team": "soc"}}
    after = trail.apply_plan(current, spec, plan)
    assert after["tags"] == {"sentinel.aws:managed": "true", "owner": "them", "team": "soc"}
    assert after["organization_trail"] is True


def test_create_parameters_carry_every_setting_and_the_marker_but_no_empty_prefix_or_key():
    parameters = trail.create_parameters(trail.trail_spec(params()))
    assert parameters == {
        "Name": "sentinel",
        "S3BucketName": "sentinel-logs",
        "IsMultiRegionTrail": True,
        "IsOrganizationTrail": False,
        "IncludeGlobalServiceEvents": True,
        "EnableLogFileValidation": True,
        "TagsList": [{"Key": "sentinel.aws:managed", "Value": "true"}],
    }


def test_the_diff_shows_settings_logging_and_tags_but_not_the_identity():
    shown = trail.diff_view(converged_view())
    assert set(shown) == {key for key, _field, _parameter in trail.SETTINGS} | {"logging", "tags"}
    assert trail.diff_view(None) == {}


def aws_error(code: str) -> AnsibleAWSError:
    error = ClientError({"Error": {"Code": code, "Message": "refused"}}, "CreateTrail")
    return AnsibleAWSError(message="Failed to create trail sentinel", exception=error)


def test_cloudtrail_refusals_name_the_option_they_are_about():
    assert trail.refusal_hint(aws_error("CloudTrailAccessNotEnabledException")).startswith("organization_trail:")
    assert trail.refusal_hint(aws_error("InsufficientS3BucketPolicyException")).startswith("bucket:")
    assert trail.refusal_hint(aws_error("ThrottlingException")) is None


# --- the two states on an in-memory CloudTrail --------------------------------------------------


class FakeTrailApi:
    """TrailApi's methods on one trail in memory; ``writes`` records every write call."""

    region = "us-east-1"
    partition = "aws"

    def __init__(self, current: dict | None = None, account: str = "123456789012"):
        self.current = copy.deepcopy(current)
        self.account = account
        self.writes: list = []
        self.reads: list = []

    def caller_account(self) -> str:
        self.reads.append("GetCallerIdentity")
        return self.account

    def key_arn(self, key_id: str) -> str:
        self.reads.append("DescribeKey")
        return KEY_ARN

    def get_trail(self, name: str) -> dict | None:
        self.reads.append("DescribeTrails")
        return copy.deepcopy(self.current)

    def create(self, spec: dict) -> str:
        self.writes.append(("CreateTrail", trail.create_parameters(spec)))
        return trail.trail_arn("aws", self.region, self.account, spec["name"])

    def update(self, arn: str, settings: dict) -> None:
        self.writes.append(("UpdateTrail", settings))

    def set_logging(self, arn: str, logging: bool) -> None:
        self.writes.append(("StartLogging" if logging else "StopLogging", arn))

    def tag(self, arn: str, tags: dict) -> None:
        self.writes.append(("AddTags", tags))

    def delete(self, arn: str) -> None:
        self.writes.append(("DeleteTrail", arn))


def test_create_makes_the_marked_trail_and_starts_logging():
    api = FakeTrailApi()
    outcome = trail.ensure_present(api, trail.trail_spec(params()), check_mode=False)
    assert [call for call, _args in api.writes] == ["CreateTrail", "StartLogging"]
    assert (outcome["changed"], outcome["ownership"], outcome["trail"]["arn"]) == (True, "created", ARN)
    assert outcome["diff"]["before"] == {} and outcome["diff"]["after"]["logging"] is True
    assert "GetCallerIdentity" not in api.reads


def test_create_without_logging_does_not_start_it():
    api = FakeTrailApi()
    trail.ensure_present(api, trail.trail_spec(params(logging=False)), check_mode=False)
    assert [call for call, _args in api.writes] == ["CreateTrail"]


def test_check_mode_create_writes_nothing_and_shows_the_arn_from_the_caller():
    api = FakeTrailApi()
    outcome = trail.ensure_present(api, trail.trail_spec(params()), check_mode=True)
    assert api.writes == [] and api.reads == ["DescribeTrails", "GetCallerIdentity"]
    assert outcome["changed"] and outcome["trail"]["arn"] == ARN


def test_the_account_guard_refuses_before_any_write():
    api = FakeTrailApi(account="111111111111")
    with pytest.raises(InvalidInput, match=r"^aws_account_id: the credentials act on AWS account 111111111111"):
        trail.ensure_present(api, trail.trail_spec(params(aws_account_id="123456789012")), check_mode=False)
    existing = FakeTrailApi(converged_view())
    with pytest.raises(InvalidInput, match=r"from the trail's ARN"):
        trail.ensure_absent(existing, trail.trail_spec(params(state="absent", aws_account_id="111111111111")), False)
    assert api.writes == existing.writes == []


def test_a_converged_trail_with_a_key_alias_makes_no_write():
    api = FakeTrailApi(converged_view(kms_key_arn=KEY_ARN))
    outcome = trail.ensure_present(api, trail.trail_spec(params(kms_key_id="alias/cloudtrail")), check_mode=False)
    assert not outcome["changed"] and api.writes == [] and api.reads == ["DescribeKey", "DescribeTrails"]
    assert outcome["diff"]["before"] == outcome["diff"]["after"]


def test_drift_is_repaired_settings_first_then_tags_then_logging():
    api = FakeTrailApi(converged_view(multi_region=False, logging=False, tags={**MARKER, "team": "old"}))
    outcome = trail.ensure_present(api, trail.trail_spec(params(tags={"team": "soc"})), check_mode=False)
    assert api.writes == [
        ("UpdateTrail", {"IsMultiRegionTrail": True}),
        ("AddTags", {"team": "soc"}),
        ("StartLogging", ARN),
    ]
    assert (outcome["changed"], outcome["ownership"]) == (True, "managed")


def test_check_mode_update_writes_nothing_but_reports_the_change():
    api = FakeTrailApi(converged_view(logging=False))
    outcome = trail.ensure_present(api, trail.trail_spec(params()), check_mode=True)
    assert api.writes == [] and outcome["changed"]
    assert (outcome["diff"]["before"]["logging"], outcome["diff"]["after"]["logging"]) == (False, True)


def test_a_trail_without_the_marker_is_refused_before_any_write():
    api = FakeTrailApi(converged_view(tags={"owner": "audit"}))
    with pytest.raises(InvalidInput, match=r"^name: the trail sentinel exists and was not made by sentinel.aws"):
        trail.ensure_present(api, trail.trail_spec(params()), check_mode=False)
    assert api.writes == []


def test_absent_deletes_only_a_marked_trail():
    ours = FakeTrailApi(converged_view())
    outcome = trail.ensure_absent(ours, trail.trail_spec(params(state="absent")), check_mode=False)
    assert ours.writes == [("DeleteTrail", ARN)]
    assert (outcome["changed"], outcome["trail"], outcome["diff"]["after"]) == (True, {}, {})

    theirs = FakeTrailApi(converged_view(tags={}))
    kept = trail.ensure_absent(theirs, trail.trail_spec(params(state="absent")), check_mode=False)
    assert theirs.writes == [] and not kept["changed"] and kept["ownership"] == "foreign"
    assert "left as it is" in kept["warnings"][0]

    none = trail.ensure_absent(FakeTrailApi(), trail.trail_spec(params(state="absent")), check_mode=False)
    assert (none["changed"], none["ownership"], none["trail"]) == (False, "none", {})


def test_check_mode_absent_writes_nothing():
    api = FakeTrailApi(converged_view())
    outcome = trail.ensure_absent(api, trail.trail_spec(params(state="absent")), check_mode=True)
    assert api.writes == [] and outcome["changed"]
