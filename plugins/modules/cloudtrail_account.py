#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudtrail_account
short_description: Carry out the sentinel.aws.cloudtrail role's plan for one AWS account (internal to the role)
version_added: 0.2.0
description:
  - The one task the C(sentinel.aws.cloudtrail) role runs per AWS account. It runs on the controller (an
    action plugin). It stops the account on the reason of its plan, converges its IAM role with
    M(sentinel.aws.connector_role), removes its connector with M(sentinel.aws.data_connector) first when
    offboarding, and returns the account's result, which the role registers as C(cloudtrail_connector).
  - When the account's connector must be written, the role writes the connectors of all such accounts
    in one M(sentinel.aws.data_connector) run per workspace after their roles; a second run of this action
    with O(written) then publishes the account, or fails it with the write's message.
  - One task instead of three (the role, the connector removal, the result) because Ansible spends a
    worker and a result round trip on each task of each host, which at tens of accounts cost the role
    more time than its API calls.
  - Internal to the role. It is a public plugin because a role inside a collection cannot carry plugins of
    its own, and Galaxy wants every plugin documented. Its options follow the role and may change with it.
    Use M(sentinel.aws.connector_role) and M(sentinel.aws.data_connector) in playbooks of your own.
author:
  - sentinel.aws maintainers (@sentinel-aws)
options:
  plan:
    description:
      - The account's plan, from the P(sentinel.aws.cloudtrail_plan#filter) filter.
    type: dict
    required: true
  state:
    description:
      - Onboard (V(present)) or offboard (V(absent)) the account.
    type: str
    choices: [present, absent]
    default: present
  role:
    description:
      - The options of M(sentinel.aws.connector_role) for the account's role (C(name), C(path), C(account_id),
        the C(assume_role_*) options, C(microsoft_account_id), C(managed_policies), C(description), C(tags),
        C(purge_tags), C(take_over)). The external ID is the plan's C(workspace_id).
    type: dict
    default: {}
  connector_id:
    description:
      - Offboarding, the ID of the connector to remove (M(sentinel.aws.data_connector)'s O(sentinel.aws.data_connector#module:connector_id)).
    type: str
  aws:
    description:
      - The AWS connection options of M(sentinel.aws.connector_role) (the role passes C(cloudtrail_aws_connection)
        through P(sentinel.aws.cloudtrail_connection#filter)). Not shown in any output.
      - Passed here because C(module_defaults) apply to a task's own module, not to the modules an action runs.
    type: dict
    default: {}
  azure:
    description:
      - The Azure connection and workspace options of M(sentinel.aws.data_connector), for offboarding. Not shown
        in any output.
    type: dict
    default: {}
  written:
    description:
      - The account's element of the batch's connector write (P(sentinel.aws.cloudtrail_connector_written#filter)),
        with C(changed), C(connector), C(failed), C(msg). With it, no module runs; the account is published, or fails
        with C(msg).
    type: dict
  registered:
    description:
      - With O(written), this action's earlier result for the account (its C(ownership), C(role_arn), C(changed)).
    type: dict
  in_process:
    description:
      - V(true) runs M(sentinel.aws.connector_role) inside this action's worker on the controller, with the
        controller's Python, when the task's connection is local and without become. It is the same module
        code (argument checks, check mode, diff, secrets kept out of its result) without a new Python process
        and its imports per account, which cost more than the account's IAM calls.
      - It runs as a module, with the host's C(ansible_python_interpreter), when the connection is not local,
        with become, when the controller's Python has no boto3, or with V(false).
    type: bool
    default: true
notes:
  - Runs on the controller. Check mode and diff mode are those of the modules it runs.
  - Run in the worker, M(sentinel.aws.connector_role) reads the task's C(environment) and the
    controller's environment, as a module on C(localhost) would.
seealso:
  - module: sentinel.aws.connector_role
  - module: sentinel.aws.data_connector
extends_documentation_fragment:
  - sentinel.aws.attributes
"""

EXAMPLES = r"""
# Inside the sentinel.aws.cloudtrail role (tasks/main.yml), after its shared reads:
- name: Converge the account's IAM role, and publish it when its connector is already as wanted
  sentinel.aws.cloudtrail_account:
    plan: "{{ cloudtrail__plan }}"
    state: present
    role:
      name: MicrosoftSentinelRole
      account_id: "123456789012"
      managed_policies: [AWSCloudTrail_ReadOnlyAccess]
    aws: "{{ cloudtrail_aws_connection | sentinel.aws.cloudtrail_connection('aws') }}"
  register: cloudtrail_connector
"""

RETURN = r"""
state:
  description: V(present) or V(absent).
  returned: when the account is done
  type: str
aws_account_id:
  description: The AWS account ID.
  returned: when the account is done
  type: str
role_name:
  description: The IAM role's name.
  returned: when the account is done
  type: str
role_arn:
  description: The IAM role's ARN, as IAM returned it (the computed one in check mode, and offboarding).
  returned: always
  type: str
connector_id:
  description: The connector's ID; null when offboarding.
  returned: when the account is done
  type: str
connector_resource_id:
  description: The connector's ARM resource ID.
  returned: when the account is onboarded
  type: str
workspace:
  description: The workspace as named in the role's variables.
  returned: when the account is done
  type: str
workspace_id:
  description: The workspace ID, the role's external ID; null when offboarding.
  returned: when the account is done
  type: str
ownership:
  description: C(created), C(managed), C(adopted), C(taken_over), or when offboarding C(foreign).
  returned: when the role module ran
  type: str
outcome:
  description: C(created), C(updated), C(unchanged) or C(removed) (C(would ...) in check mode).
  returned: when the account is done
  type: str
reason:
  description: Empty (the role's rescue fills it for a failed account).
  returned: when the account is done
  type: str
role_deleted:
  description: Offboarding, whether the role was deleted.
  returned: when offboarding
  type: bool
left_behind:
  description: Offboarding, what was left on a role that was kept.
  returned: when offboarding
  type: list
  elements: str
pending:
  description: The account's connector is to be written by the batch; the account is published by a second run with O(written).
  returned: when the connector is to be written
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sentinel.aws.plugins.module_utils.cloudtrail_account import ARGUMENT_SPEC


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="sentinel.aws.cloudtrail_account runs on the controller, through its action plugin")


if __name__ == "__main__":
    main()
