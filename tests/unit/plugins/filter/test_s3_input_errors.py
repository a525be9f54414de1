"""The s3 role's input check: the modules' rules, applied to the role's variables, naming each variable."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

from typing import Any

import pytest

from ansible_collections.sentinel.aws.plugins.filter.s3_input_errors import FilterModule

check = FilterModule().filters()["s3_input_errors"]

GOOD: dict[str, Any] = {
    "s3_aws_account_id": "123456789012",
    "s3_bucket": "org-cloudtrail-logs",
    "s3_role_name": "OIDC_MicrosoftSentinelS3Role",
    "s3_aws_partition": "aws",
    "s3_region": "us-east-1",
    "s3_log_types": ["cloudtrail", {"type": "vpcflow", "prefix": "flows/", "queue_name": "flow-queue"}],
    "s3_session_names": ["MicrosoftSentinel_6f5e4d3c-0000-4000-8000-0000000051a1", "MicrosoftDefenderForClouds_*"],
    "s3_tags": {"environment": "prod"},
    "s3_trail": {"create": True, "name": "org-trail", "multi_region": True, "organization_id": "o-a1b2c3d4e5"},
    "s3_workspace_name": "law-sentinel",
    "s3_resource_group": "rg-sentinel",
    "s3_wait_timeout": 60,
    "s3_aws_connection": {"aws_region": "us-east-1"},
    "s3_azure_connection": {},
}


def with_(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


def test_well_formed_variables_have_no_error() -> None:
    assert check(GOOD) == []
    # An account ID YAML read as a number of 12 digits is its digits, as in the cloudtrail role.
    assert check(with_(s3_aws_account_id=123456789012, s3_trail={}, s3_session_names=[])) == []


@pytest.mark.parametrize(
    "variable,value,words",
    [
        ("s3_aws_account_id", "12345", "exactly 12 digits"),
        ("s3_aws_account_id", 55555555555 // 8, "quote account IDs"),  # octal read of an unquoted 0...
        ("s3_bucket", "Logs_Bucket", "S3 bucket name"),
        ("s3_bucket", None, "S3 bucket name"),
        ("s3_role_name", "MicrosoftSentinelRole", "must start with OIDC_"),
        ("s3_aws_partition", "aws-cn", "aws, aws-us-gov"),
        ("s3_session_names", ["ok", ""], "non-empty strings"),
        ("s3_tags", {"a" * 129: "x"}, "s3_tags"),
        ("s3_managed_policies", ["arn:aws:iam::aws:policy/"], "s3_managed_policies"),
        ("s3_subscription_id", "sub", "GUID"),
        ("s3_wait_timeout", -1, "whole number of seconds"),
        ("s3_aws_connection", {"acess_key": "AKIA..."}, "acess_key"),
    ],
)
def test_each_malformed_variable_is_named(variable: str, value: Any, words: str) -> None:
    [message] = check(with_(**{variable: value}))
    assert variable in message and words in message


@pytest.mark.parametrize(
    "log_types,words",
    [
        ([], "non-empty list"),
        ("cloudtrail", "non-empty list"),
        (["cloudtrail", "waf"], "s3_log_types[1] type must be one of cloudtrail, vpcflow, guardduty, cloudwatch"),
        (["cloudtrail", {"type": "cloudtrail"}], "s3_log_types[1] repeats the log type cloudtrail"),
        ([{"type": "vpcflow", "queue": "q"}], "s3_log_types[0] has unknown keys queue"),
        ([{"type": "vpcflow", "queue_name": "a.fifo"}], "s3_log_types[0] queue_name must be an SQS queue name"),
        ([{"type": "vpcflow", "prefix": 5}], "s3_log_types[0] prefix must be text"),
    ],
)
def test_log_types(log_types: Any, words: str) -> None:
    assert words in "; ".join(check(with_(s3_log_types=log_types)))


@pytest.mark.parametrize(
    "trail,region,words",
    [
        ("yes", "us-east-1", "s3_trail must be a dictionary"),
        ({"create": "yes"}, "us-east-1", "s3_trail.create must be true or false"),
        ({"name": "x"}, "us-east-1", "s3_trail.name must be a CloudTrail trail name"),
        ({"organization_id": "123"}, "us-east-1", "s3_trail.organization_id must be an AWS Organizations ID"),
        ({"bucket": "b"}, "us-east-1", "s3_trail has unknown keys bucket"),
        # The trail's ARN, in the bucket policy before the trail exists, needs the region.
        ({"create": True}, "", "s3_trail.create needs the AWS region"),
    ],
)
def test_trail(trail: Any, region: str, words: str) -> None:
    assert words in "; ".join(check(with_(s3_trail=trail, s3_region=region)))


def test_the_workspace_is_named_one_way() -> None:
    [message] = check(with_(s3_workspace_resource_id="/subscriptions/x/resourceGroups/rg/providers/x"))[-1:]
    assert "s3_workspace_name and s3_resource_group, or as s3_workspace_resource_id" in message
    assert "s3_resource_group go together" in check(with_(s3_resource_group=None))[0]
    [malformed] = check(
        with_(s3_workspace_name=None, s3_resource_group=None, s3_workspace_resource_id="/subscriptions/x")
    )
    assert malformed.startswith("s3_workspace_resource_id")


@pytest.mark.parametrize(
    ("hub", "words"),
    [
        ({"s3_assume_role_name": "bad name"}, "s3_assume_role_name must be"),
        (
            {"s3_assume_role_name": "r", "s3_assume_role_arn": "arn:aws:iam::123456789012:role/r"},
            "s3_assume_role_arn and s3_assume_role_name are mutually exclusive",
        ),
        (
            {"s3_assume_role_arn": "arn:aws:iam::222222222222:role/r"},
            "not the expected account 123456789012 (s3_aws_account_id)",
        ),
        ({"s3_assume_role_name": "r", "s3_assume_role_session_name": "s"}, "s3_assume_role_session_name"),
        ({"s3_assume_role_external_id": "abc"}, "s3_assume_role_external_id is used only with"),
        ({"s3_assume_role_name": "r", "s3_assume_role_external_id": "a secret"}, "s3_assume_role_external_id must"),
    ],
)
def test_hub_credential_variables_are_checked_with_the_modules_rule(hub: dict[str, Any], words: str) -> None:
    [error] = check(with_(**hub))
    assert words in error
    assert "a secret" not in error  # the external ID is never shown


def test_hub_credential_variables_that_fit_pass() -> None:
    hub = {"s3_assume_role_name": "OrganizationAccountAccessRole", "s3_assume_role_external_id": "ext-id"}
    assert check(with_(s3_assume_role_session_name="sentinel-aws", **hub)) == []
    assert (
        check(with_(s3_assume_role_arn="arn:aws-us-gov:iam::123456789012:role/r", s3_aws_partition="aws-us-gov")) == []
    )
