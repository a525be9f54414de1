#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: connector_role
short_description: Manage the IAM role Microsoft Sentinel assumes to read AWS CloudTrail
version_added: 0.1.0
description:
  - Creates, converges or deletes the AWS IAM role that the Microsoft Sentinel
    "Amazon Web Services" (CloudTrail, legacy) data connector assumes.
  - The role trusts Microsoft Sentinel's AWS account (O(microsoft_account_id)) to call
    C(sts:AssumeRole) only with C(sts:ExternalId) equal to O(external_id), the Log Analytics
    workspace ID. The module writes this trust policy itself; it cannot be given as input, and
    no trust policy without the external ID condition is ever written.
  - The role gets the managed policies in O(managed_policies), by default the AWS managed policy
    C(AWSCloudTrail_ReadOnlyAccess).
  - Trust policies are compared by meaning, not text (statement and list order, a single value
    or a one-element list, an account ID or its root ARN), so a converged role is left alone.
    A converged run makes two read calls (C(iam:GetRole), C(iam:ListAttachedRolePolicies)).
  - Pass the role's ARN (RV(role.arn)) to M(sentinel.aws.data_connector).
author:
  - sentinel.aws maintainers (@sentinel-aws)
options:
  name:
    description:
      - Name of the IAM role.
      - 1 to 64 characters, letters, digits and C(+=,.@_-).
    type: str
    required: true
    aliases: [role_name]
  state:
    description:
      - V(present) creates the role or converges it to these options.
      - V(absent) detaches every managed policy, deletes inline policies, removes the role
        from instance profiles, then deletes the role.
    type: str
    choices: [present, absent]
    default: present
  external_id:
    description:
      - The Log Analytics workspace ID (its C(customerId) GUID, not the ARM resource ID) that
        Sentinel sends as C(sts:ExternalId).
      - Required when O(state=present). Stored in lower case, as Sentinel sends it.
    type: str
  microsoft_account_id:
    description:
      - The AWS account of Microsoft Sentinel that is trusted to assume the role.
      - The default is Microsoft's account for Azure commercial clouds.
      - Exactly 12 digits.
    type: str
    default: "197857026523"
  managed_policies:
    description:
      - Managed policies the role must have, as ARNs or as bare names of AWS managed policies
        (a name C(X) means C(arn:aws:iam::aws:policy/X)).
      - The old name C(AWSCloudTrailReadOnlyAccess) is accepted, with a warning, and means
        C(AWSCloudTrail_ReadOnlyAccess), because AWS no longer lets it be attached to new roles.
        A role that still has the old policy gets the new one attached and the old one detached,
        even with O(purge_policies=false).
      - Every policy must exist; a missing one fails the task before the role is created or changed.
    type: list
    elements: str
    default: [AWSCloudTrail_ReadOnlyAccess]
  purge_policies:
    description:
      - When V(true), managed policies attached to the role that are not in O(managed_policies)
        are detached.
    type: bool
    default: true
  path:
    description:
      - The IAM path of the role; it must start and end with C(/).
      - IAM cannot change the path of an existing role; when the role exists with another path
        the task fails (as M(amazon.aws.iam_role) does) and nothing is changed.
    type: str
    default: /
  description:
    description:
      - Description of the role, at most 1000 characters.
      - When not set, the description of an existing role is left as it is.
    type: str
  permissions_boundary:
    description:
      - ARN of a managed policy to set as the role's permissions boundary.
      - An empty string removes the boundary; when not set, the boundary is left as it is.
    type: str
  max_session_duration:
    description:
      - Maximum session duration of the role, in seconds, from 3600 to 43200.
      - When not set, a new role gets IAM's default (3600) and an existing role keeps its value.
    type: int
  account_id:
    description:
      - The AWS account the role must be in (12 digits).
      - When set, the task fails before any write if the credentials belong to another account.
        For an existing role the account is read from its ARN (no extra call); before a role is
        created it is checked with C(sts:GetCallerIdentity).
    type: str
notes:
  - Supports check mode and diff mode. In diff mode, RV(diff.before) and RV(diff.after) show
    the trust policy, managed policies, tags, path, description, maximum session duration and
    permissions boundary; a role that does not exist is shown as C({}).
  - Throttling and transient errors are retried with jittered exponential backoff; right after
    the role is created, IAM's C(NoSuchEntity) is retried too (IAM is eventually consistent).
  - A new role can take a few seconds to become assumable by Sentinel.
extends_documentation_fragment:
  - sentinel.aws.aws
  - sentinel.aws.aws.tags
  - sentinel.aws.attributes
  - sentinel.aws.attributes.actiongroup_aws
"""

EXAMPLES = r"""
- name: Create the role Sentinel assumes, with the default CloudTrail read-only policy
  sentinel.aws.connector_role:
    name: MicrosoftSentinelRole
    external_id: 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c
    description: Read CloudTrail for Microsoft Sentinel
    tags:
      owner: soc
      purpose: sentinel
  register: sentinel_role

- name: Show the ARN to give to the Sentinel data connector
  ansible.builtin.debug:
    msg: "{{ sentinel_role.role.arn }}"

- name: Same role, refusing to run with credentials of another AWS account, other tags kept
  sentinel.aws.connector_role:
    name: MicrosoftSentinelRole
    external_id: 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c
    account_id: "123456789012"
    tags:
      cost-center: "1234"
    purge_tags: false

- name: Migrate a role set up by hand with the old policy name, keeping other policies
  sentinel.aws.connector_role:
    name: MicrosoftSentinelRole
    external_id: 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c
    path: /
    managed_policies:
      - AWSCloudTrail_ReadOnlyAccess
    purge_policies: false
    max_session_duration: 7200

- name: Remove the role
  sentinel.aws.connector_role:
    name: MicrosoftSentinelRole
    state: absent
"""

RETURN = r"""
role:
  description:
    - The role after the task (in check mode, as it would be).
    - Empty (V({})) when O(state=absent).
  returned: always
  type: dict
  contains:
    arn:
      description: ARN of the role; give it to the Sentinel data connector.
      type: str
      returned: when the role exists
      sample: arn:aws:iam::123456789012:role/MicrosoftSentinelRole
    name:
      description: Name of the role.
      type: str
      returned: when the role exists
      sample: MicrosoftSentinelRole
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
          "Principal": {"AWS": "arn:aws:iam::197857026523:root"},
          "Action": "sts:AssumeRole",
          "Condition": {"StringEquals": {"sts:ExternalId": "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"}}
        }]
      }
    attached_policies:
      description: ARNs of the managed policies attached to the role, sorted.
      type: list
      elements: str
      returned: when the role exists
      sample: ["arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"]
    tags:
      description: Tags of the role.
      type: dict
      returned: when the role exists
      sample: {"owner": "soc"}
    description:
      description: Description of the role.
      type: str
      returned: when the role exists
      sample: Read CloudTrail for Microsoft Sentinel
    max_session_duration:
      description: Maximum session duration in seconds.
      type: int
      returned: when the role exists
      sample: 3600
    permissions_boundary:
      description: ARN of the permissions boundary policy, or V(null).
      type: str
      returned: when the role exists
      sample: arn:aws:iam::123456789012:policy/SentinelBoundary
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
      sample: {"trust_policy": {}, "managed_policies": [], "tags": {}, "path": "/",
               "description": null, "max_session_duration": 3600, "permissions_boundary": null}
"""

import os

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.sentinel.aws.plugins.module_utils import iam_role
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import UnsafeTrustPolicy
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput


def argument_spec():
    return dict(
        name=dict(type="str", required=True, aliases=["role_name"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        external_id=dict(type="str"),
        microsoft_account_id=dict(type="str", default="197857026523"),
        managed_policies=dict(type="list", elements="str", default=[iam_role.DEFAULT_POLICY]),
        purge_policies=dict(type="bool", default=True),
        path=dict(type="str", default="/"),
        description=dict(type="str"),
        permissions_boundary=dict(type="str"),
        max_session_duration=dict(type="int"),
        account_id=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        required_if=[("state", "present", ["external_id"])],
        supports_check_mode=True,
    )
    token = iam_role.session_token_fallback(module.params, os.environ)
    if token:
        module.params["session_token"] = token
    try:
        # Making the clients calls nothing: inputs are still all checked before any API call.
        api = iam_role.RoleApi(module)
        iam_role.require_commercial_partition(api.partition, module.region)
        spec, warnings = iam_role.role_spec(module.params, api.partition)
        for warning in warnings:
            # AnsibleModule.warn, not AnsibleAWSModule.warn: amazon.aws 10 also copies its warnings
            # into the result, which ansible-core 2.19 reports as a deprecated use of exit_json.
            module._module.warn(warning)
        ensure = iam_role.ensure_present if spec["state"] == "present" else iam_role.ensure_absent
        changed, role, diff = ensure(api, spec, module.check_mode)
    except (InvalidInput, UnsafeTrustPolicy) as e:
        module.fail_json(msg=str(e))
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    result = dict(changed=changed, role=role)
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
