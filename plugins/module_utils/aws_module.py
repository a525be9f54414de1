# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run every AWS module of the collection shares: credentials, errors, warnings, diff, exit."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import os
from collections.abc import Callable
from collections.abc import Iterable

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput


def session_token_fallback(params: dict, environ: dict) -> str | None:
    """The session token to use when none was given: ``AWS_SECURITY_TOKEN``.

    Older AWX credentials inject only that name, and amazon.aws 10 stopped reading it; keys from
    the environment without their token would fail with a confusing signature error.
    """
    if params.get("session_token") or params.get("profile") or not params.get("access_key"):
        return None
    return environ.get("AWS_SECURITY_TOKEN") or None


def warn(module: object, warnings: Iterable[str]) -> None:
    """Report ``warnings`` through AnsibleModule.warn, not AnsibleAWSModule.warn.

    amazon.aws 10's own warn also copies its warnings into the result, which ansible-core 2.19
    reports as a deprecated use of exit_json.
    """
    for warning in warnings:
        module._module.warn(warning)


def run_module(
    module: object,
    run: Callable[[], dict],
    refused: tuple[type[Exception], ...] = (InvalidInput,),
) -> None:
    """Run ``run()`` for ``module`` and end the module with its result.

    ``run`` checks the options, makes the clients and ensures the state; it returns the result
    with the keys ``diff`` and, optionally, ``warnings``. A ``refused`` exception fails the task
    with its message; an AWS error fails it with its error code. The diff is returned only in
    diff mode.
    """
    token = session_token_fallback(module.params, os.environ)
    if token:
        module.params["session_token"] = token
    try:
        result = run()
    except refused as e:
        module.fail_json(msg=str(e))
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    warn(module, result.pop("warnings", []))
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)
