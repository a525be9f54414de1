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
  - Creates, converges or offboards the AWS IAM role that the Microsoft Sentinel
    "Amazon Web Services" (CloudTrail, legacy) data connector assumes.
  - The role trusts Microsoft Sentinel's AWS account (O(microsoft_account_id)) to call
    C(sts:AssumeRole) only with an C(sts:ExternalId) that is the workspace ID (O(external_id)) of
    a Log Analytics workspace it serves. The module writes this trust policy itself; it cannot be
    given as input, and no trust policy without the external ID condition is ever written.
  - The role gets the managed policies in O(managed_policies), by default the AWS managed policy
    C(AWSCloudTrail_ReadOnlyAccess).
  - B(Several workspaces.) One role can serve several Sentinel workspaces. The
    C(sts:ExternalId) condition lists every workspace ID it serves (IAM treats a
    list in C(StringEquals) as any-of), sorted and in lower case. A run for workspace B adds B's ID
    and keeps A's, and a re-run for A then changes nothing, so runs for different workspaces never
    undo each other. O(purge_external_ids=true) makes the list exactly O(external_id) (to move a
    role from one workspace to another).
  - B(Ownership.) Every role the module creates or adopts carries the tag
    C(sentinel.aws:managed=true) (the marker), so later runs and audits can tell it apart from a
    role someone else made under the same name. A role is a B(Sentinel role) when its trust
    policy holds only statements that let Microsoft's account assume it with an C(sts:ExternalId)
    condition (Microsoft's documented statement, however it is written; any C(Sid)), its managed
    policies are only those of O(managed_policies) (or the renamed C(AWSCloudTrailReadOnlyAccess)),
    and it has no inline policy and no permissions boundary other than O(permissions_boundary).
  - An existing role with the marker is converged, and anything on it beyond a Sentinel role is
    B(drift, repaired) and shown by C(--check --diff) - other trust statements are dropped, other
    managed policies detached (unless O(purge_policies=false)), inline policies deleted, a
    permissions boundary not asked for removed. RV(ownership=managed).
  - An existing role without the marker that is a Sentinel role, for example one made by hand
    with Microsoft's procedure, is B(adopted) - converged, and the marker added (it shows in the
    diff). RV(ownership=adopted).
  - An existing role without the marker that is not a Sentinel role (it trusts someone else, or
    holds other permissions) is B(refused before any write), with a message that names each thing
    on it that is not Sentinel's, unless O(take_over=true). RV(ownership=taken_over).
  - B(Offboarding) (O(state=absent)) never deletes or strips what the module did not put there.
    It removes the workspace ID O(external_id) from the trust (every Sentinel workspace ID when
    O(external_id) is not given). While other workspaces' IDs remain, only the trust changes. When
    none remains, the role is deleted if nothing else is on it (no other trust statement, no other
    managed policy, no inline policy, no instance profile); otherwise only Sentinel's part comes
    off (its trust statements, its managed policies, the marker), the role stays, the task warns,
    and RV(left_behind) lists what is left. IAM needs at least one statement in a trust policy,
    so a Sentinel statement that is the last one stays, and RV(left_behind) says so. A role that
    is neither marked nor trusts Sentinel is left untouched. O(take_over=true) deletes the role
    with everything on it.
  - A converged run makes three read calls (C(iam:GetRole), C(iam:ListAttachedRolePolicies),
    C(iam:ListRolePolicies)); offboarding also reads C(iam:ListInstanceProfilesForRole).
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
      - V(present) creates the role or converges it to these options, for the workspace
        O(external_id).
      - V(absent) offboards the workspace O(external_id) (or every workspace) from the role, and
        deletes the role only when nothing else is on it. See the description.
    type: str
    choices: [present, absent]
    default: present
  external_id:
    description:
      - The Log Analytics workspace ID (its C(customerId) GUID, not the ARM resource ID) that
        Sentinel sends as C(sts:ExternalId).
      - Required when O(state=present), where it is added to the workspace IDs the role trusts.
        With O(state=absent) it is the workspace to offboard; not given, every workspace is.
      - Stored in lower case, as Sentinel sends it.
    type: str
  purge_external_ids:
    description:
      - With O(state=present), V(true) makes O(external_id) the only workspace ID the role trusts,
        removing the IDs of other workspaces (whose Sentinel connectors then stop working).
      - V(false) adds O(external_id) to the IDs already trusted.
    type: bool
    default: false
  take_over:
    description:
      - B(Dangerous.) With O(state=present), V(true) converges a role that is not a Sentinel role
        and was not made by sentinel.aws instead of refusing it - its other trust statements,
        managed policies (with O(purge_policies=true)), inline policies and permissions boundary
        are removed, so whatever else used the role stops working.
      - With O(state=absent), V(true) deletes the role with everything on it - all managed and
        inline policies, its instance profile memberships, every workspace's trust.
    type: bool
    default: false
  microsoft_account_id:
    description:
      - The AWS account of Microsoft Sentinel that is trusted to assume the role.
      - The default is Microsoft's account for Azure commercial clouds.
      - Exactly 12 digits. With O(state=absent) it is how the module tells Sentinel's trust
        statements from others.
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
      - With O(state=absent), these (and the old name) are the policies offboarding detaches as its own.
    type: list
    elements: str
    default: [AWSCloudTrail_ReadOnlyAccess]
  purge_policies:
    description:
      - When V(true), managed policies attached to the role that are not in O(managed_policies)
        are detached.
      - When V(false), they stay on a role the module manages. They still make a role without
        the marker a role that is not Sentinel's (refused unless O(take_over=true)), and they keep
        the role from being deleted at offboarding.
    type: bool
    default: true
  path:
    description:
      - The IAM path of the role; it must start and end with C(/).
      - IAM cannot change the path of an existing role; when the role exists with another path
        the task fails (as M(amazon.aws.iam_role) does) and nothing is changed, with either O(state).
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
      - When not set (or an empty string), the role has no boundary - a boundary found on it, such as
        C(AWSDenyAll), would silently stop Sentinel's reads, so it is drift, removed on a role the
        module manages, and makes a role without the marker a role that is not Sentinel's.
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
      - With O(assume_role_name), the account the role is assumed in; with O(assume_role_arn), the
        account that ARN must be in. Either way the assumed identity must be in this account.
    type: str
notes:
  - Supports check mode and diff mode. In diff mode, RV(diff.before) and RV(diff.after) show
    the trust policy, the workspace IDs it trusts, managed and inline policies, tags, path,
    description, maximum session duration and permissions boundary; a role that does not exist
    is shown as C({}).
  - O(tags) follow IAM's rules, checked before any write - at most 50 tags on the role in all,
    counting the marker C(sentinel.aws:managed) and, with O(purge_tags=false), the tags the role
    keeps; keys are case-insensitive in IAM, so two keys that differ only in case are refused, and so
    is, with O(purge_tags=false), a key that differs only in case from one on the role; keys and
    values hold only letters, digits, spaces and C(_.:/=+-@) (no tabs or line breaks). The marker
    is never purged, and O(tags) cannot give it another value. When O(tags) is not set, the
    role's tags are left as they are, except that the marker is added.
  - Throttling and transient errors are retried with jittered exponential backoff; right after
    the role is created, IAM's C(NoSuchEntity) is retried too (IAM is eventually consistent).
  - A new role can take a few seconds to become assumable by Sentinel.
extends_documentation_fragment:
  - sentinel.aws.aws
  - sentinel.aws.aws.assume_role
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
    msg: "{{ sentinel_role.role.arn }} ({{ sentinel_role.ownership }})"

- name: Same role, refusing to run with credentials of another AWS account, other tags kept
  sentinel.aws.connector_role:
    name: MicrosoftSentinelRole
    external_id: 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c
    account_id: "123456789012"
    tags:
      cost-center: "1234"
    purge_tags: false

- name: From hub credentials, create the role in a member account of the organization
  sentinel.aws.connector_role:
    name: MicrosoftSentinelRole
    external_id: 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c
    account_id: "210987654321"
    assume_role_name: OrganizationAccountAccessRole

- name: Let a second Sentinel workspace use the same role; the first one keeps working
  sentinel.aws.connector_role:
    name: MicrosoftSentinelRole
    external_id: 0e6d2a4b-1c3f-4a5b-8c7d-9e0f1a2b3c4d
  register: shared_role

- name: Both workspace IDs are now in the role's trust policy
  ansible.builtin.assert:
    that:
      - shared_role.role.external_ids | length == 2

- name: Migrate a role set up by hand with the old policy name (adopted if nothing else is on it)
  sentinel.aws.connector_role:
    name: MicrosoftSentinelRole
    external_id: 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c
    path: /
    managed_policies:
      - AWSCloudTrail_ReadOnlyAccess
    purge_policies: false
    max_session_duration: 7200

- name: Offboard the second workspace; the role stays for the first
  sentinel.aws.connector_role:
    name: MicrosoftSentinelRole
    external_id: 0e6d2a4b-1c3f-4a5b-8c7d-9e0f1a2b3c4d
    state: absent
  register: offboarded

- name: Say what stayed
  ansible.builtin.debug:
    msg: "role deleted: {{ offboarded.role_deleted }}; left: {{ offboarded.left_behind | join(', ') }}"

# A role of that name that is not a Sentinel role is refused. To converge it anyway, removing
# everything else on it, set take_over (dangerous: whatever else used the role stops working).
- name: Converge the role even if it was made for something else
  sentinel.aws.connector_role:
    name: MicrosoftSentinelRole
    external_id: 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c
    take_over: true

- name: Offboard the last workspace; the role is deleted when nothing else is on it
  sentinel.aws.connector_role:
    name: MicrosoftSentinelRole
    external_id: 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c
    state: absent
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
    external_ids:
      description:
        - The workspace IDs that Sentinel trust statements of the role accept as C(sts:ExternalId), sorted.
      type: list
      elements: str
      returned: when the role exists
      sample: ["0e6d2a4b-1c3f-4a5b-8c7d-9e0f1a2b3c4d", "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"]
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
    - What is still on a role that offboarding kept, one phrase each - the trust for the workspaces
      that still use it, trust statements, managed and inline policies, instance profiles and the
      permissions boundary. Empty when the role was deleted or did not exist.
  returned: when O(state=absent)
  type: list
  elements: str
  sample: ["the trust for workspace ID 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c",
           "the managed policy arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"]
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
      sample: {"trust_policy": {}, "external_ids": [], "managed_policies": [], "inline_policies": [],
               "tags": {}, "path": "/", "description": null, "max_session_duration": 3600,
               "permissions_boundary": null}
"""

from ansible_collections.sentinel.aws.plugins.module_utils import iam_role
from ansible_collections.sentinel.aws.plugins.module_utils.assume_role import SentinelAWSModule
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import SENTINEL_AWS_ACCOUNT_ID


def argument_spec():
    return dict(
        name=dict(type="str", required=True, aliases=["role_name"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        external_id=dict(type="str"),
        # DOCUMENTATION repeats the literal (it is YAML); tests/unit/plugins/modules checks they agree.
        microsoft_account_id=dict(type="str", default=SENTINEL_AWS_ACCOUNT_ID),
        managed_policies=dict(type="list", elements="str", default=[iam_role.DEFAULT_POLICY]),
        purge_policies=dict(type="bool", default=True),
        path=dict(type="str", default="/"),
        description=dict(type="str"),
        permissions_boundary=dict(type="str"),
        max_session_duration=dict(type="int"),
        account_id=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        purge_external_ids=dict(type="bool", default=False),
        take_over=dict(type="bool", default=False),
    )


def main():
    module = SentinelAWSModule(
        argument_spec=argument_spec(),
        required_if=[("state", "present", ["external_id"])],
        supports_check_mode=True,
    )
    iam_role.run_module(module, lambda api: role_spec(module, api))


def role_spec(module, api):
    iam_role.require_commercial_partition(api.partition, module.region)
    return iam_role.role_spec(module.params, api.partition)


if __name__ == "__main__":
    main()
