"""Merging, removing and comparing the collection's statements in a shared resource policy (pure)."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import copy
import json

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils.resource_policy import (
    InvalidPolicy,
    dump_policy,
    merge_statements,
    owned_sids,
    parse_policy,
    remove_statements,
    same_policy,
    same_statement,
)

ROLE = "arn:aws:iam::123456789012:role/OIDC_Reader"
OTHER = {
    "Sid": "TheirRead",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
    "Action": ["s3:GetObject", "s3:PutObject"],
    "Resource": "arn:aws:s3:::b/*",
}
NO_SID = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": "arn:aws:s3:::b/*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def ours(sid: str = "SentinelAwsRead1", action: object = "s3:GetObject") -> dict:
    return {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": action, "Resource": "arn:aws:s3:::b/*"}


def policy(*statements: dict, **top: str) -> dict:
    document = {"Version": "2012-10-17", "Id": "their-policy"}
    document.update(top)
    document["Statement"] = list(statements)
    return document


# --- parse ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "  "])
def test_no_policy_parses_as_none(text):
    assert parse_policy(text) is None


def test_a_policy_parses_with_its_order():
    document = policy(OTHER, NO_SID)
    assert list(parse_policy(json.dumps(document))) == ["Version", "Id", "Statement"]


@pytest.mark.parametrize(
    "text, reason",
    [
        ("{", "not valid JSON"),
        ("[]", "not a JSON object"),
        ('{"Statement": "x"}', "Statement"),
        ('{"Statement": [1]}', "Statement"),
    ],
)
def test_unreadable_policies_are_refused(text, reason):
    with pytest.raises(InvalidPolicy, match=reason):
        parse_policy(text)


# --- merge ------------------------------------------------------------------------------------


def test_merge_into_no_policy_makes_one():
    assert merge_statements(None, [ours()]) == {"Version": "2012-10-17", "Statement": [ours()]}


def test_merge_keeps_every_other_statement_and_element_in_order():
    before = policy(OTHER, NO_SID)
    frozen = copy.deepcopy(before)
    after = merge_statements(before, [ours()])
    assert before == frozen  # the input is not changed
    assert after["Statement"][:2] == [OTHER, NO_SID]
    assert after["Statement"][2] == ours()
    assert list(after) == ["Version", "Id", "Statement"]
    # The other statements' text is what it was: key order inside them kept too.
    assert json.dumps(OTHER) in dump_policy(after) and json.dumps(NO_SID) in dump_policy(after)


def test_merge_of_a_single_statement_object_keeps_it():
    before = {"Version": "2012-10-17", "Statement": OTHER}
    assert merge_statements(before, [ours()])["Statement"] == [OTHER, ours()]


def test_edited_statement_of_ours_is_replaced_where_it_stands():
    edited = ours(action="s3:*")
    after = merge_statements(policy(OTHER, edited, NO_SID), [ours()])
    assert after["Statement"] == [OTHER, ours(), NO_SID]


def test_statement_of_ours_spelled_differently_is_kept_as_stored():
    stored = dict(ours(action=["s3:getobject"]), Resource=["arn:aws:s3:::b/*"])
    before = policy(stored)
    after = merge_statements(before, [ours()])
    assert after["Statement"][0] is stored
    assert same_policy(before, after)


def test_another_role_statement_of_ours_stays():
    theirs = ours(sid="SentinelAwsReadOther")
    after = merge_statements(policy(theirs), [ours()])
    assert after["Statement"] == [theirs, ours()]


def test_duplicate_sid_of_ours_is_folded_into_one():
    after = merge_statements(policy(ours(action="s3:*"), OTHER, ours()), [ours()])
    assert after["Statement"] == [ours(), OTHER]


def test_merge_refuses_statements_without_our_prefix():
    with pytest.raises(ValueError):
        merge_statements(None, [OTHER])


# --- remove -----------------------------------------------------------------------------------


def test_remove_takes_only_the_named_statements_of_ours():
    second = ours(sid="SentinelAwsReadOther")
    after = remove_statements(policy(OTHER, ours(), NO_SID, second), ["SentinelAwsRead1"])
    assert after == policy(OTHER, NO_SID, second)


def test_remove_all_of_ours_never_touches_a_foreign_sid_even_if_named():
    after = remove_statements(policy(OTHER, ours(), ours(sid="SentinelAwsX")))
    assert after == policy(OTHER)
    assert remove_statements(policy(OTHER), ["TheirRead"]) == policy(OTHER)


def test_removing_the_last_statement_means_no_policy():
    assert remove_statements(policy(ours())) is None
    assert remove_statements(None) is None


def test_owned_sids_lists_ours_in_order():
    assert owned_sids(policy(ours("SentinelAwsB"), OTHER, ours("SentinelAwsA"))) == ["SentinelAwsB", "SentinelAwsA"]
    assert owned_sids(None) == []


# --- compare ----------------------------------------------------------------------------------


def test_one_item_list_equals_the_string_and_sets_ignore_order():
    left = {
        "Sid": "S",
        "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::1:root", "arn:aws:iam::2:root"]},
        "Action": ["s3:ListBucket", "s3:GetObject"],
        "Resource": ["arn:aws:s3:::b"],
        "Condition": {"StringEquals": {"aws:SourceArn": ["x", "y"]}},
    }
    right = {
        "Sid": "S",
        "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::2:root", "arn:aws:iam::1:root"]},
        "Action": ["S3:GetObject", "s3:ListBucket"],
        "Resource": "arn:aws:s3:::b",
        "Condition": {"StringEquals": {"aws:SourceArn": ["y", "x"]}},
    }
    assert same_statement(left, right)


@pytest.mark.parametrize(
    "change",
    [
        {"Effect": "Deny"},
        {"Action": "s3:PutObject"},
        {"Resource": "arn:aws:s3:::other/*"},
        {"Principal": {"AWS": "arn:aws:iam::123456789012:role/Other"}},
        {"Condition": {"StringEquals": {"aws:SourceArn": "x"}}},
    ],
)
def test_a_real_difference_is_seen(change):
    assert not same_statement(ours(), dict(ours(), **change))


def test_policies_compare_in_order_and_with_their_other_elements():
    assert same_policy(policy(OTHER, ours()), policy(OTHER, ours()))
    assert not same_policy(policy(OTHER, ours()), policy(ours(), OTHER))
    assert not same_policy(policy(OTHER), policy(OTHER, Id="another"))
    assert same_policy(None, None) and not same_policy(None, policy(OTHER))
