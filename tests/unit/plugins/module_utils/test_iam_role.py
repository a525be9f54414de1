"""The pure planning half of the IAM role logic: partitions, policies, tags, plans and diffs."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import copy

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.sentinel.aws.plugins.module_utils import iam_role
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import build_trust_policy
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

WS = "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"
NEW = "arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"
OLD = "arn:aws:iam::aws:policy/AWSCloudTrailReadOnlyAccess"
OTHER = "arn:aws:iam::123456789012:policy/Extra"


def params(**overrides):
    base = dict(
        name="SentinelRole",
        state="present",
        external_id=WS,
        microsoft_account_id="197857026523",
        managed_policies=["AWSCloudTrail_ReadOnlyAccess"],
        purge_policies=True,
        path="/",
        description=None,
        permissions_boundary=None,
        max_session_duration=None,
        account_id=None,
        tags=None,
        purge_tags=True,
    )
    base.update(overrides)
    return base


def spec(**overrides):
    return iam_role.role_spec(params(**overrides), "aws")[0]


def existing(**overrides):
    """A role view as role_view() builds it from GetRole."""
    view = iam_role.role_view(
        {
            "Arn": "arn:aws:iam::123456789012:role/SentinelRole",
            "RoleName": "SentinelRole",
            "RoleId": "AROAEXAMPLE",
            "Path": "/",
            "AssumeRolePolicyDocument": build_trust_policy("197857026523", WS),
            "Tags": [{"Key": "owner", "Value": "soc"}],
            "Description": "d",
            "MaxSessionDuration": 3600,
        },
        [NEW],
    )
    view.update(overrides)
    return view


class _Module:
    """What RoleApi needs of AnsibleAWSModule: a client, here a real boto3 client that is never called."""

    def __init__(self, region):
        self.region = region

    def client(self, service, retry_decorator=None):
        session = boto3.session.Session(aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="secret")
        return RetryingBotoClientWrapper(session.client(service, region_name=self.region), retry_decorator)


@pytest.mark.parametrize(
    "region,partition",
    [
        (None, "aws"),
        ("us-east-1", "aws"),
        ("eu-west-3", "aws"),
        ("us-gov-west-1", "aws-us-gov"),
        ("cn-north-1", "aws-cn"),
        # A region botocore has no data for is placed by its name, as the SDK places its requests.
        ("xx-nowhere-1", "aws"),
    ],
)
def test_the_partition_is_the_one_of_the_iam_client(region, partition):
    assert iam_role.RoleApi(_Module(region)).partition == partition


@pytest.mark.parametrize("region", ["us-gov-west-1", "cn-northwest-1"])
def test_govcloud_and_china_are_refused(region):
    with pytest.raises(InvalidInput, match="supports only AWS commercial regions"):
        iam_role.require_commercial_partition(iam_role.RoleApi(_Module(region)).partition, region)


def test_commercial_is_accepted():
    iam_role.require_commercial_partition("aws", "us-east-1")


@pytest.mark.parametrize(
    "given,environ,expected",
    [
        ({"access_key": "AK"}, {"AWS_SECURITY_TOKEN": "old"}, "old"),
        ({"access_key": "AK", "session_token": "new"}, {"AWS_SECURITY_TOKEN": "old"}, None),
        ({"access_key": "AK"}, {}, None),
        ({"profile": "p"}, {"AWS_SECURITY_TOKEN": "old"}, None),
        ({}, {"AWS_SECURITY_TOKEN": "old"}, None),
    ],
)
def test_session_token_fallback(given, environ, expected):
    assert iam_role.session_token_fallback(given, environ) == expected


def test_policy_names_become_aws_managed_arns_of_the_partition():
    assert iam_role.policy_arn("ReadOnlyAccess", "aws") == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert iam_role.policy_arn("ReadOnlyAccess", "aws-cn") == "arn:aws-cn:iam::aws:policy/ReadOnlyAccess"
    assert iam_role.policy_arn(OTHER, "aws") == OTHER


def test_old_policy_name_is_an_alias_with_a_warning():
    arns, warnings = iam_role.resolve_managed_policies(["AWSCloudTrailReadOnlyAccess", OLD, NEW], "aws")
    assert arns == [NEW]
    assert len(warnings) == 2 and "AWSCloudTrail_ReadOnlyAccess" in warnings[0]


def test_new_name_gives_no_warning():
    assert iam_role.resolve_managed_policies(["AWSCloudTrail_ReadOnlyAccess", OTHER], "aws") == ([NEW, OTHER], [])


@pytest.mark.parametrize(
    "current,desired,purge,attach,detach",
    [
        ([NEW], [NEW], True, [], []),
        ([], [NEW], True, [NEW], []),
        ([NEW, OTHER], [NEW], True, [], [OTHER]),
        ([NEW, OTHER], [NEW], False, [], []),
        ([OLD], [NEW], True, [NEW], [OLD]),
        ([OLD, OTHER], [NEW], False, [NEW], [OLD]),  # migration even without purge
        ([OLD], [OTHER], False, [OTHER], []),  # the old one stays when the new one is not wanted
    ],
)
def test_plan_policies(current, desired, purge, attach, detach):
    assert iam_role.plan_policies(current, desired, purge, "aws") == (attach, detach)


@pytest.mark.parametrize(
    "current,desired,purge,to_set,to_unset",
    [
        ({"a": "1"}, None, True, {}, []),
        ({"a": "1"}, {}, True, {}, ["a"]),
        ({"a": "1"}, {}, False, {}, []),
        ({"a": "1", "b": "2"}, {"a": "2"}, True, {"a": "2"}, ["b"]),
        ({"a": "1", "b": "2"}, {"a": "2"}, False, {"a": "2"}, []),
        ({"a": "1", "aws:cloudformation:stack-name": "s"}, {"a": "1"}, True, {}, []),
    ],
)
def test_plan_tags_has_amazon_aws_semantics(current, desired, purge, to_set, to_unset):
    assert iam_role.plan_tags(current, desired, purge) == (to_set, to_unset)


def test_role_spec_builds_the_trust_policy_and_arns():
    s, warnings = iam_role.role_spec(params(external_id=WS.upper(), tags={"n": 1}), "aws")
    assert warnings == []
    assert s["external_id"] == WS
    assert s["trust_policy"] == build_trust_policy("197857026523", WS)
    assert s["managed_policies"] == [NEW]
    assert s["tags"] == {"n": "1"}


def test_role_spec_for_absent_needs_no_external_id():
    spec = iam_role.role_spec(params(state="absent", external_id=None), "aws")[0]
    assert "trust_policy" not in spec


@pytest.mark.parametrize(
    "overrides,message",
    [
        (dict(name="bad name"), "^name must be an IAM role name"),
        (dict(external_id="workspace"), "^external_id must be a GUID"),
        (dict(external_id=None), "^external_id is required when state=present"),
        (
            dict(microsoft_account_id="1978570265"),
            "^microsoft_account_id must be an AWS account ID of exactly 12 digits",
        ),
        (dict(account_id="12345"), "^account_id must be an AWS account ID"),
        (dict(path="sentinel"), "^path must be an IAM path"),
        (dict(permissions_boundary="ReadOnlyAccess"), "^permissions_boundary must be an IAM policy ARN"),
        (
            dict(permissions_boundary="arn:aws-cn:iam::aws:policy/X"),
            "^permissions_boundary: the ARN is in partition 'aws-cn'",
        ),
        (dict(managed_policies=["arn:aws-us-gov:iam::aws:policy/X"]), "^managed_policies: the ARN is in partition"),
        (dict(max_session_duration=60), "^max_session_duration must be a number of seconds"),
        (dict(tags={"aws:x": "1"}), "^tags keys must not start with the reserved prefix"),
        (dict(tags={str(i): "" for i in range(51)}), "^tags may hold at most 50 tags"),
    ],
)
def test_role_spec_rejects_bad_input(overrides, message):
    with pytest.raises(InvalidInput, match=message):
        iam_role.role_spec(params(**overrides), "aws")


def test_converged_role_has_an_empty_plan():
    assert iam_role.plan_update(existing(), spec()) == {}
    assert (
        iam_role.plan_update(existing(), spec(tags={"owner": "soc"}, description="d", max_session_duration=3600)) == {}
    )


def test_plan_update_lists_every_change():
    desired = spec(
        external_id="00000000-0000-0000-0000-000000000001",
        managed_policies=[OTHER],
        tags={"team": "blue"},
        description="new",
        max_session_duration=7200,
        permissions_boundary="arn:aws:iam::aws:policy/ReadOnlyAccess",
    )
    plan = iam_role.plan_update(existing(), desired)
    assert plan == {
        "trust_policy": desired["trust_policy"],
        "attach": [OTHER],
        "detach": [NEW],
        "tags_set": {"team": "blue"},
        "tags_unset": ["owner"],
        "description": "new",
        "max_session_duration": 7200,
        "permissions_boundary": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    }
    after = iam_role.apply_plan(existing(), plan)
    assert after["trust_policy"] == desired["trust_policy"]
    assert after["attached_policies"] == [OTHER]
    assert after["tags"] == {"team": "blue"}
    assert (after["description"], after["max_session_duration"]) == ("new", 7200)
    assert after["permissions_boundary"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"


def test_empty_boundary_removes_it():
    current = existing(permissions_boundary="arn:aws:iam::aws:policy/ReadOnlyAccess")
    plan = iam_role.plan_update(current, spec(permissions_boundary=""))
    assert plan == {"permissions_boundary": ""}
    assert iam_role.apply_plan(current, plan)["permissions_boundary"] is None
    assert iam_role.plan_update(existing(), spec(permissions_boundary="")) == {}


def test_apply_plan_leaves_the_current_view_alone():
    current = existing()
    before = copy.deepcopy(current)
    iam_role.apply_plan(current, {"tags_unset": ["owner"], "detach": [NEW]})
    assert current == before


def test_path_cannot_change():
    with pytest.raises(InvalidInput, match="^path: the role SentinelRole exists with path '/'"):
        iam_role.plan_update(existing(), spec(path="/sentinel/"))


def test_diff_view_shape():
    view = existing()
    shown = iam_role.diff_view(view)
    assert set(shown) == set(iam_role.DIFF_KEYS)
    assert shown["managed_policies"] == [NEW]
    assert iam_role.diff_view({}) == {}
    assert iam_role.diff_view(None) == {}


def test_new_role_view_has_defaults_and_no_id():
    view = iam_role.new_role_view(spec(), iam_role.role_arn("aws", "123456789012", "/", "SentinelRole"))
    assert view["arn"] == "arn:aws:iam::123456789012:role/SentinelRole"
    assert view["role_id"] is None
    assert view["max_session_duration"] == 3600
    assert view["tags"] == {}
    assert set(iam_role.diff_view(view)) == set(iam_role.DIFF_KEYS)


def test_role_arn_with_path():
    assert iam_role.role_arn("aws", "123456789012", "/sentinel/", "R") == "arn:aws:iam::123456789012:role/sentinel/R"
    assert iam_role.account_of_arn("arn:aws:iam::123456789012:role/sentinel/R") == "123456789012"


def test_verify_account():
    iam_role.verify_account(None, "123456789012", "x")
    iam_role.verify_account("123456789012", "123456789012", "x")
    with pytest.raises(InvalidInput, match="^account_id: the credentials act on AWS account 111122223333"):
        iam_role.verify_account("123456789012", "111122223333", "x")
