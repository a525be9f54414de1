"""s3_connector_role's options to a desired role, and the iam_role plans for it (pure functions)."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import json

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils import iam_role
from ansible_collections.sentinel.aws.plugins.module_utils import s3_role
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import build_web_identity_trust
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

ACCOUNT = "123456789012"
WS = "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"
SENTINEL = f"MicrosoftSentinel_{WS}"
DEFENDER = f"MicrosoftDefenderForClouds_{WS}"
POLICY = "arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"
MARKER = {iam_role.MARKER_TAG_KEY: iam_role.MARKER_TAG_VALUE}
EC2 = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}


def params(**overrides):
    base = dict(
        name="OIDC_MicrosoftSentinelS3Role",
        state="present",
        workspace_id=WS,
        session_names=None,
        aws_partition="aws",
        managed_policies=["AWSCloudTrail_ReadOnlyAccess"],
        path="/",
        description=None,
        take_over=False,
        aws_account_id=None,
        tags=None,
        purge_tags=True,
    )
    base.update(overrides)
    return base


def spec(**overrides):
    return iam_role.bind_account(s3_role.role_spec(params(**overrides), "aws")[0], ACCOUNT)


def existing(names=(SENTINEL,), statements=None, tags=None, attached=(POLICY,), inline=()):
    role = {
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/OIDC_MicrosoftSentinelS3Role",
        "RoleName": "OIDC_MicrosoftSentinelS3Role",
        "RoleId": "AROAEXAMPLE",
        "Path": "/",
        "AssumeRolePolicyDocument": (
            {"Version": "2012-10-17", "Statement": statements}
            if statements is not None
            else build_web_identity_trust("aws", ACCOUNT, list(names))
        ),
        "Tags": [{"Key": k, "Value": v} for k, v in (MARKER if tags is None else tags).items()],
        "MaxSessionDuration": 3600,
    }
    return iam_role.role_view(role, list(attached), list(inline), spec()["trust"])


def test_the_default_session_name_is_sentinels_for_the_workspace():
    s = spec(workspace_id=WS.upper(), tags={"owner": "soc"})
    assert s["trust_policy"] == build_web_identity_trust("aws", ACCOUNT, [SENTINEL])
    assert s["managed_policies"] == [POLICY]
    assert s["tags"] == dict(owner="soc", **MARKER)
    assert s["account_option"] == "aws_account_id"


def test_session_names_replace_the_default_and_a_pattern_warns():
    names, warnings = s3_role.role_spec(params(workspace_id=None, session_names=[SENTINEL, DEFENDER]), "aws")
    assert (names["trust"].session_names, warnings) == (sorted([DEFENDER, SENTINEL]), [])
    pattern, warnings = s3_role.role_spec(
        params(workspace_id=None, session_names=[SENTINEL, "MicrosoftDefenderForClouds_*"]), "aws"
    )
    assert pattern["trust"].session_names == ["MicrosoftDefenderForClouds_*", SENTINEL]
    [warning] = warnings
    assert warning.startswith("session_names: MicrosoftDefenderForClouds_* matches by pattern (StringLike)")


@pytest.mark.parametrize(
    "overrides,message",
    [
        (dict(name="MicrosoftSentinelS3Role"), "^name must start with OIDC_"),
        (dict(name="OIDC_bad name"), "^name must start with OIDC_"),
        (dict(workspace_id="law-sentinel"), "^workspace_id must be a GUID"),
        (dict(workspace_id=None), "^workspace_id or session_names is required when state=present"),
        (dict(workspace_id=None, session_names=["*"]), "^session_names entries must be STS session names"),
        (dict(workspace_id=None, session_names=["a b"]), "^session_names entries must be STS session names"),
        (dict(workspace_id=None, session_names=["x" * 65]), "^session_names entries must be STS session names"),
        (dict(aws_account_id="12"), "^aws_account_id must be an AWS account ID"),
        (dict(path="x"), "^path must be an IAM path"),
        (dict(managed_policies=["arn:aws-us-gov:iam::aws:policy/X"]), "^managed_policies: the ARN is in partition"),
        (dict(tags={"aws:x": "1"}), "^tags keys must not start with the reserved prefix"),
    ],
)
def test_bad_input_names_the_option(overrides, message):
    with pytest.raises(InvalidInput, match=message):
        s3_role.role_spec(params(**overrides), "aws")


def test_absent_needs_no_workspace():
    s = spec(state="absent", workspace_id=None)
    assert "trust_policy" not in s
    assert s["managed_policies"] == [POLICY]


@pytest.mark.parametrize("given,client,region", [("aws", "aws-us-gov", "us-gov-west-1"), ("aws-us-gov", "aws", None)])
def test_the_partition_must_be_the_regions(given, client, region):
    with pytest.raises(InvalidInput, match="^aws_partition is %r but the region %r" % (given, region)):
        s3_role.require_partition(given, client, region)
    assert s3_role.require_partition(client, client, region) == client
    with pytest.raises(InvalidInput, match="^aws_partition must be one of aws, aws-us-gov"):
        s3_role.require_partition("aws-cn", "aws-cn", "cn-north-1")


def test_a_converged_role_has_an_empty_plan():
    assert iam_role.plan_update(existing(), spec()) == {}
    assert existing()["session_names"] == [SENTINEL]


def test_another_session_name_is_drift_replaced_not_added():
    plan = iam_role.plan_update(existing(names=[f"MicrosoftSentinel_{'0' * 8}-0000-4000-8000-000000000000"]), spec())
    assert plan == {"trust_policy": build_web_identity_trust("aws", ACCOUNT, [SENTINEL]), "session_names": [SENTINEL]}


def test_a_statement_without_the_audience_is_foreign_and_repaired_on_a_marked_role():
    stripped = dict(existing()["trust_policy"]["Statement"][0])
    stripped["Condition"] = {"StringEquals": {"sts:RoleSessionName": SENTINEL}}
    current = existing(statements=[stripped])
    assert current["session_names"] == []
    assert iam_role.plan_update(current, spec())["trust_policy"] == spec()["trust_policy"]
    unmarked = existing(statements=[stripped], tags={})
    with pytest.raises(InvalidInput, match="^role OIDC_MicrosoftSentinelS3Role is not a Sentinel role"):
        iam_role.present_ownership(unmarked, spec())


def test_a_hand_made_sentinel_role_is_adopted_and_a_foreign_one_refused():
    assert iam_role.present_ownership(existing(tags={}), spec()) == "adopted"
    foreign = existing(statements=[EC2], tags={})
    with pytest.raises(InvalidInput, match="its trust policy lets ec2.amazonaws.com assume it"):
        iam_role.present_ownership(foreign, spec())
    assert iam_role.present_ownership(foreign, spec(take_over=True)) == "taken_over"


def test_offboarding_removes_every_session_name():
    absent = spec(state="absent", workspace_id=None)
    assert iam_role.plan_offboarding(existing(names=[SENTINEL, DEFENDER]), [], absent) == {"delete_role": True}
    shared = existing(statements=[EC2, existing()["trust_policy"]["Statement"][0]])
    plan = iam_role.plan_offboarding(shared, [], absent)
    assert plan == {
        "detach": [POLICY],
        "tags_unset": [iam_role.MARKER_TAG_KEY],
        "trust_policy": {"Version": "2012-10-17", "Statement": [EC2]},
        "session_names": [],
    }
    after = iam_role.apply_plan(shared, plan)
    assert iam_role.left_behind(after, [], absent) == ["the trust statement %s" % json.dumps(EC2, sort_keys=True)]
    assert iam_role.offboarding_warning(shared, after, [], absent).startswith(
        "role OIDC_MicrosoftSentinelS3Role was not"
    )


def test_the_last_statement_stays_and_says_so():
    absent = spec(state="absent", workspace_id=None)
    current = existing(inline=["extra"])
    left = iam_role.left_behind(
        iam_role.apply_plan(current, iam_role.plan_offboarding(current, [], absent)), [], absent
    )
    assert left[0] == (
        "the trust for session name %s (kept: a trust policy needs a statement; delete the role to remove it)"
        % SENTINEL
    )


def test_the_diff_shows_session_names():
    shown = iam_role.diff_view(existing())
    assert set(shown) == set(iam_role.DIFF_KEYS) - {"external_ids"}
    assert shown["session_names"] == [SENTINEL]
