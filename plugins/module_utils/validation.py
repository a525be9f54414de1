# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input validation shared by every module: pure functions, one rule each.

Each check raises InvalidInput with a message that names the option and the rule, so a
module can fail before making any write call.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import re
import unicodedata
from typing import Any, Dict, List

GUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
# [0-9], not \d: \d also matches other scripts' digits (fullwidth, Arabic-Indic, ...).
ACCOUNT_ID_PATTERN = re.compile(r"^[0-9]{12}\Z")
# arn:<partition>:iam::<account>:role/<optional path/><name>; the name follows IAM's RoleName rule.
ROLE_ARN_PATTERN = re.compile(
    r"^arn:(?P<partition>aws|aws-us-gov|aws-cn):iam::(?P<account>[0-9]{12}):role/(?P<path>(?:[\x21-\x7e]+/)*)(?P<name>[\w+=,.@-]{1,64})\Z",
    re.ASCII,  # IAM's \w is [A-Za-z0-9_], not Python's Unicode \w
)


class InvalidInput(ValueError):
    """A user-supplied value breaks a rule; the message names the option."""


def require_partition(aws_partition: str, region_partition: str, region: str | None) -> None:
    """ARNs are built and checked for aws_partition: the region the calls go to must be in it."""
    if aws_partition != region_partition:
        raise InvalidInput(
            "aws_partition is %r but region %r is in partition %r: set aws_partition to %r or use a region of %r"
            % (aws_partition, region, region_partition, region_partition, aws_partition)
        )


def require_account(expected: str | None, actual: str, source: str, option: str = "aws_account_id") -> None:
    """The wrong-account guard: InvalidInput naming ``option`` when the credentials act on another account."""
    if expected and expected != actual:
        raise InvalidInput(
            "%s: the credentials act on AWS account %s (%s), not the expected account %s; nothing was changed"
            % (option, actual, source, expected)
        )


def check_guid(option: str, value: str) -> str:
    """A GUID such as a Log Analytics workspace ID (customerId) or a Sentinel connector ID."""
    if not isinstance(value, str) or not GUID_PATTERN.match(value):
        raise InvalidInput(
            "%s must be a GUID (8-4-4-4-12 hexadecimal digits, e.g. 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c), got %r"
            % (option, value)
        )
    return value.lower()


def check_account_id(option: str, value: str) -> str:
    """An AWS account ID: exactly 12 digits, kept as a string (leading zeros matter)."""
    if not isinstance(value, str) or not ACCOUNT_ID_PATTERN.match(value):
        raise InvalidInput("%s must be an AWS account ID of exactly 12 digits, got %r" % (option, value))
    return value


# Here and in parse_policy_arn, not amazon.aws's validate_aws_arn / parse_aws_arn (arn.py, the
# same in 8.2.1 to 10): they search rather than match, so "x arn:...\n" passes, accept an account
# ID of any length and any "aws-*" partition, and check nothing of the role or policy name or path.
def parse_role_arn(option: str, value: str) -> dict:
    """Split an IAM role ARN into partition, account, path and name, or fail naming the option."""
    match = ROLE_ARN_PATTERN.match(value) if isinstance(value, str) else None
    if not match:
        raise InvalidInput(
            "%s must be an IAM role ARN of the form arn:aws:iam::<12-digit account>:role/<name>, got %r"
            % (option, value)
        )
    parts = match.groupdict()
    parts["path"] = "/" + parts["path"]
    return parts


# --- AWS IAM rules -------------------------------------------------------------------------
# Sources: IAM API reference (CreateRole, TagRole, PutRolePermissionsBoundary) and "IAM and AWS
# STS quotas" in the IAM user guide. Checking them here lets a module fail before any call,
# instead of half-way through a run with an AWS ValidationError.

# The partition of AWS commercial regions, the only one the CloudTrail (legacy) connector serves.
COMMERCIAL_PARTITION = "aws"


def role_arn(partition: str, account_id: str, path: str, name: str) -> str:
    """The ARN of an IAM role (what parse_role_arn reads back): the one definition, for connector_role and the role's plan.

    Here rather than in iam_role.py, which imports boto3: the plan filter runs in the controller's
    worker of every account, and importing boto3 there costs each of them ~0.2 s of CPU.
    """
    return "arn:%s:iam::%s:role%s%s" % (partition, account_id, path, name)


ROLE_NAME_PATTERN = re.compile(r"^[\w+=,.@-]{1,64}\Z", re.ASCII)
# IAM paths: "/" alone, or "/" + segments each ending in "/"; printable ASCII without spaces.
IAM_PATH_PATTERN = re.compile(r"^/(?:[\x21-\x7e]+/)*\Z")
IAM_PATH_MAX = 512
POLICY_ARN_PATTERN = re.compile(
    r"^arn:(?P<partition>aws|aws-us-gov|aws-cn):iam::(?P<account>[0-9]{12}|aws):policy/"
    r"(?P<path>(?:[\x21-\x7e]+/)*)(?P<name>[\w+=,.@-]{1,128})\Z",
    re.ASCII,
)
POLICY_NAME_PATTERN = re.compile(r"^[\w+=,.@-]{1,128}\Z", re.ASCII)
MAX_TAGS = 50
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
# Tag keys and values match IAM's pattern [\p{L}\p{Z}\p{N}_.:/=+\-@] (TagRole, API reference):
# letters, separators (spaces, not tabs or line breaks, which are control characters) and numbers
# of any script. Python's re has no \p{..}, and \s would let \n and \t through.
TAG_CATEGORIES = ("L", "Z", "N")
TAG_PUNCTUATION = "_.:/=+-@"
SESSION_DURATION_MIN = 3600
SESSION_DURATION_MAX = 43200
DESCRIPTION_MAX = 1000
# CreateRole's Description pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]* (tab, newline,
# carriage return, printable ASCII, Latin-1 from U+00A1). IAM refuses anything else, e.g. a NUL or
# text outside Latin-1, after CreateRole or UpdateRole has been sent.
DESCRIPTION_FORBIDDEN_CHARACTER = re.compile(r"[^\t\n\r\x20-\x7e\xa1-\xff]")


def check_role_name(option: str, value: str) -> str:
    """An IAM role name: 1-64 characters from letters, digits and + = , . @ _ -."""
    if not isinstance(value, str) or not ROLE_NAME_PATTERN.match(value):
        raise InvalidInput(
            "%s must be an IAM role name of 1 to 64 characters, letters, digits and +=,.@_- only, got %r"
            % (option, value)
        )
    return value


def check_iam_path(option: str, value: str) -> str:
    """An IAM path: starts and ends with '/', at most 512 printable ASCII characters."""
    if not isinstance(value, str) or len(value) > IAM_PATH_MAX or not IAM_PATH_PATTERN.match(value):
        raise InvalidInput(
            "%s must be an IAM path that starts and ends with '/' (e.g. / or /sentinel/), at most %d "
            "printable ASCII characters without spaces, got %r" % (option, IAM_PATH_MAX, value)
        )
    return value


def parse_policy_arn(option: str, value: str) -> dict:
    """Split an IAM managed policy ARN (AWS managed or customer managed) into its parts."""
    match = POLICY_ARN_PATTERN.match(value) if isinstance(value, str) else None
    if not match:
        raise InvalidInput(
            "%s must be an IAM policy ARN of the form arn:aws:iam::<12-digit account or 'aws'>:policy/<name>, got %r"
            % (option, value)
        )
    return match.groupdict()


def check_managed_policy(option: str, value: str) -> str:
    """A managed policy given by ARN or by the bare name of an AWS managed policy."""
    if isinstance(value, str) and value.startswith("arn:"):
        parse_policy_arn(option, value)
        return value
    if not isinstance(value, str) or not POLICY_NAME_PATTERN.match(value):
        raise InvalidInput(
            "%s entries must be a policy ARN or an AWS managed policy name of 1 to 128 characters, "
            "letters, digits and +=,.@_- only, got %r" % (option, value)
        )
    return value


def check_tags(option: str, tags: dict) -> dict:
    """IAM tag limits: at most 50 tags, keys 1-128 and values 0-256 characters, no 'aws:' keys,
    IAM's characters only, and no two keys that differ only in case.

    Values are turned into strings (YAML may give numbers or booleans), as amazon.aws does.
    """
    if not isinstance(tags, dict):
        raise InvalidInput("%s must be a dictionary of tag keys to values, got %r" % (option, tags))
    if len(tags) > MAX_TAGS:
        raise InvalidInput("%s may hold at most %d tags per IAM role, got %d" % (option, MAX_TAGS, len(tags)))
    checked = {}
    for raw_key, raw_value in tags.items():
        key = str(raw_key)
        value = "" if raw_value is None else str(raw_value)
        if not 1 <= len(key) <= TAG_KEY_MAX:
            raise InvalidInput("%s keys must be 1 to %d characters long, got %r" % (option, TAG_KEY_MAX, key))
        if key.lower().startswith("aws:"):
            raise InvalidInput("%s keys must not start with the reserved prefix 'aws:', got %r" % (option, key))
        if len(value) > TAG_VALUE_MAX:
            raise InvalidInput(
                "%s values must be at most %d characters long, the value of %r has %d"
                % (option, TAG_VALUE_MAX, key, len(value))
            )
        for text in (key, value):
            if not all(_is_tag_character(c) for c in text):
                raise InvalidInput(
                    "%s keys and values may hold only letters, digits, spaces and _.:/=+-@ (no tabs or line breaks), "
                    "got %r" % (option, text)
                )
        same = [other for other in checked if other.lower() == key.lower()]
        if same:
            raise InvalidInput(
                "%s keys %r and %r differ only in case; IAM tag keys are case-insensitive, so a role cannot "
                "carry both" % (option, same[0], key)
            )
        checked[key] = value
    return checked


def _is_tag_character(character: str) -> bool:
    return unicodedata.category(character)[0] in TAG_CATEGORIES or character in TAG_PUNCTUATION


def merge_tags(option: str, current: dict, desired: dict, purge: bool, note: str = "") -> dict:
    """The tags a role will carry once ``desired`` is applied to its ``current`` tags.

    IAM tag keys of roles are case-insensitive but keep their case ("Tagging IAM resources", IAM
    user guide): without purge, a desired key that differs only in case from a current one would
    overwrite it under the other spelling, so it is refused. With purge the current key is removed
    first (but not AWS's own 'aws:' tags, which cannot be removed). At most 50 tags per role in
    all ("IAM and AWS STS quotas"). ``note`` ends the message about the count.
    """
    kept = {key: value for key, value in current.items() if not purge or key.startswith("aws:")}
    for key in desired:
        clash = [old for old in kept if old.lower() == key.lower() and old != key]
        if clash:
            raise InvalidInput(
                "%s: the key %r differs only in case from the role's tag %r, and IAM tag keys are case-insensitive; "
                "use %r, or set purge_tags=true to replace it" % (option, key, clash[0], clash[0])
            )
    merged = dict(kept)
    merged.update(desired)
    if len(merged) > MAX_TAGS:
        raise InvalidInput(
            "%s: the role would carry %d tags (%d asked for, %d others it keeps); IAM allows at most %d per role%s"
            % (option, len(merged), len(desired), len(merged) - len(desired), MAX_TAGS, note)
        )
    return merged


def check_session_duration(option: str, value: int) -> int:
    """MaxSessionDuration of an IAM role: 3600 to 43200 seconds (1 to 12 hours)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not SESSION_DURATION_MIN <= value <= SESSION_DURATION_MAX
    ):
        raise InvalidInput(
            "%s must be a number of seconds between %d and %d (1 to 12 hours), got %r"
            % (option, SESSION_DURATION_MIN, SESSION_DURATION_MAX, value)
        )
    return value


def check_description(option: str, value: str) -> str:
    """An IAM role description: at most 1000 characters, each one CreateRole's pattern allows."""
    if not isinstance(value, str) or len(value) > DESCRIPTION_MAX:
        raise InvalidInput("%s must be at most %d characters long" % (option, DESCRIPTION_MAX))
    forbidden = DESCRIPTION_FORBIDDEN_CHARACTER.search(value)
    if forbidden:
        raise InvalidInput(
            "%s may hold only tabs, line breaks, printable ASCII and Latin-1 characters from U+00A1 to U+00FF, "
            "as IAM requires; character %d is U+%04X" % (option, forbidden.start() + 1, ord(forbidden.group()))
        )
    return value


# --- The role's connection dictionaries -----------------------------------------------------
# cloudtrail_aws_connection and cloudtrail_azure_connection reach every module of their cloud
# through module_defaults. A key no module knows fails every module with "Unsupported parameters",
# and, not being one of the modules' no_log options, its value (say a secret under a misspelled
# key) is shown in clear in the module's invocation with -vvv and in ANSIBLE_LOG_PATH. So the role
# maps the spellings users naturally type to the modules' option names and refuses any other key,
# naming the key, never its value.

# amazon.aws's connection options (module_utils/modules.py, aws_argument_spec()), the options of
# every AnsibleAWSModule. tests/unit checks these against amazon.aws.
AWS_CONNECTION_OPTIONS = frozenset(
    (
        "access_key",
        "secret_key",
        "session_token",
        "profile",
        "endpoint_url",
        "region",
        "validate_certs",
        "aws_ca_bundle",
        "aws_config",
        "debug_botocore_endpoint_logs",
    )
)
AWS_CONNECTION_ALIASES = {
    # amazon.aws's own aliases; aws_access_key_id and the like are also boto3's names
    "aws_access_key_id": "access_key",
    "aws_access_key": "access_key",
    "aws_secret_access_key": "secret_key",
    "aws_secret_key": "secret_key",
    "aws_session_token": "session_token",
    "aws_profile": "profile",
    "aws_endpoint_url": "endpoint_url",
    "aws_region": "region",
    # boto3.session.Session's argument names
    "region_name": "region",
    "profile_name": "profile",
    # the session token's name in boto 2 and older amazon.aws releases (AWS_SECURITY_TOKEN)
    "security_token": "session_token",
    "aws_security_token": "session_token",
}
# The Sentinel modules' Azure options (module_utils/azure_auth.py, AZURE_AUTH_ARGSPEC: azure.azcollection's
# names). tests/unit checks these against that spec.
AZURE_CONNECTION_OPTIONS = frozenset(
    (
        "auth_source",
        "profile",
        "subscription_id",
        "client_id",
        "secret",
        "tenant",
        "cloud_environment",
        "cert_validation_mode",
        "adfs_authority_url",
        "disable_instance_discovery",
        "read_timeout",
        "token_cache",
        "token_cache_dir",
    )
)
# azure-identity's names (ClientSecretCredential(tenant_id, client_id, client_secret), AZURE_CLIENT_SECRET)
AZURE_CONNECTION_ALIASES = {"client_secret": "secret", "tenant_id": "tenant"}
CONNECTION_OPTIONS = {
    "aws": (AWS_CONNECTION_OPTIONS, AWS_CONNECTION_ALIASES),
    "azure": (AZURE_CONNECTION_OPTIONS, AZURE_CONNECTION_ALIASES),
}


def check_connection(option: str, connection: Any, cloud: str) -> Dict[str, Any]:
    """A connection dictionary of the role ("aws" or "azure"), with its keys as the modules name them.

    Messages name keys but never values: any value may be a secret.
    """
    if connection is None:
        return {}
    if not isinstance(connection, dict):
        raise InvalidInput("%s must be a dictionary of connection options" % option)
    names, aliases = CONNECTION_OPTIONS[cloud]
    unknown = sorted(str(key) for key in connection if key not in names and key not in aliases)
    if unknown:
        raise InvalidInput(
            "%s has keys that no module takes: %s (their values were not passed on); the keys are %s, and the "
            "aliases %s" % (option, ", ".join(unknown), ", ".join(sorted(names)), ", ".join(sorted(aliases)))
        )
    keys_by_name: Dict[str, List[str]] = {}
    for key in connection:
        keys_by_name.setdefault(aliases.get(key, key), []).append(key)
    doubled = sorted(", ".join(sorted(keys)) for keys in keys_by_name.values() if len(keys) > 1)
    if doubled:
        raise InvalidInput("%s gives one option under several keys (%s): keep one" % (option, "; ".join(doubled)))
    return dict((aliases.get(key, key), value) for key, value in connection.items())


# --- hub credentials: the role an AWS module assumes (module_utils/assume_role.py) ------------------
DEFAULT_SESSION_NAME = "sentinel-aws"
# STS AssumeRole's rules (AWS STS API reference, AssumeRole request parameters): ExternalId 2 to
# 1224 characters of [\w+=,.@:/-], RoleSessionName 2 to 64 of [\w+=,.@-].
EXTERNAL_ID_PATTERN = re.compile(r"^[\w+=,.@:/-]{2,1224}\Z", re.ASCII)
SESSION_NAME_PATTERN = re.compile(r"^[\w+=,.@-]{2,64}\Z", re.ASCII)
ASSUME_ROLE_OPTION_NAMES = (
    "assume_role_arn",
    "assume_role_name",
    "assume_role_external_id",
    "assume_role_session_name",
    "account_id",
)


def assume_role_request(
    params: Dict[str, Any], partition: str, names: Dict[str, str] | None = None
) -> Dict[str, str] | None:
    """The sts:AssumeRole request the options ask for (None: no role to assume), or InvalidInput naming the option.

    A role name is assumed in the account of the ``account_id`` guard, in the caller's partition.
    A full ARN must be in that account, so a wrong account is refused before any call. ``names``
    words the messages with other names for the options (the cloudtrail role's variables).
    """
    name_of = dict((option, option) for option in ASSUME_ROLE_OPTION_NAMES)
    name_of.update(names or {})
    arn, role_name = params.get("assume_role_arn"), params.get("assume_role_name")
    if arn and role_name:
        raise InvalidInput("%(assume_role_arn)s and %(assume_role_name)s are mutually exclusive: give one" % name_of)
    if not arn and not role_name:
        if params.get("assume_role_external_id"):
            raise InvalidInput(
                "%(assume_role_external_id)s is used only with %(assume_role_arn)s or %(assume_role_name)s" % name_of
            )
        return None
    expected = params.get("account_id")
    if expected is not None:
        expected = check_account_id(name_of["account_id"], expected)
    if arn:
        account = parse_role_arn(name_of["assume_role_arn"], arn)["account"]
        if expected is not None and account != expected:
            raise InvalidInput(
                "%s: the role %s is in AWS account %s, not the expected account %s (%s); nothing was changed"
                % (name_of["assume_role_arn"], arn, account, expected, name_of["account_id"])
            )
    else:
        check_role_name(name_of["assume_role_name"], role_name)
        if expected is None:
            raise InvalidInput(
                "%s needs %s: the AWS account to assume the role %s in"
                % (name_of["assume_role_name"], name_of["account_id"], role_name)
            )
        arn = role_arn(partition, expected, "/", role_name)
    session_name = params.get("assume_role_session_name") or DEFAULT_SESSION_NAME
    if not isinstance(session_name, str) or not SESSION_NAME_PATTERN.match(session_name):
        raise InvalidInput(
            "%s must be 2 to 64 letters, digits and +=,.@_- (STS RoleSessionName), got %r"
            % (name_of["assume_role_session_name"], session_name)
        )
    request = {"RoleArn": arn, "RoleSessionName": session_name}
    external_id = params.get("assume_role_external_id")
    if external_id is not None:
        # A shared secret: the message never shows the value.
        if not isinstance(external_id, str) or not EXTERNAL_ID_PATTERN.match(external_id):
            raise InvalidInput(
                "%s must be 2 to 1224 letters, digits and +=,.@:/_- (STS ExternalId)"
                % name_of["assume_role_external_id"]
            )
        request["ExternalId"] = external_id
    return request
