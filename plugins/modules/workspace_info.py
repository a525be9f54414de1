#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: workspace_info
short_description: Read a Log Analytics workspace's ID and whether Microsoft Sentinel is enabled on it
version_added: 0.1.0
description:
  - Returns the workspace ID (C(customer_id)) of a Log Analytics workspace, which is the external
    ID the IAM role for Sentinel's AWS connector must require (see M(sentinel.aws.connector_role)),
    with its location, resource ID, and whether Microsoft Sentinel is enabled on it
    (C(Microsoft.SecurityInsights/onboardingStates/default) exists).
  - Makes two reads (the workspace and its onboarding state), or one with O(sentinel_state=false), and never writes.
author:
  - sentinel.aws maintainers (@sentinel-aws)
options:
  sentinel_state:
    description:
      - Also read whether Microsoft Sentinel is enabled on the workspace (one more read, of
        C(onboardingStates/default)), returned as RV(workspace.sentinel_enabled).
      - Set V(false) when only the workspace ID is needed, for example when a later listing of the
        workspace's data connectors proves Sentinel is enabled anyway.
    type: bool
    default: true
extends_documentation_fragment:
  - sentinel.aws.azure
  - sentinel.aws.azure.workspace
  - sentinel.aws.attributes.info_module
  - sentinel.aws.attributes.actiongroup_azure
seealso:
  - module: sentinel.aws.data_connector
"""

EXAMPLES = r"""
# Credentials and cloud from the environment (AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_ID, AZURE_SECRET,
# AZURE_TENANT, AZURE_CLOUD_ENVIRONMENT).
- name: Find the workspace ID, the external ID of Sentinel's IAM role
  sentinel.aws.workspace_info:
    workspace_name: law-sentinel
    resource_group: rg-sentinel
  register: sentinel_workspace

- name: Stop when Sentinel is not enabled on the workspace
  ansible.builtin.assert:
    that: sentinel_workspace.workspace.sentinel_enabled
    fail_msg: Enable Microsoft Sentinel on {{ sentinel_workspace.workspace.name }} first

- name: The same workspace, by resource ID
  sentinel.aws.workspace_info:
    workspace_resource_id: "{{ sentinel_workspace.workspace.id }}"
"""

RETURN = r"""
workspace:
  description: The workspace.
  returned: success
  type: dict
  contains:
    name:
      description: Workspace name.
      type: str
      sample: law-sentinel
    resource_group:
      description: Its resource group.
      type: str
      sample: rg-sentinel
    subscription_id:
      description: Its subscription.
      type: str
      sample: 0b1f6471-0000-4000-8000-00000000501b
    id:
      description: Its Azure resource ID.
      type: str
      sample: /subscriptions/0b1f6471-0000-4000-8000-00000000501b/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-sentinel
    location:
      description: Its Azure region.
      type: str
      sample: westeurope
    customer_id:
      description: The workspace ID (a GUID), the external ID of the IAM role Sentinel assumes.
      type: str
      sample: 6f5e4d3c-0000-4000-8000-0000000051a1
    sentinel_enabled:
      description: Whether Microsoft Sentinel is enabled on the workspace.
      type: bool
      returned: when O(sentinel_state=true)
      sample: true
status_code:
  description: HTTP status of the failed Azure call.
  returned: on Azure errors
  type: int
  sample: 404
error_code:
  description: ARM error code of the failed Azure call.
  returned: on Azure errors, when Azure gives one
  type: str
  sample: ResourceNotFound
"""

from ansible_collections.sentinel.aws.plugins.module_utils.azure_auth import workspace_module
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel_api import SentinelError
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel_runner import workspace_details


def main():
    module = workspace_module(dict(sentinel_state=dict(type="bool", default=True)))
    try:
        details = workspace_details(module.params)
    except SentinelError as exc:
        module.fail_json(msg=exc.msg, **exc.details)
    module.exit_json(changed=False, workspace=details)


if __name__ == "__main__":
    main()
