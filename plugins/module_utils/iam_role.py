# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IAM role Microsoft Sentinel assumes: plan the changes (pure), then make them.

The planning half takes and returns plain dicts and is unit tested without AWS. The IAM half
(``RoleApi``) is one thin method per API call, all through one retrying client; every AWS
error becomes an ``AnsibleAWSError`` whose message names the operation and the role.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports a missing boto3 itself.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import build_trust_policy
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import parse_policy_document
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import policies_equal
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import require_external_id
from ansible_collections.sentinel.aws.plugins.module_utils import validation
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

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

COMMERCIAL_PARTITION = "aws"
DEFAULT_POLICY = "AWSCloudTrail_ReadOnlyAccess"
# CloudTrail renamed its read-only managed policy in June 2022; the old one stays attached where it
# was but cannot be attached to new roles (AWS CloudTrail user guide, "AWS managed policies").
LEGACY_POLICY_NAMES = {"AWSCloudTrailReadOnlyAccess": DEFAULT_POLICY}


# --- pure planning --------------------------------------------------------------------------


def require_commercial_partition(partition, region):
    # type: (str, str | None) -> None
    # Microsoft Learn, "Connect Microsoft Sentinel to Amazon Web Services", CloudTrail (legacy):
    # only AWS commercial CloudTrail can be connected. GovCloud/China need another connector.
    if partition != COMMERCIAL_PARTITION:
        raise InvalidInput(
            "region %r is in the AWS partition %r: the Sentinel CloudTrail (legacy) connector supports only "
            "AWS commercial regions (partition 'aws'), not GovCloud or China" % (region, partition)
        )


def session_token_fallback(params, environ):
    # type: (dict, dict) -> str | None
    """The session token to use when none was given: ``AWS_SECURITY_TOKEN``.

    Older AWX credentials inject only that name, and amazon.aws 10 stopped reading it; keys from
    the environment without their token would fail with a confusing signature error.
    """
    if params.get("session_token") or params.get("profile") or not params.get("access_key"):
        return None
    return environ.get("AWS_SECURITY_TOKEN") or None


def policy_arn(name_or_arn, partition):
    # type: (str, str) -> str
    """A bare name means an AWS managed policy, whose ARN uses the account ``aws``."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return "arn:%s:iam::aws:policy/%s" % (partition, name_or_arn)


def legacy_policy_arns(partition):
    # type: (str) -> dict
    """Old AWS managed policy ARN -> its replacement's ARN."""
    return {policy_arn(old, partition): policy_arn(new, partition) for old, new in LEGACY_POLICY_NAMES.items()}


def resolve_managed_policies(policies, partition):
    # type: (list, str) -> tuple
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


def plan_policies(current, desired, purge, partition):
    # type: (list, list, bool, str) -> tuple
    """(ARNs to attach, ARNs to detach).

    Without purge, other policies stay; a renamed policy is detached anyway once its replacement
    is wanted, since keeping both would grant the same rights twice under two names.
    """
    to_attach = [arn for arn in desired if arn not in current]
    replaced = {old for old, new in legacy_policy_arns(partition).items() if new in desired}
    to_detach = [arn for arn in current if arn not in desired and (purge or arn in replaced)]
    return to_attach, to_detach


def plan_tags(current, desired, purge):
    # type: (dict, dict | None, bool) -> tuple
    """(tags to set, keys to remove) with amazon.aws's semantics: None leaves tags alone."""
    if desired is None:
        return {}, []
    to_set, to_unset = compare_aws_tags(current, desired, purge)
    return to_set, sorted(to_unset)


def role_spec(params, partition):
    # type: (dict, str) -> tuple
    """(the desired role as plain data, warnings) from module parameters; InvalidInput on bad input.

    Every rule is checked here, before the module makes any call.
    """
    state = params["state"]
    spec = {
        "name": validation.check_role_name("name", params["name"]),
        "state": state,
        "partition": partition,
        "account_id": None,
        "path": validation.check_iam_path("path", params["path"]),
        "purge_policies": params["purge_policies"],
        "purge_tags": params["purge_tags"],
        "tags": None,
        "description": None,
        "max_session_duration": None,
        "permissions_boundary": None,
    }
    if params.get("account_id") is not None:
        spec["account_id"] = validation.check_account_id("account_id", params["account_id"])
    if state == "absent":
        return spec, []
    if not params.get("external_id"):
        raise InvalidInput("external_id is required when state=present: the Log Analytics workspace ID (a GUID)")
    external_id = validation.check_guid("external_id", params["external_id"])
    microsoft_account = validation.check_account_id("microsoft_account_id", params["microsoft_account_id"])
    spec["external_id"] = external_id
    spec["trust_policy"] = build_trust_policy(microsoft_account, external_id, partition)
    policies = [validation.check_managed_policy("managed_policies", p) for p in params["managed_policies"]]
    for policy in policies:
        if policy.startswith("arn:"):
            _require_partition("managed_policies", validation.parse_policy_arn("managed_policies", policy), partition)
    spec["managed_policies"], warnings = resolve_managed_policies(policies, partition)
    if params.get("tags") is not None:
        spec["tags"] = validation.check_tags("tags", params["tags"])
    if params.get("description") is not None:
        spec["description"] = validation.check_description("description", params["description"])
    if params.get("max_session_duration") is not None:
        spec["max_session_duration"] = validation.check_session_duration(
            "max_session_duration", params["max_session_duration"]
        )
    boundary = params.get("permissions_boundary")
    if boundary:
        _require_partition(
            "permissions_boundary", validation.parse_policy_arn("permissions_boundary", boundary), partition
        )
    spec["permissions_boundary"] = boundary
    return spec, warnings


def _require_partition(option, arn_parts, partition):
    # type: (str, dict, str) -> None
    if arn_parts["partition"] != partition:
        raise InvalidInput(
            "%s: the ARN is in partition %r but the region is in partition %r"
            % (option, arn_parts["partition"], partition)
        )


def role_arn(partition, account_id, path, name):
    # type: (str, str, str, str) -> str
    return "arn:%s:iam::%s:role%s%s" % (partition, account_id, path, name)


def account_of_arn(arn):
    # type: (str) -> str
    return arn.split(":")[4]


def role_view(role, attached):
    # type: (dict, list) -> dict
    """The module's ``role`` result from GetRole/CreateRole output and the attached policy ARNs."""
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return {
        "arn": role["Arn"],
        "name": role["RoleName"],
        "role_id": role.get("RoleId"),
        "path": role.get("Path", "/"),
        "trust_policy": parse_policy_document(role.get("AssumeRolePolicyDocument")),
        "attached_policies": sorted(attached),
        "tags": boto3_tag_list_to_ansible_dict(role.get("Tags") or []),
        "description": role.get("Description"),
        "max_session_duration": role.get("MaxSessionDuration"),
        "permissions_boundary": boundary,
    }


def new_role_view(spec, arn):
    # type: (dict, str) -> dict
    """The role as ``spec`` would create it (check mode has no role ID)."""
    return {
        "arn": arn,
        "name": spec["name"],
        "role_id": None,
        "path": spec["path"],
        "trust_policy": spec["trust_policy"],
        "attached_policies": sorted(spec["managed_policies"]),
        "tags": dict(spec["tags"] or {}),
        "description": spec["description"],
        "max_session_duration": spec["max_session_duration"] or 3600,
        "permissions_boundary": spec["permissions_boundary"] or None,
    }


def plan_update(current, spec):
    # type: (dict, dict) -> dict
    """What must change on an existing role (a ``role_view``) to match ``spec``; {} when nothing."""
    if current["path"] != spec["path"]:
        # IAM has no API to move a role (UpdateRole takes no Path); a new path means a new role
        # and a new ARN for the Sentinel connector. amazon.aws.iam_role fails the same way.
        raise InvalidInput(
            "path: the role %s exists with path %r; IAM cannot change the path of a role. Set path to %r, "
            "or delete the role (state=absent) and create it again" % (spec["name"], current["path"], current["path"])
        )
    plan = {}
    if not policies_equal(current["trust_policy"], spec["trust_policy"], spec["partition"]):
        plan["trust_policy"] = spec["trust_policy"]
    attach, detach = plan_policies(
        current["attached_policies"], spec["managed_policies"], spec["purge_policies"], spec["partition"]
    )
    if attach:
        plan["attach"] = attach
    if detach:
        plan["detach"] = detach
    tags_set, tags_unset = plan_tags(current["tags"], spec["tags"], spec["purge_tags"])
    if tags_set:
        plan["tags_set"] = tags_set
    if tags_unset:
        plan["tags_unset"] = tags_unset
    for key in ("description", "max_session_duration"):
        if spec[key] is not None and spec[key] != current[key]:
            plan[key] = spec[key]
    boundary = spec["permissions_boundary"]
    if boundary is not None and (boundary or None) != current["permissions_boundary"]:
        plan["permissions_boundary"] = boundary
    return plan


def apply_plan(current, plan):
    # type: (dict, dict) -> dict
    """The role view after ``plan`` is carried out; used for the result and the diff."""
    after = copy.deepcopy(current)
    if "trust_policy" in plan:
        after["trust_policy"] = plan["trust_policy"]
    attached = [arn for arn in after["attached_policies"] if arn not in plan.get("detach", [])]
    after["attached_policies"] = sorted(set(attached) | set(plan.get("attach", [])))
    for key in plan.get("tags_unset", []):
        after["tags"].pop(key, None)
    after["tags"].update(plan.get("tags_set", {}))
    for key in ("description", "max_session_duration"):
        if key in plan:
            after[key] = plan[key]
    if "permissions_boundary" in plan:
        after["permissions_boundary"] = plan["permissions_boundary"] or None
    return after


DIFF_KEYS = (
    "trust_policy",
    "managed_policies",
    "tags",
    "path",
    "description",
    "max_session_duration",
    "permissions_boundary",
)


def diff_view(view):
    # type: (dict | None) -> dict
    """The part of a role view shown by --diff; {} for a role that does not exist."""
    if not view:
        return {}
    shown = {key: view.get(key) for key in DIFF_KEYS}
    shown["managed_policies"] = view["attached_policies"]
    return shown


# --- IAM and STS calls ----------------------------------------------------------------------


class RoleApi:
    """One method per IAM/STS call; AWS errors become AnsibleAWSError naming the operation."""

    def __init__(self, module):
        self._module = module
        self.iam = module.client("iam", retry_decorator=RETRY)
        # Same connection, but NoSuchEntity is retried too: only for calls on a role just created.
        self.iam_new_role = RetryingBotoClientWrapper(self.iam.client, RETRY_NEW_ROLE)
        # The partition botocore resolved for the client's region, from the endpoint data it loaded
        # to make the client. (boto3's get_partition_for_region would load those 1.2 MB of JSON a
        # second time: a tenth of a converged run.) No region means aws, as for IAM itself.
        self.partition = self.iam.client.meta.partition
        self._sts = None

    def _call(self, what, method, **kwargs):
        try:
            return method(aws_retry=True, **kwargs)
        except (ClientError, BotoCoreError) as e:
            raise AnsibleAWSError(message="Failed to %s" % what, exception=e) from e

    def caller_account(self):
        # type: () -> str
        if self._sts is None:
            self._sts = self._module.client("sts", retry_decorator=RETRY)
        identity = self._call("get the caller identity (sts:GetCallerIdentity)", self._sts.get_caller_identity)
        return identity["Account"]

    def get_role(self, name):
        # type: (str) -> dict | None
        try:
            return self.iam.get_role(RoleName=name, aws_retry=True)["Role"]
        except is_boto3_error_code("NoSuchEntity"):
            return None
        except (ClientError, BotoCoreError) as e:  # pylint: disable=duplicate-except
            raise AnsibleAWSError(message="Failed to get role %s" % name, exception=e) from e

    def attached_policies(self, name):
        # type: (str) -> list
        arns, kwargs = [], {"RoleName": name}
        while True:
            page = self._call(
                "list the managed policies of role %s" % name, self.iam.list_attached_role_policies, **kwargs
            )
            arns.extend(p["PolicyArn"] for p in page.get("AttachedPolicies", []))
            if not page.get("IsTruncated"):
                return arns
            kwargs["Marker"] = page["Marker"]

    def require_policies_exist(self, arns):
        # type: (list) -> None
        for arn in arns:
            try:
                self.iam.get_policy(PolicyArn=arn, aws_retry=True)
            except is_boto3_error_code("NoSuchEntity"):
                raise InvalidInput(
                    "managed_policies: the policy %s does not exist (names of AWS managed policies are case-sensitive; "
                    "customer managed policies need their full ARN)" % arn
                ) from None
            except (ClientError, BotoCoreError) as e:  # pylint: disable=duplicate-except
                raise AnsibleAWSError(message="Failed to get managed policy %s" % arn, exception=e) from e

    def create_role(self, spec):
        # type: (dict) -> dict
        require_external_id(spec["trust_policy"], spec["external_id"])
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

    def update_trust_policy(self, name, document, external_id):
        # type: (str, dict, str) -> None
        require_external_id(document, external_id)
        self._call(
            "update the trust policy of role %s" % name,
            self.iam.update_assume_role_policy,
            RoleName=name,
            PolicyDocument=_policy_json(document),
        )

    def attach(self, name, arn, new_role=False):
        # type: (str, str, bool) -> None
        client = self.iam_new_role if new_role else self.iam
        self._call("attach policy %s to role %s" % (arn, name), client.attach_role_policy, RoleName=name, PolicyArn=arn)

    def detach(self, name, arn):
        # type: (str, str) -> None
        self._call(
            "detach policy %s from role %s" % (arn, name), self.iam.detach_role_policy, RoleName=name, PolicyArn=arn
        )

    def tag(self, name, tags):
        # type: (str, dict) -> None
        self._call("tag role %s" % name, self.iam.tag_role, RoleName=name, Tags=ansible_dict_to_boto3_tag_list(tags))

    def untag(self, name, keys):
        # type: (str, list) -> None
        self._call("untag role %s" % name, self.iam.untag_role, RoleName=name, TagKeys=keys)

    def update_role(self, name, plan):
        # type: (str, dict) -> None
        kwargs = {"RoleName": name}
        if "description" in plan:
            kwargs["Description"] = plan["description"]
        if "max_session_duration" in plan:
            kwargs["MaxSessionDuration"] = plan["max_session_duration"]
        self._call("update role %s" % name, self.iam.update_role, **kwargs)

    def set_boundary(self, name, arn):
        # type: (str, str) -> None
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

    def delete_role(self, name, attached=None):
        # type: (str, list | None) -> None
        """DeleteRole refuses a role with policies or instance profiles: remove those first."""
        for arn in self.attached_policies(name) if attached is None else attached:
            self.detach(name, arn)
        inline = self._call("list the inline policies of role %s" % name, self.iam.list_role_policies, RoleName=name)
        for policy_name in inline.get("PolicyNames", []):
            self._call(
                "delete inline policy %s of role %s" % (policy_name, name),
                self.iam.delete_role_policy,
                RoleName=name,
                PolicyName=policy_name,
            )
        profiles = self._call(
            "list the instance profiles of role %s" % name, self.iam.list_instance_profiles_for_role, RoleName=name
        )
        for profile in profiles.get("InstanceProfiles", []):
            self._call(
                "remove role %s from instance profile %s" % (name, profile["InstanceProfileName"]),
                self.iam.remove_role_from_instance_profile,
                InstanceProfileName=profile["InstanceProfileName"],
                RoleName=name,
            )
        self._call("delete role %s" % name, self.iam.delete_role, RoleName=name)


def _policy_json(document):
    # type: (dict) -> str
    return json.dumps(document, sort_keys=True)


# --- the two states -------------------------------------------------------------------------


def verify_account(expected, actual, source):
    # type: (str | None, str, str) -> None
    if expected and expected != actual:
        raise InvalidInput(
            "account_id: the credentials act on AWS account %s (%s), not the expected account %s; nothing was changed"
            % (actual, source, expected)
        )


def ensure_present(api, spec, check_mode):
    # type: (RoleApi, dict, bool) -> tuple
    """Create or converge the role. Returns (changed, role view, diff)."""
    existing = api.get_role(spec["name"])
    if existing is None:
        return _create(api, spec, check_mode)
    verify_account(spec["account_id"], account_of_arn(existing["Arn"]), "from the ARN of role %s" % spec["name"])
    current = role_view(existing, api.attached_policies(spec["name"]))
    plan = plan_update(current, spec)
    after = apply_plan(current, plan)
    diff = {"before": diff_view(current), "after": diff_view(after)}
    if not plan:
        return False, current, diff
    # Checked even in check mode, so that --check reports a bad policy name too.
    api.require_policies_exist(plan.get("attach", []))
    if not check_mode:
        _apply(api, spec, plan)
    return True, after, diff


def _apply(api, spec, plan):
    # type: (RoleApi, dict, dict) -> None
    name = spec["name"]
    # New policies go on before old ones come off, so the role never lacks read access.
    for arn in plan.get("attach", []):
        api.attach(name, arn)
    if "trust_policy" in plan:
        api.update_trust_policy(name, plan["trust_policy"], spec["external_id"])
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


def _create(api, spec, check_mode):
    # type: (RoleApi, dict, bool) -> tuple
    account = None
    if spec["account_id"] or check_mode:
        account = api.caller_account()
        verify_account(spec["account_id"], account, "from sts:GetCallerIdentity")
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
        view = role_view(created, spec["managed_policies"])
        # CreateRole echoes Tags but not always the boundary or description: report what was set.
        view.update({k: v for k, v in new_role_view(spec, view["arn"]).items() if k not in ("arn", "role_id")})
    return True, view, {"before": {}, "after": diff_view(view)}


def _remove_half_made_role(api, name):
    # type: (RoleApi, str) -> None
    """Undo a create whose policies could not be attached; the original error is what matters."""
    try:
        api.delete_role(name)
    except AnsibleAWSError:
        pass


def ensure_absent(api, spec, check_mode):
    # type: (RoleApi, dict, bool) -> tuple
    existing = api.get_role(spec["name"])
    if existing is None:
        return False, {}, {"before": {}, "after": {}}
    verify_account(spec["account_id"], account_of_arn(existing["Arn"]), "from the ARN of role %s" % spec["name"])
    current = role_view(existing, api.attached_policies(spec["name"]))
    if not check_mode:
        api.delete_role(spec["name"], current["attached_policies"])
    return True, {}, {"before": diff_view(current), "after": {}}
