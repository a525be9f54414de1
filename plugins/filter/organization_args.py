# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: organization_args
short_description: The accounts and connection options of the sentinel.aws.onboard_organization playbook's module run
version_added: 0.2.0
author:
  - sentinel.aws maintainers (@sentinel-aws)
description:
  - Takes the play's host names and C(hostvars), and returns the AWS account ID of every host (its
    C(aws_account_id), which the C(sentinel.aws.organizations) inventory plugin sets, or
    C(cloudtrail_aws_account_id)), each once, in play order; and the playbook's two connection
    dictionaries as the options of C(sentinel.aws.cloudtrail_organization).
  - Fails naming the hosts that stand for no account, or the connection variable and its unknown
    keys (never a value), before any cloud call.
  - Internal to the playbooks C(sentinel.aws.onboard_organization) and C(sentinel.aws.offboard_organization).
    It is a public plugin only because Galaxy wants every plugin documented. It may change with them.
options:
  aws_connection:
    description: C(organization_aws_connection), the hub's AWS connection options (keys as the C(sentinel.aws.cloudtrail) role's C(cloudtrail_aws_connection)).
    type: dict
    default: {}
  azure_connection:
    description:
      - C(organization_azure_connection), the Azure connection options (keys as the role's C(cloudtrail_azure_connection)).
      - Its C(profile) (of the Azure credential file) becomes the module's C(azure_profile).
    type: dict
    default: {}
extends_documentation_fragment:
  - sentinel.aws.host_report
"""

EXAMPLES = r"""
- name: Converge every account of the play
  sentinel.aws.cloudtrail_organization:
    accounts: "{{ (ansible_play_hosts_all | sentinel.aws.organization_args(hostvars)).accounts }}"
    assume_role_name: OrganizationAccountAccessRole
    workspace_name: law-sentinel
    resource_group: rg-sentinel
  run_once: true
"""

RETURN = r"""
_value:
  description: The module's arguments.
  type: dict
  contains:
    accounts:
      description: The account IDs, each once, in the order of the hosts.
      type: list
      elements: str
    connection:
      description: The connection options by the module's option names, for C(module_defaults).
      type: dict
"""

from typing import Any, Dict, List, Mapping, Optional

from ansible.errors import AnsibleFilterError

from ansible_collections.sentinel.aws.plugins.module_utils.run_report import host_account_id
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput, check_connection

# The module takes the options of both clouds: its profile is the hub's AWS profile, and the Azure
# credential file's profile (the other Azure modules' profile) is azure_profile.
AZURE_OPTION_NAMES = {"profile": "azure_profile"}


def _accounts(hosts: List[str], hostvars: Mapping[str, Mapping[str, Any]]) -> List[str]:
    """Each host's account, each once; InvalidInput naming every host that stands for none."""
    by_host = {host: host_account_id(host, hostvars[host]) for host in hosts}
    missing = [host for host, account in by_host.items() if not account]
    if missing:
        raise InvalidInput(
            "no AWS account ID for the host%s %s: give each host the variable aws_account_id (the "
            "sentinel.aws.organizations inventory plugin sets it) or cloudtrail_aws_account_id"
            % ("" if len(missing) == 1 else "s", ", ".join(missing))
        )
    return list(dict.fromkeys(by_host.values()))


def _connection(aws: Optional[Mapping[str, Any]], azure: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """Both dictionaries as the module's options; InvalidInput naming the variable and its bad keys."""
    aws_options = check_connection("organization_aws_connection", aws, "aws")
    azure_options = check_connection("organization_azure_connection", azure, "azure")
    return {**aws_options, **{AZURE_OPTION_NAMES.get(key, key): value for key, value in azure_options.items()}}


def organization_args(
    hosts: List[str],
    hostvars: Mapping[str, Mapping[str, Any]],
    aws_connection: Optional[Mapping[str, Any]] = None,
    azure_connection: Optional[Mapping[str, Any]] = None,
) -> Dict[str, Any]:
    """The module's accounts and connection options (see RETURN)."""
    try:
        return {"accounts": _accounts(hosts, hostvars), "connection": _connection(aws_connection, azure_connection)}
    except InvalidInput as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule(object):
    def filters(self):
        return {"organization_args": organization_args}
