"""connector_role: documentation and argument spec agree; bad input fails before any AWS call."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import json

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sentinel.aws.plugins.modules import connector_role

DOC = yaml.safe_load(connector_role.DOCUMENTATION)
OWN_OPTIONS = DOC["options"]  # without the amazon.aws fragments, which AnsibleAWSModule adds


def test_every_option_is_documented_with_the_same_type_default_aliases_choices():
    spec = connector_role.argument_spec()
    # tags/purge_tags come from the amazon.aws.tags fragment
    assert set(spec) == set(OWN_OPTIONS) | {"tags", "purge_tags"}
    for name, documented in OWN_OPTIONS.items():
        option = spec[name]
        assert option["type"] == documented["type"], name
        assert option.get("default") == documented.get("default"), name
        assert option.get("aliases", []) == documented.get("aliases", []), name
        assert option.get("choices") == documented.get("choices"), name
        assert option.get("elements") == documented.get("elements"), name
        assert bool(option.get("required")) == bool(documented.get("required")), name


def test_examples_and_return_are_yaml():
    assert yaml.safe_load(connector_role.EXAMPLES)
    assert "role" in yaml.safe_load(connector_role.RETURN)


def run_main(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            connector_role.main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "args,message",
    [
        ({"name": "r", "external_id": "nope"}, "external_id must be a GUID"),
        (
            {"name": "r", "external_id": "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c", "region": "us-gov-east-1"},
            "supports only AWS commercial",
        ),
    ],
)
def test_bad_input_fails_before_a_client_exists(args, message, capsys, monkeypatch):
    # An unreachable endpoint: reaching AWS would fail with a connection error, not this message.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    result = run_main(dict(args, access_key="AKIAUNITTEST", secret_key="unit-test-secret-value"), capsys)
    assert result["failed"] and message in result["msg"]
