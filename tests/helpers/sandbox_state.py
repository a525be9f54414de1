"""Sandbox state made outside the modules under test: a Sentinel-trusted role, a portal-made connector."""

from __future__ import annotations

import json

import requests
from azure.identity import ClientSecretCredential

ROLE_NAME = "MicrosoftSentinelRole"
ROLE_ARN = f"arn:aws:iam::123456789012:role/{ROLE_NAME}"
SENTINEL_ACCOUNT = "197857026523"


def sentinel_trust_policy(external_id, principal=f"arn:aws:iam::{SENTINEL_ACCOUNT}:root"):
    """Microsoft's documented trust policy, written out by hand: tests build roles without the module's builder."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": principal},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            }
        ],
    }


def make_role(sandbox, name=ROLE_NAME, external_id=None, account_id=None):
    """The role as connector_role makes it: trusted by Sentinel's account with the workspace ID."""
    policy = sentinel_trust_policy(external_id or sandbox.workspace["customer_id"])
    iam = sandbox.aws.client("iam", account_id=account_id)
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(policy))["Role"]["Arn"]


def cloudtrail_body(role_arn, state="Enabled"):
    return {
        "kind": "AmazonWebServicesCloudTrail",
        "properties": {"awsRoleArn": role_arn, "dataTypes": {"logs": {"state": state}}},
    }


def s3_body(role_arn, sqs_urls, table="AWSCloudTrail", state="Enabled"):
    """An AmazonWebServicesS3 connector as the 2025-07-01-preview spec defines it (AwsS3DataConnectorProperties)."""
    return {
        "kind": "AmazonWebServicesS3",
        "properties": {
            "roleArn": role_arn,
            "sqsUrls": list(sqs_urls),
            "destinationTable": table,
            "dataTypes": {"logs": {"state": state}},
        },
    }


def portal_put(sandbox, connector_id, body, workspace=None, api_version="2021-10-01"):
    """A connector made outside Ansible (as the portal does): a raw ARM PUT with a real token."""
    response = arm_put(sandbox, connector_id, body, workspace, api_version)
    assert response.status_code in (200, 201), response.text
    return response.json()


def arm_put(sandbox, connector_id, body, workspace=None, api_version="2021-10-01"):
    """A raw ARM PUT of a data connector with a real token; the requests response, whatever its status."""
    seed = sandbox.seed
    # A fresh sign-in each time (two local requests): tests may expire the emulator's tokens.
    credential = ClientSecretCredential(
        seed["tenant_id"],
        seed["client_id"],
        seed["client_secret"],
        authority=sandbox.azure_url,
        disable_instance_discovery=True,
        connection_verify=str(sandbox.ca_path),
    )
    token = credential.get_token(f"{sandbox.azure_url}/.default").token
    url = (
        f"{sandbox.azure_url}/subscriptions/{seed['subscription_id']}/resourceGroups/{seed['resource_group']}"
        f"/providers/Microsoft.OperationalInsights/workspaces/{workspace or sandbox.workspace['name']}"
        f"/providers/Microsoft.SecurityInsights/dataConnectors/{connector_id}?api-version={api_version}"
    )
    return requests.put(
        url, json=body, headers={"Authorization": f"Bearer {token}"}, verify=str(sandbox.ca_path), timeout=30
    )
