"""sentinel.aws.workspace_info and data_connector_info against the sandbox: reads only, clear errors."""

from __future__ import annotations

import json

from helpers.ansible_run import run_module
from helpers.onboarding import azure_sign_in_requests
from helpers.sandbox_state import ROLE_ARN, cloudtrail_body, make_role, portal_put


def ws_args(sandbox, name=None):
    return dict(workspace_name=name or sandbox.workspace["name"], resource_group=sandbox.seed["resource_group"])


def seeded(sandbox, name):
    return next(w for w in sandbox.seed["workspaces"] if w["name"] == name)


def test_workspace_info_returns_the_customer_id_and_sentinel_state(clean_sandbox):
    sb = clean_sandbox
    result = run_module("workspace_info", ws_args(sb), env=sb.env, check=True)
    assert not result.failed and not result.changed, result.result
    workspace = result.result["workspace"]
    assert workspace["customer_id"] == sb.workspace["customer_id"]
    assert workspace["sentinel_enabled"] is True
    assert workspace["location"] == sb.seed["location"] and workspace["subscription_id"] == sb.seed["subscription_id"]
    assert workspace["id"].endswith("/providers/Microsoft.OperationalInsights/workspaces/law-sentinel")
    # By resource ID (provider segment in lower case), the same workspace.
    by_id = run_module(
        "workspace_info", dict(workspace_resource_id=workspace["id"].replace("Microsoft.", "microsoft.")), env=sb.env
    )
    assert by_id.result["workspace"]["customer_id"] == workspace["customer_id"]
    assert sb.azure.write_requests() == []


def test_workspace_without_sentinel(clean_sandbox):
    sb = clean_sandbox
    result = run_module("workspace_info", ws_args(sb, "law-plain"), env=sb.env)
    assert result.result["workspace"]["sentinel_enabled"] is False
    assert result.result["workspace"]["customer_id"] == seeded(sb, "law-plain")["customer_id"]


def test_workspace_errors(clean_sandbox):
    sb = clean_sandbox
    missing = run_module("workspace_info", ws_args(sb, "law-missing"), env=sb.env)
    assert missing.failed and missing.msg.startswith("workspace law-missing not found in resource group rg-sentinel")
    forbidden = run_module("workspace_info", ws_args(sb, "law-forbidden"), env=sb.env)
    assert forbidden.failed and "not authorized to read workspace on workspace law-forbidden" in forbidden.msg
    assert forbidden.result["status_code"] == 403
    wrong = "another-wrong-secret-42"
    denied = run_module("workspace_info", dict(ws_args(sb), secret=wrong), env=sb.env)
    assert denied.failed and denied.msg.startswith("authentication failed")
    assert wrong not in denied.output and wrong not in json.dumps(denied.result)


def test_data_connector_info_lists_aws_connectors(clean_sandbox):
    sb = clean_sandbox
    make_role(sb)
    portal_put(sb, "0d7a1c52-3b9e-4f10-9c1d-2e4f6a8b0c22", cloudtrail_body(ROLE_ARN, "Disabled"))
    portal_put(
        sb,
        "0d7a1c52-3b9e-4f10-9c1d-2e4f6a8b0c33",
        {
            "kind": "Office365",
            "properties": {"tenantId": sb.seed["tenant_id"], "dataTypes": {"exchange": {"state": "Enabled"}}},
        },
    )
    listed = run_module("data_connector_info", ws_args(sb), env=sb.env)
    assert not listed.failed and not listed.changed, listed.result
    assert listed.result["connectors"] == [
        {
            "id": next(c["id"] for c in sb.azure.connectors() if c["kind"] == "AmazonWebServicesCloudTrail"),
            "name": "0d7a1c52-3b9e-4f10-9c1d-2e4f6a8b0c22",
            "kind": "AmazonWebServicesCloudTrail",
            "etag": next(c["etag"] for c in sb.azure.connectors() if c["kind"] == "AmazonWebServicesCloudTrail"),
            "aws_role_arn": ROLE_ARN,
            "logs_enabled": False,
        }
    ]
    by_role = run_module(
        "data_connector_info",
        dict(ws_args(sb), aws_role_arn=ROLE_ARN.replace("MicrosoftSentinelRole", "microsoftsentinelrole")),
        env=sb.env,
    )
    assert [c["name"] for c in by_role.result["connectors"]] == ["0d7a1c52-3b9e-4f10-9c1d-2e4f6a8b0c22"]
    by_other_id = run_module(
        "data_connector_info", dict(ws_args(sb), connector_id="0d7a1c52-3b9e-4f10-9c1d-2e4f6a8b0c33"), env=sb.env
    )
    assert by_other_id.result["connectors"] == []  # not an AWS connector
    assert len(sb.azure.write_requests()) == 2  # the two portal PUTs; the info module wrote nothing


def test_data_connector_info_pages_through_the_list(clean_sandbox):
    sb = clean_sandbox
    page = sb.seed.get("page_size", 50)
    for index in range(page + 1):
        make_role(sb, name=f"SentinelRole{index}")
    for index in range(page + 1):
        portal_put(
            sb,
            f"00000000-0000-4000-8000-{index:012d}",
            cloudtrail_body(f"arn:aws:iam::123456789012:role/SentinelRole{index}"),
        )
    listed = run_module("data_connector_info", ws_args(sb), env=sb.env)
    assert len(listed.result["connectors"]) == page + 1
    lists = [r for r in sb.azure.requests if r["method"] == "GET" and r["path"].endswith("/dataConnectors")]
    assert len(lists) == 2


def test_data_connector_info_on_workspace_without_sentinel(clean_sandbox):
    result = run_module("data_connector_info", ws_args(clean_sandbox, "law-plain"), env=clean_sandbox.env)
    assert result.failed and "not enabled on workspace law-plain" in result.msg
    assert result.result["sentinel_enabled"] is False  # what the role tells this failure apart by


def test_data_connector_info_with_workspace_details_reads_both_in_one_sign_in(clean_sandbox):
    sb = clean_sandbox
    make_role(sb)
    portal_put(sb, "0d7a1c52-3b9e-4f10-9c1d-2e4f6a8b0c22", cloudtrail_body(ROLE_ARN))
    before = len(sb.azure.requests)

    read = run_module("data_connector_info", dict(ws_args(sb), workspace_details=True), env=sb.env, check=True)

    assert not read.failed and not read.changed, read.result
    assert read.result["workspace"]["customer_id"] == sb.workspace["customer_id"]
    assert "sentinel_enabled" not in read.result["workspace"]
    assert [c["name"] for c in read.result["connectors"]] == ["0d7a1c52-3b9e-4f10-9c1d-2e4f6a8b0c22"]
    # One sign-in (what workspace_info and data_connector_info made twice), two reads, no write.
    assert azure_sign_in_requests(sb, before) == ["endpoints", "openid-configuration", "token"]
    reads = [r for r in sb.azure.requests[before:] if r["path"].startswith("/subscriptions/")]
    assert [r["method"] for r in reads] == ["GET", "GET"]
    without = run_module("data_connector_info", ws_args(sb), env=sb.env)
    assert "workspace" not in without.result


def test_data_connector_info_with_workspace_details_fails_with_what_it_could_read(clean_sandbox):
    sb = clean_sandbox
    # Sentinel off: the list is refused, the workspace (its ID) is still returned.
    off = run_module("data_connector_info", dict(ws_args(sb, "law-plain"), workspace_details=True), env=sb.env)
    assert off.failed and "not enabled on workspace law-plain" in off.msg
    assert off.result["sentinel_enabled"] is False
    assert off.result["workspace"]["customer_id"] == seeded(sb, "law-plain")["customer_id"]
    assert "connectors" not in off.result
    # A workspace that cannot be read: its error, first; the list that failed after it adds nothing.
    missing = run_module("data_connector_info", dict(ws_args(sb, "law-missing"), workspace_details=True), env=sb.env)
    assert missing.failed and missing.msg.startswith("workspace law-missing not found in resource group rg-sentinel")
    assert "workspace" not in missing.result and "connectors" not in missing.result
    assert sb.azure.write_requests() == []


def test_workspace_info_without_sentinel_state_makes_one_read(clean_sandbox):
    sb = clean_sandbox
    before = len(sb.azure.requests)
    result = run_module(
        "workspace_info",
        {"workspace_name": "law-sentinel", "resource_group": "rg-sentinel", "sentinel_state": False},
        env=sb.env,
    )
    assert not result.failed, result.msg
    assert result.result["workspace"]["customer_id"] == sb.env["SANDBOX_WORKSPACE_ID"]
    assert "sentinel_enabled" not in result.result["workspace"]
    arm_gets = [
        r["path"]
        for r in sb.azure.requests[before:]
        if r["method"] == "GET" and r["path"].startswith("/subscriptions/")
    ]
    assert len(arm_gets) == 1 and arm_gets[0].endswith("/workspaces/law-sentinel")
