"""A hub account and its organization's member accounts in moto, for the hub-credential tests.

moto's CreateAccount puts ``OrganizationAccountAccessRole`` (trusting the hub) in each new account, and
STS AssumeRole into it gives keys that moto serves as that account (tests/sandbox/README.md).
"""

from __future__ import annotations

from typing import Any

from sandbox.aws import credentials_for

HUB = "111111111111"
ACCESS_ROLE = "OrganizationAccountAccessRole"


def hub_env(sb: Any) -> dict[str, str]:
    """The sandbox's environment with the hub account's keys."""
    keys = credentials_for(HUB)
    return dict(
        sb.env, AWS_ACCESS_KEY_ID=keys["aws_access_key_id"], AWS_SECRET_ACCESS_KEY=keys["aws_secret_access_key"]
    )


def member_account(sb: Any, name: str = "member") -> str:
    """A new account of the hub's organization (made on first use), with moto's OrganizationAccountAccessRole."""
    organizations = sb.aws.client("organizations", account_id=HUB)
    try:
        organizations.describe_organization()
    except organizations.exceptions.AWSOrganizationsNotInUseException:
        organizations.create_organization(FeatureSet="ALL")
    status = organizations.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
    sb.aws.reset()  # the log starts with the module's own calls
    return status["AccountId"]
