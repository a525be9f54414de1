"""What the end-to-end suites share: the playbooks, the role's defaults they check, the sandbox's vars."""

from __future__ import annotations

from typing import Any

from helpers.ansible_run import REPO

ONBOARD = REPO / "playbooks" / "onboard.yml"
OFFBOARD = REPO / "playbooks" / "offboard.yml"
ROLE_NAME = "MicrosoftSentinelRole"
SENTINEL_ACCOUNT = "197857026523"
SENTINEL_PRINCIPAL = f"arn:aws:iam::{SENTINEL_ACCOUNT}:root"
READ_ONLY_POLICY = "arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"


def role_vars(sb: Any, **extra: Any) -> dict[str, Any]:
    """The variables a user passes with -e for the sandbox's account and workspace."""
    variables = {
        "cloudtrail_hosts": "localhost",
        "cloudtrail_aws_account_id": sb.env["SANDBOX_AWS_ACCOUNT_ID"],
        "cloudtrail_workspace_name": sb.env["SANDBOX_WORKSPACE_NAME"],
        "cloudtrail_resource_group": sb.env["SANDBOX_RESOURCE_GROUP"],
    }
    variables.update(extra)
    return variables
