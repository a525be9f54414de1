#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: data_connector_info
short_description: List the AWS data connectors of a Microsoft Sentinel workspace
version_added: 0.1.0
description:
  - Lists the Amazon Web Services data connectors of a workspace (kinds
    C(AmazonWebServicesCloudTrail) and C(AmazonWebServicesS3)), or the one with a given ID or role ARN.
  - Makes one read (the workspace's connector list, every page), two with O(workspace_details), and never writes.
  - The list is read at the stable API version 2021-10-01, whose SDK has no model for C(AmazonWebServicesS3);
    S3 connectors are reported from the answer's JSON, with their role, queues and table.
author:
  - sentinel.aws maintainers (@sentinel-aws)
options:
  connector_id:
    description:
      - Only the connector with this ID (a GUID).
    type: str
  aws_role_arn:
    description:
      - Only the connector(s) reading through this IAM role (compared without regard to case); for S3
        connectors, their C(roleArn).
    type: str
  workspace_details:
    description:
      - Also read the workspace itself and return it as RV(workspace), in the same sign-in (one token
        for both reads, where M(sentinel.aws.workspace_info) and this module would fetch one each).
      - Both reads are made even when the first fails. The task then fails with the workspace's error
        (else the list's), and still returns what could be read (RV(workspace) or RV(connectors)).
    type: bool
    default: false
extends_documentation_fragment:
  - sentinel.aws.azure
  - sentinel.aws.azure.workspace
  - sentinel.aws.attributes.info_module
  - sentinel.aws.attributes.actiongroup_azure
seealso:
  - module: sentinel.aws.data_connector
"""

EXAMPLES = r"""
- name: List the AWS connectors of the workspace
  sentinel.aws.data_connector_info:
    workspace_name: law-sentinel
    resource_group: rg-sentinel
  register: aws_connectors

- name: Show which roles Sentinel reads through
  ansible.builtin.debug:
    msg: "{{ aws_connectors.connectors | map(attribute='aws_role_arn') | list }}"

- name: The workspace ID and the connectors in one sign-in
  sentinel.aws.data_connector_info:
    workspace_name: law-sentinel
    resource_group: rg-sentinel
    workspace_details: true
  register: sentinel_reads

- name: The connector of one role
  sentinel.aws.data_connector_info:
    workspace_name: law-sentinel
    resource_group: rg-sentinel
    aws_role_arn: arn:aws:iam::123456789012:role/MicrosoftSentinelRole
"""

RETURN = r"""
connectors:
  description: The AWS connectors found (an empty list when none match).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Azure resource ID of the connector.
      type: str
    name:
      description: The connector ID.
      type: str
      sample: 3c8f5a47-0d5e-5d0b-8f0e-6f2a1c9b7e21
    kind:
      description: Connector kind.
      type: str
      sample: AmazonWebServicesCloudTrail
    aws_role_arn:
      description: The IAM role Sentinel assumes (C(awsRoleArn), or C(roleArn) of an S3 connector).
      type: str
      returned: for AmazonWebServicesCloudTrail and AmazonWebServicesS3 connectors
      sample: arn:aws:iam::123456789012:role/MicrosoftSentinelRole
    logs_enabled:
      description: Whether the connector's logs are ingested.
      type: bool
      returned: for AmazonWebServicesCloudTrail and AmazonWebServicesS3 connectors
    sqs_urls:
      description: The SQS queue URLs the connector reads (C(sqsUrls)).
      type: list
      elements: str
      returned: for AmazonWebServicesS3 connectors
      sample: [https://sqs.us-east-1.amazonaws.com/123456789012/sentinel-aws-vpcflow]
    destination_table:
      description: The Log Analytics table the logs land in (C(destinationTable)).
      type: str
      returned: for AmazonWebServicesS3 connectors
      sample: AWSVPCFlow
    etag:
      description: The connector's entity tag.
      type: str
workspace:
  description: The workspace, as M(sentinel.aws.workspace_info) returns it (without C(sentinel_enabled)).
  returned: with O(workspace_details), when the workspace could be read
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
  description: V(false) when the connectors could not be listed because Microsoft Sentinel is not enabled
    on the workspace.
  returned: on that failure
  type: bool
  sample: false
status_code:
  description: HTTP status of the failed Azure call.
  returned: on Azure errors
  type: int
error_code:
  description: ARM error code of the failed Azure call.
  returned: on Azure errors, when Azure gives one
  type: str
"""

from ansible_collections.sentinel.aws.plugins.module_utils.azure_auth import workspace_module
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel_api import SentinelError
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel_runner import aws_connectors


def main():
    module = workspace_module(
        dict(
            connector_id=dict(type="str"),
            aws_role_arn=dict(type="str"),
            workspace_details=dict(type="bool", default=False),
        )
    )
    try:
        read = aws_connectors(module.params)
    except SentinelError as exc:
        module.fail_json(msg=exc.msg, **exc.details)
    module.exit_json(changed=False, **read)


if __name__ == "__main__":
    main()
