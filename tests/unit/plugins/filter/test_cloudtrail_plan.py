"""The role's per-account plan: stop reasons, the step, the workspace ID, the connector of the role."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import subprocess
import sys
from typing import Any

import pytest

from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_plan import FilterModule

cloudtrail_plan = FilterModule().filters()["cloudtrail_plan"]

KEY = "/rg-sentinel/law-sentinel/"
ACCOUNT = "123456789012"
ARN = f"arn:aws:iam::{ACCOUNT}:role/MicrosoftSentinelRole"
WORKSPACE_ID = "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"
KIND = "AmazonWebServicesCloudTrail"
CONNECTOR = {
    "name": "c0a8f5a4-7d0e-4c1b-9f2a-3b4c5d6e7f80",
    "id": "/subscriptions/x/c",
    "kind": KIND,
    "logs_enabled": True,
    "aws_role_arn": ARN,
}
OTHER_ID = "0f0e0d0c-0b0a-4909-8807-060504030201"
WORKSPACE = {"key": KEY, "options": {"resource_group": "rg-sentinel", "workspace_name": "law-sentinel"}}


def account(**overrides: Any) -> dict[str, Any]:
    """The role's cloudtrail__account fact (tasks/validate.yml)."""
    base = {
        "input_errors": [],
        "workspace": WORKSPACE,
        "state": "present",
        "aws_account_id": ACCOUNT,
        "role_path": "/",
        "role_name": "MicrosoftSentinelRole",
        "external_id": "",
        "connector_id": "",
        "logs_enabled": True,
        "ensure_sentinel": False,
        "verify": False,
    }
    return {**base, **overrides}


def loop_result(**result: Any) -> dict[str, Any]:
    """What a run_once loop registers: one result per workspace item (tasks/shared_reads.yml)."""
    return {"changed": False, "results": [{"item": WORKSPACE, "changed": False, **result}] if result else []}


def workspace_read(**result: Any) -> dict[str, Any]:
    return loop_result(**(result or {"workspace": {"customer_id": WORKSPACE_ID}}))


def connector_read(*connectors: dict[str, Any], **result: Any) -> dict[str, Any]:
    return loop_result(**(result or {"connectors": list(connectors)}))


def one_read(workspaces: dict[str, Any], connectors: dict[str, Any]) -> dict[str, Any]:
    """The two halves as data_connector_info with workspace_details registers them: one result per workspace.

    A failed half's keys (failed, msg) come from the workspace read first, as the module reports them.
    """
    by_key: dict[str, dict[str, Any]] = {}
    for result in connectors["results"] + workspaces["results"]:
        by_key.setdefault(result["item"]["key"], {}).update(result)
    return {"changed": False, "results": list(by_key.values())}


def plan(
    the_account: dict[str, Any], workspaces: dict[str, Any] | None = None, connectors: dict[str, Any] | None = None
) -> dict[str, Any]:
    return cloudtrail_plan(
        the_account,
        one_read(
            workspace_read() if workspaces is None else workspaces,
            connector_read(CONNECTOR) if connectors is None else connectors,
        ),
    )


def test_a_converged_account_only_converges_its_role() -> None:
    result = plan(account())
    assert result == {
        "stop_reason": "",
        "step": "present_connector_converged",
        "role_arn": ARN,
        "workspace": "law-sentinel",
        "workspace_id": WORKSPACE_ID,
        "connector": CONNECTOR,
        "connector_converged": True,
        "connector_to_remove": False,
    }


def test_the_role_arn_is_built_as_connector_role_builds_it() -> None:
    result = plan(account(role_path="/sentinel/", role_name="Reader"))
    assert result["role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/sentinel/Reader"


@pytest.mark.parametrize(
    "listed_arn",
    [
        ARN.replace("MicrosoftSentinelRole", "MICROSOFTSENTINELROLE"),  # IAM names ignore case
        f"  {ARN} ",  # as the module compares: stripped, then lower-cased (issue 14)
    ],
)
def test_the_role_arn_is_matched_as_the_module_matches_it(listed_arn: str) -> None:
    listed = {**CONNECTOR, "aws_role_arn": listed_arn}
    result = plan(account(), connectors=connector_read(listed))
    assert (result["connector"], result["step"]) == (listed, "present_connector_converged")


@pytest.mark.parametrize(
    "overrides,connectors",
    [
        ({}, []),  # no connector for the role yet
        ({"logs_enabled": False}, [CONNECTOR]),  # logs state differs
        ({"connector_id": OTHER_ID}, []),  # another connector ID wanted, no connector holding the role yet
        ({}, [{**CONNECTOR, "kind": "AmazonWebServicesS3"}]),  # another kind does not hold the role
    ],
)
def test_a_missing_or_different_connector_is_converged_by_present(overrides: dict, connectors: list) -> None:
    result = plan(account(**overrides), connectors=connector_read(*connectors))
    assert result["step"] == "present"
    assert result["connector_converged"] is False


def test_the_given_connector_id_matches_without_regard_to_case() -> None:
    result = plan(account(connector_id=CONNECTOR["name"].upper()))
    assert result["step"] == "present_connector_converged"


def test_a_given_external_id_wins_over_the_workspace_read() -> None:
    given = "11111111-2222-4333-8444-555555555555"
    assert plan(account(external_id=given), workspaces=loop_result())["workspace_id"] == given


def test_the_reads_of_other_workspaces_are_not_the_accounts() -> None:
    other = {"key": "//law-other/", "options": {"workspace_name": "law-other"}}
    reads = workspace_read()
    reads["results"].insert(0, {"item": other, "workspace": {"customer_id": "other"}})
    assert plan(account(), workspaces=reads)["workspace_id"] == WORKSPACE_ID


def test_offboarding_removes_only_the_connector_of_the_role() -> None:
    assert plan(account(state="absent"))["step"] == "absent"
    assert plan(account(state="absent"))["connector_to_remove"] is True
    assert plan(account(state="absent"), connectors=connector_read())["connector_to_remove"] is False
    # A given ID that is the role's connector (any case) is removed; none listed at all: the role still goes.
    assert plan(account(state="absent", connector_id=CONNECTOR["name"].upper()))["connector_to_remove"]
    unlisted = plan(account(state="absent", connector_id=OTHER_ID), connectors=connector_read())
    assert (unlisted["step"], unlisted["connector_to_remove"]) == ("absent", False)


def test_input_errors_stop_the_account_first() -> None:
    failed = workspace_read(msg="workspace not found")
    result = plan(account(input_errors=["a is wrong", "b is wrong"]), workspaces=failed)
    assert (result["stop_reason"], result["step"]) == ("a is wrong; b is wrong", "stop")
    # An account with input errors was left out of the reads: its workspace has no result.
    assert plan(account(input_errors=["a is wrong"]), loop_result(), loop_result())["stop_reason"] == "a is wrong"


def test_a_failed_workspace_read_stops_with_its_message() -> None:
    failed = workspace_read(failed=True, msg="Workspace law-sentinel was not found")
    result = plan(account(), workspaces=failed, connectors=connector_read(failed=True, msg="not found either"))
    assert (result["stop_reason"], result["step"]) == ("Workspace law-sentinel was not found", "stop")
    assert plan(account(), workspaces=loop_result())["stop_reason"] == "the workspace was not read"


def test_a_failed_connector_list_stops_with_its_message() -> None:
    assert plan(account(), connectors=connector_read(msg="access denied"))["stop_reason"] == "access denied"
    assert plan(account(), connectors=loop_result())["stop_reason"] == "the data connectors were not listed"


def test_sentinel_off_stops_onboarding_unless_it_may_be_enabled() -> None:
    off = connector_read(failed=True, sentinel_enabled=False, msg="not onboarded")
    reason = plan(account(), connectors=off)["stop_reason"]
    assert reason.startswith("Microsoft Sentinel is not enabled on workspace law-sentinel")
    assert "cloudtrail_ensure_sentinel" in reason
    assert plan(account(ensure_sentinel=True), connectors=off)["step"] == "present"
    # Offboarding: a workspace without Sentinel has no connector to remove, the role still goes.
    assert plan(account(state="absent"), connectors=off)["step"] == "absent"


def test_sentinel_off_names_a_workspace_given_by_resource_id() -> None:
    resource_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws"
    workspace = {"key": "///" + resource_id, "options": {"workspace_resource_id": resource_id}}
    off = {"results": [{"item": workspace, "failed": True, "sentinel_enabled": False, "msg": "not onboarded"}]}
    given = "11111111-2222-4333-8444-555555555555"
    result = plan(account(workspace=workspace, external_id=given), workspaces=loop_result(), connectors=off)
    assert resource_id in result["stop_reason"]


# --- issue 11: what the shared reads show stops an account before any write --------------------------


def test_a_given_external_id_that_is_not_the_workspace_id_stops_the_account() -> None:
    given = "11111111-2222-4333-8444-555555555555"
    for state in ("present", "absent"):
        result = plan(account(external_id=given, state=state))
        assert result["step"] == "stop"
        assert result["stop_reason"].startswith(
            f"cloudtrail_external_id {given} is not the workspace ID of workspace law-sentinel "
            f"(its customer_id is {WORKSPACE_ID})"
        )
        assert "Nothing was changed" in result["stop_reason"]


def test_a_given_external_id_is_compared_without_regard_to_case() -> None:
    result = plan(account(external_id=WORKSPACE_ID.upper()))
    assert (result["stop_reason"], result["step"]) == ("", "present_connector_converged")


def test_a_given_external_id_goes_on_unchecked_when_the_workspace_was_not_read() -> None:
    given = "11111111-2222-4333-8444-555555555555"
    result = plan(account(external_id=given), workspaces=workspace_read(failed=True, msg="denied"))
    assert (result["stop_reason"], result["workspace_id"]) == ("", given)


def repointed(account_id: str) -> dict[str, Any]:
    """The connector list when OTHER_ID is a connector of another role in ``account_id`` and nothing holds ARN."""
    theirs = {**CONNECTOR, "name": OTHER_ID, "aws_role_arn": f"arn:aws:iam::{account_id}:role/OldSentinelRole"}
    return connector_read(theirs)


def test_onboarding_with_another_accounts_connector_id_stops_before_any_write() -> None:
    """Issue 11 case 3: the connector of 111111111111 would be repointed at 123456789012's role."""
    result = plan(account(connector_id=OTHER_ID.upper()), connectors=repointed("111111111111"))
    assert result["step"] == "stop"
    assert result["stop_reason"].startswith(
        f"cloudtrail_connector_id {OTHER_ID} is the connector of AWS account 111111111111"
    )
    assert "arn:aws:iam::111111111111:role/OldSentinelRole" in result["stop_reason"]
    assert "Leave cloudtrail_connector_id empty" in result["stop_reason"]


def test_onboarding_with_the_connector_id_of_a_renamed_role_of_the_account_updates_it() -> None:
    result = plan(account(connector_id=OTHER_ID), connectors=repointed(ACCOUNT))
    assert (result["stop_reason"], result["step"]) == ("", "present")
    assert result["connector"]["name"] == OTHER_ID


def test_onboarding_with_an_id_other_than_the_role_connectors_stops_before_any_write() -> None:
    result = plan(account(connector_id=OTHER_ID))
    assert result["step"] == "stop"
    assert result["stop_reason"].startswith(f"connector {CONNECTOR['name']} already connects role {ARN}")
    assert "Omit cloudtrail_connector_id" in result["stop_reason"]


def test_onboarding_with_the_id_of_a_connector_of_another_kind_stops_before_any_write() -> None:
    s3 = {"name": OTHER_ID, "kind": "AmazonWebServicesS3", "id": "/subscriptions/x/s3"}
    result = plan(account(connector_id=OTHER_ID), connectors=connector_read(s3))
    assert result["step"] == "stop"
    assert result["stop_reason"].startswith(f"cloudtrail_connector_id {OTHER_ID} is already used by a connector")


def test_offboarding_with_an_id_other_than_the_role_connectors_stops_before_anything_is_removed() -> None:
    """Issue 11 case 4: the role would go and its connector would stay, reading nothing."""
    result = plan(account(state="absent", connector_id=OTHER_ID))
    assert result["step"] == "stop"
    assert result["stop_reason"].startswith(f"cloudtrail_connector_id {OTHER_ID} is not the connector of role {ARN}")
    assert f"connector {CONNECTOR['name']} holds it" in result["stop_reason"]


def test_offboarding_with_the_id_of_another_roles_connector_stops_before_anything_is_removed() -> None:
    for account_id in ("111111111111", ACCOUNT):
        result = plan(account(state="absent", connector_id=OTHER_ID), connectors=repointed(account_id))
        assert result["step"] == "stop"
        assert result["stop_reason"].startswith(
            f"cloudtrail_connector_id {OTHER_ID} holds role arn:aws:iam::{account_id}:role/OldSentinelRole, "
            f"not {ARN}"
        )


def test_the_role_filters_import_neither_boto3_nor_the_azure_sdk():
    # They run in the controller's worker of every account: importing boto3 (or azure-*) there
    # cost each account ~0.2 s of CPU, which at 50 accounts made the converged run 1.7 times slower.
    filters = (
        "cloudtrail_plan",
        "cloudtrail_input_errors",
        "cloudtrail_connection",
        "cloudtrail_outcome",
        "cloudtrail_report",
        "cloudtrail_verify_batch",
        "cloudtrail_connector_batch",
        "cloudtrail_connector_written",
    )
    imported = "; ".join("import ansible_collections.sentinel.aws.plugins.filter.%s" % name for name in filters)
    heavy = "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'azure')))"
    code = "import sys; sys.path[:0] = %r; %s; %s" % (sys.path, imported, heavy)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "[]\n"


# An S3 connector as data_connector_info lists it: its roleArn as aws_role_arn, even one of the same role.
S3_CONNECTOR = {
    "name": OTHER_ID,
    "id": "/subscriptions/x/s3",
    "kind": "AmazonWebServicesS3",
    "logs_enabled": True,
    "aws_role_arn": ARN,
    "sqs_urls": ["https://sqs.us-east-1.amazonaws.com/123456789012/q"],
    "destination_table": "AWSCloudTrail",
}


def test_an_s3_connector_of_the_same_role_is_never_taken_for_the_cloudtrail_one() -> None:
    onboarding = plan(account(), connectors=connector_read(S3_CONNECTOR))
    assert (onboarding["stop_reason"], onboarding["step"], onboarding["connector"]) == ("", "present", {})
    beside = plan(account(), connectors=connector_read(S3_CONNECTOR, CONNECTOR))
    assert beside["connector"] == CONNECTOR and beside["connector_converged"]
    offboarding = plan(account(state="absent"), connectors=connector_read(S3_CONNECTOR))
    assert (offboarding["connector_to_remove"], offboarding["connector"]) == (False, {})
    # Its ID given as the CloudTrail connector's: onboarding and offboarding stop before any change.
    assert (
        "kind AmazonWebServicesS3"
        in plan(account(connector_id=OTHER_ID), connectors=connector_read(S3_CONNECTOR))["stop_reason"]
    )
    refused = plan(account(state="absent", connector_id=OTHER_ID), connectors=connector_read(S3_CONNECTOR))
    assert refused["step"] == "stop" and not refused["connector_to_remove"]
    assert refused["stop_reason"].startswith(
        f"cloudtrail_connector_id {OTHER_ID} is a connector of kind AmazonWebServicesS3"
    )
