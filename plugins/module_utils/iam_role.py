# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IAM roles Microsoft Sentinel assumes: plan the changes (pure), then make them.

One role logic for both connectors' roles; what differs is the trust, a kind from trust_policy
(``spec["trust"]``: ExternalIdTrust for connector_role, WebIdentityTrust for s3_connector_role),
which builds, recognises and guards the Sentinel statements. A role view lists what those
statements serve under the kind's ``keys_name`` (``external_ids``, ``session_names``).

The planning half takes and returns plain dicts and is unit tested without AWS. The IAM half
(``RoleApi``, on ``IamApi``) is one thin method per API call, all through one retrying client; every AWS
error becomes an ``AnsibleAWSError`` whose message names the operation and the role.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import copy
import json

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.iam import IAMErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.sentinel.aws.plugins.module_utils import aws_module
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import ExternalIdTrust
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import UnsafeTrustPolicy
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import describe_statement
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import narrowed_trust_policy
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import parse_policy_document
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import require_narrowed
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import split_trust
from ansible_collections.sentinel.aws.plugins.module_utils import validation
from ansible_collections.sentinel.aws.plugins.module_utils.validation import COMMERCIAL_PARTITION
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput
from ansible_collections.sentinel.aws.plugins.module_utils.validation import role_arn

# The one retry policy for IAM and STS calls: throttling and 5xx codes with jittered exponential
# backoff. AWSRetry's list has Throttling but not ThrottlingException, which IAM and STS answer
# too (botocore's retry data lists both as throttling errors). Right after CreateRole, IAM may
# still answer NoSuchEntity for the new role (IAM is eventually consistent, boto/boto3#1466), so
# calls on a new role also retry that.
RETRIED_ERROR_CODES = ["ThrottlingException"]
RETRY = AWSRetry.jittered_backoff(
    retries=8, delay=1, backoff=2.0, max_delay=20, catch_extra_error_codes=RETRIED_ERROR_CODES
)
RETRY_NEW_ROLE = AWSRetry.jittered_backoff(
    retries=8, delay=1, backoff=2.0, max_delay=20, catch_extra_error_codes=RETRIED_ERROR_CODES + ["NoSuchEntity"]
)

DEFAULT_POLICY = "AWSCloudTrail_ReadOnlyAccess"
# CloudTrail renamed its read-only managed policy in June 2022; the old one stays attached where it
# was but cannot be attached to new roles (AWS CloudTrail user guide, "AWS managed policies").
LEGACY_POLICY_NAMES = {"AWSCloudTrailReadOnlyAccess": DEFAULT_POLICY}
# Every role the module creates or adopts carries this tag, so later runs (and audits) can tell
# the roles sentinel.aws owns from roles someone else made under the same name.
MARKER_TAG_KEY = "sentinel.aws:managed"
MARKER_TAG_VALUE = "true"
MARKER_NOTE = " (the count includes the tag %s=%s that sentinel.aws adds)" % (MARKER_TAG_KEY, MARKER_TAG_VALUE)


# --- pure planning --------------------------------------------------------------------------


def require_commercial_partition(partition: str, region: str | None) -> None:
    # Microsoft Learn, "Connect Microsoft Sentinel to Amazon Web Services", CloudTrail (legacy):
    # only AWS commercial CloudTrail can be connected. GovCloud/China need another connector.
    if partition != COMMERCIAL_PARTITION:
        raise InvalidInput(
            "region %r is in the AWS partition %r: the Sentinel CloudTrail (legacy) connector supports only "
            "AWS commercial regions (partition 'aws'), not GovCloud or China" % (region, partition)
        )


def policy_arn(name_or_arn: str, partition: str) -> str:
    """A bare name means an AWS managed policy, whose ARN uses the account ``aws``."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return "arn:%s:iam::aws:policy/%s" % (partition, name_or_arn)


def legacy_policy_arns(partition: str) -> dict:
    """Old AWS managed policy ARN -> its replacement's ARN."""
    return {policy_arn(old, partition): policy_arn(new, partition) for old, new in LEGACY_POLICY_NAMES.items()}


def resolve_managed_policies(policies: list, partition: str) -> tuple:
    """(ARNs without duplicates, in order; warnings for renamed policies)."""
    renamed = legacy_policy_arns(partition)
    arns, warnings = [], []
    for policy in policies:
        arn = policy_arn(policy, partition)
        if arn in renamed:
            warnings.append(
                "managed_policies: %s was renamed by AWS and can no longer be attached to new roles; "
                "using %s instead" % (policy, renamed[arn])
            )
            arn = renamed[arn]
        if arn not in arns:
            arns.append(arn)
    return arns, warnings


def plan_policies(current: list, desired: list, purge: bool, partition: str) -> tuple:
    """(ARNs to attach, ARNs to detach).

    Without purge, other policies stay; a renamed policy is detached anyway once its replacement
    is wanted, since keeping both would grant the same rights twice under two names.
    """
    to_attach = [arn for arn in desired if arn not in current]
    replaced = {old for old, new in legacy_policy_arns(partition).items() if new in desired}
    to_detach = [arn for arn in current if arn not in desired and (purge or arn in replaced)]
    return to_attach, to_detach


def plan_tags(current: dict, desired: dict, purge: bool) -> tuple:
    """(tags to set, keys to remove) with amazon.aws's semantics.

    InvalidInput, before any write, when the role would end up with more than 50 tags or with a
    key that differs only in case from one it keeps (IAM tag keys are case-insensitive).
    """
    validation.merge_tags("tags", current, desired, purge, MARKER_NOTE)
    to_set, to_unset = compare_aws_tags(current, desired, purge)
    return to_set, sorted(to_unset)


def desired_tags(tags: dict | None) -> dict:
    """The tags a role must carry: the checked ``tags`` option plus the marker.

    The marker is the module's own: a different value for it is refused rather than written.
    """
    for key, value in (tags or {}).items():
        if key.lower() == MARKER_TAG_KEY.lower() and (key, value) != (MARKER_TAG_KEY, MARKER_TAG_VALUE):
            raise InvalidInput(
                "tags: %s=%s is the marker sentinel.aws puts on the roles it manages; leave it out of tags, got %r: %r"
                % (MARKER_TAG_KEY, MARKER_TAG_VALUE, key, value)
            )
    wanted = dict(tags or {})
    wanted[MARKER_TAG_KEY] = MARKER_TAG_VALUE
    # A new role gets exactly these: the marker counts toward IAM's 50.
    validation.merge_tags("tags", {}, wanted, True, MARKER_NOTE)
    return wanted


def common_spec(params: dict, partition: str, name: str) -> tuple:
    """(the parts of a desired role both connectors' roles share, warnings); InvalidInput on bad input.

    ``name`` is the already checked role name. The trust (``trust``, ``trust_policy``) is the
    caller's to add.
    """
    spec = {
        "name": name,
        "state": params["state"],
        "partition": partition,
        "account_id": None,
        "path": validation.check_iam_path("path", params["path"]),
        "take_over": params["take_over"],
        "purge_policies": params["purge_policies"],
        "purge_tags": params["purge_tags"] and params.get("tags") is not None,
        "tags": None,
        "description": None,
        "max_session_duration": None,
        "permissions_boundary": None,
    }
    # Offboarding needs the policies too: they are what it may detach as its own.
    policies = [validation.check_managed_policy("managed_policies", p) for p in params["managed_policies"]]
    for policy in policies:
        if policy.startswith("arn:"):
            _require_partition("managed_policies", validation.parse_policy_arn("managed_policies", policy), partition)
    spec["managed_policies"], warnings = resolve_managed_policies(policies, partition)
    if spec["state"] == "absent":
        return spec, warnings
    given_tags = validation.check_tags("tags", params["tags"]) if params.get("tags") is not None else None
    spec["tags"] = desired_tags(given_tags)
    if params.get("description") is not None:
        spec["description"] = validation.check_description("description", params["description"])
    return spec, warnings


def role_spec(params: dict, partition: str) -> tuple:
    """(the desired CloudTrail connector role as plain data, warnings) from connector_role's parameters.

    Every rule is checked here, before the module makes any call; InvalidInput on bad input.
    """
    name = validation.check_role_name("name", params["name"])
    microsoft_account_id = validation.check_account_id("microsoft_account_id", params["microsoft_account_id"])
    external_id = validation.check_guid("external_id", params["external_id"]) if params.get("external_id") else None
    account_id = params.get("account_id")
    account_id = validation.check_account_id("account_id", account_id) if account_id is not None else None
    spec, warnings = common_spec(params, partition, name)
    spec["account_id"], spec["account_option"] = account_id, "account_id"
    spec["external_id"] = external_id
    spec["trust"] = ExternalIdTrust(microsoft_account_id, partition, external_id, params["purge_external_ids"])
    if spec["state"] == "absent":
        return spec, warnings
    if not external_id:
        raise InvalidInput("external_id is required when state=present: the Log Analytics workspace ID (a GUID)")
    # The trust of a new role; an existing role's is planned from what it trusts already.
    spec["trust_policy"] = spec["trust"].build([external_id])
    if params.get("max_session_duration") is not None:
        spec["max_session_duration"] = validation.check_session_duration(
            "max_session_duration", params["max_session_duration"]
        )
    boundary = params.get("permissions_boundary")
    if boundary:
        _require_partition(
            "permissions_boundary", validation.parse_policy_arn("permissions_boundary", boundary), partition
        )
    spec["permissions_boundary"] = boundary or None
    return spec, warnings


def _require_partition(option: str, arn_parts: dict, partition: str) -> None:
    if arn_parts["partition"] != partition:
        raise InvalidInput(
            "%s: the ARN is in partition %r but the region is in partition %r"
            % (option, arn_parts["partition"], partition)
        )


def role_view(role: dict, attached: list, inline: list, trust: object) -> dict:
    """The module's ``role`` result from GetRole/CreateRole output, the attached policy ARNs and inline policy names.

    ``trust`` is the kind of the role's trust, bound to its account.
    """
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    document = parse_policy_document(role.get("AssumeRolePolicyDocument"))
    return {
        "arn": role["Arn"],
        "name": role["RoleName"],
        "role_id": role.get("RoleId"),
        "path": role.get("Path", "/"),
        "trust_policy": document,
        trust.keys_name: split_trust(document, trust)[0],
        "attached_policies": sorted(attached),
        "inline_policies": sorted(inline),
        "tags": boto3_tag_list_to_ansible_dict(role.get("Tags") or []),
        "description": role.get("Description"),
        "max_session_duration": role.get("MaxSessionDuration"),
        "permissions_boundary": boundary,
    }


def new_role_view(spec: dict, arn: str) -> dict:
    """The role as ``spec`` would create it (check mode has no role ID)."""
    return {
        "arn": arn,
        "name": spec["name"],
        "role_id": None,
        "path": spec["path"],
        "trust_policy": spec["trust_policy"],
        spec["trust"].keys_name: split_trust(spec["trust_policy"], spec["trust"])[0],
        "attached_policies": sorted(spec["managed_policies"]),
        "inline_policies": [],
        "tags": dict(spec["tags"]),
        "description": spec["description"],
        "max_session_duration": spec["max_session_duration"] or 3600,
        "permissions_boundary": spec["permissions_boundary"],
    }


def require_same_path(name: str, current_path: str, wanted_path: str) -> None:
    """A role of this name under another path is another role: refused in every state, before any write."""
    if current_path != wanted_path:
        # IAM has no API to move a role (UpdateRole takes no Path); a new path means a new role
        # and a new ARN for the Sentinel connector. amazon.aws.iam_role fails the same way.
        raise InvalidInput(
            "path: the role %s exists with path %r; IAM cannot change the path of a role. Set path to %r, "
            "or delete the role (state=absent) and create it again" % (name, current_path, current_path)
        )


# --- ownership: whose role is it? -------------------------------------------------------------


def is_marked(tags: dict) -> bool:
    """Whether the role carries the marker of the roles sentinel.aws made or adopted (tag keys are case-insensitive)."""
    return any(key.lower() == MARKER_TAG_KEY.lower() and value == MARKER_TAG_VALUE for key, value in tags.items())


def own_policy_arns(spec: dict) -> list:
    """The managed policies a Sentinel role may carry: the wanted ones and the renamed CloudTrail one."""
    return list(spec["managed_policies"]) + sorted(legacy_policy_arns(spec["partition"]))


def foreign_things(current: dict, spec: dict) -> list:
    """What makes a role more than a Sentinel role, one phrase each; [] for a Sentinel role.

    A Sentinel role holds only Sentinel trust statements, only the wanted (or the renamed
    CloudTrail) managed policies, no inline policy and no boundary but the one asked for.
    """
    _keys, others = split_trust(current["trust_policy"], spec["trust"])
    reasons = ["its trust policy %s" % describe_statement(s, spec["trust"]) for s in others]
    own = own_policy_arns(spec)
    reasons += ["it carries the managed policy %s" % arn for arn in current["attached_policies"] if arn not in own]
    reasons += ["it has the inline policy %s" % name for name in current["inline_policies"]]
    boundary = current["permissions_boundary"]
    if boundary and boundary != spec["permissions_boundary"]:
        reasons.append("its permissions boundary is %s" % boundary)
    return reasons


def present_ownership(current: dict, spec: dict) -> str:
    """``managed``, ``adopted`` or ``taken_over``; InvalidInput, before any write, for a role that is not Sentinel's.

    A marked role is the module's: what it holds beyond a Sentinel role is drift, repaired. An
    unmarked role that is a Sentinel role (made by hand with Microsoft's procedure) is adopted.
    Anything else belongs to someone else, unless take_over says to converge it anyway.
    """
    if is_marked(current["tags"]):
        return "managed"
    reasons = foreign_things(current, spec)
    if not reasons:
        return "adopted"
    if spec["take_over"]:
        return "taken_over"
    raise InvalidInput(
        "role %s is not a Sentinel role and was not made by sentinel.aws: %s; nothing was changed. Set take_over: true "
        "to make it one anyway (this removes all of the above from it)" % (spec["name"], "; ".join(reasons))
    )


def offboarding_ownership(current: dict, spec: dict) -> str:
    """The ownership of a role before offboarding: as for present, and ``foreign`` instead of a refusal."""
    if is_marked(current["tags"]):
        return "managed"
    if not foreign_things(current, spec):
        return "adopted"
    return "taken_over" if spec["take_over"] else "foreign"


# --- present: converge ------------------------------------------------------------------------


def plan_trust(current: dict, spec: dict) -> dict:
    """{} when the trust is right, else the new trust policy and its keys (workspace IDs, session names).

    Right means Sentinel statements only, for exactly the wanted keys, however they are written
    (one statement per workspace, Sids, lists or single values): such a trust is left alone.
    """
    # Not amazon.aws's compare_policies: it tests two documents for equality, so a Sid, one
    # statement per workspace or another case of "sts:ExternalId" would count as drift; and it
    # equates an account ID with its root ARN only in the partition aws (policy.py,
    # _canonify_root_arn, the same in 8.2.1 to 10), not arn:aws-us-gov:iam::<id>:root.
    trust = spec["trust"]
    keys, others = split_trust(current["trust_policy"], trust)
    wanted = trust.wanted(keys)
    if not others and keys == wanted:
        return {}
    return {"trust_policy": trust.build(wanted), trust.keys_name: wanted}


def plan_update(current: dict, spec: dict) -> dict:
    """What must change on an existing role (a ``role_view``) to match ``spec``; {} when nothing.

    Other trust statements, inline policies and an unasked boundary are removed; other managed
    policies too unless purge_policies is off.
    """
    require_same_path(spec["name"], current["path"], spec["path"])
    plan = plan_trust(current, spec)
    attach, detach = plan_policies(
        current["attached_policies"], spec["managed_policies"], spec["purge_policies"], spec["partition"]
    )
    tags_set, tags_unset = plan_tags(current["tags"], spec["tags"], spec["purge_tags"])
    changes = {
        "attach": attach,
        "detach": detach,
        "delete_inline": current["inline_policies"],
        "tags_set": tags_set,
        "tags_unset": tags_unset,
    }
    plan.update({key: value for key, value in changes.items() if value})
    for key in ("description", "max_session_duration"):
        if spec[key] is not None and spec[key] != current[key]:
            plan[key] = spec[key]
    if spec["permissions_boundary"] != current["permissions_boundary"]:
        plan["permissions_boundary"] = spec["permissions_boundary"]
    return plan


# What a plan sets on the role view as it is: the trust (with either kind's keys) and role settings.
PLANNED_KEYS = (
    "trust_policy",
    "external_ids",
    "session_names",
    "description",
    "max_session_duration",
    "permissions_boundary",
)


def apply_plan(current: dict, plan: dict) -> dict:
    """The role view after ``plan`` is carried out; used for the result and the diff."""
    after = copy.deepcopy(current)
    for key in PLANNED_KEYS:
        if key in plan:
            after[key] = plan[key]
    attached = [arn for arn in after["attached_policies"] if arn not in plan.get("detach", [])]
    after["attached_policies"] = sorted(set(attached) | set(plan.get("attach", [])))
    after["inline_policies"] = [name for name in after["inline_policies"] if name not in plan.get("delete_inline", [])]
    for key in plan.get("tags_unset", []):
        after["tags"].pop(key, None)
    after["tags"].update(plan.get("tags_set", {}))
    return after


# --- absent: offboard -------------------------------------------------------------------------


def plan_offboarding(current: dict, profiles: list, spec: dict) -> dict:
    """What offboarding removes from an existing role: never what sentinel.aws did not put there.

    Removed: the keys the trust kind offboards (CloudTrail: the workspace ID ``external_id``, or
    every Sentinel ID when not given; S3: every session name). While other keys (workspaces' IDs)
    remain, only the trust changes. With none left, the role is deleted if nothing
    else is on it; otherwise only Sentinel's pieces come off (its statements, its policies, the
    marker) and the role stays. ``delete_role`` means delete; take_over deletes whatever is on it.
    A role that is neither marked nor trusts Sentinel has nothing of ours: {}.
    """
    if spec["take_over"]:
        return {"delete_role": True}
    trust = spec["trust"]
    ids, others = split_trust(current["trust_policy"], trust)
    if not ids and not is_marked(current["tags"]):
        return {}
    removed = [i for i in ids if trust.offboarded(i)]
    remaining = sorted({trust.normal(i) for i in ids if i not in removed})
    if remaining:
        return _narrowed_trust(current, spec, remaining) if removed else {}
    own = [arn for arn in current["attached_policies"] if arn in own_policy_arns(spec)]
    extras = others or len(own) < len(current["attached_policies"]) or current["inline_policies"] or profiles
    if not extras:
        return {"delete_role": True}
    plan = {"detach": own, "tags_unset": [key for key in current["tags"] if key.lower() == MARKER_TAG_KEY.lower()]}
    plan = {key: value for key, value in plan.items() if value}
    if ids and others:
        plan.update(_narrowed_trust(current, spec, []))
    return plan


def _narrowed_trust(current: dict, spec: dict, remaining: list) -> dict:
    document = narrowed_trust_policy(current["trust_policy"], spec["trust"], remaining)
    return {"trust_policy": document, spec["trust"].keys_name: remaining}


def left_behind(after: dict, profiles: list, spec: dict) -> list:
    """Everything still on a role that offboarding keeps, one phrase each."""
    kind = spec["trust"]
    ids, others = split_trust(after["trust_policy"], kind)
    items = []
    if ids:
        trust = "the trust for %s %s" % (kind.keys_phrase if len(ids) > 1 else kind.key_phrase, ", ".join(ids))
        if any(kind.offboarded(i) for i in ids):
            # A key offboarding removes is still there only when its statement is the role's last:
            # IAM refuses a trust policy without a statement (MalformedPolicyDocument).
            trust += " (kept: a trust policy needs a statement; delete the role to remove it)"
        items.append(trust)
    items += ["the trust statement %s" % json.dumps(statement, sort_keys=True) for statement in others]
    items += ["the managed policy %s" % arn for arn in after["attached_policies"]]
    items += ["the inline policy %s" % name for name in after["inline_policies"]]
    items += ["the instance profile %s" % name for name in profiles]
    if after["permissions_boundary"]:
        items.append("the permissions boundary %s" % after["permissions_boundary"])
    return items


def offboarding_warning(current: dict, after: dict, left: list, spec: dict) -> str | None:
    """The warning for a role offboarding keeps though no workspace uses it any more; None otherwise."""
    kind = spec["trust"]
    if any(not kind.offboarded(i) for i in after[kind.keys_name]):
        return None  # other workspaces still use the role: keeping it is the point
    if not current[kind.keys_name] and not is_marked(current["tags"]):
        return "role %s is not a Sentinel role and was not made by sentinel.aws; nothing was changed. It holds: %s" % (
            spec["name"],
            "; ".join(left),
        )
    return (
        "role %s was not deleted: it holds things sentinel.aws did not put there, so only Sentinel's part was removed. "
        "Left behind: %s" % (spec["name"], "; ".join(left))
    )


# A role view has the keys of its trust kind: external_ids (CloudTrail) or session_names (S3).
DIFF_KEYS = (
    "trust_policy",
    "external_ids",
    "session_names",
    "managed_policies",
    "inline_policies",
    "tags",
    "path",
    "description",
    "max_session_duration",
    "permissions_boundary",
)


def diff_view(view: dict | None) -> dict:
    """The part of a role view shown by --diff; {} for a role that does not exist."""
    if not view:
        return {}
    shown = {key: view.get(key) for key in DIFF_KEYS if key in view or key == "managed_policies"}
    shown["managed_policies"] = view["attached_policies"]
    return shown


# --- IAM and STS calls ----------------------------------------------------------------------


class IamApi:
    """The IAM/STS plumbing of every IAM module: one retrying client; AWS errors become AnsibleAWSError naming the operation."""

    def __init__(self, module):
        self._module = module
        self.iam = module.client("iam", retry_decorator=RETRY)
        # The partition botocore resolved for the client's region, from the endpoint data it loaded
        # to make the client. (boto3's get_partition_for_region would load those 1.2 MB of JSON a
        # second time: a tenth of a converged run.) No region means aws, as for IAM itself.
        self.partition = self.iam.client.meta.partition
        self._sts = None

    # Errors go through amazon.aws's IAMErrorHandler (the same in 8.2.1 to 10): a botocore error
    # becomes AnsibleIAMError, an AnsibleAWSError "Failed to <what>"; its list handler answers None
    # for NoSuchEntity. Its ready-made calls are not used: get_iam_role and list_iam_role_*_policies
    # retry with AWSRetry's defaults, which miss ThrottlingException (RETRIED_ERROR_CODES), their
    # messages do not name the role, and the lists answer [] for a role gone. get_aws_account_id
    # has those defaults too, then tries iam:GetUser and ends the module itself (fail_json_aws).

    def _call(self, what: str, method: object, **kwargs: object) -> dict:
        return IAMErrorHandler.common_error_handler(what)(method)(aws_retry=True, **kwargs)

    def _read(self, what: str, method: object, **kwargs: object) -> dict | None:
        """The answer of a read call, None when IAM answers NoSuchEntity."""
        return IAMErrorHandler.list_error_handler(what)(method)(aws_retry=True, **kwargs)

    def caller_account(self) -> str:
        if self._sts is None:
            self._sts = self._module.client("sts", retry_decorator=RETRY)
        identity = self._call("get the caller identity (sts:GetCallerIdentity)", self._sts.get_caller_identity)
        return identity["Account"]

    def _list(self, what: str, operation: str, key: str, **kwargs: object) -> list:
        """Every item under ``key`` of a paginated IAM list call: botocore's paginator, one call per page."""
        listing = IAMErrorHandler.common_error_handler(what)(paginated_query_with_retries)
        return listing(self.iam.client, operation, retry_decorator=RETRY, **kwargs).get(key, [])


class RoleApi(IamApi):
    """One method per IAM call on a role."""

    def __init__(self, module):
        super().__init__(module)
        # Same connection, but NoSuchEntity is retried too: only for calls on a role just created.
        self.iam_new_role = RetryingBotoClientWrapper(self.iam.client, RETRY_NEW_ROLE)

    def get_role(self, name: str) -> dict | None:
        found = self._read("get role %s" % name, self.iam.get_role, RoleName=name)
        return found["Role"] if found else None

    def attached_policies(self, name: str) -> list:
        what = "list the managed policies of role %s" % name
        return [
            p["PolicyArn"] for p in self._list(what, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
        ]

    def inline_policies(self, name: str) -> list:
        # GetRole does not show inline policies: without this read an added `Action: *` policy is invisible.
        what = "list the inline policies of role %s" % name
        return self._list(what, "list_role_policies", "PolicyNames", RoleName=name)

    def instance_profiles(self, name: str) -> list:
        what = "list the instance profiles of role %s" % name
        profiles = self._list(what, "list_instance_profiles_for_role", "InstanceProfiles", RoleName=name)
        return [p["InstanceProfileName"] for p in profiles]

    def require_policies_exist(self, arns: list) -> None:
        for arn in arns:
            if self._read("get managed policy %s" % arn, self.iam.get_policy, PolicyArn=arn) is None:
                raise InvalidInput(
                    "managed_policies: the policy %s does not exist (names of AWS managed policies are case-sensitive; "
                    "customer managed policies need their full ARN)" % arn
                )

    def create_role(self, spec: dict) -> dict:
        spec["trust"].require(spec["trust_policy"])
        kwargs = {
            "RoleName": spec["name"],
            "Path": spec["path"],
            "AssumeRolePolicyDocument": _policy_json(spec["trust_policy"]),
        }
        if spec["description"] is not None:
            kwargs["Description"] = spec["description"]
        if spec["max_session_duration"] is not None:
            kwargs["MaxSessionDuration"] = spec["max_session_duration"]
        if spec["permissions_boundary"]:
            kwargs["PermissionsBoundary"] = spec["permissions_boundary"]
        if spec["tags"]:
            kwargs["Tags"] = ansible_dict_to_boto3_tag_list(spec["tags"])
        return self._call("create role %s" % spec["name"], self.iam.create_role, **kwargs)["Role"]

    def update_trust_policy(self, name: str, document: dict, trust: object) -> None:
        """A present run's trust write: only with the condition of its kind (``trust.require``)."""
        trust.require(document)
        self._put_trust_policy(name, document)

    def narrow_trust_policy(self, name: str, before: dict, after: dict, trust: object) -> None:
        """Offboarding's trust write: only ever less than ``before`` (see ``require_narrowed``)."""
        require_narrowed(before, after, trust)
        self._put_trust_policy(name, after)

    def _put_trust_policy(self, name: str, document: dict) -> None:
        self._call(
            "update the trust policy of role %s" % name,
            self.iam.update_assume_role_policy,
            RoleName=name,
            PolicyDocument=_policy_json(document),
        )

    def attach(self, name: str, arn: str, new_role: bool = False) -> None:
        client = self.iam_new_role if new_role else self.iam
        self._call("attach policy %s to role %s" % (arn, name), client.attach_role_policy, RoleName=name, PolicyArn=arn)

    def detach(self, name: str, arn: str) -> None:
        self._call(
            "detach policy %s from role %s" % (arn, name), self.iam.detach_role_policy, RoleName=name, PolicyArn=arn
        )

    def tag(self, name: str, tags: dict) -> None:
        self._call("tag role %s" % name, self.iam.tag_role, RoleName=name, Tags=ansible_dict_to_boto3_tag_list(tags))

    def untag(self, name: str, keys: list) -> None:
        self._call("untag role %s" % name, self.iam.untag_role, RoleName=name, TagKeys=keys)

    def update_role(self, name: str, plan: dict) -> None:
        kwargs = {"RoleName": name}
        if "description" in plan:
            kwargs["Description"] = plan["description"]
        if "max_session_duration" in plan:
            kwargs["MaxSessionDuration"] = plan["max_session_duration"]
        self._call("update role %s" % name, self.iam.update_role, **kwargs)

    def set_boundary(self, name: str, arn: str) -> None:
        if arn:
            self._call(
                "set the permissions boundary of role %s" % name,
                self.iam.put_role_permissions_boundary,
                RoleName=name,
                PermissionsBoundary=arn,
            )
        else:
            self._call(
                "remove the permissions boundary of role %s" % name,
                self.iam.delete_role_permissions_boundary,
                RoleName=name,
            )

    def delete_inline_policy(self, name: str, policy_name: str) -> None:
        self._call(
            "delete inline policy %s of role %s" % (policy_name, name),
            self.iam.delete_role_policy,
            RoleName=name,
            PolicyName=policy_name,
        )

    def delete_role(self, name: str, attached: list, inline: list, profiles: list) -> None:
        """DeleteRole refuses a role with policies or instance profiles: remove those first."""
        for arn in attached:
            self.detach(name, arn)
        for policy_name in inline:
            self.delete_inline_policy(name, policy_name)
        for profile in profiles:
            self._call(
                "remove role %s from instance profile %s" % (name, profile),
                self.iam.remove_role_from_instance_profile,
                InstanceProfileName=profile,
                RoleName=name,
            )
        self._call("delete role %s" % name, self.iam.delete_role, RoleName=name)


def _policy_json(document: dict) -> str:
    return json.dumps(document, sort_keys=True)


# --- a role module's run ----------------------------------------------------------------------


def run_module(module: object, spec_for: object) -> None:
    """The run of a role module (connector_role, s3_connector_role); ends the module.

    ``spec_for(api)`` checks the module's options and returns (spec, warnings): making the clients
    calls nothing, so every input is checked before any API call.
    """

    def run() -> dict:
        api = RoleApi(module)
        spec, warnings = spec_for(api)
        # Reported before any write, so that they are seen even when the write fails.
        aws_module.warn(module, warnings)
        ensure = ensure_present if spec["state"] == "present" else ensure_absent
        return ensure(api, spec, module.check_mode)

    aws_module.run_module(module, run, refused=(InvalidInput, UnsafeTrustPolicy))


# --- the two states -------------------------------------------------------------------------


def _verify_account(spec: dict, actual: str, source: str) -> None:
    validation.require_account(spec["account_id"], actual, source, spec["account_option"])


def bind_account(spec: dict, account_id: str) -> dict:
    """``spec`` for a role in ``account_id``: its trust kind bound to the account, a new role's trust built for it.

    The S3 role's trust names the account's own OIDC provider, so it is known only once the
    account is (from the role's ARN, or sts:GetCallerIdentity before a create).
    """
    trust = spec["trust"].in_account(account_id)
    bound = dict(spec, trust=trust)
    if spec["state"] == "present":
        bound["trust_policy"] = trust.build(trust.wanted([]))
    return bound


def ensure_present(api: RoleApi, spec: dict, check_mode: bool) -> dict:
    """Create or converge the role: the outcome (changed, role, ownership, diff)."""
    name = spec["name"]
    existing = api.get_role(name)
    if existing is None:
        return _create(api, spec, check_mode)
    account = parse_aws_arn(existing["Arn"])["account_id"]
    _verify_account(spec, account, "from the ARN of role %s" % name)
    require_same_path(name, existing.get("Path", "/"), spec["path"])
    spec = bind_account(spec, account)
    current = role_view(existing, api.attached_policies(name), api.inline_policies(name), spec["trust"])
    ownership = present_ownership(current, spec)
    plan = plan_update(current, spec)
    after = apply_plan(current, plan)
    outcome = {
        "changed": bool(plan),
        "role": after,
        "ownership": ownership,
        "diff": {"before": diff_view(current), "after": diff_view(after)},
    }
    if plan:
        # Checked even in check mode, so that --check reports a bad policy name too.
        api.require_policies_exist(plan.get("attach", []))
        if not check_mode:
            _apply(api, spec, plan)
    return outcome


def _apply(api: RoleApi, spec: dict, plan: dict) -> None:
    name = spec["name"]
    # New policies go on before old ones come off, so the role never lacks read access.
    for arn in plan.get("attach", []):
        api.attach(name, arn)
    if "trust_policy" in plan:
        api.update_trust_policy(name, plan["trust_policy"], spec["trust"])
    if plan.get("tags_unset"):
        api.untag(name, plan["tags_unset"])
    if plan.get("tags_set"):
        api.tag(name, plan["tags_set"])
    if "description" in plan or "max_session_duration" in plan:
        api.update_role(name, plan)
    if "permissions_boundary" in plan:
        api.set_boundary(name, plan["permissions_boundary"])
    for arn in plan.get("detach", []):
        api.detach(name, arn)
    for policy_name in plan.get("delete_inline", []):
        api.delete_inline_policy(name, policy_name)


def _create(api: RoleApi, spec: dict, check_mode: bool) -> dict:
    account = None
    if spec["account_id"] or check_mode or spec["trust"].needs_account:
        account = api.caller_account()
        _verify_account(spec, account, "from sts:GetCallerIdentity")
        spec = bind_account(spec, account)
    # A policy that does not exist must fail the run before the role exists, not after.
    api.require_policies_exist(spec["managed_policies"])
    if check_mode:
        view = new_role_view(spec, role_arn(spec["partition"], account, spec["path"], spec["name"]))
    else:
        created = api.create_role(spec)
        try:
            for arn in spec["managed_policies"]:
                api.attach(spec["name"], arn, new_role=True)
        except AnsibleAWSError:
            _remove_half_made_role(api, spec["name"])
            raise
        view = role_view(created, spec["managed_policies"], [], spec["trust"])
        # CreateRole echoes Tags but not always the boundary or description: report what was set.
        view.update({k: v for k, v in new_role_view(spec, view["arn"]).items() if k not in ("arn", "role_id")})
    return {"changed": True, "role": view, "ownership": "created", "diff": {"before": {}, "after": diff_view(view)}}


def _remove_half_made_role(api: RoleApi, name: str) -> None:
    """Undo a create whose policies could not be attached; the original error is what matters."""
    try:
        api.delete_role(name, api.attached_policies(name), [], [])
    except AnsibleAWSError:
        pass


def ensure_absent(api: RoleApi, spec: dict, check_mode: bool) -> dict:
    """Offboard the role: the outcome (changed, role, ownership, role_deleted, left_behind, warnings, diff).

    ``role`` is the role as offboarding leaves it, {} when it is deleted or was not there.
    """
    name = spec["name"]
    existing = api.get_role(name)
    if existing is None:
        return _absent_outcome(False, {}, {}, "none", [])
    account = parse_aws_arn(existing["Arn"])["account_id"]
    _verify_account(spec, account, "from the ARN of role %s" % name)
    require_same_path(name, existing.get("Path", "/"), spec["path"])
    spec = bind_account(spec, account)
    attached, inline, profiles = api.attached_policies(name), api.inline_policies(name), api.instance_profiles(name)
    current = role_view(existing, attached, inline, spec["trust"])
    ownership = offboarding_ownership(current, spec)
    plan = plan_offboarding(current, profiles, spec)
    if plan.get("delete_role"):
        if not check_mode:
            api.delete_role(name, attached, inline, profiles)
        return _absent_outcome(True, current, {}, ownership, [])
    after = apply_plan(current, plan)
    outcome = _absent_outcome(bool(plan), current, after, ownership, left_behind(after, profiles, spec))
    if plan and not check_mode:
        _offboard(api, spec, current, plan)
    warning = offboarding_warning(current, after, outcome["left_behind"], spec)
    if warning:
        outcome["warnings"].append(warning)
    return outcome


def _absent_outcome(changed: bool, before: dict, after: dict, ownership: str, left: list) -> dict:
    return {
        "changed": changed,
        "role": after,
        "ownership": ownership,
        "role_deleted": bool(before) and not after,
        "left_behind": left,
        "warnings": [],
        "diff": {"before": diff_view(before), "after": diff_view(after)},
    }


def _offboard(api: RoleApi, spec: dict, current: dict, plan: dict) -> None:
    name = spec["name"]
    # The trust first: Sentinel loses access to the role before anything else changes.
    if "trust_policy" in plan:
        api.narrow_trust_policy(name, current["trust_policy"], plan["trust_policy"], spec["trust"])
    for arn in plan.get("detach", []):
        api.detach(name, arn)
    if plan.get("tags_unset"):
        api.untag(name, plan["tags_unset"])
