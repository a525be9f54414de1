#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: s3_connector_role
short_description: Manage the IAM role Microsoft Sentinel's S3 connector assumes by web identity
version_added: 0.1.0
description:
  - Creates, converges or offboards the AWS IAM role that the Microsoft Sentinel
    "Amazon Web Services S3" data connector (kind C(AmazonWebServicesS3)) assumes with
    C(sts:AssumeRoleWithWebIdentity), using a token of Microsoft's Entra tenant.
  - The trust policy is exactly Microsoft's template - C(Federated) principal the account's
    OpenID Connect provider for Microsoft's tenant (C(arn:<partition>:iam::<account>:oidc-provider/sts.windows.net/<tenant>/)),
    action C(sts:AssumeRoleWithWebIdentity), and the conditions C(StringEquals)
    C(sts.windows.net/<tenant>/:aud) = Sentinel's application (the audience) and
    C(sts:RoleSessionName) = C(MicrosoftSentinel_<workspace ID>) (O(workspace_id)) or the names
    in O(session_names). The module writes this trust policy itself; it cannot be given as input,
    and no trust policy without both conditions is ever written. The audience admits every
    Sentinel workspace of every customer; the session name is what ties the role to yours.
  - The trust holds exactly these session names. A different condition (another session name, the
    audience missing, another operator) on a role the module manages is B(drift, repaired).
    To let two workspaces use one role, list both session names in O(session_names).
  - B(Create the OpenID Connect provider first), with M(sentinel.aws.oidc_provider). IAM checks
    the principals of a trust policy when it is written and refuses one it cannot resolve with
    C(MalformedPolicyDocument) (reported as "Invalid principal in policy", or "Federated
    principals must be valid domain names or SAML metadata ARNs" for a C(Federated) one, in
    terraform-aws-modules/terraform-aws-iam issue 202), so creating the role, or repairing its trust,
    fails until the provider exists. The local sandbox's moto does not check this.
  - The role name must start with C(OIDC_), as Sentinel's S3 connector requires.
  - The role gets the managed policies in O(managed_policies), by default the AWS managed policy
    C(AWSCloudTrail_ReadOnlyAccess), as Microsoft's template does. The role also needs to read the
    bucket, its KMS key and the SQS queues; those grants are in the bucket, key and queue
    policies (M(sentinel.aws.s3_bucket_access), M(sentinel.aws.kms_key_access),
    M(sentinel.aws.s3_log_queue)).
  - B(Ownership), as M(sentinel.aws.connector_role). Every role the module creates or adopts
    carries the tag C(sentinel.aws:managed=true) (the marker). A role is a B(Sentinel role) when
    its trust policy holds only Sentinel web-identity statements (Microsoft's, however written,
    any C(Sid), any session names), its managed policies are only those of O(managed_policies),
    and it has no inline policy and no permissions boundary. An existing role with the marker is
    converged (anything else on it is drift, removed; RV(ownership=managed)); one without the
    marker that is a Sentinel role is B(adopted) (RV(ownership=adopted)); any other role is
    B(refused before any write), naming what is not Sentinel's, unless O(take_over=true)
    (RV(ownership=taken_over)).
  - B(Offboarding) (O(state=absent)) removes the role's whole Sentinel trust. The role is deleted
    when nothing else is on it; otherwise only Sentinel's part comes off (its trust statements when
    others remain, its managed policies, the marker), the role stays, the task warns and
    RV(left_behind) lists what is left. A role that is neither marked nor trusts Sentinel is left
    untouched. O(take_over=true) deletes the role with everything on it.
  - A converged run makes three read calls (C(iam:GetRole), C(iam:ListAttachedRolePolicies),
    C(iam:ListRolePolicies)). Creating the role first reads the account with
    C(sts:GetCallerIdentity), since the provider's ARN names it.
  - Pass the role's ARN (RV(role.arn)) to M(sentinel.aws.data_connector) (C(kind=AmazonWebServicesS3)).
author:
  - sentinel.aws maintainers (@sentinel-aws)
options:
  name:
    description:
      - Name of the IAM role. It must start with C(OIDC_), followed by letters, digits, C(-) and C(_),
        at most 64 characters in all.
    type: str
    default: OIDC_MicrosoftSentinelS3Role
    aliases: [role_name]
  state:
    description:
      - V(present) creates the role or converges it to these options.
      - V(absent) offboards the role - deletes it when nothing else is on it. See the description.
    type: str
    choices: [present, absent]
    default: present
  workspace_id:
    description:
      - The Log Analytics workspace ID (its C(customerId) GUID, not the ARM resource ID) of the
        Sentinel workspace whose connector assumes the role. The trust accepts the session name
        C(MicrosoftSentinel_<workspace ID>) (in lower case), as Microsoft's template does.
      - With O(state=present), O(workspace_id) or O(session_names) is required.
      - Not used with O(state=absent), where the whole Sentinel trust is removed.
    type: str
  session_names:
    description:
      - The session names (C(sts:RoleSessionName)) the trust accepts, instead of the one
        O(workspace_id) gives. Several names are any-of.
      - Names with the wildcards C(*) or C(?) are matched by pattern (C(StringLike)); otherwise
        C(StringEquals) is used. A name made only of wildcards is refused. A pattern lets every
        matching session in, which is why the task warns about it.
      - On 2025-03-27 Sentinel presented C(MicrosoftDefenderForClouds_<workspace ID>) instead of
        C(MicrosoftSentinel_<workspace ID>) for roles shared with Defender for Cloud, and ingestion
        failed until the trust allowed both (Azure/Azure-Sentinel issues 11980 and 12007). To allow both,
        list both names with your workspace ID (see the examples).
    type: list
    elements: str
  aws_partition:
    description:
      - The AWS partition of the account - V(aws) (commercial) or V(aws-us-gov) (AWS GovCloud (US)).
        It picks Microsoft's Entra tenant and audience (GovCloud uses Azure Government's) and the
        partition of every ARN.
      - It must be the partition of O(region); the task fails before any call otherwise.
    type: str
    choices: [aws, aws-us-gov]
    default: aws
  managed_policies:
    description:
      - Managed policies the role must have, as ARNs or as bare names of AWS managed policies
        (a name C(X) means C(arn:<partition>:iam::aws:policy/X)). Other managed policies are
        detached from a role the module manages.
      - Every policy must exist; a missing one fails the task before the role is created or changed.
      - With O(state=absent), these are the policies offboarding detaches as its own.
    type: list
    elements: str
    default: [AWSCloudTrail_ReadOnlyAccess]
  path:
    description:
      - The IAM path of the role; it must start and end with C(/).
      - IAM cannot change the path of an existing role; when the role exists with another path
        the task fails and nothing is changed, with either O(state).
    type: str
    default: /
  description:
    description:
      - Description of the role, at most 1000 characters.
      - When not set, the description of an existing role is left as it is.
    type: str
  take_over:
    description:
      - B(Dangerous.) With O(state=present), V(true) converges a role that is not a Sentinel role
        and was not made by sentinel.aws instead of refusing it - its other trust statements,
        managed policies, inline policies and permissions boundary are removed.
      - With O(state=absent), V(true) deletes the role with everything on it.
    type: bool
    default: false
  aws_account_id:
    description:
      - The AWS account the role must be in (12 digits).
      - When set, the task fails before any write if the credentials belong to another account.
      - With O(assume_role_name), the account the role is assumed in; with O(assume_role_name) or
        O(assume_role_arn) the assumed role's identity must be in this account too.
    type: str
notes:
  - Supports check mode and diff mode. In diff mode, RV(diff.before) and RV(diff.after) show the
    trust policy, the session names it accepts, managed and inline policies, tags, path,
    description, maximum session duration and permissions boundary; a role that does not exist is
    shown as C({}).
  - O(tags) follow the same rules as in M(sentinel.aws.connector_role) - at most 50 tags counting
    the marker C(sentinel.aws:managed), which is never purged and cannot be given another value.
  - The OIDC values per partition are Microsoft's (Azure/Azure-Sentinel, DataConnectors/AWS-S3) -
    V(aws) tenant C(33e01921-4d64-4f8c-a055-5bdaffd5e33d), audience
    C(api://1462b192-27f7-4cb9-8523-0f4ecb54b47e); V(aws-us-gov) tenant
    C(cab8a31a-1906-4287-a0d8-4eef66b95f6e), audience C(api://d4230588-5f84-4281-a9c7-2c15194b28f7).
extends_documentation_fragment:
  - sentinel.aws.aws
  - sentinel.aws.aws.assume_role
  - sentinel.aws.aws.tags
  - sentinel.aws.attributes
  - sentinel.aws.attributes.actiongroup_aws
"""

EXAMPLES = r"""
- name: The account's OpenID Connect provider for Microsoft's tenant comes first
  sentinel.aws.oidc_provider:
    state: present

- name: Create the role Sentinel's S3 connector assumes, for one workspace
  sentinel.aws.s3_connector_role:
    workspace_id: 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c
    aws_account_id: "123456789012"
    tags:
      owner: soc
  register: s3_role

- name: Show the ARN to give to the Sentinel S3 data connector
  ansible.builtin.debug:
    msg: "{{ s3_role.role.arn }} ({{ s3_role.ownership }})"

- name: From hub credentials, create the role in a member account of the organization
  sentinel.aws.s3_connector_role:
    workspace_id: 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c
    aws_account_id: "210987654321"
    assume_role_name: OrganizationAccountAccessRole

# Azure/Azure-Sentinel #11980: for a while Sentinel presented MicrosoftDefenderForClouds_<workspace
# ID> as the session name. Both exact names keep the role tied to this workspace.
- name: Accept both session names Sentinel has used, for this workspace only
  sentinel.aws.s3_connector_role:
    name: OIDC_MicrosoftSentinelS3Role
    session_names:
      - MicrosoftSentinel_2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c
      - MicrosoftDefenderForClouds_2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c

# The workaround posted in #11980 used a pattern (StringLike): every Defender for Cloud session
# matches it, whichever workspace it serves. The task warns.
- name: Accept Sentinel's name and any Defender for Cloud session (pattern)
  sentinel.aws.s3_connector_role:
    session_names:
      - MicrosoftSentinel_2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c
      - MicrosoftDefenderForClouds_*

- name: The same role in AWS GovCloud (US)
  sentinel.aws.s3_connector_role:
    workspace_id: 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c
    aws_partition: aws-us-gov
    region: us-gov-west-1

- name: Offboard; the role is deleted when nothing else is on it
  sentinel.aws.s3_connector_role:
    state: absent
  register: offboarded

- name: Say what stayed
  ansible.builtin.debug:
    msg: "role deleted: {{ offboarded.role_deleted }}; left: {{ offboarded.left_behind | join(', ') }}"
"""

RETURN = r"""
role:
  description:
    - The role after the task (in check mode, as it would be).
    - With O(state=absent), the role as offboarding leaves it, or V({}) when it is (or would be)
      deleted or did not exist.
  returned: always
  type: dict
  contains:
    arn:
      description: ARN of the role; give it to the Sentinel S3 data connector.
      type: str
      returned: when the role exists
      sample: arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role
    name:
      description: Name of the role.
      type: str
      returned: when the role exists
      sample: OIDC_MicrosoftSentinelS3Role
    role_id:
      description: The stable unique ID of the role; V(null) in check mode when the role would be created.
      type: str
      returned: when the role exists
      sample: AROA3EXAMPLEEXAMPLE123
    path:
      description: IAM path of the role.
      type: str
      returned: when the role exists
      sample: /
    trust_policy:
      description: The trust (assume role) policy document.
      type: dict
      returned: when the role exists
      sample: {
        "Version": "2012-10-17",
        "Statement": [{
          "Effect": "Allow",
          "Principal": {
            "Federated": "arn:aws:iam::123456789012:oidc-provider/sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/"
          },
          "Action": "sts:AssumeRoleWithWebIdentity",
          "Condition": {"StringEquals": {
            "sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/:aud": "api://1462b192-27f7-4cb9-8523-0f4ecb54b47e",
            "sts:RoleSessionName": "MicrosoftSentinel_2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"
          }}
        }]
      }
    session_names:
      description: The session names the role's Sentinel trust statements accept, sorted.
      type: list
      elements: str
      returned: when the role exists
      sample: ["MicrosoftSentinel_2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"]
    attached_policies:
      description: ARNs of the managed policies attached to the role, sorted.
      type: list
      elements: str
      returned: when the role exists
      sample: ["arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"]
    inline_policies:
      description: Names of the role's inline policies, sorted; empty on a converged role.
      type: list
      elements: str
      returned: when the role exists
      sample: []
    tags:
      description: Tags of the role, with the marker C(sentinel.aws:managed).
      type: dict
      returned: when the role exists
      sample: {"owner": "soc", "sentinel.aws:managed": "true"}
    description:
      description: Description of the role.
      type: str
      returned: when the role exists
      sample: Microsoft Sentinel S3 connector
    max_session_duration:
      description: Maximum session duration in seconds.
      type: int
      returned: when the role exists
      sample: 3600
    permissions_boundary:
      description: ARN of the permissions boundary policy; V(null) on a converged role.
      type: str
      returned: when the role exists
      sample: null
ownership:
  description:
    - Whose the role was. V(created) - the task created it. V(managed) - it carries the marker.
      V(adopted) - a Sentinel role without the marker (made by hand), now marked.
      V(taken_over) - not a Sentinel role, converged because of O(take_over).
    - With O(state=absent), the same for the role before offboarding, V(foreign) for a role that
      is not a Sentinel role (left untouched unless O(take_over)), or V(none) when there was no role.
  returned: always
  type: str
  sample: managed
role_deleted:
  description: Whether offboarding deleted the role (in check mode, would delete it).
  returned: when O(state=absent)
  type: bool
  sample: false
left_behind:
  description:
    - What is still on a role that offboarding kept, one phrase each. Empty when the role was
      deleted or did not exist.
  returned: when O(state=absent)
  type: list
  elements: str
  sample: ["the inline policy extra"]
diff:
  description: Before and after states, with the same keys; V({}) for a role that does not exist.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The role before the task.
      type: dict
      sample: {}
    after:
      description: The role after the task.
      type: dict
      sample: {"trust_policy": {}, "session_names": [], "managed_policies": [], "inline_policies": [],
               "tags": {}, "path": "/", "description": null, "max_session_duration": 3600,
               "permissions_boundary": null}
"""

from ansible_collections.sentinel.aws.plugins.module_utils.assume_role import s3_module
from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import PARTITION_OPTION
from ansible_collections.sentinel.aws.plugins.module_utils import iam_role
from ansible_collections.sentinel.aws.plugins.module_utils import s3_role
from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import DEFAULT_ROLE_NAME


def argument_spec():
    return dict(
        # DOCUMENTATION repeats the literals (it is YAML); tests/unit/plugins/modules checks they agree.
        name=dict(type="str", default=DEFAULT_ROLE_NAME, aliases=["role_name"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        workspace_id=dict(type="str"),
        session_names=dict(type="list", elements="str"),
        aws_partition=dict(PARTITION_OPTION),
        managed_policies=dict(type="list", elements="str", default=[iam_role.DEFAULT_POLICY]),
        path=dict(type="str", default="/"),
        description=dict(type="str"),
        take_over=dict(type="bool", default=False),
        aws_account_id=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )


def main():
    module = s3_module(argument_spec(), mutually_exclusive=[("workspace_id", "session_names")])
    iam_role.run_module(module, lambda api: role_spec(module, api))


def role_spec(module, api):
    partition = s3_role.require_partition(module.params["aws_partition"], api.partition, module.region)
    return s3_role.role_spec(module.params, partition)


if __name__ == "__main__":
    main()
