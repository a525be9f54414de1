"""cloudtrail_organization: many accounts of a moto Organization converged in one task from a hub credential.

The organisation is made in moto from the hub (management) account; moto's CreateAccount puts
``OrganizationAccountAccessRole`` in each new account, and AssumeRole into it gives keys moto serves
as that account (tests/sandbox/README.md). Every assertion reads moto's state per account, the
emulator's connectors or the request logs of both sandboxes.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sandbox import Sandbox
from sandbox.aws import credentials_for

from helpers.ansible_run import run_module, run_module_cases
from helpers.sandbox_state import cloudtrail_body, make_role, portal_put

HUB = "111111111111"
ACCESS_ROLE = "OrganizationAccountAccessRole"
ROLE = "MicrosoftSentinelRole"
SECRET = "hub-external-id-never-shown"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
OTHER_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)


def hub_env(sb: Sandbox) -> dict[str, str]:
    keys = credentials_for(HUB)
    return dict(
        sb.env, AWS_ACCESS_KEY_ID=keys["aws_access_key_id"], AWS_SECRET_ACCESS_KEY=keys["aws_secret_access_key"]
    )


def member_accounts(sb: Sandbox, count: int) -> list[str]:
    """``count`` new accounts of the hub's organization, each with moto's OrganizationAccountAccessRole."""
    organizations = sb.aws.client("organizations", account_id=HUB)
    try:
        organizations.describe_organization()
    except organizations.exceptions.AWSOrganizationsNotInUseException:
        organizations.create_organization(FeatureSet="ALL")
    accounts = [
        organizations.create_account(Email=f"m{i}@example.com", AccountName=f"m{i}")["CreateAccountStatus"]["AccountId"]
        for i in range(count)
    ]
    sb.aws.reset()
    return accounts


def args(sb: Sandbox, accounts: list[str] | None = None, **overrides: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "accounts": accounts,
        "assume_role_name": ACCESS_ROLE,
        "workspace_name": sb.env["SANDBOX_WORKSPACE_NAME"],
        "resource_group": sb.env["SANDBOX_RESOURCE_GROUP"],
    }
    options.update(overrides)
    return {key: value for key, value in options.items() if value is not None}


def connector_roles(sb: Sandbox) -> list[str]:
    connectors = sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"])
    return sorted(c["properties"]["awsRoleArn"] for c in connectors)


def arm_requests(sb: Sandbox, since: int = 0) -> list[tuple[str, str]]:
    """(method, last path segment) of the ARM requests from the ``since``-th on (token and metadata ones left out)."""
    return [
        (r["method"], r["path"].rsplit("/", 1)[-1])
        for r in sb.azure.requests[since:]
        if r["path"].startswith("/subscriptions/")
    ]


def arm_writes(sb: Sandbox, since: int = 0) -> list[tuple[str, str]]:
    return [(method, name) for method, name in arm_requests(sb, since) if method != "GET"]


def connect_by_hand(sb: Sandbox, account: str, role_name: str) -> str:
    """A Sentinel role made in ``account`` and its connector under an ID of its own (a portal set-up); its ID."""
    connector_id = str(uuid.uuid4())
    portal_put(sb, connector_id, cloudtrail_body(make_role(sb, role_name, account_id=account)))
    return connector_id


def remove_role(sb: Sandbox, account: str, name: str) -> None:
    iam = sb.aws.client("iam", account_id=account)
    for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    iam.delete_role(RoleName=name)


def test_onboards_every_account_then_converges_reading_azure_twice_and_each_account_once(
    clean_sandbox: Sandbox,
) -> None:
    sb = clean_sandbox
    accounts = member_accounts(sb, 5)

    run = run_module("cloudtrail_organization", args(sb, accounts), env=hub_env(sb))

    assert run.changed and not run.failed, run.output
    roles = [f"arn:aws:iam::{a}:role/{ROLE}" for a in accounts]
    assert [(a["account_id"], a["outcome"], a["role_arn"], a["role_ownership"]) for a in run.result["accounts"]] == [
        (a, "created", arn, "created") for a, arn in zip(accounts, roles, strict=True)
    ]
    assert run.result["summary"] == dict(
        total=5, changed=5, failed=0, created=5, updated=0, unchanged=0, removed=0, absent=0
    )
    assert run.result["workspace_id"] == sb.env["SANDBOX_WORKSPACE_ID"]
    assert connector_roles(sb) == sorted(roles)
    for account in accounts:
        role = sb.aws.client("iam", account_id=account).get_role(RoleName=ROLE)["Role"]
        condition = role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
        assert condition == {"StringEquals": {"sts:ExternalId": sb.env["SANDBOX_WORKSPACE_ID"]}}
    # One AssumeRole per account, all with the hub's keys; everything else in the member accounts.
    assumes = [r for r in sb.aws.requests if r["action"] == "AssumeRole"]
    assert sorted(r["access_key"] for r in assumes) == [f"AKIASBX{HUB}"] * 5
    assert {r["account"] for r in sb.aws.requests if r["action"] != "AssumeRole"} == set(accounts)
    assert arm_requests(sb).count(("GET", "dataConnectors")) == 1
    assert ROLE not in [r["RoleName"] for r in sb.aws.client("iam", account_id=HUB).list_roles()["Roles"]]

    sb.aws.reset()
    mark = len(sb.azure.requests)
    again = run_module("cloudtrail_organization", args(sb, accounts), env=hub_env(sb))

    assert not again.changed and not again.failed, again.output
    assert [a["outcome"] for a in again.result["accounts"]] == ["unchanged"] * 5
    assert [a["role_ownership"] for a in again.result["accounts"]] == ["managed"] * 5
    assert again.result["summary"]["unchanged"] == 5
    assert sb.aws.write_requests() == [] and arm_writes(sb, mark) == []
    # Per converged account: the AssumeRole and one IAM read; for the whole run: two ARM reads.
    assert sorted((r["account"], r["action"]) for r in sb.aws.requests) == sorted(
        [(HUB, "AssumeRole")] * len(accounts) + [(a, "GetAccountAuthorizationDetails") for a in accounts]
    )
    assert sorted(arm_requests(sb, mark)) == [("GET", "dataConnectors"), ("GET", sb.env["SANDBOX_WORKSPACE_NAME"])]


def test_a_failing_account_never_stops_the_others(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    accounts = member_accounts(sb, 5)
    foreign, unassumable, read_already = accounts[1], accounts[2], accounts[3]
    sb.aws.client("iam", account_id=foreign).create_role(RoleName=ROLE, AssumeRolePolicyDocument=OTHER_TRUST)
    remove_role(sb, unassumable, ACCESS_ROLE)
    by_hand = connect_by_hand(sb, read_already, "OldSentinelRole")
    sb.aws.reset()
    mark = len(sb.azure.requests)

    run = run_module("cloudtrail_organization", args(sb, accounts), env=hub_env(sb))

    assert run.failed and run.changed
    outcomes = {a["account_id"]: a for a in run.result["accounts"]}
    assert [a["account_id"] for a in run.result["accounts"]] == accounts
    assert outcomes[foreign]["outcome"] == "failed"
    assert f"role {ROLE} is not a Sentinel role and was not made by sentinel.aws" in outcomes[foreign]["reason"]
    assert outcomes[unassumable]["outcome"] == "failed"
    assert (
        f"Failed to assume the role arn:aws:iam::{unassumable}:role/{ACCESS_ROLE} (sts:AssumeRole)"
        in outcomes[unassumable]["reason"]
    )
    assert "AccessDenied" in outcomes[unassumable]["reason"]
    # Its role is made (the role step comes first), but no second connector reads the account.
    assert (outcomes[read_already]["outcome"], outcomes[read_already]["changed"]) == ("failed", True)
    assert outcomes[read_already]["reason"].startswith(
        f"connector {by_hand} already reads AWS account {read_already} through role "
        f"arn:aws:iam::{read_already}:role/OldSentinelRole; nothing was changed"
    )
    assert run.msg.startswith("3 of 5 accounts failed: ")
    assert f"{foreign}: role {ROLE} is not a Sentinel role" in run.msg
    assert f"{unassumable}: Failed to assume the role" in run.msg
    assert run.result["summary"] == dict(
        total=5, changed=3, failed=3, created=2, updated=0, unchanged=0, removed=0, absent=0
    )
    healthy = [accounts[0], accounts[4]]
    assert connector_roles(sb) == sorted(
        [f"arn:aws:iam::{a}:role/{ROLE}" for a in healthy] + [f"arn:aws:iam::{read_already}:role/OldSentinelRole"]
    )
    assert sorted(arm_writes(sb, mark)) == sorted(("PUT", outcomes[a]["connector_id"]) for a in healthy)
    # The foreign role is untouched; nothing at all was written in the accounts refused before their role.
    role = sb.aws.client("iam", account_id=foreign).get_role(RoleName=ROLE)["Role"]
    assert role["AssumeRolePolicyDocument"] == json.loads(OTHER_TRUST) and not role.get("Tags")
    assert {r["account"] for r in sb.aws.write_requests()} == set(healthy + [read_already])


def onboarded(sb: Sandbox, count: int) -> list[str]:
    """``count`` member accounts, onboarded by a first run; both logs start after it."""
    accounts = member_accounts(sb, count)
    first = run_module("cloudtrail_organization", args(sb, accounts), env=hub_env(sb))
    assert first.changed and not first.failed, first.output
    sb.aws.reset()
    return accounts


def test_drift_in_one_account_is_repaired_there_only_and_shown_by_diff(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    accounts = onboarded(sb, 3)
    drifted = accounts[1]
    sb.aws.client("iam", account_id=drifted).put_role_policy(
        RoleName=ROLE, PolicyName="extra", PolicyDocument=json.dumps(ALLOW_ALL)
    )
    sb.aws.reset()
    mark = len(sb.azure.requests)

    run = run_module("cloudtrail_organization", args(sb, accounts), env=hub_env(sb), diff=True)

    assert run.changed and not run.failed, run.output
    assert [(a["outcome"], a["changed"]) for a in run.result["accounts"]] == [
        ("unchanged", False),
        ("updated", True),
        ("unchanged", False),
    ]
    assert sb.aws.client("iam", account_id=drifted).list_role_policies(RoleName=ROLE)["PolicyNames"] == []
    assert [(r["account"], r["action"]) for r in sb.aws.write_requests()] == [(drifted, "DeleteRolePolicy")]
    assert arm_writes(sb, mark) == []
    diff = run.result["diff"]
    assert list(diff["before"]) == [drifted] and list(diff["after"]) == [drifted]
    assert diff["before"][drifted]["role"]["inline_policies"] == ["extra"]
    assert diff["after"][drifted]["role"]["inline_policies"] == []
    assert diff["before"][drifted]["connector"] == diff["after"][drifted]["connector"] != {}


def test_check_mode_writes_nothing_and_reports_what_would_happen(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    accounts = member_accounts(sb, 3)
    template = "arn:aws:iam::{account_id}:role/" + ACCESS_ROLE
    options = args(sb, accounts, assume_role_name=None, assume_role_arn=template, assume_role_external_id=SECRET)

    run = run_module("cloudtrail_organization", options, env=hub_env(sb), check=True, diff=True, verbosity=3)

    assert run.changed and not run.failed, run.output
    assert [a["outcome"] for a in run.result["accounts"]] == ["created"] * 3
    assert [a["role_arn"] for a in run.result["accounts"]] == [f"arn:aws:iam::{a}:role/{ROLE}" for a in accounts]
    assert sb.aws.write_requests() == [] and sb.azure.write_requests() == []
    assert connector_roles(sb) == []
    for account in accounts:
        assert ROLE not in [r["RoleName"] for r in sb.aws.client("iam", account_id=account).list_roles()["Roles"]]
        assert run.result["diff"]["before"][account] == {"role": {}, "connector": {}}
        after = run.result["diff"]["after"][account]
        assert after["role"]["external_ids"] == [sb.env["SANDBOX_WORKSPACE_ID"]]
        assert after["connector"]["aws_role_arn"] == f"arn:aws:iam::{account}:role/{ROLE}"
    assert SECRET not in run.output  # the hub's external ID, even at -vvv


def test_absent_removes_only_our_connectors_and_roles_connector_first(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    accounts = onboarded(sb, 3)
    kept, removed = accounts[0], accounts[1:]
    foreign = member_accounts(sb, 1)[0]
    sb.aws.client("iam", account_id=foreign).create_role(RoleName=ROLE, AssumeRolePolicyDocument=OTHER_TRUST)
    sb.aws.reset()
    mark = len(sb.azure.requests)
    offboard = args(sb, removed + [foreign], state="absent")

    check = run_module("cloudtrail_organization", offboard, env=hub_env(sb), check=True)
    assert check.changed and [a["outcome"] for a in check.result["accounts"]] == ["removed", "removed", "absent"]
    assert sb.aws.write_requests() == [] and arm_writes(sb, mark) == []

    run = run_module("cloudtrail_organization", offboard, env=hub_env(sb))

    assert run.changed and not run.failed, run.output
    assert [(a["account_id"], a["outcome"], a["role_ownership"]) for a in run.result["accounts"]] == [
        (removed[0], "removed", "managed"),
        (removed[1], "removed", "managed"),
        (foreign, "absent", "foreign"),
    ]
    assert connector_roles(sb) == [f"arn:aws:iam::{kept}:role/{ROLE}"]
    deletes = [r for r in sb.azure.requests[mark:] if r["method"] == "DELETE"]
    role_deletes = [r for r in sb.aws.write_requests() if r["action"] == "DeleteRole"]
    assert sorted(r["account"] for r in role_deletes) == sorted(removed)
    # Sentinel stops reading each account before its role goes.
    for account in run.result["accounts"][:2]:
        [connector_delete] = [r for r in deletes if r["path"].endswith(account["connector_id"])]
        [role_delete] = [r for r in role_deletes if r["account"] == account["account_id"]]
        assert connector_delete["time"] < role_delete["time"]
    assert {r["account"] for r in sb.aws.write_requests()} == set(removed)  # the foreign role untouched
    assert sb.aws.client("iam", account_id=foreign).get_role(RoleName=ROLE)["Role"]
    assert sb.aws.client("iam", account_id=kept).get_role(RoleName=ROLE)["Role"]
    assert any(f"account {foreign}: role {ROLE} is not a Sentinel role" in w for w in run.result.get("warnings", []))

    sb.aws.reset()
    mark = len(sb.azure.requests)
    again = run_module("cloudtrail_organization", args(sb, removed, state="absent"), env=hub_env(sb))
    assert not again.changed and not again.failed, again.output
    assert [a["outcome"] for a in again.result["accounts"]] == ["absent", "absent"]
    assert sb.aws.write_requests() == [] and arm_writes(sb, mark) == []


def test_arm_429s_with_retry_after_are_retried_and_every_account_is_onboarded(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    accounts = member_accounts(sb, 5)
    sb.azure.throttle_writes(bucket=2, refill_per_second=2)

    run = run_module("cloudtrail_organization", args(sb, accounts, azure_writes_per_second=200), env=hub_env(sb))

    assert run.changed and not run.failed, run.output
    assert run.result["summary"]["created"] == 5
    assert connector_roles(sb) == sorted(f"arn:aws:iam::{a}:role/{ROLE}" for a in accounts)
    assert any(r.get("throttled") for r in sb.azure.write_requests())


def test_a_429_slows_every_writer_so_no_account_runs_out_of_retries(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    accounts = member_accounts(sb, 12)
    # Twelve writers at once against one write a second: each write left to retry on its own (six
    # retries, a second apart) would leave about five accounts without a connector.
    sb.azure.throttle_writes(bucket=1, refill_per_second=1)

    run = run_module(
        "cloudtrail_organization", args(sb, accounts, azure_writes_per_second=200, concurrency=12), env=hub_env(sb)
    )

    assert run.changed and not run.failed, run.output
    assert run.result["summary"]["created"] == 12 and run.result["summary"]["failed"] == 0
    assert connector_roles(sb) == sorted(f"arn:aws:iam::{a}:role/{ROLE}" for a in accounts)
    puts = [r for r in sb.azure.write_requests() if r["method"] == "PUT"]
    throttled = [r for r in puts if r.get("throttled")]
    # The first writes are refused (up to 11 of 12, as they come together); after that the retries and
    # the writes follow ARM's pace, where writers retrying on their own are refused again and again.
    assert throttled and len(throttled) < 2 * len(accounts)


def test_paced_writes_stay_under_arms_throttle(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    accounts = member_accounts(sb, 4)
    # One write a second against a bucket of one refilled at four a second: no write is ever refused.
    # The pacer lets the writes go a second apart; they reach the emulator up to some scheduling delay
    # later each (threads of a loaded machine), hence the margins: a refusal needs two writes under
    # 0.25 s apart, and the gaps are checked at half a second (unpaced, the four come milliseconds apart).
    sb.azure.throttle_writes(bucket=1, refill_per_second=4)

    run = run_module("cloudtrail_organization", args(sb, accounts, azure_writes_per_second=1), env=hub_env(sb))

    assert run.changed and not run.failed, run.output
    puts = [r for r in sb.azure.write_requests() if r["method"] == "PUT"]
    assert [r["status"] for r in puts] == [201] * 4
    times = sorted(r["time"] for r in puts)
    assert all(later - earlier >= 0.5 for earlier, later in zip(times, times[1:], strict=False))
    assert times[-1] - times[0] >= 2.0  # three gaps of a second, give or take the delays


BAD_INPUTS = [
    ({"accounts": ["333333333333", "12345"]}, "accounts must be an AWS account ID of exactly 12 digits, got '12345'"),
    ({"assume_role_arn": "arn:aws:iam::{account_id}:role/x"}, "parameters are mutually exclusive: assume_role_name"),
    ({"assume_role_name": None}, "one of the following is required: assume_role_name, assume_role_arn"),
    (
        {"assume_role_name": None, "assume_role_arn": f"arn:aws:iam::333333333333:role/{ACCESS_ROLE}"},
        "assume_role_arn must contain {account_id}",
    ),
    ({"assume_role_external_id": "bad id with spaces"}, "assume_role_external_id must be 2 to 1224"),
    ({"concurrency": 0}, "concurrency must be 1 to 64 accounts at once, got 0"),
    ({"azure_writes_per_second": 0}, "azure_writes_per_second must be more than 0 and at most 200"),
    ({"wait_timeout": -1}, "wait_timeout must be 0 or more seconds, got -1"),
    ({"role_name": "bad name!"}, "role_name must be"),
    ({"role_path": "sentinel"}, "role_path must"),
    ({"microsoft_account_id": "1978"}, "microsoft_account_id must be an AWS account ID"),
    ({"workspace_name": None}, "workspace_name"),
    (
        {"external_id": "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"},
        "external_id 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c is not the ID (customerId) of the workspace",
    ),
]


def test_each_bad_input_fails_naming_the_option_before_any_aws_call_or_write(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    cases = [args(sb, **{"accounts": ["333333333333"], **changes}) for changes, _message in BAD_INPUTS]

    results = run_module_cases("cloudtrail_organization", cases, env=hub_env(sb))

    for (_changes, message), result in zip(BAD_INPUTS, results, strict=True):
        assert result["failed"] and message in result["msg"], (message, result["msg"])
        assert "bad id with spaces" not in result["msg"]
    # Only the workspace's ID needs Azure (two reads); no case reached AWS or wrote anything.
    assert sb.aws.requests == [] and sb.azure.write_requests() == []
    assert arm_requests(sb) == [("GET", "law-sentinel"), ("GET", "dataConnectors")]


def test_a_role_description_is_read_with_get_role_and_kept_converged(clean_sandbox: Sandbox) -> None:
    """GetAccountAuthorizationDetails has no Description: with role_description, GetRole is the second read."""
    sb = clean_sandbox
    accounts = member_accounts(sb, 2)
    first = run_module("cloudtrail_organization", args(sb, accounts, role_description="SOC"), env=hub_env(sb))
    assert first.changed and not first.failed, first.output
    sb.aws.reset()

    again = run_module("cloudtrail_organization", args(sb, accounts, role_description="SOC"), env=hub_env(sb))

    assert not again.changed and not again.failed, again.output
    assert sb.aws.write_requests() == []
    for account in accounts:
        assert [r["action"] for r in sb.aws.requests if r["account"] == account] == [
            "GetAccountAuthorizationDetails",
            "GetRole",
        ]

    sb.aws.reset()
    changed = run_module("cloudtrail_organization", args(sb, accounts, role_description="SOC team"), env=hub_env(sb))
    assert changed.changed and [a["outcome"] for a in changed.result["accounts"]] == ["updated", "updated"]
    assert sorted((r["account"], r["action"]) for r in sb.aws.write_requests()) == sorted(
        (a, "UpdateRole") for a in accounts
    )
    for account in accounts:
        role = sb.aws.client("iam", account_id=account).get_role(RoleName=ROLE)["Role"]
        assert role["Description"] == "SOC team"
