"""s3_connector_role: documentation and argument spec agree; bad input fails before any AWS call."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import json

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sentinel.aws.plugins.modules import s3_connector_role

DOC = yaml.safe_load(s3_connector_role.DOCUMENTATION)
OWN_OPTIONS = DOC["options"]  # without the fragments


def test_every_option_is_documented_with_the_same_type_default_aliases_choices():
    spec = s3_connector_role.argument_spec()
    assert set(spec) == set(OWN_OPTIONS) | {"tags", "purge_tags"}
    for name, documented in OWN_OPTIONS.items():
        option = spec[name]
        for key in ("type", "default", "choices", "elements"):
            assert option.get(key) == documented.get(key), (name, key)
        assert option.get("aliases", []) == documented.get("aliases", []), name
        assert bool(option.get("required")) == bool(documented.get("required")), name


def test_examples_and_return_are_yaml():
    assert yaml.safe_load(s3_connector_role.EXAMPLES)
    returned = yaml.safe_load(s3_connector_role.RETURN)
    assert {"role", "ownership", "role_deleted", "left_behind", "diff"} <= set(returned)
    assert "session_names" in returned["role"]["contains"]


def run_main(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            s3_connector_role.main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "args,message",
    [
        ({"workspace_id": "nope"}, "workspace_id must be a GUID"),
        (
            {"name": "SentinelRole", "workspace_id": "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c"},
            "name must start with OIDC_",
        ),
        ({}, "workspace_id or session_names is required when state=present"),
        (
            {"workspace_id": "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c", "region": "us-gov-west-1"},
            "aws_partition is 'aws' but the region 'us-gov-west-1' is in the AWS partition 'aws-us-gov'",
        ),
        (
            {"workspace_id": "2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c", "session_names": ["MicrosoftSentinel_x"]},
            "mutually exclusive: workspace_id|session_names",
        ),
    ],
)
def test_bad_input_fails_before_a_client_exists(args, message, capsys, monkeypatch):
    # An unreachable endpoint: reaching AWS would fail with a connection error, not this message.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    result = run_main(dict(args, access_key="AKIAUNITTEST", secret_key="unit-test-secret-value"), capsys)
    assert result["failed"] and message in result["msg"], result["msg"]
