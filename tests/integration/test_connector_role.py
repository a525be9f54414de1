"""sentinel.aws.connector_role through ansible-playbook against moto's server in the sandbox.

Every assertion reads the state back from moto (``sandbox.aws.client("iam")``) or the sandbox's
request log; nothing is mocked. The module reaches moto through AWS_ENDPOINT_URL, like a user of
a proxy or emulator would.
"""

from __future__ import annotations

import json
from typing import Any

from helpers.ansible_run import run_module, run_module_cases
from helpers.iam_state import iam_actions, role_state
from helpers.sandbox_state import sentinel_trust_policy
from sandbox import Sandbox
from sandbox.aws import credentials_for

ROLE = "SentinelRole"
WS = "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"
WS2 = "0e6d2a4b-1c3f-4a5b-8c7d-9e0f1a2b3c4d"
MS_ROOT = "arn:aws:iam::197857026523:root"
CLOUDTRAIL_RO = "arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"
LEGACY_RO = "arn:aws:iam::aws:policy/AWSCloudTrailReadOnlyAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
MARKER = {"sentinel.aws:managed": "true"}
CONVERGED_READS = ["GetRole", "ListAttachedRolePolicies", "ListRolePolicies"]


def role_args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"name": ROLE, "external_id": WS}
    args.update(overrides)
    return args


def moto_role(sandbox: Sandbox) -> dict[str, Any] | None:
    return role_state(sandbox, ROLE)


def external_ids(document: dict[str, Any]) -> list[Any]:
    return [s["Condition"]["StringEquals"]["sts:ExternalId"] for s in document["Statement"]]


def create(sandbox: Sandbox, tags: dict[str, str] | None = None, **role: Any) -> None:
    """A converged role as the module makes it (with its marker tag), straight on moto; the log is cleared."""
    iam = sandbox.aws.client("iam")
    document = sentinel_trust_policy(WS, MS_ROOT)
    extra = {"Tags": [{"Key": k, "Value": v} for k, v in dict(tags or {}, **MARKER).items()]}
    if "description" in role:
        extra["Description"] = role["description"]
    if "max_session_duration" in role:
        extra["MaxSessionDuration"] = role["max_session_duration"]
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(document), **extra)
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=CLOUDTRAIL_RO)
    sandbox.aws.reset()  # clear the request log, keep moto's state


# --- create, converge, re-run -----------------------------------------------------------------


def test_create_then_rerun_makes_three_reads_and_no_write(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    run = run_module("connector_role", role_args(tags={"owner": "soc"}, description="Sentinel"), env=sandbox.env)
    assert run.changed and not run.failed, run.output
    # CreateRole carried tags and description in one call; the policy was checked before it.
    assert iam_actions(sandbox) == ["GetRole", "GetPolicy", "CreateRole", "AttachRolePolicy"]

    role = moto_role(sandbox)
    assert role is not None
    [statement] = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"AWS": MS_ROOT}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": WS}}
    assert role["AttachedPolicies"] == [CLOUDTRAIL_RO]
    assert role["TagDict"] == {"owner": "soc", **MARKER}
    assert role["Description"] == "Sentinel"
    result = run.result["role"]
    assert result["arn"] == role["Arn"] == f"arn:aws:iam::{sandbox.env['SANDBOX_AWS_ACCOUNT_ID']}:role/{ROLE}"
    assert result["role_id"] == role["RoleId"]
    assert result["attached_policies"] == [CLOUDTRAIL_RO]
    assert result["tags"] == {"owner": "soc", **MARKER}
    assert (result["external_ids"], result["inline_policies"]) == ([WS], [])
    assert run.result["ownership"] == "created"

    sandbox.aws.reset()
    again = run_module("connector_role", role_args(tags={"owner": "soc"}, description="Sentinel"), env=sandbox.env)
    assert not again.failed and not again.changed, again.output
    assert sandbox.aws.write_requests() == []
    # Inline policies are not in GetRole's answer: the third read is what lets drift be seen.
    assert iam_actions(sandbox) == CONVERGED_READS
    assert [r for r in sandbox.aws.requests if r["service"] != "iam"] == []
    assert again.result["role"] == {**result, "trust_policy": again.result["role"]["trust_policy"]}
    assert again.result["ownership"] == "managed"


def test_trust_policy_written_differently_is_left_alone(clean_sandbox: Sandbox):
    """A hand-made role whose trust policy means the same (lists, account ID) is not rewritten."""
    sandbox = clean_sandbox
    iam = sandbox.aws.client("iam")
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Principal": {"AWS": ["197857026523"]},
                "Effect": "Allow",
                "Condition": {"StringEquals": {"sts:ExternalId": [WS]}},
                "Action": ["sts:AssumeRole"],
            }
        ],
    }
    iam.create_role(
        RoleName=ROLE,
        AssumeRolePolicyDocument=json.dumps(document),
        Tags=[{"Key": k, "Value": v} for k, v in MARKER.items()],
    )
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=CLOUDTRAIL_RO)
    sandbox.aws.reset()

    run = run_module("connector_role", role_args(), env=sandbox.env)
    assert not run.failed and not run.changed, run.output
    assert sandbox.aws.write_requests() == []


def test_purge_external_ids_replaces_the_trust_policy_with_diff(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    create(sandbox)
    run = run_module("connector_role", role_args(external_id=WS2, purge_external_ids=True), env=sandbox.env, diff=True)
    assert run.changed and not run.failed, run.output
    assert external_ids(moto_role(sandbox)["AssumeRolePolicyDocument"]) == [WS2]
    assert [r["action"] for r in sandbox.aws.write_requests()] == ["UpdateAssumeRolePolicy"]
    diff = run.result["diff"]
    assert set(diff["before"]) == set(diff["after"]) >= {"trust_policy", "managed_policies", "tags"}
    assert external_ids(diff["before"]["trust_policy"]) == [WS]
    assert external_ids(diff["after"]["trust_policy"]) == [WS2]
    assert diff["before"]["managed_policies"] == diff["after"]["managed_policies"] == [CLOUDTRAIL_RO]


def test_tags_purge_and_no_purge(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    create(sandbox, tags={"owner": "soc", "env": "prod"})

    kept = run_module("connector_role", role_args(tags={"env": "dev"}, purge_tags=False), env=sandbox.env, diff=True)
    assert kept.changed and not kept.failed, kept.output
    assert moto_role(sandbox)["TagDict"] == {"owner": "soc", "env": "dev", **MARKER}
    assert kept.result["diff"]["after"]["tags"] == {"owner": "soc", "env": "dev", **MARKER}
    assert [r["action"] for r in sandbox.aws.write_requests()] == ["TagRole"]

    sandbox.aws.reset()
    untouched = run_module("connector_role", role_args(), env=sandbox.env)  # tags omitted: left alone
    assert not untouched.changed, untouched.output
    assert moto_role(sandbox)["TagDict"] == {"owner": "soc", "env": "dev", **MARKER}

    # Purged, except the marker: it is part of every desired set of tags.
    purged = run_module("connector_role", role_args(tags={"team": "blue"}), env=sandbox.env)
    assert purged.changed and not purged.failed, purged.output
    assert moto_role(sandbox)["TagDict"] == {"team": "blue", **MARKER}
    assert purged.result["role"]["tags"] == {"team": "blue", **MARKER}
    assert sorted(r["action"] for r in sandbox.aws.write_requests()) == ["TagRole", "UntagRole"]


def test_policies_purge_and_no_purge(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    create(sandbox)
    sandbox.aws.client("iam").attach_role_policy(RoleName=ROLE, PolicyArn=READ_ONLY)
    sandbox.aws.reset()

    kept = run_module("connector_role", role_args(purge_policies=False), env=sandbox.env)
    assert not kept.changed and not kept.failed, kept.output
    assert moto_role(sandbox)["AttachedPolicies"] == sorted([CLOUDTRAIL_RO, READ_ONLY])
    assert sandbox.aws.write_requests() == []

    purged = run_module("connector_role", role_args(), env=sandbox.env, diff=True)
    assert purged.changed and not purged.failed, purged.output
    assert moto_role(sandbox)["AttachedPolicies"] == [CLOUDTRAIL_RO]
    assert purged.result["diff"]["before"]["managed_policies"] == sorted([CLOUDTRAIL_RO, READ_ONLY])
    assert purged.result["diff"]["after"]["managed_policies"] == [CLOUDTRAIL_RO]
    assert [r["action"] for r in sandbox.aws.write_requests()] == ["DetachRolePolicy"]


def _seed_legacy_policy(sandbox: Sandbox) -> None:
    """Give moto the pre-2022 CloudTrail policy, which AWS keeps for roles that still have it.

    moto's AWS policy list has only the new name (as AWS lets only that one be attached now), so
    the old one is added to moto's in-process IAM backend to reproduce a role set up years ago.
    """
    from moto.iam.models import AWSManagedPolicy, iam_backends

    sandbox.aws.client("iam").list_roles()  # builds the account's IAM backend
    backend = iam_backends[sandbox.env["SANDBOX_AWS_ACCOUNT_ID"]]["global"]
    current = backend.managed_policies[CLOUDTRAIL_RO]
    data = {
        "DefaultVersionId": "v1",
        "Path": "/",
        "Document": json.loads(current.versions[-1].document) if hasattr(current, "versions") else {},
        "CreateDate": "2015-02-06T18:40:00+00:00",
        "UpdateDate": "2015-02-06T18:40:00+00:00",
    }
    legacy = AWSManagedPolicy.from_data("AWSCloudTrailReadOnlyAccess", backend.account_id, "us-east-1", data)
    backend.managed_policies[legacy.arn] = legacy


def test_role_with_the_old_policy_is_migrated(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    _seed_legacy_policy(sandbox)
    iam = sandbox.aws.client("iam")
    document = json.dumps(sentinel_trust_policy(WS, MS_ROOT))
    iam.create_role(
        RoleName=ROLE, AssumeRolePolicyDocument=document, Tags=[{"Key": k, "Value": v} for k, v in MARKER.items()]
    )
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=LEGACY_RO)
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=READ_ONLY)
    sandbox.aws.reset()

    # The old name as input, and purge off: the new policy replaces the old one, others stay
    # (on a role the module manages; on any other role, ReadOnlyAccess would make it foreign).
    run = run_module(
        "connector_role",
        role_args(managed_policies=["AWSCloudTrailReadOnlyAccess"], purge_policies=False),
        env=sandbox.env,
    )
    assert run.changed and not run.failed, run.output
    assert any("AWSCloudTrail_ReadOnlyAccess" in w for w in run.result.get("warnings", [])), run.result
    assert moto_role(sandbox)["AttachedPolicies"] == sorted([CLOUDTRAIL_RO, READ_ONLY])
    # Attach before detach: the role never lacks CloudTrail read access.
    assert [r["action"] for r in sandbox.aws.write_requests()] == ["AttachRolePolicy", "DetachRolePolicy"]


def test_description_session_duration_and_boundary(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    create(sandbox, description="one", max_session_duration=3600)
    run = run_module(
        "connector_role",
        role_args(description="two", max_session_duration=7200, permissions_boundary=READ_ONLY),
        env=sandbox.env,
    )
    assert run.changed and not run.failed, run.output
    role = moto_role(sandbox)
    assert (role["Description"], role["MaxSessionDuration"]) == ("two", 7200)
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == READ_ONLY
    assert run.result["role"]["permissions_boundary"] == READ_ONLY

    sandbox.aws.reset()
    removed = run_module("connector_role", role_args(permissions_boundary=""), env=sandbox.env)
    assert removed.changed and not removed.failed, removed.output
    assert "PermissionsBoundary" not in moto_role(sandbox)
    assert [r["action"] for r in sandbox.aws.write_requests()] == ["DeleteRolePermissionsBoundary"]


def test_path_of_an_existing_role_cannot_change(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    create(sandbox)
    run = run_module("connector_role", role_args(path="/sentinel/", tags={"x": "y"}), env=sandbox.env)
    assert run.failed
    assert run.msg.startswith("path: the role SentinelRole exists with path '/'")
    assert sandbox.aws.write_requests() == []
    assert moto_role(sandbox)["Path"] == "/"


# --- check mode ---------------------------------------------------------------------------------


def test_check_mode_create_writes_nothing_and_shows_the_role(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    run = run_module("connector_role", role_args(tags={"owner": "soc"}), env=sandbox.env, check=True, diff=True)
    assert run.changed and not run.failed, run.output
    assert sandbox.aws.write_requests() == []
    assert moto_role(sandbox) is None
    role = run.result["role"]
    assert role["arn"] == f"arn:aws:iam::{sandbox.env['SANDBOX_AWS_ACCOUNT_ID']}:role/{ROLE}"
    assert role["role_id"] is None
    assert role["attached_policies"] == [CLOUDTRAIL_RO]
    diff = run.result["diff"]
    assert diff["before"] == {}
    assert diff["after"]["tags"] == {"owner": "soc", **MARKER}
    assert external_ids(diff["after"]["trust_policy"]) == [WS]
    assert run.result["ownership"] == "created"


def test_check_mode_on_an_existing_role_writes_nothing(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    create(sandbox, tags={"owner": "soc"})
    before = moto_role(sandbox)
    sandbox.aws.reset()
    run = run_module(
        "connector_role",
        role_args(external_id=WS2, tags={"team": "blue"}, managed_policies=[READ_ONLY]),
        env=sandbox.env,
        check=True,
        diff=True,
    )
    assert run.changed and not run.failed, run.output
    assert sandbox.aws.write_requests() == []
    assert moto_role(sandbox) == before
    diff = run.result["diff"]
    assert diff["after"]["tags"] == {"team": "blue", **MARKER}
    assert diff["after"]["managed_policies"] == [READ_ONLY]
    assert external_ids(diff["after"]["trust_policy"]) == [sorted([WS, WS2])]
    assert diff["after"]["external_ids"] == sorted([WS, WS2])
    assert diff["before"]["tags"] == {"owner": "soc", **MARKER}


# --- absent ---------------------------------------------------------------------------------------


def test_absent_with_take_over_removes_everything_then_is_unchanged(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    create(sandbox)
    iam = sandbox.aws.client("iam")
    iam.put_role_policy(
        RoleName=ROLE,
        PolicyName="inline",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
        ),
    )
    iam.create_instance_profile(InstanceProfileName="profile")
    iam.add_role_to_instance_profile(InstanceProfileName="profile", RoleName=ROLE)
    sandbox.aws.reset()

    # Without take_over the inline policy and the instance profile would keep the role (see
    # test_connector_role_ownership.py); with it, everything goes.
    gone = run_module(
        "connector_role", {"name": ROLE, "state": "absent", "take_over": True}, env=sandbox.env, diff=True
    )
    assert gone.changed and not gone.failed, gone.output
    assert (gone.result["role_deleted"], gone.result["left_behind"]) == (True, [])
    assert moto_role(sandbox) is None
    assert iam.get_instance_profile(InstanceProfileName="profile")["InstanceProfile"]["Roles"] == []
    assert [r["action"] for r in sandbox.aws.write_requests()] == [
        "DetachRolePolicy",
        "DeleteRolePolicy",
        "RemoveRoleFromInstanceProfile",
        "DeleteRole",
    ]
    assert gone.result["diff"]["after"] == {}
    assert gone.result["diff"]["before"]["managed_policies"] == [CLOUDTRAIL_RO]
    assert gone.result["role"] == {}

    sandbox.aws.reset()
    again = run_module("connector_role", {"name": ROLE, "state": "absent"}, env=sandbox.env)
    assert not again.changed and not again.failed, again.output
    assert (again.result["ownership"], again.result["role_deleted"]) == ("none", False)
    assert sandbox.aws.write_requests() == []


def test_absent_in_check_mode_keeps_the_role(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    create(sandbox)
    run = run_module("connector_role", {"name": ROLE, "state": "absent"}, env=sandbox.env, check=True)
    assert run.changed and not run.failed, run.output
    assert moto_role(sandbox) is not None
    assert sandbox.aws.write_requests() == []


# --- account guard, faults, bad input --------------------------------------------------------------


def test_wrong_account_before_create_fails_without_writing(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    keys = credentials_for("111122223333")
    env = dict(
        sandbox.env, AWS_ACCESS_KEY_ID=keys["aws_access_key_id"], AWS_SECRET_ACCESS_KEY=keys["aws_secret_access_key"]
    )
    run = run_module("connector_role", role_args(account_id="123456789012"), env=env)
    assert run.failed
    assert run.msg.startswith("account_id: the credentials act on AWS account 111122223333")
    assert sandbox.aws.write_requests() == []
    assert ("sts", "GetCallerIdentity") in {(r["service"], r["action"]) for r in sandbox.aws.requests}
    assert moto_role(sandbox) is None
    assert sandbox.aws.client("iam", account_id="111122223333").list_roles()["Roles"] == []


def test_right_account_on_a_converged_role_costs_no_call(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    create(sandbox)
    ok = run_module("connector_role", role_args(account_id=sandbox.env["SANDBOX_AWS_ACCOUNT_ID"]), env=sandbox.env)
    assert not ok.changed and not ok.failed, ok.output
    assert iam_actions(sandbox) == CONVERGED_READS
    assert [r for r in sandbox.aws.requests if r["service"] == "sts"] == []

    sandbox.aws.reset()
    wrong = run_module("connector_role", role_args(account_id="111122223333", tags={"x": "y"}), env=sandbox.env)
    assert wrong.failed
    assert "account_id" in wrong.msg and "111122223333" in wrong.msg
    assert sandbox.aws.write_requests() == []


def test_throttled_write_is_retried_and_converges(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    sandbox.aws.add_fault(action="CreateRole", status=400, code="Throttling", message="Rate exceeded", times=2)
    sandbox.aws.add_fault(action="AttachRolePolicy", status=503, code="ServiceUnavailable", message="busy", times=1)
    # botocore's own retries off, so what converges here is the module's AWSRetry policy.
    run = run_module("connector_role", role_args(aws_config={"retries": {"max_attempts": 1}}), env=sandbox.env)
    assert run.changed and not run.failed, run.output
    statuses = [
        (r["action"], r["status"]) for r in sandbox.aws.requests if r["action"] in ("CreateRole", "AttachRolePolicy")
    ]
    assert statuses == [
        ("CreateRole", 400),
        ("CreateRole", 400),
        ("CreateRole", 200),
        ("AttachRolePolicy", 503),
        ("AttachRolePolicy", 200),
    ]
    assert moto_role(sandbox)["AttachedPolicies"] == [CLOUDTRAIL_RO]


def test_missing_policy_fails_before_the_role_exists(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    run = run_module("connector_role", role_args(managed_policies=["NoSuchPolicyForSentinel"]), env=sandbox.env)
    assert run.failed
    assert run.msg.startswith(
        "managed_policies: the policy arn:aws:iam::aws:policy/NoSuchPolicyForSentinel does not exist"
    )
    assert sandbox.aws.write_requests() == []
    assert moto_role(sandbox) is None


BAD_INPUT = [
    ({"account_id": "12345"}, "account_id must be an AWS account ID of exactly 12 digits"),
    ({"microsoft_account_id": "19785702652x"}, "microsoft_account_id must be an AWS account ID of exactly 12 digits"),
    ({"external_id": "law-sentinel"}, "external_id must be a GUID"),
    ({"name": "x" * 65}, "name must be an IAM role name of 1 to 64 characters"),
    ({"name": "bad/name"}, "name must be an IAM role name of 1 to 64 characters"),
    ({"path": "sentinel/"}, "path must be an IAM path that starts and ends with '/'"),
    ({"permissions_boundary": "ReadOnlyAccess"}, "permissions_boundary must be an IAM policy ARN"),
    ({"tags": {f"k{i}": "v" for i in range(51)}}, "tags may hold at most 50 tags"),
    ({"tags": {"k" * 129: "v"}}, "tags keys must be 1 to 128 characters"),
    ({"tags": {"k": "v" * 257}}, "tags values must be at most 256 characters"),
    ({"tags": {"aws:owner": "v"}}, "tags keys must not start with the reserved prefix 'aws:'"),
    ({"tags": {"owner": "soc\nteam"}}, "tags keys and values may hold only letters, digits, spaces"),
    ({"tags": {"own\ter": "soc"}}, "tags keys and values may hold only letters, digits, spaces"),
    ({"tags": {"Env": "a", "env": "b"}}, "tags keys 'Env' and 'env' differ only in case"),
    ({"tags": {f"k{i}": "v" for i in range(50)}}, "tags: the role would carry 51 tags"),  # 50 and the marker
    ({"tags": {"sentinel.aws:managed": "false"}}, "tags: sentinel.aws:managed=true is the marker"),
    ({"state": "absent", "external_id": "law-sentinel"}, "external_id must be a GUID"),
    ({"max_session_duration": 43201}, "max_session_duration must be a number of seconds between 3600 and 43200"),
    ({"max_session_duration": 3599}, "max_session_duration must be a number of seconds between 3600 and 43200"),
    ({"region": "us-gov-west-1"}, "the Sentinel CloudTrail (legacy) connector supports only AWS commercial"),
    ({"region": "cn-north-1"}, "the Sentinel CloudTrail (legacy) connector supports only AWS commercial"),
    ({"external_id": None}, "state is present but all of the following are missing: external_id"),
]


def test_bad_input_fails_before_any_call(clean_sandbox: Sandbox):
    """Each bad value fails with a message naming the option and rule, and no call reaches moto.

    All cases run as tasks of one playbook (one ansible-playbook start instead of one per case).
    """
    sandbox = clean_sandbox
    outcomes = run_module_cases(
        "connector_role",
        [{k: v for k, v in role_args(**overrides).items() if v is not None} for overrides, _message in BAD_INPUT],
        env=sandbox.env,
    )
    for (overrides, message), outcome in zip(BAD_INPUT, outcomes, strict=True):
        assert outcome.get("failed"), (overrides, outcome)
        assert message in outcome["msg"], (overrides, outcome["msg"])
        assert not outcome.get("changed")
    assert sandbox.aws.requests == []


def test_failed_attach_after_create_leaves_no_role_behind(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    # Not retryable: the create is undone rather than leaving a role without its policy.
    sandbox.aws.add_fault(action="AttachRolePolicy", status=403, code="AccessDenied", message="not allowed", times=1)
    run = run_module("connector_role", role_args(), env=sandbox.env)
    assert run.failed
    assert run.msg.startswith(f"Failed to attach policy {CLOUDTRAIL_RO} to role {ROLE}"), run.msg
    assert [r["action"] for r in sandbox.aws.write_requests()][:2] == ["CreateRole", "AttachRolePolicy"]
    assert "DeleteRole" in [r["action"] for r in sandbox.aws.write_requests()]
    assert moto_role(sandbox) is None
