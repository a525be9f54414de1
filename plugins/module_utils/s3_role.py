# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The desired role of Sentinel's S3 connector (s3_connector_role) from its options: pure checks.

The role is planned and made by iam_role's logic, with the trust kind WebIdentityTrust
(trust_policy.py): the account's OIDC provider for Microsoft's Entra tenant, the audience and
the session-name conditions. Everything here runs before the module makes any call.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import re

from ansible_collections.sentinel.aws.plugins.module_utils import iam_role
from ansible_collections.sentinel.aws.plugins.module_utils import s3_connector
from ansible_collections.sentinel.aws.plugins.module_utils import validation
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import WebIdentityTrust
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

# STS RoleSessionName: 2 to 64 characters of [\w+=,.@-] (AssumeRoleWithWebIdentity, API reference);
# '*' and '?' are StringLike's wildcards, for names matched by pattern.
SESSION_NAME_PATTERN = re.compile(r"^[\w+=,.@*?-]{2,64}\Z", re.ASCII)


def check_session_name(option: str, value: object) -> str:
    """A session name the trust accepts: STS's RoleSessionName rule, wildcards allowed but not alone.

    A name made only of wildcards ('*') would accept every session: every Sentinel workspace of
    every customer could then assume the role.
    """
    if not isinstance(value, str) or not SESSION_NAME_PATTERN.match(value) or not value.strip("*?"):
        raise InvalidInput(
            "%s entries must be STS session names of 2 to 64 characters, letters, digits and +=,.@_- (and the "
            "wildcards * and ?, not alone), such as MicrosoftSentinel_<workspace ID>; got %r" % (option, value)
        )
    return value


def session_names(params: dict) -> list:
    """The session names the trust accepts: ``session_names``, else Sentinel's for ``workspace_id``; [] for neither."""
    if params.get("session_names"):
        return sorted({check_session_name("session_names", name) for name in params["session_names"]})
    if params.get("workspace_id"):
        return s3_connector.default_session_names(params["workspace_id"])
    return []


def require_partition(aws_partition: str, client_partition: str, region: str | None) -> str:
    """``aws_partition``, when it is the partition of the region the module talks to; InvalidInput otherwise.

    The provider ARN, the audience and the policy ARNs all depend on the partition, and IAM in one
    partition cannot name the other's.
    """
    s3_connector.check_partition("aws_partition", aws_partition)
    if aws_partition != client_partition:
        raise InvalidInput(
            "aws_partition is %r but the region %r is in the AWS partition %r: set region to a region of %s "
            "(for example us-gov-west-1 for aws-us-gov), or aws_partition to the region's partition"
            % (aws_partition, region, client_partition, aws_partition)
        )
    return aws_partition


def wildcard_warning(names: list) -> str | None:
    patterns = [name for name in names if "*" in name or "?" in name]
    if not patterns:
        return None
    return (
        "session_names: %s matches by pattern (StringLike): every session whose name matches may assume the role, "
        "so a pattern without the workspace ID admits other workspaces' sessions too. Prefer exact names, "
        "e.g. MicrosoftSentinel_<workspace ID> and MicrosoftDefenderForClouds_<workspace ID>" % ", ".join(patterns)
    )


def role_spec(params: dict, partition: str) -> tuple:
    """(the desired S3 connector role as plain data for iam_role, warnings); InvalidInput on bad input.

    The trust holds exactly the session names (another name in it is drift, repaired). Offboarding
    (absent) removes the role's whole Sentinel trust, whatever the names.
    """
    name = s3_connector.check_role_name("name", params["name"])
    names = session_names(params)
    account_id = params.get("aws_account_id")
    account_id = validation.check_account_id("aws_account_id", account_id) if account_id is not None else None
    # The S3 role has no purge_policies option: managed policies beyond managed_policies are drift.
    spec, warnings = iam_role.common_spec(dict(params, purge_policies=True), partition, name)
    spec["account_id"], spec["account_option"] = account_id, "aws_account_id"
    spec["trust"] = WebIdentityTrust(partition, names)
    if spec["state"] == "absent":
        return spec, warnings
    if not names:
        raise InvalidInput(
            "workspace_id or session_names is required when state=present: the Log Analytics workspace ID (a GUID), "
            "whose session name MicrosoftSentinel_<workspace ID> the role's trust accepts"
        )
    warning = wildcard_warning(names)
    return spec, warnings + ([warning] if warning else [])
