"""An IAM role as moto holds it, read with the test's own client: what integration tests compare."""

from __future__ import annotations

from typing import Any


def iam_actions(sandbox: Any) -> list[str]:
    """The IAM actions logged since the last reset, in order: read it before reading the role back."""
    return [r["action"] for r in sandbox.aws.requests if r["service"] == "iam"]


def role_state(sandbox: Any, name: str) -> dict[str, Any] | None:
    """GetRole, plus its managed and inline policies, instance profiles and tags as a dict; None when absent."""
    iam = sandbox.aws.client("iam")
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return None
    role["AttachedPolicies"] = sorted(
        p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    )
    role["InlinePolicies"] = sorted(iam.list_role_policies(RoleName=name)["PolicyNames"])
    role["InstanceProfiles"] = sorted(
        p["InstanceProfileName"] for p in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]
    )
    role["TagDict"] = {t["Key"]: t["Value"] for t in role.get("Tags", [])}
    role.pop("RoleLastUsed", None)  # moto may fill it in on any read
    return role
