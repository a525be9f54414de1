# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sentinel.aws.cloudtrail role's one task per account: its plan carried out, its result published.

Ansible spends a worker, a templating pass and a result round trip on every task of every host,
which at tens of accounts cost the role more than its API calls (issue 17: five tasks an account
against an expert playbook's two). This action does in one task what the role did in three: it
stops the account on its plan's reason, runs sentinel.aws.connector_role (and, offboarding,
sentinel.aws.data_connector first), and builds the account's result (registered by the role as
cloudtrail_connector). The decisions stay in the filters' and modules' functions it calls.

connector_role runs in this action's worker when the connection is local (plugin_utils/in_process.py):
a new Python process per account, with boto3's imports, cost more than the account's IAM reads.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

from typing import Any, Dict, List, Mapping, Optional

from ansible.plugins.action import ActionBase
from ansible.vars.clean import remove_internal_keys

from ansible_collections.amazon.aws.plugins.module_utils.botocore import HAS_BOTO3
from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_outcome import cloudtrail_outcome
from ansible_collections.sentinel.aws.plugins.module_utils.cloudtrail_account import ARGUMENT_SPEC
from ansible_collections.sentinel.aws.plugins.modules import connector_role
from ansible_collections.sentinel.aws.plugins.plugin_utils import in_process

ROLE_MODULE = "sentinel.aws.connector_role"
CONNECTOR_MODULE = "sentinel.aws.data_connector"
# What the role's result keeps of a module result besides its own keys (Ansible's standard ones).
MESSAGE_KEYS = ("warnings", "deprecations")
PASSED_ON = ("changed", "diff") + MESSAGE_KEYS
# The modules this action may run in its worker (plugin_utils/in_process.py): the one every account
# runs (data_connector runs only when offboarding). Without boto3 in the controller's Python it runs
# as a module, with the host's interpreter.
IN_PROCESS_MAINS = {ROLE_MODULE: connector_role.main} if HAS_BOTO3 else {}


def iam_role_arn(role_result: Mapping[str, Any], plan: Mapping[str, Any]) -> Optional[str]:
    """The role's ARN as IAM returned it (its case may differ from ours); in check mode, a role that
    does not exist yet has none: the computed one."""
    return (role_result.get("role") or {}).get("arn") or plan.get("role_arn")


def account_result(
    state: str,
    role: Mapping[str, Any],
    plan: Mapping[str, Any],
    role_result: Mapping[str, Any],
    connector_result: Optional[Mapping[str, Any]],
    check_mode: bool,
) -> Dict[str, Any]:
    """The account's result as the role publishes it (cloudtrail_connector; roles/cloudtrail/README.md).

    connector_result: onboarding, the connector as written or (converged) as the shared list holds it;
    offboarding, data_connector's result, or None when there was nothing to remove.
    """
    result: Dict[str, Any] = {
        "state": state,
        "aws_account_id": str(role.get("account_id") or ""),
        "role_name": role.get("name"),
        "workspace": plan.get("workspace"),
        # created, managed (carries the sentinel.aws marker), adopted (hand-made Sentinel role) or taken_over.
        "ownership": role_result.get("ownership"),
        "outcome": cloudtrail_outcome(state, role_result, connector_result, plan.get("connector"), check_mode),
        "reason": "",
    }
    if state == "absent":
        result.update(
            role_arn=plan.get("role_arn"),
            connector_id=None,
            workspace_id=None,
            role_deleted=role_result.get("role_deleted"),
            left_behind=role_result.get("left_behind"),
        )
        return result
    connector = (connector_result or {}).get("connector") or {}
    result.update(
        role_arn=iam_role_arn(role_result, plan),
        connector_id=connector.get("name"),
        connector_resource_id=connector.get("id"),
        workspace_id=plan.get("workspace_id"),
    )
    return result


def role_options(
    role: Mapping[str, Any], aws: Mapping[str, Any], plan: Mapping[str, Any], state: str
) -> Dict[str, Any]:
    """connector_role's options: the AWS connection, the role's, the workspace ID as external ID.

    Offboarding passes only what finds the role and this workspace in its trust: the options that
    shape a role (policies, tags, description) mean nothing to its removal.
    """
    options = dict(aws)
    # An empty role option is one not given, as the role's variables count it (the role's
    # `default(omit, true)` did that in a task; ansible-core < 2.19 renders a None as '').
    options.update({name: value for name, value in role.items() if value not in (None, "")})
    if state == "absent":
        for shaping in ("microsoft_account_id", "managed_policies", "description", "tags", "purge_tags"):
            options.pop(shaping, None)
    options.update(state=state, external_id=plan.get("workspace_id"))
    return {name: value for name, value in options.items() if value is not None}


def passed_on(*results: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """Ansible's keys of the module results: changed if any changed, their diffs (one or a list), warnings."""
    ran = [r for r in results if r]
    merged: Dict[str, Any] = {"changed": any(r.get("changed") for r in ran)}
    diffs = [r["diff"] for r in ran if r.get("diff")]
    if diffs:
        merged["diff"] = diffs[0] if len(diffs) == 1 else diffs
    for key in MESSAGE_KEYS:
        found: List[Any] = [item for r in ran for item in r.get(key) or []]
        if found:
            merged[key] = found
    return merged


def module_failure(result: Mapping[str, Any], plan: Mapping[str, Any]) -> Dict[str, Any]:
    """A module's failure as this task's: its message, and what the role's rescue reads (ownership)."""
    failed = {key: result[key] for key in PASSED_ON + ("ownership",) if key in result}
    failed.update(failed=True, msg=result.get("msg") or "failed", role_arn=plan.get("role_arn"))
    return failed


class ActionModule(ActionBase):
    """See the module documentation (plugins/modules/cloudtrail_account.py)."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        plan, state, role = args["plan"], args["state"], args["role"]
        check_mode = bool(self._task.check_mode or self._play_context.check_mode)
        if args["written"] is not None:
            return self._publish_written(args, check_mode)
        if plan.get("stop_reason"):
            return dict(failed=True, msg=plan["stop_reason"], role_arn=plan.get("role_arn"))

        removed = None
        if state == "absent" and plan.get("connector_to_remove"):
            connector_options = dict(args["azure"], aws_role_arn=plan.get("role_arn"), state="absent")
            if args["connector_id"]:
                connector_options["connector_id"] = args["connector_id"]
            removed = self._run(CONNECTOR_MODULE, connector_options, task_vars, args["in_process"])
            if removed.get("failed"):
                return module_failure(removed, plan)

        role_result = self._run(
            ROLE_MODULE, role_options(role, args["aws"], plan, state), task_vars, args["in_process"]
        )
        if role_result.get("failed"):
            return module_failure(role_result, plan)

        result = passed_on(removed, role_result)
        if state == "present" and not plan.get("connector_converged"):
            # The batch writes the connector (the role's data_connector run per workspace), then
            # this action publishes the account with its `written` element (_publish_written).
            result.update(
                pending=True,
                ownership=role_result.get("ownership"),
                role_arn=iam_role_arn(role_result, plan),
            )
            return result
        connector = removed if state == "absent" else {"changed": False, "connector": plan.get("connector")}
        result.update(account_result(state, role, plan, role_result, connector, check_mode))
        return result

    def _publish_written(self, args: Dict[str, Any], check_mode: bool) -> Dict[str, Any]:
        """The account whose connector the batch wrote: failed with the write's message, or published."""
        written, registered, plan = args["written"], args["registered"] or {}, args["plan"]
        if written.get("failed"):
            return module_failure(dict(written, ownership=registered.get("ownership")), plan)
        role_result = {
            "changed": registered.get("changed"),
            "ownership": registered.get("ownership"),
            "role": {"arn": registered.get("role_arn")},
        }
        # Changed when the connector changed: the role's change was counted by the task that made it.
        result: Dict[str, Any] = {"changed": bool(written.get("changed"))}
        result.update(account_result("present", args["role"], plan, role_result, written, check_mode))
        return result

    def _run(self, module: str, options: Dict[str, Any], task_vars: Dict[str, Any], in_process: bool) -> Dict[str, Any]:
        """``module``'s result: run in this worker when it may be (see the in_process option), else as a module."""
        main = IN_PROCESS_MAINS.get(module)
        if main and in_process and self._runs_on_controller():
            return self._run_in_worker(module, main, options, task_vars)
        return self._execute_module(module_name=module, module_args=options, task_vars=task_vars)

    def _runs_on_controller(self) -> bool:
        """A module would run on this machine as this user: the connection is local, without become."""
        return self._connection.transport == "local" and not self._play_context.become

    def _run_in_worker(
        self, module: str, main: Any, options: Dict[str, Any], task_vars: Dict[str, Any]
    ) -> Dict[str, Any]:
        """``module``'s main() run in this worker, its result as _execute_module would return it."""
        arguments = dict(options)
        self._update_module_args(module, arguments, task_vars)
        variables: Dict[str, Any] = {}
        self._compute_environment_string(variables)
        returned = in_process.run_main(main, arguments, variables)
        if in_process.HAS_PROFILES:
            data = self._parse_returned_data(returned, in_process.PROFILE)
        else:
            data = self._parse_returned_data(returned)  # pylint: disable=no-value-for-parameter
        remove_internal_keys(data)
        return data
