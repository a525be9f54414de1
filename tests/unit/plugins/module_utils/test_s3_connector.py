"""The S3 path's facts: Microsoft's OIDC values per partition, role names, session names, log types, markers."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils import s3_connector
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

WORKSPACE_ID = "9f0b6a1e-0d5c-4d0e-8a6b-3c2d1e0f9a8b"


def test_commercial_provider_arn_and_audience_are_microsofts_template_values():
    assert s3_connector.oidc_provider_arn("aws", "123456789012") == (
        "arn:aws:iam::123456789012:oidc-provider/sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/"
    )
    assert s3_connector.oidc_url("aws") == "https://sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/"
    assert s3_connector.oidc_audience("aws") == "api://1462b192-27f7-4cb9-8523-0f4ecb54b47e"


def test_govcloud_uses_its_own_tenant_audience_and_partition():
    assert s3_connector.oidc_provider_arn("aws-us-gov", "123456789012") == (
        "arn:aws-us-gov:iam::123456789012:oidc-provider/sts.windows.net/cab8a31a-1906-4287-a0d8-4eef66b95f6e/"
    )
    assert s3_connector.oidc_audience("aws-us-gov") == "api://d4230588-5f84-4281-a9c7-2c15194b28f7"


def test_partition_outside_the_known_ones_is_refused_naming_the_option():
    with pytest.raises(InvalidInput, match="aws_partition must be one of aws, aws-us-gov"):
        s3_connector.check_partition("aws_partition", "aws-cn")


@pytest.mark.parametrize("name", ["MicrosoftSentinelS3Role", "OIDC_", "OIDC_bad.name", "OIDC_" + "x" * 60])
def test_role_names_sentinel_refuses_are_refused(name):
    with pytest.raises(InvalidInput, match="s3_role_name must start with OIDC_"):
        s3_connector.check_role_name("s3_role_name", name)


def test_default_session_name_is_sentinels_for_the_workspace_in_lower_case():
    assert s3_connector.default_session_names(WORKSPACE_ID.upper()) == ["MicrosoftSentinel_" + WORKSPACE_ID]


def test_one_exact_session_name_is_a_plain_string_equals():
    assert s3_connector.session_name_condition(["MicrosoftSentinel_x"]) == {
        "StringEquals": {"sts:RoleSessionName": "MicrosoftSentinel_x"}
    }


def test_a_wildcard_turns_the_condition_into_string_like_with_every_name_sorted():
    condition = s3_connector.session_name_condition(["MicrosoftSentinel_x", "MicrosoftDefenderForClouds_*"])
    assert condition == {"StringLike": {"sts:RoleSessionName": ["MicrosoftDefenderForClouds_*", "MicrosoftSentinel_x"]}}


def test_no_session_name_is_refused():
    with pytest.raises(InvalidInput, match="session_names"):
        s3_connector.session_name_condition([])


def test_log_types_map_to_the_classic_tables_and_delivery_prefixes():
    assert s3_connector.DESTINATION_TABLES == ("AWSCloudTrail", "AWSVPCFlow", "AWSGuardDuty", "AWSCloudWatch")
    assert s3_connector.default_prefix("cloudtrail", "123456789012") == "AWSLogs/123456789012/CloudTrail/"
    assert s3_connector.default_prefix("cloudtrail", "o-abc123") == "AWSLogs/o-abc123/CloudTrail/"
    with pytest.raises(InvalidInput, match="log type must be one of cloudtrail"):
        s3_connector.log_type("waf")


def test_owned_markers_are_recognised_and_nothing_else_is():
    assert s3_connector.owned_sid("ReadObjects") == "SentinelAwsReadObjects"
    assert s3_connector.is_owned_sid("SentinelAwsReadObjects")
    assert not s3_connector.is_owned_sid("AWSCloudTrailWrite")
    assert not s3_connector.is_owned_sid(None)
    assert s3_connector.is_owned_notification("sentinel-aws-cloudtrail")
    assert not s3_connector.is_owned_notification("defender-cloudtrail")
    with pytest.raises(ValueError):
        s3_connector.owned_sid("Read objects")
