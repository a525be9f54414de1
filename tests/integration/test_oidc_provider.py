"""sentinel.aws.oidc_provider through ansible-playbook against moto's server in the sandbox.

State is read back from moto with the test's own client and the sandbox's request log; nothing is
mocked. AddClientID/RemoveClientID are the sandbox's own (moto 5 lacks them: tests/sandbox/README.md).
"""

from __future__ import annotations

import json
from typing import Any

from helpers.ansible_run import run_module, run_module_cases
from sandbox import Sandbox

ACCOUNT = "123456789012"
TENANT = "33e01921-4d64-4f8c-a055-5bdaffd5e33d"
URL = f"https://sts.windows.net/{TENANT}/"
AUDIENCE = "api://1462b192-27f7-4cb9-8523-0f4ecb54b47e"
ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/sts.windows.net/{TENANT}/"
GOV_TENANT = "cab8a31a-1906-4287-a0d8-4eef66b95f6e"
GOV_AUDIENCE = "api://d4230588-5f84-4281-a9c7-2c15194b28f7"
THUMBPRINT = "626D44E704D1CEABE3BF0D53397464AC8080142C"
MARKER = {"sentinel.aws:managed": "true"}
# What Defender for Cloud's template puts on the shared provider: its own client ID (a made-up
# value here), its thumbprint and tags. None of it may change.
DEFENDER = "api://00000000-defe-4der-8000-000000000001"
DEFENDER_THUMBPRINT = "9E99A48A9960B14926BB7F3B02E22DA2B0AB7280"
DEFENDER_TAGS = {"owner": "cspm"}
CONVERGED_READS = ["ListOpenIDConnectProviders", "GetOpenIDConnectProvider"]


def iam_actions(sandbox: Sandbox) -> list[str]:
    return [r["action"] for r in sandbox.aws.requests if r["service"] in ("iam", "sts")]


def write_actions(sandbox: Sandbox) -> list[str]:
    return [r["action"] for r in sandbox.aws.write_requests()]


def provider_state(sandbox: Sandbox, arn: str = ARN, region: str = "us-east-1") -> dict[str, Any] | None:
    """The provider as moto holds it: URL, client IDs, thumbprints, tags; None when there is none."""
    iam = sandbox.aws.client("iam", region=region)
    if arn not in [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]:
        return None
    found = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    return {
        "url": found["Url"],
        "client_ids": found["ClientIDList"],
        "thumbprints": found["ThumbprintList"],
        "tags": {t["Key"]: t["Value"] for t in found.get("Tags", [])},
    }


def make_provider(sandbox: Sandbox, client_ids: list[str], tags: dict[str, str], thumbprint: str) -> None:
    """A provider made by someone else (or by the module, with MARKER), straight on moto; the log is cleared."""
    sandbox.aws.client("iam").create_open_id_connect_provider(
        Url=URL,
        ClientIDList=client_ids,
        ThumbprintList=[thumbprint],
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    sandbox.aws.reset()


def defenders_provider(sandbox: Sandbox, *extra_client_ids: str) -> None:
    make_provider(sandbox, [DEFENDER, *extra_client_ids], DEFENDER_TAGS, DEFENDER_THUMBPRINT)


def trusting_role(sandbox: Sandbox, name: str, audience: str) -> str:
    """A web-identity role trusting the provider for ``audience``, as another workspace's S3 connector role is."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": ARN},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {f"sts.windows.net/{TENANT}/:aud": audience}},
            }
        ],
    }
    role = sandbox.aws.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(document))
    sandbox.aws.reset()
    return role["Role"]["Arn"]


# --- present -----------------------------------------------------------------------------------


def test_create_then_rerun_makes_two_reads_and_no_write(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    run = run_module("oidc_provider", {"tags": {"owner": "soc"}}, env=sandbox.env)
    assert run.changed and not run.failed, run.output
    assert iam_actions(sandbox) == ["ListOpenIDConnectProviders", "CreateOpenIDConnectProvider"]
    assert provider_state(sandbox) == {
        "url": URL.removeprefix("https://"),
        "client_ids": [AUDIENCE],
        "thumbprints": [THUMBPRINT],
        "tags": {"owner": "soc", **MARKER},
    }
    result = run.result
    assert (result["arn"], result["url"], result["client_ids"]) == (ARN, URL, [AUDIENCE])
    assert (result["thumbprints"], result["tags"], result["ownership"]) == (
        [THUMBPRINT],
        {"owner": "soc", **MARKER},
        "created",
    )

    sandbox.aws.reset()
    again = run_module("oidc_provider", {"tags": {"owner": "soc"}}, env=sandbox.env)
    assert not again.failed and not again.changed, again.output
    assert sandbox.aws.write_requests() == []
    assert iam_actions(sandbox) == CONVERGED_READS
    assert again.result["ownership"] == "ours"
    assert {k: again.result[k] for k in ("arn", "url", "client_ids", "thumbprints", "tags")} == {
        k: result[k] for k in ("arn", "url", "client_ids", "thumbprints", "tags")
    }


def test_defenders_provider_gets_our_audience_and_keeps_everything_else(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    defenders_provider(sandbox)
    run = run_module("oidc_provider", {"tags": {"owner": "soc"}}, env=sandbox.env, diff=True)
    assert run.changed and not run.failed, run.output
    assert write_actions(sandbox) == ["AddClientIDToOpenIDConnectProvider"]
    assert provider_state(sandbox) == {
        "url": URL.removeprefix("https://"),
        "client_ids": [DEFENDER, AUDIENCE],
        "thumbprints": [DEFENDER_THUMBPRINT],
        "tags": DEFENDER_TAGS,
    }
    assert run.result["ownership"] == "shared"
    assert run.result["client_ids"] == [DEFENDER, AUDIENCE]
    # Its tags are someone else's: ours are not applied, and the task says so.
    assert "tags were not applied" in run.output
    diff = run.result["diff"]
    assert diff["before"]["client_ids"] == [DEFENDER]
    assert diff["after"] == {**diff["before"], "client_ids": [DEFENDER, AUDIENCE]}

    sandbox.aws.reset()
    again = run_module("oidc_provider", {}, env=sandbox.env)
    assert not again.failed and not again.changed, again.output
    assert sandbox.aws.write_requests() == []


def test_our_provider_converges_its_tags(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_provider(sandbox, [AUDIENCE], {"old": "x", **MARKER}, THUMBPRINT)
    run = run_module("oidc_provider", {"tags": {"owner": "soc"}}, env=sandbox.env, diff=True)
    assert run.changed and not run.failed, run.output
    assert write_actions(sandbox) == ["UntagOpenIDConnectProvider", "TagOpenIDConnectProvider"]
    assert provider_state(sandbox)["tags"] == {"owner": "soc", **MARKER}
    assert run.result["diff"]["before"]["tags"] == {"old": "x", **MARKER}
    assert run.result["diff"]["after"]["tags"] == {"owner": "soc", **MARKER}


def test_check_mode_writes_nothing_and_shows_what_would_be(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    run = run_module("oidc_provider", {"aws_account_id": ACCOUNT}, env=sandbox.env, check=True, diff=True)
    assert run.changed and not run.failed, run.output
    assert sandbox.aws.write_requests() == []
    assert provider_state(sandbox) is None
    assert (run.result["arn"], run.result["ownership"]) == (ARN, "created")
    assert run.result["diff"] == {
        "before": {},
        "after": {"url": URL, "client_ids": [AUDIENCE], "thumbprints": [THUMBPRINT], "tags": MARKER},
    }

    defenders_provider(sandbox)
    shared = run_module("oidc_provider", {}, env=sandbox.env, check=True, diff=True)
    assert shared.changed and not shared.failed, shared.output
    assert sandbox.aws.write_requests() == []
    assert provider_state(sandbox)["client_ids"] == [DEFENDER]
    assert shared.result["diff"]["after"]["client_ids"] == [DEFENDER, AUDIENCE]


# --- absent ------------------------------------------------------------------------------------


def test_absent_on_a_shared_provider_removes_only_our_audience(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    defenders_provider(sandbox, AUDIENCE, "api://someone-else")
    check = run_module("oidc_provider", {"state": "absent"}, env=sandbox.env, check=True)
    assert check.changed and sandbox.aws.write_requests() == [], check.output

    run = run_module("oidc_provider", {"state": "absent"}, env=sandbox.env, diff=True)
    assert run.changed and not run.failed, run.output
    assert write_actions(sandbox) == ["RemoveClientIDFromOpenIDConnectProvider"]
    assert provider_state(sandbox) == {
        "url": URL.removeprefix("https://"),
        "client_ids": [DEFENDER, "api://someone-else"],
        "thumbprints": [DEFENDER_THUMBPRINT],
        "tags": DEFENDER_TAGS,
    }
    result = run.result
    assert (result["ownership"], result["provider_deleted"], result["in_use_by"]) == ("shared", False, [])
    assert result["diff"]["before"]["client_ids"] == [DEFENDER, AUDIENCE, "api://someone-else"]
    assert result["diff"]["after"]["client_ids"] == [DEFENDER, "api://someone-else"]

    sandbox.aws.reset()
    again = run_module("oidc_provider", {"state": "absent"}, env=sandbox.env)
    assert not again.failed and not again.changed, again.output
    assert sandbox.aws.write_requests() == []
    assert iam_actions(sandbox) == CONVERGED_READS


def test_absent_keeps_our_audience_while_another_role_trusts_the_provider_for_it(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_provider(sandbox, [AUDIENCE], MARKER, THUMBPRINT)
    trusting_role(sandbox, "OIDC_DefenderOnly", DEFENDER)  # another audience: no reason to keep ours
    other_workspace = trusting_role(sandbox, "OIDC_OtherWorkspace", AUDIENCE)

    run = run_module("oidc_provider", {"state": "absent"}, env=sandbox.env, diff=True)
    assert not run.failed and not run.changed, run.output
    assert sandbox.aws.write_requests() == []
    assert iam_actions(sandbox) == CONVERGED_READS + ["ListRoles"]
    assert run.result["in_use_by"] == [other_workspace]
    assert run.result["provider_deleted"] is False
    assert run.result["diff"]["before"] == run.result["diff"]["after"]
    assert "still trust the provider" in run.output
    assert provider_state(sandbox)["client_ids"] == [AUDIENCE]


def test_absent_deletes_our_provider_when_our_audience_is_its_only_client_id(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    created = run_module("oidc_provider", {}, env=sandbox.env)
    assert created.changed and not created.failed, created.output
    sandbox.aws.reset()

    check = run_module("oidc_provider", {"state": "absent"}, env=sandbox.env, check=True)
    assert check.changed and check.result["provider_deleted"], check.output
    assert sandbox.aws.write_requests() == []
    assert provider_state(sandbox) is not None

    run = run_module("oidc_provider", {"state": "absent"}, env=sandbox.env, diff=True)
    assert run.changed and not run.failed, run.output
    assert write_actions(sandbox) == ["DeleteOpenIDConnectProvider"]
    assert provider_state(sandbox) is None
    result = run.result
    assert (result["arn"], result["client_ids"], result["ownership"], result["provider_deleted"]) == (
        ARN,
        [],
        "ours",
        True,
    )
    assert result["diff"]["after"] == {} and result["diff"]["before"]["client_ids"] == [AUDIENCE]

    sandbox.aws.reset()
    gone = run_module("oidc_provider", {"state": "absent"}, env=sandbox.env)
    assert not gone.failed and not gone.changed, gone.output
    assert (gone.result["ownership"], gone.result["arn"]) == ("absent", None)
    assert iam_actions(sandbox) == ["ListOpenIDConnectProviders"]


def test_absent_never_deletes_a_provider_it_did_not_make(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_provider(sandbox, [AUDIENCE], {}, THUMBPRINT)  # Microsoft's template, by hand: no marker
    run = run_module("oidc_provider", {"state": "absent"}, env=sandbox.env)
    assert run.changed and not run.failed, run.output
    assert write_actions(sandbox) == ["RemoveClientIDFromOpenIDConnectProvider"]
    assert provider_state(sandbox) == {
        "url": URL.removeprefix("https://"),
        "client_ids": [],
        "thumbprints": [THUMBPRINT],
        "tags": {},
    }
    assert (run.result["ownership"], run.result["provider_deleted"]) == ("shared", False)


# --- GovCloud ----------------------------------------------------------------------------------


def test_govcloud_provider_has_the_govcloud_tenant_audience_and_partition(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    gov_arn = f"arn:aws-us-gov:iam::{ACCOUNT}:oidc-provider/sts.windows.net/{GOV_TENANT}/"
    args = {"aws_partition": "aws-us-gov", "region": "us-gov-west-1", "aws_account_id": ACCOUNT}
    run = run_module("oidc_provider", args, env=sandbox.env)
    assert run.changed and not run.failed, run.output
    assert (run.result["arn"], run.result["client_ids"]) == (gov_arn, [GOV_AUDIENCE])
    assert provider_state(sandbox, gov_arn, region="us-gov-west-1") == {
        "url": f"sts.windows.net/{GOV_TENANT}/",
        "client_ids": [GOV_AUDIENCE],
        "thumbprints": [THUMBPRINT],
        "tags": MARKER,
    }
    assert {r["region"] for r in sandbox.aws.requests} == {"us-gov-west-1"}
    assert provider_state(sandbox) is None  # nothing in the commercial partition

    sandbox.aws.reset()
    offboard = run_module("oidc_provider", dict(args, state="absent"), env=sandbox.env)
    assert offboard.changed and offboard.result["provider_deleted"], offboard.output
    assert write_actions(sandbox) == ["DeleteOpenIDConnectProvider"]
    assert provider_state(sandbox, gov_arn, region="us-gov-west-1") is None


# --- bad input and the account guard -----------------------------------------------------------


def test_bad_input_and_the_wrong_account_fail_naming_the_option_before_any_write(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    cases = [
        ({"aws_partition": "aws-cn"}, "aws_partition"),
        ({"aws_partition": "aws-us-gov"}, "aws_partition is 'aws-us-gov' but the region 'us-east-1'"),
        ({"aws_account_id": "12345"}, "aws_account_id must be an AWS account ID of exactly 12 digits"),
        ({"aws_account_id": "111111111111"}, "aws_account_id: the credentials act on AWS account 123456789012"),
        ({"tags": {"aws:owner": "x"}}, "tags keys must not start with the reserved prefix 'aws:'"),
        ({"tags": {"sentinel.aws:managed": "no"}}, "tags: sentinel.aws:managed=true is the marker"),
        ({"state": "gone"}, "state"),
    ]
    results = run_module_cases("oidc_provider", [args for args, _message in cases], env=sandbox.env)
    for (args, message), result in zip(cases, results, strict=True):
        assert result.get("failed") and message in result["msg"], (args, result)
    assert sandbox.aws.write_requests() == []
    assert provider_state(sandbox) is None

    defenders_provider(sandbox)
    guarded = run_module("oidc_provider", {"aws_account_id": "111111111111"}, env=sandbox.env)
    assert guarded.failed and "from the ARN of the OIDC identity provider" in guarded.msg, guarded.output
    assert sandbox.aws.write_requests() == []
