"""What the end-to-end suites share: the playbooks, the role's defaults they check, the sandbox's vars."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers.ansible_run import REPO

ONBOARD = REPO / "playbooks" / "onboard.yml"
OFFBOARD = REPO / "playbooks" / "offboard.yml"
ONBOARD_S3 = REPO / "playbooks" / "onboard_s3.yml"
OFFBOARD_S3 = REPO / "playbooks" / "offboard_s3.yml"
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


# The default callback prints the set_stats data (the run report of the playbooks) only when asked.
REPORT_ENV = {"ANSIBLE_SHOW_CUSTOM_STATS": "true"}


def report_rows(run: Any, stat: str = "cloudtrail_report") -> list[dict[str, str]]:
    """The rows of the playbooks' run report, as published with set_stats (the AWX artifact cloudtrail_report,
    or s3_report for the S3 playbooks).

    The run must have had REPORT_ENV: the default callback then ends with "\\tRUN: <the stats as JSON>".
    """
    [stats] = [line.split("RUN: ", 1)[1] for line in run.stdout.splitlines() if line.startswith("\tRUN: ")]
    return json.loads(stats)[stat]


def s3_vars(sb: Any, bucket: str, **extra: Any) -> dict[str, Any]:
    """The sentinel.aws.s3 role's variables for the sandbox's account and workspace, and a bucket."""
    variables = {
        "cloudtrail_hosts": "localhost",
        "s3_aws_account_id": sb.env["SANDBOX_AWS_ACCOUNT_ID"],
        "s3_bucket": bucket,
        "s3_workspace_name": sb.env["SANDBOX_WORKSPACE_NAME"],
        "s3_resource_group": sb.env["SANDBOX_RESOURCE_GROUP"],
    }
    variables.update(extra)
    return variables


def accounts_inventory(path: Path, hosts: dict[str, dict[str, Any]], prefix: str = "cloudtrail_") -> Path:
    """One inventory host per AWS account; sandbox keys AKIASBX<account> select that moto account.

    prefix: the role's variables (cloudtrail_ or s3_), whose <prefix>aws_account_id each host gives.
    """
    inventory = {
        "all": {
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "hosts": {
                host: {
                    **variables,
                    f"{prefix}aws_connection": {
                        "access_key": f"AKIASBX{variables[prefix + 'aws_account_id']}",
                        "secret_key": "sandbox",
                    },
                }
                for host, variables in hosts.items()
            },
        }
    }
    path.write_text(json.dumps(inventory))
    return path


def azure_sign_in_requests(sb: Any, since: int = 0) -> list[str]:
    """The emulator's sign-in requests after request number ``since``: cloud metadata discovery, OpenID
    configuration and token, by the last part of their path (what each Azure module run pays before its
    first ARM call; the issue-17 target counts them per run)."""
    paths = [r["path"].split("?", 1)[0] for r in sb.azure.requests[since:]]
    return [
        path.rsplit("/", 1)[-1]
        for path in paths
        if path == "/metadata/endpoints" or path.endswith(("/openid-configuration", "/oauth2/v2.0/token"))
    ]
