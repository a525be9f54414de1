# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The trust policy of the role Microsoft Sentinel assumes: build it, guard it, compare it.

Pure functions on plain dicts. ``build_trust_policy`` is the only producer of the document the
module writes, and ``require_external_id`` is checked before every write, so a role that any
principal of Microsoft's account could assume without the workspace ID cannot be made.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

try:
    from urllib.parse import unquote
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for sanity's compile test
    from urllib import unquote  # type: ignore

POLICY_VERSION = "2012-10-17"
# A policy without Version is evaluated as the 2008-10-17 language (IAM user guide, "IAM JSON
# policy elements: Version"), so a missing Version is not the same policy as ours.
DEFAULT_POLICY_VERSION = "2008-10-17"
EXTERNAL_ID_KEY = "sts:ExternalId"
_ROOT_ARN = re.compile(r"^arn:(?P<partition>[\w-]+):iam::(?P<account>[0-9]{12}):root\Z")
_ACCOUNT_ID = re.compile(r"^[0-9]{12}\Z")


class UnsafeTrustPolicy(ValueError):
    """A trust policy that would let the principal assume the role without the external ID."""


def root_principal(account_id, partition="aws"):
    # type: (str, str) -> str
    return "arn:%s:iam::%s:root" % (partition, account_id)


def build_trust_policy(microsoft_account_id, external_id, partition="aws"):
    # type: (str, str, str) -> dict
    """The document Microsoft documents for the CloudTrail (legacy) connector.

    Principal is Microsoft's account root, action sts:AssumeRole, and StringEquals on
    sts:ExternalId = the workspace ID. No MFA condition: Sentinel cannot satisfy one.
    """
    document = {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": root_principal(microsoft_account_id, partition)},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {EXTERNAL_ID_KEY: external_id}},
            }
        ],
    }
    require_external_id(document, external_id)
    return document


def require_external_id(document, external_id):
    # type: (dict, str) -> None
    """Raise UnsafeTrustPolicy unless every Allow statement requires sts:ExternalId == external_id.

    Called on the document right before CreateRole / UpdateAssumeRolePolicy: the last line of
    defence against the "confused deputy" problem the external ID exists to prevent.
    """
    if not external_id:
        raise UnsafeTrustPolicy("the trust policy needs a non-empty external ID")
    statements = _as_list(document.get("Statement")) if isinstance(document, dict) else []
    allows = [s for s in statements if isinstance(s, dict) and s.get("Effect") == "Allow"]
    if not allows:
        raise UnsafeTrustPolicy("the trust policy has no Allow statement")
    for statement in allows:
        equals = (statement.get("Condition") or {}).get("StringEquals") or {}
        values = [v for k, v in equals.items() if k.lower() == EXTERNAL_ID_KEY.lower()]
        if len(values) != 1 or _as_list(values[0]) != [external_id]:
            raise UnsafeTrustPolicy(
                "every Allow statement of the trust policy must carry the condition "
                "StringEquals sts:ExternalId = %s" % external_id
            )


def parse_policy_document(document):
    # type: (object) -> dict
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


def normalise_policy(document, partition="aws"):
    # type: (dict, str) -> tuple
    """A hashable, order-free form of a policy, for comparing meaning rather than text.

    Single values and one-element lists are the same; list order and statement order do not
    matter; an account ID principal is its root ARN in ``partition`` (IAM stores it so);
    condition keys are case-insensitive (IAM user guide, "Condition element"); Sid is kept.
    """
    version = document.get("Version", DEFAULT_POLICY_VERSION)
    statements = [_normalise_statement(s, partition) for s in _as_list(document.get("Statement"))]
    return (version, tuple(sorted(statements, key=repr)))


def policies_equal(current, desired, partition="aws"):
    # type: (dict, dict, str) -> bool
    return normalise_policy(current, partition) == normalise_policy(desired, partition)


def _normalise_statement(statement, partition):
    # type: (object, str) -> tuple
    if not isinstance(statement, dict):
        return (("?", repr(statement)),)
    items = []
    for key, value in statement.items():
        if key in ("Principal", "NotPrincipal"):
            normalised = _normalise_principal(value, partition)
        elif key == "Condition":
            normalised = _normalise_condition(value)
        elif key in ("Action", "NotAction", "Resource", "NotResource"):
            normalised = _value_set(value)
        else:
            normalised = repr(value)
        items.append((key, normalised))
    return tuple(sorted(items))


def _normalise_principal(principal, partition):
    # type: (object, str) -> object
    if not isinstance(principal, dict):
        # "*" and {"AWS": "*"} mean the same (IAM user guide, "Anonymous principals").
        return (("AWS", ("*",)),) if principal == "*" else repr(principal)
    normalised = []
    for kind, values in principal.items():
        names = []
        for value in _as_list(values):
            if kind == "AWS" and isinstance(value, str) and _ACCOUNT_ID.match(value):
                names.append(root_principal(value, partition))
            else:
                names.append(str(value))
        normalised.append((kind, tuple(sorted(set(names)))))
    return tuple(sorted(normalised))


def _normalise_condition(condition):
    # type: (object) -> object
    if not isinstance(condition, dict):
        return repr(condition)
    operators = []
    for operator, tests in condition.items():
        if not isinstance(tests, dict):
            operators.append((operator, repr(tests)))
            continue
        keys = tuple(sorted((key.lower(), _value_set(value)) for key, value in tests.items()))
        operators.append((operator, keys))
    return tuple(sorted(operators))


def _value_set(value):
    # type: (object) -> tuple
    return tuple(sorted(set(str(v) for v in _as_list(value))))


def _as_list(value):
    # type: (object) -> list
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
