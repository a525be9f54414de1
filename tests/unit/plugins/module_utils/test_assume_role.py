"""Hub credentials: the AssumeRole request the options ask for, and the guard on the assumed identity."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils.assume_role import (
    ASSUME_ROLE_OPTIONS,
    assumed_account,
    check_assumed_account,
    hub_request,
)
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput, assume_role_request

MEMBER = "210987654321"


def test_no_role_to_assume_without_arn_or_name():
    assert assume_role_request({"account_id": MEMBER, "assume_role_session_name": "sentinel-aws"}, "aws") is None


def test_a_name_is_assumed_in_the_guarded_account_and_the_callers_partition():
    request = assume_role_request({"assume_role_name": "OrganizationAccountAccessRole", "account_id": MEMBER}, "aws-cn")
    assert request == {
        "RoleArn": f"arn:aws-cn:iam::{MEMBER}:role/OrganizationAccountAccessRole",
        "RoleSessionName": "sentinel-aws",
    }


def test_an_arn_with_external_id_and_session_name():
    params = {
        "assume_role_arn": f"arn:aws:iam::{MEMBER}:role/ops/AWSControlTowerExecution",
        "assume_role_external_id": "shared-secret:1",
        "assume_role_session_name": "soc@onboarding",
        "account_id": MEMBER,
    }
    assert assume_role_request(params, "aws") == {
        "RoleArn": params["assume_role_arn"],
        "RoleSessionName": "soc@onboarding",
        "ExternalId": "shared-secret:1",
    }


def test_an_arn_without_a_guard_is_taken_as_given():
    arn = f"arn:aws:iam::{MEMBER}:role/x"
    assert assume_role_request({"assume_role_arn": arn}, "aws")["RoleArn"] == arn


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"assume_role_name": "r"}, "assume_role_name needs account_id"),
        ({"assume_role_name": "r", "assume_role_arn": f"arn:aws:iam::{MEMBER}:role/r"}, "mutually exclusive"),
        ({"assume_role_arn": "arn:aws:iam::222222222222:role/r", "account_id": MEMBER}, "in AWS account 222222222222"),
        ({"assume_role_arn": "arn:aws:s3:::bucket"}, "assume_role_arn must be an IAM role ARN"),
        ({"assume_role_name": "no spaces", "account_id": MEMBER}, "assume_role_name must be"),
        ({"assume_role_name": "r", "account_id": "12345"}, "account_id must be an AWS account ID"),
        (
            {"assume_role_name": "r", "account_id": MEMBER, "assume_role_session_name": "x" * 65},
            "assume_role_session_name",
        ),
        (
            {"assume_role_name": "r", "account_id": MEMBER, "assume_role_external_id": "a b"},
            "assume_role_external_id must",
        ),
        ({"assume_role_external_id": "abc"}, "assume_role_external_id is used only with"),
    ],
)
def test_bad_options_are_named(params, message):
    with pytest.raises(InvalidInput, match=message):
        assume_role_request(params, "aws")


def test_the_external_id_is_never_in_a_message():
    with pytest.raises(InvalidInput) as refused:
        assume_role_request({"assume_role_name": "r", "account_id": MEMBER, "assume_role_external_id": "x"}, "aws")
    assert "'x'" not in str(refused.value)


def test_messages_can_name_the_roles_variables():
    names = {"assume_role_name": "cloudtrail_assume_role_name", "account_id": "cloudtrail_aws_account_id"}
    with pytest.raises(InvalidInput, match="^cloudtrail_assume_role_name needs cloudtrail_aws_account_id"):
        assume_role_request({"assume_role_name": "r"}, "aws", names)


def test_the_external_id_option_is_no_log():
    assert ASSUME_ROLE_OPTIONS["assume_role_external_id"]["no_log"] is True


def test_the_assumed_identity_must_be_in_the_guarded_account():
    request = {"RoleArn": f"arn:aws:iam::{MEMBER}:role/r"}
    session = f"arn:aws:sts::{MEMBER}:assumed-role/r/sentinel-aws"
    assert assumed_account(session) == MEMBER
    check_assumed_account(MEMBER, request, session)
    check_assumed_account(None, request, session)
    with pytest.raises(InvalidInput, match="^account_id: the role .* acts on AWS account 999999999999"):
        check_assumed_account(MEMBER, request, "arn:aws:sts::999999999999:assumed-role/r/sentinel-aws")
    with pytest.raises(InvalidInput, match="unexpected assumed-role ARN"):
        assumed_account(f"arn:aws:iam::{MEMBER}:user/u")


def test_a_module_whose_guard_is_aws_account_id_assumes_a_name_in_that_account():
    params = {"assume_role_name": "OrganizationAccountAccessRole", "aws_account_id": MEMBER, "account_id": "x"}
    assert hub_request(params, "aws-us-gov", "aws_account_id")["RoleArn"] == (
        f"arn:aws-us-gov:iam::{MEMBER}:role/OrganizationAccountAccessRole"
    )
    assert hub_request({"assume_role_name": "r", "account_id": MEMBER}, "aws")["RoleArn"].endswith(f"{MEMBER}:role/r")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"assume_role_name": "r"}, "^assume_role_name needs aws_account_id"),
        ({"assume_role_name": "r", "aws_account_id": "12"}, "^aws_account_id must be an AWS account ID"),
        (
            {"assume_role_arn": "arn:aws:iam::222222222222:role/r", "aws_account_id": MEMBER},
            f"not the expected account {MEMBER} \\(aws_account_id\\)",
        ),
    ],
)
def test_messages_name_the_modules_own_guard_option(params, message):
    with pytest.raises(InvalidInput, match=message):
        hub_request(params, "aws", "aws_account_id")


def test_the_assumed_identity_check_names_the_guard_option():
    with pytest.raises(InvalidInput, match="^aws_account_id: the role"):
        check_assumed_account(
            MEMBER, {"RoleArn": "r"}, "arn:aws:sts::999999999999:assumed-role/r/s", option="aws_account_id"
        )
