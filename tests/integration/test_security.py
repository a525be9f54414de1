"""Security, end to end: secrets never shown, the external ID always required, TLS checked, right account.

Every check reads real state: the playbook output of real ``ansible-playbook`` runs, the roles in
moto, the request logs of the sandbox, the tokens the Azure emulator issued.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.sentinel.aws.plugins.module_utils import iam_role
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import (
    ExternalIdTrust,
    UnsafeTrustPolicy,
    WebIdentityTrust,
    build_trust_policy,
    build_web_identity_trust,
)
from sandbox import Sandbox
from sandbox.core import load_seed

from helpers.ansible_run import REPO, PlaybookRun, run_playbook
from helpers.onboarding import ONBOARD, OFFBOARD, ROLE_NAME, SENTINEL_ACCOUNT, role_vars

OTHER_ACCOUNT = "111111111111"


pytestmark = pytest.mark.slow


def role_names(sb: Sandbox, account_id: str | None = None) -> list[str]:
    return [r["RoleName"] for r in sb.aws.client("iam", account_id=account_id).list_roles()["Roles"]]


# --- no secret in output, results or diff, even with -vvv ----------------------------------------------

CANARY = {
    "azure_secret": "CANARYazureSecret-7d1f0e2b9c4a58e3",
    "aws_secret_key": "CANARYawsSecretKey/9f8e7d6c5b4a3e2d",
    "aws_session_token": "CANARYawsSessionToken+1a2b3c4d5e6f70",
    "wrong_azure_secret": "CANARYwrongAzureSecret-0e9d8c7b6a",
}


@pytest.fixture(scope="module")
def canary_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A sandbox whose Azure app secret and AWS keys are distinctive values to search the output for."""
    seed = load_seed()
    seed["client_secret"] = CANARY["azure_secret"]
    seed["aws"]["secret_access_key"] = CANARY["aws_secret_key"]
    with Sandbox(tmp_path_factory.mktemp("canary-sandbox"), seed=seed) as sb:
        yield sb


def test_no_secret_or_token_appears_with_vvv_in_output_results_or_diff(
    canary_sandbox: Sandbox, token_cache_dir: str
) -> None:
    sb = canary_sandbox
    sb.reset()
    assert sb.env["AZURE_SECRET"] == CANARY["azure_secret"]
    assert sb.env["AWS_SECRET_ACCESS_KEY"] == CANARY["aws_secret_key"]
    env = dict(sb.env, AWS_SESSION_TOKEN=CANARY["aws_session_token"])
    runs: list[PlaybookRun] = []

    # 1. Secrets from the environment (as AWX credentials inject them): create, with --diff.
    runs.append(run_playbook(ONBOARD, extra_vars=role_vars(sb), env=env, verbosity=3, diff=True))
    # 2. Secrets in the role's connection dicts (module_defaults), with a change to diff.
    without_secrets = {
        k: v for k, v in env.items() if k not in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AZURE_SECRET")
    }
    connections = {
        "cloudtrail_aws_connection": {
            "access_key": sb.env["AWS_ACCESS_KEY_ID"],
            "secret_key": CANARY["aws_secret_key"],
            "session_token": CANARY["aws_session_token"],
        },
        "cloudtrail_azure_connection": {"secret": CANARY["azure_secret"]},
    }
    runs.append(
        run_playbook(
            ONBOARD,
            extra_vars=role_vars(sb, cloudtrail_role_tags={"owner": "soc"}, **connections),
            env=without_secrets,
            verbosity=3,
            diff=True,
        )
    )
    # 3. A failed sign-in with a wrong secret: error paths must not echo it either.
    wrong = {**connections, "cloudtrail_azure_connection": {"secret": CANARY["wrong_azure_secret"]}}
    failed = run_playbook(ONBOARD, extra_vars=role_vars(sb, **wrong), env=without_secrets, verbosity=3, diff=True)
    runs.append(failed)
    # 4. Offboarding with the connection dicts.
    runs.append(run_playbook(OFFBOARD, extra_vars=role_vars(sb, **connections), env=without_secrets, verbosity=3))

    assert [r.returncode for r in runs] == [0, 0, 2, 0], "\n".join(r.output for r in runs)
    assert any("authentication failed" in m for m in failed.failure_messages()), failed.output
    assert runs[1].stat("changed") == 1 and "owner" in runs[1].stdout  # the diff was really shown
    tokens = sb.azure.tokens.issued()  # every bearer token the emulator issued during these runs
    # The role's tasks share one token through the token cache (the wrong secret cannot read it).
    assert len(tokens) >= 1
    canaries = list(CANARY.values()) + tokens
    for run in runs:
        for secret in canaries:
            assert secret not in run.output, f"secret {secret[:12]}... leaked:\n{run.output}"
    # The cache files hold them only encrypted.
    cached = list(Path(token_cache_dir).iterdir())
    assert cached
    for path in cached:
        for secret in canaries:
            assert secret.encode() not in path.read_bytes(), f"secret {secret[:12]}... in clear in {path}"
    assert sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"]) == []
    assert role_names(sb) == []


# --- connection dict keys: natural spellings work, unknown keys are refused, no value is ever shown -----------


def without_secrets(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AZURE_SECRET")}


def logged_run(tmp_path: Path, name: str, env: dict[str, str], **kwargs: Any) -> tuple[PlaybookRun, str]:
    """A -vvv run that also writes ANSIBLE_LOG_PATH; returns the run and the log file's text."""
    log = tmp_path / f"{name}.log"
    run = run_playbook(ONBOARD, env=dict(env, ANSIBLE_LOG_PATH=str(log)), verbosity=3, **kwargs)
    text = log.read_text()
    assert "PLAY RECAP" in text, "the log file was not written"
    return run, text


def test_connection_keys_spelled_as_boto3_and_azure_identity_name_them_work_and_stay_secret(
    canary_sandbox: Sandbox, tmp_path: Path
) -> None:
    sb = canary_sandbox
    sb.reset()
    account = "111111111111"  # the sandbox key AKIASBX<account> acts on that moto account: proof the key was used
    connections = {
        "cloudtrail_aws_connection": {
            "aws_access_key_id": f"AKIASBX{account}",
            "aws_secret_access_key": CANARY["aws_secret_key"],
            "aws_session_token": CANARY["aws_session_token"],
        },
        # Only the dict gives the secret (the environment has none): the sign-in proves the alias works.
        "cloudtrail_azure_connection": {"client_secret": CANARY["azure_secret"], "tenant_id": sb.env["AZURE_TENANT"]},
    }
    env = {k: v for k, v in without_secrets(sb.env).items() if k not in ("AWS_ACCESS_KEY_ID", "AZURE_TENANT")}

    run, log = logged_run(
        tmp_path, "aliases", env, extra_vars=role_vars(sb, cloudtrail_aws_account_id=account, **connections)
    )

    assert run.returncode == 0, run.output
    assert run.stat("changed") == 2
    assert {r["access_key"] for r in sb.aws.requests} == {f"AKIASBX{account}"}
    assert role_names(sb, account) == [ROLE_NAME]
    for secret in (CANARY["azure_secret"], CANARY["aws_secret_key"], CANARY["aws_session_token"]):
        assert secret not in run.output and secret not in log, f"secret {secret[:12]}... leaked"


def test_a_misspelled_secret_key_stops_its_account_before_any_module_and_its_value_is_never_shown(
    canary_sandbox: Sandbox, tmp_path: Path
) -> None:
    """Issue 12.5: the misspelled key's value once went to every module, which showed it with -vvv.

    The account with the misspelling is the first host of the batch, whose module_defaults the reads
    shared per workspace (run_once) use: they must not receive the bad dict either, and the other
    account onboards.
    """
    sb = canary_sandbox
    sb.reset()
    typo = {"typo": CANARY["wrong_azure_secret"], "aws_typo": CANARY["aws_session_token"]}
    inventory = {
        "all": {
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "hosts": {
                "aws-a-misspelled": {
                    "cloudtrail_aws_account_id": OTHER_ACCOUNT,
                    "cloudtrail_azure_connection": {"client_secrt": typo["typo"]},
                    "cloudtrail_aws_connection": {"secret_access_key": typo["aws_typo"]},
                },
                # The environment's credentials, which are right.
                "aws-b-right": {"cloudtrail_aws_account_id": sb.env["SANDBOX_AWS_ACCOUNT_ID"]},
            },
        }
    }
    (tmp_path / "hosts.yml").write_text(json.dumps(inventory))
    shared = {k: v for k, v in role_vars(sb).items() if k not in ("cloudtrail_hosts", "cloudtrail_aws_account_id")}

    run, log = logged_run(tmp_path, "misspelled", sb.env, extra_vars=shared, inventory=tmp_path / "hosts.yml")

    assert run.returncode != 0
    [message] = run.failure_messages()
    assert "cloudtrail_azure_connection has keys that no module takes: client_secrt" in message, message
    assert "cloudtrail_aws_connection has keys that no module takes: secret_access_key" in message, message
    assert "Unsupported parameters" not in run.output  # no module saw the keys
    for secret in typo.values():
        assert secret not in run.output and secret not in log, f"secret {secret[:12]}... leaked:\n{run.output}"
    assert run.stat("failed", "aws-a-misspelled") == 1
    assert run.stat("failed", "aws-b-right") == 0 and run.stat("changed", "aws-b-right") == 2, run.output
    assert {r["account"] for r in sb.aws.requests} == {sb.env["SANDBOX_AWS_ACCOUNT_ID"]}
    assert role_names(sb, OTHER_ACCOUNT) == [] and role_names(sb) == [ROLE_NAME]


# --- the trust policy always requires the external ID ---------------------------------------------------


class _ModuleOnMoto:
    """What RoleApi needs of AnsibleAWSModule: clients, here real boto3 clients on the sandbox's moto."""

    def __init__(self, sb: Sandbox):
        self.sb = sb

    def client(self, service: str, retry_decorator: Any = None) -> RetryingBotoClientWrapper:
        return RetryingBotoClientWrapper(self.sb.aws.client(service), retry_decorator)


def _spec(trust: dict[str, Any], external_id: str, name: str = ROLE_NAME, kind: Any = None) -> dict[str, Any]:
    return dict(
        name=name,
        path="/",
        trust_policy=trust,
        trust=kind or ExternalIdTrust(SENTINEL_ACCOUNT, "aws", external_id),
        description=None,
        max_session_duration=None,
        permissions_boundary=None,
        tags=None,
    )


WORKSPACE_ID = "6f5e4d3c-0000-4000-8000-0000000051a1"
ROOT = {"AWS": f"arn:aws:iam::{SENTINEL_ACCOUNT}:root"}
UNSAFE_TRUST_POLICIES = {
    "no-condition": {"Effect": "Allow", "Principal": ROOT, "Action": "sts:AssumeRole"},
    "other-external-id": {
        "Effect": "Allow",
        "Principal": ROOT,
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "00000000-0000-4000-8000-000000000000"}},
    },
    "string-like-wildcard": {
        "Effect": "Allow",
        "Principal": ROOT,
        "Action": "sts:AssumeRole",
        "Condition": {"StringLike": {"sts:ExternalId": "*"}},
    },
    "two-values": {
        "Effect": "Allow",
        "Principal": ROOT,
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": [WORKSPACE_ID, "anything"]}},
    },
}


@pytest.mark.parametrize("name", list(UNSAFE_TRUST_POLICIES))
def test_the_iam_layer_refuses_to_write_a_trust_policy_without_the_external_id(
    clean_sandbox: Sandbox, name: str
) -> None:
    sb = clean_sandbox
    api = iam_role.RoleApi(_ModuleOnMoto(sb))
    good = build_trust_policy(SENTINEL_ACCOUNT, WORKSPACE_ID)
    unsafe = {"Version": "2012-10-17", "Statement": [UNSAFE_TRUST_POLICIES[name]]}
    # Also a good statement plus the unsafe one: one open door is enough.
    mixed = {"Version": "2012-10-17", "Statement": good["Statement"] + [UNSAFE_TRUST_POLICIES[name]]}

    for document in (unsafe, mixed):
        with pytest.raises(UnsafeTrustPolicy):
            api.create_role(_spec(document, WORKSPACE_ID))
    with pytest.raises(UnsafeTrustPolicy):
        api.create_role(_spec(good, ""))
    assert sb.aws.write_requests() == []

    # The control: the same path does write a safe document, and then refuses to replace it.
    api.create_role(_spec(good, WORKSPACE_ID))
    assert [r["action"] for r in sb.aws.write_requests()] == ["CreateRole"]
    for document in (unsafe, mixed):
        with pytest.raises(UnsafeTrustPolicy):
            api.update_trust_policy(ROLE_NAME, document, ExternalIdTrust(SENTINEL_ACCOUNT, "aws", WORKSPACE_ID))
    assert [r["action"] for r in sb.aws.write_requests()] == ["CreateRole"]
    stored = sb.aws.client("iam").get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]
    assert [s["Condition"] for s in stored["Statement"]] == [{"StringEquals": {"sts:ExternalId": WORKSPACE_ID}}]


SESSION_NAME = f"MicrosoftSentinel_{WORKSPACE_ID}"
S3_ROLE = "OIDC_MicrosoftSentinelS3Role"
AUDIENCE_KEY = "sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/:aud"
UNSAFE_WEB_IDENTITY_CONDITIONS = {
    "no-condition": None,
    "audience-only": {"StringEquals": {AUDIENCE_KEY: "api://1462b192-27f7-4cb9-8523-0f4ecb54b47e"}},
    "session-name-only": {"StringEquals": {"sts:RoleSessionName": SESSION_NAME}},
    "any-session": {
        "StringEquals": {AUDIENCE_KEY: "api://1462b192-27f7-4cb9-8523-0f4ecb54b47e"},
        "StringLike": {"sts:RoleSessionName": "*"},
    },
    "other-session": {
        "StringEquals": {
            AUDIENCE_KEY: "api://1462b192-27f7-4cb9-8523-0f4ecb54b47e",
            "sts:RoleSessionName": "MicrosoftSentinel_00000000-0000-4000-8000-000000000000",
        }
    },
}


@pytest.mark.parametrize("name", list(UNSAFE_WEB_IDENTITY_CONDITIONS))
def test_the_iam_layer_refuses_a_web_identity_trust_without_both_conditions(clean_sandbox: Sandbox, name: str) -> None:
    """The S3 connector's role: every trust write carries the audience and this workspace's session name."""
    sb = clean_sandbox
    api = iam_role.RoleApi(_ModuleOnMoto(sb))
    account = sb.env["SANDBOX_AWS_ACCOUNT_ID"]
    kind = WebIdentityTrust("aws", [SESSION_NAME], account)
    good = build_web_identity_trust("aws", account, [SESSION_NAME])
    statement = {key: value for key, value in good["Statement"][0].items() if key != "Condition"}
    if UNSAFE_WEB_IDENTITY_CONDITIONS[name]:
        statement["Condition"] = UNSAFE_WEB_IDENTITY_CONDITIONS[name]
    unsafe = {"Version": "2012-10-17", "Statement": [statement]}
    mixed = {"Version": "2012-10-17", "Statement": good["Statement"] + [statement]}

    for document in (unsafe, mixed):
        with pytest.raises(UnsafeTrustPolicy):
            api.create_role(_spec(document, "", S3_ROLE, kind))
    assert sb.aws.write_requests() == []
    api.create_role(_spec(good, "", S3_ROLE, kind))
    for document in (unsafe, mixed):
        with pytest.raises(UnsafeTrustPolicy):
            api.update_trust_policy(S3_ROLE, document, kind)
    assert [r["action"] for r in sb.aws.write_requests()] == ["CreateRole"]


def test_every_trust_policy_the_playbook_leaves_requires_the_workspace_id(clean_sandbox: Sandbox) -> None:
    """Create, then add a second workspace: after each write the only statement carries the external-ID condition."""
    sb = clean_sandbox
    # law-plain has no Sentinel yet: the role may enable it. Its ID joins the first one in the condition.
    workspaces = {"law-sentinel": sb.env["SANDBOX_WORKSPACE_ID"], "law-plain": "6f5e4d3c-0000-4000-8000-0000000051a2"}
    served: list[str] = []
    for workspace, external_id in workspaces.items():
        variables = role_vars(sb, cloudtrail_workspace_name=workspace, cloudtrail_external_id=external_id)
        run = run_playbook(ONBOARD, extra_vars=dict(variables, cloudtrail_ensure_sentinel=True), env=sb.env)
        assert run.returncode == 0, run.output
        served.append(external_id)
        document = sb.aws.client("iam").get_role(RoleName=ROLE_NAME)["Role"]["AssumeRolePolicyDocument"]
        [statement] = document["Statement"]
        assert list(statement["Condition"]) == ["StringEquals"], document
        assert list(statement["Condition"]["StringEquals"]) == ["sts:ExternalId"], document
        ids = statement["Condition"]["StringEquals"]["sts:ExternalId"]
        assert sorted(ids if isinstance(ids, list) else [ids]) == sorted(served), document
    assert {"CreateRole", "UpdateAssumeRolePolicy"} <= {r["action"] for r in sb.aws.write_requests()}
    # A wrong external ID is stopped before IAM is written at all (issue 11 case 7).
    writes = len(sb.aws.write_requests())
    wrong = run_playbook(
        ONBOARD, extra_vars=role_vars(sb, cloudtrail_external_id="0a1b2c3d-0000-4000-8000-00000000beef"), env=sb.env
    )
    assert wrong.returncode != 0 and len(sb.aws.write_requests()) == writes


# --- TLS is verified by default ---------------------------------------------------------------------------


def test_without_the_sandbox_ca_the_azure_side_fails_quickly_on_the_certificate(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    env = {k: v for k, v in sb.env.items() if k != "REQUESTS_CA_BUNDLE"}

    started = time.monotonic()
    run = run_playbook(ONBOARD, extra_vars=role_vars(sb), env=dict(env, REQUESTS_CA_BUNDLE=""))
    elapsed = time.monotonic() - started

    assert run.returncode != 0
    [message] = run.failure_messages()
    assert "CERTIFICATE_VERIFY_FAILED" in message or "certificate verify failed" in message, message
    assert elapsed < 30, f"{elapsed:.1f} s to report a certificate error"
    # Nothing got through: no ARM request was answered, nothing was written anywhere.
    assert sb.azure.requests == []
    assert sb.aws.write_requests() == []


def test_cert_validation_mode_ignore_is_explicit_warned_and_works(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    env = dict(sb.env, REQUESTS_CA_BUNDLE="")
    variables = role_vars(sb, cloudtrail_azure_connection={"cert_validation_mode": "ignore"})

    run = run_playbook(ONBOARD, extra_vars=variables, env=env)

    assert run.returncode == 0, run.output
    assert "not checked" in run.output  # the module warns on every task that skips the check
    [connector] = sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"])
    assert connector["properties"]["awsRoleArn"].endswith(f":role/{ROLE_NAME}")


def test_cert_validation_is_on_by_default_and_turning_it_off_is_documented_as_unsafe() -> None:
    fragment = (REPO / "plugins" / "doc_fragments" / "azure.py").read_text()
    options = yaml.safe_load(fragment.split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0])["options"]
    option = options["cert_validation_mode"]
    assert option["default"] == "validate"
    assert "unsafe" in " ".join(option["description"]).lower()


# --- the wrong-account guard is on in the role -------------------------------------------------------------


def other_account_credentials(sb: Sandbox) -> dict[str, str]:
    """Sandbox keys AKIASBX<account> act on that moto account."""
    return dict(sb.env, AWS_ACCESS_KEY_ID=f"AKIASBX{OTHER_ACCOUNT}")


def test_onboarding_with_another_accounts_credentials_writes_nothing(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox

    run = run_playbook(ONBOARD, extra_vars=role_vars(sb), env=other_account_credentials(sb))

    assert run.returncode != 0
    [message] = run.failure_messages()
    assert OTHER_ACCOUNT in message and sb.env["SANDBOX_AWS_ACCOUNT_ID"] in message, message
    assert "GetCallerIdentity" in sb.aws.actions("sts")
    assert sb.aws.write_requests() == [] and sb.azure.write_requests() == []
    assert role_names(sb, OTHER_ACCOUNT) == [] and role_names(sb) == []


def test_a_role_of_the_same_name_in_another_account_is_neither_changed_nor_deleted(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    # The other account has its own role of that name (made by someone else, with another trust).
    trust = build_trust_policy(SENTINEL_ACCOUNT, "0a1b2c3d-0000-4000-8000-00000000beef")
    sb.aws.client("iam", account_id=OTHER_ACCOUNT).create_role(
        RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust)
    )
    sb.aws.reset()  # the request log only

    onboard = run_playbook(ONBOARD, extra_vars=role_vars(sb), env=other_account_credentials(sb))
    offboard = run_playbook(OFFBOARD, extra_vars=role_vars(sb), env=other_account_credentials(sb))

    for run in (onboard, offboard):
        assert run.returncode != 0, run.output
        assert any(OTHER_ACCOUNT in m for m in run.failure_messages()), run.output
    assert sb.aws.write_requests() == []
    kept = sb.aws.client("iam", account_id=OTHER_ACCOUNT).get_role(RoleName=ROLE_NAME)["Role"]
    assert kept["AssumeRolePolicyDocument"] == trust


def role_tasks(tasks: list) -> list:
    """The tasks of a tasks file, those inside blocks (and their rescue and always sections) too."""
    found = []
    for task in tasks or []:
        found.append(task)
        for section in ("block", "rescue", "always"):
            found.extend(role_tasks(task.get(section) or []))
    return found


def test_the_role_passes_the_account_id_to_every_connector_role_run() -> None:
    """The guard is not optional in the role: the one task that runs connector_role (sentinel.aws.cloudtrail_account,
    present and absent alike) sets role.account_id from the required variable; no task runs connector_role itself."""
    tasks_dir = REPO / "roles" / "cloudtrail" / "tasks"
    account_tasks = []
    for path in sorted(Path(tasks_dir).glob("*.yml")):
        for task in role_tasks(yaml.safe_load(path.read_text())):
            assert "sentinel.aws.connector_role" not in task, (path.name, task["name"])
            args = task.get("sentinel.aws.cloudtrail_account")
            if args is not None and "written" not in args:
                account_tasks.append((path.name, args))
    assert [found[0] for found in account_tasks] == ["main.yml"]
    assert "cloudtrail_aws_account_id" in str(account_tasks[0][1]["role"]["account_id"])
