"""oidc_provider: documentation and argument spec agree; bad input fails before any AWS call."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import json

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import PARTITIONS
from ansible_collections.sentinel.aws.plugins.modules import oidc_provider

DOC = yaml.safe_load(oidc_provider.DOCUMENTATION)


@pytest.mark.parametrize("name", sorted(oidc_provider.argument_spec()))
def test_every_option_is_documented_with_the_same_type_default_aliases_choices(name):
    option, documented = oidc_provider.argument_spec()[name], DOC["options"][name]
    for key in ("type", "default", "choices", "elements"):
        assert option.get(key) == documented.get(key), key
    assert option.get("aliases", []) == documented.get("aliases", [])


def test_only_the_argument_spec_options_are_documented_and_the_partitions_are_s3_connectors():
    assert set(DOC["options"]) == set(oidc_provider.argument_spec())
    assert DOC["options"]["aws_partition"]["choices"] == list(PARTITIONS)


def test_examples_and_return_are_yaml_and_return_has_the_interface_keys():
    assert yaml.safe_load(oidc_provider.EXAMPLES)
    keys = set(yaml.safe_load(oidc_provider.RETURN))
    assert {"arn", "url", "client_ids", "ownership", "in_use_by"} <= keys


@pytest.mark.parametrize(
    "args,message",
    [
        ({"aws_partition": "aws-us-gov", "region": "us-east-1"}, "aws_partition is 'aws-us-gov' but the region"),
        ({"aws_account_id": "1234"}, "aws_account_id must be an AWS account ID of exactly 12 digits"),
        ({"tags": {"aws:owner": "x"}}, "tags keys must not start with the reserved prefix 'aws:'"),
    ],
)
def test_bad_input_fails_before_any_call(args, message, capsys, monkeypatch):
    # An unreachable endpoint: reaching AWS would fail with a connection error, not this message.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with patch_module_args(dict(args, access_key="AKIAUNITTEST", secret_key="unit-test-secret-value")):
        with pytest.raises(SystemExit):
            oidc_provider.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and message in result["msg"]
