#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cloudtrail_organization
short_description: Connect many AWS accounts of an organisation to Microsoft Sentinel in one task
version_added: 0.2.0
description:
  - Converges, in one task, the CloudTrail (legacy) connector of every AWS account in O(accounts)
    from one hub credential (for example an AWS Organizations management or delegated administrator
    account) - in each account the IAM role Sentinel assumes (as M(sentinel.aws.connector_role)
    makes it) and, in the workspace, the C(AmazonWebServicesCloudTrail) data connector pointing at
    it (as M(sentinel.aws.data_connector) makes it).
  - B(Azure first.) The task signs in to Azure once, reads the workspace (its ID, the C(sts:ExternalId)
    every role trusts) and the workspace's connector list once, for all accounts.
  - B(Then every account,) O(concurrency) at a time - C(sts:AssumeRole) into O(assume_role_name) (or
    O(assume_role_arn)) with the hub's credentials, the role converged with the rules and ownership
    checks of M(sentinel.aws.connector_role), then the connector written only when the list read
    first shows it missing or different.
  - A converged account costs the C(sts:AssumeRole) and one IAM read, C(iam:GetAccountAuthorizationDetails)
    (roles only; one more per 1000 roles in the account), which answers the role's trust policy, tags,
    path, managed and inline policies and instance profiles. O(role_description) adds C(iam:GetRole),
    as only that call answers the description. A converged run reads Azure twice whatever the number of accounts.
  - B(Writes are paced.) Every connector write of the run (PUT, DELETE) waits for a token of one
    bucket that refills at O(azure_writes_per_second); Azure's own throttling (HTTP 429 with
    C(Retry-After)) is retried as in every module of the collection, and IAM throttling per account.
  - B(A failing account never stops the others.) An account whose role cannot be assumed, whose role
    of the name is not a Sentinel role (unless O(take_over)), whose IAM calls fail or whose connector
    Sentinel refuses gets RV(accounts[].outcome=failed) with its RV(accounts[].reason); the other
    accounts carry on. Then the task fails with C(N of M accounts failed) and the reasons, and still
    returns RV(accounts) and RV(summary).
  - B(Ownership) is that of the per-account modules. A role of the name that is not a Sentinel role
    and was not made by sentinel.aws is refused for its account before any write to it. An account
    whose events Sentinel already reads through another of its roles (a connector of another role ARN
    of the same account) is refused, rather than read twice or moved silently.
  - B(Offboarding) (O(state=absent)) removes, per account, the connector of the role first (Sentinel stops
    reading), then the workspace's trust from the role, deleting the role when nothing else is on it,
    with the rules of M(sentinel.aws.connector_role). Connectors of other roles and roles of other names
    are never touched.
  - B(When to use it.) The per-host role C(sentinel.aws.cloudtrail) gives a status per account (per host) in
    AWX and can be sliced across execution nodes; this module is for speed with large estates, one
    task for hundreds of accounts. Its per-account report is RV(accounts).
author:
  - sentinel.aws maintainers (@sentinel-aws)
options:
  accounts:
    description:
      - The AWS account IDs to converge (12 digits each), for example every host's C(aws_account_id)
        from the C(sentinel.aws.organizations) inventory.
      - Given twice, an account is converged once. One bad ID fails the task before any call.
    type: list
    elements: str
    required: true
  state:
    description:
      - V(present) onboards every account; V(absent) offboards them.
    type: str
    choices: [present, absent]
    default: present
  assume_role_name:
    description:
      - Name of the role to assume in each account with the module's AWS credentials (the hub's), for
        example C(OrganizationAccountAccessRole) (made by AWS Organizations in accounts it creates)
        or C(AWSControlTowerExecution).
      - Mutually exclusive with O(assume_role_arn); one of them is required.
      - The role must allow C(iam:GetAccountAuthorizationDetails) besides the role and policy calls of
        M(sentinel.aws.connector_role); the two above allow everything.
    type: str
  assume_role_arn:
    description:
      - ARN template of the role to assume in each account, with the literal C({account_id}) where the
        account's ID goes, for example C(arn:aws:iam::{account_id}:role/automation/SocOnboarding).
    type: str
  assume_role_external_id:
    description:
      - External ID that the assumed role's trust policy requires (C(sts:ExternalId)). Never shown in
        results or messages.
    type: str
  assume_role_session_name:
    description:
      - Session name of the assumed role (C(RoleSessionName)), seen in each account's CloudTrail.
    type: str
    default: sentinel-aws
  role_name:
    description:
      - Name of the IAM role Sentinel assumes, in every account.
    type: str
    default: MicrosoftSentinelRole
  role_path:
    description:
      - IAM path of the role; it must start and end with C(/). An existing role with another path fails its account.
    type: str
    default: /
  role_description:
    description:
      - Description of the role. Not given, an existing role's description is left as it is.
    type: str
  role_tags:
    description:
      - Tags of the role, besides the marker C(sentinel.aws:managed=true) the module always adds.
    type: dict
  purge_tags:
    description:
      - Remove tags not in O(role_tags) (when O(role_tags) is given; the marker always stays).
    type: bool
    default: true
  managed_policies:
    description:
      - Managed policies the role must have, as in M(sentinel.aws.connector_role); other managed
        policies are detached from roles the module manages.
    type: list
    elements: str
    default: [AWSCloudTrail_ReadOnlyAccess]
  microsoft_account_id:
    description:
      - The AWS account of Microsoft Sentinel the roles trust. The default is Microsoft's account for
        Azure commercial clouds.
    type: str
    default: "197857026523"
  take_over:
    description:
      - B(Dangerous.) Converge (or, with O(state=absent), delete) a role of the name that is not a
        Sentinel role and was not made by sentinel.aws, instead of refusing its account; see
        M(sentinel.aws.connector_role).
    type: bool
    default: false
  external_id:
    description:
      - The workspace ID (C(customerId)) the roles trust as C(sts:ExternalId). Not given, the workspace's
        own, read from Azure; given, it must be that one.
    type: str
  logs_enabled:
    description:
      - Whether the connectors ingest their logs.
    type: bool
    default: true
  wait_timeout:
    description:
      - Per account, how many seconds to keep retrying while Sentinel refuses the connector with HTTP
        400 (it cannot assume a new role yet), as in M(sentinel.aws.data_connector).
      - The run's time budget for Azure grows with it - O(wait_timeout) (or O(read_timeout)) per
        round of O(concurrency) accounts, plus the paced writes' time.
    type: int
    default: 60
  concurrency:
    description:
      - How many accounts are converged at once (threads in the one module process), 1 to 64.
    type: int
    default: 10
  azure_writes_per_second:
    description:
      - The pace of the run's connector writes to Azure (PUT and DELETE), all accounts together.
      - Azure Resource Manager limits writes per subscription, principal and region with a token
        bucket of 200 that refills at 10 a second; the default, half that, leaves room for other
        automation. More than 0, at most 200.
    type: float
    default: 5
  azure_profile:
    description:
      - Profile (section) of the Azure credential file C(~/.azure/credentials) to use, the O(profile) of
        the other Azure modules of the collection (here O(profile) is the AWS profile of the hub).
      - Can be set with the E(AZURE_PROFILE) environment variable.
    type: str
  profile:
    description:
      - The named AWS profile of the hub's credentials.
      - The C(AWS_PROFILE) environment variable may also be used.
      - Mutually exclusive with O(access_key), O(secret_key) and O(session_token).
    type: str
    aliases: ['aws_profile']
extends_documentation_fragment:
  - sentinel.aws.aws
  - sentinel.aws.azure
  - sentinel.aws.azure.workspace
  - sentinel.aws.attributes
  - sentinel.aws.attributes.actiongroup_aws
notes:
  - The AWS options (O(access_key), O(profile), O(region), O(endpoint_url), ...) are the hub's; the
    assumed roles' keys are used only inside the task and never returned.
  - In C(module_defaults) the module belongs to C(group/sentinel.aws.aws) only - it takes the Azure options too,
    but C(group/sentinel.aws.azure) is not for it, since that group's O(profile) means the Azure credential
    file's profile, here O(azure_profile). Give the Azure options on the task or in the environment (E(AZURE_*)).
  - Check mode writes nothing on either cloud; each account's RV(accounts[].outcome) is what would happen.
seealso:
  - module: sentinel.aws.connector_role
  - module: sentinel.aws.data_connector
"""

EXAMPLES = r"""
- name: Onboard every account of the organisation from the management account
  sentinel.aws.cloudtrail_organization:
    accounts: "{{ groups['all'] | map('extract', hostvars, 'aws_account_id') | list }}"
    assume_role_name: OrganizationAccountAccessRole
    workspace_name: law-sentinel
    resource_group: rg-sentinel
    concurrency: 20
  register: organization

- name: The same through Control Tower's role, with an ARN template and the role's tags
  sentinel.aws.cloudtrail_organization:
    accounts: [111111111111, 222222222222]
    assume_role_arn: "arn:aws:iam::{account_id}:role/AWSControlTowerExecution"
    role_tags:
      owner: soc
    workspace_resource_id: >-
      /subscriptions/0b1f6471-0000-4000-8000-00000000501b/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-sentinel

- name: Offboard two accounts
  sentinel.aws.cloudtrail_organization:
    accounts: [111111111111, 222222222222]
    assume_role_name: OrganizationAccountAccessRole
    workspace_name: law-sentinel
    resource_group: rg-sentinel
    state: absent
"""

RETURN = r"""
workspace:
  description: ARM resource ID of the workspace.
  returned: when the workspace was read
  type: str
  sample: /subscriptions/0b1f6471-0000-4000-8000-00000000501b/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-sentinel
workspace_id:
  description: The workspace ID (C(customerId)), the C(sts:ExternalId) the roles trust.
  returned: when the workspace was read
  type: str
  sample: 6f5e4d3c-0000-4000-8000-0000000051a1
accounts:
  description: One entry per account, in the order of O(accounts) (each account once), also when the task fails.
  returned: when the workspace was read
  type: list
  elements: dict
  contains:
    account_id:
      description: The AWS account ID.
      type: str
      sample: "111111111111"
    outcome:
      description:
        - V(created) - the account got its role or its connector now (is newly onboarded);
          V(updated) - something of it changed; V(unchanged) - nothing to do.
        - With O(state=absent), V(removed) - its connector or its role (or Sentinel's part of it) was removed;
          V(absent) - nothing of it was there.
        - V(failed) - see RV(accounts[].reason); nothing more was done in the account.
      type: str
      sample: unchanged
    changed:
      description: Whether anything of the account changed (a failed account may have changed its role).
      type: bool
      sample: false
    role_arn:
      description: ARN of the account's role (empty when it failed before the role was read).
      type: str
      sample: arn:aws:iam::111111111111:role/MicrosoftSentinelRole
    role_ownership:
      description: The RV(sentinel.aws.connector_role#module:ownership) of the role.
      type: str
      sample: managed
    connector_id:
      description: The connector's ID (name), empty when there is none.
      type: str
      sample: 3c8f5a47-0d5e-5d0b-8f0e-6f2a1c9b7e21
    reason:
      description: Why the account failed; empty otherwise.
      type: str
      sample: ""
summary:
  description: Counts of the accounts by outcome.
  returned: when the workspace was read
  type: dict
  contains:
    total:
      description: Accounts converged.
      type: int
    changed:
      description: Accounts changed.
      type: int
    failed:
      description: Accounts failed.
      type: int
    created:
      description: Accounts with RV(accounts[].outcome=created).
      type: int
    updated:
      description: Accounts with RV(accounts[].outcome=updated).
      type: int
    unchanged:
      description: Accounts with RV(accounts[].outcome=unchanged).
      type: int
    removed:
      description: Accounts with RV(accounts[].outcome=removed).
      type: int
    absent:
      description: Accounts with RV(accounts[].outcome=absent).
      type: int
  sample: {"total": 3, "changed": 1, "failed": 0, "created": 1, "updated": 0, "unchanged": 2, "removed": 0, "absent": 0}
diff:
  description:
    - Before and after, keyed by account ID, for the accounts that change - each with C(role) (the
      role as M(sentinel.aws.connector_role) shows it) and C(connector) (as M(sentinel.aws.data_connector) shows it).
    - The role's C(description) and C(max_session_duration) are read only with O(role_description).
  returned: when diff mode is on
  type: dict
  sample: {"before": {"111111111111": {"role": {}, "connector": {}}}, "after": {"111111111111": {"role": {}, "connector": {}}}}
"""

from ansible.module_utils.basic import env_fallback

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.sentinel.aws.plugins.module_utils import iam_role
from ansible_collections.sentinel.aws.plugins.module_utils.assume_role import ASSUME_ROLE_OPTIONS
from ansible_collections.sentinel.aws.plugins.module_utils.azure_auth import AZURE_AUTH_ARGSPEC
from ansible_collections.sentinel.aws.plugins.module_utils.azure_auth import WORKSPACE_ARGSPEC
from ansible_collections.sentinel.aws.plugins.module_utils.organization_runner import run_module
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import SENTINEL_AWS_ACCOUNT_ID


def argument_spec():
    spec = dict(AZURE_AUTH_ARGSPEC)
    # Here profile is the hub's AWS profile (AnsibleAWSModule's); the Azure one is azure_profile.
    del spec["profile"]
    spec.update(WORKSPACE_ARGSPEC)
    spec.update(ASSUME_ROLE_OPTIONS)
    spec.update(
        accounts=dict(type="list", elements="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        role_name=dict(type="str", default="MicrosoftSentinelRole"),
        role_path=dict(type="str", default="/"),
        role_description=dict(type="str"),
        role_tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        managed_policies=dict(type="list", elements="str", default=[iam_role.DEFAULT_POLICY]),
        microsoft_account_id=dict(type="str", default=SENTINEL_AWS_ACCOUNT_ID),
        take_over=dict(type="bool", default=False),
        external_id=dict(type="str"),
        logs_enabled=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=60),
        concurrency=dict(type="int", default=10),
        azure_writes_per_second=dict(type="float", default=5.0),
        azure_profile=dict(type="str", fallback=(env_fallback, ["AZURE_PROFILE"])),
    )
    return spec


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[("assume_role_name", "assume_role_arn")],
        required_one_of=[("assume_role_name", "assume_role_arn")],
        supports_check_mode=True,
    )
    run_module(module)


if __name__ == "__main__":
    main()
