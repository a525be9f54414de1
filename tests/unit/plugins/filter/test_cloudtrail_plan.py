"""The role's per-account plan: stop reasons, the tasks file, the workspace ID, the connector of the role."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

from typing import Any

import pytest

from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_plan import FilterModule

plan = FilterModule().filters()["cloudtrail_plan"]

KEY = "/rg-sentinel/law-sentinel/"
ARN = "arn:aws:iam::123456789012:role/MicrosoftSentinelRole"
WORKSPACE_ID = "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"
CONNECTOR = {
    "name": "c0a8f5a4-7d0e-4c1b-9f2a-3b4c5d6e7f80",
    "id": "/subscriptions/x/c",
    "logs_enabled": True,
    "aws_role_arn": ARN,
}
OTHER_ID = "0f0e0d0c-0b0a-4909-8807-060504030201"


def share(**overrides: Any) -> dict[str, Any]:
    base = {
        "workspace": {"key": KEY, "workspace_name": "law-sentinel", "workspace_resource_id": ""},
        "needs_workspace_id": True,
        "state": "present",
        "role_arn": ARN,
        "external_id": "",
        "connector_id": "",
        "logs_enabled": True,
        "ensure_sentinel": False,
    }
    return {**base, **overrides}


def shared(**overrides: Any) -> dict[str, Any]:
    base = {
        "workspaces": {KEY: {"customer_id": WORKSPACE_ID}},
        "listed": [KEY],
        "not_onboarded": [],
        # Keyed by the lower-cased ARN: IAM may spell the role's name in another case.
        "connectors": {f"{KEY}|{ARN.lower()}": CONNECTOR},
        "connector_ids": {f"{KEY}|{CONNECTOR['name']}": CONNECTOR},
        "errors": {},
    }
    return {**base, **overrides}


def test_a_converged_account_only_converges_its_role() -> None:
    result = plan(share(), shared())
    assert result == {
        "stop_reason": "",
        "tasks_file": "present_connector_converged.yml",
        "workspace_id": WORKSPACE_ID,
        "connector": CONNECTOR,
        "connector_converged": True,
        "connector_to_remove": True,
    }


def test_the_role_arn_is_matched_without_regard_to_case() -> None:
    assert plan(share(role_arn=ARN.upper().replace("ARN:AWS:IAM", "arn:aws:iam")), shared())["connector"] == CONNECTOR


@pytest.mark.parametrize(
    "overrides,listed",
    [
        ({}, {"connectors": {}}),  # no connector for the role yet
        ({"logs_enabled": False}, {}),  # logs state differs
        # another connector ID wanted, no connector holding the role yet
        ({"connector_id": "0f0e0d0c-0b0a-4909-8807-060504030201"}, {"connectors": {}}),
    ],
)
def test_a_missing_or_different_connector_is_converged_by_present(overrides: dict, listed: dict) -> None:
    result = plan(share(**overrides), shared(**listed))
    assert result["tasks_file"] == "present.yml"
    assert result["connector_converged"] is False


def test_the_given_connector_id_matches_without_regard_to_case() -> None:
    result = plan(share(connector_id=CONNECTOR["name"].upper()), shared())
    assert result["tasks_file"] == "present_connector_converged.yml"


def test_a_given_external_id_wins_over_the_workspace_read() -> None:
    given = "11111111-2222-4333-8444-555555555555"
    assert plan(share(external_id=given, needs_workspace_id=False), shared(workspaces={}))["workspace_id"] == given


def test_offboarding_removes_only_the_connector_of_the_role() -> None:
    assert plan(share(state="absent"), shared())["tasks_file"] == "absent.yml"
    assert plan(share(state="absent"), shared())["connector_to_remove"] is True
    assert plan(share(state="absent"), shared(connectors={}))["connector_to_remove"] is False
    # A given ID that is the role's connector (any case) is removed; none listed at all: the role still goes.
    assert plan(share(state="absent", connector_id=CONNECTOR["name"].upper()), shared())["connector_to_remove"]
    unlisted = plan(share(state="absent", connector_id=OTHER_ID), shared(connectors={}))
    assert (unlisted["tasks_file"], unlisted["connector_to_remove"]) == ("absent.yml", False)


def test_input_errors_stop_the_account_first() -> None:
    result = plan(share(), shared(errors={KEY: "workspace not found"}), ["a is wrong", "b is wrong"])
    assert (result["stop_reason"], result["tasks_file"]) == ("a is wrong; b is wrong", "stop.yml")


def test_a_failed_workspace_read_stops_with_its_message() -> None:
    result = plan(share(), shared(workspaces={}, listed=[], errors={KEY: "Workspace law-sentinel was not found"}))
    assert (result["stop_reason"], result["tasks_file"]) == ("Workspace law-sentinel was not found", "stop.yml")
    assert plan(share(), shared(workspaces={}))["stop_reason"] == "the workspace was not read"


def test_a_failed_connector_list_stops_with_its_message() -> None:
    assert plan(share(), shared(listed=[], errors={KEY: "access denied"}))["stop_reason"] == "access denied"
    assert plan(share(), shared(listed=[]))["stop_reason"] == "the data connectors were not listed"


def test_sentinel_off_stops_onboarding_unless_it_may_be_enabled() -> None:
    off = shared(listed=[], not_onboarded=[KEY], connectors={})
    reason = plan(share(), off)["stop_reason"]
    assert reason.startswith("Microsoft Sentinel is not enabled on workspace law-sentinel")
    assert "cloudtrail_ensure_sentinel" in reason
    assert plan(share(ensure_sentinel=True), off)["tasks_file"] == "present.yml"
    # Offboarding: a workspace without Sentinel has no connector to remove, the role still goes.
    assert plan(share(state="absent"), off)["tasks_file"] == "absent.yml"


def test_sentinel_off_names_a_workspace_given_by_resource_id() -> None:
    resource_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws"
    workspace = {"key": "///" + resource_id, "workspace_name": "", "workspace_resource_id": resource_id}
    off = shared(listed=[], not_onboarded=[workspace["key"]], workspaces={workspace["key"]: {}})
    assert resource_id in plan(share(workspace=workspace, needs_workspace_id=False), off)["stop_reason"]


# --- issue 11: what the shared reads show stops an account before any write --------------------------


def test_a_given_external_id_that_is_not_the_workspace_id_stops_the_account() -> None:
    given = "11111111-2222-4333-8444-555555555555"
    for state in ("present", "absent"):
        result = plan(share(external_id=given, needs_workspace_id=False, state=state), shared())
        assert result["tasks_file"] == "stop.yml"
        assert result["stop_reason"].startswith(
            f"cloudtrail_external_id {given} is not the workspace ID of workspace law-sentinel "
            f"(its customer_id is {WORKSPACE_ID})"
        )
        assert "Nothing was changed" in result["stop_reason"]


def test_a_given_external_id_is_compared_without_regard_to_case() -> None:
    result = plan(share(external_id=WORKSPACE_ID.upper(), needs_workspace_id=False), shared())
    assert (result["stop_reason"], result["tasks_file"]) == ("", "present_connector_converged.yml")


def test_a_given_external_id_goes_on_unchecked_when_the_workspace_was_not_read() -> None:
    given = "11111111-2222-4333-8444-555555555555"
    result = plan(share(external_id=given, needs_workspace_id=False), shared(workspaces={}, errors={KEY: "denied"}))
    assert (result["stop_reason"], result["workspace_id"]) == ("", given)


def repointed(account: str) -> dict[str, Any]:
    """The shared reads when OTHER_ID is a connector of a role in ``account`` and nothing holds ARN."""
    theirs = {**CONNECTOR, "name": OTHER_ID, "aws_role_arn": f"arn:aws:iam::{account}:role/MicrosoftSentinelRole"}
    return shared(connectors={}, connector_ids={f"{KEY}|{OTHER_ID}": theirs})


def test_onboarding_with_another_accounts_connector_id_stops_before_any_write() -> None:
    """Issue 11 case 3: the connector of 111111111111 would be repointed at 123456789012's role."""
    result = plan(share(connector_id=OTHER_ID.upper()), repointed("111111111111"))
    assert result["tasks_file"] == "stop.yml"
    assert result["stop_reason"].startswith(
        f"cloudtrail_connector_id {OTHER_ID} is the connector of AWS account 111111111111"
    )
    assert "arn:aws:iam::111111111111:role/MicrosoftSentinelRole" in result["stop_reason"]


def test_onboarding_with_the_connector_id_of_a_renamed_role_of_the_account_updates_it() -> None:
    result = plan(share(connector_id=OTHER_ID), repointed("123456789012"))
    assert (result["stop_reason"], result["tasks_file"]) == ("", "present.yml")


def test_onboarding_with_an_id_other_than_the_role_connectors_stops_before_any_write() -> None:
    result = plan(share(connector_id=OTHER_ID), shared())
    assert result["tasks_file"] == "stop.yml"
    assert result["stop_reason"].startswith(f"connector {CONNECTOR['name']} already connects role {ARN}")
    assert "Omit cloudtrail_connector_id" in result["stop_reason"]


def test_offboarding_with_an_id_other_than_the_role_connectors_stops_before_anything_is_removed() -> None:
    """Issue 11 case 4: the role would go and its connector would stay, reading nothing."""
    result = plan(share(state="absent", connector_id=OTHER_ID), shared())
    assert result["tasks_file"] == "stop.yml"
    assert result["stop_reason"].startswith(f"cloudtrail_connector_id {OTHER_ID} is not the connector of role {ARN}")
    assert f"connector {CONNECTOR['name']} holds it" in result["stop_reason"]


def test_offboarding_with_the_id_of_another_roles_connector_stops_before_anything_is_removed() -> None:
    for account in ("111111111111", "123456789012"):
        result = plan(share(state="absent", connector_id=OTHER_ID), repointed(account))
        assert result["tasks_file"] == "stop.yml"
        assert result["stop_reason"].startswith(
            f"cloudtrail_connector_id {OTHER_ID} holds role arn:aws:iam::{account}:role/MicrosoftSentinelRole, not {ARN}"
        )
