"""The pure planning half of the IAM role logic: partitions, policies, tags, plans and diffs."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import copy
import json

import boto3
from botocore.stub import Stubber
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.sentinel.aws.plugins.module_utils import iam_role
from ansible_collections.sentinel.aws.plugins.module_utils import validation
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import ExternalIdTrust, build_trust_policy
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

WS = "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"
WS2 = "0e6d2a4b-1c3f-4a5b-8c7d-9e0f1a2b3c4d"
MS = "197857026523"
MARKER = {iam_role.MARKER_TAG_KEY: iam_role.MARKER_TAG_VALUE}
EC2 = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
BOUNDARY = "arn:aws:iam::aws:policy/AWSDenyAll"
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
        purge_external_ids=False,
        take_over=False,
    )
    base.update(overrides)
    return base


def spec(**overrides):
    return iam_role.role_spec(params(**overrides), "aws")[0]


def existing(trust=None, tags=None, attached=(NEW,), inline=(), **overrides):
    """A role view as role_view() builds it from GetRole, ListAttachedRolePolicies and ListRolePolicies.

    By default a marked, converged role trusting workspace WS.
    """
    role = {
        "Arn": "arn:aws:iam::123456789012:role/SentinelRole",
        "RoleName": "SentinelRole",
        "RoleId": "AROAEXAMPLE",
        "Path": "/",
        "AssumeRolePolicyDocument": trust or build_trust_policy(MS, WS),
        "Tags": [{"Key": k, "Value": v} for k, v in (dict(owner="soc", **MARKER) if tags is None else tags).items()],
        "Description": "d",
        "MaxSessionDuration": 3600,
    }
    if overrides.get("permissions_boundary"):
        role["PermissionsBoundary"] = {"PermissionsBoundaryArn": overrides.pop("permissions_boundary")}
    view = iam_role.role_view(role, list(attached), list(inline), ExternalIdTrust(MS, "aws", None))
    view.update(overrides)
    return view


def with_statements(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


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


def stubbed_api():
    """A RoleApi whose IAM client answers from botocore's Stubber, in the order the answers are added."""
    api = iam_role.RoleApi(_Module("us-east-1"))
    stubber = Stubber(api.iam.client)
    stubber.activate()
    return api, stubber


def test_a_list_reads_every_page_and_retries_throttling_exception():
    api, stubber = stubbed_api()
    first = {"RoleName": "R"}
    stubber.add_client_error("list_attached_role_policies", "ThrottlingException", expected_params=first)
    page = {"AttachedPolicies": [{"PolicyName": "A", "PolicyArn": NEW}], "IsTruncated": True, "Marker": "m"}
    stubber.add_response("list_attached_role_policies", page, first)
    page = {"AttachedPolicies": [{"PolicyName": "E", "PolicyArn": OTHER}], "IsTruncated": False}
    stubber.add_response("list_attached_role_policies", page, {"RoleName": "R", "Marker": "m"})

    assert api.attached_policies("R") == [NEW, OTHER]
    stubber.assert_no_pending_responses()


def test_a_missing_role_is_none_and_other_errors_name_the_role():
    api, stubber = stubbed_api()
    stubber.add_client_error("get_role", "NoSuchEntity", http_status_code=404)
    stubber.add_client_error("get_role", "AccessDenied", http_status_code=403)
    stubber.add_client_error("list_role_policies", "AccessDenied", http_status_code=403)

    assert api.get_role("R") is None
    with pytest.raises(AnsibleAWSError) as failed:
        api.get_role("R")
    assert failed.value.message == "Failed to get role R"
    assert failed.value.exception.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(AnsibleAWSError) as failed:
        api.inline_policies("R")
    assert failed.value.message == "Failed to list the inline policies of role R"


def test_a_missing_managed_policy_is_bad_input():
    api, stubber = stubbed_api()
    stubber.add_client_error("get_policy", "NoSuchEntity", http_status_code=404, expected_params={"PolicyArn": OTHER})

    with pytest.raises(InvalidInput, match="^managed_policies: the policy %s does not exist" % OTHER):
        api.require_policies_exist([OTHER])


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
        ({"a": "1"}, {}, True, {}, ["a"]),
        ({"a": "1"}, {}, False, {}, []),
        ({"a": "1", "b": "2"}, {"a": "2"}, True, {"a": "2"}, ["b"]),
        ({"a": "1", "b": "2"}, {"a": "2"}, False, {"a": "2"}, []),
        ({"a": "1", "aws:cloudformation:stack-name": "s"}, {"a": "1"}, True, {}, []),
    ],
)
def test_plan_tags_has_amazon_aws_semantics(current, desired, purge, to_set, to_unset):
    assert iam_role.plan_tags(current, desired, purge) == (to_set, to_unset)


def test_plan_tags_refuses_a_key_that_differs_only_in_case_from_one_kept():
    with pytest.raises(InvalidInput, match="^tags: the key 'env' differs only in case from the role's tag 'Env'"):
        iam_role.plan_tags({"Env": "prod"}, {"env": "dev"}, False)
    # With purge the old spelling is removed first: a rename.
    assert iam_role.plan_tags({"Env": "prod"}, {"env": "dev"}, True) == ({"env": "dev"}, ["Env"])


def test_plan_tags_counts_the_tags_kept_without_purge():
    current = {f"k{i}": "v" for i in range(49)}
    assert iam_role.plan_tags(current, MARKER, False) == (MARKER, [])
    with pytest.raises(
        InvalidInput, match=r"^tags: the role would carry 51 tags .* includes the tag sentinel.aws:managed"
    ):
        iam_role.plan_tags(current, dict(MARKER, extra="x"), False)
    assert iam_role.plan_tags(current, dict(MARKER, extra="x"), True)[1] == sorted(current)


def test_desired_tags_add_the_marker_which_counts_toward_fifty():
    assert iam_role.desired_tags(None) == MARKER
    assert iam_role.desired_tags({"owner": "soc"}) == dict(owner="soc", **MARKER)
    assert iam_role.desired_tags(dict(MARKER)) == MARKER
    iam_role.desired_tags({f"k{i}": "v" for i in range(49)})
    with pytest.raises(InvalidInput, match="^tags: the role would carry 51 tags"):
        iam_role.desired_tags({f"k{i}": "v" for i in range(50)})


@pytest.mark.parametrize("key,value", [("sentinel.aws:managed", "false"), ("Sentinel.AWS:Managed", "true")])
def test_desired_tags_refuse_another_marker(key, value):
    with pytest.raises(InvalidInput, match="^tags: sentinel.aws:managed=true is the marker"):
        iam_role.desired_tags({key: value})


def test_role_spec_builds_the_trust_policy_and_arns():
    s, warnings = iam_role.role_spec(params(external_id=WS.upper(), tags={"n": 1}), "aws")
    assert warnings == []
    assert s["external_id"] == WS
    assert s["trust_policy"] == build_trust_policy(MS, [WS])
    assert s["managed_policies"] == [NEW]
    assert s["tags"] == dict(n="1", **MARKER)
    assert s["purge_tags"] is True


def test_role_spec_without_tags_only_adds_the_marker():
    s = spec()
    assert s["tags"] == MARKER
    assert s["purge_tags"] is False  # tags not given: the role's other tags stay


def test_role_spec_for_absent_needs_no_external_id():
    spec = iam_role.role_spec(params(state="absent", external_id=None), "aws")[0]
    assert "trust_policy" not in spec
    assert spec["external_id"] is None
    assert spec["managed_policies"] == [NEW]  # what offboarding may detach as its own


def test_role_spec_for_absent_checks_the_external_id():
    assert iam_role.role_spec(params(state="absent", external_id=WS.upper()), "aws")[0]["external_id"] == WS
    with pytest.raises(InvalidInput, match="^external_id must be a GUID"):
        iam_role.role_spec(params(state="absent", external_id="law"), "aws")


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
        (dict(tags={str(i): "" for i in range(50)}), "^tags: the role would carry 51 tags"),
        (dict(tags={"Env": "a", "env": "b"}), "^tags keys 'Env' and 'env' differ only in case"),
        (dict(tags={"owner": "soc\nteam"}), "^tags keys and values may hold only letters"),
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
        external_id=WS2,
        purge_external_ids=True,
        managed_policies=[OTHER],
        tags={"team": "blue"},
        description="new",
        max_session_duration=7200,
        permissions_boundary="arn:aws:iam::aws:policy/ReadOnlyAccess",
    )
    current = existing(inline=["admin"])
    plan = iam_role.plan_update(current, desired)
    assert plan == {
        "trust_policy": build_trust_policy(MS, [WS2]),
        "external_ids": [WS2],
        "attach": [OTHER],
        "detach": [NEW],
        "delete_inline": ["admin"],
        "tags_set": {"team": "blue"},
        "tags_unset": ["owner"],
        "description": "new",
        "max_session_duration": 7200,
        "permissions_boundary": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    }
    after = iam_role.apply_plan(current, plan)
    assert after["trust_policy"] == build_trust_policy(MS, [WS2])
    assert after["external_ids"] == [WS2]
    assert after["attached_policies"] == [OTHER]
    assert after["inline_policies"] == []
    assert after["tags"] == dict(team="blue", **MARKER)
    assert (after["description"], after["max_session_duration"]) == ("new", 7200)
    assert after["permissions_boundary"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"


@pytest.mark.parametrize("boundary", [None, ""])
def test_a_boundary_not_asked_for_is_removed(boundary):
    current = existing(permissions_boundary=BOUNDARY)
    plan = iam_role.plan_update(current, spec(permissions_boundary=boundary))
    assert plan == {"permissions_boundary": None}
    assert iam_role.apply_plan(current, plan)["permissions_boundary"] is None
    assert iam_role.plan_update(existing(), spec(permissions_boundary=boundary)) == {}


def test_the_marker_is_added_and_never_purged():
    assert iam_role.plan_update(existing(tags={"owner": "soc"}), spec()) == {"tags_set": MARKER}
    assert iam_role.plan_update(existing(), spec(tags={})) == {"tags_unset": ["owner"]}


def test_drift_on_a_marked_role_is_planned_away():
    current = existing(
        trust=with_statements(build_trust_policy(MS, WS)["Statement"][0], EC2),
        attached=[NEW, ADMIN],
        inline=["star"],
        permissions_boundary=BOUNDARY,
    )
    plan = iam_role.plan_update(current, spec())
    assert plan == {
        "trust_policy": build_trust_policy(MS, [WS]),
        "external_ids": [WS],
        "detach": [ADMIN],
        "delete_inline": ["star"],
        "permissions_boundary": None,
    }
    after = iam_role.apply_plan(current, plan)
    assert iam_role.plan_update(after, spec()) == {}


@pytest.mark.parametrize(
    "ids,purge,wanted",
    [
        ([WS], False, [WS]),
        ([WS2], False, sorted([WS, WS2])),
        ([WS2.upper()], False, sorted([WS, WS2])),
        ([WS, WS2], False, sorted([WS, WS2])),
        ([WS2], True, [WS]),
        ([], False, [WS]),
    ],
)
def test_wanted_external_ids_are_a_union_unless_purged(ids, purge, wanted):
    assert spec(purge_external_ids=purge)["trust"].wanted(ids) == wanted


def test_plan_trust_adds_our_workspace_and_keeps_the_others():
    plan = iam_role.plan_trust(existing(trust=build_trust_policy(MS, WS2)), spec())
    assert plan == {"trust_policy": build_trust_policy(MS, [WS, WS2]), "external_ids": sorted([WS, WS2])}
    # The run for the other workspace finds nothing to do: no flip-flop.
    assert iam_role.plan_trust(existing(trust=plan["trust_policy"]), spec(external_id=WS2)) == {}


def test_plan_trust_leaves_a_trust_that_means_the_same_alone():
    one, two = build_trust_policy(MS, WS)["Statement"][0], build_trust_policy(MS, WS2)["Statement"][0]
    per_workspace = with_statements(dict(one, Sid="A"), dict(two, Principal={"AWS": MS}))
    assert iam_role.plan_trust(existing(trust=per_workspace), spec()) == {}


def test_plan_trust_lower_cases_an_upper_case_id():
    plan = iam_role.plan_trust(existing(trust=build_trust_policy(MS, WS)), spec())
    assert plan == {}
    upper = build_trust_policy(MS, WS)
    upper["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] = WS.upper()
    assert iam_role.plan_trust(existing(trust=upper), spec())["external_ids"] == [WS]


def test_role_view_shows_external_ids_and_inline_policies():
    view = existing(trust=with_statements(EC2, *build_trust_policy(MS, [WS2, WS])["Statement"]), inline=["b", "a"])
    assert view["external_ids"] == sorted([WS, WS2])
    assert view["inline_policies"] == ["a", "b"]


# --- ownership ---------------------------------------------------------------------------------


def test_is_marked():
    assert iam_role.is_marked(MARKER)
    assert iam_role.is_marked({"SENTINEL.AWS:MANAGED": "true"})
    assert not iam_role.is_marked({iam_role.MARKER_TAG_KEY: "false"})
    assert not iam_role.is_marked({})


def test_a_sentinel_role_has_nothing_foreign():
    assert iam_role.foreign_things(existing(tags={}), spec()) == []
    assert iam_role.foreign_things(existing(tags={}, attached=[OLD]), spec()) == []  # the renamed policy
    assert iam_role.foreign_things(existing(attached=[]), spec()) == []
    boundary = existing(permissions_boundary=BOUNDARY)
    assert iam_role.foreign_things(boundary, spec(permissions_boundary=BOUNDARY)) == []


def test_foreign_things_names_each_one():
    current = existing(
        tags={},
        trust=with_statements(EC2),
        attached=["arn:aws:iam::aws:policy/AmazonS3FullAccess"],
        inline=["s3-admin"],
        permissions_boundary=BOUNDARY,
    )
    assert iam_role.foreign_things(current, spec()) == [
        "its trust policy lets ec2.amazonaws.com assume it",
        "it carries the managed policy arn:aws:iam::aws:policy/AmazonS3FullAccess",
        "it has the inline policy s3-admin",
        "its permissions boundary is arn:aws:iam::aws:policy/AWSDenyAll",
    ]


def test_present_ownership():
    assert iam_role.present_ownership(existing(attached=[NEW, ADMIN]), spec()) == "managed"
    assert iam_role.present_ownership(existing(tags={}), spec()) == "adopted"
    foreign = existing(tags={}, trust=with_statements(EC2), inline=["x"])
    assert iam_role.present_ownership(foreign, spec(take_over=True)) == "taken_over"
    with pytest.raises(InvalidInput) as refused:
        iam_role.present_ownership(foreign, spec())
    assert str(refused.value) == (
        "role SentinelRole is not a Sentinel role and was not made by sentinel.aws: its trust policy lets "
        "ec2.amazonaws.com assume it; it has the inline policy x; nothing was changed. Set take_over: true to make "
        "it one anyway (this removes all of the above from it)"
    )


def test_offboarding_ownership():
    assert iam_role.offboarding_ownership(existing(), spec(state="absent")) == "managed"
    assert iam_role.offboarding_ownership(existing(tags={}), spec(state="absent")) == "adopted"
    foreign = existing(tags={}, attached=[ADMIN])
    assert iam_role.offboarding_ownership(foreign, spec(state="absent")) == "foreign"
    assert iam_role.offboarding_ownership(foreign, spec(state="absent", take_over=True)) == "taken_over"


# --- offboarding -------------------------------------------------------------------------------


def absent(**overrides):
    """Offboarding, by default of every workspace (no external_id)."""
    return spec(**dict({"state": "absent", "external_id": None}, **overrides))


def test_offboarding_a_clean_role_deletes_it():
    assert iam_role.plan_offboarding(existing(), [], absent()) == {"delete_role": True}
    assert iam_role.plan_offboarding(existing(), [], absent(external_id=WS)) == {"delete_role": True}
    both = existing(trust=build_trust_policy(MS, [WS, WS2]))
    assert iam_role.plan_offboarding(both, [], absent()) == {"delete_role": True}


def test_offboarding_one_workspace_keeps_the_others():
    both = existing(trust=build_trust_policy(MS, [WS, WS2]))
    plan = iam_role.plan_offboarding(both, [], absent(external_id=WS2))
    assert plan == {"trust_policy": build_trust_policy(MS, [WS]), "external_ids": [WS]}
    after = iam_role.apply_plan(both, plan)
    assert iam_role.left_behind(after, [], absent(external_id=WS2)) == [
        "the trust for workspace ID %s" % WS,
        "the managed policy %s" % NEW,
    ]
    assert iam_role.offboarding_warning(both, after, [], absent(external_id=WS2)) is None


def test_offboarding_a_workspace_the_role_does_not_serve_changes_nothing():
    assert iam_role.plan_offboarding(existing(), [], absent(external_id=WS2)) == {}


def test_offboarding_takes_only_sentinels_part_of_a_role_with_more_on_it():
    current = existing(trust=with_statements(EC2, build_trust_policy(MS, WS)["Statement"][0]), attached=[NEW, ADMIN])
    plan = iam_role.plan_offboarding(current, ["profile"], absent(external_id=WS))
    assert plan == {
        "detach": [NEW],
        "tags_unset": [iam_role.MARKER_TAG_KEY],
        "trust_policy": with_statements(EC2),
        "external_ids": [],
    }
    after = iam_role.apply_plan(current, plan)
    left = iam_role.left_behind(after, ["profile"], absent(external_id=WS))
    assert left == [
        "the trust statement %s" % json.dumps(EC2, sort_keys=True),
        "the managed policy %s" % ADMIN,
        "the instance profile profile",
    ]
    warning = iam_role.offboarding_warning(current, after, left, absent(external_id=WS))
    assert warning.startswith("role SentinelRole was not deleted: it holds things sentinel.aws did not put there")
    assert ADMIN in warning


@pytest.mark.parametrize(
    "extra",
    [dict(attached=[NEW, ADMIN]), dict(inline=["star"])],
    ids=["managed-policy", "inline-policy"],
)
def test_the_last_sentinel_statement_stays_and_says_why(extra):
    current = existing(**extra)
    plan = iam_role.plan_offboarding(current, [], absent())
    assert plan == {"detach": [NEW], "tags_unset": [iam_role.MARKER_TAG_KEY]}
    left = iam_role.left_behind(iam_role.apply_plan(current, plan), [], absent())
    assert (
        left[0]
        == "the trust for workspace ID %s (kept: a trust policy needs a statement; delete the role to remove it)" % WS
    )


def test_an_instance_profile_keeps_the_role():
    assert "delete_role" not in iam_role.plan_offboarding(existing(), ["profile"], absent())


def test_offboarding_leaves_a_role_that_is_not_sentinels_alone():
    foreign = existing(tags={}, trust=with_statements(EC2), attached=[NEW], inline=["x"])
    assert iam_role.plan_offboarding(foreign, ["p"], absent()) == {}
    left = iam_role.left_behind(foreign, ["p"], absent())
    assert left == [
        "the trust statement %s" % json.dumps(EC2, sort_keys=True),
        "the managed policy %s" % NEW,
        "the inline policy x",
        "the instance profile p",
    ]
    warning = iam_role.offboarding_warning(foreign, foreign, left, absent())
    assert warning.startswith("role SentinelRole is not a Sentinel role and was not made by sentinel.aws; nothing")


def test_take_over_deletes_whatever_is_on_the_role():
    foreign = existing(tags={}, trust=with_statements(EC2), attached=[ADMIN])
    assert iam_role.plan_offboarding(foreign, ["p"], absent(take_over=True)) == {"delete_role": True}


def test_apply_plan_leaves_the_current_view_alone():
    current = existing()
    before = copy.deepcopy(current)
    iam_role.apply_plan(current, {"tags_unset": ["owner"], "detach": [NEW]})
    assert current == before


def test_path_cannot_change():
    with pytest.raises(InvalidInput, match="^path: the role SentinelRole exists with path '/'"):
        iam_role.plan_update(existing(), spec(path="/sentinel/"))
    with pytest.raises(InvalidInput, match="^path: the role R exists with path '/a/'"):
        iam_role.require_same_path("R", "/a/", "/")
    iam_role.require_same_path("R", "/a/", "/a/")


def test_diff_view_shape():
    view = existing()
    shown = iam_role.diff_view(view)
    assert set(shown) == set(iam_role.DIFF_KEYS) - {"session_names"}
    assert shown["managed_policies"] == [NEW]
    assert iam_role.diff_view({}) == {}
    assert iam_role.diff_view(None) == {}


def test_new_role_view_has_defaults_and_no_id():
    view = iam_role.new_role_view(spec(), iam_role.role_arn("aws", "123456789012", "/", "SentinelRole"))
    assert view["arn"] == "arn:aws:iam::123456789012:role/SentinelRole"
    assert view["role_id"] is None
    assert view["max_session_duration"] == 3600
    assert view["tags"] == MARKER
    assert (view["external_ids"], view["inline_policies"]) == ([WS], [])
    assert set(iam_role.diff_view(view)) == set(iam_role.DIFF_KEYS) - {"session_names"}


@pytest.mark.parametrize("partition,path", [("aws", "/"), ("aws", "/sentinel/"), ("aws-us-gov", "/a/b/")])
def test_role_arn_is_what_parse_role_arn_reads_back(partition, path):
    arn = iam_role.role_arn(partition, "012345678901", path, "R")
    assert arn == f"arn:{partition}:iam::012345678901:role{path}R"
    assert validation.parse_role_arn("arn", arn) == dict(
        partition=partition, account="012345678901", path=path, name="R"
    )
