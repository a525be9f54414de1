"""s3_log_queue and s3_notification: documentation and argument spec agree; bad input fails before any AWS call."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import json

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sentinel.aws.plugins.modules import s3_log_queue, s3_notification

MODULES = [s3_log_queue, s3_notification]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_option_is_documented_with_the_same_type_default_choices(module):
    documented_options = yaml.safe_load(module.DOCUMENTATION)["options"]
    spec = module.argument_spec()
    assert set(spec) == set(documented_options)
    for name, documented in documented_options.items():
        option = spec[name]
        for key in ("type", "default", "choices", "elements"):
            assert option.get(key) == documented.get(key), (name, key)
        assert bool(option.get("required")) == bool(documented.get("required")), name
    assert yaml.safe_load(module.EXAMPLES)
    assert yaml.safe_load(module.RETURN)


@pytest.mark.parametrize(
    "module,args,message",
    [
        (s3_log_queue, {"name": "q.fifo", "bucket": "logs-bucket"}, "name must be an SQS standard queue name"),
        (s3_notification, {"bucket": "logs-bucket", "id": "cloudtrail"}, "id must start with sentinel-aws-"),
    ],
)
def test_bad_input_fails_before_any_client_is_made(module, args, message, capsys):
    with patch_module_args(dict(args, region="us-east-1")):
        with pytest.raises(SystemExit):
            module.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and message in result["msg"]
