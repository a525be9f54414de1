#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: s3_trail
short_description: The CloudTrail trail whose log files Sentinel's S3 connector reads
version_added: 0.1.0
description:
  - Creates, converges or deletes a CloudTrail trail delivering to an S3 bucket, for Microsoft
    Sentinel's S3 connector (kind C(AmazonWebServicesS3)) - by default multi-region, logging,
    with log file validation, optionally an organisation trail and SSE-KMS encrypted.
  - The trail logs management events, Read and Write - the event selectors CloudTrail gives a new
    trail. The module does not read or change event selectors; those set by hand stay.
  - Global service events (IAM, STS, CloudFront) are always included, as CloudTrail requires for a
    multi-region trail.
  - B(Ownership.) A trail the module creates carries the tag C(sentinel.aws:managed=true). A trail
    of the same name without it belongs to someone else - the task fails before any write and
    leaves it as it is. With O(state=absent), only a trail with the tag is deleted.
  - An existing trail of ours whose settings, logging or tags differ (logging stopped by hand,
    multi-region turned off) is put back - C(cloudtrail:UpdateTrail) for the settings,
    C(cloudtrail:StartLogging) or C(cloudtrail:StopLogging), C(cloudtrail:AddTags).
  - O(kms_key_id) is resolved to the key's ARN (C(kms:DescribeKey)) before it is compared with the
    trail's, which CloudTrail reports as an ARN - a key ID or alias does not update the trail on
    every run.
  - A converged run makes only reads - C(cloudtrail:DescribeTrails), C(cloudtrail:GetTrailStatus),
    C(cloudtrail:ListTags), and C(kms:DescribeKey) with O(kms_key_id) - and no write.
  - The trail's home region is O(region). Run the task in that region to manage it.
  - B(Before the trail.) CloudTrail checks, when the trail is created or given a bucket or key, that
    it may write to the bucket and encrypt with the key. Run M(sentinel.aws.s3_bucket_access) (and
    M(sentinel.aws.kms_key_access)) with C(cloudtrail_trail_arn) first - the ARN is
    C(arn:<partition>:cloudtrail:<region>:<account>:trail/<name>), known before the trail exists;
    for an organisation trail also C(cloudtrail_log_account) set to the organisation ID.
author:
  - sentinel.aws maintainers (@sentinel-aws)
options:
  name:
    description:
      - Name of the trail, 3 to 128 letters, digits, C(.), C(_) and C(-), starting and ending with a
        letter or digit.
    type: str
    required: true
  bucket:
    description:
      - Name of the S3 bucket CloudTrail delivers the log files to. Required with O(state=present).
    type: str
  s3_key_prefix:
    description:
      - Prefix of the log files in the bucket - CloudTrail writes under
        C(<prefix>/AWSLogs/<account or organisation ID>/CloudTrail/). Slashes at either end are dropped.
      - Not set means no prefix; a prefix on the trail is removed.
      - Give the same value to M(sentinel.aws.s3_bucket_access) as C(cloudtrail_s3_key_prefix).
    type: str
  kms_key_id:
    description:
      - The KMS key that encrypts the log files (SSE-KMS) - a key ID, key ARN, alias name (C(alias/<name>))
        or alias ARN. The key must be in the bucket's region.
      - Not set means SSE-S3 (CloudTrail's default); a key on the trail is removed.
      - The S3 connector's role needs C(kms:Decrypt) on it - M(sentinel.aws.kms_key_access).
    type: str
  multi_region:
    description:
      - Whether the trail logs every region of the partition (a multi-region trail), or only O(region).
    type: bool
    default: true
  organization_trail:
    description:
      - Whether the trail logs every account of the AWS Organizations organisation (an organisation
        trail). Only the organisation's management account can create one, with trusted access for
        CloudTrail enabled in AWS Organizations (C(organizations:EnableAWSServiceAccess) for
        C(cloudtrail.amazonaws.com)) and all features enabled.
      - The member accounts' logs land under C(AWSLogs/<organisation ID>/) - the prefix of the S3
        connector's notification for this trail.
    type: bool
    default: false
  logging:
    description:
      - Whether the trail logs - V(true) starts it (C(cloudtrail:StartLogging)), V(false) stops it.
    type: bool
    default: true
  log_file_validation:
    description:
      - Whether CloudTrail delivers digest files that prove the log files were not changed.
    type: bool
    default: true
  tags:
    description:
      - Tags for the trail, besides the marker C(sentinel.aws:managed=true). They are added (or their
        values changed) on an existing trail of ours; other tags on it stay.
      - At most 50 tags in all, counting the marker.
    type: dict
  aws_account_id:
    description:
      - The AWS account the trail must be in (12 digits). When set, the task fails before any write if
        the credentials belong to another account.
      - With O(assume_role_name), the account the role is assumed in; with O(assume_role_name) or
        O(assume_role_arn) the assumed role's identity must be in this account too.
    type: str
  aws_partition:
    description:
      - The AWS partition of the trail and the key - V(aws) or V(aws-us-gov) (AWS GovCloud (US)).
      - The region's partition must be the same.
    type: str
    choices: [aws, aws-us-gov]
    default: aws
  state:
    description:
      - V(present) creates or converges the trail; V(absent) deletes it if sentinel.aws made it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Supports check mode and diff mode. RV(diff.before) and RV(diff.after) show the trail's settings,
    logging and tags; a trail that does not exist is shown as V({}).
  - In check mode, a trail to be created is shown with the ARN it will have, from the account of
    C(sts:GetCallerIdentity).
  - Unlike the CloudTrail (legacy) connector, the S3 connector works in AWS GovCloud (US) too - set
    O(aws_partition=aws-us-gov) and a GovCloud region.
extends_documentation_fragment:
  - sentinel.aws.aws
  - sentinel.aws.aws.assume_role
  - sentinel.aws.attributes
  - sentinel.aws.attributes.actiongroup_aws
"""

EXAMPLES = r"""
- name: Let CloudTrail write to the bucket (and the S3 connector's role read it) before the trail exists
  sentinel.aws.s3_bucket_access:
    region: us-east-1
    bucket: sentinel-cloudtrail-logs
    role_arn: "{{ s3_role.role.arn }}"
    cloudtrail_trail_arn: arn:aws:cloudtrail:us-east-1:123456789012:trail/sentinel

- name: A multi-region trail, logging into that bucket
  sentinel.aws.s3_trail:
    region: us-east-1
    name: sentinel
    bucket: sentinel-cloudtrail-logs

- name: An organisation trail in the management account, encrypted with a customer managed key
  sentinel.aws.s3_trail:
    region: us-east-1
    name: org-sentinel
    bucket: org-cloudtrail-logs
    kms_key_id: alias/cloudtrail
    organization_trail: true
    aws_account_id: "111122223333"

- name: Offboarding - delete the trail if sentinel.aws made it
  sentinel.aws.s3_trail:
    region: us-east-1
    name: sentinel
    state: absent
"""

RETURN = r"""
trail:
  description:
    - The trail after the task (in check mode, as it would be); V({}) when there is (or would be) none.
  returned: always
  type: dict
  contains:
    arn:
      description: The trail's ARN.
      type: str
      sample: arn:aws:cloudtrail:us-east-1:123456789012:trail/sentinel
    name:
      description: The trail's name.
      type: str
      sample: sentinel
    home_region:
      description: The region the trail was created in, where it is managed.
      type: str
      sample: us-east-1
    bucket:
      description: The bucket the log files are delivered to.
      type: str
      sample: sentinel-cloudtrail-logs
    prefix:
      description: The prefix of the log files in the bucket; V(null) for none.
      type: str
      sample: null
    kms_key_arn:
      description: The ARN of the KMS key that encrypts the log files; V(null) for SSE-S3.
      type: str
      sample: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    multi_region:
      description: Whether the trail logs every region.
      type: bool
      sample: true
    organization_trail:
      description: Whether the trail logs every account of the organisation.
      type: bool
      sample: false
    global_service_events:
      description: Whether the trail includes global service events (always V(true) on a trail the module converged).
      type: bool
      sample: true
    log_file_validation:
      description: Whether CloudTrail delivers digest files.
      type: bool
      sample: true
    logging:
      description: Whether the trail is logging.
      type: bool
      sample: true
    tags:
      description: The trail's tags, the marker C(sentinel.aws:managed=true) included.
      type: dict
      sample: {"sentinel.aws:managed": "true"}
ownership:
  description:
    - V(created) - the task created the trail (or would, in check mode).
    - V(managed) - the trail carries the marker; the task converged it, or with O(state=absent) deleted it.
    - V(foreign) - with O(state=absent), a trail of that name without the marker, left as it is.
    - V(none) - with O(state=absent), there is no trail of that name.
  returned: always
  type: str
  sample: created
diff:
  description: The trail's settings, logging and tags before and after the task; V({}) for no trail.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The trail before the task.
      type: dict
      sample: {"bucket": "sentinel-cloudtrail-logs", "multi_region": false, "logging": false}
    after:
      description: The trail after the task.
      type: dict
      sample: {"bucket": "sentinel-cloudtrail-logs", "multi_region": true, "logging": true}
"""

from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import PARTITION_OPTION
from ansible_collections.sentinel.aws.plugins.module_utils import trail


def argument_spec():
    return dict(
        name=dict(type="str", required=True),
        bucket=dict(type="str"),
        s3_key_prefix=dict(type="str", no_log=False),
        kms_key_id=dict(type="str", no_log=False),
        multi_region=dict(type="bool", default=True),
        organization_trail=dict(type="bool", default=False),
        logging=dict(type="bool", default=True),
        log_file_validation=dict(type="bool", default=True),
        tags=dict(type="dict"),
        aws_account_id=dict(type="str"),
        aws_partition=dict(PARTITION_OPTION),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )


def main():
    trail.run_module(argument_spec())


if __name__ == "__main__":
    main()
