#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: oidc_provider
short_description: Manage the IAM OIDC identity provider of the Microsoft Sentinel S3 connector
version_added: 0.1.0
description:
  - Makes sure the AWS account has the IAM OpenID Connect identity provider through which the
    Microsoft Sentinel "Amazon Web Services S3" connector assumes its role, and that the provider
    accepts Sentinel's client ID (audience).
  - The provider's URL and client ID are Microsoft's, per partition - commercial
    C(https://sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/) with
    C(api://1462b192-27f7-4cb9-8523-0f4ecb54b47e); AWS GovCloud (US)
    C(https://sts.windows.net/cab8a31a-1906-4287-a0d8-4eef66b95f6e/) with
    C(api://d4230588-5f84-4281-a9c7-2c15194b28f7). They are not options.
  - B(One provider per account is shared.) IAM allows one provider per URL, and Microsoft Defender
    for Cloud uses the same one with client IDs of its own. When the provider exists, the module
    adds Sentinel's client ID if it is missing and changes nothing else - other client IDs,
    thumbprints and tags stay as they are. RV(ownership=shared).
  - When there is no provider, the module creates it as Microsoft's CloudFormation template does
    (Sentinel's client ID, thumbprint C(626D44E704D1CEABE3BF0D53397464AC8080142C)), with the tags
    O(tags) and the marker tag C(sentinel.aws:managed=true). RV(ownership=created). A later run
    converges the tags of a provider with the marker (RV(ownership=ours)), never its thumbprints.
  - B(Offboarding) (O(state=absent)) removes Sentinel's client ID from the provider, and nothing
    else. It leaves the client ID in place, changes nothing and returns RV(in_use_by) (with a
    warning) while an IAM role of the account still trusts the provider for that client ID (the
    role of another Sentinel workspace, for example). It deletes the provider only when the
    provider carries the marker and Sentinel's client ID is its only one. A provider without the
    marker is never deleted, even when Sentinel's client ID was its last one.
  - A role trusts the provider for the client ID when its trust policy has an C(Allow) statement
    with the provider's ARN as C(Federated) principal and a C(StringEquals), C(StringEqualsIgnoreCase)
    or C(StringLike) condition on C(<provider URL without https://>:aud) that the client ID meets,
    or no such condition at all (then every client ID of the provider is let in).
  - A converged run makes two read calls (C(iam:ListOpenIDConnectProviders),
    C(iam:GetOpenIDConnectProvider)); offboarding also lists the roles (C(iam:ListRoles)).
  - Give the provider to M(sentinel.aws.s3_connector_role), whose trust names its ARN (RV(arn)).
author:
  - sentinel.aws maintainers (@sentinel-aws)
options:
  state:
    description:
      - V(present) creates the provider or adds Sentinel's client ID to it.
      - V(absent) removes Sentinel's client ID from the provider, and deletes the provider only when
        sentinel.aws made it and no other client ID is on it. See the description.
    type: str
    choices: [present, absent]
    default: present
  aws_partition:
    description:
      - The AWS partition of the account, which decides Microsoft's tenant (the provider's URL)
        and Sentinel's client ID.
      - V(aws) for commercial regions, V(aws-us-gov) for AWS GovCloud (US).
      - It must be the partition of O(region) (GovCloud needs a region such as C(us-gov-west-1)),
        or the task fails before any call.
    type: str
    choices: [aws, aws-us-gov]
    default: aws
  aws_account_id:
    description:
      - The AWS account the provider must be in (12 digits).
      - When set, the task fails before any write if the credentials belong to another account.
        For an existing provider the account is read from its ARN (no extra call); before a
        provider is created it is checked with C(sts:GetCallerIdentity).
      - With O(assume_role_name), the account the role is assumed in; with O(assume_role_name) or
        O(assume_role_arn) the assumed role's identity must be in this account too.
    type: str
  tags:
    description:
      - Tags of a provider the module creates, and of a provider with the marker tag (one it
        created before). Never applied to a provider without the marker; the task then warns.
      - The marker C(sentinel.aws:managed=true) is always added and never purged.
      - When not set, the tags of a provider with the marker are left as they are.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - With O(tags) set, V(true) removes the other tags of a provider with the marker, so that it
        carries exactly O(tags) and the marker; V(false) keeps them.
      - A provider without the marker keeps its tags either way.
    type: bool
    default: true
notes:
  - Supports check mode and diff mode. In diff mode, RV(diff.before) and RV(diff.after) show the
    provider's URL, client IDs, thumbprints and tags; no provider is shown as C({}).
  - Unlike the CloudTrail (legacy) modules, this module serves AWS GovCloud (US) (O(aws_partition)).
  - O(tags) follow IAM's rules, checked before any write (at most 50 tags, counting the marker;
    keys are case-insensitive; no C(aws:) keys).
  - Throttling and transient errors are retried with jittered exponential backoff.
extends_documentation_fragment:
  - sentinel.aws.aws
  - sentinel.aws.aws.assume_role
  - sentinel.aws.attributes
  - sentinel.aws.attributes.actiongroup_aws
"""

EXAMPLES = r"""
- name: Make sure Sentinel's S3 connector can federate into this account
  sentinel.aws.oidc_provider:
    aws_account_id: "123456789012"
    tags:
      owner: soc
  register: sentinel_oidc

- name: Say whose provider it is
  ansible.builtin.debug:
    msg: "{{ sentinel_oidc.arn }} ({{ sentinel_oidc.ownership }}): {{ sentinel_oidc.client_ids | join(', ') }}"

- name: The same in AWS GovCloud (US)
  sentinel.aws.oidc_provider:
    aws_partition: aws-us-gov
    region: us-gov-west-1

- name: Offboard Sentinel from the provider; Defender for Cloud's client IDs stay
  sentinel.aws.oidc_provider:
    state: absent
  register: offboarded

- name: Roles that still use Sentinel's client ID keep it on the provider
  ansible.builtin.debug:
    msg: "kept for {{ offboarded.in_use_by | join(', ') }}"
  when: offboarded.in_use_by | length > 0
"""

RETURN = r"""
arn:
  description:
    - ARN of the provider after the task (in check mode, as it would be); with O(state=absent), of
      the provider offboarding kept or deleted.
    - V(null) when the account has no such provider and none is created.
  returned: always
  type: str
  sample: arn:aws:iam::123456789012:oidc-provider/sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/
url:
  description: The provider's URL, Microsoft's Entra tenant for O(aws_partition).
  returned: always
  type: str
  sample: https://sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/
client_ids:
  description: The provider's client IDs (audiences) after the task, in IAM's order; V([]) when there is no provider.
  returned: always
  type: list
  elements: str
  sample: ["api://1462b192-27f7-4cb9-8523-0f4ecb54b47e"]
thumbprints:
  description: The provider's thumbprints after the task; V([]) when there is no provider.
  returned: always
  type: list
  elements: str
  sample: ["626D44E704D1CEABE3BF0D53397464AC8080142C"]
tags:
  description: The provider's tags after the task; V({}) when there is no provider.
  returned: always
  type: dict
  sample: {"owner": "soc", "sentinel.aws:managed": "true"}
ownership:
  description:
    - Whose the provider was. V(created) - the task created it. V(ours) - it carries the marker
      C(sentinel.aws:managed=true). V(shared) - someone else made it (Defender for Cloud, by hand);
      only Sentinel's client ID is ever changed on it. V(absent) - there was none (O(state=absent)).
  returned: always
  type: str
  sample: shared
in_use_by:
  description:
    - ARNs of the IAM roles that still trust the provider for Sentinel's client ID, sorted; while
      there is one, offboarding keeps the client ID and changes nothing.
  returned: when O(state=absent)
  type: list
  elements: str
  sample: ["arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"]
provider_deleted:
  description: Whether offboarding deleted the provider (in check mode, would delete it).
  returned: when O(state=absent)
  type: bool
  sample: false
diff:
  description: Before and after states, with the same keys; V({}) for no provider.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The provider before the task.
      type: dict
      sample: {}
    after:
      description: The provider after the task.
      type: dict
      sample: {"url": "https://sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/",
               "client_ids": ["api://1462b192-27f7-4cb9-8523-0f4ecb54b47e"],
               "thumbprints": ["626D44E704D1CEABE3BF0D53397464AC8080142C"],
               "tags": {"sentinel.aws:managed": "true"}}
"""

from ansible_collections.sentinel.aws.plugins.module_utils.assume_role import s3_module
from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import PARTITION_OPTION
from ansible_collections.sentinel.aws.plugins.module_utils import aws_module
from ansible_collections.sentinel.aws.plugins.module_utils import oidc_provider


def argument_spec():
    return dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        aws_partition=dict(PARTITION_OPTION),
        aws_account_id=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )


def main():
    module = s3_module(argument_spec())
    aws_module.run_module(module, lambda: ensure(module))


def ensure(module):
    # Making the client calls nothing: inputs are still all checked before any API call.
    api = oidc_provider.ProviderApi(module)
    spec = oidc_provider.provider_spec(module.params, api.partition, module.region)
    ensure_state = oidc_provider.ensure_present if spec["state"] == "present" else oidc_provider.ensure_absent
    return ensure_state(api, spec, module.check_mode)


if __name__ == "__main__":
    main()
