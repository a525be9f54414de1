"""connector_role acts only on what it made or what is recognisably a Sentinel role (issue 11).

Each test starts from a state the collection did not make, built straight on moto: a foreign role
that only shares the name, a role made by hand with Microsoft's procedure, a Sentinel role someone
edited. What the module may not change is proved from moto's request log
(``sandbox.aws.write_requests()``) and by reading the role back.
"""

from __future__ import annotations

import json
from typing import Any

from helpers.ansible_run import run_module, run_module_cases
from helpers.iam_state import iam_actions, role_state
from helpers.sandbox_state import sentinel_trust_policy
from sandbox import Sandbox

ROLE = "MicrosoftSentinelRole"
WS_A = "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"
WS_B = "0e6d2a4b-1c3f-4a5b-8c7d-9e0f1a2b3c4d"
CLOUDTRAIL_RO = "arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"
S3_FULL = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
DENY_ALL = "arn:aws:iam::aws:policy/AWSDenyAll"
MARKER = {"sentinel.aws:managed": "true"}
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def present(**overrides: Any) -> dict[str, Any]:
    return dict({"name": ROLE, "external_id": WS_A}, **overrides)


def absent(**overrides: Any) -> dict[str, Any]:
    return dict({"name": ROLE, "state": "absent"}, **overrides)


def condition_ids(role: dict[str, Any]) -> list[Any]:
    return [s["Condition"]["StringEquals"]["sts:ExternalId"] for s in role["AssumeRolePolicyDocument"]["Statement"]]


def writes(sandbox: Sandbox) -> list[str]:
    return [r["action"] for r in sandbox.aws.write_requests()]


def make_foreign_role(sandbox: Sandbox) -> dict[str, Any]:
    """A role for EC2 that only shares the Sentinel role's name: S3 rights, an inline policy, an instance profile."""
    iam = sandbox.aws.client("iam")
    iam.create_role(
        RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(EC2_TRUST), Tags=[{"Key": "app", "Value": "web"}]
    )
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=S3_FULL)
    iam.put_role_policy(RoleName=ROLE, PolicyName="web-logs", PolicyDocument=json.dumps(EVERYTHING))
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName=ROLE)
    state = role_state(sandbox, ROLE)
    sandbox.aws.reset()  # the request log only
    assert state is not None
    return state


def make_microsoft_procedure_role(sandbox: Sandbox, external_id: str = WS_A) -> dict[str, Any]:
    """The role as Microsoft's page has users make it in the console: no marker, the console's empty Sid."""
    iam = sandbox.aws.client("iam")
    trust = sentinel_trust_policy(external_id)
    trust["Statement"][0]["Sid"] = ""
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=CLOUDTRAIL_RO)
    state = role_state(sandbox, ROLE)
    sandbox.aws.reset()
    assert state is not None
    return state


def make_managed_role(sandbox: Sandbox, **args: Any) -> None:
    """A role the module made (it carries the marker); the log is cleared."""
    run = run_module("connector_role", present(**args), env=sandbox.env)
    assert run.changed and not run.failed and run.result["ownership"] == "created", run.output
    sandbox.aws.reset()


# --- a foreign role named like ours ------------------------------------------------------------------


def test_a_foreign_role_is_refused_before_any_write_naming_each_foreign_thing(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    before = make_foreign_role(sandbox)

    for check in (True, False):
        run = run_module("connector_role", present(), env=sandbox.env, check=check, diff=True)
        assert run.failed, run.output
        assert run.msg == (
            f"role {ROLE} is not a Sentinel role and was not made by sentinel.aws: its trust policy lets "
            f"ec2.amazonaws.com assume it; it carries the managed policy {S3_FULL}; it has the inline policy "
            "web-logs; nothing was changed. Set take_over: true to make it one anyway (this removes all of the "
            "above from it)"
        )
    assert writes(sandbox) == []
    assert role_state(sandbox, ROLE) == before


def test_offboarding_leaves_a_foreign_role_untouched_and_says_so(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    before = make_foreign_role(sandbox)

    run = run_module("connector_role", absent(external_id=WS_A), env=sandbox.env, diff=True)

    assert not run.failed and not run.changed, run.output
    assert writes(sandbox) == []
    assert role_state(sandbox, ROLE) == before
    assert run.result["ownership"] == "foreign"
    assert run.result["role_deleted"] is False
    assert run.result["left_behind"] == [
        "the trust statement " + json.dumps(EC2_TRUST["Statement"][0], sort_keys=True),
        f"the managed policy {S3_FULL}",
        "the inline policy web-logs",
        "the instance profile web",
    ]
    [warning] = run.result["warnings"]
    assert warning.startswith(f"role {ROLE} is not a Sentinel role and was not made by sentinel.aws; nothing was")


def test_take_over_converges_a_foreign_role_and_marks_it(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_foreign_role(sandbox)

    run = run_module("connector_role", present(take_over=True), env=sandbox.env, diff=True)

    assert run.changed and not run.failed, run.output
    assert run.result["ownership"] == "taken_over"
    role = role_state(sandbox, ROLE)
    assert condition_ids(role) == [WS_A]
    assert role["AttachedPolicies"] == [CLOUDTRAIL_RO]
    assert role["InlinePolicies"] == []
    assert role["TagDict"] == dict(app="web", **MARKER)
    diff = run.result["diff"]
    assert (diff["before"]["inline_policies"], diff["after"]["inline_policies"]) == (["web-logs"], [])
    assert diff["before"]["external_ids"] == [] and diff["after"]["external_ids"] == [WS_A]

    sandbox.aws.reset()
    again = run_module("connector_role", present(), env=sandbox.env)
    assert not again.changed and again.result["ownership"] == "managed", again.output
    assert writes(sandbox) == []


def test_take_over_on_absent_deletes_the_role_with_everything_on_it(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_foreign_role(sandbox)

    run = run_module("connector_role", absent(take_over=True), env=sandbox.env)

    assert run.changed and not run.failed, run.output
    assert (run.result["role_deleted"], run.result["ownership"], run.result["left_behind"]) == (True, "taken_over", [])
    assert role_state(sandbox, ROLE) is None
    assert writes(sandbox) == ["DetachRolePolicy", "DeleteRolePolicy", "RemoveRoleFromInstanceProfile", "DeleteRole"]


# --- adoption of a hand-made Sentinel role --------------------------------------------------------------


def test_a_role_made_with_microsofts_procedure_is_adopted_by_adding_the_marker_only(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    before = make_microsoft_procedure_role(sandbox)

    run = run_module("connector_role", present(), env=sandbox.env, diff=True)

    assert run.changed and not run.failed, run.output
    assert run.result["ownership"] == "adopted"
    assert writes(sandbox) == ["TagRole"]
    after = role_state(sandbox, ROLE)
    assert after["TagDict"] == MARKER
    assert after["AssumeRolePolicyDocument"] == before["AssumeRolePolicyDocument"]  # the Sid stays
    assert after["AttachedPolicies"] == before["AttachedPolicies"]
    diff = run.result["diff"]
    assert (diff["before"]["tags"], diff["after"]["tags"]) == ({}, MARKER)
    assert {k for k in diff["before"] if diff["before"][k] != diff["after"][k]} == {"tags"}

    sandbox.aws.reset()
    again = run_module("connector_role", present(), env=sandbox.env)
    assert not again.changed and not again.failed, again.output
    assert again.result["ownership"] == "managed"
    assert iam_actions(sandbox) == ["GetRole", "ListAttachedRolePolicies", "ListRolePolicies"]


# --- drift on a role the module manages -----------------------------------------------------------------


def test_drift_shows_in_check_diff_and_is_repaired(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_managed_role(sandbox)
    iam = sandbox.aws.client("iam")
    iam.put_role_policy(RoleName=ROLE, PolicyName="everything", PolicyDocument=json.dumps(EVERYTHING))
    iam.put_role_permissions_boundary(RoleName=ROLE, PermissionsBoundary=DENY_ALL)
    drifted = role_state(sandbox, ROLE)
    sandbox.aws.reset()

    check = run_module("connector_role", present(), env=sandbox.env, check=True, diff=True)

    assert check.changed and not check.failed, check.output
    assert check.result["ownership"] == "managed"
    assert writes(sandbox) == []
    assert role_state(sandbox, ROLE) == drifted
    before, after = check.result["diff"]["before"], check.result["diff"]["after"]
    assert (before["inline_policies"], after["inline_policies"]) == (["everything"], [])
    assert (before["permissions_boundary"], after["permissions_boundary"]) == (DENY_ALL, None)

    sandbox.aws.reset()
    real = run_module("connector_role", present(), env=sandbox.env, diff=True)
    assert real.changed and not real.failed, real.output
    assert real.result["diff"] == check.result["diff"]
    assert sorted(writes(sandbox)) == ["DeleteRolePermissionsBoundary", "DeleteRolePolicy"]
    repaired = role_state(sandbox, ROLE)
    assert repaired["InlinePolicies"] == [] and "PermissionsBoundary" not in repaired
    assert repaired["AttachedPolicies"] == [CLOUDTRAIL_RO]

    sandbox.aws.reset()
    again = run_module("connector_role", present(), env=sandbox.env)
    assert not again.changed, again.output
    assert writes(sandbox) == []


def test_the_same_extras_on_an_unmarked_role_make_it_foreign(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_microsoft_procedure_role(sandbox)
    iam = sandbox.aws.client("iam")
    iam.put_role_policy(RoleName=ROLE, PolicyName="everything", PolicyDocument=json.dumps(EVERYTHING))
    iam.put_role_permissions_boundary(RoleName=ROLE, PermissionsBoundary=DENY_ALL)
    sandbox.aws.reset()

    run = run_module("connector_role", present(), env=sandbox.env)

    assert run.failed
    assert "it has the inline policy everything; its permissions boundary is " + DENY_ALL in run.msg
    assert writes(sandbox) == []


# --- several workspaces on one role ---------------------------------------------------------------------


def test_two_workspaces_share_the_role_and_offboard_one_at_a_time(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_managed_role(sandbox, external_id=WS_A)

    for_b = run_module("connector_role", present(external_id=WS_B), env=sandbox.env, diff=True)
    assert for_b.changed and not for_b.failed, for_b.output
    assert writes(sandbox) == ["UpdateAssumeRolePolicy"]
    assert condition_ids(role_state(sandbox, ROLE)) == [sorted([WS_A, WS_B])]
    assert for_b.result["role"]["external_ids"] == sorted([WS_A, WS_B])
    assert (for_b.result["diff"]["before"]["external_ids"], for_b.result["diff"]["after"]["external_ids"]) == (
        [WS_A],
        sorted([WS_A, WS_B]),
    )

    for workspace in (WS_A, WS_B):  # neither run undoes the other
        sandbox.aws.reset()
        rerun = run_module("connector_role", present(external_id=workspace), env=sandbox.env)
        assert not rerun.changed and not rerun.failed, rerun.output
        assert writes(sandbox) == []

    sandbox.aws.reset()
    off_b = run_module("connector_role", absent(external_id=WS_B), env=sandbox.env)
    assert off_b.changed and not off_b.failed, off_b.output
    assert writes(sandbox) == ["UpdateAssumeRolePolicy"]
    role = role_state(sandbox, ROLE)
    assert condition_ids(role) == [WS_A]
    assert role["AttachedPolicies"] == [CLOUDTRAIL_RO] and role["TagDict"] == MARKER
    assert (off_b.result["role_deleted"], off_b.result["ownership"]) == (False, "managed")
    assert off_b.result["left_behind"] == [f"the trust for workspace ID {WS_A}", f"the managed policy {CLOUDTRAIL_RO}"]
    assert off_b.result.get("warnings", []) == []

    sandbox.aws.reset()
    off_a = run_module("connector_role", absent(external_id=WS_A), env=sandbox.env)
    assert off_a.changed and not off_a.failed, off_a.output
    assert (off_a.result["role_deleted"], off_a.result["left_behind"]) == (True, [])
    assert writes(sandbox) == ["DetachRolePolicy", "DeleteRole"]
    assert role_state(sandbox, ROLE) is None


# --- offboarding keeps what it did not put there ----------------------------------------------------------


def test_a_sentinel_role_with_an_extra_policy_is_kept_and_the_extra_named(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_managed_role(sandbox)
    sandbox.aws.client("iam").attach_role_policy(RoleName=ROLE, PolicyArn=ADMIN)
    trust = role_state(sandbox, ROLE)["AssumeRolePolicyDocument"]
    sandbox.aws.reset()

    run = run_module("connector_role", absent(external_id=WS_A), env=sandbox.env, diff=True)

    assert run.changed and not run.failed, run.output
    assert run.result["role_deleted"] is False
    assert run.result["left_behind"] == [
        f"the trust for workspace ID {WS_A} (kept: a trust policy needs a statement; delete the role to remove it)",
        f"the managed policy {ADMIN}",
    ]
    [warning] = run.result["warnings"]
    assert warning.startswith(f"role {ROLE} was not deleted") and ADMIN in warning
    assert writes(sandbox) == ["DetachRolePolicy", "UntagRole"]
    role = role_state(sandbox, ROLE)
    assert role["AttachedPolicies"] == [ADMIN]
    assert role["TagDict"] == {}
    assert role["AssumeRolePolicyDocument"] == trust
    assert run.result["role"]["attached_policies"] == [ADMIN]


def test_offboarding_drops_only_sentinels_statement_when_others_remain(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_managed_role(sandbox)
    iam = sandbox.aws.client("iam")
    trust = role_state(sandbox, ROLE)["AssumeRolePolicyDocument"]
    trust["Statement"] += EC2_TRUST["Statement"]
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(trust))
    sandbox.aws.reset()

    run = run_module("connector_role", absent(), env=sandbox.env)

    assert run.changed and not run.failed, run.output
    assert writes(sandbox) == ["UpdateAssumeRolePolicy", "DetachRolePolicy", "UntagRole"]
    role = role_state(sandbox, ROLE)
    assert role["AssumeRolePolicyDocument"]["Statement"] == EC2_TRUST["Statement"]
    assert role["AttachedPolicies"] == []
    assert run.result["left_behind"] == ["the trust statement " + json.dumps(EC2_TRUST["Statement"][0], sort_keys=True)]


def test_offboarding_in_check_mode_writes_nothing(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_managed_role(sandbox)
    before = role_state(sandbox, ROLE)
    sandbox.aws.reset()

    run = run_module("connector_role", absent(external_id=WS_A), env=sandbox.env, check=True, diff=True)

    assert run.changed and not run.failed, run.output
    assert run.result["role_deleted"] is True
    assert writes(sandbox) == []
    assert role_state(sandbox, ROLE) == before


def test_a_path_mismatch_is_refused_in_absent_before_any_write(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    make_managed_role(sandbox)

    run = run_module("connector_role", absent(path="/sentinel/"), env=sandbox.env)

    assert run.failed
    assert run.msg.startswith(f"path: the role {ROLE} exists with path '/'"), run.msg
    assert writes(sandbox) == []
    assert role_state(sandbox, ROLE) is not None


# --- IAM's tag rules on an existing role ------------------------------------------------------------------

TAG_CASES = [
    ({"tags": {"Team": "a", "team": "b"}}, "tags keys 'Team' and 'team' differ only in case"),
    ({"tags": {"owner": "soc\nteam"}}, "tags keys and values may hold only letters"),
    ({"tags": {"own\ter": "soc"}}, "tags keys and values may hold only letters"),
    (
        {"tags": {"env": "dev"}, "purge_tags": False},
        "tags: the key 'env' differs only in case from the role's tag 'Env'",
    ),
    (
        # 45 on the role (with the marker), 6 more.
        {"tags": {f"new{i}": "v" for i in range(6)}, "purge_tags": False},
        "tags: the role would carry 51 tags (7 asked for, 44 others it keeps); IAM allows at most 50 per role",
    ),
    ({"tags": {f"new{i}": "v" for i in range(50)}}, "tags: the role would carry 51 tags (51 asked for, 0 others"),
]


def test_bad_tags_are_refused_before_the_trust_or_anything_else_is_written(clean_sandbox: Sandbox):
    """Each case would otherwise need a trust write (a new workspace, purged) before TagRole failed."""
    sandbox = clean_sandbox
    make_managed_role(sandbox, tags=dict({"Env": "prod"}, **{f"k{i}": "v" for i in range(43)}))
    before = role_state(sandbox, ROLE)
    assert len(before["TagDict"]) == 45  # with the marker
    sandbox.aws.reset()
    outcomes = run_module_cases(
        "connector_role",
        [present(external_id=WS_B, purge_external_ids=True, **args) for args, _message in TAG_CASES],
        env=sandbox.env,
    )
    for (args, message), outcome in zip(TAG_CASES, outcomes, strict=True):
        assert outcome.get("failed") and not outcome.get("changed"), (args, outcome)
        assert outcome["msg"].startswith(message), (args, outcome["msg"])
    assert writes(sandbox) == []
    assert role_state(sandbox, ROLE) == before
