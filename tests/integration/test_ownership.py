"""Issue 11 end to end: the role and the playbooks act only on what is Sentinel's, and never break one
workspace while serving another.

One test (or pair) per case of the issue, each starting from a state made by hand or by something
else than the collection, each asserting the final AWS and Azure state, and proving from the
sandbox's request logs that nothing was written where nothing may change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sandbox import Sandbox

from helpers.ansible_run import PlaybookRun, run_playbook
from helpers.onboarding import OFFBOARD, ONBOARD, READ_ONLY_POLICY, REPORT_ENV, ROLE_NAME, report_rows, role_vars
from helpers.sandbox_state import cloudtrail_body, portal_put, sentinel_trust_policy

pytestmark = pytest.mark.slow

ACCOUNT = "123456789012"  # the sandbox's default account
OTHER_ACCOUNT = "111111111111"
WORKSPACE_A = "law-sentinel"
WORKSPACE_B = "law-plain"  # no Sentinel until a run may enable it
WORKSPACE_B_ID = "6f5e4d3c-0000-4000-8000-0000000051a2"
MARKER = {"Key": "sentinel.aws:managed", "Value": "true"}
S3_FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
DENY_ALL = "arn:aws:iam::aws:policy/AWSDenyAll"
ADMIN_INLINE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


# --- running the playbooks, and the request logs ------------------------------------------------------


def account_vars(sb: Sandbox, account: str = ACCOUNT, **extra: Any) -> dict[str, Any]:
    """role_vars for one moto account: the sandbox serves keys AKIASBX<account> as that account."""
    connection = {"access_key": f"AKIASBX{account}", "secret_key": "sandbox"}
    return role_vars(sb, cloudtrail_aws_account_id=account, cloudtrail_aws_connection=connection, **extra)


def play(sb: Sandbox, playbook: Path = ONBOARD, **kwargs: Any) -> PlaybookRun:
    extra_vars = kwargs.pop("extra_vars", None) or account_vars(sb)
    return run_playbook(playbook, extra_vars=extra_vars, env={**sb.env, **REPORT_ENV}, **kwargs)


class Writes:
    """The write requests each cloud received after this point."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.aws_mark, self.azure_mark = len(sb.aws.requests), len(sb.azure.requests)

    def aws(self) -> list[str]:
        new = self.sb.aws.requests[self.aws_mark :]
        return [f"{r['account']}:{r['action']}" for r in self.sb.aws.write_requests() if r in new]

    def azure(self) -> list[str]:
        new = self.sb.azure.requests[self.azure_mark :]
        return [f"{r['method']} {r['path'].split('?')[0]}" for r in self.sb.azure.write_requests() if r in new]


def reported(run: PlaybookRun, column: str) -> list[str]:
    """One column of the playbooks' run report, e.g. 'ownership', one value per account."""
    return [row[column] for row in report_rows(run)]


def failed_with(run: PlaybookRun, *fragments: str) -> str:
    assert run.returncode != 0, run.output
    message = " ".join(run.failure_messages())
    for fragment in fragments:
        assert fragment in message, message
    return message


# --- AWS and Azure state, made and read outside the collection --------------------------------------------


def iam(sb: Sandbox, account: str = ACCOUNT) -> Any:
    return sb.aws.client("iam", account_id=account)


def role_arn(account: str = ACCOUNT, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:role{path}{ROLE_NAME}"


def hand_made_sentinel_role(sb: Sandbox, account: str = ACCOUNT, external_id: str = "", path: str = "/") -> str:
    """A role made with Microsoft's procedure: Sentinel's trust with the workspace ID, the read-only policy."""
    policy = sentinel_trust_policy(external_id or sb.env["SANDBOX_WORKSPACE_ID"])
    client = iam(sb, account)
    arn = client.create_role(RoleName=ROLE_NAME, Path=path, AssumeRolePolicyDocument=json.dumps(policy))["Role"]["Arn"]
    client.attach_role_policy(RoleName=ROLE_NAME, PolicyArn=READ_ONLY_POLICY)
    return arn


def foreign_role(sb: Sandbox) -> None:
    """Issue 11 cases 1 and 2: the name Sentinel uses, but an EC2 role with S3, inline and an instance profile."""
    client = iam(sb)
    client.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    client.attach_role_policy(RoleName=ROLE_NAME, PolicyArn=S3_FULL_ACCESS)
    client.put_role_policy(RoleName=ROLE_NAME, PolicyName="app-data", PolicyDocument=json.dumps(ADMIN_INLINE))
    client.create_instance_profile(InstanceProfileName="app-server")
    client.add_role_to_instance_profile(InstanceProfileName="app-server", RoleName=ROLE_NAME)


def role_state(sb: Sandbox, account: str = ACCOUNT) -> dict[str, Any] | None:
    """Everything on the role that ownership is about, or None when there is no role."""
    client = iam(sb, account)
    if ROLE_NAME not in [r["RoleName"] for r in client.list_roles()["Roles"]]:
        return None
    role = client.get_role(RoleName=ROLE_NAME)["Role"]
    document = role["AssumeRolePolicyDocument"]
    return {
        "path": role["Path"],
        "trust": json.loads(document) if isinstance(document, str) else document,
        "policies": sorted(
            p["PolicyArn"] for p in client.list_attached_role_policies(RoleName=ROLE_NAME)["AttachedPolicies"]
        ),
        "inline": sorted(client.list_role_policies(RoleName=ROLE_NAME)["PolicyNames"]),
        "boundary": role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"),
        "profiles": sorted(
            p["InstanceProfileName"]
            for p in client.list_instance_profiles_for_role(RoleName=ROLE_NAME)["InstanceProfiles"]
        ),
        "tags": client.list_role_tags(RoleName=ROLE_NAME)["Tags"],
    }


def external_ids(state: dict[str, Any]) -> list[str]:
    """The sts:ExternalId values of the role's only trust statement (IAM stores one value or a list)."""
    [statement] = state["trust"]["Statement"]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::197857026523:root"}, statement
    assert list(statement["Condition"]) == ["StringEquals"], statement
    ids = statement["Condition"]["StringEquals"]["sts:ExternalId"]
    return ids if isinstance(ids, list) else [ids]


def connectors(sb: Sandbox, workspace: str = WORKSPACE_A) -> dict[str, str]:
    """Connector ID -> role ARN, as the emulator stores them."""
    return {c["name"]: c["properties"]["awsRoleArn"] for c in sb.azure.connectors(workspace=workspace)}


# --- case 1: a foreign role is refused, taken over only when asked; a hand-made one is adopted -----------


def test_a_foreign_role_is_refused_before_any_write_and_taken_over_only_when_asked(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    foreign_role(sb)
    before = role_state(sb)
    writes = Writes(sb)

    refused = play(sb)

    failed_with(
        refused,
        f"role {ROLE_NAME} is not a Sentinel role and was not made by sentinel.aws",
        "ec2.amazonaws.com",
        S3_FULL_ACCESS,
        "app-data",
        "nothing was changed",
        "take_over",
    )
    assert writes.aws() == [] and writes.azure() == []
    assert role_state(sb) == before and connectors(sb) == {}

    taken = play(sb, extra_vars=account_vars(sb, cloudtrail_take_over_role=True))

    assert taken.returncode == 0, taken.output
    assert reported(taken, "ownership") == ["taken_over"]
    after = role_state(sb)
    assert external_ids(after) == [sb.env["SANDBOX_WORKSPACE_ID"]]
    assert (after["policies"], after["inline"], after["boundary"]) == ([READ_ONLY_POLICY], [], None)
    assert MARKER in after["tags"]
    assert list(connectors(sb).values()) == [role_arn()]

    # From now on the role is the collection's: a plain run converges it and writes nothing.
    writes = Writes(sb)
    again = play(sb)
    assert again.returncode == 0 and again.stat("changed") == 0, again.output
    assert reported(again, "ownership") == ["managed"]
    assert writes.aws() == [] and writes.azure() == []


def test_a_hand_made_sentinel_role_and_connector_are_adopted_and_marked_only(clean_sandbox: Sandbox) -> None:
    """Made with Microsoft's procedure (role by hand, connector in the portal under a random ID)."""
    sb = clean_sandbox
    arn = hand_made_sentinel_role(sb)
    portal_put(sb, "a7d1c0de-0000-4000-8000-0000000000a1", cloudtrail_body(arn))
    before = role_state(sb)
    writes = Writes(sb)

    run = play(sb, diff=True)

    assert run.returncode == 0, run.output
    assert reported(run, "ownership") == ["adopted"]
    assert reported(run, "connector_id") == ["a7d1c0de-0000-4000-8000-0000000000a1"]
    after = role_state(sb)
    assert MARKER in after["tags"] and "sentinel.aws:managed" in run.stdout  # the marker shows in the diff
    assert {k: v for k, v in after.items() if k != "tags"} == {k: v for k, v in before.items() if k != "tags"}
    # Only the marker (and the role description the role sets) were written; trust and policies not.
    assert set(writes.aws()) <= {f"{ACCOUNT}:TagRole", f"{ACCOUNT}:UpdateRole"}, writes.aws()
    assert f"{ACCOUNT}:TagRole" in writes.aws()
    assert writes.azure() == []


# --- case 2: offboarding leaves what it did not put there ------------------------------------------------


def test_offboarding_a_foreign_role_removes_nothing_and_says_what_it_left(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    foreign_role(sb)
    before = role_state(sb)
    writes = Writes(sb)

    run = play(sb, OFFBOARD)

    assert run.returncode == 0, run.output
    assert role_state(sb) == before
    assert writes.aws() == [] and writes.azure() == []
    # The report says the role was kept, and what is on it.
    assert (reported(run, "role_arn"), reported(run, "outcome")) == ([role_arn()], ["unchanged"])
    [left] = reported(run, "reason")
    assert left.startswith("role kept, with ")
    assert "ec2.amazonaws.com" in left and "AmazonS3FullAccess" in left and "app-data" in left, run.output

    # Only when asked, offboarding deletes the role with everything on it.
    taken = play(sb, OFFBOARD, extra_vars=account_vars(sb, cloudtrail_take_over_role=True))

    assert taken.returncode == 0, taken.output
    assert role_state(sb) is None
    assert [(row["role_arn"], row["outcome"], row["reason"]) for row in report_rows(taken)] == [
        (role_arn(), "removed", "")
    ]
    assert writes.azure() == []


def test_offboarding_a_sentinel_role_keeps_policies_added_by_hand(clean_sandbox: Sandbox) -> None:
    """The collection's role, with AdministratorAccess attached by hand: only what is ours goes."""
    sb = clean_sandbox
    assert play(sb).returncode == 0
    iam(sb).attach_role_policy(RoleName=ROLE_NAME, PolicyArn=ADMINISTRATOR_ACCESS)
    writes = Writes(sb)

    run = play(sb, OFFBOARD)

    assert run.returncode == 0, run.output
    assert connectors(sb) == {}  # our connector went first
    after = role_state(sb)
    assert after is not None and after["policies"] == [ADMINISTRATOR_ACCESS]
    assert f"{ACCOUNT}:DeleteRole" not in writes.aws()
    assert reported(run, "outcome") == ["removed"]
    assert "AdministratorAccess" in " ".join(reported(run, "reason")), run.output
    assert [w.split()[0] for w in writes.azure()] == ["DELETE"]


# --- case 3: another account's connector is not repointed --------------------------------------------------


def test_onboarding_with_another_accounts_connector_id_stops_before_any_write(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    connector_id = "bbbbbbbb-0000-4000-8000-00000000000b"
    # Account 111111111111 was connected by hand under that ID.
    their_arn = hand_made_sentinel_role(sb, OTHER_ACCOUNT)
    portal_put(sb, connector_id, cloudtrail_body(their_arn))
    writes = Writes(sb)

    run = play(sb, extra_vars=account_vars(sb, cloudtrail_connector_id=connector_id))

    failed_with(
        run,
        f"cloudtrail_connector_id {connector_id} is the connector of AWS account {OTHER_ACCOUNT}",
        their_arn,
        "Nothing was changed",
    )
    assert writes.aws() == [] and writes.azure() == []
    assert connectors(sb) == {connector_id: their_arn}
    assert role_state(sb) is None


# --- case 4: offboarding never orphans a connector -----------------------------------------------------------


def test_offboarding_with_a_connector_id_that_is_not_the_roles_removes_nothing(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    arn = hand_made_sentinel_role(sb)
    portal_put(sb, "a7d1c0de-0000-4000-8000-0000000000a1", cloudtrail_body(arn))
    before = role_state(sb)
    writes = Writes(sb)

    run = play(
        sb, OFFBOARD, extra_vars=account_vars(sb, cloudtrail_connector_id="0ff0ff00-0000-4000-8000-000000000000")
    )

    failed_with(
        run,
        f"cloudtrail_connector_id 0ff0ff00-0000-4000-8000-000000000000 is not the connector of role {arn}",
        "connector a7d1c0de-0000-4000-8000-0000000000a1 holds it",
        "Nothing was removed",
    )
    assert writes.aws() == [] and writes.azure() == []
    assert role_state(sb) == before and connectors(sb) == {"a7d1c0de-0000-4000-8000-0000000000a1": arn}


def test_offboarding_with_another_role_path_removes_nothing_and_the_right_path_removes_both(
    clean_sandbox: Sandbox,
) -> None:
    sb = clean_sandbox
    arn = hand_made_sentinel_role(sb, path="/sentinel/")
    portal_put(sb, "a7d1c0de-0000-4000-8000-0000000000a1", cloudtrail_body(arn))
    before = role_state(sb)
    writes = Writes(sb)

    wrong_path = play(sb, OFFBOARD)  # cloudtrail_role_path defaults to /

    failed_with(wrong_path, "/sentinel/")
    assert writes.aws() == [] and writes.azure() == []
    assert role_state(sb) == before and connectors(sb) == {"a7d1c0de-0000-4000-8000-0000000000a1": arn}

    right_path = play(sb, OFFBOARD, extra_vars=account_vars(sb, cloudtrail_role_path="/sentinel/"))

    assert right_path.returncode == 0, right_path.output
    assert connectors(sb) == {} and role_state(sb) is None
    assert [(row["role_arn"], row["outcome"]) for row in report_rows(right_path)] == [(arn, "removed")]


# --- case 5: extra permissions are drift on the collection's role, foreign on another -------------------------


def test_extra_permissions_on_a_managed_role_show_in_check_diff_and_are_repaired(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    assert play(sb).returncode == 0
    iam(sb).put_role_policy(RoleName=ROLE_NAME, PolicyName="break-glass", PolicyDocument=json.dumps(ADMIN_INLINE))
    iam(sb).put_role_permissions_boundary(RoleName=ROLE_NAME, PermissionsBoundary=DENY_ALL)
    drifted = role_state(sb)
    writes = Writes(sb)

    checked = play(sb, check=True, diff=True)

    assert checked.returncode == 0, checked.output
    assert checked.stat("changed") == 1, checked.output  # the IAM role; the connector is as wanted
    assert "break-glass" in checked.stdout and DENY_ALL in checked.stdout
    assert writes.aws() == [] and writes.azure() == []
    assert role_state(sb) == drifted

    repaired = play(sb)

    assert repaired.returncode == 0 and repaired.stat("changed") == 1, repaired.output
    after = role_state(sb)
    assert (after["policies"], after["inline"], after["boundary"]) == ([READ_ONLY_POLICY], [], None)
    assert external_ids(after) == [sb.env["SANDBOX_WORKSPACE_ID"]]
    assert writes.azure() == []

    writes = Writes(sb)
    again = play(sb)
    assert again.returncode == 0 and again.stat("changed") == 0, again.output
    assert writes.aws() == [] and writes.azure() == []


def test_extra_permissions_on_a_hand_made_role_make_it_foreign(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    hand_made_sentinel_role(sb)
    iam(sb).put_role_policy(RoleName=ROLE_NAME, PolicyName="break-glass", PolicyDocument=json.dumps(ADMIN_INLINE))
    before = role_state(sb)
    writes = Writes(sb)

    run = play(sb)

    failed_with(run, "is not a Sentinel role", "break-glass", "nothing was changed")
    assert writes.aws() == [] and writes.azure() == []
    assert role_state(sb) == before and connectors(sb) == {}


# --- case 6: several workspaces per account, no flip-flop -------------------------------------------------------


def test_two_workspaces_share_the_role_and_neither_run_breaks_the_other(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    workspace_a_id = sb.env["SANDBOX_WORKSPACE_ID"]
    # Workspace A was connected by hand (Microsoft's procedure), B is new and gets Sentinel enabled.
    arn = hand_made_sentinel_role(sb)
    portal_put(sb, "a7d1c0de-0000-4000-8000-0000000000a1", cloudtrail_body(arn))
    vars_a = account_vars(sb)
    vars_b = account_vars(sb, cloudtrail_workspace_name=WORKSPACE_B, cloudtrail_ensure_sentinel=True)
    writes = Writes(sb)

    onboard_b = play(sb, extra_vars=vars_b)

    assert onboard_b.returncode == 0, onboard_b.output
    assert external_ids(role_state(sb)) == sorted([workspace_a_id, WORKSPACE_B_ID])
    assert connectors(sb, WORKSPACE_A) == {"a7d1c0de-0000-4000-8000-0000000000a1": arn}
    assert list(connectors(sb, WORKSPACE_B).values()) == [arn]
    assert all(f"/workspaces/{WORKSPACE_B}/" in write for write in writes.azure()), writes.azure()

    # Re-runs for A and for B, in turn: nothing flips back.
    for variables in (vars_a, vars_b, vars_a):
        writes = Writes(sb)
        again = play(sb, extra_vars=variables)
        assert again.returncode == 0 and again.stat("changed") == 0, again.output
        assert writes.aws() == [] and writes.azure() == []

    # Check mode: the connector and B's ID would go; nothing is written.
    writes = Writes(sb)
    checked = play(sb, OFFBOARD, extra_vars=vars_b, check=True)
    # One changed task: the account's (it would remove the connector, then this workspace from the role).
    assert checked.returncode == 0 and checked.stat("changed") == 1, checked.output
    assert writes.aws() == [] and writes.azure() == []
    assert external_ids(role_state(sb)) == sorted([workspace_a_id, WORKSPACE_B_ID])
    assert reported(checked, "outcome") == ["would remove"]

    offboard_b = play(sb, OFFBOARD, extra_vars=vars_b)

    assert offboard_b.returncode == 0, offboard_b.output
    assert external_ids(role_state(sb)) == [workspace_a_id]
    assert connectors(sb, WORKSPACE_B) == {}
    assert connectors(sb, WORKSPACE_A) == {"a7d1c0de-0000-4000-8000-0000000000a1": arn}
    assert writes.aws() == [f"{ACCOUNT}:UpdateAssumeRolePolicy"]
    assert [w.split()[0] for w in writes.azure()] == ["DELETE"] and WORKSPACE_B in writes.azure()[0]
    [row] = report_rows(offboard_b)
    assert (row["role_arn"], row["outcome"]) == (arn, "removed")
    assert row["reason"].startswith("role kept, with ") and workspace_a_id in row["reason"], offboard_b.output

    # A still works, and still converged.
    writes = Writes(sb)
    still_a = play(sb, extra_vars=vars_a)
    assert still_a.returncode == 0 and still_a.stat("changed") == 0, still_a.output
    assert writes.aws() == [] and writes.azure() == []


# --- case 7: an explicit external ID is checked against the workspace ----------------------------------------------


@pytest.mark.parametrize("start", ["no role", "hand-made role"])
def test_an_external_id_that_is_not_the_workspace_id_stops_before_any_iam_write(
    clean_sandbox: Sandbox, start: str
) -> None:
    sb = clean_sandbox
    if start == "hand-made role":
        hand_made_sentinel_role(sb)
    before = role_state(sb)
    wrong = "0a1b2c3d-0000-4000-8000-00000000beef"
    writes = Writes(sb)

    run = play(sb, extra_vars=account_vars(sb, cloudtrail_external_id=wrong))

    failed_with(
        run,
        f"cloudtrail_external_id {wrong} is not the workspace ID of workspace {WORKSPACE_A}",
        f"its customer_id is {sb.env['SANDBOX_WORKSPACE_ID']}",
    )
    assert writes.aws() == [] and writes.azure() == []
    assert role_state(sb) == before and connectors(sb) == {}


def test_an_external_id_is_used_unchecked_when_the_workspace_cannot_be_read(clean_sandbox: Sandbox) -> None:
    """Today's behaviour when the workspace read fails but the connectors can be listed: the given ID is used."""
    sb = clean_sandbox
    # The first GET under the workspace is the workspace read (the connector list comes after it).
    sb.azure.add_fault(method="GET", path_contains=f"/workspaces/{WORKSPACE_A}", status=403, code="AuthorizationFailed")

    run = play(sb, extra_vars=account_vars(sb, cloudtrail_external_id=sb.env["SANDBOX_WORKSPACE_ID"]))

    assert run.returncode == 0, run.output
    assert external_ids(role_state(sb)) == [sb.env["SANDBOX_WORKSPACE_ID"]]
    assert list(connectors(sb).values()) == [role_arn()]
    [faulted] = [r for r in sb.azure.requests if r["fault"]]
    assert faulted["path"].endswith(f"/workspaces/{WORKSPACE_A}")
