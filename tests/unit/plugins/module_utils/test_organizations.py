"""The organizations inventory's pure half: OU paths, filters, host names and variables."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils import organizations as org
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

ROOT, WORKLOADS, PROD = "r-ab12", "ou-ab12-11111111", "ou-ab12-22222222"


def account(id_, name, chain, names, status="ACTIVE", tags=None):
    described = {"Id": id_, "Name": name, "Email": name + "@x", "Arn": "arn:" + id_, "State": status}
    return org.account_record(described, tags or {}, chain, names)


ACCOUNTS = [
    account("000000000001", "mgmt", [ROOT], []),
    account("000000000002", "dev", [ROOT, WORKLOADS], ["Workloads"], tags={"env": "dev", "sentinel": "true"}),
    account(
        "000000000003", "prod", [ROOT, WORKLOADS, PROD], ["Workloads", "Prod"], tags={"env": "prod", "sentinel": "true"}
    ),
    account("000000000004", "gone", [ROOT, WORKLOADS, PROD], ["Workloads", "Prod"], status="SUSPENDED"),
]


def names(filters):
    return [a["name"] for a in org.select_accounts(ACCOUNTS, dict({"statuses": ["ACTIVE"]}, **filters))]


def test_ou_paths_from_the_root():
    assert [a["ou_path"] for a in ACCOUNTS] == ["/", "/Workloads", "/Workloads/Prod", "/Workloads/Prod"]
    assert org.normalise_ou_path("o", " Workloads//Prod/ ") == "/Workloads/Prod"
    assert org.normalise_ou_path("o", "/") == "/"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["mgmt", "dev", "prod"]),
        ({"statuses": []}, ["mgmt", "dev", "prod", "gone"]),
        ({"ous": [{"path": "/Workloads"}]}, ["dev", "prod"]),
        ({"ous": [{"path": "/Workloads"}], "recursive": False}, ["dev"]),
        ({"ous": [{"path": "/Work"}]}, []),  # a path prefix of a name is not its parent
        ({"ous": [{"path": "/"}], "recursive": False}, ["mgmt"]),
        ({"ous": [{"id": WORKLOADS}]}, ["dev", "prod"]),
        ({"ous": [{"id": WORKLOADS}], "recursive": False}, ["dev"]),
        ({"ous": [{"id": ROOT}]}, ["mgmt", "dev", "prod"]),
        ({"tags": {"env": "prod"}}, ["prod"]),
        ({"tags": {"env": ["prod", "dev"], "sentinel": None}}, ["dev", "prod"]),
        ({"tags": {"sentinel": True}}, ["dev", "prod"]),  # YAML's unquoted true is the tag value "true"
        ({"tags": {"sentinel": False}}, []),
        ({"tags": {"env": "prod"}, "include": ["mgmt"]}, ["mgmt", "prod"]),
        ({"ous": [{"path": "/Security"}], "include": ["gone"]}, []),  # include does not bring back a status left out
        ({"exclude": ["000000000002", "mgmt"]}, ["prod"]),
        ({"tags": {"env": "x"}, "include": ["dev"], "exclude": ["dev"]}, []),
    ],
)
def test_select_accounts(filters, expected):
    assert names(filters) == expected


def test_ou_filters_are_ids_or_paths_and_bad_ones_are_named():
    assert org.parse_ou_filters("ous", [WORKLOADS, ROOT, "Workloads/Prod"]) == [
        {"id": WORKLOADS},
        {"id": ROOT},
        {"path": "/Workloads/Prod"},
    ]
    for bad in ["ou-AB12-1", "r-", "", "  ", None, "//"]:
        with pytest.raises(InvalidInput, match="^ous: "):
            org.parse_ou_filters("ous", [bad])


def test_status_prefers_state_over_the_deprecated_status():
    assert org.account_status({"State": "CLOSED", "Status": "SUSPENDED"}) == "CLOSED"
    assert org.account_status({"Status": "ACTIVE"}) == "ACTIVE"


def test_host_names_and_variables():
    prod = ACCOUNTS[2]
    assert org.host_name(prod, "account_id") == "000000000003"
    assert org.host_name(prod, "account_name") == "prod"
    variables = org.host_vars(prod)
    assert variables["cloudtrail_aws_account_id"] == variables["aws_account_id"] == "000000000003"
    assert (variables["aws_ou_path"], variables["aws_ou_id"]) == ("/Workloads/Prod", PROD)
    assert variables["aws_account_tags"] == {"env": "prod", "sentinel": "true"}
    assert variables["aws_account_status"] == "ACTIVE"


def test_duplicate_names():
    assert org.duplicate_names(ACCOUNTS) is None
    assert org.duplicate_names(ACCOUNTS + [account("000000000005", "dev", [ROOT], [])]) == "dev"
