#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: s3_log_queue
short_description: Manage the SQS queue Microsoft Sentinel's S3 connector reads for one log type
version_added: 0.1.0
description:
  - Creates, converges or deletes the SQS queue that the Microsoft Sentinel "Amazon Web Services S3"
    connector (kind C(AmazonWebServicesS3)) polls for one log type (CloudTrail, VPC Flow Logs,
    GuardDuty, CloudWatch). The bucket's event notification (M(sentinel.aws.s3_notification)) sends
    it a message for each new log file.
  - The queue's policy is Microsoft's CloudFormation one - S3 may C(SQS:SendMessage) from the bucket
    O(bucket) (C(aws:SourceArn)) in the account O(bucket_account_id) (C(aws:SourceAccount)), and the
    role O(role_arn) may receive, delete, change the visibility of messages and read the queue's
    attributes and URL. Its statements have the Sids C(SentinelAwsAllowS3ToSendMessages) and
    C(SentinelAwsAllowSentinelRoleToAccessQueue).
  - B(Ownership.) The queue is created with the tag C(sentinel.aws:managed=true) (the marker). The
    whole queue is the collection's, so any change to its policy is B(drift, repaired) by writing
    the policy again. An existing queue of that name without the marker is someone else's - the
    task fails before any write.
  - B(Deleting) (O(state=absent)) deletes the queue only when it carries the marker; a queue without
    it is left as it is, with a warning. SQS lets a name be used again only 60 seconds after its
    queue is deleted.
  - A converged run reads only (C(sqs:GetQueueUrl), C(sqs:GetQueueAttributes), C(sqs:ListQueueTags)).
    Creating a queue also calls C(sts:GetCallerIdentity), for the queue's ARN.
  - Pass RV(queue_arn) to M(sentinel.aws.s3_notification) and RV(queue_url) to
    M(sentinel.aws.data_connector) (its C(sqs_urls)).
author:
  - sentinel.aws maintainers (@sentinel-aws)
options:
  name:
    description:
      - Name of the queue, 1 to 80 letters, digits, C(-) and C(_). Standard queues only - S3 event
        notifications cannot target FIFO queues.
    type: str
    required: true
  state:
    description:
      - V(present) creates the queue or converges its policy and tags.
      - V(absent) deletes the queue when it carries the marker.
    type: str
    choices: [present, absent]
    default: present
  bucket:
    description:
      - The S3 bucket whose event notifications may be sent to the queue. Required with O(state=present).
    type: str
  bucket_account_id:
    description:
      - The AWS account that owns O(bucket) (the policy's C(aws:SourceAccount) condition), 12 digits.
      - When not set, the account of the queue (the credentials' account).
    type: str
  role_arn:
    description:
      - ARN of the IAM role Sentinel assumes (M(sentinel.aws.s3_connector_role)), allowed to read and
        delete the queue's messages. Required with O(state=present). Its partition must be O(aws_partition).
    type: str
  tags:
    description:
      - Tags for the queue, besides the marker C(sentinel.aws:managed=true). They are added (or their
        values changed) on an existing queue; other tags on it stay.
      - At most 50 tags in all, counting the marker.
    type: dict
  aws_partition:
    description:
      - The AWS partition the ARNs in the policy are built for; the region must be in it.
    type: str
    choices: [aws, aws-us-gov]
    default: aws
  aws_account_id:
    description:
      - The AWS account the queue must be in (12 digits). When set, the task fails before any write if
        the credentials belong to another account.
      - With O(assume_role_name), the account the role is assumed in; with O(assume_role_name) or
        O(assume_role_arn) the assumed role's identity must be in this account too.
    type: str
notes:
  - Supports check mode and diff mode. In diff mode, RV(diff.before) and RV(diff.after) show the
    queue's policy and tags; a queue that does not exist is shown as C({}).
  - Create the queue before the bucket's notification - S3 sends the queue a test message when the
    notification is saved, and refuses the notification when the queue policy does not let it.
extends_documentation_fragment:
  - sentinel.aws.aws
  - sentinel.aws.aws.assume_role
  - sentinel.aws.attributes
  - sentinel.aws.attributes.actiongroup_aws
"""

EXAMPLES = r"""
- name: The queue for CloudTrail logs of the bucket central-logs
  sentinel.aws.s3_log_queue:
    name: sentinel-cloudtrail
    bucket: central-logs
    role_arn: arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role
    tags:
      owner: soc
  register: cloudtrail_queue

- name: Send the bucket's new CloudTrail files to it
  sentinel.aws.s3_notification:
    bucket: central-logs
    id: sentinel-aws-cloudtrail
    queue_arn: "{{ cloudtrail_queue.queue_arn }}"
    prefix: AWSLogs/123456789012/CloudTrail/

- name: A bucket in another account (its owner adds the notification there)
  sentinel.aws.s3_log_queue:
    name: sentinel-vpcflow
    bucket: org-logs
    bucket_account_id: "210987654321"
    role_arn: arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role

- name: AWS GovCloud
  sentinel.aws.s3_log_queue:
    name: sentinel-cloudtrail
    bucket: gov-logs
    role_arn: arn:aws-us-gov:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role
    aws_partition: aws-us-gov
    region: us-gov-west-1

- name: Offboard - delete the queue (only if sentinel.aws made it)
  sentinel.aws.s3_log_queue:
    name: sentinel-cloudtrail
    state: absent
"""

RETURN = r"""
queue_url:
  description:
    - URL of the queue (in check mode, the URL it would get); give it to the Sentinel connector.
    - V(null) when the queue does not exist (or was deleted).
  returned: always
  type: str
  sample: https://sqs.us-east-1.amazonaws.com/123456789012/sentinel-cloudtrail
queue_arn:
  description: ARN of the queue; give it to M(sentinel.aws.s3_notification). V(null) when there is no queue.
  returned: always
  type: str
  sample: arn:aws:sqs:us-east-1:123456789012:sentinel-cloudtrail
policy:
  description: The queue's policy after the task; V({}) when there is no queue.
  returned: always
  type: dict
  sample: {"Version": "2012-10-17", "Id": "SentinelSQSPolicy", "Statement": []}
tags:
  description: The queue's tags after the task, with the marker.
  returned: always
  type: dict
  sample: {"owner": "soc", "sentinel.aws:managed": "true"}
ownership:
  description:
    - V(created) - the task created the queue. V(managed) - it carries the marker.
      V(foreign) - with O(state=absent), a queue without the marker, left alone. V(none) - no queue.
  returned: always
  type: str
  sample: managed
diff:
  description: The queue's policy and tags before and after; V({}) for a queue that does not exist.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: Before the task.
      type: dict
      sample: {}
    after:
      description: After the task.
      type: dict
      sample: {"policy": {}, "tags": {"sentinel.aws:managed": "true"}}
"""

from ansible_collections.sentinel.aws.plugins.module_utils.assume_role import s3_module
from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import PARTITION_OPTION
from ansible_collections.sentinel.aws.plugins.module_utils import aws_module
from ansible_collections.sentinel.aws.plugins.module_utils import log_queue


def argument_spec():
    return dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        bucket=dict(type="str"),
        bucket_account_id=dict(type="str"),
        role_arn=dict(type="str"),
        tags=dict(type="dict"),
        aws_partition=dict(PARTITION_OPTION),
        aws_account_id=dict(type="str"),
    )


def main():
    module = s3_module(argument_spec())
    aws_module.run_module(module, lambda: ensure(module))


def ensure(module):
    spec = log_queue.queue_spec(module.params)
    api = log_queue.QueueApi(module)
    ensure_state = log_queue.ensure_present if spec["state"] == "present" else log_queue.ensure_absent
    return ensure_state(api, spec, module.check_mode)


if __name__ == "__main__":
    main()
