# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The trust policy of the role Microsoft Sentinel assumes: build it, guard it, read it.

Pure functions on plain dicts. ``build_trust_policy`` is the only producer of the Sentinel
statement the module writes, and ``require_external_id`` is checked before every write of a
role's trust for a workspace, so a role that any principal of Microsoft's account could assume
without a workspace ID cannot be made. Offboarding only ever removes from a trust policy, which
``require_narrowed`` checks before that write.

``sentinel_external_ids`` recognises a Sentinel statement (Microsoft's documented one, however it
is written); ``split_trust`` sorts a role's statements into Sentinel's workspace IDs and the rest.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import json

from urllib.parse import unquote

from ansible_collections.sentinel.aws.plugins.module_utils.validation import GUID_PATTERN

# The AWS account Sentinel's CloudTrail connector assumes roles from (Azure commercial cloud):
# Microsoft Learn, "Connect Microsoft Sentinel to Amazon Web Services" (design.md, "Facts").
SENTINEL_AWS_ACCOUNT_ID = "197857026523"
POLICY_VERSION = "2012-10-17"
EXTERNAL_ID_KEY = "sts:ExternalId"
ASSUME_ROLE = "sts:AssumeRole"
# The elements a Sentinel statement may have; anything else (NotAction, Resource, ...) makes it
# another statement. Sid is a label with no effect (IAM user guide, "IAM JSON policy elements: Sid").
_SENTINEL_ELEMENTS = {"Sid", "Effect", "Principal", "Action", "Condition"}


class UnsafeTrustPolicy(ValueError):
    """A trust policy that would let the principal assume the role without the external ID."""


def root_principal(account_id: str, partition: str = "aws") -> str:
    return "arn:%s:iam::%s:root" % (partition, account_id)


def build_trust_policy(microsoft_account_id: str, external_ids: list | str, partition: str = "aws") -> dict:
    """The document Microsoft documents for the CloudTrail (legacy) connector, for one or more workspaces.

    Principal is Microsoft's account root, action sts:AssumeRole, and StringEquals on
    sts:ExternalId = the workspace IDs. No MFA condition: Sentinel cannot satisfy one. Several IDs
    are one sorted, lower-case list (IAM treats a list in StringEquals as any-of: IAM user guide,
    "Creating a condition with multiple keys or values"), so runs for workspaces A and B write
    the same document; one ID is written as the plain string Microsoft's page shows.
    """
    ids = sorted({external_id.lower() for external_id in _as_list(external_ids)})
    if not ids:
        raise UnsafeTrustPolicy("the trust policy needs at least one external ID")
    document = {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": root_principal(microsoft_account_id, partition)},
                "Action": ASSUME_ROLE,
                "Condition": {"StringEquals": {EXTERNAL_ID_KEY: ids[0] if len(ids) == 1 else ids}},
            }
        ],
    }
    for external_id in ids:
        require_external_id(document, external_id)
    return document


def require_external_id(document: dict, external_id: str) -> None:
    """Raise UnsafeTrustPolicy unless every Allow statement requires an sts:ExternalId that includes ``external_id``.

    Each Allow statement needs StringEquals on sts:ExternalId whose values are all GUIDs (workspace
    IDs) and include the ID being served. Called on the document right before CreateRole /
    UpdateAssumeRolePolicy: the last line of defence against the "confused deputy" problem the
    external ID exists to prevent.
    """
    if not external_id:
        raise UnsafeTrustPolicy("the trust policy needs a non-empty external ID")
    statements = _as_list(document.get("Statement")) if isinstance(document, dict) else []
    allows = [s for s in statements if isinstance(s, dict) and s.get("Effect") == "Allow"]
    if not allows:
        raise UnsafeTrustPolicy("the trust policy has no Allow statement")
    for statement in allows:
        values = _external_id_values(statement.get("Condition") or {})
        if values is None or external_id not in values or not all(_is_guid(v) for v in values):
            raise UnsafeTrustPolicy(
                "every Allow statement of the trust policy must carry the condition "
                "StringEquals sts:ExternalId with workspace IDs (GUIDs) that include %s" % external_id
            )


def _external_id_values(condition: object) -> list | None:
    """The values of StringEquals sts:ExternalId in ``condition``; None without exactly one such key.

    Condition keys are case-insensitive (IAM user guide, "Condition element"), so two spellings of
    the key are two tests on one key: refused as ambiguous.
    """
    equals = condition.get("StringEquals") if isinstance(condition, dict) else None
    if not isinstance(equals, dict):
        return None
    values = [v for k, v in equals.items() if k.lower() == EXTERNAL_ID_KEY.lower()]
    if len(values) != 1:
        return None
    return _as_list(values[0])


def _is_guid(value: object) -> bool:
    return isinstance(value, str) and bool(GUID_PATTERN.match(value))


def sentinel_external_ids(statement: object, microsoft_account_id: str, partition: str = "aws") -> list | None:
    """The workspace IDs of a Sentinel statement, or None when ``statement`` is something else.

    A Sentinel statement is what Microsoft's procedure makes, however it is written: Effect Allow,
    Principal exactly {"AWS": Microsoft's account root ARN or bare account ID}, Action
    sts:AssumeRole only, and a Condition that is exactly StringEquals on sts:ExternalId with one
    GUID or a list of GUIDs. Any Sid is fine. Single values and one-element lists are the same.
    """
    if not isinstance(statement, dict) or not set(statement) <= _SENTINEL_ELEMENTS:
        return None
    # Action names are case-insensitive (IAM user guide, "IAM JSON policy elements: Action").
    actions = [str(action).lower() for action in _as_list(statement.get("Action"))]
    if statement.get("Effect") != "Allow" or actions != [ASSUME_ROLE.lower()]:
        return None
    principal = statement.get("Principal")
    if not isinstance(principal, dict) or set(principal) != {"AWS"}:
        return None
    accepted = {root_principal(microsoft_account_id, partition), microsoft_account_id}
    names = _as_list(principal["AWS"])
    if not names or not all(isinstance(name, str) and name in accepted for name in names):
        return None
    condition = statement.get("Condition")
    if not isinstance(condition, dict) or set(condition) != {"StringEquals"}:
        return None
    if not isinstance(condition["StringEquals"], dict) or len(condition["StringEquals"]) != 1:
        return None
    values = _external_id_values(condition)
    if not values or not all(_is_guid(v) for v in values):
        return None
    return list(values)


def split_trust(document: dict, microsoft_account_id: str, partition: str = "aws") -> tuple:
    """(sorted workspace IDs of the Sentinel statements, the other statements) of a trust policy."""
    ids, others = set(), []
    for statement in _as_list(document.get("Statement")):
        found = sentinel_external_ids(statement, microsoft_account_id, partition)
        if found is None:
            others.append(statement)
        else:
            ids.update(found)
    return sorted(ids), others


def narrowed_trust_policy(
    document: dict, microsoft_account_id: str, remaining_ids: list, partition: str = "aws"
) -> dict:
    """``document`` with its Sentinel statements replaced by one for ``remaining_ids`` (none: dropped).

    The other statements, and the Version they were written for, stay as they are.
    """
    _ids, others = split_trust(document, microsoft_account_id, partition)
    narrowed = {key: value for key, value in document.items() if key != "Statement"}
    narrowed["Statement"] = list(others)
    if remaining_ids:
        narrowed["Statement"] += build_trust_policy(microsoft_account_id, remaining_ids, partition)["Statement"]
    return narrowed


def require_narrowed(before: dict, after: dict, microsoft_account_id: str, partition: str = "aws") -> None:
    """Raise UnsafeTrustPolicy unless ``after`` only takes away from ``before``.

    Offboarding may drop Sentinel statements and workspace IDs, never add anything: each statement
    of ``after`` is one of ``before`` unchanged, or a Sentinel statement whose IDs ``before``
    already trusted. Checked right before offboarding writes a trust policy, which may keep
    statements sentinel.aws did not write (and so cannot carry its external ID).
    """
    trusted, _others = split_trust(before, microsoft_account_id, partition)
    trusted_lower = {external_id.lower() for external_id in trusted}
    kept = _as_list(before.get("Statement"))
    statements = _as_list(after.get("Statement"))
    if not statements:
        raise UnsafeTrustPolicy("a trust policy needs at least one statement")
    for statement in statements:
        ids = sentinel_external_ids(statement, microsoft_account_id, partition)
        if statement in kept or (ids and {i.lower() for i in ids} <= trusted_lower):
            continue
        raise UnsafeTrustPolicy(
            "offboarding may only remove statements and workspace IDs from the trust policy, not add %s"
            % json.dumps(statement, sort_keys=True)
        )


def describe_statement(statement: object, microsoft_account_id: str, partition: str = "aws") -> str:
    """What a statement that is not a Sentinel statement does, to follow "its trust policy ...".

    "lets ec2.amazonaws.com assume it" for an Allow of other principals; the statement itself
    when that would hide what differs from Microsoft's (its principal is Microsoft's account, or
    it is not a plain Allow).
    """
    allows = isinstance(statement, dict) and statement.get("Effect") == "Allow"
    names = _principal_names(statement.get("Principal")) if allows else []
    if names and not {root_principal(microsoft_account_id, partition), microsoft_account_id} & set(names):
        return "lets %s assume it" % ", ".join(names)
    return "has the statement %s" % json.dumps(statement, sort_keys=True)


def _principal_names(principal: object) -> list:
    """Every principal a Principal element names: ["ec2.amazonaws.com"], ["*"]."""
    if isinstance(principal, dict):
        return [str(name) for values in principal.values() for name in _as_list(values)]
    return [] if principal is None else [str(principal)]


def parse_policy_document(document: object) -> dict:
    """A policy as a dict, whether boto3 gave a dict or IAM's URL-encoded JSON string."""
    if isinstance(document, dict):
        return document
    if not isinstance(document, str):
        return {}
    text = document.strip()
    if text.startswith("%"):
        text = unquote(text)
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = json.loads(unquote(text))
    return parsed if isinstance(parsed, dict) else {}


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
