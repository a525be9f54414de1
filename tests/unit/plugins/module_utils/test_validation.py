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


@pytest.mark.parametrize(
    "tags",
    [{"k": "line\nbreak"}, {"k": "tab\there"}, {"new\nline": "v"}, {"k": "carriage\rreturn"}, {"k": "nul\x00"}],
    ids=["newline-value", "tab-value", "newline-key", "carriage-return", "nul"],
)
def test_tags_refuse_control_characters(tags):
    # IAM's pattern is [\p{L}\p{Z}\p{N}_.:/=+\-@]: \n and \t are control characters (Cc), not separators.
    with pytest.raises(InvalidInput, match=r"^tags keys and values may hold only .*\(no tabs or line breaks\)"):
        check_tags("tags", tags)


def test_tags_take_letters_numbers_and_spaces_of_any_script():
    tags = {"équipe": "sécurité", "チーム": "青", "n": "٣", "nbsp": "a\u00a0b", "k": "a b_.:/=+-@"}
    assert check_tags("tags", tags) == tags


@pytest.mark.parametrize("tags", [{"Env": "a", "env": "b"}, {"owner": "x", "OWNER": "y"}])
def test_tag_keys_that_differ_only_in_case_are_refused(tags):
    first, second = list(tags)
    with pytest.raises(InvalidInput, match=rf"^tags keys '{first}' and '{second}' differ only in case"):
        check_tags("tags", tags)


def test_merge_tags_without_purge_keeps_the_current_ones():
    assert validation.merge_tags("tags", {"a": "1", "b": "2"}, {"b": "3"}, False) == {"a": "1", "b": "3"}
    assert validation.merge_tags("tags", {"a": "1", "b": "2"}, {"b": "3"}, True) == {"b": "3"}
    # AWS's own tags cannot be purged, so they still count.
    assert validation.merge_tags("tags", {"aws:x": "1", "a": "1"}, {}, True) == {"aws:x": "1"}


def test_merge_tags_refuses_a_new_spelling_of_a_kept_key():
    with pytest.raises(InvalidInput, match="^tags: the key 'env' differs only in case from the role's tag 'Env'"):
        validation.merge_tags("tags", {"Env": "prod"}, {"env": "prod"}, False)
    assert validation.merge_tags("tags", {"Env": "prod"}, {"env": "prod"}, True) == {"env": "prod"}


def test_merge_tags_counts_the_total():
    current = {f"old{i}": "v" for i in range(30)}
    validation.merge_tags("tags", current, {f"new{i}": "v" for i in range(20)}, False)
    with pytest.raises(
        InvalidInput,
        match=r"^tags: the role would carry 51 tags \(21 asked for, 30 others it keeps\); IAM allows at most 50 per role!$",
    ):
        validation.merge_tags("tags", current, {f"new{i}": "v" for i in range(21)}, False, note="!")
    # Overwriting a current key does not count twice.
    validation.merge_tags("tags", current, dict({f"new{i}": "v" for i in range(20)}, old0="w"), False)


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
    "value",
    [
        "",
        "Lets Microsoft Sentinel read this account's CloudTrail events",
        "tab\tnewline\ncarriage return\r",
        " ~",  # both ends of printable ASCII
        "\u00a1R\u00f4le \u00ff",  # both ends of the Latin-1 range IAM allows
    ],
)
def test_description_characters_iam_allows(value):
    assert check_description("description", value) == value


@pytest.mark.parametrize(
    "value, position, code_point",
    [
        ("bad\x00description", 4, "U+0000"),  # left a role without its policy when sent to IAM
        ("\x7f", 1, "U+007F"),  # DEL, between printable ASCII and Latin-1
        ("no-break\xa0space", 9, "U+00A0"),  # U+00A0 is just below IAM's Latin-1 range
        ("Sentinel \u2014 CloudTrail", 10, "U+2014"),  # an em dash, outside Latin-1
        ("\U0001f512", 1, "U+1F512"),
        ("vertical\x0btab", 9, "U+000B"),
    ],
)
def test_description_characters_iam_refuses_are_named_before_any_call(value, position, code_point):
    with pytest.raises(InvalidInput) as refused:
        check_description("description", value)
    message = str(refused.value)
    assert message.startswith("description may hold only tabs, line breaks, printable ASCII and Latin-1")
    assert message.endswith("character %d is %s" % (position, code_point))


@pytest.mark.parametrize(
    "cloud, given, options",
    [
        ("aws", {"profile": "prod", "region": "eu-west-1"}, {"profile": "prod", "region": "eu-west-1"}),
        (
            "aws",
            {"aws_access_key_id": "AKIA", "aws_secret_access_key": "s", "aws_session_token": "t"},
            {"access_key": "AKIA", "secret_key": "s", "session_token": "t"},
        ),
        ("aws", {"profile_name": "prod", "region_name": "eu-west-1"}, {"profile": "prod", "region": "eu-west-1"}),
        ("aws", {"security_token": "t"}, {"session_token": "t"}),
        ("azure", {"client_id": "c", "secret": "s", "tenant": "t"}, {"client_id": "c", "secret": "s", "tenant": "t"}),
        ("azure", {"client_secret": "s", "tenant_id": "t"}, {"secret": "s", "tenant": "t"}),
        ("azure", None, {}),
        ("aws", {}, {}),
    ],
)
def test_connection_keys_are_mapped_to_the_modules_option_names(cloud, given, options):
    assert validation.check_connection("connection", given, cloud) == options


@pytest.mark.parametrize(
    "cloud, given, keys",
    [
        ("azure", {"client_secrt": "CANARY-1"}, "client_secrt"),
        ("azure", {"secret": "s", "AZURE_SECRET": "CANARY-2", "password": "CANARY-3"}, "AZURE_SECRET, password"),
        ("aws", {"secret_access_key": "CANARY-4"}, "secret_access_key"),
        ("aws", {"name": "CANARY-5"}, "name"),  # a module option, not a connection option
        ("azure", {"access_key": "CANARY-6"}, "access_key"),  # the other cloud's option
    ],
)
def test_unknown_connection_keys_are_named_without_their_values(cloud, given, keys):
    with pytest.raises(InvalidInput) as refused:
        validation.check_connection("cloudtrail_%s_connection" % cloud, given, cloud)
    message = str(refused.value)
    assert message.startswith("cloudtrail_%s_connection has keys that no module takes: %s (" % (cloud, keys))
    assert "CANARY" not in message


@pytest.mark.parametrize(
    "cloud, given, doubled",
    [
        ("azure", {"secret": "CANARY-1", "client_secret": "CANARY-2"}, "client_secret, secret"),
        (
            "aws",
            {"access_key": "a", "aws_access_key_id": "b", "aws_access_key": "c"},
            "access_key, aws_access_key, aws_access_key_id",
        ),
    ],
)
def test_one_connection_option_given_twice_is_refused(cloud, given, doubled):
    with pytest.raises(InvalidInput) as refused:
        validation.check_connection("connection", given, cloud)
    assert str(refused.value) == "connection gives one option under several keys (%s): keep one" % doubled


def test_a_connection_that_is_not_a_dictionary_is_refused_without_its_value():
    with pytest.raises(InvalidInput, match=r"^connection must be a dictionary of connection options\Z"):
        validation.check_connection("connection", "secret=CANARY", "azure")


def test_connection_options_are_those_of_the_modules():
    """The role's lists follow the modules' argument specs: a new option there must be allowed here."""
    from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec
    from ansible_collections.sentinel.aws.plugins.module_utils.azure_auth import AZURE_AUTH_ARGSPEC

    aws = aws_argument_spec()
    assert validation.AWS_CONNECTION_OPTIONS == set(aws)
    for name, spec in aws.items():
        for alias in spec.get("aliases", []):
            assert validation.AWS_CONNECTION_ALIASES[alias] == name
    assert validation.AZURE_CONNECTION_OPTIONS == set(AZURE_AUTH_ARGSPEC)
    for aliases, names in (
        (validation.AWS_CONNECTION_ALIASES, validation.AWS_CONNECTION_OPTIONS),
        (validation.AZURE_CONNECTION_ALIASES, validation.AZURE_CONNECTION_OPTIONS),
    ):
        assert set(aliases.values()) <= names and not set(aliases) & names


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


def test_require_account_names_the_option_only_for_another_account():
    validation.require_account(None, "123456789012", "x", "account_id")
    validation.require_account("123456789012", "123456789012", "x", "account_id")
    with pytest.raises(InvalidInput, match="^account_id: the credentials act on AWS account 111122223333"):
        validation.require_account("123456789012", "111122223333", "x", "account_id")
    with pytest.raises(InvalidInput, match="^aws_account_id: the credentials act on AWS account 111122223333"):
        validation.require_account("123456789012", "111122223333", "from sts:GetCallerIdentity")


def test_require_partition_names_aws_partition_and_the_way_out():
    validation.require_partition("aws", "aws", "us-east-1")
    with pytest.raises(
        InvalidInput,
        match="^aws_partition is 'aws' but region 'us-gov-west-1' is in partition 'aws-us-gov': set aws_partition "
        "to 'aws-us-gov' or use a region of 'aws'$",
    ):
        validation.require_partition("aws", "aws-us-gov", "us-gov-west-1")
