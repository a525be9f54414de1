"""The pure half of the OIDC provider logic: the spec, finding the provider, plans, roles in use, results."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import json
from urllib.parse import quote

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils import oidc_provider
from ansible_collections.sentinel.aws.plugins.module_utils import s3_connector
from ansible_collections.sentinel.aws.plugins.module_utils.iam_role import MARKER_TAG_KEY
from ansible_collections.sentinel.aws.plugins.module_utils.iam_role import MARKER_TAG_VALUE
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

ACCOUNT = "123456789012"
MARKER = {MARKER_TAG_KEY: MARKER_TAG_VALUE}
AUDIENCE = s3_connector.oidc_audience("aws")
ISSUER = s3_connector.oidc_issuer("aws")
ARN = s3_connector.oidc_provider_arn("aws", ACCOUNT)
# A client ID of another consumer of the provider, such as Defender for Cloud (made up for the tests).
DEFENDER = "api://00000000-defe-4der-8000-000000000001"


def params(**overrides):
    base = {"state": "present", "aws_partition": "aws", "aws_account_id": None, "tags": None, "purge_tags": True}
    base.update(overrides)
    return base


def spec(**overrides):
    return oidc_provider.provider_spec(params(**overrides), overrides.get("aws_partition", "aws"), "us-east-1")


def view(client_ids, tags=None, thumbprints=None):
    return {
        "arn": ARN,
        "url": "https://" + ISSUER,
        "client_ids": list(client_ids),
        "thumbprints": thumbprints or ["9999999999999999999999999999999999999999"],
        "tags": dict(tags or {}),
    }


def role(name, *statements):
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return {"Arn": "arn:aws:iam::%s:role/%s" % (ACCOUNT, name), "AssumeRolePolicyDocument": document}


def federated(condition=None, provider=ARN, effect="Allow"):
    statement = {"Effect": effect, "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity"}
    if condition is not None:
        statement["Condition"] = condition
    return statement


# --- spec --------------------------------------------------------------------------------------


def test_spec_carries_microsofts_values_and_the_marker():
    wanted = spec(tags={"owner": "soc"})
    assert (wanted["url"], wanted["issuer"], wanted["audience"]) == ("https://" + ISSUER, ISSUER, AUDIENCE)
    assert wanted["tags"] == {"owner": "soc", **MARKER}
    assert wanted["tags_given"] and wanted["purge_tags"]


def test_without_tags_nothing_is_purged_and_the_marker_is_still_wanted():
    wanted = spec()
    assert wanted["tags"] == MARKER
    assert not wanted["tags_given"] and not wanted["purge_tags"]


def test_govcloud_spec_uses_the_govcloud_tenant_and_audience():
    wanted = oidc_provider.provider_spec(params(aws_partition="aws-us-gov"), "aws-us-gov", "us-gov-west-1")
    assert wanted["url"] == "https://sts.windows.net/cab8a31a-1906-4287-a0d8-4eef66b95f6e/"
    assert wanted["audience"] == "api://d4230588-5f84-4281-a9c7-2c15194b28f7"
    assert wanted["partition"] == "aws-us-gov"


@pytest.mark.parametrize(
    "given,client,region,message",
    [
        ("aws-us-gov", "aws", "us-east-1", "aws_partition is 'aws-us-gov' but the region 'us-east-1' is in the AWS "
         "partition 'aws'; set region to a region of aws-us-gov (for example us-gov-west-1)"),
        ("aws", "aws-us-gov", "us-gov-west-1", "or aws_partition to 'aws-us-gov'"),
        ("aws-cn", "aws-cn", "cn-north-1", "aws_partition must be one of aws, aws-us-gov"),
    ],
)  # fmt: skip
def test_a_partition_that_is_not_the_regions_or_not_served_is_refused(given, client, region, message):
    with pytest.raises(InvalidInput) as error:
        oidc_provider.provider_spec(params(aws_partition=given), client, region)
    assert message in str(error.value)


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"aws_account_id": "12345"}, "aws_account_id must be an AWS account ID of exactly 12 digits"),
        ({"tags": {"aws:x": "y"}}, "tags keys must not start with the reserved prefix 'aws:'"),
        ({"tags": {MARKER_TAG_KEY: "false"}}, "tags: sentinel.aws:managed=true is the marker"),
        ({"tags": "owner=soc"}, "tags must be a dictionary"),
    ],
)
def test_bad_options_are_refused_naming_them(overrides, message):
    with pytest.raises(InvalidInput, match=message):
        spec(**overrides)


# --- finding the provider ----------------------------------------------------------------------


def test_the_provider_is_found_by_its_url_and_partition_only():
    others = [
        "arn:aws:iam::%s:oidc-provider/token.actions.githubusercontent.com" % ACCOUNT,
        "arn:aws:iam::%s:oidc-provider/%s" % (ACCOUNT, ISSUER.rstrip("/")),  # another issuer: no slash
        "arn:aws-us-gov:iam::%s:oidc-provider/%s" % (ACCOUNT, ISSUER),
    ]
    assert oidc_provider.find_provider_arn(others, spec()) is None
    assert oidc_provider.find_provider_arn(others + [ARN], spec()) == ARN


def test_a_provider_view_has_the_url_with_its_scheme_and_the_tags_as_a_dict():
    answer = {
        "Url": ISSUER,
        "ClientIDList": [DEFENDER],
        "ThumbprintList": ["A" * 40],
        "Tags": [{"Key": "owner", "Value": "cspm"}],
    }
    assert oidc_provider.provider_view(ARN, answer) == {
        "arn": ARN,
        "url": "https://" + ISSUER,
        "client_ids": [DEFENDER],
        "thumbprints": ["A" * 40],
        "tags": {"owner": "cspm"},
    }
    assert oidc_provider.provider_view(ARN, {"Url": ISSUER})["client_ids"] == []


def test_a_new_provider_is_microsofts_template_plus_the_marker():
    assert oidc_provider.new_provider_view(spec(tags={"a": "b"}), ARN) == {
        "arn": ARN,
        "url": "https://" + ISSUER,
        "client_ids": [AUDIENCE],
        "thumbprints": [s3_connector.OIDC_THUMBPRINT],
        "tags": {"a": "b", **MARKER},
    }


# --- present -----------------------------------------------------------------------------------


def test_a_shared_provider_gets_our_audience_and_nothing_else():
    current = view([DEFENDER], tags={"owner": "cspm"})
    plan, warnings = oidc_provider.plan_present(current, spec())
    assert plan == {"add_client_id": AUDIENCE}
    assert warnings == []
    after = oidc_provider.apply_plan(current, plan)
    assert after["client_ids"] == [DEFENDER, AUDIENCE]
    assert (after["thumbprints"], after["tags"]) == (current["thumbprints"], current["tags"])
    assert current["client_ids"] == [DEFENDER]  # the plan works on a copy


def test_tags_on_a_shared_provider_are_not_applied_and_the_task_says_so():
    plan, warnings = oidc_provider.plan_present(view([AUDIENCE]), spec(tags={"owner": "soc"}))
    assert plan == {}
    assert warnings and "tags were not applied" in warnings[0] and "sentinel.aws:managed=true" in warnings[0]


def test_a_converged_provider_has_an_empty_plan():
    plan, warnings = oidc_provider.plan_present(view([DEFENDER, AUDIENCE], tags=MARKER), spec())
    assert (plan, warnings) == ({}, [])


def test_our_provider_converges_its_tags_but_keeps_the_marker():
    current = view([AUDIENCE], tags={"old": "x", **MARKER})
    plan = oidc_provider.plan_present(current, spec(tags={"owner": "soc"}))[0]
    assert plan == {"tags_set": {"owner": "soc"}, "tags_unset": ["old"]}
    assert oidc_provider.apply_plan(current, plan)["tags"] == {"owner": "soc", **MARKER}
    kept = oidc_provider.plan_present(current, spec(tags={"owner": "soc"}, purge_tags=False))[0]
    assert kept == {"tags_set": {"owner": "soc"}}


def test_a_shared_provider_that_has_our_audience_is_left_as_it_is_and_not_marked():
    # Without the marker a provider is not ours, so the marker is not added to it either.
    assert oidc_provider.plan_present(view([AUDIENCE], tags={"owner": "soc"}), spec()) == ({}, [])


# --- absent ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "client_ids,tags,in_use_by,plan",
    [
        ([AUDIENCE], MARKER, [], {"delete": True}),
        ([], MARKER, [], {"delete": True}),
        ([DEFENDER, AUDIENCE], MARKER, [], {"remove_client_id": AUDIENCE}),
        ([AUDIENCE], {}, [], {"remove_client_id": AUDIENCE}),
        ([DEFENDER, AUDIENCE], {}, [], {"remove_client_id": AUDIENCE}),
        ([DEFENDER], {}, [], {}),
        ([DEFENDER], MARKER, [], {}),
        ([AUDIENCE], MARKER, ["arn:aws:iam::123456789012:role/OIDC_Other"], {}),
        ([DEFENDER, AUDIENCE], {}, ["arn:aws:iam::123456789012:role/OIDC_Other"], {}),
    ],
)
def test_offboarding_removes_only_our_audience_and_deletes_only_our_lone_provider(client_ids, tags, in_use_by, plan):
    assert oidc_provider.plan_absent(view(client_ids, tags=tags), in_use_by, spec(state="absent")) == plan


def test_after_a_delete_there_is_no_provider():
    assert oidc_provider.apply_plan(view([AUDIENCE], tags=MARKER), {"delete": True}) == {}


def test_removing_our_audience_keeps_the_order_of_the_others():
    current = view(["api://a", AUDIENCE, "api://b"])
    assert oidc_provider.apply_plan(current, {"remove_client_id": AUDIENCE})["client_ids"] == ["api://a", "api://b"]


# --- which roles still trust the provider for our audience ------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {ISSUER + ":aud": AUDIENCE}},
        {"StringEquals": {ISSUER + ":aud": [DEFENDER, AUDIENCE]}},
        {"StringEquals": {ISSUER.upper() + ":AUD": AUDIENCE}},  # condition keys are case-insensitive
        {"StringEqualsIgnoreCase": {ISSUER + ":aud": AUDIENCE.upper()}},
        {"StringLike": {ISSUER + ":aud": "api://1462b192-*"}},
        {"ForAnyValue:StringEquals": {ISSUER + ":aud": AUDIENCE}},
        {"StringEqualsIfExists": {ISSUER + ":aud": AUDIENCE}},
        None,  # no audience condition: every client ID of the provider gets in
        {"StringEquals": {"sts:RoleSessionName": "MicrosoftSentinel_x"}},
    ],
)
def test_a_role_trusting_the_provider_for_our_audience_is_in_use(condition):
    assert oidc_provider.statement_trusts(federated(condition), ARN, spec())


@pytest.mark.parametrize(
    "statement",
    [
        federated({"StringEquals": {ISSUER + ":aud": DEFENDER}}),
        federated({"StringLike": {ISSUER + ":aud": "api://other-*"}}),
        federated({"StringLike": {ISSUER + ":aud": "api://[1]462b192-*"}}),  # IAM has no character classes
        federated(None, effect="Deny"),
        federated(None, provider="arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"),
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
        "not a statement",
    ],
)
def test_other_trusts_do_not_hold_our_audience(statement):
    assert not oidc_provider.statement_trusts(statement, ARN, spec())


def test_roles_in_use_are_listed_sorted_whatever_form_their_trust_has():
    encoded = role("OIDC_B", federated({"StringEquals": {ISSUER + ":aud": AUDIENCE}}))
    encoded["AssumeRolePolicyDocument"] = quote(json.dumps(encoded["AssumeRolePolicyDocument"]))
    single = role("OIDC_A", federated(None))
    single["AssumeRolePolicyDocument"]["Statement"] = single["AssumeRolePolicyDocument"]["Statement"][0]
    roles = [
        encoded,
        single,
        role("Defender", federated({"StringEquals": {ISSUER + ":aud": DEFENDER}})),
        role("Ec2", {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}),
    ]
    assert oidc_provider.roles_trusting(roles, ARN, spec()) == [
        "arn:aws:iam::%s:role/OIDC_A" % ACCOUNT,
        "arn:aws:iam::%s:role/OIDC_B" % ACCOUNT,
    ]


# --- results -----------------------------------------------------------------------------------


def test_the_result_of_a_kept_provider_is_its_view_and_the_diff_shows_both_sides():
    before = view([DEFENDER, AUDIENCE])
    after = oidc_provider.apply_plan(before, {"remove_client_id": AUDIENCE})
    result = oidc_provider.outcome(True, before, after, "shared", spec())
    assert (result["arn"], result["client_ids"], result["ownership"]) == (ARN, [DEFENDER], "shared")
    assert result["diff"]["before"]["client_ids"] == [DEFENDER, AUDIENCE]
    assert set(result["diff"]["after"]) == {"url", "client_ids", "thumbprints", "tags"}


def test_the_result_of_a_deleted_provider_keeps_its_arn_and_lists_nothing():
    result = oidc_provider.outcome(True, view([AUDIENCE], tags=MARKER), {}, "ours", spec())
    assert (result["arn"], result["client_ids"], result["thumbprints"], result["tags"]) == (ARN, [], [], {})
    assert result["diff"]["after"] == {}


def test_the_result_without_any_provider_has_no_arn():
    result = oidc_provider.outcome(False, {}, {}, "absent", spec())
    assert (result["arn"], result["url"], result["diff"]) == (None, "https://" + ISSUER, {"before": {}, "after": {}})
