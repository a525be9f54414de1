# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The accounts of an AWS Organization as inventory hosts: pure functions, no AWS call.

The inventory plugin ``sentinel.aws.organizations`` reads the organization's tree (roots, OUs,
accounts per parent, tags) and gives it here as plain data; these functions work out each
account's OU path, which accounts the filters select, and their host variables.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import re
from typing import Any, Dict, List, Optional

from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

# AWS Organizations' ID formats (Organizations API reference, OrganizationalUnit.Id and Root.Id):
# an OU is ou-<4 to 32 of [0-9a-z]>-<8 to 32 of [0-9a-z]>, a root r-<4 to 32 of [0-9a-z]>.
OU_ID_PATTERN = re.compile(r"^(?:ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})\Z")
# What the cloudtrail role reads the account from, plus sentinel-neutral names for other roles.
ACCOUNT_VARIABLES = ("cloudtrail_aws_account_id", "aws_account_id")


def ou_path(names: List[str]) -> str:
    """The path of an OU from the root's children down, as AWS's console shows it: /Workloads/Prod (the root is /)."""
    return "/" + "/".join(names)


def normalise_ou_path(option: str, path: str) -> str:
    """A path as the user wrote it (with or without the leading or trailing /) in the form ou_path gives."""
    if not isinstance(path, str) or not path.strip("/ ") and path.strip() != "/":
        raise InvalidInput("%s: an OU path looks like /Workloads/Prod (or / for the root), got %r" % (option, path))
    return ou_path([part for part in path.strip().strip("/").split("/") if part])


def parse_ou_filters(option: str, values: List[str]) -> List[Dict[str, str]]:
    """Each OU filter as {"id": ...} (an OU or root ID) or {"path": ...}, or InvalidInput naming it."""
    filters = []
    for value in values or []:
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(
                "%s: each entry is an OU ID (ou-..., r-...) or an OU path (/Workloads/Prod), got %r" % (option, value)
            )
        if value.startswith(("ou-", "r-")):
            if not OU_ID_PATTERN.match(value):
                raise InvalidInput(
                    "%s: %r is not an OU ID (ou-<4-32 characters>-<8-32 characters>) or root ID (r-...)"
                    % (option, value)
                )
            filters.append({"id": value})
        else:
            filters.append({"path": normalise_ou_path(option, value)})
    return filters


def in_ou(account: Dict[str, Any], ou_filter: Dict[str, str], recursive: bool) -> bool:
    """Whether the account is in the OU the filter names, or below it when recursive."""
    if "id" in ou_filter:
        chain = account["ou_ids"]  # from the root down to the account's own parent
        return chain[-1] == ou_filter["id"] if not recursive else ou_filter["id"] in chain
    wanted, path = ou_filter["path"], account["ou_path"]
    if path == wanted:
        return True
    return recursive and (wanted == "/" or path.startswith(wanted + "/"))


def tag_value(value: Any) -> str:
    """A wanted tag value as text: YAML's unquoted true/false mean the values "true"/"false", not "True"."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def tags_match(tags: Dict[str, str], wanted: Dict[str, Any]) -> bool:
    """Every wanted key is on the account; a value (or any of a list of values) must match, None means any value."""
    for key, value in (wanted or {}).items():
        if key not in tags:
            return False
        if value is None:
            continue
        allowed = value if isinstance(value, list) else [value]
        if tags[key] not in [tag_value(v) for v in allowed]:
            return False
    return True


def _named(account: Dict[str, Any], names: List[str]) -> bool:
    return account["id"] in names or account["name"] in names


def select_accounts(accounts: List[Dict[str, Any]], filters: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The accounts every filter keeps, sorted by account ID.

    ``filters``: ``statuses`` (list), ``ous`` (from parse_ou_filters; any of them), ``recursive``,
    ``tags`` (tags_match), ``include`` (account IDs or names, added whatever the other filters say
    except status), ``exclude`` (IDs or names, always left out).
    """
    statuses = filters.get("statuses") or []
    include = [str(v) for v in filters.get("include") or []]
    exclude = [str(v) for v in filters.get("exclude") or []]
    selected = []
    for account in accounts:
        if statuses and account["status"] not in statuses or _named(account, exclude):
            continue
        ous = filters.get("ous") or []
        in_scope = not ous or any(in_ou(account, f, filters.get("recursive", True)) for f in ous)
        if _named(account, include) or in_scope and tags_match(account["tags"], filters.get("tags") or {}):
            selected.append(account)
    return sorted(selected, key=lambda a: a["id"])


def account_status(described: Dict[str, Any]) -> str:
    """The account's state: ``State`` (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED), else the older ``Status``.

    Organizations added ``State`` in 2025 and deprecated ``Status`` (Organizations API reference, Account).
    """
    return str(described.get("State") or described.get("Status") or "")


def account_record(
    described: Dict[str, Any], tags: Dict[str, str], ou_ids: List[str], ou_names: List[str]
) -> Dict[str, Any]:
    """An account as the filters and host variables use it, from ListAccountsForParent's entry."""
    return {
        "id": described["Id"],
        "name": described.get("Name", ""),
        "email": described.get("Email", ""),
        "arn": described.get("Arn", ""),
        "status": account_status(described),
        "tags": dict(tags),
        "ou_ids": list(ou_ids),
        "ou_path": ou_path(ou_names),
    }


def host_name(account: Dict[str, Any], hostname: str) -> str:
    """The inventory host of an account: its ID (unique, the default) or its name."""
    return account["id"] if hostname == "account_id" else account["name"]


def host_vars(account: Dict[str, Any]) -> Dict[str, Any]:
    """The variables of an account's host: the cloudtrail role's, and neutral aws_* names."""
    variables: Dict[str, Any] = dict((name, account["id"]) for name in ACCOUNT_VARIABLES)
    variables.update(
        aws_account_name=account["name"],
        aws_account_email=account["email"],
        aws_account_arn=account["arn"],
        aws_account_status=account["status"],
        aws_account_tags=dict(account["tags"]),
        aws_ou_path=account["ou_path"],
        aws_ou_id=account["ou_ids"][-1] if account["ou_ids"] else None,
    )
    return variables


def duplicate_names(accounts: List[Dict[str, Any]]) -> Optional[str]:
    """An account name that two selected accounts share (hosts named by name would merge), or None."""
    seen: Dict[str, str] = {}
    for account in accounts:
        if account["name"] in seen:
            return account["name"]
        seen[account["name"]] = account["id"]
    return None
