#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kms_key_access
short_description: Let Sentinel's S3 connector role decrypt with a KMS key, and CloudTrail encrypt, in the key policy
version_added: 0.1.0
description:
  - When the log bucket's objects are SSE-KMS encrypted, Microsoft Sentinel's S3 connector role
    needs C(kms:Decrypt) on the key, or ingestion is delayed or fails (Microsoft Learn,
    "Troubleshoot AWS S3 connector issues"). This module merges that statement into the key's
    policy (the policy named C(default), the only one KMS has), or removes it.
  - With O(cloudtrail_trail_arn), the trail encrypts its logs with the key - CloudTrail may
    C(kms:GenerateDataKey*) for that trail's encryption context and C(kms:DescribeKey), both only
    for that trail (condition C(aws:SourceArn)), as the CloudTrail user guide's key policy does.
    Add them before the trail is given the key.
  - B(Ownership.) The key policy is shared. Only statements whose C(Sid) starts with
    C(SentinelAws) are ever added, changed or removed; every other statement (the account's
    root statement, the key administrators'), the policy's C(Version) and C(Id), and their order,
    stay as they are. The Sids carry a digest of the role's or trail's ARN, so two Sentinel
    workspaces' roles get statements of their own.
  - Drift in our statements is repaired; a statement that says the same however it is spelled is left alone.
  - With O(state=absent) only our statements come off (those of O(role_arn) and
    O(cloudtrail_trail_arn), or all of ours when neither is given). A key policy cannot be deleted
    or left empty, so the module refuses, before any write, to remove a last statement.
  - An AWS managed key (such as C(aws/s3)) is refused before any write - nobody can change its policy.
  - A converged run makes two read calls (C(kms:DescribeKey), C(kms:GetKeyPolicy)) and no write.
author:
  - sentinel.aws maintainers (@sentinel-aws)
options:
  key_id:
    description:
      - The customer managed KMS key - its key ID, key ARN, alias name (C(alias/<name>)) or alias ARN.
      - RV(key_arn) is its ARN. M(sentinel.aws.s3_trail) takes the same O(key_id) as its
        O(sentinel.aws.s3_trail#module:kms_key_id) and resolves it to that ARN itself.
    type: str
    required: true
  role_arn:
    description:
      - ARN of the IAM role Sentinel's S3 connector assumes, which may C(kms:Decrypt) with the key.
      - With O(state=absent), the role whose statement is removed.
    type: str
  cloudtrail_trail_arn:
    description:
      - ARN of the CloudTrail trail that encrypts its log files with the key.
      - With O(state=absent), the trail whose statements are removed.
    type: str
  aws_partition:
    description:
      - The AWS partition of the key and the ARNs - V(aws) or V(aws-us-gov) (AWS GovCloud (US)).
      - The region's partition must be the same.
    type: str
    choices: [aws, aws-us-gov]
    default: aws
  aws_account_id:
    description:
      - The AWS account the module must work in (12 digits). When set, the task fails before any
        call that reads or writes the key policy if the credentials act on another account - checked with one
        C(sts:GetCallerIdentity) call, or, with O(assume_role_name) or O(assume_role_arn), against
        the assumed role's identity with no extra call.
      - With O(assume_role_name), the account the role is assumed in.
    type: str
  state:
    description:
      - V(present) merges the statements into the key policy; V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Supports check mode and diff mode. RV(diff.before) and RV(diff.after) are the whole key policy.
  - Unlike the CloudTrail (legacy) connector, the S3 connector works in AWS GovCloud (US) too -
    set O(aws_partition=aws-us-gov) and a GovCloud region.
  - KMS refuses a key policy naming a role that does not exist yet, or was created seconds ago
    (C(MalformedPolicyDocumentException)); run the task again after IAM has caught up.
extends_documentation_fragment:
  - sentinel.aws.aws
  - sentinel.aws.aws.assume_role
  - sentinel.aws.attributes
  - sentinel.aws.attributes.actiongroup_aws
"""

EXAMPLES = r"""
- name: Let the S3 connector's role decrypt the bucket's objects
  sentinel.aws.kms_key_access:
    key_id: alias/cloudtrail-logs
    role_arn: "{{ s3_role.role.arn }}"
  register: key_access

- name: Before the trail encrypts with the key, let CloudTrail use it
  sentinel.aws.kms_key_access:
    key_id: "{{ key_access.key_arn }}"
    role_arn: "{{ s3_role.role.arn }}"
    cloudtrail_trail_arn: arn:aws:cloudtrail:us-east-1:123456789012:trail/sentinel

- name: Offboard the role; the key's other statements stay
  sentinel.aws.kms_key_access:
    key_id: alias/cloudtrail-logs
    role_arn: "{{ s3_role.role.arn }}"
    state: absent
"""

RETURN = r"""
key_arn:
  description: ARN of the key (O(key_id) resolved).
  returned: always
  type: str
  sample: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
policy:
  description: The key policy after the task (in check mode, as it would be).
  returned: always
  type: dict
  sample: {
    "Version": "2012-10-17",
    "Id": "key-default-1",
    "Statement": [
      {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
       "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"},
      {"Sid": "SentinelAwsDecrypt3f1c0a9b2d4e", "Effect": "Allow",
       "Principal": {"AWS": "arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"},
       "Action": "kms:Decrypt", "Resource": "*"}
    ]
  }
statement_ids:
  description:
    - The Sids of the statements the task manages - those it wrote (or found right), or with
      O(state=absent) those it removed.
  returned: always
  type: list
  elements: str
  sample: ["SentinelAwsDecrypt3f1c0a9b2d4e"]
diff:
  description: The key policy before and after the task.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The policy before the task.
      type: dict
      sample: {"Version": "2012-10-17", "Statement": []}
    after:
      description: The policy after the task.
      type: dict
      sample: {"Version": "2012-10-17", "Statement": []}
"""

from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import PARTITION_OPTION
from ansible_collections.sentinel.aws.plugins.module_utils import resource_access


def argument_spec():
    return dict(
        key_id=dict(type="str", required=True),
        role_arn=dict(type="str"),
        cloudtrail_trail_arn=dict(type="str"),
        aws_partition=dict(PARTITION_OPTION),
        aws_account_id=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )


def main():
    resource_access.run_module(
        argument_spec(),
        resource_access.key_spec,
        lambda module, spec: resource_access.KeyPolicyApi(module, spec["key_id"]),
        resource_access.key_statements,
    )


if __name__ == "__main__":
    main()
