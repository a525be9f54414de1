"""The role's input check: the modules' rules, applied to the role's variables, naming each variable."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import pytest

from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_input_errors import FilterModule

check = FilterModule().filters()["cloudtrail_input_errors"]

WORKSPACE_ID = "6f5e4d3c-0000-4000-8000-0000000051a1"
GOOD = {
    "cloudtrail_aws_account_id": "123456789012",
    "cloudtrail_microsoft_account_id": "197857026523",
    "cloudtrail_external_id": WORKSPACE_ID,
    "cloudtrail_role_name": "MicrosoftSentinelRole",
    "cloudtrail_role_path": "/",
    "cloudtrail_role_tags": {"environment": "prod"},
    "cloudtrail_managed_policies": ["AWSCloudTrail_ReadOnlyAccess"],
    "cloudtrail_workspace_name": "law-sentinel",
    "cloudtrail_resource_group": "rg-sentinel",
    "cloudtrail_wait_timeout": 60,
    "cloudtrail_verify_timeout": 1800,
    "cloudtrail_verify_interval": 60,
    "cloudtrail_aws_connection": {"region": "eu-west-1"},
}


def with_(**changes):
    variables = dict(GOOD)
    variables.update(changes)
    return variables


def test_well_formed_variables_have_no_error():
    assert check(GOOD) == []


def test_empty_optional_variables_are_not_checked():
    assert check(with_(cloudtrail_external_id="", cloudtrail_connector_id=None, cloudtrail_subscription_id="")) == []


def test_account_id_read_as_a_number_is_checked_as_text():
    assert check(with_(cloudtrail_aws_account_id=123456789012)) == []
    assert "cloudtrail_aws_account_id" in check(with_(cloudtrail_aws_account_id=12345))[0]


@pytest.mark.parametrize(
    "variable, value",
    [
        ("cloudtrail_aws_account_id", "12345678901"),
        ("cloudtrail_aws_account_id", "123456789012\n"),
        ("cloudtrail_microsoft_account_id", "19785702652"),
        ("cloudtrail_external_id", "law-sentinel"),
        ("cloudtrail_external_id", WORKSPACE_ID + "\n"),
        ("cloudtrail_connector_id", "not-a-guid"),
        ("cloudtrail_subscription_id", "0b1f6471"),
        ("cloudtrail_role_name", "Sentinel Role"),
        ("cloudtrail_role_name", "r" * 65),
        ("cloudtrail_role_path", "sentinel"),
        ("cloudtrail_role_description", "d" * 1001),
        ("cloudtrail_role_tags", {"aws:owner": "soc"}),
        ("cloudtrail_role_tags", {f"k{i}": "v" for i in range(51)}),
        ("cloudtrail_managed_policies", ["AWS CloudTrail"]),
        ("cloudtrail_managed_policies", "AWSCloudTrail_ReadOnlyAccess"),
        ("cloudtrail_workspace_name", "law sentinel"),
        ("cloudtrail_resource_group", "rg/sentinel"),
        ("cloudtrail_wait_timeout", -5),
        ("cloudtrail_verify_timeout", 0),
        ("cloudtrail_verify_timeout", 7201),
        ("cloudtrail_verify_timeout", "soon"),
        ("cloudtrail_verify_interval", 0),
        ("cloudtrail_verify_interval", 1801),
    ],
)
def test_each_broken_rule_names_the_variable(variable, value):
    errors = check(with_(**{variable: value}))
    assert len(errors) == 1
    assert errors[0].startswith(variable)


def test_workspace_resource_id_is_checked_and_exclusive_with_the_name():
    resource_id = (
        "/subscriptions/0b1f6471-0000-4000-8000-00000000501b/resourceGroups/rg-sentinel"
        "/providers/Microsoft.OperationalInsights/workspaces/law-sentinel"
    )
    by_id = with_(cloudtrail_workspace_name=None, cloudtrail_resource_group=None)
    assert check(dict(by_id, cloudtrail_workspace_resource_id=resource_id)) == []
    wrong_provider = resource_id.replace("Microsoft.OperationalInsights", "Microsoft.Insights")
    assert check(dict(by_id, cloudtrail_workspace_resource_id=wrong_provider))[0].startswith(
        "cloudtrail_workspace_resource_id"
    )
    both = check(with_(cloudtrail_workspace_resource_id=resource_id))
    assert both and "not both" in both[0]


def test_workspace_name_without_resource_group():
    errors = check(with_(cloudtrail_resource_group=None))
    assert errors == ["cloudtrail_workspace_name and cloudtrail_resource_group go together: give both"]


@pytest.mark.parametrize("region", ["us-gov-west-1", "cn-north-1"])
def test_non_commercial_partitions_are_refused(region):
    errors = check(with_(cloudtrail_aws_connection={"region": region}))
    assert len(errors) == 1 and "AWS commercial" in errors[0]


def test_all_errors_are_reported_at_once():
    errors = check(with_(cloudtrail_aws_account_id="1", cloudtrail_role_name="a b", cloudtrail_wait_timeout=-1))
    assert [e.split()[0] for e in errors] == [
        "cloudtrail_aws_account_id",
        "cloudtrail_role_name",
        "cloudtrail_wait_timeout",
    ]


@pytest.mark.parametrize(
    "variable", ["cloudtrail_role_name", "cloudtrail_role_path", "cloudtrail_microsoft_account_id"]
)
def test_defaulted_variables_set_empty_are_errors(variable):
    errors = check(with_(**{variable: ""}))
    assert len(errors) == 1 and errors[0].startswith(variable)


def test_digits_of_other_scripts_are_not_an_account_id():
    assert check(with_(cloudtrail_aws_account_id="\uff11" * 12))[0].startswith("cloudtrail_aws_account_id")


# --- what Ansible users naturally type (YAML and -e give numbers, booleans and text) ----------------


@pytest.mark.parametrize(
    "variable, value",
    [
        ("cloudtrail_wait_timeout", "120"),  # -e cloudtrail_wait_timeout=120 is text
        ("cloudtrail_wait_timeout", 0),
        ("cloudtrail_verify_timeout", "600"),  # -e gives text too
        ("cloudtrail_role_name", 20240101),  # IAM allows all-digit role names; YAML reads them as numbers
        ("cloudtrail_role_description", 42),
        ("cloudtrail_workspace_name", 2024),
        ("cloudtrail_resource_group", 2024),
        ("cloudtrail_aws_account_id", 123456789012),  # 12 digits without a leading zero: YAML kept them
        ("cloudtrail_microsoft_account_id", 197857026523),
    ],
)
def test_numbers_and_text_users_naturally_type_are_accepted(variable, value):
    assert check(with_(**{variable: value})) == []


@pytest.mark.parametrize(
    "variable, value, says",
    [
        ("cloudtrail_external_id", 12345, "must be a GUID"),
        ("cloudtrail_external_id", True, "must be a GUID"),  # yes, unquoted
        ("cloudtrail_connector_id", True, "must be a GUID"),
        ("cloudtrail_role_name", True, "must be an IAM role name"),
        ("cloudtrail_role_description", False, "must be at most 1000 characters"),
        ("cloudtrail_role_description", "Sentinel \u2014 CloudTrail", "character 10 is U+2014"),
        ("cloudtrail_role_description", "bad\x00", "character 4 is U+0000"),
        ("cloudtrail_wait_timeout", "2m", "whole number of seconds"),
        ("cloudtrail_wait_timeout", "1.5", "whole number of seconds"),
        ("cloudtrail_wait_timeout", True, "whole number of seconds"),
        ("cloudtrail_wait_timeout", "-1", "whole number of seconds"),
    ],
)
def test_values_of_the_wrong_type_are_refused_naming_the_variable(variable, value, says):
    [error] = check(with_(**{variable: value}))
    assert error.startswith(variable + " ") and says in error


@pytest.mark.parametrize("variable", ["cloudtrail_aws_account_id", "cloudtrail_microsoft_account_id"])
@pytest.mark.parametrize(
    "value, written",
    [
        (0o55555555555, "055555555555"),  # YAML 1.1 reads the unquoted 055555555555 as octal: 6135667565
        (0o12345670123, "012345670123"),
        (0o1, "000000000001"),
    ],
)
def test_account_ids_yaml_read_as_octal_are_refused_asking_for_quotes(variable, value, written):
    [error] = check(with_(**{variable: value}))
    assert error.startswith(variable + " must be 12 digits given as quoted text, got the number %d" % value)
    assert "(%s becomes %d)" % (written, value) in error and error.endswith("quote account IDs")


@pytest.mark.parametrize("value", [12345678901, 8**11, 1234567890123, -123456789012, 0])
def test_account_ids_given_as_other_numbers_are_refused_asking_for_quotes(value):
    # Not octal mangling (too big, or negative) but still digits lost or wrong: quoting is the fix.
    [error] = check(with_(cloudtrail_aws_account_id=value))
    assert error.startswith(
        "cloudtrail_aws_account_id must be 12 digits given as quoted text, got the number %d" % value
    )
    assert "becomes" not in error and error.endswith("quote account IDs")


def test_account_id_true_is_refused():
    [error] = check(with_(cloudtrail_aws_account_id=True))
    assert error.startswith("cloudtrail_aws_account_id must be an AWS account ID of exactly 12 digits, got True")


# --- the connection dictionaries ------------------------------------------------------------------------


def test_connection_keys_in_natural_spellings_are_accepted():
    aws = {"aws_access_key_id": "AKIA", "aws_secret_access_key": "s", "aws_session_token": "t", "region": "eu-west-1"}
    azure = {"client_id": "c", "client_secret": "s", "tenant_id": "t", "cloud_environment": "AzureCloud"}
    assert check(with_(cloudtrail_aws_connection=aws, cloudtrail_azure_connection=azure)) == []


@pytest.mark.parametrize(
    "variable, connection, key",
    [
        ("cloudtrail_azure_connection", {"client_secrt": "CANARY-azure"}, "client_secrt"),
        ("cloudtrail_aws_connection", {"secret_access_key": "CANARY-aws"}, "secret_access_key"),
    ],
)
def test_unknown_connection_keys_are_named_never_their_values(variable, connection, key):
    [error] = check(with_(**{variable: connection}))
    assert error.startswith("%s has keys that no module takes: %s (" % (variable, key))
    assert "CANARY" not in error


@pytest.mark.parametrize("key", ["aws_region", "region_name"])
def test_the_partition_check_reads_the_region_under_its_aliases(key):
    errors = check(with_(cloudtrail_aws_connection={key: "us-gov-west-1"}))
    assert len(errors) == 1 and "AWS commercial" in errors[0]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"cloudtrail_assume_role_name": "bad name"}, "cloudtrail_assume_role_name must be"),
        (
            {"cloudtrail_assume_role_name": "r", "cloudtrail_assume_role_arn": "arn:aws:iam::123456789012:role/r"},
            "cloudtrail_assume_role_arn and cloudtrail_assume_role_name are mutually exclusive",
        ),
        (
            {"cloudtrail_assume_role_arn": "arn:aws:iam::222222222222:role/r"},
            "not the expected account 123456789012 (cloudtrail_aws_account_id)",
        ),
        (
            {"cloudtrail_assume_role_name": "r", "cloudtrail_assume_role_session_name": "s"},
            "cloudtrail_assume_role_session_name",
        ),
        ({"cloudtrail_assume_role_external_id": "abc"}, "cloudtrail_assume_role_external_id is used only with"),
    ],
)
def test_hub_credential_variables_are_checked_with_the_modules_rule(extra, message):
    [error] = check(dict(GOOD, **extra))
    assert message in error


def test_hub_credential_variables_that_fit_pass():
    variables = dict(GOOD, cloudtrail_assume_role_name="OrganizationAccountAccessRole")
    variables.update(cloudtrail_assume_role_external_id="ext-id", cloudtrail_assume_role_session_name="sentinel-aws")
    assert check(variables) == []
