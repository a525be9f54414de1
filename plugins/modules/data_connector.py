#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: data_connector
short_description: Connect an AWS account to Microsoft Sentinel (Amazon Web Services data connectors)
version_added: 0.1.0
description:
  - Creates, updates or removes a Microsoft Sentinel data connector for AWS, of kind
    C(AmazonWebServicesCloudTrail) (the legacy connector that polls an account's CloudTrail events
    through an IAM role Sentinel assumes, see M(sentinel.aws.connector_role)) or
    C(AmazonWebServicesS3) (Microsoft's recommended connector, which reads log files from S3 as SQS
    queues announce them, through a role Sentinel assumes by web identity, see C(sentinel.aws.s3_connector_role)).
  - The existing connector is found by listing the workspace's connectors and matching the kind
    and the role ARN (for C(AmazonWebServicesS3) also O(destination_table), as one role may feed one
    connector per table), so a connector made by hand in the portal under a random ID is adopted
    rather than duplicated (Sentinel refuses two connectors of one kind for the same role).
  - C(AmazonWebServicesCloudTrail) connectors are written at the stable API version 2021-10-01.
    C(AmazonWebServicesS3) is defined only in preview API versions of Sentinel's REST API, and is
    written at C(2025-07-01-preview); the connector list is read at 2021-10-01 for both kinds.
  - Role ARNs are compared without regard to case, as IAM role names are unique regardless of case.
  - A new IAM role takes a few seconds before Sentinel can assume it, and the wording of Sentinel's
    refusal meanwhile is not documented. So the module retries, with exponential backoff for up to
    O(wait_timeout) seconds, every HTTP 400 answer to the connector PUT except those waiting cannot
    change; a refusal of the request body (C(Failed to parse input), C(Required property)), a second
    connector for the same role (C(two connectors with different names)), and Sentinel not enabled on
    the workspace or C(Microsoft.SecurityInsights) not registered. When the budget is spent the task
    fails showing Sentinel's own text.
  - A re-run with nothing to change reads the connector list once and writes nothing.
  - With O(connectors), several C(AmazonWebServicesCloudTrail) connectors of the workspace are created or
    converged in one run, with one sign-in and one read of the connector list for all (the
    C(sentinel.aws.cloudtrail) role writes the connectors of a play batch so).
  - Sentinel refuses a second connector of the same kind and context under another name
    ("two connectors with different names and the same kind and context id"). Connectors left
    over from older set-ups are hidden in the portal but still returned by the API. When a PUT is
    refused for this reason, the module lists the workspace's connectors and fails naming each
    connector of the kind (its ID and role ARN) and how to remove it (O(state=absent) with
    O(connector_id)).
author:
  - sentinel.aws maintainers (@sentinel-aws)
options:
  kind:
    description:
      - Connector kind. V(AmazonWebServicesCloudTrail) is the CloudTrail (legacy, API polling) connector;
        V(AmazonWebServicesS3) the S3 connector (log files from an S3 bucket, announced by SQS queues).
    type: str
    default: AmazonWebServicesCloudTrail
    choices: [AmazonWebServicesCloudTrail, AmazonWebServicesS3]
  aws_role_arn:
    description:
      - ARN of the IAM role Sentinel assumes (C(arn:<partition>:iam::<account>:role/<name>)); the
        C(roleArn) of an V(AmazonWebServicesS3) connector.
      - V(AmazonWebServicesCloudTrail) reads the AWS commercial partition (C(aws)) only; GovCloud and
        China cannot be connected. V(AmazonWebServicesS3) reads C(aws) and C(aws-us-gov), not China.
      - Required with O(state=present). With O(state=absent), selects the connector to remove (with
        O(destination_table) for V(AmazonWebServicesS3)).
    type: str
  sqs_urls:
    description:
      - For O(kind=AmazonWebServicesS3) only, and required with O(state=present) there. The URLs of the
        SQS queues that S3 notifies of new log files (C(https://sqs.<region>.amazonaws.com/<account>/<name>),
        the C(queue_url) that C(sentinel.aws.s3_log_queue) returns).
      - Compared as a set with the connector's C(sqsUrls), as their order changes nothing.
    type: list
    elements: str
  destination_table:
    description:
      - For O(kind=AmazonWebServicesS3) only, and required there (with O(state=absent), unless the
        connector is named by O(connector_id)). The Log Analytics table the logs land in, one per log type.
      - Part of what identifies the connector with the role ARN, and of its derived ID.
    type: str
    choices: [AWSCloudTrail, AWSVPCFlow, AWSGuardDuty, AWSCloudWatch]
  connector_id:
    description:
      - The connector's ID (a GUID).
      - When omitted, a connector already holding O(aws_role_arn) is managed under its own ID;
        otherwise the ID is derived from the kind and the role ARN (UUID version 5 over a fixed
        namespace and C(<kind>:<role ARN in lower case>), with C(:<destination table>) added for
        V(AmazonWebServicesS3)), so re-runs find the same connector.
      - With O(state=absent), a connector of another kind than O(kind) is never removed.
      - Giving an ID different from the one of a connector already holding the role fails, as
        Sentinel would refuse the second connector.
      - Giving the ID of a connector that holds a role in another AWS account fails before any
        write, naming the connector, its role and its account, because pointing it at this role
        would silently stop Sentinel reading that account. A connector holding another role of the same
        account (a renamed role) is updated to O(aws_role_arn), which shows in the diff.
    type: str
  logs_enabled:
    description:
      - Whether the connector ingests its logs (C(dataTypes.logs.state) C(Enabled) or C(Disabled)).
    type: bool
    default: true
  ensure_sentinel:
    description:
      - Enable Microsoft Sentinel on the workspace (create its C(onboardingStates/default)) when it is not.
      - When V(false) and Sentinel is not enabled, the module fails naming the workspace.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to keep retrying while Sentinel refuses the connector with HTTP 400 (it cannot
        assume the role yet, as new roles and trust policy changes take seconds to propagate in IAM).
      - Also the task's time budget for Azure, with O(read_timeout) if that is longer. Every wait
        before a retry (throttling and server errors included) must end within it. A C(Retry-After)
        longer than the time left fails the task at once, naming the wait asked for and the HTTP status.
    type: int
    default: 60
  connectors:
    description:
      - Several V(AmazonWebServicesCloudTrail) connectors of the workspace, each as O(aws_role_arn),
        O(connector_id) and O(logs_enabled) describe one, created or converged in one run.
      - Only with O(state=present) and O(kind=AmazonWebServicesCloudTrail); not with O(aws_role_arn) or
        O(connector_id). An element that is not valid fails the task before any call to Azure.
      - A connector that fails (a refused PUT, a role never assumable, a conflicting ID) does not stop the
        others. The task then fails naming each failed connector, and still returns RV(connectors).
      - O(wait_timeout) applies to each connector's retries; the task's time budget for Azure (the
        larger of O(wait_timeout) and O(read_timeout)) is the whole run's.
    type: list
    elements: dict
    suboptions:
      aws_role_arn:
        description: The IAM role Sentinel assumes for this connector, as O(aws_role_arn).
        type: str
        required: true
      connector_id:
        description: The connector's ID, as O(connector_id); derived from the role ARN when omitted.
        type: str
      logs_enabled:
        description: As O(logs_enabled), whose value applies when this is omitted.
        type: bool
  state:
    description:
      - V(present) creates or updates the connector; V(absent) removes it.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - sentinel.aws.azure
  - sentinel.aws.azure.workspace
  - sentinel.aws.attributes
  - sentinel.aws.attributes.actiongroup_azure
notes:
  - Requires write permission on the workspace (for example the Microsoft Sentinel Contributor role).
  - Data can take 20 to 30 minutes to show in the C(AWSCloudTrail) table after the connector is created.
  - The S3 connector's AWS side (OIDC provider, web-identity role, bucket access, queues and notifications)
    is made by the collection's other modules; this module writes only the Sentinel side.
seealso:
  - module: sentinel.aws.connector_role
  - module: sentinel.aws.workspace_info
  - module: sentinel.aws.data_connector_info
"""

EXAMPLES = r"""
# Credentials and cloud from the environment (AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_ID, AZURE_SECRET,
# AZURE_TENANT, AZURE_CLOUD_ENVIRONMENT), as AWX's Azure credential injects them.
- name: Connect the AWS account whose IAM role Sentinel assumes
  sentinel.aws.data_connector:
    workspace_name: law-sentinel
    resource_group: rg-sentinel
    aws_role_arn: arn:aws:iam::123456789012:role/MicrosoftSentinelRole
    wait_timeout: 120
  register: aws_connector

- name: Pause log ingestion, the workspace given by its resource ID
  sentinel.aws.data_connector:
    workspace_resource_id: >-
      /subscriptions/0b1f6471-0000-4000-8000-00000000501b/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-sentinel
    aws_role_arn: arn:aws:iam::123456789012:role/MicrosoftSentinelRole
    logs_enabled: false

- name: Remove a connector left over from an older set-up, by its ID
  sentinel.aws.data_connector:
    workspace_name: law-sentinel
    resource_group: rg-sentinel
    connector_id: 0d5e3c8f-5a47-4b0e-8f0e-6f2a1c9b7e21
    state: absent

- name: Disconnect the account
  sentinel.aws.data_connector:
    workspace_name: law-sentinel
    resource_group: rg-sentinel
    aws_role_arn: arn:aws:iam::123456789012:role/MicrosoftSentinelRole
    state: absent

- name: Read the account's VPC flow logs through the S3 connector
  sentinel.aws.data_connector:
    workspace_name: law-sentinel
    resource_group: rg-sentinel
    kind: AmazonWebServicesS3
    aws_role_arn: arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role
    destination_table: AWSVPCFlow
    sqs_urls:
      - https://sqs.us-east-1.amazonaws.com/123456789012/sentinel-aws-vpcflow

- name: Connect several accounts in one run (one sign-in, one read of the connector list)
  sentinel.aws.data_connector:
    workspace_name: law-sentinel
    resource_group: rg-sentinel
    connectors:
      - aws_role_arn: arn:aws:iam::123456789012:role/MicrosoftSentinelRole
      - aws_role_arn: arn:aws:iam::210987654321:role/MicrosoftSentinelRole
        logs_enabled: false
  register: aws_connectors

- name: Remove that S3 connector
  sentinel.aws.data_connector:
    workspace_name: law-sentinel
    resource_group: rg-sentinel
    kind: AmazonWebServicesS3
    aws_role_arn: arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role
    destination_table: AWSVPCFlow
    state: absent
"""

RETURN = r"""
connector:
  description:
    - The connector after the task (with O(state=absent), the connector removed, or empty).
    - In check mode, the connector as it would be; RV(connector.etag) is then the current one or null.
  returned: without O(connectors)
  type: dict
  contains:
    id:
      description: Azure resource ID of the connector.
      type: str
      sample: "/subscriptions/0b1f6471-0000-4000-8000-00000000501b/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-sentinel\
        /providers/Microsoft.SecurityInsights/dataConnectors/3c8f5a47-0d5e-5d0b-8f0e-6f2a1c9b7e21"
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
      sample: arn:aws:iam::123456789012:role/MicrosoftSentinelRole
    logs_enabled:
      description: Whether the connector's logs are ingested.
      type: bool
      sample: true
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
      sample: 0300bf09-0000-0000-0000-5c37296e0000
connectors:
  description: With O(connectors), one result per element, in the order given.
  returned: with O(connectors)
  type: list
  elements: dict
  contains:
    aws_role_arn:
      description: The element's role ARN.
      type: str
    changed:
      description: Whether this connector was (or in check mode would be) created or changed.
      type: bool
    connector:
      description: The connector after the task, as RV(connector); empty when it failed.
      type: dict
    failed:
      description: Whether this connector failed.
      type: bool
    msg:
      description: Why it failed; empty otherwise.
      type: str
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
  sample: 403
error_code:
  description: ARM error code of the failed Azure call.
  returned: on Azure errors, when Azure gives one
  type: str
  sample: AuthorizationFailed
"""

from ansible_collections.sentinel.aws.plugins.module_utils.azure_auth import workspace_module
from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import DESTINATION_TABLES
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import SUPPORTED_KINDS
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel_api import SentinelError
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel_runner import data_connector


def main():
    module = workspace_module(
        dict(
            kind=dict(type="str", default="AmazonWebServicesCloudTrail", choices=list(SUPPORTED_KINDS)),
            aws_role_arn=dict(type="str"),
            sqs_urls=dict(type="list", elements="str"),
            destination_table=dict(type="str", choices=list(DESTINATION_TABLES)),
            connector_id=dict(type="str"),
            logs_enabled=dict(type="bool", default=True),
            ensure_sentinel=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=60),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            connectors=dict(
                type="list",
                elements="dict",
                options=dict(
                    aws_role_arn=dict(type="str", required=True),
                    connector_id=dict(type="str"),
                    logs_enabled=dict(type="bool"),
                ),
            ),
        ),
        required_if=[
            ("state", "present", ["aws_role_arn", "connectors"], True),
            ("state", "absent", ["aws_role_arn", "connector_id"], True),
        ],
        mutually_exclusive=[("connectors", "aws_role_arn"), ("connectors", "connector_id")],
    )
    try:
        result = data_connector(module.params, module.check_mode, module._diff)
    except SentinelError as exc:
        module.fail_json(msg=exc.msg, **exc.details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
