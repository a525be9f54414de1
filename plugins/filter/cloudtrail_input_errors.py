# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: cloudtrail_input_errors
short_description: Check the variables of the sentinel.aws.cloudtrail role with the modules' own rules
version_added: 0.1.0
author:
  - sentinel.aws maintainers (@sentinel-aws)
description:
  - Takes a dictionary of the role's C(cloudtrail_*) variables and returns the list of what is wrong
    with them, each message naming the variable and the rule (an empty list when all is well).
  - The rules are those the modules apply to their options (account IDs, GUIDs, IAM names, paths,
    descriptions, tags, policies, Azure names and resource IDs, the AWS partition), so the role fails
    before any cloud call on exactly the input a module would refuse later.
  - The connection dictionaries may hold only the modules' connection options, or the other spellings
    the C(sentinel.aws.cloudtrail_connection) filter maps; other keys are named, their values never shown.
  - Numbers are taken as their digits where text is wanted (a role name such as C(20240101)), except
    account IDs of other than 12 digits, which YAML made from unquoted text (C(055555555555) is octal).
options:
  _input:
    description: The role's variables, by name. Variables left out or empty are not checked, except the required C(cloudtrail_aws_account_id).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Stop before any cloud call when a variable is malformed
  ansible.builtin.assert:
    that: errors | length == 0
    fail_msg: "{{ errors | join('; ') }}"
  vars:
    errors: "{{ {'cloudtrail_aws_account_id': '12345', 'cloudtrail_role_name': 'MicrosoftSentinelRole'} | sentinel.aws.cloudtrail_input_errors }}"
"""

RETURN = r"""
_value:
  description: One message per malformed variable, naming it; empty when every variable is well-formed.
  type: list
  elements: str
"""

from ansible.module_utils.common.validation import check_type_int

from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import (
    check_resource_group,
    check_workspace_choice,
    check_workspace_name,
    parse_workspace_resource_id,
)
from ansible_collections.sentinel.aws.plugins.module_utils.validation import (
    ASSUME_ROLE_OPTION_NAMES,
    COMMERCIAL_PARTITION,
    InvalidInput,
    assume_role_request,
    check_account_id,
    check_connection,
    check_description,
    check_guid,
    check_iam_path,
    check_managed_policy,
    check_role_name,
    check_tags,
)

# The legacy CloudTrail connector reads AWS commercial accounts only (design.md, Microsoft Learn
# "Connect Microsoft Sentinel to Amazon Web Services"); these region prefixes are the other partitions.
NON_COMMERCIAL_REGION_PREFIXES = ("us-gov-", "cn-")


# given, as_text, account_id_value, workspace_errors, policy_errors, seconds and assume_role_errors serve the
# sentinel.aws.s3 role's check too (s3_input_errors): one reading of YAML-typed values for both roles.
def given(value):
    return value not in (None, "", [], {})


def as_text(value):
    # A value that YAML read as a whole number (a role name such as 20240101) is checked as the text
    # it prints as, which is what the modules' str options make of it. Not booleans: yes is no name.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def account_id_value(name, value):
    """An account ID given as text, or as a whole number of 12 digits (YAML read it as a number)."""
    if not isinstance(value, int) or isinstance(value, bool) or 10**11 <= value < 10**12:
        return check_account_id(name, as_text(value))
    # YAML 1.1, which Ansible reads, takes an unquoted number with a leading zero as octal: the
    # account ID 055555555555 arrives as 6135667565. Any other number has lost its leading zeros.
    octal = " (%s becomes %d)" % ("0" + format(value, "o").zfill(11), value) if 0 < value < 8**11 else ""
    raise InvalidInput(
        "%s must be 12 digits given as quoted text, got the number %d: YAML reads an unquoted number with a "
        "leading zero as octal%s and numbers lose leading zeros, so quote account IDs" % (name, value, octal)
    )


def _single_value_rules(variables):
    """(variable, check) for every variable that is checked on its own."""
    # Always checked: required, or defaulted by the role (an empty value is then a mistake).
    rules = [
        ("cloudtrail_aws_account_id", account_id_value),
        ("cloudtrail_microsoft_account_id", account_id_value),
        ("cloudtrail_role_name", lambda name, value: check_role_name(name, as_text(value))),
        ("cloudtrail_role_path", check_iam_path),
        ("cloudtrail_aws_connection", lambda name, value: check_connection(name, value, "aws")),
        ("cloudtrail_azure_connection", lambda name, value: check_connection(name, value, "azure")),
    ]
    optional = [
        ("cloudtrail_external_id", lambda name, value: check_guid(name, as_text(value))),
        ("cloudtrail_connector_id", lambda name, value: check_guid(name, as_text(value))),
        ("cloudtrail_subscription_id", lambda name, value: check_guid(name, as_text(value))),
        ("cloudtrail_role_description", lambda name, value: check_description(name, as_text(value))),
        ("cloudtrail_role_tags", check_tags),
        ("cloudtrail_workspace_name", lambda name, value: check_workspace_name(as_text(value), name)),
        ("cloudtrail_resource_group", lambda name, value: check_resource_group(as_text(value), name)),
        ("cloudtrail_workspace_resource_id", lambda name, value: parse_workspace_resource_id(value, name)),
    ]
    rules += [(name, check) for name, check in optional if given(variables.get(name))]
    return rules


def workspace_errors(variables, prefix="cloudtrail_"):
    """The modules' own rule (sentinel.check_workspace_choice), worded with the role's variables (their prefix)."""
    names = {option: prefix + option for option in ("workspace_name", "resource_group", "workspace_resource_id")}
    try:
        check_workspace_choice({option: variables.get(name) for option, name in names.items()}, names)
    except InvalidInput as exc:
        return [str(exc)]
    return []


def policy_errors(variables, name="cloudtrail_managed_policies"):
    policies = variables.get(name)
    if policies is None:
        return []
    if not isinstance(policies, list):
        return ["%s must be a list of policy names or ARNs, got %r" % (name, policies)]
    errors = []
    for policy in policies:
        try:
            check_managed_policy(name, policy)
        except InvalidInput as exc:
            errors.append(str(exc))
    return errors


def seconds(value):
    """A whole number of seconds as the modules' int options take it (-e gives the text "120"), else None."""
    if isinstance(value, bool):
        return None
    try:
        return check_type_int(value)
    except TypeError:
        return None


def _wait_timeout_errors(variables):
    wait_timeout = variables.get("cloudtrail_wait_timeout")
    if wait_timeout is None:
        return []
    wait_seconds = seconds(wait_timeout)
    if wait_seconds is None or wait_seconds < 0:
        return ["cloudtrail_wait_timeout must be a whole number of seconds, 0 or more, got %r" % (wait_timeout,)]
    return []


# The role's verification waits at most two hours: first data takes 20-30 minutes (Sentinel's
# documentation), and a run must not hold an AWX job for longer.
MAX_VERIFY_TIMEOUT = 7200


def _verify_errors(variables):
    timeout, interval = variables.get("cloudtrail_verify_timeout"), variables.get("cloudtrail_verify_interval")
    if timeout is None or interval is None:
        return []
    errors = []
    timeout_seconds, interval_seconds = seconds(timeout), seconds(interval)
    if timeout_seconds is None or not 1 <= timeout_seconds <= MAX_VERIFY_TIMEOUT:
        errors.append(
            "cloudtrail_verify_timeout must be a whole number of seconds from 1 to %d, got %r"
            % (MAX_VERIFY_TIMEOUT, timeout)
        )
    if interval_seconds is None or interval_seconds < 1:
        errors.append("cloudtrail_verify_interval must be a whole number of seconds, 1 or more, got %r" % (interval,))
    elif not errors and interval_seconds > timeout_seconds:
        errors.append(
            "cloudtrail_verify_interval (%d) must not be longer than cloudtrail_verify_timeout (%d)"
            % (interval_seconds, timeout_seconds)
        )
    return errors


def _partition_errors(variables):
    try:
        connection = check_connection("cloudtrail_aws_connection", variables.get("cloudtrail_aws_connection"), "aws")
    except InvalidInput:
        return []  # reported by the connection's own rule
    region = connection.get("region")
    if isinstance(region, str) and region.startswith(NON_COMMERCIAL_REGION_PREFIXES):
        return [
            "cloudtrail_aws_connection.region %s is not in AWS commercial: Sentinel's CloudTrail connector "
            "supports AWS commercial accounts only" % region
        ]
    return []


def assume_role_errors(variables, prefix="cloudtrail_"):
    """The modules' own rule (validation.assume_role_request), worded with the role's variables (their prefix).

    No message shows the external ID. The partition, where a role name's ARN is built, changes no verdict.
    """
    names = dict((option, prefix + option) for option in ASSUME_ROLE_OPTION_NAMES if option != "account_id")
    names["account_id"] = prefix + "aws_account_id"
    params = dict(
        (option, as_text(variables.get(name)) if given(variables.get(name)) else None) for option, name in names.items()
    )
    try:
        params["account_id"] = account_id_value(names["account_id"], variables.get(names["account_id"]))
    except InvalidInput:
        return []  # reported by the account ID's own rule
    try:
        assume_role_request(params, COMMERCIAL_PARTITION, names)
    except InvalidInput as exc:
        return [str(exc)]
    return []


def cloudtrail_input_errors(variables):
    """Every rule broken by the role's variables, as messages naming the variable."""
    errors = []
    for name, check in _single_value_rules(variables):
        try:
            check(name, variables.get(name))
        except InvalidInput as exc:
            errors.append(str(exc))
    for group in (
        workspace_errors,
        policy_errors,
        _wait_timeout_errors,
        _verify_errors,
        _partition_errors,
        assume_role_errors,
    ):
        errors += group(variables)
    return errors


class FilterModule(object):
    def filters(self):
        return {"cloudtrail_input_errors": cloudtrail_input_errors}
