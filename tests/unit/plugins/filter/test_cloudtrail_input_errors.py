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


@pytest.mark.parametrize("variable", ["cloudtrail_role_name", "cloudtrail_role_path", "cloudtrail_microsoft_account_id"])
def test_defaulted_variables_set_empty_are_errors(variable):
    errors = check(with_(**{variable: ""}))
    assert len(errors) == 1 and errors[0].startswith(variable)


def test_digits_of_other_scripts_are_not_an_account_id():
    assert check(with_(cloudtrail_aws_account_id="\uff11" * 12))[0].startswith("cloudtrail_aws_account_id")
