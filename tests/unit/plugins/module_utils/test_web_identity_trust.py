"""The S3 connector role's trust (WebIdentityTrust): built as Microsoft's template, recognised however written, guarded."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import copy

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import (
    UnsafeTrustPolicy,
    WebIdentityTrust,
    build_web_identity_trust,
    describe_statement,
    narrowed_trust_policy,
    require_narrowed,
    require_session_names,
    split_trust,
    web_identity_session_names,
)

ACCOUNT = "123456789012"
WS = "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"
SENTINEL = f"MicrosoftSentinel_{WS}"
DEFENDER = f"MicrosoftDefenderForClouds_{WS}"
TENANT = "33e01921-4d64-4f8c-a055-5bdaffd5e33d"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/sts.windows.net/{TENANT}/"
AUD_KEY = f"sts.windows.net/{TENANT}/:aud"
AUDIENCE = "api://1462b192-27f7-4cb9-8523-0f4ecb54b47e"
EC2 = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
S3_TRUST = WebIdentityTrust("aws", [SENTINEL], ACCOUNT)


def statement(names=(SENTINEL,)) -> dict:
    return build_web_identity_trust("aws", ACCOUNT, list(names))["Statement"][0]


def test_build_is_microsofts_template():
    assert build_web_identity_trust("aws", ACCOUNT, [SENTINEL]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {AUD_KEY: AUDIENCE, "sts:RoleSessionName": SENTINEL}},
            }
        ],
    }


def test_govcloud_uses_azure_governments_tenant_and_audience():
    [gov] = build_web_identity_trust("aws-us-gov", ACCOUNT, [SENTINEL])["Statement"]
    tenant = "cab8a31a-1906-4287-a0d8-4eef66b95f6e"
    assert gov["Principal"] == {"Federated": f"arn:aws-us-gov:iam::{ACCOUNT}:oidc-provider/sts.windows.net/{tenant}/"}
    assert gov["Condition"] == {
        "StringEquals": {
            f"sts.windows.net/{tenant}/:aud": "api://d4230588-5f84-4281-a9c7-2c15194b28f7",
            "sts:RoleSessionName": SENTINEL,
        }
    }
    assert web_identity_session_names(gov, "aws-us-gov", ACCOUNT) == [SENTINEL]
    assert web_identity_session_names(gov, "aws", ACCOUNT) is None


def test_two_exact_names_stay_string_equals():
    condition = statement([DEFENDER, SENTINEL])["Condition"]
    assert condition == {"StringEquals": {AUD_KEY: AUDIENCE, "sts:RoleSessionName": sorted([DEFENDER, SENTINEL])}}


def test_a_pattern_moves_the_session_names_to_string_like_and_keeps_the_audience():
    condition = statement([SENTINEL, "MicrosoftDefenderForClouds_*"])["Condition"]
    assert condition == {
        "StringEquals": {AUD_KEY: AUDIENCE},
        "StringLike": {"sts:RoleSessionName": ["MicrosoftDefenderForClouds_*", SENTINEL]},
    }


def variants() -> list[tuple[str, dict]]:
    """Statements that mean the same as Microsoft's but are written differently."""
    base = statement()
    out = [
        ("sid", dict(copy.deepcopy(base), Sid="S3")),
        ("action-list", dict(copy.deepcopy(base), Action=["sts:AssumeRoleWithWebIdentity"])),
        ("principal-list", dict(copy.deepcopy(base), Principal={"Federated": [PROVIDER]})),
        (
            "condition-lists-and-key-case",
            dict(
                copy.deepcopy(base),
                Condition={"StringEquals": {AUD_KEY.upper(): [AUDIENCE], "STS:rolesessionname": [SENTINEL]}},
            ),
        ),
    ]
    return out


@pytest.mark.parametrize("name,written", variants(), ids=[case[0] for case in variants()])
def test_microsofts_statement_however_written_is_recognised(name, written):
    assert web_identity_session_names(written, "aws", ACCOUNT) == [SENTINEL]


@pytest.mark.parametrize(
    "change",
    [
        {"Principal": {"Federated": PROVIDER.replace(ACCOUNT, "111122223333")}},
        {"Principal": {"Federated": "accounts.google.com"}},
        {"Principal": {"Federated": PROVIDER, "AWS": "*"}},
        {"Action": "sts:AssumeRole"},
        {"Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]},
        {"Effect": "Deny"},
        {"Condition": {"StringEquals": {AUD_KEY: AUDIENCE}}},
        {"Condition": {"StringEquals": {"sts:RoleSessionName": SENTINEL}}},
        {"Condition": {"StringEquals": {AUD_KEY: "api://someone-else", "sts:RoleSessionName": SENTINEL}}},
        {"Condition": {"StringEquals": {AUD_KEY: [AUDIENCE, "api://x"], "sts:RoleSessionName": SENTINEL}}},
        {"Condition": {"StringEquals": {AUD_KEY: AUDIENCE}, "StringLike": {"sts:RoleSessionName": "*"}}},
        {"Condition": {"StringEquals": {AUD_KEY: AUDIENCE, "sts:RoleSessionName": "Microsoft*"}}},
        {"Condition": {"StringEquals": {AUD_KEY: AUDIENCE, "sts:RoleSessionName": SENTINEL, "aws:x": "y"}}},
        {"Condition": {"StringEquals": {AUD_KEY: AUDIENCE, "sts:RoleSessionName": SENTINEL}, "Bool": {"a": "b"}}},
        {
            "Condition": {
                "StringEquals": {AUD_KEY: AUDIENCE, "sts:RoleSessionName": SENTINEL},
                "StringLike": {"sts:RoleSessionName": "x*"},
            }
        },
        {"Resource": "*"},
    ],
    ids=[
        "other-account-provider",
        "other-provider",
        "extra-principal",
        "other-action",
        "extra-action",
        "deny",
        "no-session-name",
        "no-audience",
        "other-audience",
        "extra-audience",
        "wildcard-only-session-name",
        "pattern-under-string-equals",
        "extra-condition-key",
        "extra-operator",
        "session-name-twice",
        "extra-element",
    ],
)
def test_anything_else_is_not_a_sentinel_statement(change):
    assert web_identity_session_names(dict(statement(), **change), "aws", ACCOUNT) is None


def test_the_guard_wants_both_conditions_in_every_allow_statement():
    require_session_names(build_web_identity_trust("aws", ACCOUNT, [SENTINEL]), "aws", ACCOUNT, [SENTINEL])
    for condition in (
        {"StringEquals": {AUD_KEY: AUDIENCE}},
        {"StringEquals": {"sts:RoleSessionName": SENTINEL}},
        {"StringEquals": {AUD_KEY: AUDIENCE}, "StringLike": {"sts:RoleSessionName": "*"}},
    ):
        document = {"Version": "2012-10-17", "Statement": [dict(statement(), Condition=condition)]}
        with pytest.raises(UnsafeTrustPolicy, match="must let only .* with the conditions"):
            require_session_names(document, "aws", ACCOUNT, [SENTINEL])
    with pytest.raises(UnsafeTrustPolicy):
        require_session_names({"Statement": [statement(), EC2]}, "aws", ACCOUNT, [SENTINEL])
    with pytest.raises(UnsafeTrustPolicy, match="StringEquals"):
        require_session_names({"Statement": [statement([DEFENDER])]}, "aws", ACCOUNT, [SENTINEL])
    with pytest.raises(UnsafeTrustPolicy):
        require_session_names({"Statement": []}, "aws", ACCOUNT, [SENTINEL])


def test_the_kind_serves_exactly_its_session_names():
    document = {"Version": "2012-10-17", "Statement": [statement([DEFENDER]), EC2, statement()]}
    assert split_trust(document, S3_TRUST) == (sorted([DEFENDER, SENTINEL]), [EC2])
    assert S3_TRUST.wanted([DEFENDER, SENTINEL]) == [SENTINEL]
    assert S3_TRUST.build([SENTINEL]) == build_web_identity_trust("aws", ACCOUNT, [SENTINEL])
    assert all(S3_TRUST.offboarded(name) for name in (SENTINEL, DEFENDER))
    assert describe_statement(statement(), S3_TRUST).startswith("has the statement ")
    assert describe_statement(EC2, S3_TRUST) == "lets ec2.amazonaws.com assume it"


def test_the_kind_binds_the_account_of_the_role():
    unbound = WebIdentityTrust("aws", [SENTINEL, SENTINEL])
    bound = unbound.in_account(ACCOUNT)
    assert bound.session_names == [SENTINEL]
    assert bound.principals == {PROVIDER}
    assert bound.statement_keys(statement()) == [SENTINEL]
    assert unbound.in_account("111122223333").statement_keys(statement()) is None


def test_offboarding_keeps_other_statements_and_only_removes():
    before = {"Version": "2012-10-17", "Statement": [EC2, statement()]}
    after = narrowed_trust_policy(before, S3_TRUST, [])
    assert after == {"Version": "2012-10-17", "Statement": [EC2]}
    require_narrowed(before, after, S3_TRUST)
    with pytest.raises(UnsafeTrustPolicy, match="may only remove statements and session names"):
        require_narrowed({"Statement": [EC2, statement()]}, {"Statement": [EC2, statement([DEFENDER])]}, S3_TRUST)
