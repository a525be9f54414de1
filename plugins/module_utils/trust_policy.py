# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The trust policy of the roles Microsoft Sentinel assumes: build it, guard it, read it, per kind.

Pure functions on plain dicts. Two kinds of trust, each built and recognised in one place:

- ``ExternalIdTrust``, the CloudTrail (legacy) connector's: Microsoft's account, sts:AssumeRole,
  sts:ExternalId = workspace IDs (``build_trust_policy``, ``sentinel_external_ids``,
  ``require_external_id``);
- ``WebIdentityTrust``, the S3 connector's: the account's OIDC provider for Microsoft's Entra
  tenant, sts:AssumeRoleWithWebIdentity, the audience and session-name conditions
  (``build_web_identity_trust``, ``web_identity_session_names``, ``require_session_names``).

Each kind's builder is the only producer of the Sentinel statement the modules write, and its
guard is checked before every write of a role's trust, so a role without the condition that ties
it to one workspace (external ID, session name) cannot be made. Offboarding only ever removes from
a trust policy, which ``require_narrowed`` checks before that write. ``split_trust`` sorts a
role's statements into the keys of a kind's Sentinel statements and the rest.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import json

from urllib.parse import unquote

from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import oidc_audience
from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import oidc_issuer
from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import oidc_provider_arn
from ansible_collections.sentinel.aws.plugins.module_utils.s3_connector import session_name_condition
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
    """The values of StringEquals sts:ExternalId in ``condition``; None without exactly one such key."""
    return _values(condition.get("StringEquals") if isinstance(condition, dict) else None, EXTERNAL_ID_KEY)


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


class ExternalIdTrust:
    """The trust of the CloudTrail (legacy) connector's role: Microsoft's account with sts:ExternalId.

    The keys are workspace IDs, compared in lower case. A run for ``external_id`` adds it to the
    IDs a role trusts (``purge``: makes it the only one); offboarding removes ``external_id``, or
    every ID when it is None.
    """

    keys_name = "external_ids"
    key_phrase, keys_phrase = "workspace ID", "workspace IDs"
    # The statement names Microsoft's account, not the role's: no account is needed to build it.
    needs_account = False

    def __init__(self, microsoft_account_id: str, partition: str, external_id: str | None, purge: bool = False):
        self.microsoft_account_id = microsoft_account_id
        self.partition = partition
        self.external_id = external_id
        self.purge = purge
        self.principals = {root_principal(microsoft_account_id, partition), microsoft_account_id}

    def in_account(self, account_id: str) -> ExternalIdTrust:
        return self

    def statement_keys(self, statement: object) -> list | None:
        return sentinel_external_ids(statement, self.microsoft_account_id, self.partition)

    def build(self, keys: list) -> dict:
        return build_trust_policy(self.microsoft_account_id, keys, self.partition)

    def require(self, document: dict) -> None:
        require_external_id(document, self.external_id)

    @staticmethod
    def normal(key: str) -> str:
        return key.lower()

    def wanted(self, current: list) -> list:
        """The workspace IDs the trust must list: those it has plus ours, or ours alone with purge."""
        if self.purge:
            return [self.external_id]
        return sorted({key.lower() for key in current} | {self.external_id})

    def offboarded(self, key: str) -> bool:
        return self.external_id in (None, key.lower())


# --- the S3 connector's role: web identity from Microsoft's Entra tenant ---------------------
# Microsoft's template (Azure/Azure-Sentinel DataConnectors/AWS-S3, research-s3.md section 3):
# Federated = the account's OIDC provider for Microsoft's tenant, sts:AssumeRoleWithWebIdentity,
# StringEquals <issuer>:aud = Sentinel's application and sts:RoleSessionName = the session name(s).
# The audience alone admits every Sentinel workspace of every customer; the session name, which
# carries the workspace ID, is what ties the role to this one (as the external ID does for the
# CloudTrail role), so no statement without both conditions is ever written.
WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"
SESSION_NAME_KEY = "sts:RoleSessionName"
_WILDCARDS = "*?"


def audience_key(partition: str) -> str:
    return oidc_issuer(partition) + ":aud"


def build_web_identity_trust(partition: str, account_id: str, session_names: list) -> dict:
    """Microsoft's trust policy for the S3 connector's role, for the account's provider and ``session_names``."""
    condition = {"StringEquals": {audience_key(partition): oidc_audience(partition)}}
    for operator, keys in session_name_condition(session_names).items():
        condition.setdefault(operator, {}).update(keys)
    document = {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn(partition, account_id)},
                "Action": WEB_IDENTITY_ACTION,
                "Condition": condition,
            }
        ],
    }
    require_session_names(document, partition, account_id, session_names)
    return document


def web_identity_session_names(statement: object, partition: str, account_id: str) -> list | None:
    """The session names of a Sentinel web-identity statement, or None when ``statement`` is something else.

    A Sentinel statement is Microsoft's, however it is written (any Sid, lists or single values,
    condition keys in any case): Effect Allow, Principal exactly {"Federated": the account's
    provider for Microsoft's tenant}, Action sts:AssumeRoleWithWebIdentity only, and a Condition
    that is exactly StringEquals <issuer>:aud = Sentinel's audience, plus sts:RoleSessionName with
    StringEquals, or StringLike when a name has a wildcard (IAM's StringEquals takes '*'
    literally), and nothing else.
    """
    if not isinstance(statement, dict) or not set(statement) <= _SENTINEL_ELEMENTS:
        return None
    actions = [str(action).lower() for action in _as_list(statement.get("Action"))]
    if statement.get("Effect") != "Allow" or actions != [WEB_IDENTITY_ACTION.lower()]:
        return None
    principal = statement.get("Principal")
    if not isinstance(principal, dict) or set(principal) != {"Federated"}:
        return None
    if _as_list(principal["Federated"]) != [oidc_provider_arn(partition, account_id)]:
        return None
    condition = statement.get("Condition")
    if not isinstance(condition, dict) or not all(isinstance(block, dict) for block in condition.values()):
        return None
    names = _session_names(condition)
    if names is None or _values(condition.get("StringEquals"), audience_key(partition)) != [oidc_audience(partition)]:
        return None
    expected = session_name_condition(names)
    keys = {operator: {key.lower() for key in block} for operator, block in condition.items()}
    wanted = {operator: {SESSION_NAME_KEY.lower()} for operator in expected}
    wanted.setdefault("StringEquals", set()).add(audience_key(partition).lower())
    return names if keys == wanted else None


def _session_names(condition: dict) -> list | None:
    """The session names of a condition: its one sts:RoleSessionName test, non-empty strings, none all wildcards."""
    found = [_values(block, SESSION_NAME_KEY) for block in condition.values()]
    found = [values for values in found if values is not None]
    if len(found) != 1 or not found[0]:
        return None
    names = found[0]
    if not all(isinstance(name, str) and name.strip(_WILDCARDS) for name in names):
        return None
    return sorted(set(names))


def _values(block: object, key: str) -> list | None:
    """The values of ``key`` in one condition operator's block; None without exactly one such key.

    Condition keys are case-insensitive (IAM user guide, "Condition element"), so two spellings of
    the key are two tests on one key: refused as ambiguous.
    """
    if not isinstance(block, dict):
        return None
    values = [v for k, v in block.items() if k.lower() == key.lower()]
    return _as_list(values[0]) if len(values) == 1 else None


def require_session_names(document: dict, partition: str, account_id: str, session_names: list) -> None:
    """Raise UnsafeTrustPolicy unless every Allow statement is a Sentinel web-identity statement whose
    session names include ``session_names``.

    So every Allow statement carries both conditions, the audience and the session name. Checked
    on the document right before CreateRole / UpdateAssumeRolePolicy, as ``require_external_id``
    is for the CloudTrail role.
    """
    statements = _as_list(document.get("Statement")) if isinstance(document, dict) else []
    allows = [s for s in statements if isinstance(s, dict) and s.get("Effect") == "Allow"]
    if not allows or not session_names:
        raise UnsafeTrustPolicy("the trust policy needs an Allow statement and a session name")
    for statement in allows:
        names = web_identity_session_names(statement, partition, account_id)
        if names is None or not set(session_names) <= set(names):
            raise UnsafeTrustPolicy(
                "every Allow statement of the trust policy must let only %s assume the role, with the conditions "
                "StringEquals %s = %s and %s = %s"
                % (
                    oidc_provider_arn(partition, account_id),
                    audience_key(partition),
                    oidc_audience(partition),
                    SESSION_NAME_KEY,
                    ", ".join(sorted(session_names)),
                )
            )


class WebIdentityTrust:
    """The trust of the S3 connector's role: the account's OIDC provider for Microsoft's tenant.

    The keys are session names, case-sensitive as StringEquals is. The trust holds exactly
    ``session_names``: another name is drift, repaired; offboarding removes every name.
    The provider's ARN names the role's own account: ``in_account`` binds it before any build.
    """

    keys_name = "session_names"
    key_phrase, keys_phrase = "session name", "session names"
    needs_account = True

    def __init__(self, partition: str, session_names: list, account_id: str | None = None):
        self.partition = partition
        self.session_names = sorted(set(session_names))
        self.account_id = account_id
        self.principals = {oidc_provider_arn(partition, account_id)} if account_id else set()

    def in_account(self, account_id: str) -> WebIdentityTrust:
        return WebIdentityTrust(self.partition, self.session_names, account_id)

    def statement_keys(self, statement: object) -> list | None:
        return web_identity_session_names(statement, self.partition, self.account_id)

    def build(self, keys: list) -> dict:
        return build_web_identity_trust(self.partition, self.account_id, keys)

    def require(self, document: dict) -> None:
        require_session_names(document, self.partition, self.account_id, self.session_names)

    @staticmethod
    def normal(key: str) -> str:
        return key

    def wanted(self, current: list) -> list:
        return list(self.session_names)

    @staticmethod
    def offboarded(key: str) -> bool:
        return True


def split_trust(document: dict, kind: object) -> tuple:
    """(sorted keys of the Sentinel statements of ``kind``, the other statements) of a trust policy.

    The keys are what the statements serve: workspace IDs (ExternalIdTrust), session names
    (WebIdentityTrust).
    """
    keys, others = set(), []
    for statement in _as_list(document.get("Statement")):
        found = kind.statement_keys(statement)
        if found is None:
            others.append(statement)
        else:
            keys.update(found)
    return sorted(keys), others


def narrowed_trust_policy(document: dict, kind: object, remaining: list) -> dict:
    """``document`` with its Sentinel statements replaced by one for ``remaining`` keys (none: dropped).

    The other statements, and the Version they were written for, stay as they are.
    """
    _keys, others = split_trust(document, kind)
    narrowed = {key: value for key, value in document.items() if key != "Statement"}
    narrowed["Statement"] = list(others)
    if remaining:
        narrowed["Statement"] += kind.build(remaining)["Statement"]
    return narrowed


def require_narrowed(before: dict, after: dict, kind: object) -> None:
    """Raise UnsafeTrustPolicy unless ``after`` only takes away from ``before``.

    Offboarding may drop Sentinel statements and their keys, never add anything: each statement
    of ``after`` is one of ``before`` unchanged, or a Sentinel statement whose keys ``before``
    already trusted. Checked right before offboarding writes a trust policy, which may keep
    statements sentinel.aws did not write (and so cannot carry its condition).
    """
    trusted, _others = split_trust(before, kind)
    trusted_normal = {kind.normal(key) for key in trusted}
    kept = _as_list(before.get("Statement"))
    statements = _as_list(after.get("Statement"))
    if not statements:
        raise UnsafeTrustPolicy("a trust policy needs at least one statement")
    for statement in statements:
        keys = kind.statement_keys(statement)
        if statement in kept or (keys and {kind.normal(key) for key in keys} <= trusted_normal):
            continue
        raise UnsafeTrustPolicy(
            "offboarding may only remove statements and %s from the trust policy, not add %s"
            % (kind.keys_phrase, json.dumps(statement, sort_keys=True))
        )


def describe_statement(statement: object, kind: object) -> str:
    """What a statement that is not a Sentinel statement does, to follow "its trust policy ...".

    "lets ec2.amazonaws.com assume it" for an Allow of other principals; the statement itself
    when that would hide what differs from Microsoft's (its principal is Sentinel's, or it is not
    a plain Allow).
    """
    allows = isinstance(statement, dict) and statement.get("Effect") == "Allow"
    names = _principal_names(statement.get("Principal")) if allows else []
    if names and not kind.principals & set(names):
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
