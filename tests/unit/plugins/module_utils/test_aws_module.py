"""aws_module: the run every AWS module shares (token fallback, errors, warnings, diff), on a fake module."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import pytest

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.sentinel.aws.plugins.module_utils import aws_module
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import UnsafeTrustPolicy
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput


class Ended(Exception):
    """exit_json and fail_json end the module; the fake ends the test's run the same way."""


class FakeAnsibleModule:
    def __init__(self):
        self.warnings = []

    def warn(self, warning):
        self.warnings.append(warning)


class FakeAWSModule:
    """What run_module uses of AnsibleAWSModule; its own warn is not one of them."""

    def __init__(self, params=None, diff=False):
        self.params = dict(params or {})
        self._diff = diff
        self._module = FakeAnsibleModule()
        self.ended = None

    def exit_json(self, **result):
        self.ended = ("exit", result)
        raise Ended

    def fail_json(self, **result):
        self.ended = ("fail", result)
        raise Ended

    def fail_json_aws_error(self, error):
        self.ended = ("fail_aws", error)
        raise Ended


def run(module, run, **kwargs):
    with pytest.raises(Ended):
        aws_module.run_module(module, run, **kwargs)
    return module.ended


@pytest.mark.parametrize(
    "given,environ,expected",
    [
        ({"access_key": "AK"}, {"AWS_SECURITY_TOKEN": "old"}, "old"),
        ({"access_key": "AK", "session_token": "new"}, {"AWS_SECURITY_TOKEN": "old"}, None),
        ({"access_key": "AK"}, {}, None),
        ({"profile": "p"}, {"AWS_SECURITY_TOKEN": "old"}, None),
        ({}, {"AWS_SECURITY_TOKEN": "old"}, None),
    ],
)
def test_session_token_fallback(given, environ, expected):
    assert aws_module.session_token_fallback(given, environ) == expected


def test_the_token_fallback_is_in_the_params_before_the_run(monkeypatch):
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "old")
    module = FakeAWSModule({"access_key": "AK"})
    seen = []

    def ensure():
        seen.append(module.params.get("session_token"))
        return {"changed": False, "diff": {}}

    run(module, ensure)
    assert seen == ["old"]


def test_warnings_go_through_ansible_module_warn_and_not_into_the_result():
    module = FakeAWSModule()
    assert run(module, lambda: {"changed": True, "warnings": ["w1", "w2"], "diff": {"before": {}}}) == (
        "exit",
        {"changed": True},
    )
    assert module._module.warnings == ["w1", "w2"]


def test_the_diff_is_returned_only_in_diff_mode():
    diff = {"before": {}, "after": {"a": 1}}
    assert run(FakeAWSModule(diff=True), lambda: {"changed": True, "diff": diff}) == (
        "exit",
        {"changed": True, "diff": diff},
    )


def raising(error):
    def ensure():
        raise error

    return ensure


def test_bad_input_fails_with_its_message():
    assert run(FakeAWSModule(), raising(InvalidInput("name: bad"))) == ("fail", {"msg": "name: bad"})


def test_only_the_refused_exceptions_become_a_message():
    module = FakeAWSModule()
    refused = (InvalidInput, UnsafeTrustPolicy)
    assert run(module, raising(UnsafeTrustPolicy("unsafe")), refused=refused) == ("fail", {"msg": "unsafe"})
    with pytest.raises(UnsafeTrustPolicy):
        aws_module.run_module(FakeAWSModule(), raising(UnsafeTrustPolicy("unsafe")))


def test_an_aws_error_keeps_its_error():
    error = AnsibleAWSError(message="Failed to get the queue")
    assert run(FakeAWSModule(), raising(error)) == ("fail_aws", error)
