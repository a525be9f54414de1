"""A module's main() run in the action's worker: what it reads, what it answers, and what it leaves behind."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import json
import os
import sys
from typing import Any

import pytest

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common import warnings as module_messages
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.plugins.loader import connection_loader
from ansible.template import Templar

from ansible_collections.sentinel.aws.plugins.action.cloudtrail_account import ActionModule
from ansible_collections.sentinel.aws.plugins.plugin_utils.in_process import run_main

SECRET = "s3cr3t-value-never-shown"


def echo_module() -> None:
    """A module that answers its options, the check mode and one environment variable, with a warning."""
    module = AnsibleModule(
        argument_spec=dict(name=dict(type="str", required=True), token=dict(type="str", no_log=True)),
        supports_check_mode=True,
    )
    module.warn("warned about %s" % module.params["name"])
    module.exit_json(
        changed=not module.check_mode,
        name=module.params["name"],
        check_mode=module.check_mode,
        region=os.environ.get("SENTINEL_AWS_TEST_REGION"),
        echoed_token=module.params["token"],
    )


def failing_module() -> None:
    module = AnsibleModule(argument_spec=dict(token=dict(type="str", no_log=True)))
    module.fail_json(msg="refused with token %s" % module.params["token"])


def crashing_module() -> None:
    raise RuntimeError("a bug in the module")


def answer(returned: dict[str, Any]) -> dict[str, Any]:
    return json.loads(returned["stdout"])


def test_the_module_reads_its_arguments_and_the_environment_and_answers_on_its_output() -> None:
    returned = run_main(
        echo_module,
        {"name": "role", "token": SECRET, "_ansible_check_mode": True},
        {"SENTINEL_AWS_TEST_REGION": "eu-west-1"},
    )
    result = answer(returned)
    assert returned["rc"] == 0
    assert (result["name"], result["check_mode"], result["changed"]) == ("role", True, False)
    assert result["region"] == "eu-west-1" and "warned about role" in str(result["warnings"])
    # AnsibleModule's own no_log scrubbing applies, as in a child process.
    assert SECRET not in returned["stdout"]


def test_nothing_is_left_behind_neither_arguments_nor_environment_nor_warnings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before_args = basic._ANSIBLE_ARGS  # pylint: disable=protected-access
    monkeypatch.delenv("SENTINEL_AWS_TEST_REGION", raising=False)
    monkeypatch.setenv("SENTINEL_AWS_TEST_PROFILE", "controller")
    first = answer(
        run_main(
            echo_module,
            {"name": "first"},
            {"SENTINEL_AWS_TEST_REGION": "eu-west-1", "SENTINEL_AWS_TEST_PROFILE": "task"},
        )
    )
    assert first["region"] == "eu-west-1"
    assert basic._ANSIBLE_ARGS is before_args  # pylint: disable=protected-access
    # A variable the controller did not have is gone again; one it had is back to its own value.
    assert "SENTINEL_AWS_TEST_REGION" not in os.environ
    assert os.environ["SENTINEL_AWS_TEST_PROFILE"] == "controller"
    assert not module_messages.get_warning_messages()
    # A second run in the same worker (a loop) reports its own warning only.
    second = answer(run_main(echo_module, {"name": "second"}, {}))
    assert "first" not in str(second["warnings"]) and "second" in str(second["warnings"])


def test_a_failing_module_exits_non_zero_with_its_message_scrubbed() -> None:
    returned = run_main(failing_module, {"token": SECRET}, {})
    result = answer(returned)
    assert returned["rc"] == 1 and result["failed"] is True
    assert result["msg"].startswith("refused with token") and SECRET not in returned["stdout"]


def test_wrong_arguments_are_refused_by_the_modules_argument_spec() -> None:
    result = answer(run_main(echo_module, {"token": "x"}, {}))
    assert result["failed"] is True and "missing required arguments: name" in result["msg"]


def test_a_crash_is_reported_as_a_child_processs_would_be() -> None:
    returned = run_main(crashing_module, {}, {})
    assert (returned["rc"], returned["stdout"]) == (1, "")
    assert returned["stderr"] == "RuntimeError: a bug in the module"


@pytest.mark.parametrize("code, rc", [(None, 0), (0, 0), (3, 3), ("ended with a message", 1)])
def test_the_exit_code_is_the_one_a_process_would_end_with(code: Any, rc: int) -> None:
    def exiting_module() -> None:
        sys.exit(code)

    assert run_main(exiting_module, {}, {})["rc"] == rc


def test_the_action_runs_the_module_with_the_tasks_environment_check_mode_and_no_internal_keys() -> None:
    task = Task()
    task.environment = [{"SENTINEL_AWS_TEST_REGION": "us-east-2"}]
    task.check_mode = True
    loader = DataLoader()
    play_context = PlayContext()
    connection = connection_loader.get("local", play_context, None)
    action = ActionModule(task, connection, play_context, loader, Templar(loader=loader), None)
    result = action._run_in_worker(  # pylint: disable=protected-access
        "sentinel.test.echo", echo_module, {"name": "role", "token": SECRET}, {}
    )
    assert (result["name"], result["check_mode"], result["region"]) == ("role", True, "us-east-2")
    # As _execute_module leaves it: parsed, and no other internal key.
    assert result["changed"] is False and [key for key in result if key.startswith("_ansible")] == ["_ansible_parsed"]
    assert SECRET not in repr(result)
    assert "SENTINEL_AWS_TEST_REGION" not in os.environ
