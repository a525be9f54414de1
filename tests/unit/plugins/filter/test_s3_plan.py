"""The s3 role's per-account plan: stop reasons, the tasks file, names and ARNs per log type, the trail."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

from typing import Any

import pytest

from ansible_collections.sentinel.aws.plugins.filter.s3_plan import FilterModule

s3_plan = FilterModule().filters()["s3_plan"]

ACCOUNT = "123456789012"
WORKSPACE_ID = "6f5e4d3c-0000-4000-8000-0000000051a1"
WORKSPACE = {
    "key": "/rg-sentinel/law-sentinel/",
    "options": {"resource_group": "rg-sentinel", "workspace_name": "law-sentinel"},
}
TENANT = "33e01921-4d64-4f8c-a055-5bdaffd5e33d"


def account(**overrides: Any) -> dict[str, Any]:
    """The role's s3__account fact (tasks/validate.yml)."""
    base = {
        "input_errors": [],
        "workspace": WORKSPACE,
        "state": "present",
        "aws_account_id": ACCOUNT,
        "partition": "aws",
        "region": "us-east-1",
        "role_name": "OIDC_MicrosoftSentinelS3Role",
        "bucket": "logs",
        "log_types": ["cloudtrail"],
        "trail": {},
        "ensure_sentinel": False,
    }
    return {**base, **overrides}


def reads(**workspace: Any) -> dict[str, Any]:
    """What the run_once workspace_info loop registers (tasks/shared_reads.yml)."""
    read = {"workspace": {"customer_id": WORKSPACE_ID, "sentinel_enabled": True, **workspace}}
    return {"results": [{"item": WORKSPACE, **read}]}


def test_names_and_arns_of_every_piece() -> None:
    plan = s3_plan(
        account(log_types=["cloudtrail", {"type": "vpcflow", "prefix": "flows/", "queue_name": "q1"}]), reads()
    )
    assert plan["stop_reason"] == "" and plan["tasks_file"] == "present.yml"
    assert plan["role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/OIDC_MicrosoftSentinelS3Role"
    assert plan["provider_arn"] == f"arn:aws:iam::{ACCOUNT}:oidc-provider/sts.windows.net/{TENANT}/"
    assert (plan["workspace"], plan["workspace_id"], plan["sentinel_enabled"]) == ("law-sentinel", WORKSPACE_ID, True)
    cloudtrail, vpcflow = plan["log_types"]
    assert cloudtrail == {
        "type": "cloudtrail",
        "table": "AWSCloudTrail",
        "prefix": f"AWSLogs/{ACCOUNT}/CloudTrail/",
        "queue_name": "sentinel-aws-cloudtrail",
        "queue_arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:sentinel-aws-cloudtrail",
        "queue_url": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/sentinel-aws-cloudtrail",
        "notification_id": "sentinel-aws-cloudtrail",
    }
    # Given prefix and queue name win; the notification Id keeps the collection's marker prefix.
    assert (vpcflow["table"], vpcflow["prefix"], vpcflow["queue_name"]) == ("AWSVPCFlow", "flows/", "q1")
    assert vpcflow["notification_id"] == "sentinel-aws-vpcflow"
    assert plan["trail"]["create"] is False


def test_govcloud_arns() -> None:
    plan = s3_plan(account(partition="aws-us-gov", region="us-gov-west-1", trail={"create": True}), reads())
    assert plan["role_arn"].startswith("arn:aws-us-gov:iam::")
    assert plan["provider_arn"].endswith(":oidc-provider/sts.windows.net/cab8a31a-1906-4287-a0d8-4eef66b95f6e/")
    assert plan["log_types"][0]["queue_arn"].startswith("arn:aws-us-gov:sqs:us-gov-west-1:")
    assert plan["trail"]["arn"] == f"arn:aws-us-gov:cloudtrail:us-gov-west-1:{ACCOUNT}:trail/sentinel-aws-trail"


def test_an_organisation_trail_sets_the_cloudtrail_prefix_and_the_log_account() -> None:
    trail = {"create": True, "name": "org", "multi_region": False, "organization_id": "o-a1b2c3d4e5"}
    plan = s3_plan(account(log_types=["cloudtrail", "guardduty"], trail=trail), reads())
    assert plan["trail"] == {
        "create": True,
        "name": "org",
        "arn": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org",
        "multi_region": False,
        "organization_id": "o-a1b2c3d4e5",
        "log_account": "o-a1b2c3d4e5",
    }
    assert [entry["prefix"] for entry in plan["log_types"]] == [
        "AWSLogs/o-a1b2c3d4e5/",
        f"AWSLogs/{ACCOUNT}/GuardDuty/",
    ]


@pytest.mark.parametrize(
    "fact,workspace_reads,reason",
    [
        (account(input_errors=["s3_bucket must be", "s3_role_name must"]), {}, "s3_bucket must be; s3_role_name must"),
        (account(), {"results": [{"item": WORKSPACE, "msg": "workspace law-sentinel not found"}]}, "not found"),
        (account(), {}, "the workspace was not read"),
        (account(), reads(sentinel_enabled=False), "Sentinel is not enabled on workspace law-sentinel"),
    ],
)
def test_stop_before_any_change(fact: dict, workspace_reads: dict, reason: str) -> None:
    plan = s3_plan(fact, workspace_reads)
    assert plan["tasks_file"] == "stop.yml" and reason in plan["stop_reason"]


def test_sentinel_off_stops_onboarding_only() -> None:
    assert s3_plan(account(ensure_sentinel=True), reads(sentinel_enabled=False))["tasks_file"] == "present.yml"
    plan = s3_plan(account(state="absent"), reads(sentinel_enabled=False))
    # Offboarding goes on, without connectors to remove.
    assert (plan["tasks_file"], plan["sentinel_enabled"]) == ("absent.yml", False)
