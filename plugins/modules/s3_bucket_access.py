#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: s3_bucket_access
short_description: Let Sentinel's S3 connector role read a bucket, and CloudTrail write to it, in the bucket policy
version_added: 0.1.0
description:
  - Merges the statements Microsoft Sentinel's S3 connector (kind C(AmazonWebServicesS3)) needs
    into an existing bucket's policy, or removes them.
  - With O(role_arn), the role Sentinel assumes (made by M(sentinel.aws.s3_connector_role)) may
    C(s3:GetObject) on C(arn:<partition>:s3:::<bucket>/*) and C(s3:ListBucket) on the bucket, as
    Microsoft's CloudFormation template grants.
  - With O(cloudtrail_trail_arn), CloudTrail may C(s3:GetBucketAcl) on the bucket and C(s3:PutObject)
    under C([<prefix>/]AWSLogs/<account>/*) with C(s3:x-amz-acl=bucket-owner-full-control), both only
    for that trail (condition C(aws:SourceArn)), as the CloudTrail user guide's bucket policy does.
    Add them before the trail is created; CloudTrail checks the policy when the trail is made.
    For an organisation trail, O(cloudtrail_log_account) is the organisation ID and CloudTrail may
    write under both C(AWSLogs/<management account>/*) and C(AWSLogs/<organisation ID>/*).
  - B(Ownership.) The bucket policy is shared with whoever else uses the bucket. The module only
    ever adds, changes or removes statements whose C(Sid) starts with C(SentinelAws); every other
    statement, the policy's C(Version) and C(Id), and the order of all of them, stay as they are.
    The Sids carry a digest of the role's or the trail's ARN, so the roles of two Sentinel
    workspaces reading one bucket get statements of their own and never undo each other.
  - One of our statements edited or deleted by hand is drift, put back where it stood (or at the
    end) on the next run. A statement that already says the same, however AWS spells it
    (one-item lists, order of actions, principals and resources), is left alone.
  - With O(state=absent) only our statements come off - those of O(role_arn) and
    O(cloudtrail_trail_arn), or every statement with the C(SentinelAws) Sid prefix when neither is
    given. When no statement is left, the policy is deleted (C(s3:DeleteBucketPolicy)).
  - A converged run makes one read call (C(s3:GetBucketPolicy)) and no write.
  - The bucket must exist; the module does not create buckets (use M(amazon.aws.s3_bucket)).
author:
  - sentinel.aws maintainers (@sentinel-aws)
options:
  bucket:
    description:
      - Name of the S3 bucket the logs are delivered to.
    type: str
    required: true
  role_arn:
    description:
      - ARN of the IAM role Sentinel's S3 connector assumes (the C(role.arn) that M(sentinel.aws.s3_connector_role) returns),
        which may read the bucket.
      - With O(state=absent), the role whose statements are removed.
    type: str
  cloudtrail_trail_arn:
    description:
      - ARN of the CloudTrail trail that delivers to the bucket, C(arn:<partition>:cloudtrail:<region>:<account>:trail/<name>).
        When set, CloudTrail may write that trail's logs to the bucket.
      - The ARN is known before the trail exists - it is made of the trail's home region, account and name.
      - With O(state=absent), the trail whose statements are removed.
    type: str
  cloudtrail_log_account:
    description:
      - Where CloudTrail writes, C(AWSLogs/<this>/) - a 12-digit account ID, or the organisation ID
        (C(o-...)) of an organisation trail.
      - Defaults to the account of O(cloudtrail_trail_arn).
    type: str
  cloudtrail_s3_key_prefix:
    description:
      - The trail's S3 key prefix (O(sentinel.aws.s3_trail#module:s3_key_prefix)), when it has one.
    type: str
  aws_partition:
    description:
      - The AWS partition of the bucket and the ARNs - V(aws) or V(aws-us-gov) (AWS GovCloud (US)).
      - The region's partition must be the same.
    type: str
    choices: [aws, aws-us-gov]
    default: aws
  aws_account_id:
    description:
      - The AWS account the module must work in (12 digits). When set, the task fails before any
        call that reads or writes the bucket policy if the credentials act on another account - checked with one
        C(sts:GetCallerIdentity) call, or, with O(assume_role_name) or O(assume_role_arn), against
        the assumed role's identity with no extra call.
      - With O(assume_role_name), the account the role is assumed in.
    type: str
  state:
    description:
      - V(present) merges the statements into the policy; V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Supports check mode and diff mode. RV(diff.before) and RV(diff.after) are the whole bucket
    policy, V({}) for none.
  - Unlike the CloudTrail (legacy) connector, the S3 connector works in AWS GovCloud (US) too -
    set O(aws_partition=aws-us-gov) and a GovCloud region.
  - IAM is eventually consistent; S3 refuses a policy naming a role created seconds ago
    (C(MalformedPolicy), "Invalid principal in policy"). Run the task again if that happens.
extends_documentation_fragment:
  - sentinel.aws.aws
  - sentinel.aws.aws.assume_role
  - sentinel.aws.attributes
  - sentinel.aws.attributes.actiongroup_aws
"""

EXAMPLES = r"""
- name: Let the S3 connector's role read the CloudTrail bucket
  sentinel.aws.s3_bucket_access:
    bucket: my-cloudtrail-logs
    role_arn: "{{ s3_role.role.arn }}"

- name: Before creating the trail, let it write to the bucket
  sentinel.aws.s3_bucket_access:
    bucket: my-cloudtrail-logs
    role_arn: "{{ s3_role.role.arn }}"
    cloudtrail_trail_arn: arn:aws:cloudtrail:us-east-1:123456789012:trail/sentinel

- name: An organisation trail in the management account, delivering to a logging account's bucket
  sentinel.aws.s3_bucket_access:
    bucket: org-cloudtrail-logs
    cloudtrail_trail_arn: arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail
    cloudtrail_log_account: o-a1b2c3d4e5

- name: Offboard one workspace's role; other statements stay
  sentinel.aws.s3_bucket_access:
    bucket: my-cloudtrail-logs
    role_arn: "{{ s3_role.role.arn }}"
    state: absent
"""

RETURN = r"""
policy:
  description:
    - The bucket policy after the task (in check mode, as it would be); V({}) when the bucket has
      (or would have) none.
  returned: always
  type: dict
  sample: {
    "Version": "2012-10-17",
    "Statement": [{
      "Sid": "SentinelAwsReadObjects3f1c0a9b2d4e",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"},
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::my-cloudtrail-logs/*"
    }]
  }
statement_ids:
  description:
    - The Sids of the statements the task manages - those it wrote (or found right), or with
      O(state=absent) those it removed.
  returned: always
  type: list
  elements: str
  sample: ["SentinelAwsReadObjects3f1c0a9b2d4e", "SentinelAwsListBucket3f1c0a9b2d4e"]
diff:
  description: The bucket policy before and after the task; V({}) for none.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The policy before the task.
      type: dict
      sample: {}
    after:
      description: The policy after the task.
      type: dict
      sample: {"Version": "2012-10-17", "Statement": []}
"""

from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import PARTITION_OPTION
from ansible_collections.sentinel.aws.plugins.module_utils import resource_access


def argument_spec():
    return dict(
        bucket=dict(type="str", required=True),
        role_arn=dict(type="str"),
        cloudtrail_trail_arn=dict(type="str"),
        cloudtrail_log_account=dict(type="str"),
        cloudtrail_s3_key_prefix=dict(type="str", no_log=False),
        aws_partition=dict(PARTITION_OPTION),
        aws_account_id=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )


def main():
    resource_access.run_module(
        argument_spec(),
        resource_access.bucket_spec,
        lambda module, spec: resource_access.BucketPolicyApi(module, spec["bucket"]),
        resource_access.bucket_statements,
    )


if __name__ == "__main__":
    main()
