# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IAM OIDC identity provider through which Sentinel's S3 connector assumes its role.

One provider per account and URL (IAM allows no second one), shared with Microsoft Defender for
Cloud, which adds its own client IDs (audiences) to it (Learn, "Connect a Microsoft Sentinel
connected AWS account to Defender for Cloud"). So the module adds Sentinel's audience to a
provider it finds, and takes away only that audience, and only while no IAM role still trusts the
provider for it. It deletes a provider only when sentinel.aws made it (the marker tag
``iam_role.MARKER_TAG_KEY``) and no other client ID is on it. Thumbprints and tags of a provider
it did not make are never changed.

The planning half is pure (plain dicts in and out); ``ProviderApi`` is one thin method per IAM call.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import copy
from fnmatch import fnmatchcase

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.sentinel.aws.plugins.module_utils import s3_connector
from ansible_collections.sentinel.aws.plugins.module_utils import validation
from ansible_collections.sentinel.aws.plugins.module_utils.iam_role import IamApi
from ansible_collections.sentinel.aws.plugins.module_utils.iam_role import MARKER_TAG_KEY
from ansible_collections.sentinel.aws.plugins.module_utils.iam_role import MARKER_TAG_VALUE
from ansible_collections.sentinel.aws.plugins.module_utils.iam_role import desired_tags
from ansible_collections.sentinel.aws.plugins.module_utils.iam_role import is_marked
from ansible_collections.sentinel.aws.plugins.module_utils.iam_role import plan_tags
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import parse_policy_document
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput
from ansible_collections.sentinel.aws.plugins.module_utils.validation import require_account

# IAM condition operators that let a request in when the key matches one of the values (IAM user
# guide, "IAM JSON policy elements: Condition operators"). Set operators and IfExists wrap them.
_POSITIVE_STRING_OPERATORS = ("stringequals", "stringequalsignorecase", "stringlike")
_SET_PREFIXES = ("foranyvalue:", "forallvalues:")
_IF_EXISTS = "ifexists"
# For the message that asks for a region of the partition aws_partition names.
EXAMPLE_REGIONS = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}


# --- pure planning --------------------------------------------------------------------------


def provider_spec(params: dict, client_partition: str, region: str | None) -> dict:
    """The provider the task asks for, as plain data; InvalidInput, before any call, on bad input."""
    partition = s3_connector.check_partition("aws_partition", params["aws_partition"])
    if partition != client_partition:
        # The credentials act in the region's partition: a GovCloud provider made with commercial
        # credentials would land in the commercial account, under GovCloud's tenant.
        raise InvalidInput(
            "aws_partition is %r but the region %r is in the AWS partition %r; set region to a region of %s "
            "(for example %s), or aws_partition to %r"
            % (partition, region, client_partition, partition, EXAMPLE_REGIONS[partition], client_partition)
        )
    account_id = params.get("aws_account_id")
    given_tags = params.get("tags")
    return {
        "state": params["state"],
        "partition": partition,
        "url": s3_connector.oidc_url(partition),
        "issuer": s3_connector.oidc_issuer(partition),
        "audience": s3_connector.oidc_audience(partition),
        "account_id": validation.check_account_id("aws_account_id", account_id) if account_id is not None else None,
        "tags": desired_tags(validation.check_tags("tags", given_tags) if given_tags is not None else None),
        "tags_given": given_tags is not None,
        "purge_tags": bool(params.get("purge_tags")) and given_tags is not None,
    }


def find_provider_arn(arns: list, spec: dict) -> str | None:
    """The ARN of Sentinel's provider among ListOpenIDConnectProviders' ARNs, None when there is none.

    An OIDC provider's ARN ends in its URL without the scheme, so the URL decides; a provider of
    the same host without the trailing slash is another issuer (tokens' ``iss`` keeps the slash).
    """
    for arn in arns:
        parts = parse_aws_arn(arn) or {}
        if parts.get("partition") == spec["partition"] and parts.get("resource") == "oidc-provider/" + spec["issuer"]:
            return arn
    return None


def provider_view(arn: str, answer: dict) -> dict:
    """The module's view of a provider from GetOpenIDConnectProvider's answer (its Url has no scheme)."""
    return {
        "arn": arn,
        "url": "https://" + answer["Url"],
        "client_ids": list(answer.get("ClientIDList") or []),
        "thumbprints": list(answer.get("ThumbprintList") or []),
        "tags": boto3_tag_list_to_ansible_dict(answer.get("Tags") or []),
    }


def new_provider_view(spec: dict, arn: str | None) -> dict:
    """The provider as the module creates it: Microsoft's CloudFormation template's values plus the marker."""
    return {
        "arn": arn,
        "url": spec["url"],
        "client_ids": [spec["audience"]],
        "thumbprints": [s3_connector.OIDC_THUMBPRINT],
        "tags": dict(spec["tags"]),
    }


def ownership(view: dict) -> str:
    """``ours`` for a provider that carries the marker, ``shared`` for any other (Defender's, made by hand)."""
    return "ours" if is_marked(view["tags"]) else "shared"


def plan_present(current: dict, spec: dict) -> tuple:
    """(what must change on an existing provider, warnings): our audience added, tags only on ours.

    Other client IDs and the thumbprints are never touched: they are how Defender for Cloud and
    other consumers use the same provider.
    """
    plan: dict = {}
    warnings = []
    if spec["audience"] not in current["client_ids"]:
        plan["add_client_id"] = spec["audience"]
    if ownership(current) == "ours":
        tags_set, tags_unset = plan_tags(current["tags"], spec["tags"], spec["purge_tags"])
        plan.update({key: value for key, value in (("tags_set", tags_set), ("tags_unset", tags_unset)) if value})
    elif spec["tags_given"]:
        warnings.append(
            "tags were not applied: the OIDC provider %s was not made by sentinel.aws (it has no tag %s=%s), and "
            "sentinel.aws changes only its own client ID there" % (current["arn"], MARKER_TAG_KEY, MARKER_TAG_VALUE)
        )
    return plan, warnings


def plan_absent(current: dict, in_use_by: list, spec: dict) -> dict:
    """What offboarding does to an existing provider: {} (nothing), ``delete`` or ``remove_client_id``.

    The audience stays while a role still trusts the provider for it (another Sentinel workspace's
    connector). The provider goes only when it is ours and no other client ID is on it.
    """
    has_audience = spec["audience"] in current["client_ids"]
    if has_audience and in_use_by:
        return {}
    others = [client_id for client_id in current["client_ids"] if client_id != spec["audience"]]
    if ownership(current) == "ours" and not others:
        return {"delete": True}
    return {"remove_client_id": spec["audience"]} if has_audience else {}


def apply_plan(current: dict, plan: dict) -> dict:
    """The provider after ``plan``, for the result and the diff; {} when it is deleted."""
    if plan.get("delete"):
        return {}
    after = copy.deepcopy(current)
    if "add_client_id" in plan:
        after["client_ids"].append(plan["add_client_id"])
    if "remove_client_id" in plan:
        after["client_ids"] = [c for c in after["client_ids"] if c != plan["remove_client_id"]]
    for key in plan.get("tags_unset", []):
        after["tags"].pop(key, None)
    after["tags"].update(plan.get("tags_set", {}))
    return after


def roles_trusting(roles: list, provider_arn: str, spec: dict) -> list:
    """ARNs of the roles (ListRoles' entries) whose trust lets the provider's tokens for our audience in, sorted."""
    return sorted(
        role["Arn"]
        for role in roles
        if any(
            statement_trusts(statement, provider_arn, spec)
            for statement in _as_list(parse_policy_document(role.get("AssumeRolePolicyDocument")).get("Statement"))
        )
    )


def statement_trusts(statement: object, provider_arn: str, spec: dict) -> bool:
    """Whether a trust statement allows the provider's web identities with our audience.

    A statement that names the provider as Federated principal and has no ``<issuer>:aud``
    condition accepts every audience on the provider, ours included, so it counts too.
    """
    if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
        return False
    principal = statement.get("Principal")
    if not isinstance(principal, dict) or provider_arn not in _as_list(principal.get("Federated")):
        return False
    audience = spec["audience"]
    conditions = audience_conditions(statement.get("Condition"), spec["issuer"])
    return not conditions or any(_matches(operator, value, audience) for operator, value in conditions)


def audience_conditions(condition: object, issuer: str) -> list:
    """[(operator, value)] of the positive string conditions on ``<issuer>:aud``; condition keys are case-insensitive."""
    key = (issuer + ":aud").lower()
    found = []
    for operator, tests in (condition or {}).items() if isinstance(condition, dict) else ():
        base = _base_operator(operator)
        if base not in _POSITIVE_STRING_OPERATORS or not isinstance(tests, dict):
            continue
        for condition_key, values in tests.items():
            if str(condition_key).lower() == key:
                found += [(base, str(value)) for value in _as_list(values)]
    return found


def _base_operator(operator: str) -> str:
    base = str(operator).lower()
    for prefix in _SET_PREFIXES:
        if base.startswith(prefix):
            base = base[len(prefix) :]
    return base[: -len(_IF_EXISTS)] if base.endswith(_IF_EXISTS) else base


def _matches(operator: str, value: str, audience: str) -> bool:
    if operator == "stringlike":
        # IAM's wildcards are * and ? only, with no character classes: escape fnmatch's [.
        return fnmatchcase(audience, value.replace("[", "[[]"))
    if operator == "stringequalsignorecase":
        return value.lower() == audience.lower()
    return value == audience


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


DIFF_KEYS = ("url", "client_ids", "thumbprints", "tags")


def diff_view(view: dict) -> dict:
    """The part of a provider view shown by --diff; {} for no provider."""
    return {key: view[key] for key in DIFF_KEYS} if view else {}


def outcome(changed: bool, before: dict, after: dict, owner: str, spec: dict) -> dict:
    """The module's result: the provider after the task (``arn`` None when there is none), ownership and diff."""
    shown = after or {"arn": before.get("arn"), "url": spec["url"], "client_ids": [], "thumbprints": [], "tags": {}}
    result = dict(shown, changed=changed, ownership=owner, warnings=[])
    result["diff"] = {"before": diff_view(before), "after": diff_view(after)}
    return result


# --- IAM calls --------------------------------------------------------------------------------


class ProviderApi(IamApi):
    """One method per IAM call on OIDC providers, through IamApi's retrying client and error handler."""

    def provider_arns(self) -> list:
        answer = self._call("list the OIDC identity providers", self.iam.list_open_id_connect_providers)
        return [entry["Arn"] for entry in answer.get("OpenIDConnectProviderList", [])]

    def get_provider(self, arn: str) -> dict | None:
        return self._read(
            "get the OIDC identity provider %s" % arn,
            self.iam.get_open_id_connect_provider,
            OpenIDConnectProviderArn=arn,
        )

    def create_provider(self, spec: dict) -> str:
        created = self._call(
            "create the OIDC identity provider %s" % spec["url"],
            self.iam.create_open_id_connect_provider,
            Url=spec["url"],
            ClientIDList=[spec["audience"]],
            ThumbprintList=[s3_connector.OIDC_THUMBPRINT],
            Tags=ansible_dict_to_boto3_tag_list(spec["tags"]),
        )
        return created["OpenIDConnectProviderArn"]

    def add_client_id(self, arn: str, client_id: str) -> None:
        self._call(
            "add the client ID %s to the OIDC identity provider %s" % (client_id, arn),
            self.iam.add_client_id_to_open_id_connect_provider,
            OpenIDConnectProviderArn=arn,
            ClientID=client_id,
        )

    def remove_client_id(self, arn: str, client_id: str) -> None:
        self._call(
            "remove the client ID %s from the OIDC identity provider %s" % (client_id, arn),
            self.iam.remove_client_id_from_open_id_connect_provider,
            OpenIDConnectProviderArn=arn,
            ClientID=client_id,
        )

    def delete_provider(self, arn: str) -> None:
        self._call(
            "delete the OIDC identity provider %s" % arn,
            self.iam.delete_open_id_connect_provider,
            OpenIDConnectProviderArn=arn,
        )

    def tag(self, arn: str, tags: dict) -> None:
        self._call(
            "tag the OIDC identity provider %s" % arn,
            self.iam.tag_open_id_connect_provider,
            OpenIDConnectProviderArn=arn,
            Tags=ansible_dict_to_boto3_tag_list(tags),
        )

    def untag(self, arn: str, keys: list) -> None:
        self._call(
            "untag the OIDC identity provider %s" % arn,
            self.iam.untag_open_id_connect_provider,
            OpenIDConnectProviderArn=arn,
            TagKeys=keys,
        )

    def roles(self) -> list:
        """Every IAM role of the account with its trust policy (ListRoles carries it: one call per page)."""
        return self._list("list the IAM roles", "list_roles", "Roles")


# --- the two states -------------------------------------------------------------------------


def find_provider(api: ProviderApi, spec: dict) -> dict | None:
    """Sentinel's provider as a view, None when the account has none; the account guard first."""
    arn = find_provider_arn(api.provider_arns(), spec)
    if arn is None:
        return None
    source = "from the ARN of the OIDC identity provider %s" % arn
    require_account(spec["account_id"], parse_aws_arn(arn)["account_id"], source)
    answer = api.get_provider(arn)
    return provider_view(arn, answer) if answer else None


def ensure_present(api: ProviderApi, spec: dict, check_mode: bool) -> dict:
    """Create the provider, or add Sentinel's audience to the one there: the outcome."""
    current = find_provider(api, spec)
    if current is None:
        return _create(api, spec, check_mode)
    plan, warnings = plan_present(current, spec)
    if plan and not check_mode:
        arn = current["arn"]
        if "add_client_id" in plan:
            api.add_client_id(arn, plan["add_client_id"])
        if plan.get("tags_unset"):
            api.untag(arn, plan["tags_unset"])
        if plan.get("tags_set"):
            api.tag(arn, plan["tags_set"])
    result = outcome(bool(plan), current, apply_plan(current, plan), ownership(current), spec)
    result["warnings"] = warnings
    return result


def _create(api: ProviderApi, spec: dict, check_mode: bool) -> dict:
    arn = None
    if spec["account_id"] or check_mode:
        account = api.caller_account()
        require_account(spec["account_id"], account, "from sts:GetCallerIdentity")
        arn = s3_connector.oidc_provider_arn(spec["partition"], account)
    if not check_mode:
        arn = api.create_provider(spec)
    return outcome(True, {}, new_provider_view(spec, arn), "created", spec)


def ensure_absent(api: ProviderApi, spec: dict, check_mode: bool) -> dict:
    """Offboard Sentinel's audience from the provider, and the provider when it is ours alone: the outcome."""
    current = find_provider(api, spec)
    if current is None:
        result = outcome(False, {}, {}, "absent", spec)
        result.update(in_use_by=[], provider_deleted=False)
        return result
    in_use_by = []
    if spec["audience"] in current["client_ids"]:
        in_use_by = roles_trusting(api.roles(), current["arn"], spec)
    plan = plan_absent(current, in_use_by, spec)
    if plan.get("delete") and not check_mode:
        api.delete_provider(current["arn"])
    elif "remove_client_id" in plan and not check_mode:
        api.remove_client_id(current["arn"], plan["remove_client_id"])
    result = outcome(bool(plan), current, apply_plan(current, plan), ownership(current), spec)
    result.update(in_use_by=in_use_by, provider_deleted=bool(plan.get("delete")))
    if in_use_by:
        result["warnings"].append(
            "the client ID %s stays on the OIDC identity provider %s: the IAM roles %s still trust the provider for it "
            "(offboard them first)" % (spec["audience"], current["arn"], ", ".join(in_use_by))
        )
    return result
