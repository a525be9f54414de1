"""AWS input rules: each bad value fails with a message naming the option and the rule."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils import validation
from ansible_collections.sentinel.aws.plugins.module_utils.validation import (
    InvalidInput,
    check_account_id,
    check_description,
    check_guid,
    check_iam_path,
    check_managed_policy,
    check_role_name,
    check_session_duration,
    check_tags,
    parse_policy_arn,
)


@pytest.mark.parametrize("value", ["12345678901", "1234567890123", "12345678901a", "", " 123456789012", 123456789012])
def test_account_id_must_be_12_digits(value):
    with pytest.raises(InvalidInput, match=r"^account_id must be an AWS account ID of exactly 12 digits"):
        check_account_id("account_id", value)


def test_account_id_keeps_leading_zeros():
    assert check_account_id("account_id", "012345678901") == "012345678901"


@pytest.mark.parametrize(
    "value", ["not-a-guid", "2c5c6f7a0b1d4e8f9a3b5d6e7f8a9b0c", "{2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c}"]
)
def test_external_id_must_be_a_guid(value):
    with pytest.raises(InvalidInput, match=r"^external_id must be a GUID"):
        check_guid("external_id", value)


@pytest.mark.parametrize("value", ["MicrosoftSentinelRole", "a", "x" * 64, "r+=,.@_-1"])
def test_valid_role_names(value):
    assert check_role_name("name", value) == value


@pytest.mark.parametrize("value", ["", "x" * 65, "has space", "slash/name", "colon:name", "é"])
def test_invalid_role_names(value):
    with pytest.raises(InvalidInput, match=r"^name must be an IAM role name of 1 to 64 characters"):
        check_role_name("name", value)


@pytest.mark.parametrize("value", ["/", "/sentinel/", "/a/b-c/"])
def test_valid_paths(value):
    assert check_iam_path("path", value) == value


@pytest.mark.parametrize("value", ["", "sentinel/", "/sentinel", "//", "/a b/", "/" + "a" * 511 + "/"])
def test_invalid_paths(value):
    with pytest.raises(InvalidInput, match=r"^path must be an IAM path that starts and ends with '/'"):
        check_iam_path("path", value)


@pytest.mark.parametrize(
    "value",
    ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/team/Boundary"],
)
def test_valid_policy_arns(value):
    assert parse_policy_arn("permissions_boundary", value)["name"]


@pytest.mark.parametrize(
    "value",
    [
        "ReadOnlyAccess",
        "arn:aws:iam::123456789012:role/Boundary",
        "arn:aws:iam::12345:policy/Boundary",
        "arn:aws:s3:::bucket",
        "arn:aws:iam::aws:policy/",
    ],
)
def test_permissions_boundary_must_be_a_policy_arn(value):
    with pytest.raises(InvalidInput, match=r"^permissions_boundary must be an IAM policy ARN"):
        parse_policy_arn("permissions_boundary", value)


def test_managed_policy_name_or_arn():
    assert check_managed_policy("managed_policies", "AWSCloudTrail_ReadOnlyAccess")
    assert check_managed_policy("managed_policies", "arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess")
    with pytest.raises(InvalidInput, match=r"^managed_policies entries must be a policy ARN or"):
        check_managed_policy("managed_policies", "bad name")
    with pytest.raises(InvalidInput, match=r"^managed_policies must be an IAM policy ARN"):
        check_managed_policy("managed_policies", "arn:aws:iam::aws:role/x")


def test_tags_are_strings():
    assert check_tags("tags", {"n": 1, "b": True, "e": None}) == {"n": "1", "b": "True", "e": ""}


def test_fifty_tags_fit_fifty_one_do_not():
    check_tags("tags", {f"k{i}": "v" for i in range(50)})
    with pytest.raises(InvalidInput, match=r"^tags may hold at most 50 tags per IAM role, got 51"):
        check_tags("tags", {f"k{i}": "v" for i in range(51)})


@pytest.mark.parametrize(
    "tags,rule",
    [
        ({"": "v"}, "keys must be 1 to 128 characters"),
        ({"k" * 129: "v"}, "keys must be 1 to 128 characters"),
        ({"k": "v" * 257}, "values must be at most 256 characters"),
        ({"aws:owner": "v"}, "must not start with the reserved prefix 'aws:'"),
        ({"AWS:owner": "v"}, "must not start with the reserved prefix 'aws:'"),
        ({"k": "semi;colon"}, "may hold only letters"),
    ],
)
def test_tag_limits(tags, rule):
    with pytest.raises(InvalidInput, match=rf"^tags .*{rule}"):
        check_tags("tags", tags)


def test_tag_limits_at_the_edges():
    check_tags("tags", {"k" * 128: "v" * 256, "empty": ""})


@pytest.mark.parametrize("value", [3600, 43200, 7200])
def test_session_duration_in_range(value):
    assert check_session_duration("max_session_duration", value) == value


@pytest.mark.parametrize("value", [3599, 43201, 0, -1, True, "3600"])
def test_session_duration_out_of_range(value):
    with pytest.raises(InvalidInput, match=r"^max_session_duration must be a number of seconds between 3600 and 43200"):
        check_session_duration("max_session_duration", value)


def test_description_length():
    check_description("description", "d" * 1000)
    with pytest.raises(InvalidInput, match=r"^description must be at most 1000 characters"):
        check_description("description", "d" * 1001)


@pytest.mark.parametrize(
    "check, value",
    [
        (validation.check_guid, "6f5e4d3c-0000-4000-8000-0000000051a1\n"),
        (validation.check_account_id, "123456789012\n"),
        (validation.check_role_name, "MicrosoftSentinelRole\n"),
        (validation.check_iam_path, "/sentinel/\n"),
        (validation.parse_role_arn, "arn:aws:iam::123456789012:role/MicrosoftSentinelRole\n"),
    ],
)
def test_a_trailing_newline_is_not_accepted(check, value):
    # Python's `$` matches before a final newline; the patterns end in \Z so "value\n" is refused.
    with pytest.raises(validation.InvalidInput):
        check("option", value)
