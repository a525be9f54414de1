"""Building, guarding and comparing the trust policy of the Sentinel role (pure functions)."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import copy
import json
from urllib.parse import quote

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import (
    UnsafeTrustPolicy,
    build_trust_policy,
    normalise_policy,
    parse_policy_document,
    policies_equal,
    require_external_id,
)

MS = "197857026523"
WS = "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"


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
    ids=["no-condition", "no-stringequals", "other-key", "other-value", "two-values", "stringlike-only"],
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


def variants() -> list[tuple[str, dict]]:
    """Documents that mean the same as ``desired()`` but are written differently."""
    out = []
    doc = desired()
    doc["Statement"][0]["Principal"]["AWS"] = [f"arn:aws:iam::{MS}:root"]
    out.append(("principal-list", doc))
    doc = desired()
    doc["Statement"][0]["Principal"]["AWS"] = MS
    out.append(("principal-account-id", doc))
    doc = desired()
    doc["Statement"][0]["Action"] = ["sts:AssumeRole"]
    out.append(("action-list", doc))
    doc = desired()
    doc["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] = [WS]
    out.append(("condition-list", doc))
    doc = desired()
    doc["Statement"][0]["Condition"] = {"StringEquals": {"sts:externalid": WS}}
    out.append(("condition-key-case", doc))
    doc = desired()
    doc["Statement"][0] = dict(reversed(list(doc["Statement"][0].items())))
    out.append(("key-order", doc))
    return out


@pytest.mark.parametrize("name,doc", variants(), ids=[case[0] for case in variants()])
def test_same_meaning_compares_equal(name, doc):
    assert policies_equal(doc, desired())


def test_statement_order_does_not_matter():
    deny = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:TagSession"}
    one = desired()
    one["Statement"].append(deny)
    two = desired()
    two["Statement"].insert(0, copy.deepcopy(deny))
    assert policies_equal(one, two)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["Statement"][0]["Condition"]["StringEquals"].update({"sts:ExternalId": WS.upper()}),
        lambda d: d["Statement"][0]["Principal"].update(AWS="arn:aws:iam::111122223333:root"),
        lambda d: d["Statement"][0].update(Action=["sts:AssumeRole", "sts:TagSession"]),
        lambda d: d["Statement"][0]["Condition"].update(Bool={"aws:MultiFactorAuthPresent": "true"}),
        lambda d: d.pop("Version"),
        lambda d: d["Statement"].append({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}),
    ],
    ids=["external-id-case", "other-account", "extra-action", "mfa", "no-version", "extra-statement"],
)
def test_different_meaning_compares_unequal(mutate):
    doc = desired()
    mutate(doc)
    assert not policies_equal(doc, desired())


def test_account_id_is_the_root_arn_of_the_given_partition_only():
    # amazon.aws's compare_policies equates the two only in "aws"; ours follows the partition.
    doc = build_trust_policy(MS, WS, partition="aws-us-gov")
    doc["Statement"][0]["Principal"]["AWS"] = MS
    assert policies_equal(doc, build_trust_policy(MS, WS, partition="aws-us-gov"), partition="aws-us-gov")
    assert not policies_equal(doc, build_trust_policy(MS, WS, partition="aws-us-gov"), partition="aws")


def test_normalised_form_is_hashable():
    hash(normalise_policy(desired()))


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
