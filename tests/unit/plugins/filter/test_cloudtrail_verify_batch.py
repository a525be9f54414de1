from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_verify_batch import cloudtrail_verify_batch

STARTED = "2026-11-30T06:00:00Z"


def host(account: str, outcome: str = "created", verify: bool = True, workspace: str = "w1", **extra) -> dict:
    connector = dict(aws_account_id=account, connector_id="c-" + account, workspace_id=workspace, outcome=outcome)
    return {"cloudtrail__account": {"verify": verify}, "cloudtrail_connector": {**connector, **extra}}


def test_accounts_to_verify_grouped_by_workspace_new_connectors_dated() -> None:
    hostvars = {
        "a": host("111111111111"),
        "b": host("222222222222", outcome="unchanged", workspace="w2"),
        "c": host("333333333333", outcome="failed"),
        "d": host("444444444444", verify=False),
        "e": host("555555555555", ingestion={"verdict": "receiving"}),
        "f": {"cloudtrail__account": {"verify": True}},  # failed before publishing
    }
    assert cloudtrail_verify_batch(list(hostvars), hostvars, STARTED) == [
        {
            "workspace_id": "w1",
            "accounts": [dict(aws_account_id="111111111111", connector_id="c-111111111111", connected_at=STARTED)],
        },
        {"workspace_id": "w2", "accounts": [dict(aws_account_id="222222222222", connector_id="c-222222222222")]},
    ]
