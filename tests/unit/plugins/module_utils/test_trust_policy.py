"""Building, guarding and reading the trust policy of the Sentinel role (pure functions)."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import copy
import json
from urllib.parse import quote

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import (
    ExternalIdTrust,
    UnsafeTrustPolicy,
    build_trust_policy,
    describe_statement,
    narrowed_trust_policy,
    parse_policy_document,
    require_external_id,
    require_narrowed,
    sentinel_external_ids,
    split_trust,
)

MS = "197857026523"
WS = "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"
CLOUDTRAIL = ExternalIdTrust(MS, "aws", None)


def desired() -> dict:
    return build_trust_policy(MS, WS)


def test_build_is_microsofts_documented_policy():
    doc = desired()
    assert doc["Version"] == "2012-10-17"
    [statement] = doc["Statement"]
    assert statement == {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::197857026523:root"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": WS}},
    }


def test_build_uses_the_partition():
    assert desired()["Statement"][0]["Principal"]["AWS"].startswith("arn:aws:")
    other = build_trust_policy(MS, WS, partition="aws-cn")
    assert other["Statement"][0]["Principal"]["AWS"] == "arn:aws-cn:iam::197857026523:root"


def test_build_refuses_an_empty_external_id():
    with pytest.raises(UnsafeTrustPolicy):
        build_trust_policy(MS, "")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s.pop("Condition"),
        lambda s: s["Condition"].pop("StringEquals"),
        lambda s: s["Condition"].update(StringEquals={"sts:SourceIdentity": WS}),
        lambda s: s["Condition"].update(StringEquals={"sts:ExternalId": "another"}),
        lambda s: s["Condition"].update(StringEquals={"sts:ExternalId": [WS, "another"]}),
        lambda s: s["Condition"].update(StringLike={"sts:ExternalId": WS}, StringEquals={}),
    ],
    ids=["no-condition", "no-stringequals", "other-key", "other-value", "a-value-not-a-guid", "stringlike-only"],
)
def test_guard_rejects_documents_without_the_external_id(mutate):
    doc = desired()
    mutate(doc["Statement"][0])
    with pytest.raises(UnsafeTrustPolicy, match="sts:ExternalId"):
        require_external_id(doc, WS)


def test_guard_rejects_a_second_allow_without_condition():
    doc = desired()
    doc["Statement"].append({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
    with pytest.raises(UnsafeTrustPolicy):
        require_external_id(doc, WS)


def test_guard_rejects_no_allow_statement():
    with pytest.raises(UnsafeTrustPolicy):
        require_external_id({"Version": "2012-10-17", "Statement": []}, WS)


def test_guard_accepts_list_form_and_key_case():
    doc = desired()
    doc["Statement"][0]["Condition"] = {"StringEquals": {"STS:externalid": [WS]}}
    require_external_id(doc, WS)


WS2 = "0e6d2a4b-1c3f-4a5b-8c7d-9e0f1a2b3c4d"
EC2 = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}


def test_build_for_several_workspaces_is_one_sorted_lower_case_list():
    doc = build_trust_policy(MS, [WS, WS2.upper(), WS])
    [statement] = doc["Statement"]
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": sorted([WS, WS2])}}
    assert build_trust_policy(MS, [WS2, WS]) == build_trust_policy(MS, [WS, WS2])  # no flip-flop
    assert build_trust_policy(MS, [WS]) == build_trust_policy(MS, WS) == desired()


def test_build_refuses_no_external_id():
    with pytest.raises(UnsafeTrustPolicy):
        build_trust_policy(MS, [])


def test_guard_accepts_a_list_of_workspace_ids_that_includes_ours():
    require_external_id(build_trust_policy(MS, [WS, WS2]), WS)
    require_external_id(build_trust_policy(MS, [WS, WS2]), WS2)


def test_guard_rejects_a_list_without_ours_or_with_a_non_guid():
    with pytest.raises(UnsafeTrustPolicy, match="include %s" % WS):
        require_external_id(build_trust_policy(MS, [WS2]), WS)
    doc = desired()
    doc["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] = [WS, "*"]
    with pytest.raises(UnsafeTrustPolicy):
        require_external_id(doc, WS)


def test_guard_rejects_the_key_twice_in_two_spellings():
    doc = desired()
    doc["Statement"][0]["Condition"]["StringEquals"]["sts:externalid"] = WS2
    with pytest.raises(UnsafeTrustPolicy):
        require_external_id(doc, WS)


def variants() -> list[tuple[str, dict]]:
    """Statements that mean the same as Microsoft's but are written differently."""
    out = []
    statement = desired()["Statement"][0]
    for name, change in [
        ("principal-list", {"Principal": {"AWS": [f"arn:aws:iam::{MS}:root"]}}),
        ("principal-account-id", {"Principal": {"AWS": MS}}),
        ("action-list", {"Action": ["sts:AssumeRole"]}),
        ("action-case", {"Action": "sts:assumerole"}),
        ("condition-list", {"Condition": {"StringEquals": {"sts:ExternalId": [WS]}}}),
        ("condition-key-case", {"Condition": {"StringEquals": {"sts:externalid": WS}}}),
        ("sid", {"Sid": ""}),
    ]:
        out.append((name, dict(copy.deepcopy(statement), **change)))
    out.append(("key-order", dict(reversed(list(statement.items())))))
    return out


@pytest.mark.parametrize("name,statement", variants(), ids=[case[0] for case in variants()])
def test_microsofts_statement_however_written_is_recognised(name, statement):
    assert sentinel_external_ids(statement, MS) == [WS]


@pytest.mark.parametrize(
    "change",
    [
        {"Principal": {"AWS": "arn:aws:iam::111122223333:root"}},
        {"Principal": {"AWS": [f"arn:aws:iam::{MS}:root", "arn:aws:iam::111122223333:root"]}},
        {"Principal": {"AWS": f"arn:aws:iam::{MS}:root", "Service": "ec2.amazonaws.com"}},
        {"Principal": "*"},
        {"Action": ["sts:AssumeRole", "sts:TagSession"]},
        {"Action": "sts:*"},
        {"Effect": "Deny"},
        {"Condition": {"StringEquals": {"sts:ExternalId": WS}, "Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Condition": {"StringEquals": {"sts:ExternalId": WS, "aws:PrincipalAccount": MS}}},
        {"Condition": {"StringLike": {"sts:ExternalId": WS}}},
        {"Condition": {"StringEquals": {"sts:ExternalId": "law-sentinel"}}},
        {"Condition": {"StringEquals": {"sts:ExternalId": []}}},
        {"Condition": {"StringEquals": "sts:ExternalId"}},
        {"Resource": "*"},
    ],
    ids=[
        "other-account",
        "extra-principal",
        "extra-principal-kind",
        "anyone",
        "extra-action",
        "wildcard-action",
        "deny",
        "mfa",
        "extra-condition-key",
        "string-like",
        "not-a-guid",
        "no-value",
        "malformed-condition",
        "extra-element",
    ],
)
def test_anything_else_is_not_a_sentinel_statement(change):
    statement = dict(desired()["Statement"][0], **change)
    assert sentinel_external_ids(statement, MS) is None


def test_without_a_condition_it_is_not_a_sentinel_statement():
    statement = desired()["Statement"][0]
    del statement["Condition"]
    assert sentinel_external_ids(statement, MS) is None
    assert sentinel_external_ids("not a statement", MS) is None


def test_the_account_id_means_the_root_of_the_given_partition_only():
    statement = build_trust_policy(MS, WS, partition="aws-us-gov")["Statement"][0]
    assert sentinel_external_ids(statement, MS, "aws-us-gov") == [WS]
    assert sentinel_external_ids(statement, MS, "aws") is None


def test_split_trust_gathers_ids_of_every_sentinel_statement_and_keeps_the_rest():
    one, two = desired()["Statement"][0], build_trust_policy(MS, [WS2])["Statement"][0]
    doc = {"Version": "2012-10-17", "Statement": [two, EC2, one]}
    assert split_trust(doc, CLOUDTRAIL) == (sorted([WS, WS2]), [EC2])
    assert split_trust({"Statement": one}, CLOUDTRAIL) == ([WS], [])  # a single statement, not a list
    assert split_trust({}, CLOUDTRAIL) == ([], [])


def test_narrowed_trust_keeps_other_statements_and_their_version():
    doc = {"Version": "2008-10-17", "Statement": [EC2] + build_trust_policy(MS, [WS, WS2])["Statement"]}
    kept = narrowed_trust_policy(doc, CLOUDTRAIL, [WS2])
    assert kept == {"Version": "2008-10-17", "Statement": [EC2] + build_trust_policy(MS, [WS2])["Statement"]}
    assert narrowed_trust_policy(doc, CLOUDTRAIL, []) == {"Version": "2008-10-17", "Statement": [EC2]}


def test_require_narrowed_allows_only_removals():
    before = {"Version": "2012-10-17", "Statement": [EC2] + build_trust_policy(MS, [WS, WS2])["Statement"]}
    for remaining in ([WS], [WS2], []):
        require_narrowed(before, narrowed_trust_policy(before, CLOUDTRAIL, remaining), CLOUDTRAIL)
    other_workspace = narrowed_trust_policy(before, CLOUDTRAIL, ["00000000-0000-4000-8000-000000000001"])
    anyone = {"Version": "2012-10-17", "Statement": [dict(EC2, Principal="*")]}
    for after in (other_workspace, anyone):
        with pytest.raises(UnsafeTrustPolicy, match="may only remove"):
            require_narrowed(before, after, CLOUDTRAIL)
    with pytest.raises(UnsafeTrustPolicy, match="at least one statement"):
        require_narrowed(before, {"Version": "2012-10-17", "Statement": []}, CLOUDTRAIL)


@pytest.mark.parametrize(
    "statement,description",
    [
        (EC2, "lets ec2.amazonaws.com assume it"),
        (
            {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "444455556666"]}},
            "lets arn:aws:iam::111122223333:root, 444455556666 assume it",
        ),
        ({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}, "lets * assume it"),
        (
            {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"},
            'has the statement {"Action": "sts:AssumeRole", "Effect": "Deny", "Principal": "*"}',
        ),
        (
            {"Effect": "Allow", "Principal": {"AWS": MS}, "Action": "sts:AssumeRole"},
            'has the statement {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"AWS": "197857026523"}}',
        ),
    ],
    ids=["service", "accounts", "anyone", "deny", "microsoft-without-condition"],
)
def test_describe_statement(statement, description):
    assert describe_statement(statement, CLOUDTRAIL) == description


@pytest.mark.parametrize(
    "raw",
    [
        lambda d: d,
        json.dumps,
        lambda d: quote(json.dumps(d)),
    ],
    ids=["dict", "json", "url-encoded-json"],
)
def test_parse_policy_document(raw):
    assert parse_policy_document(raw(desired())) == desired()


def test_parse_policy_document_of_nothing():
    assert parse_policy_document(None) == {}
