"""The sentinel.aws.organizations inventory plugin through the real ansible-inventory, against moto's Organizations.

Each test builds an organization in moto from a hub account with boto3 (OUs, accounts, tags, a closed
account), writes an ``*.organizations.yml`` file and reads ``ansible-inventory --list``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sandbox import Sandbox
from sandbox.aws import credentials_for

from helpers.ansible_run import ansible_env, run_playbook
from helpers.onboarding import ONBOARD, REPORT_ENV, ROLE_NAME, report_rows, role_vars

HUB = "111111111111"


def hub_env(sb: Sandbox) -> dict[str, str]:
    keys = credentials_for(HUB)
    return dict(
        sb.env, AWS_ACCESS_KEY_ID=keys["aws_access_key_id"], AWS_SECRET_ACCESS_KEY=keys["aws_secret_access_key"]
    )


def organization(sb: Sandbox) -> dict[str, str]:
    """Root, /Workloads, /Workloads/Prod, /Security and four accounts; their IDs by name. The log is then cleared."""
    client = sb.aws.client("organizations", account_id=HUB)
    client.create_organization(FeatureSet="ALL")
    ids = {"root": client.list_roots()["Roots"][0]["Id"]}

    def unit(name: str, parent: str) -> str:
        ids[name] = client.create_organizational_unit(ParentId=ids[parent], Name=name)["OrganizationalUnit"]["Id"]
        return ids[name]

    def account(name: str, parent: str, tags: dict[str, str]) -> None:
        tag_list = [{"Key": k, "Value": v} for k, v in tags.items()]
        created = client.create_account(Email=f"{name}@example.com", AccountName=name, Tags=tag_list)
        ids[name] = created["CreateAccountStatus"]["AccountId"]
        client.move_account(AccountId=ids[name], SourceParentId=ids["root"], DestinationParentId=ids[parent])

    unit("Workloads", "root")
    unit("Prod", "Workloads")
    unit("Security", "root")
    account("prod-a", "Prod", {"sentinel": "true", "env": "prod"})
    account("dev-b", "Workloads", {"sentinel": "true", "env": "dev"})
    account("sec-c", "Security", {})
    account("closed-d", "Prod", {"sentinel": "true"})
    client.close_account(AccountId=ids["closed-d"])
    sb.aws.reset()
    return ids


def _plain(value: Any) -> Any:
    """ansible-inventory 2.19 marks inventory values as {"__ansible_unsafe": value}."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def inventory(sb: Sandbox, tmp_path: Path, config: dict[str, Any], name: str = "sentinel.organizations.yml") -> dict:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"plugin": "sentinel.aws.organizations", **config}))
    command = [str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(path), "--list"]
    proc = subprocess.run(
        command, env=ansible_env(hub_env(sb)), capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dict(_plain(json.loads(proc.stdout)), stderr=proc.stderr)


def hosts(listing: dict) -> list[str]:
    return sorted(listing["_meta"]["hostvars"])


def test_every_active_account_is_a_host_with_its_id_name_ou_path_and_tags(clean_sandbox: Sandbox, tmp_path: Path):
    sb = clean_sandbox
    ids = organization(sb)
    listing = inventory(sb, tmp_path, {})

    assert hosts(listing) == sorted([HUB, ids["prod-a"], ids["dev-b"], ids["sec-c"]])  # closed-d is SUSPENDED
    assert listing["_meta"]["hostvars"][ids["prod-a"]] == {
        "cloudtrail_aws_account_id": ids["prod-a"],
        "aws_account_id": ids["prod-a"],
        "aws_account_name": "prod-a",
        "aws_account_email": "prod-a@example.com",
        "aws_account_arn": listing["_meta"]["hostvars"][ids["prod-a"]]["aws_account_arn"],
        "aws_account_status": "ACTIVE",
        "aws_account_tags": {"sentinel": "true", "env": "prod"},
        "aws_ou_path": "/Workloads/Prod",
        "aws_ou_id": ids["Prod"],
    }
    assert listing["_meta"]["hostvars"][ids["prod-a"]]["aws_account_arn"].endswith("/" + ids["prod-a"])
    assert listing["_meta"]["hostvars"][HUB]["aws_ou_path"] == "/"
    # Only reads: one walk of the tree, the tags of each of the five accounts (what a cache keeps).
    assert sb.aws.write_requests() == []
    assert sb.aws.actions().count("ListTagsForResource") == 5


def test_ou_path_tags_include_exclude_and_constructed_groups(clean_sandbox: Sandbox, tmp_path: Path):
    sb = clean_sandbox
    ids = organization(sb)
    listing = inventory(
        sb,
        tmp_path,
        {
            "organizational_units": ["Workloads/"],  # a path, written loosely, with the OUs below it
            "account_tags": {"sentinel": True, "env": ["prod", "staging"]},  # YAML's true is the tag value "true"
            "include_accounts": ["sec-c"],  # by name, outside the OU and without the tags
            "exclude_accounts": [HUB],
            "keyed_groups": [
                {"key": "aws_ou_path", "prefix": "ou"},
                {"key": "aws_account_tags.env | default('none')", "prefix": "env"},
            ],
            "groups": {"production": "aws_account_tags.env | default('') == 'prod'"},
            "compose": {"cloudtrail_assume_role_name": "'OrganizationAccountAccessRole'"},
        },
    )
    assert hosts(listing) == sorted([ids["prod-a"], ids["sec-c"]])
    assert listing["production"]["hosts"] == [ids["prod-a"]]
    assert listing["env_prod"]["hosts"] == [ids["prod-a"]]
    assert listing["env_none"]["hosts"] == [ids["sec-c"]]
    assert listing["ou__Workloads_Prod"]["hosts"] == [ids["prod-a"]]
    assert listing["_meta"]["hostvars"][ids["sec-c"]]["cloudtrail_assume_role_name"] == "OrganizationAccountAccessRole"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"organizational_units": ["Workloads"], "recursive": False}, ["dev-b"]),
        ({"organizational_units": ["/Workloads"]}, ["dev-b", "prod-a"]),
        ({"organizational_units": ["/Security", "/Workloads/Prod"]}, ["prod-a", "sec-c"]),
        ({"statuses": ["SUSPENDED"]}, ["closed-d"]),
        ({"statuses": ["ACTIVE", "SUSPENDED"], "account_tags": {"sentinel": None}}, ["closed-d", "dev-b", "prod-a"]),
    ],
)
def test_filters_by_ou_id_or_path_and_status(clean_sandbox: Sandbox, tmp_path: Path, config: dict, expected: list):
    sb = clean_sandbox
    ids = organization(sb)
    config = dict(config, organizational_units=[ids.get(u, u) for u in config.get("organizational_units", [])])
    assert hosts(inventory(sb, tmp_path, config)) == sorted(ids[name] for name in expected)


def test_hosts_named_by_account_name(clean_sandbox: Sandbox, tmp_path: Path):
    sb = clean_sandbox
    ids = organization(sb)
    listing = inventory(sb, tmp_path, {"hostname": "account_name", "organizational_units": ["/Workloads"]})
    assert hosts(listing) == ["dev-b", "prod-a"]
    assert listing["_meta"]["hostvars"]["prod-a"]["cloudtrail_aws_account_id"] == ids["prod-a"]


def test_the_cache_serves_a_second_listing_without_calls(clean_sandbox: Sandbox, tmp_path: Path):
    sb = clean_sandbox
    ids = organization(sb)
    config = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(tmp_path / "cache")}
    first = inventory(sb, tmp_path, config)
    sb.aws.reset()
    second = inventory(sb, tmp_path, config)
    assert hosts(second) == hosts(first) and ids["prod-a"] in hosts(second)
    assert sb.aws.requests == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"organizational_units": ["ou-BAD"]}, "organizational_units: 'ou-BAD' is not an OU ID"),
        ({"organizational_units": [""]}, "organizational_units: each entry is an OU ID"),
    ],
)
def test_a_bad_filter_names_the_option_before_any_call(clean_sandbox: Sandbox, tmp_path: Path, config, message):
    sb = clean_sandbox
    path = tmp_path / "bad.organizations.yml"
    path.write_text(yaml.safe_dump({"plugin": "sentinel.aws.organizations", **config}))
    command = [str(Path(sys.executable).parent / "ansible-inventory"), "-i", str(path), "--list"]
    proc = subprocess.run(
        command, env=ansible_env(hub_env(sb)), capture_output=True, text=True, timeout=300, check=False
    )
    assert message in proc.stderr
    assert sb.aws.requests == []


def test_onboard_the_accounts_of_an_ou_from_the_hub(clean_sandbox: Sandbox, tmp_path: Path):
    """The whole issue-17 path: hosts from the organization, each onboarded through its OrganizationAccountAccessRole."""
    sb = clean_sandbox
    ids = organization(sb)
    path = tmp_path / "hub.organizations.yml"
    config = {
        "plugin": "sentinel.aws.organizations",
        "organizational_units": ["/Workloads/Prod"],
        "compose": {
            "cloudtrail_assume_role_name": "'OrganizationAccountAccessRole'",
            "ansible_connection": "'local'",
        },
    }
    path.write_text(yaml.safe_dump(config))
    shared = {k: v for k, v in role_vars(sb).items() if k not in ("cloudtrail_hosts", "cloudtrail_aws_account_id")}

    run = run_playbook(ONBOARD, extra_vars=shared, env={**hub_env(sb), **REPORT_ENV}, inventory=path)

    assert run.returncode == 0, run.output
    role_arn = f"arn:aws:iam::{ids['prod-a']}:role/{ROLE_NAME}"
    assert sb.aws.client("iam", account_id=ids["prod-a"]).get_role(RoleName=ROLE_NAME)["Role"]["Arn"] == role_arn
    [row] = report_rows(run)
    assert (row["host"], row["account_id"], row["outcome"]) == (ids["prod-a"], ids["prod-a"], "created")
    [connector] = sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"])
    assert connector["properties"]["awsRoleArn"] == role_arn
