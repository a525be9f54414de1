"""Bad input, end to end: every malformed variable fails the onboarding playbook before any write.

Each case runs ``playbooks/onboard.yml`` (the role ``sentinel.aws.cloudtrail``) once against the
sandbox with one bad variable, then checks three things against real state:

- the run failed;
- neither moto nor the Azure emulator saw a write request (reads, such as the workspace lookup,
  are allowed: they change nothing);
- the failure message names the variable (the role variable, or the module option it feeds, e.g.
  ``tags`` for ``cloudtrail_role_tags``), so the user knows what to fix.

Only the failure messages of the run are searched, not the whole output: task titles such as
"Check cloudtrail_role_name" would otherwise make the last check pass for the wrong reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sandbox import Sandbox

from helpers.ansible_run import REPO, run_playbook

ONBOARD = REPO / "playbooks" / "onboard.yml"
WORKSPACE_ID = "6f5e4d3c-0000-4000-8000-0000000051a1"  # customerId of the seeded law-sentinel
SUBSCRIPTION_ID = "0b1f6471-0000-4000-8000-00000000501b"
# "fatal: [host]: FAILED! => {", or "failed: [host] (item=...) => {" for a loop item.

pytestmark = pytest.mark.slow


@dataclass
class Case:
    id: str
    variables: dict[str, Any]
    names: tuple[str, ...]  # the failure message must contain one of these
    extra: dict[str, Any] = field(default_factory=dict)
    says: str = ""  # ...and this, where the variable's name alone could be found for the wrong reason


def saying(says: str, case_id: str, variable: str, value: Any) -> Case:
    return Case(case_id, {variable: value}, (variable,), says=says)


def case(case_id: str, variable: str, value: Any, *aliases: str, **extra: Any) -> Case:
    return Case(case_id, {variable: value}, (variable, *aliases), extra)


# The trailing-newline cases guard the validation patterns' end anchor: Python's `$` matches before a
# final newline, so the patterns end in `\Z`.
CASES = [
    # AWS account IDs
    case("account-11-digits", "cloudtrail_aws_account_id", "12345678901"),
    case("account-13-digits", "cloudtrail_aws_account_id", "1234567890123"),
    case("account-letters", "cloudtrail_aws_account_id", "12345678901O"),
    case("account-empty", "cloudtrail_aws_account_id", ""),
    case("account-fullwidth-digits", "cloudtrail_aws_account_id", "\uff11" * 12),
    case("account-list", "cloudtrail_aws_account_id", ["123456789012"]),
    case("account-trailing-newline", "cloudtrail_aws_account_id", "123456789012\n"),
    case("microsoft-account-short", "cloudtrail_microsoft_account_id", "19785702652", "microsoft_account_id"),
    # GUIDs
    case("external-id-not-guid", "cloudtrail_external_id", "law-sentinel", "external_id"),
    case("external-id-braces", "cloudtrail_external_id", "{%s}" % WORKSPACE_ID, "external_id"),
    case("external-id-arabic-digit", "cloudtrail_external_id", WORKSPACE_ID[:-1] + "\u0661", "external_id"),
    case(
        "external-id-arm-resource-id",
        "cloudtrail_external_id",
        f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-sentinel/providers/"
        "Microsoft.OperationalInsights/workspaces/law-sentinel",
        "external_id",
    ),
    case("external-id-trailing-newline", "cloudtrail_external_id", WORKSPACE_ID + "\n"),
    case("connector-id-not-guid", "cloudtrail_connector_id", "aws-connector-1", "connector_id"),
    case("subscription-not-guid", "cloudtrail_subscription_id", "my-subscription", "subscription_id"),
    case(
        "subscription-trailing-newline",
        "cloudtrail_subscription_id",
        SUBSCRIPTION_ID + "\n",
        "subscription_id",
    ),
    # IAM names and paths
    case("role-name-65-chars", "cloudtrail_role_name", "R" * 65),
    case("role-name-empty", "cloudtrail_role_name", ""),
    case("role-name-unicode", "cloudtrail_role_name", "R\u00f4leSentinel"),
    case("role-name-slash", "cloudtrail_role_name", "sentinel/role"),
    case("role-path-no-trailing-slash", "cloudtrail_role_path", "/sentinel"),
    case("role-path-space", "cloudtrail_role_path", "/soc team/"),
    case("role-path-513-chars", "cloudtrail_role_path", "/" + "a/" * 256),
    case("role-description-1001-chars", "cloudtrail_role_description", "d" * 1001, "description"),
    # IAM's Description pattern: tab, line breaks, printable ASCII, Latin-1 from U+00A1
    saying("U+0000", "role-description-nul", "cloudtrail_role_description", "bad\x00description"),
    saying("U+2014", "role-description-outside-latin-1", "cloudtrail_role_description", "Sentinel \u2014 CloudTrail"),
    # tags
    case("tags-reserved-prefix", "cloudtrail_role_tags", {"aws:owner": "soc"}, "tags"),
    case("tags-key-129-chars", "cloudtrail_role_tags", {"k" * 129: "v"}, "tags"),
    case("tags-value-257-chars", "cloudtrail_role_tags", {"owner": "v" * 257}, "tags"),
    case("tags-51", "cloudtrail_role_tags", {f"k{i}": "v" for i in range(51)}, "tags"),
    case("tags-forbidden-characters", "cloudtrail_role_tags", {"owner": "<soc>"}, "tags"),
    case("tags-not-a-dict", "cloudtrail_role_tags", ["owner=soc"]),
    # managed policies
    case("policy-arn-malformed", "cloudtrail_managed_policies", ["arn:aws:iam::aws:policy"], "managed_policies"),
    case("policy-name-with-space", "cloudtrail_managed_policies", ["AWS CloudTrail ReadOnly"], "managed_policies"),
    # the workspace, looked up by workspace_info (a read) before any write
    case("workspace-name-space", "cloudtrail_workspace_name", "law sentinel", "workspace_name"),
    case("workspace-name-64-chars", "cloudtrail_workspace_name", "w" * 64, "workspace_name"),
    case("resource-group-slash", "cloudtrail_resource_group", "rg/sentinel", "resource_group"),
    # ...and with the external ID given, when nothing reads the workspace before the IAM role is written
    case(
        "workspace-name-space-with-external-id",
        "cloudtrail_workspace_name",
        "law sentinel",
        "workspace_name",
        cloudtrail_external_id=WORKSPACE_ID,
    ),
    case(
        "resource-group-slash-with-external-id",
        "cloudtrail_resource_group",
        "rg/sentinel",
        "resource_group",
        cloudtrail_external_id=WORKSPACE_ID,
    ),
    Case(
        "workspace-resource-id-wrong-provider",
        {
            "cloudtrail_workspace_name": None,
            "cloudtrail_resource_group": None,
            "cloudtrail_workspace_resource_id": f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-sentinel/"
            "providers/Microsoft.Insights/workspaces/law-sentinel",
        },
        ("cloudtrail_workspace_resource_id", "workspace_resource_id"),
    ),
    Case(
        "workspace-resource-id-wrong-provider-with-external-id",
        {
            "cloudtrail_workspace_name": None,
            "cloudtrail_resource_group": None,
            "cloudtrail_workspace_resource_id": f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-sentinel/"
            "providers/Microsoft.Insights/workspaces/law-sentinel",
            "cloudtrail_external_id": WORKSPACE_ID,
        },
        ("cloudtrail_workspace_resource_id", "workspace_resource_id"),
    ),
    # wrong types and values of the role's own options
    case("wait-timeout-not-a-number", "cloudtrail_wait_timeout", "soon"),
    case(
        "wait-timeout-negative",
        "cloudtrail_wait_timeout",
        -5,
        "wait_timeout",
    ),
    case("logs-enabled-not-a-bool", "cloudtrail_logs_enabled", "maybe"),
    case("state-empty", "cloudtrail_state", ""),
    # a number or a boolean where a GUID is wanted: once an internal error ("has no len()")
    saying("must be a GUID", "external-id-number", "cloudtrail_external_id", 12345),
    saying("must be a GUID", "external-id-true", "cloudtrail_external_id", True),
    # connection keys no module takes (a misspelled secret would be shown by the module that refused it)
    saying("secret_access_key", "aws-connection-unknown-key", "cloudtrail_aws_connection", {"secret_access_key": "x"}),
    saying("client_secrt", "azure-connection-unknown-key", "cloudtrail_azure_connection", {"client_secrt": "x"}),
    saying(
        "client_secret, secret",
        "azure-connection-secret-twice",
        "cloudtrail_azure_connection",
        {"secret": "x", "client_secret": "y"},
    ),
    case("govcloud-region", "cloudtrail_aws_connection", {"region": "us-gov-west-1"}),
]


def variables_for(sb: Sandbox, bad: Case) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "cloudtrail_hosts": "localhost",
        "cloudtrail_aws_account_id": sb.env["SANDBOX_AWS_ACCOUNT_ID"],
        "cloudtrail_workspace_name": sb.env["SANDBOX_WORKSPACE_NAME"],
        "cloudtrail_resource_group": sb.env["SANDBOX_RESOURCE_GROUP"],
        # Bounds a defect that lets a bad value reach the connector PUT: it would retry for 60 s.
        "cloudtrail_wait_timeout": 1,
    }
    variables.update(bad.extra)
    variables.update(bad.variables)
    return {key: value for key, value in variables.items() if value is not None}


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 25
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("bad", CASES, ids=[c.id for c in CASES])
def test_bad_input_fails_before_any_write_naming_the_variable(clean_sandbox: Sandbox, bad: Case) -> None:
    sb = clean_sandbox

    run = run_playbook(ONBOARD, extra_vars=variables_for(sb, bad), env=sb.env)

    assert run.returncode != 0, run.output
    writes = [r["action"] for r in sb.aws.write_requests()] + [
        f"{r['method']} {r['path']}" for r in sb.azure.write_requests()
    ]
    assert writes == [], f"writes before the failure: {writes}\n{run.output}"
    messages = run.failure_messages()
    assert messages, run.output
    assert any(name in message for message in messages for name in bad.names), messages
    assert any(bad.says in message for message in messages), messages


# YAML, as in an inventory or a vars file, types what it reads: an unquoted 055555555555 is octal.
YAML_CASES = {
    "account-id-octal": ("cloudtrail_aws_account_id: 055555555555", "cloudtrail_aws_account_id", "quote account IDs"),
    "microsoft-account-id-octal": (
        "cloudtrail_microsoft_account_id: 012345670123",
        "cloudtrail_microsoft_account_id",
        "(012345670123 becomes 1402433619)",
    ),
    "external-id-yes": ("cloudtrail_external_id: yes", "cloudtrail_external_id", "must be a GUID"),
}


@pytest.mark.parametrize("case_id", list(YAML_CASES))
def test_yaml_typed_input_fails_before_any_write_naming_the_variable(
    clean_sandbox: Sandbox, tmp_path: Path, case_id: str
) -> None:
    sb = clean_sandbox
    text, variable, says = YAML_CASES[case_id]
    (tmp_path / "vars.yml").write_text(text + "\n")
    good = variables_for(sb, Case("good", {}, ()))

    run = run_playbook(ONBOARD, extra_vars=good, env=sb.env, args=["-e", f"@{tmp_path / 'vars.yml'}"])

    assert run.returncode != 0, run.output
    assert sb.aws.write_requests() == [] and sb.azure.write_requests() == [], run.output
    messages = run.failure_messages()
    assert any(message.startswith(variable + " ") and says in message for message in messages), messages
