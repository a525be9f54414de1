# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: s3_input_errors
short_description: Check the variables of the sentinel.aws.s3 role with the modules' own rules
version_added: 0.2.0
author:
  - sentinel.aws maintainers (@sentinel-aws)
description:
  - Takes a dictionary of the role's C(s3_*) variables and returns the list of what is wrong with them,
    each message naming the variable and the rule (an empty list when all is well).
  - The rules are those the modules apply (account IDs, C(OIDC_) role names, partitions, bucket, queue and
    trail names, tags, Azure names, the hub credentials C(s3_assume_role_*), whose external ID no message
    shows), and those of C(sentinel.aws.cloudtrail_input_errors) for values YAML
    typed (numbers where text is wanted, account IDs YAML read as octal) and the connection dictionaries.
  - Internal to the role. It is a public plugin only because a role inside a collection cannot carry plugins
    of its own, and Galaxy wants every plugin documented. It may change with the role.
options:
  _input:
    description:
      - The role's variables, by name. Variables left out or empty are not checked, except the required
        C(s3_aws_account_id) and C(s3_bucket).
      - C(s3_region) is the AWS region the run works in (from C(s3_aws_connection) or the environment); it is
        needed to name the trail the role creates.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Stop before any cloud call when a variable is malformed
  ansible.builtin.assert:
    that: errors | length == 0
    fail_msg: "{{ errors | join('; ') }}"
  vars:
    errors: "{{ {'s3_aws_account_id': '123456789012', 's3_bucket': 'logs'} | sentinel.aws.s3_input_errors }}"
"""

RETURN = r"""
_value:
  description: One message per malformed variable, naming it; empty when every variable is well-formed.
  type: list
  elements: str
"""

import re
from typing import Any, Callable, Dict, List, Tuple

from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_input_errors import (
    account_id_value,
    as_text,
    assume_role_errors,
    given,
    policy_errors,
    seconds,
    workspace_errors,
)
from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import (
    LOG_TYPES,
    check_partition,
    check_role_name,
)
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import (
    check_resource_group,
    check_workspace_name,
    parse_workspace_resource_id,
)
from ansible_collections.sentinel.aws.plugins.module_utils.validation import (
    InvalidInput,
    check_connection,
    check_guid,
    check_tags,
)

# S3 general purpose bucket names: 3-63 lower-case letters, digits, dots and hyphens, beginning and
# ending with a letter or digit (Amazon S3 user guide, "General purpose bucket naming rules").
BUCKET_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")
# SQS queue names: 1-80 letters, digits, hyphens and underscores (CreateQueue, QueueName).
QUEUE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,80}\Z")
# CloudTrail trail names: 3-128 letters, digits, '.', '_' and '-', starting with a letter or digit
# (CreateTrail, Name).
TRAIL_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,127}\Z")
# AWS Organizations IDs: o- then 10 to 32 lower-case letters or digits (Organization.Id).
ORGANIZATION_ID_PATTERN = re.compile(r"^o-[a-z0-9]{10,32}\Z")
LOG_TYPE_KEYS = ("type", "prefix", "queue_name")
TRAIL_KEYS = ("create", "name", "multi_region", "organization_id")

Rule = Tuple[str, Callable[[str, Any], Any]]


def check_bucket(name: str, value: Any) -> None:
    if not isinstance(value, str) or not BUCKET_PATTERN.match(value):
        raise InvalidInput(
            "%s must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and "
            "ending with a letter or digit, got %r" % (name, value)
        )


def _string_list(name: str, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise InvalidInput("%s must be a list of non-empty strings, got %r" % (name, value))


def log_type_errors(value: Any) -> List[str]:
    """s3_log_types: a non-empty list of log type names, or dicts with type and an optional prefix and queue_name."""
    name = "s3_log_types"
    if not isinstance(value, list) or not value:
        return ["%s must be a non-empty list of log types (%s), got %r" % (name, ", ".join(LOG_TYPES), value)]
    errors, seen = [], set()
    for index, entry in enumerate(value):
        where = "%s[%d]" % (name, index)
        spec = entry if isinstance(entry, dict) else {"type": entry}
        unknown = sorted(str(key) for key in spec if key not in LOG_TYPE_KEYS)
        if unknown:
            errors.append(
                "%s has unknown keys %s; the keys are %s" % (where, ", ".join(unknown), ", ".join(LOG_TYPE_KEYS))
            )
        if spec.get("type") not in LOG_TYPES:
            errors.append("%s type must be one of %s, got %r" % (where, ", ".join(LOG_TYPES), spec.get("type")))
        elif spec["type"] in seen:
            errors.append(
                "%s repeats the log type %s: each log type has one queue and one connector" % (where, spec["type"])
            )
        seen.add(spec.get("type"))
        if given(spec.get("prefix")) and not isinstance(spec["prefix"], str):
            errors.append("%s prefix must be text, got %r" % (where, spec["prefix"]))
        queue = spec.get("queue_name")
        if given(queue) and not (isinstance(queue, str) and QUEUE_NAME_PATTERN.match(queue)):
            errors.append(
                "%s queue_name must be an SQS queue name of 1 to 80 letters, digits, hyphens and underscores, got %r"
                % (where, queue)
            )
    return errors


def trail_errors(trail: Any, region: Any) -> List[str]:
    """s3_trail: create, name, multi_region (booleans and a trail name), organization_id."""
    name = "s3_trail"
    if trail in (None, ""):
        return []
    if not isinstance(trail, dict):
        return ["%s must be a dictionary with the keys %s, got %r" % (name, ", ".join(TRAIL_KEYS), trail)]
    errors = []
    unknown = sorted(str(key) for key in trail if key not in TRAIL_KEYS)
    if unknown:
        errors.append("%s has unknown keys %s; the keys are %s" % (name, ", ".join(unknown), ", ".join(TRAIL_KEYS)))
    for flag in ("create", "multi_region"):
        if flag in trail and not isinstance(trail[flag], bool):
            errors.append("%s.%s must be true or false, got %r" % (name, flag, trail[flag]))
    if given(trail.get("name")) and not TRAIL_NAME_PATTERN.match(str(trail["name"])):
        errors.append(
            "%s.name must be a CloudTrail trail name of 3 to 128 letters, digits, '.', '_' and '-', starting with "
            "a letter or digit, got %r" % (name, trail["name"])
        )
    organization = trail.get("organization_id")
    if given(organization) and not ORGANIZATION_ID_PATTERN.match(str(organization)):
        errors.append(
            "%s.organization_id must be an AWS Organizations ID (o-xxxxxxxxxx), got %r" % (name, organization)
        )
    if trail.get("create") is True and not given(region):
        errors.append(
            "%s.create needs the AWS region the trail lives in: give s3_aws_connection.region, or set AWS_REGION" % name
        )
    return errors


def _single_value_rules(variables: Dict[str, Any]) -> List[Rule]:
    """(variable, check) for every variable that is checked on its own."""
    rules: List[Rule] = [
        ("s3_aws_account_id", account_id_value),
        ("s3_bucket", check_bucket),
        ("s3_role_name", lambda name, value: check_role_name(name, as_text(value))),
        ("s3_aws_partition", check_partition),
        ("s3_aws_connection", lambda name, value: check_connection(name, value, "aws")),
        ("s3_azure_connection", lambda name, value: check_connection(name, value, "azure")),
    ]
    optional: List[Rule] = [
        ("s3_subscription_id", lambda name, value: check_guid(name, as_text(value))),
        ("s3_session_names", _string_list),
        ("s3_tags", check_tags),
        ("s3_kms_key_id", lambda name, value: _string_list(name, [value])),
        ("s3_workspace_name", lambda name, value: check_workspace_name(as_text(value), name)),
        ("s3_resource_group", lambda name, value: check_resource_group(as_text(value), name)),
        ("s3_workspace_resource_id", lambda name, value: parse_workspace_resource_id(value, name)),
    ]
    return rules + [(name, check) for name, check in optional if given(variables.get(name))]


def s3_input_errors(variables: Dict[str, Any]) -> List[str]:
    """Every rule broken by the role's variables, as messages naming the variable."""
    errors = []
    for name, check in _single_value_rules(variables):
        try:
            check(name, variables.get(name))
        except InvalidInput as exc:
            errors.append(str(exc))
    errors += workspace_errors(variables, "s3_")
    errors += policy_errors(variables, "s3_managed_policies")
    errors += log_type_errors(variables.get("s3_log_types"))
    errors += trail_errors(variables.get("s3_trail"), variables.get("s3_region"))
    errors += assume_role_errors(variables, "s3_")
    wait_timeout = variables.get("s3_wait_timeout")
    if wait_timeout is not None and (seconds(wait_timeout) is None or seconds(wait_timeout) < 0):
        errors.append("s3_wait_timeout must be a whole number of seconds, 0 or more, got %r" % (wait_timeout,))
    return errors


class FilterModule(object):
    def filters(self):
        return {"s3_input_errors": s3_input_errors}
