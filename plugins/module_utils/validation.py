# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input validation shared by every module: pure functions, one rule each.

Each check raises InvalidInput with a message that names the option and the rule, so a
module can fail before making any write call.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import unicodedata

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


def check_guid(option, value):
    # type: (str, str) -> str
    """A GUID such as a Log Analytics workspace ID (customerId) or a Sentinel connector ID."""
    if not isinstance(value, str) or not GUID_PATTERN.match(value):
        raise InvalidInput(
            "%s must be a GUID (8-4-4-4-12 hexadecimal digits, e.g. 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c), got %r"
            % (option, value)
        )
    return value.lower()


def check_account_id(option, value):
    # type: (str, str) -> str
    """An AWS account ID: exactly 12 digits, kept as a string (leading zeros matter)."""
    if not isinstance(value, str) or not ACCOUNT_ID_PATTERN.match(value):
        raise InvalidInput("%s must be an AWS account ID of exactly 12 digits, got %r" % (option, value))
    return value


def parse_role_arn(option, value):
    # type: (str, str) -> dict
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


def check_role_name(option, value):
    # type: (str, str) -> str
    """An IAM role name: 1-64 characters from letters, digits and + = , . @ _ -."""
    if not isinstance(value, str) or not ROLE_NAME_PATTERN.match(value):
        raise InvalidInput(
            "%s must be an IAM role name of 1 to 64 characters, letters, digits and +=,.@_- only, got %r"
            % (option, value)
        )
    return value


def check_iam_path(option, value):
    # type: (str, str) -> str
    """An IAM path: starts and ends with '/', at most 512 printable ASCII characters."""
    if not isinstance(value, str) or len(value) > IAM_PATH_MAX or not IAM_PATH_PATTERN.match(value):
        raise InvalidInput(
            "%s must be an IAM path that starts and ends with '/' (e.g. / or /sentinel/), at most %d "
            "printable ASCII characters without spaces, got %r" % (option, IAM_PATH_MAX, value)
        )
    return value


def parse_policy_arn(option, value):
    # type: (str, str) -> dict
    """Split an IAM managed policy ARN (AWS managed or customer managed) into its parts."""
    match = POLICY_ARN_PATTERN.match(value) if isinstance(value, str) else None
    if not match:
        raise InvalidInput(
            "%s must be an IAM policy ARN of the form arn:aws:iam::<12-digit account or 'aws'>:policy/<name>, got %r"
            % (option, value)
        )
    return match.groupdict()


def check_managed_policy(option, value):
    # type: (str, str) -> str
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


def check_tags(option, tags):
    # type: (str, dict) -> dict
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


def _is_tag_character(character):
    # type: (str) -> bool
    return unicodedata.category(character)[0] in TAG_CATEGORIES or character in TAG_PUNCTUATION


def merge_tags(option, current, desired, purge, note=""):
    # type: (str, dict, dict, bool, str) -> dict
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


def check_session_duration(option, value):
    # type: (str, int) -> int
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


def check_description(option, value):
    # type: (str, str) -> str
    """An IAM role description: at most 1000 characters."""
    if not isinstance(value, str) or len(value) > DESCRIPTION_MAX:
        raise InvalidInput("%s must be at most %d characters long" % (option, DESCRIPTION_MAX))
    return value
