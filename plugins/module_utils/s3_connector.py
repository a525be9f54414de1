# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts of Sentinel's S3 connector (kind AmazonWebServicesS3), shared by its AWS and Azure modules.

Pure constants and functions, no SDK imports: the role's filters import this too. Sources are
in ../shared/research-s3.md section 3 (Azure/Azure-Sentinel DataConnectors/AWS-S3: the
CloudFormation templates and ConfigAwsConnector.ps1's EnviornmentConstants.ps1).

What the collection writes into things it shares with others (a bucket policy, a key policy, a
bucket's notification configuration, the OIDC provider's client IDs) is recognised by its
statement Sid or configuration Id prefix, OWNED_SID_PREFIX / OWNED_NOTIFICATION_PREFIX: those
and nothing else are ever changed or removed there. Resources it creates whole (the role, the
queues, the provider when it made it) carry the tag iam_role.MARKER_TAG_KEY.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import re

from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput, check_guid

S3_KIND = "AmazonWebServicesS3"

# Microsoft's Entra tenant whose tokens Sentinel presents to AWS STS, and the audience (the
# provider's client ID), per AWS partition. aws-us-gov: EnviornmentConstants.ps1 (research-s3.md §3).
SENTINEL_OIDC = {
    "aws": {"tenant": "33e01921-4d64-4f8c-a055-5bdaffd5e33d", "audience": "api://1462b192-27f7-4cb9-8523-0f4ecb54b47e"},
    "aws-us-gov": {
        "tenant": "cab8a31a-1906-4287-a0d8-4eef66b95f6e",
        "audience": "api://d4230588-5f84-4281-a9c7-2c15194b28f7",
    },
}
PARTITIONS = tuple(SENTINEL_OIDC)
# The argument spec of the S3 modules' aws_partition option (their DOCUMENTATION repeats it).
PARTITION_OPTION = dict(type="str", choices=list(PARTITIONS), default=PARTITIONS[0])
# The CloudFormation template's thumbprint. IAM ignores thumbprints for providers it trusts by its
# own CA library (sts.windows.net is one), but CreateOpenIDConnectProvider still required one
# before 2024, so it is sent as Microsoft's template sends it.
OIDC_THUMBPRINT = "626D44E704D1CEABE3BF0D53397464AC8080142C"

# The connector's role must be named OIDC_<...> (ConfigAwsConnector.ps1 adds the prefix itself).
ROLE_NAME_PREFIX = "OIDC_"
ROLE_NAME_PATTERN = re.compile(r"^OIDC_[-_a-zA-Z0-9]+\Z")
DEFAULT_ROLE_NAME = "OIDC_MicrosoftSentinelS3Role"

# sts:RoleSessionName Sentinel uses: MicrosoftSentinel_<workspace ID>. On 2025-03-27 roles shared
# with Defender for Cloud saw MicrosoftDefenderForClouds_... instead, and ingestion failed with
# S3B40029 until the condition allowed both (Azure/Azure-Sentinel #11980, #12007).
SENTINEL_SESSION_PREFIX = "MicrosoftSentinel_"
DEFENDER_SESSION_PREFIX = "MicrosoftDefenderForClouds_"

OWNED_SID_PREFIX = "SentinelAws"
OWNED_NOTIFICATION_PREFIX = "sentinel-aws-"

# Log types of the classic S3 connector: the destination table and where AWS delivers the files,
# under a bucket (research-s3.md §2 and §3). {account} is the AWS account ID, or the organisation
# ID for an organisation trail. The prefix is a default; users may give their own.
LOG_TYPES = {
    "cloudtrail": {"table": "AWSCloudTrail", "prefix": "AWSLogs/{account}/CloudTrail/"},
    "vpcflow": {"table": "AWSVPCFlow", "prefix": "AWSLogs/{account}/vpcflowlogs/"},
    "guardduty": {"table": "AWSGuardDuty", "prefix": "AWSLogs/{account}/GuardDuty/"},
    "cloudwatch": {"table": "AWSCloudWatch", "prefix": "AWSLogs/{account}/CloudWatch/"},
}
DESTINATION_TABLES = tuple(spec["table"] for spec in LOG_TYPES.values())
# Sentinel reads gzip files only; the notification's suffix filter (ConfigAwsConnector.ps1).
OBJECT_SUFFIX = ".gz"


def check_partition(option: str, value: str) -> str:
    if value not in SENTINEL_OIDC:
        raise InvalidInput("%s must be one of %s, got %r" % (option, ", ".join(PARTITIONS), value))
    return value


def oidc_issuer(partition: str) -> str:
    """The provider's URL without its scheme, as IAM names it in ARNs and condition keys."""
    return "sts.windows.net/%s/" % SENTINEL_OIDC[partition]["tenant"]


def oidc_url(partition: str) -> str:
    return "https://" + oidc_issuer(partition)


def oidc_audience(partition: str) -> str:
    return SENTINEL_OIDC[partition]["audience"]


def oidc_provider_arn(partition: str, account_id: str) -> str:
    return "arn:%s:iam::%s:oidc-provider/%s" % (partition, account_id, oidc_issuer(partition))


def check_role_name(option: str, value: str) -> str:
    if not ROLE_NAME_PATTERN.match(value or "") or len(value) > 64:
        raise InvalidInput(
            "%s must start with %s and then use only letters, digits, '-' and '_' (at most 64 characters), "
            "as Sentinel's S3 connector requires: got %r" % (option, ROLE_NAME_PREFIX, value)
        )
    return value


def default_session_names(workspace_id: str) -> list:
    """The session names the role's trust accepts by default: Sentinel's, for one workspace."""
    return [SENTINEL_SESSION_PREFIX + check_guid("workspace_id", workspace_id).lower()]


def session_name_condition(session_names: list) -> dict:
    """The trust policy's condition on sts:RoleSessionName: StringEquals, or StringLike with a wildcard.

    IAM treats a list of values as any-of (IAM user guide, "Creating a condition with multiple keys
    or values"); one name is written as a plain string, as Microsoft's template does.
    """
    names = sorted(set(session_names))
    if not names:
        raise InvalidInput("session_names must list at least one session name")
    operator = "StringLike" if any("*" in name or "?" in name for name in names) else "StringEquals"
    return {operator: {"sts:RoleSessionName": names[0] if len(names) == 1 else names}}


def log_type(name: str) -> dict:
    if name not in LOG_TYPES:
        raise InvalidInput("log type must be one of %s, got %r" % (", ".join(LOG_TYPES), name))
    return LOG_TYPES[name]


def default_prefix(name: str, account_or_org: str) -> str:
    """Where AWS delivers the log type's files for an account (or an organisation trail's org ID)."""
    return log_type(name)["prefix"].format(account=account_or_org)


def owned_sid(purpose: str) -> str:
    """The Sid of a statement the collection writes; purpose is CamelCase letters and digits."""
    if not re.match(r"^[A-Za-z0-9]+\Z", purpose):
        raise ValueError("a statement purpose is letters and digits only (IAM Sids allow no more)")
    return OWNED_SID_PREFIX + purpose


def is_owned_sid(sid: object) -> bool:
    return isinstance(sid, str) and sid.startswith(OWNED_SID_PREFIX)


def is_owned_notification(configuration_id: object) -> bool:
    return isinstance(configuration_id, str) and configuration_id.startswith(OWNED_NOTIFICATION_PREFIX)
