"""The queries ingestion_info's documentation shows are the ones it runs (analysts paste them)."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import yaml

from ansible_collections.sentinel.aws.plugins.module_utils import ingestion
from ansible_collections.sentinel.aws.plugins.modules import ingestion_info


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_documented_queries_are_the_module_queries():
    description = yaml.safe_load(ingestion_info.DOCUMENTATION)["description"]
    documented = [one_line(line) for line in description if line.startswith(("AWSCloudTrail |", "SentinelHealth |"))]
    assert documented == [
        one_line(ingestion.events_query(["123456789012"], 120)),
        one_line(ingestion.health_query()),
        one_line(ingestion.failures_query(120)),
    ]


def test_documented_defaults_are_the_argument_spec():
    options = yaml.safe_load(ingestion_info.DOCUMENTATION)["options"]
    for name in ("window_minutes", "waiting_minutes"):
        assert options[name]["default"] == ingestion_info.ARGUMENT_SPEC[name]["default"]
    assert options["window_minutes"]["default"] == 120  # the window of the documented queries
