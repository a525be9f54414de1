"""The cloudtrail role's one task per account: which modules run with which options, and what it publishes."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.template import Templar

from ansible_collections.amazon.aws.plugins.module_utils import botocore as amazon_botocore
from ansible_collections.sentinel.aws.plugins.action import cloudtrail_account as action_plugin
from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_plan import cloudtrail_plan
from ansible_collections.sentinel.aws.plugins.action.cloudtrail_account import (
    CONNECTOR_MODULE,
    ROLE_MODULE,
    ActionModule,
    account_result,
    module_failure,
    passed_on,
    role_options,
)

ARN = "arn:aws:iam::123456789012:role/MicrosoftSentinelRole"
WORKSPACE_ID = "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"
CONNECTOR = {"name": "c0a8f5a4-7d0e-4c1b-9f2a-3b4c5d6e7f80", "id": "/subscriptions/x/c", "aws_role_arn": ARN}
ROLE = {
    "name": "MicrosoftSentinelRole",
    "path": "/",
    "account_id": "123456789012",
    "assume_role_name": None,
    "assume_role_session_name": "sentinel-aws",
    "microsoft_account_id": "197857026523",
    "managed_policies": ["AWSCloudTrail_ReadOnlyAccess"],
    "description": "Lets Microsoft Sentinel read",
    "tags": {"team": "soc"},
    "purge_tags": False,
    "take_over": False,
}


def plan(**overrides: Any) -> dict[str, Any]:
    """The filter's plan for ROLE's account, its connector listed as wanted (converged), with overrides."""
    workspace = {"key": "/rg/law-sentinel/", "options": {"workspace_name": "law-sentinel"}}
    account = dict(input_errors=[], workspace=workspace, state="present", external_id="", connector_id="")
    account.update(aws_account_id=ROLE["account_id"], role_path="/", role_name=ROLE["name"])
    account.update(logs_enabled=True, ensure_sentinel=False)
    listed = dict(CONNECTOR, kind="AmazonWebServicesCloudTrail", logs_enabled=True)
    read = {"item": workspace, "workspace": {"customer_id": WORKSPACE_ID}, "connectors": [listed]}
    return {**cloudtrail_plan(account, {"results": [read]}), **overrides}


def test_onboarding_passes_the_connection_the_role_and_the_workspace_id_and_drops_unset_options() -> None:
    options = role_options(ROLE, {"access_key": "AKIA", "region": "eu-west-1"}, plan(), "present")
    assert options["external_id"] == WORKSPACE_ID and options["state"] == "present"
    assert options["access_key"] == "AKIA" and options["tags"] == {"team": "soc"}
    # None means "not given": the module's own default applies, as omit did in a task.
    assert "assume_role_name" not in options


def test_an_empty_role_option_is_one_not_given() -> None:
    # ansible-core < 2.19 renders "{{ none }}" as '': an empty external ID must not reach STS's rule.
    role = dict(ROLE, assume_role_external_id="", description="", assume_role_arn=None)
    options = role_options(role, {}, plan(), "present")
    assert not {"assume_role_external_id", "description", "assume_role_arn"} & set(options)
    assert options["purge_tags"] is False and options["tags"] == {"team": "soc"}


def test_offboarding_passes_only_what_finds_the_role_and_this_workspace_in_its_trust() -> None:
    options = role_options(ROLE, {}, plan(), "absent")
    assert options["state"] == "absent" and options["external_id"] == WORKSPACE_ID
    assert not {"managed_policies", "tags", "description", "purge_tags", "microsoft_account_id"} & set(options)
    assert options["take_over"] is False and options["name"] == "MicrosoftSentinelRole"


def test_role_options_win_over_connection_options_of_the_same_name() -> None:
    assert role_options({"name": "R"}, {"name": "from-connection"}, plan(), "present")["name"] == "R"


def test_a_converged_account_is_published_with_the_connector_the_shared_list_holds() -> None:
    role_result = {"changed": False, "ownership": "managed", "role": {"arn": ARN.replace("Microsoft", "microsoft")}}
    result = account_result("present", ROLE, plan(), role_result, {"changed": False, "connector": CONNECTOR}, False)
    assert result == {
        "state": "present",
        "aws_account_id": "123456789012",
        "role_name": "MicrosoftSentinelRole",
        # As IAM returned it.
        "role_arn": ARN.replace("Microsoft", "microsoft"),
        "connector_id": CONNECTOR["name"],
        "connector_resource_id": CONNECTOR["id"],
        "workspace": "law-sentinel",
        "workspace_id": WORKSPACE_ID,
        "ownership": "managed",
        "outcome": "unchanged",
        "reason": "",
    }


@pytest.mark.parametrize(
    "role_changed, ownership, connector_before, check_mode, outcome",
    [
        (True, "created", {}, False, "created"),
        (False, "managed", {}, False, "created"),
        (False, "managed", CONNECTOR, False, "updated"),
        (True, "created", {}, True, "would create"),
    ],
)
def test_a_written_connector_counts_as_created_or_updated(
    role_changed: bool, ownership: str, connector_before: dict, check_mode: bool, outcome: str
) -> None:
    role_result = {"changed": role_changed, "ownership": ownership, "role": {}}
    written = {"changed": True, "connector": CONNECTOR}
    result = account_result("present", ROLE, plan(connector=connector_before), role_result, written, check_mode)
    # In check mode a role not made yet has no ARN from IAM: the computed one.
    assert (result["outcome"], result["role_arn"], result["connector_id"]) == (outcome, ARN, CONNECTOR["name"])


def test_offboarding_publishes_what_was_removed_and_what_was_left() -> None:
    role_result = {"changed": True, "ownership": "managed", "role_deleted": False, "left_behind": ["policy X"]}
    result = account_result("absent", ROLE, plan(), role_result, {"changed": True}, False)
    assert (result["outcome"], result["connector_id"], result["workspace_id"]) == ("removed", None, None)
    assert (result["role_arn"], result["role_deleted"], result["left_behind"]) == (ARN, False, ["policy X"])


def test_nothing_to_offboard_is_unchanged() -> None:
    role_result = {"changed": False, "ownership": "managed", "role_deleted": False, "left_behind": []}
    assert account_result("absent", ROLE, plan(), role_result, None, False)["outcome"] == "unchanged"


def test_two_modules_results_make_one_changed_flag_a_list_of_diffs_and_all_warnings() -> None:
    removed = {"changed": True, "diff": {"before": {"c": 1}, "after": {}}, "warnings": ["w1"]}
    role = {"changed": False, "diff": {"before": {"r": 1}, "after": {"r": 1}}, "warnings": ["w2"]}
    assert passed_on(removed, role) == {
        "changed": True,
        "diff": [removed["diff"], role["diff"]],
        "warnings": ["w1", "w2"],
    }
    # No connector removed (None): the role's diff alone, not a list.
    assert passed_on(None, role) == {"changed": False, "diff": role["diff"], "warnings": ["w2"]}


def test_a_module_failure_keeps_its_message_and_the_ownership_the_rescue_reports() -> None:
    failure = {"failed": True, "msg": "role is foreign", "ownership": "foreign", "invocation": {"module_args": {}}}
    assert module_failure(failure, plan()) == {
        "failed": True,
        "msg": "role is foreign",
        "ownership": "foreign",
        "role_arn": ARN,
    }


# --- the task: which module runs, in which order, and when none does ---------------------------------------------


class RecordingAction(ActionModule):
    """The action with its module runs recorded and answered (the modules have tests of their own)."""

    def __init__(
        self,
        args: dict[str, Any],
        answers: dict[str, dict[str, Any]],
        transport: str = "local",
        become: bool = False,
    ):
        task = Task()
        task.args = args
        loader = DataLoader()
        # The action needs no connection: a stand-in whose transport and temporary directory are known.
        connection = SimpleNamespace(transport=transport, _shell=SimpleNamespace(tmpdir="/tmp"))
        play_context = PlayContext()
        play_context.become = become
        super().__init__(task, connection, play_context, loader, Templar(loader=loader), None)
        self.answers, self.calls, self.ran_in = answers, [], []

    def _execute_module(self, module_name: Any = None, module_args: Any = None, **kwargs: Any) -> dict[str, Any]:
        self.ran_in.append("module")
        return self._answer(module_name, module_args)

    def _run_in_worker(
        self, module: str, main: Any, options: dict[str, Any], task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        self.ran_in.append("worker")
        return self._answer(module, options)

    def _answer(self, module: str, options: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((module, options))
        return self.answers.get(module, {"changed": False})


ROLE_RESULT = {"changed": True, "ownership": "created", "role": {"arn": ARN}, "diff": {"before": {}, "after": {}}}
AWS = {"access_key": "AKIASBX", "secret_key": "not-shown"}


def test_a_stopped_account_fails_with_its_reason_before_any_module_runs() -> None:
    action = RecordingAction({"plan": plan(stop_reason="cloudtrail_role_name is wrong")}, {})
    result = action.run(task_vars={})
    assert (result["failed"], result["msg"], action.calls) == (True, "cloudtrail_role_name is wrong", [])


def test_a_converged_account_runs_the_role_module_only_and_is_published() -> None:
    action = RecordingAction({"plan": plan(), "role": ROLE, "aws": AWS}, {ROLE_MODULE: ROLE_RESULT})
    result = action.run(task_vars={})
    assert [call[0] for call in action.calls] == [ROLE_MODULE]
    assert action.calls[0][1]["secret_key"] == "not-shown"
    assert (result["changed"], result["outcome"], result["connector_id"]) == (True, "created", CONNECTOR["name"])
    assert "not-shown" not in repr(result) and "pending" not in result


def test_an_account_whose_connector_must_be_written_is_left_pending_with_its_role_arn() -> None:
    args = {"plan": plan(connector={}, connector_converged=False, step="present"), "role": ROLE}
    result = RecordingAction(args, {ROLE_MODULE: ROLE_RESULT}).run(task_vars={})
    assert (result["pending"], result["role_arn"], result["ownership"], result["changed"]) == (
        True,
        ARN,
        "created",
        True,
    )
    assert "outcome" not in result


def test_offboarding_removes_the_connector_before_the_role() -> None:
    args = {
        "plan": plan(step="absent", connector_to_remove=True),
        "state": "absent",
        "role": ROLE,
        "connector_id": CONNECTOR["name"],
        "azure": {"workspace_name": "law-sentinel"},
    }
    answers = {CONNECTOR_MODULE: {"changed": True}, ROLE_MODULE: {"changed": True, "ownership": "managed"}}
    action = RecordingAction(args, answers)
    result = action.run(task_vars={})
    assert [call[0] for call in action.calls] == [CONNECTOR_MODULE, ROLE_MODULE]
    assert action.calls[0][1] == {
        "workspace_name": "law-sentinel",
        "aws_role_arn": ARN,
        "state": "absent",
        "connector_id": CONNECTOR["name"],
    }
    assert (result["outcome"], result["changed"]) == ("removed", True)


def test_a_connector_that_could_not_be_removed_keeps_the_role() -> None:
    args = {"plan": plan(connector_to_remove=True), "state": "absent", "role": ROLE}
    action = RecordingAction(args, {CONNECTOR_MODULE: {"failed": True, "msg": "ARM said no"}})
    result = action.run(task_vars={})
    assert (result["failed"], result["msg"]) == (True, "ARM said no")
    assert [call[0] for call in action.calls] == [CONNECTOR_MODULE]


def test_a_role_the_module_refuses_fails_the_account_with_the_modules_message() -> None:
    refusal = {"failed": True, "msg": "role MicrosoftSentinelRole is not Sentinel's", "ownership": "foreign"}
    result = RecordingAction({"plan": plan(), "role": ROLE}, {ROLE_MODULE: refusal}).run(task_vars={})
    assert (result["failed"], result["msg"], result["ownership"]) == (True, refusal["msg"], "foreign")


def test_the_batch_write_publishes_the_account_or_fails_it_without_running_a_module() -> None:
    registered = {"changed": True, "pending": True, "ownership": "created", "role_arn": ARN}
    written = {"changed": True, "connector": CONNECTOR, "failed": False, "msg": ""}
    args = {"plan": plan(connector={}), "role": ROLE, "written": written, "registered": registered}
    action = RecordingAction(args, {})
    result = action.run(task_vars={})
    assert (result["changed"], result["outcome"], result["connector_id"], action.calls) == (
        True,
        "created",
        CONNECTOR["name"],
        [],
    )
    refused = dict(args, written={"changed": False, "connector": {}, "failed": True, "msg": "429 too many"})
    failed = RecordingAction(refused, {}).run(task_vars={})
    assert (failed["failed"], failed["msg"], failed["ownership"]) == (True, "429 too many", "created")


def test_a_missing_plan_is_refused_naming_it() -> None:
    # Ansible's task executor turns AnsibleActionFail into the task's failure with this message.
    with pytest.raises(AnsibleActionFail, match="missing required arguments: plan"):
        RecordingAction({"role": ROLE}, {}).run(task_vars={})


# --- where connector_role runs: in the worker when it would run on this machine as this user ---------------------


def test_the_role_module_runs_in_the_worker_on_a_local_connection_and_data_connector_as_a_module() -> None:
    args = {"plan": plan(connector_to_remove=True), "state": "absent", "role": ROLE}
    action = RecordingAction(args, {})
    action.run(task_vars={})
    assert list(zip([call[0] for call in action.calls], action.ran_in, strict=True)) == [
        (CONNECTOR_MODULE, "module"),
        (ROLE_MODULE, "worker"),
    ]


@pytest.mark.parametrize(
    "in_process, transport, become",
    [(False, "local", False), (True, "ssh", False), (True, "local", True)],
    ids=["turned off", "remote connection", "become"],
)
def test_the_role_module_runs_as_a_module_when_turned_off_remote_or_with_become(
    in_process: bool, transport: str, become: bool
) -> None:
    args = {"plan": plan(), "role": ROLE, "in_process": in_process}
    action = RecordingAction(args, {ROLE_MODULE: ROLE_RESULT}, transport=transport, become=become)
    assert action.run(task_vars={})["outcome"] == "created"
    assert action.ran_in == ["module"]


def test_without_boto3_in_the_controllers_python_the_role_module_runs_as_a_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The plugin decides when it is loaded: loaded again with boto3 missing, it keeps no module to run in the worker.
    monkeypatch.setattr(amazon_botocore, "HAS_BOTO3", False)
    importlib.reload(action_plugin)
    try:
        action = RecordingAction({"plan": plan(), "role": ROLE}, {ROLE_MODULE: ROLE_RESULT})
        assert action.run(task_vars={})["outcome"] == "created"
        assert action.ran_in == ["module"]
    finally:
        monkeypatch.undo()
        importlib.reload(action_plugin)
    assert ROLE_MODULE in action_plugin.IN_PROCESS_MAINS
