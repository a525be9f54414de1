#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: s3_notification
short_description: Send a bucket's new log files to Microsoft Sentinel's SQS queue, beside other notifications
version_added: 0.1.0
description:
  - Adds, converges or removes one event notification of an S3 bucket - new objects
    (C(s3:ObjectCreated:*)) under O(prefix) ending in O(suffix) are announced to the SQS queue
    O(queue_arn) (M(sentinel.aws.s3_log_queue)), which Microsoft Sentinel's "Amazon Web Services S3"
    connector polls.
  - B(Shared configuration.) A bucket has one notification configuration for everyone. The module
    changes only the queue configuration whose C(Id) is O(id) (it must start with C(sentinel-aws-));
    every other queue, SNS topic, Lambda function and EventBridge configuration is written back
    exactly as it was read, order included. A configuration removed or changed by hand is restored.
  - B(Overlaps.) S3 refuses two configurations, of any destination, whose event types overlap and
    whose prefixes and suffixes both overlap (a missing prefix or suffix overlaps every other). The
    module checks this before writing and fails naming the other configuration.
  - B(Defender for Cloud, or another consumer, already reads the same files.) An SQS queue has one
    consumer, and S3 will not send the same files to two queues. Fan out instead - point the bucket's
    notification at an SNS topic and subscribe both queues to it (with raw message delivery), each
    queue policy allowing C(sns.amazonaws.com) with C(aws:SourceArn) the topic. This module does not
    manage that topic.
  - A converged run makes one read call (C(s3:GetBucketNotificationConfiguration)) and no write.
author:
  - sentinel.aws maintainers (@sentinel-aws)
options:
  bucket:
    description:
      - Name of the S3 bucket. It must exist, in the queue's region.
    type: str
    required: true
  id:
    description:
      - The C(Id) of the notification configuration. It must start with C(sentinel-aws-), which is
        how the module tells its configurations from everyone else's; one per log type, for example
        C(sentinel-aws-cloudtrail).
    type: str
    required: true
  state:
    description:
      - V(present) adds the configuration O(id), or converges it to these options.
      - V(absent) removes the configuration O(id) only.
    type: str
    choices: [present, absent]
    default: present
  queue_arn:
    description:
      - ARN of the SQS standard queue to notify (RV(sentinel.aws.s3_log_queue#module:queue_arn)).
        Required with O(state=present).
    type: str
  prefix:
    description:
      - Only objects whose key begins with this, for example C(AWSLogs/123456789012/CloudTrail/), or
        C(AWSLogs/o-abc123def4/) for an organisation trail. Empty or not set - every key.
    type: str
  suffix:
    description:
      - Only objects whose key ends with this. Sentinel reads gzip files.
    type: str
    default: .gz
  events:
    description:
      - The S3 event types to notify.
    type: list
    elements: str
    default: ["s3:ObjectCreated:*"]
  aws_account_id:
    description:
      - The AWS account the module must work in (12 digits). When set, the task fails before any
        call that reads or writes the bucket's notifications if the credentials act on another account - checked with one
        C(sts:GetCallerIdentity) call, or, with O(assume_role_name) or O(assume_role_arn), against
        the assumed role's identity with no extra call.
      - With O(assume_role_name), the account the role is assumed in.
    type: str
notes:
  - Supports check mode and diff mode. In diff mode, RV(diff.before) and RV(diff.after) show the
    bucket's whole notification configuration.
  - When the configuration is saved, S3 sends every queue and topic in it a test event
    (C(s3:TestEvent)) and refuses the configuration with "Unable to validate the following destination
    configurations" when a destination's policy does not let the bucket send to it - create the queue
    with M(sentinel.aws.s3_log_queue) first.
extends_documentation_fragment:
  - sentinel.aws.aws
  - sentinel.aws.aws.assume_role
  - sentinel.aws.attributes
  - sentinel.aws.attributes.actiongroup_aws
"""

EXAMPLES = r"""
- name: New CloudTrail files of the bucket go to Sentinel's queue; other notifications stay
  sentinel.aws.s3_notification:
    bucket: central-logs
    id: sentinel-aws-cloudtrail
    queue_arn: arn:aws:sqs:us-east-1:123456789012:sentinel-cloudtrail
    prefix: AWSLogs/123456789012/CloudTrail/

- name: An organisation trail's files
  sentinel.aws.s3_notification:
    bucket: org-logs
    id: sentinel-aws-cloudtrail
    queue_arn: arn:aws:sqs:us-east-1:123456789012:sentinel-cloudtrail
    prefix: AWSLogs/o-abc123def4/

- name: Offboard - remove only that notification
  sentinel.aws.s3_notification:
    bucket: central-logs
    id: sentinel-aws-cloudtrail
    state: absent
"""

RETURN = r"""
configuration:
  description: Our queue configuration after the task, as the module writes it; V({}) when it is (or was) removed.
  returned: always
  type: dict
  sample: {"Id": "sentinel-aws-cloudtrail", "QueueArn": "arn:aws:sqs:us-east-1:123456789012:sentinel-cloudtrail",
           "Events": ["s3:ObjectCreated:*"],
           "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "AWSLogs/123456789012/CloudTrail/"},
                                              {"Name": "suffix", "Value": ".gz"}]}}}
diff:
  description: The bucket's whole notification configuration before and after.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: Before the task.
      type: dict
      sample: {"TopicConfigurations": []}
    after:
      description: After the task.
      type: dict
      sample: {"TopicConfigurations": [], "QueueConfigurations": []}
"""

from ansible_collections.sentinel.aws.plugins.module_utils.assume_role import s3_module
from ansible_collections.sentinel.aws.plugins.module_utils import aws_module
from ansible_collections.sentinel.aws.plugins.module_utils import bucket_notification
from ansible_collections.sentinel.aws.plugins.module_utils import s3_connector


def argument_spec():
    return dict(
        bucket=dict(type="str", required=True),
        id=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        queue_arn=dict(type="str"),
        prefix=dict(type="str"),
        suffix=dict(type="str", default=s3_connector.OBJECT_SUFFIX),
        events=dict(type="list", elements="str", default=list(bucket_notification.DEFAULT_EVENTS)),
        aws_account_id=dict(type="str"),
    )


def main():
    module = s3_module(argument_spec(), check_caller=True)
    aws_module.run_module(module, lambda: ensure(module))


def ensure(module):
    spec = bucket_notification.notification_spec(module.params)
    return bucket_notification.ensure(bucket_notification.NotificationApi(module), spec, module.check_mode)


if __name__ == "__main__":
    main()
