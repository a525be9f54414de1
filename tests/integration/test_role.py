"""The sentinel.aws.cloudtrail role through the real ansible-playbook, against the sandbox.

Every assertion reads the state back from moto or the Azure emulator, or their request logs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import CLOUDTRAIL_KIND, derive_connector_id
from sandbox import Sandbox

from helpers.ansible_run import PlaybookRun, run_playbook
from helpers.onboarding import (
    OFFBOARD,
    ONBOARD,
    READ_ONLY_POLICY,
    REPORT_ENV,
    ROLE_NAME,
    SENTINEL_PRINCIPAL,
    accounts_inventory,
    azure_sign_in_requests,
    report_rows,
    role_vars,
)

pytestmark = pytest.mark.slow


def play(sb: Sandbox, playbook: Path = ONBOARD, **kwargs: Any) -> PlaybookRun:
    extra_vars = kwargs.pop("extra_vars", None) or role_vars(sb)
    return run_playbook(playbook, extra_vars=extra_vars, env={**sb.env, **REPORT_ENV}, **kwargs)


EVENTS_LAND = "Events land in the AWSCloudTrail table"
# What one Azure module run asks before its first ARM call (the sandbox's cloud is a metadata URL).
SIGN_IN = ["endpoints", "openid-configuration", "token"]


def assert_ok(run: PlaybookRun) -> None:
    assert run.returncode == 0, run.output


def trust_statement(sb: Sandbox, account_id: str | None = None, name: str = ROLE_NAME) -> dict[str, Any]:
    document = sb.aws.client("iam", account_id=account_id).get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    [statement] = document["Statement"]
    return statement


def role_names(sb: Sandbox, account_id: str | None = None) -> list[str]:
    return [r["RoleName"] for r in sb.aws.client("iam", account_id=account_id).list_roles()["Roles"]]


def connector_role_arns(sb: Sandbox) -> list[str]:
    return [c["properties"]["awsRoleArn"] for c in sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"])]


def test_onboard_creates_the_role_and_connector_then_a_second_run_changes_nothing(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    run = play(sb)
    assert_ok(run)
    assert run.stat("changed") == 2  # the IAM role and the connector, nothing else

    account, workspace_id = sb.env["SANDBOX_AWS_ACCOUNT_ID"], sb.env["SANDBOX_WORKSPACE_ID"]
    role_arn = f"arn:aws:iam::{account}:role/{ROLE_NAME}"
    statement = trust_statement(sb)
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Principal"] == {"AWS": SENTINEL_PRINCIPAL}
    # The external ID was not given: the role looked up the workspace ID (customerId).
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": workspace_id}}
    attached = sb.aws.client("iam").list_attached_role_policies(RoleName=ROLE_NAME)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [READ_ONLY_POLICY]

    [connector] = sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"])
    assert connector["kind"] == "AmazonWebServicesCloudTrail"
    assert connector["properties"]["awsRoleArn"] == role_arn
    assert (
        connector["properties"]["dataTypes"]["logs"]["state"] == "enabled"
    )  # read back lower-case, as Sentinel answers

    # The playbook ends with the run report: where the result is, and what was done.
    expected = {
        "host": "localhost",
        "account_id": account,
        "role_arn": role_arn,
        "connector_id": connector["name"],
        "workspace": "law-sentinel",
        "ownership": "created",
        "outcome": "created",
        "reason": "",
    }
    assert report_rows(run) == [expected]
    assert EVENTS_LAND in run.stdout

    # A second full run: zero changed tasks, and no write reached AWS or Azure.
    aws_before, azure_before = len(sb.aws.requests), len(sb.azure.requests)

    again = play(sb)

    assert_ok(again)
    assert again.stat("changed") == 0, again.output
    # No connector is written on a converged run: the batch's write has no workspace to loop over.
    assert task_status(run, "Create or converge the Sentinel data connectors") == "ok"
    assert task_status(again, "Create or converge the Sentinel data connectors") == "skipping"
    # The converged path publishes the same result, taken from the shared connector list.
    assert report_rows(again) == [{**expected, "ownership": "managed", "outcome": "unchanged"}]
    aws_writes = [r for r in sb.aws.write_requests() if r in sb.aws.requests[aws_before:]]
    azure_new = sb.azure.requests[azure_before:]
    assert aws_writes == []
    assert [r for r in azure_new if r in sb.azure.write_requests()] == []
    assert azure_new, "the converged run must still have read the connector from Azure"


def task_status(run: PlaybookRun, task: str) -> str:
    """The status line (ok/changed/skipping/fatal) of the first task whose title contains ``task``."""
    section = run.stdout.split(task, 1)[1].split("TASK [", 1)[0]
    return next(
        line.split(":")[0] for line in section.splitlines() if line.startswith(("ok", "changed", "skipping", "fatal"))
    )


def test_a_given_external_id_is_checked_against_the_workspace_read_once(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    # The right workspace ID, upper-cased as a user might paste it: Sentinel (and the emulator) check
    # the trust policy's external ID against the workspace ID, so a wrong one could not connect.
    external_id = sb.env["SANDBOX_WORKSPACE_ID"].upper()

    run = play(sb, extra_vars=role_vars(sb, cloudtrail_external_id=external_id))

    assert_ok(run)
    assert trust_statement(sb)["Condition"] == {"StringEquals": {"sts:ExternalId": external_id.lower()}}
    # The workspace is read anyway, once, to compare its ID with the given one (the mismatch case:
    # tests/integration/test_ownership.py).
    assert task_status(run, "Look up the workspace ID") == "ok"
    assert arm_reads(sb, 0).count("workspace/law-sentinel") == 1
    [connector] = sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"])
    assert connector["properties"]["awsRoleArn"].endswith(f":role/{ROLE_NAME}")


def test_offboard_removes_the_connector_then_the_role_and_is_idempotent(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    assert_ok(play(sb))
    assert connector_role_arns(sb) and ROLE_NAME in role_names(sb)
    aws_before, azure_before = len(sb.aws.requests), len(sb.azure.requests)

    run = play(sb, OFFBOARD)

    assert_ok(run)
    # One changed task: the account's (sentinel.aws.cloudtrail_account removes the connector, then the role).
    assert run.stat("changed") == 1
    assert connector_role_arns(sb) == []
    assert ROLE_NAME not in role_names(sb)
    [row] = report_rows(run)
    assert (row["outcome"], row["reason"], row["connector_id"]) == ("removed", "", "")
    # Order: the connector's DELETE reached Azure before IAM's DeleteRole reached AWS.
    [connector_delete] = [r for r in sb.azure.requests[azure_before:] if r["method"] == "DELETE"]
    [role_delete] = [r for r in sb.aws.requests[aws_before:] if r["action"] == "DeleteRole"]
    assert connector_delete["time"] < role_delete["time"]

    aws_before, azure_before = len(sb.aws.requests), len(sb.azure.requests)
    again = play(sb, OFFBOARD)
    assert_ok(again)
    assert again.stat("changed") == 0, again.output
    # Nothing was there to remove: the report says so, and nothing claims a removal.
    assert [row["outcome"] for row in report_rows(again)] == ["unchanged"]
    assert "removed" not in again.stdout
    assert [r for r in sb.aws.write_requests() if r in sb.aws.requests[aws_before:]] == []
    assert [r for r in sb.azure.requests[azure_before:] if r["method"] == "DELETE"] == []


def test_check_mode_reports_changes_and_writes_nothing(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    run = play(sb, check=True)
    assert_ok(run)
    assert run.stat("changed") == 2
    assert sb.aws.write_requests() == []
    assert sb.azure.write_requests() == []
    assert ROLE_NAME not in role_names(sb)
    # The report says what would happen, and nothing claims events are on their way.
    [row] = report_rows(run)
    assert (row["outcome"], row["ownership"]) == ("would create", "created")
    assert EVENTS_LAND not in run.stdout


def test_check_mode_offboarding_says_what_would_be_removed(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    assert_ok(play(sb))
    aws_before, azure_before = len(sb.aws.requests), len(sb.azure.requests)

    run = play(sb, OFFBOARD, check=True)

    assert_ok(run)
    assert run.stat("changed") == 1
    assert [r for r in sb.aws.requests[aws_before:] if r in sb.aws.write_requests()] == []
    assert [r for r in sb.azure.requests[azure_before:] if r in sb.azure.write_requests()] == []
    assert ROLE_NAME in role_names(sb) and connector_role_arns(sb)
    assert [row["outcome"] for row in report_rows(run)] == ["would remove"]
    assert "removed" not in run.stdout


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "cloudtrail_aws_account_id",
            "12345678901",
            "cloudtrail_aws_account_id must be an AWS account ID of exactly 12 digits",
        ),
        ("cloudtrail_external_id", "not-a-guid", "cloudtrail_external_id must be a GUID"),
        ("cloudtrail_connector_id", "1234", "cloudtrail_connector_id must be a GUID"),
        ("cloudtrail_role_name", "Microsoft Sentinel Role", "cloudtrail_role_name must be an IAM role name"),
        ("cloudtrail_role_path", "sentinel", "cloudtrail_role_path must be an IAM path"),
        ("cloudtrail_state", "gone", "cloudtrail_state"),
        (
            "cloudtrail_workspace_resource_id",
            "/subscriptions/x",
            "either as cloudtrail_workspace_name and cloudtrail_resource_group",
        ),
    ],
)
def test_a_bad_variable_fails_before_any_cloud_call(
    clean_sandbox: Sandbox, variable: str, value: str, message: str
) -> None:
    sb = clean_sandbox
    run = play(sb, extra_vars=role_vars(sb, **{variable: value}))

    assert run.returncode != 0
    assert message in run.output
    assert sb.aws.requests == []
    assert sb.azure.requests == []


def test_a_missing_account_id_fails_in_argument_validation(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    variables = role_vars(sb)
    del variables["cloudtrail_aws_account_id"]
    run = play(sb, extra_vars=variables)
    assert run.returncode != 0
    assert "missing required arguments: cloudtrail_aws_account_id" in run.output
    assert sb.aws.requests == [] and sb.azure.requests == []


def test_credentials_of_another_account_change_nothing(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    run = play(sb, extra_vars=role_vars(sb, cloudtrail_aws_account_id="999999999999"))
    assert run.returncode != 0
    assert "999999999999" in run.output
    assert sb.aws.write_requests() == []
    assert sb.azure.write_requests() == []


def test_one_inventory_host_per_account_onboards_each_account(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    """The documented pattern: hosts are AWS accounts, each with its own credentials, run in parallel."""
    sb = clean_sandbox
    accounts = {"aws-prod": "111111111111", "aws-dev": "222222222222"}
    secret = "per-account-secret-must-not-be-logged"
    inventory = {
        "all": {
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "hosts": {
                host: {
                    "cloudtrail_aws_account_id": account,
                    # Sandbox keys AKIASBX<account> select that moto account.
                    "cloudtrail_aws_connection": {"access_key": f"AKIASBX{account}", "secret_key": secret},
                    "cloudtrail_role_tags": {"environment": host},
                }
                for host, account in accounts.items()
            },
        }
    }
    (tmp_path / "hosts.yml").write_text(json.dumps(inventory))
    shared = {k: v for k, v in role_vars(sb).items() if k not in ("cloudtrail_hosts", "cloudtrail_aws_account_id")}

    run = run_playbook(ONBOARD, extra_vars=shared, env=sb.env, inventory=tmp_path / "hosts.yml", verbosity=3)

    assert run.returncode == 0, run.output
    assert secret not in run.output
    for host, account in accounts.items():
        assert run.stat("changed", host) == 2
        assert (
            trust_statement(sb, account_id=account)["Condition"]["StringEquals"]["sts:ExternalId"]
            == sb.env["SANDBOX_WORKSPACE_ID"]
        )
        tags = sb.aws.client("iam", account_id=account).list_role_tags(RoleName=ROLE_NAME)["Tags"]
        assert {"Key": "environment", "Value": host} in tags
    assert sorted(connector_role_arns(sb)) == sorted(f"arn:aws:iam::{a}:role/{ROLE_NAME}" for a in accounts.values())
    # The sandbox's default account was not touched.
    assert ROLE_NAME not in role_names(sb)


def profiles_inventory(sb: Sandbox, tmp_path: Path, accounts: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """docs/awx.md's one job for several accounts: each host names its profile of a credentials file."""
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "".join(
            f"[{host}]\naws_access_key_id = AKIASBX{account}\naws_secret_access_key = sandbox\n"
            for host, account in accounts.items()
        )
    )
    inventory = {
        "all": {
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "hosts": {
                host: {"cloudtrail_aws_account_id": account, "cloudtrail_aws_connection": {"profile": host}}
                for host, account in accounts.items()
            },
        }
    }
    (tmp_path / "hosts.yml").write_text(json.dumps(inventory))
    # The sandbox's environment without its access keys (AWX's AWS credential not attached).
    env = {k: v for k, v in sb.env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(credentials)
    return tmp_path / "hosts.yml", env


def test_each_host_with_its_own_profile_onboards_its_account(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    sb = clean_sandbox
    accounts = {"aws-prod": "111111111111", "aws-dev": "222222222222"}
    inventory, env = profiles_inventory(sb, tmp_path, accounts)
    shared = {k: v for k, v in role_vars(sb).items() if k not in ("cloudtrail_hosts", "cloudtrail_aws_account_id")}

    run = run_playbook(ONBOARD, extra_vars=shared, env=env, inventory=inventory)

    assert run.returncode == 0, run.output
    for account in accounts.values():
        assert ROLE_NAME in role_names(sb, account_id=account)
    assert sorted(connector_role_arns(sb)) == sorted(f"arn:aws:iam::{a}:role/{ROLE_NAME}" for a in accounts.values())


def test_a_host_profile_with_access_keys_in_the_environment_fails_before_any_write(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    """Why docs/awx.md says not to attach AWX's AWS credential (environment keys) to per-host profiles."""
    sb = clean_sandbox
    inventory, env = profiles_inventory(sb, tmp_path, {"aws-prod": "111111111111"})
    env.update(AWS_ACCESS_KEY_ID=sb.env["AWS_ACCESS_KEY_ID"], AWS_SECRET_ACCESS_KEY=sb.env["AWS_SECRET_ACCESS_KEY"])
    shared = {k: v for k, v in role_vars(sb).items() if k not in ("cloudtrail_hosts", "cloudtrail_aws_account_id")}

    run = run_playbook(ONBOARD, extra_vars=shared, env=env, inventory=inventory)

    assert run.returncode != 0
    assert "Passing both a profile and access tokens is not supported" in run.output
    assert sb.aws.write_requests() == [] and sb.azure.write_requests() == []


# --- reads shared per workspace --------------------------------------------------------------------


def arm_reads(sb: Sandbox, since: int) -> list[str]:
    """ARM GETs after request number ``since``, as 'workspace/<name>', 'onboarding/<name>', 'connectors/<name>'."""
    reads = []
    for request in sb.azure.requests[since:]:
        path = request["path"].split("?", 1)[0]
        if request["method"] != "GET" or not path.lower().startswith("/subscriptions/"):
            continue
        workspace = path.split("/workspaces/", 1)[1].split("/", 1)[0]
        if path.endswith("/dataConnectors"):
            reads.append(f"connectors/{workspace}")
        elif "onboardingStates" in path:
            reads.append(f"onboarding/{workspace}")
        else:
            reads.append(f"workspace/{workspace}")
    return sorted(reads)


def test_accounts_of_one_workspace_from_extra_vars_share_its_reads(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    """Workspace given with -e (hostvars show it): the workspace is read once per run, not once per account."""
    sb = clean_sandbox
    accounts = {"aws-a": "111111111111", "aws-b": "222222222222", "aws-c": "333333333333"}
    inventory = accounts_inventory(
        tmp_path / "hosts.yml", {host: {"cloudtrail_aws_account_id": a} for host, a in accounts.items()}
    )
    shared = {k: v for k, v in role_vars(sb).items() if k not in ("cloudtrail_hosts", "cloudtrail_aws_account_id")}

    first = run_playbook(ONBOARD, extra_vars=shared, env=sb.env, inventory=inventory)

    assert first.returncode == 0, first.output
    # One sign-in whatever the number of accounts: the shared read signs in, and the connectors of all
    # three, written by one module run after their roles, reuse its token from the token cache (one
    # sign-in per account before issue 17, two before the cache).
    assert azure_sign_in_requests(sb) == SIGN_IN
    assert sorted(connector_role_arns(sb)) == sorted(f"arn:aws:iam::{a}:role/{ROLE_NAME}" for a in accounts.values())
    for account in accounts.values():
        statement = trust_statement(sb, account_id=account)
        assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == sb.env["SANDBOX_WORKSPACE_ID"]
    connectors = {c["properties"]["awsRoleArn"]: c["name"] for c in sb.azure.connectors(workspace="law-sentinel")}

    aws_before, azure_before = len(sb.aws.requests), len(sb.azure.requests)
    # On a controller that has not run the role within the token's lifetime (an empty token cache).
    fresh_cache = {"SENTINEL_AWS_AZURE_TOKEN_CACHE_DIR": str(tmp_path / "later")}
    again = run_playbook(ONBOARD, extra_vars=shared, env={**sb.env, **REPORT_ENV, **fresh_cache}, inventory=inventory)

    assert again.returncode == 0, again.output
    assert sum(again.stat("changed", host) for host in accounts) == 0, again.output
    assert [r for r in sb.aws.requests[aws_before:] if r in sb.aws.write_requests()] == []
    assert [r for r in sb.azure.requests[azure_before:] if r in sb.azure.write_requests()] == []
    # One workspace, three accounts: one workspace read and one connector list (which proves
    # Sentinel is enabled: no onboarding-state read).
    assert arm_reads(sb, azure_before) == ["connectors/law-sentinel", "workspace/law-sentinel"]
    # Both in one module run: one Azure sign-in (discovery and token) for the whole converged run.
    assert azure_sign_in_requests(sb, azure_before) == SIGN_IN
    # data_connector did not run, yet each account's fact names its connector (the report shows it).
    reported = {row["account_id"]: row["connector_id"] for row in report_rows(again)}
    for account in accounts.values():
        assert reported[account] == connectors[f"arn:aws:iam::{account}:role/{ROLE_NAME}"]


def test_a_failing_account_among_healthy_ones_fails_alone_with_its_own_reason(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    """The connectors of the batch are written by one module run: its failures still land on their own accounts."""
    sb = clean_sandbox
    accounts = {"aws-ok": "111111111111", "aws-foreign": "222222222222", "aws-refused": "333333333333"}
    # aws-foreign: a role of Sentinel's name that is not Sentinel's (an EC2 role): refused, no connector.
    ec2_trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    sb.aws.client("iam", account_id="222222222222").create_role(
        RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(ec2_trust)
    )
    # aws-refused: its role is made, then Azure refuses its connector (and only its).
    refused_id = derive_connector_id(CLOUDTRAIL_KIND, f"arn:aws:iam::333333333333:role/{ROLE_NAME}")
    sb.azure.add_fault(method="PUT", path_contains=refused_id, status=403, code="AuthorizationFailed", times=100)
    inventory = accounts_inventory(
        tmp_path / "hosts.yml", {host: {"cloudtrail_aws_account_id": a} for host, a in accounts.items()}
    )
    shared = {k: v for k, v in role_vars(sb).items() if k not in ("cloudtrail_hosts", "cloudtrail_aws_account_id")}

    run = run_playbook(ONBOARD, extra_vars=shared, env={**sb.env, **REPORT_ENV}, inventory=inventory)

    assert run.returncode != 0
    assert [run.stat("failed", host) for host in accounts] == [0, 1, 1], run.output
    assert run.stat("changed", "aws-ok") == 2
    assert connector_role_arns(sb) == [f"arn:aws:iam::111111111111:role/{ROLE_NAME}"]
    assert ROLE_NAME in role_names(sb, account_id="333333333333")
    rows = {row["account_id"]: row for row in report_rows(run)}
    assert rows["111111111111"]["outcome"] == "created" and rows["111111111111"]["reason"] == ""
    assert rows["222222222222"]["outcome"] == "failed" and "ec2.amazonaws.com" in rows["222222222222"]["reason"]
    assert rows["333333333333"]["outcome"] == "failed"
    assert "law-sentinel" in rows["333333333333"]["reason"] and "not authorized" in rows["333333333333"]["reason"]
    # Each account's failure names only its own problem.
    assert "333333333333" not in rows["222222222222"]["reason"]
    assert "ec2.amazonaws.com" not in rows["333333333333"]["reason"]
    assert azure_sign_in_requests(sb) == SIGN_IN  # the connector writes reuse the shared read's token


def test_accounts_on_two_workspaces_from_inventory_vars_each_use_their_own(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    """Workspace per host in the inventory: each workspace is read once, and its problem stops only its accounts."""
    sb = clean_sandbox
    group = sb.env["SANDBOX_RESOURCE_GROUP"]
    hosts = {
        "aws-soc": {"cloudtrail_aws_account_id": "111111111111", "cloudtrail_workspace_name": "law-sentinel"},
        "aws-soc-2": {"cloudtrail_aws_account_id": "222222222222", "cloudtrail_workspace_name": "law-sentinel"},
        # law-plain: Sentinel is not enabled on it.
        "aws-lab": {"cloudtrail_aws_account_id": "444444444444", "cloudtrail_workspace_name": "law-plain"},
    }
    for variables in hosts.values():
        variables["cloudtrail_resource_group"] = group
    inventory = accounts_inventory(tmp_path / "hosts.yml", hosts)

    run = run_playbook(ONBOARD, extra_vars={}, env=sb.env, inventory=inventory)

    assert run.returncode != 0
    assert run.stat("failed", "aws-lab") == 1
    assert "Microsoft Sentinel is not enabled on workspace law-plain" in run.output
    assert "cloudtrail_ensure_sentinel" in run.output
    # The lab account was stopped before any write; the SOC accounts onboarded into their workspace.
    assert ROLE_NAME not in role_names(sb, account_id="444444444444")
    assert sb.azure.connectors(workspace="law-plain") == []
    assert sorted(connector_role_arns(sb)) == [
        f"arn:aws:iam::{a}:role/{ROLE_NAME}" for a in ("111111111111", "222222222222")
    ]
    for host in ("aws-soc", "aws-soc-2"):
        assert run.stat("changed", host) == 2

    # Allowed to enable Sentinel, the lab account onboards into its own workspace.
    hosts["aws-lab"]["cloudtrail_ensure_sentinel"] = True
    inventory = accounts_inventory(tmp_path / "hosts.yml", hosts)
    fixed = run_playbook(ONBOARD, extra_vars={}, env=sb.env, inventory=inventory)

    assert fixed.returncode == 0, fixed.output
    [lab] = sb.azure.connectors(workspace="law-plain")
    assert lab["properties"]["awsRoleArn"] == f"arn:aws:iam::444444444444:role/{ROLE_NAME}"
    lab_trust = trust_statement(sb, account_id="444444444444")
    assert lab_trust["Condition"]["StringEquals"]["sts:ExternalId"] == "6f5e4d3c-0000-4000-8000-0000000051a2"
    assert len(sb.azure.connectors(workspace="law-sentinel")) == 2

    azure_before, aws_before = len(sb.azure.requests), len(sb.aws.requests)
    again = run_playbook(ONBOARD, extra_vars={}, env=sb.env, inventory=inventory)

    assert again.returncode == 0, again.output
    assert sum(again.stat("changed", host) for host in hosts) == 0, again.output
    assert [r for r in sb.aws.requests[aws_before:] if r in sb.aws.write_requests()] == []
    assert [r for r in sb.azure.requests[azure_before:] if r in sb.azure.write_requests()] == []
    assert arm_reads(sb, azure_before) == sorted(
        f"{read}/{workspace}" for read in ("connectors", "workspace") for workspace in ("law-plain", "law-sentinel")
    )

    # Offboarding uses the shared lists too: each connector is removed from its own workspace.
    off = run_playbook(OFFBOARD, extra_vars={}, env=sb.env, inventory=inventory)

    assert off.returncode == 0, off.output
    assert sb.azure.connectors(workspace="law-plain") == [] and connector_role_arns(sb) == []
    for account in ("111111111111", "222222222222", "444444444444"):
        assert ROLE_NAME not in role_names(sb, account_id=account)


def connector_role_module_runs(run: PlaybookRun) -> int:
    """How many times connector_role ran as a module (-vvv names each module file it sends)."""
    return sum(1 for line in run.stdout.splitlines() if "Using module file" in line and "connector_role.py" in line)


def test_connector_role_runs_in_the_worker_by_default_and_as_a_module_when_asked_with_the_same_result(
    clean_sandbox: Sandbox,
) -> None:
    sb = clean_sandbox
    # The renamed policy makes connector_role warn: its warning must reach the output either way.
    variables = role_vars(sb, cloudtrail_managed_policies=["AWSCloudTrailReadOnlyAccess"])
    renamed = "AWSCloudTrailReadOnlyAccess was renamed by AWS"

    as_module = play(sb, extra_vars={**variables, "cloudtrail_in_process": False}, diff=True, verbosity=3)
    assert_ok(as_module)
    assert connector_role_module_runs(as_module) == 1 and renamed in as_module.output
    [created] = report_rows(as_module)
    assert (created["outcome"], created["ownership"]) == ("created", "created")

    in_worker = play(sb, extra_vars=variables, diff=True, verbosity=3)
    assert_ok(in_worker)
    assert connector_role_module_runs(in_worker) == 0 and renamed in in_worker.output
    assert in_worker.stat("changed") == 0
    assert report_rows(in_worker) == [{**created, "ownership": "managed", "outcome": "unchanged"}]

    # A change made in the worker: the same IAM write and the same diff as the module's.
    drifted = play(sb, extra_vars={**variables, "cloudtrail_role_tags": {"team": "soc"}}, diff=True, verbosity=3)
    assert_ok(drifted)
    assert connector_role_module_runs(drifted) == 0 and drifted.stat("changed") == 1
    assert sb.aws.client("iam").list_role_tags(RoleName=ROLE_NAME)["Tags"].count({"Key": "team", "Value": "soc"}) == 1
    account_task = drifted.stdout.split("TASK [sentinel.aws.cloudtrail : Onboard or offboard", 1)[1].split("TASK [", 1)[
        0
    ]
    assert (
        '-        "sentinel.aws:managed": "true"\n+        "sentinel.aws:managed": "true",\n+        "team": "soc"'
        in account_task
    )
