# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() inside the action's worker, where its connection is the controller itself.

A module task on the controller costs Ansible more than its API calls: the AnsiballZ payload, a new
Python interpreter and its imports (boto3 and botocore), about a quarter of a second of CPU per
account (benchmarks/README.md, issue 17). When the action's connection is local, running the
module's own main() in the action's worker gives the same result without that cost: the same
AnsibleModule (argument spec, check mode, diff, no_log scrubbing), fed its arguments and answering
on its standard output as it would in a child process. ansible.netcommon runs network modules in
the worker the same way. The modules' imports are made when the action plugin is first loaded, by
the strategy in the controller's main process, so every worker forked from it has them already.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import contextlib
import io
import json
import os
from typing import Any, Callable, ContextManager, Dict, Iterator, Mapping

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_messages

try:
    from ansible.module_utils import _internal as module_utils_internal
except ImportError:  # ansible-core < 2.18
    module_utils_internal = None

# The serialisation profile of a module's input and output since ansible-core 2.19 (none before):
# the one ansible-core gives modules that do not ask for another.
PROFILE = "legacy"
HAS_PROFILES = hasattr(basic, "_ANSIBLE_PROFILE")


def encode_arguments(arguments: Mapping[str, Any]) -> bytes:
    """The module's input as AnsibleModule reads it from its standard input."""
    wrapped = {"ANSIBLE_MODULE_ARGS": dict(arguments)}
    if HAS_PROFILES:
        from ansible.module_utils.common.json import Direction, get_module_encoder

        return json.dumps(wrapped, cls=get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE)).encode()
    return json.dumps(wrapped).encode()


@contextlib.contextmanager
def swapped(namespace: Any, values: Mapping[str, Any]) -> Iterator[None]:
    """``namespace``'s attributes set to ``values`` for the time of the block, then put back."""
    saved = {name: getattr(namespace, name) for name in values}
    for name, value in values.items():
        setattr(namespace, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(namespace, name, value)


def module_input(arguments: Mapping[str, Any]) -> ContextManager[None]:
    """AnsibleModule instances made inside read ``arguments`` instead of standard input."""
    values = {"_ANSIBLE_ARGS": encode_arguments(arguments)}
    if HAS_PROFILES:
        values["_ANSIBLE_PROFILE"] = PROFILE
    return swapped(basic, values)


def as_module() -> ContextManager[None]:
    """module_utils behave as in a module's process: since ansible-core 2.19 they tell the controller
    from a module, and on the controller they show a warning at once instead of returning it with
    the module's result (which then names no host) and serialise for controller plugins."""
    if not hasattr(module_utils_internal, "is_controller"):  # before 2.19, they do not tell them apart
        return contextlib.nullcontext()
    return swapped(module_utils_internal, {"is_controller": False})


def own_messages() -> ContextManager[None]:
    """The module's warnings and deprecations start empty, as in a new process, and are not left behind.

    AnsibleModule reports the ones recorded in module_utils' globals (a list before ansible-core
    2.19, a dict since), which a worker that runs a loop would otherwise carry from item to item.
    """
    names = ("_global_warnings", "_global_deprecations")
    return swapped(module_messages, {name: type(getattr(module_messages, name))() for name in names})


@contextlib.contextmanager
def environment(variables: Mapping[str, Any]) -> Iterator[None]:
    """The task's environment, as a module in a child process would have it, for the time of the run."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update({name: str(value) for name, value in variables.items()})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_main(main: Callable[[], None], arguments: Mapping[str, Any], variables: Mapping[str, Any]) -> Dict[str, Any]:
    """Run ``main`` as a module would run; its standard output and exit code, as a command's result.

    AnsibleModule ends with sys.exit after printing its JSON result; any other exception is the
    module's crash, reported as a child process's would be (its type and message on stderr, rc 1).
    """
    output = io.StringIO()
    result: Dict[str, Any] = {"rc": 0, "stderr": ""}
    with module_input(arguments), as_module(), own_messages(), environment(variables):
        with contextlib.redirect_stdout(output):
            try:
                main()
            except SystemExit as ended:
                # sys.exit() and sys.exit(0) succeed; a message instead of a code fails, as in a process.
                result["rc"] = ended.code if isinstance(ended.code, int) else int(ended.code is not None)
            except Exception as crash:  # pylint: disable=broad-exception-caught
                result.update(rc=1, stderr="%s: %s" % (type(crash).__name__, crash))
    result["stdout"] = output.getvalue()
    return result
