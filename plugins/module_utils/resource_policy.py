# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our statements inside a resource policy shared with others (a bucket policy, a key policy).

Pure functions on plain data. The collection's statements are the ones whose Sid carries
s3_connector.OWNED_SID_PREFIX; every other statement, the other top-level elements (Version, Id)
and the order of all of them stay exactly as they were. Statements are compared after
normalising what IAM's grammar treats as the same: a one-item list and its single value, and the
order of the values of Principal, Action, Resource and of each condition (IAM user guide, "IAM
JSON policy elements": these are sets, a condition's values an any-of list).
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import json

from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import is_owned_sid

POLICY_VERSION = "2012-10-17"
# Elements whose value is a set of strings (or of principal lists, for Principal).
_SET_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")
_PRINCIPAL_ELEMENTS = ("Principal", "NotPrincipal")


class InvalidPolicy(ValueError):
    """A stored policy this module cannot read safely: it refuses rather than rewrite it."""


def parse_policy(text: str | None) -> dict | None:
    """The stored policy as a dict, None for no policy; InvalidPolicy for anything but a JSON policy object."""
    if text is None or not text.strip():
        return None
    try:
        document = json.loads(text)
    except ValueError as e:
        raise InvalidPolicy("the policy is not valid JSON (%s)" % e) from e
    if not isinstance(document, dict):
        raise InvalidPolicy("the policy is not a JSON object")
    statements = document.get("Statement", [])
    if not isinstance(statements, (list, dict)) or not all(isinstance(s, dict) for s in _as_list(statements)):
        raise InvalidPolicy("the policy's Statement is not a statement object or a list of them")
    return document


def statements_of(document: dict | None) -> list:
    """The Statement element as a list (IAM accepts a single statement object too)."""
    return _as_list((document or {}).get("Statement"))


def owned_sids(document: dict | None) -> list:
    """The Sids of the collection's statements in ``document``, in order."""
    return [s["Sid"] for s in statements_of(document) if is_owned_sid(s.get("Sid"))]


def merge_statements(document: dict | None, ours: list) -> dict:
    """``document`` with ``ours`` in it, each by its Sid; nothing else changes.

    A statement of ours already there (same Sid) is replaced where it stands, unless it is the same
    after normalising; one that is missing is appended. Statements with other Sids, ours included
    (another role's, another trail's), stay where they are. Two statements with one of our Sids
    are folded into one: AWS wants Sids unique within a policy.
    """
    for statement in ours:
        if not is_owned_sid(statement.get("Sid")):
            raise ValueError("merge_statements only writes statements with the collection's Sid prefix")
    wanted = {s["Sid"]: s for s in ours}
    merged, placed = [], set()
    for statement in statements_of(document):
        sid = statement.get("Sid")
        if sid not in wanted:
            merged.append(statement)
        elif sid not in placed:
            same = same_statement(statement, wanted[sid])
            merged.append(statement if same else wanted[sid])
            placed.add(sid)
    merged += [s for s in ours if s["Sid"] not in placed]
    return _with_statements(document, merged)


def remove_statements(document: dict | None, sids: list | None = None) -> dict | None:
    """``document`` without our statements with these Sids (every one of ours when ``sids`` is None).

    None when no statement is left: an empty policy is deleted, not written (S3 and KMS refuse a
    policy without statements).
    """
    kept = [
        s
        for s in statements_of(document)
        if not (is_owned_sid(s.get("Sid")) and (sids is None or s.get("Sid") in sids))
    ]
    if not kept:
        return None
    return _with_statements(document, kept)


def _with_statements(document: dict | None, statements: list) -> dict:
    """``document`` (or a new one) with these statements, its other elements and their order kept."""
    if document is None:
        return {"Version": POLICY_VERSION, "Statement": statements}
    updated = dict(document)  # keeps the key order: Statement stays where it was
    if "Statement" not in updated and "Version" not in updated:
        updated["Version"] = POLICY_VERSION
    updated["Statement"] = statements
    return updated


def same_policy(left: dict | None, right: dict | None) -> bool:
    """Whether two policies say the same, statement by statement in order; None (no policy) only equals None."""
    if left is None or right is None:
        return left is right
    if {k: v for k, v in left.items() if k != "Statement"} != {k: v for k, v in right.items() if k != "Statement"}:
        return False
    return [normalise_statement(s) for s in statements_of(left)] == [
        normalise_statement(s) for s in statements_of(right)
    ]


def same_statement(left: dict, right: dict) -> bool:
    return normalise_statement(left) == normalise_statement(right)


def normalise_statement(statement: dict) -> dict:
    """A statement in one spelling: sets sorted, one-item lists as the item, action names in lower case."""
    normal = {}
    for key, value in statement.items():
        if key in _SET_ELEMENTS:
            values = _as_list(value)
            # Action names are case-insensitive (IAM user guide, "IAM JSON policy elements: Action").
            normal[key] = _sorted_set(
                [v.lower() if isinstance(v, str) else v for v in values] if "Action" in key else values
            )
        elif key in _PRINCIPAL_ELEMENTS and isinstance(value, dict):
            normal[key] = {kind: _sorted_set(_as_list(names)) for kind, names in value.items()}
        elif key == "Condition" and isinstance(value, dict):
            normal[key] = {
                operator: {k: _sorted_set(_as_list(v)) for k, v in tests.items()} if isinstance(tests, dict) else tests
                for operator, tests in value.items()
            }
        else:
            normal[key] = value
    return normal


def _sorted_set(values: list) -> object:
    """One value as itself, several as a sorted list without repeats (JSON text sorts any value)."""
    unique = {json.dumps(v, sort_keys=True): v for v in values}
    ordered = [unique[k] for k in sorted(unique)]
    return ordered[0] if len(ordered) == 1 else ordered


def dump_policy(document: dict) -> str:
    """The JSON text written to AWS: the elements in the order they have, nothing re-sorted."""
    return json.dumps(document)


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
