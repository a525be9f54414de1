# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The organisation path (cloudtrail_organization), its calls: Azure once, then every account in threads.

Azure first: one session (one token), the workspace and its connector list read once. Then each
account, ``concurrency`` at a time: sts:AssumeRole with the hub's one STS client, the account's
role converged by iam_role (its plan, ownership rules and refusals), and the connector by
sentinel_runner against the shared list, its writes paced for the whole run (organization.WritePacer).

boto3: one session for the run. A boto3 Session is not thread-safe, its clients are (boto3 guide,
"Multithreading or multiprocessing with clients"); each account's clients are made from the one
session under a lock, with the assumed keys and the module's endpoint, CA bundle and region. A
session per account would load botocore's service JSON again for every account.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import os
import threading
from typing import Any, Dict, List, Optional

from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.sentinel.aws.plugins.module_utils import aws_module
from ansible_collections.sentinel.aws.plugins.module_utils import iam_role
from ansible_collections.sentinel.aws.plugins.module_utils import organization
from ansible_collections.sentinel.aws.plugins.module_utils import sentinel_runner
from ansible_collections.sentinel.aws.plugins.module_utils.assume_role import check_assumed_account
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import workspace_reference
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel_api import SentinelError
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel_api import open_sentinel
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel_api import scrub
from ansible_collections.sentinel.aws.plugins.module_utils.trust_policy import UnsafeTrustPolicy
from ansible_collections.sentinel.aws.plugins.module_utils.validation import COMMERCIAL_PARTITION
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput
from ansible_collections.sentinel.aws.plugins.module_utils.validation import role_arn

# Stands for the workspace's ID (read from Azure) when the role options are checked before any call.
ANY_WORKSPACE_ID = "00000000-0000-4000-8000-000000000000"
# What fails one account (its reason), never the run.
ACCOUNT_ERRORS = (InvalidInput, UnsafeTrustPolicy, AnsibleAWSError, SentinelError)


class SharedAwsSession:
    """One boto3 session for the run; clients made from it under a lock, each with its own keys."""

    def __init__(self, module: Any):
        import boto3

        region, endpoint, params = get_aws_connection_info(module)
        self.region = region
        profile = params.pop("profile_name", None)
        self._settings = dict(region_name=region, endpoint_url=endpoint, verify=params.pop("verify", None))
        # aws_config, already a botocore Config (get_aws_connection_info made it).
        config = params.pop("aws_config", None)
        if config is not None:
            self._settings["config"] = config
        # What is left are the hub's keys (all None with a profile: the session's profile then signs).
        self.hub_keys = params
        self._session = boto3.session.Session(profile_name=profile)
        self._lock = threading.Lock()

    def client(self, service: str, retry_decorator: Any, keys: Dict[str, Optional[str]]) -> Any:
        with self._lock:
            client = self._session.client(service, **self._settings, **keys)
        return RetryingBotoClientWrapper(client, retry_decorator)


class AccountConnection:
    """What iam_role.RoleApi needs of a module (``client(service, retry_decorator)``) for one account's keys."""

    def __init__(self, shared: SharedAwsSession, keys: Dict[str, Optional[str]]):
        self._shared = shared
        self._keys = keys

    def client(self, service: str, retry_decorator: Any = None) -> Any:
        return self._shared.client(service, retry_decorator, self._keys)


class AccountRoleApi(iam_role.RoleApi):
    """RoleApi on one member account that reads the role with one iam:GetAccountAuthorizationDetails.

    That call (Filter=Role, up to 1000 roles a page) answers each role's trust policy, tags,
    path, permissions boundary, managed and inline policies and instance profiles: what GetRole,
    ListAttachedRolePolicies, ListRolePolicies and ListInstanceProfilesForRole answer together,
    but not Description nor MaxSessionDuration (IAM API reference, RoleDetail). GetRole is added
    only when a description is to be compared. Each list answers once from the read; any later
    call (after a write) goes to IAM again.
    """

    def __init__(self, connection: AccountConnection, account_id: str, compare_settings: bool):
        super().__init__(connection)
        self._account = account_id
        self._compare_settings = compare_settings
        self._answers: Dict[str, List[str]] = {}

    def caller_account(self) -> str:
        # sts:AssumeRole answered it, and check_assumed_account held it to the account asked for.
        return self._account

    def get_role(self, name: str) -> Optional[dict]:
        roles = self._list(
            "read the roles of account %s (iam:GetAccountAuthorizationDetails)" % self._account,
            "get_account_authorization_details",
            "RoleDetailList",
            Filter=["Role"],
            PaginationConfig={"PageSize": 1000},
        )
        details = organization.role_details(roles, name)
        if details is None:
            return None
        self._answers = organization.role_lists(details)
        role = organization.role_from_details(details)
        if self._compare_settings:
            full = super().get_role(name) or {}
            role.update({key: full[key] for key in ("Description", "MaxSessionDuration") if key in full})
        return role

    def _answer(self, key: str) -> Optional[List[str]]:
        return self._answers.pop(key, None)

    def attached_policies(self, name: str) -> list:
        answer = self._answer("attached")
        return super().attached_policies(name) if answer is None else answer

    def inline_policies(self, name: str) -> list:
        answer = self._answer("inline")
        return super().inline_policies(name) if answer is None else answer

    def instance_profiles(self, name: str) -> list:
        answer = self._answer("profiles")
        return super().instance_profiles(name) if answer is None else answer


class PacedSentinelApi:
    """The run's SentinelApi with every connector write (PUT, DELETE) paced by the shared WritePacer."""

    def __init__(self, api: Any, pacer: organization.WritePacer):
        self._api = api
        self._pacer = pacer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)

    def put_connector(self, *args: Any) -> Dict[str, Any]:
        self._pacer.wait()
        written = self._api.put_connector(*args)
        self._pacer.succeeded()
        return written

    def delete_connector(self, *args: Any) -> None:
        self._pacer.wait()
        self._api.delete_connector(*args)
        self._pacer.succeeded()


class Run:
    """One module run: its checked options, the Azure side read once, the hub's STS client."""

    def __init__(self, module: Any):
        self.module = module
        params = module.params
        self.params = params
        self.check_mode = module.check_mode
        self.state = params["state"]
        self.accounts = organization.check_accounts(params["accounts"])
        self.concurrency = organization.check_concurrency(params["concurrency"])
        rate = organization.check_writes_per_second(params["azure_writes_per_second"])
        if params["wait_timeout"] < 0:
            raise InvalidInput("wait_timeout must be 0 or more seconds, got %d" % params["wait_timeout"])
        # Every option is checked before any call; again once the partition and the workspace ID are known.
        organization.assume_role_requests(params, self.accounts, COMMERCIAL_PARTITION)
        organization.check_role_options(params)
        iam_role.role_spec(
            organization.role_params(params, params["external_id"] or ANY_WORKSPACE_ID), COMMERCIAL_PARTITION
        )
        self.reference = workspace_reference(params)
        self.pacer = organization.WritePacer(rate)
        self.secrets = [params.get("secret"), params.get("secret_key"), params.get("session_token")]
        self.warnings: List[str] = []

    def open_azure(self) -> None:
        """One session and token; the workspace and its connector list, read once for every account."""
        budget = organization.azure_time_budget(
            self.params["wait_timeout"],
            self.params["read_timeout"],
            len(self.accounts),
            self.concurrency,
            self.params["azure_writes_per_second"],
        )
        # azure_auth's budget is the larger of wait_timeout and read_timeout: here the whole run's.
        azure_params = dict(self.params, profile=self.params["azure_profile"], wait_timeout=budget)
        # Every 429 of the run slows every writer, and its retry waits its turn (WritePacer.retry_throttled).
        api = open_sentinel(azure_params, self.reference, self.pacer.retry_throttled)
        self.workspace = api.get_workspace()
        self.connectors = sentinel_runner.list_connectors(api)
        self.sentinel = PacedSentinelApi(api, self.pacer)
        self.secrets += api.session.secrets

    def open_aws(self) -> None:
        self.aws = SharedAwsSession(self.module)
        self.sts = self.aws.client("sts", iam_role.RETRY, self.aws.hub_keys)
        self.partition = self.sts.client.meta.partition
        iam_role.require_commercial_partition(self.partition, self.aws.region)
        self.requests = organization.assume_role_requests(self.params, self.accounts, self.partition)
        external_id = organization.check_external_id(self.params["external_id"], self.workspace["customer_id"])
        self.role_spec, warnings = iam_role.role_spec(
            organization.role_params(self.params, external_id), self.partition
        )
        self.role_spec["account_option"] = "accounts"
        self.warnings += warnings

    def account_api(self, account_id: str) -> AccountRoleApi:
        """The account's IAM, as the role assumed in it (sts:AssumeRole with the hub's client)."""
        request = self.requests[account_id]
        what = "assume the role %s (sts:AssumeRole)" % request["RoleArn"]
        answer = self.aws_call(what, self.sts.assume_role, **request)
        check_assumed_account(account_id, request, answer["AssumedRoleUser"]["Arn"])
        credentials = answer["Credentials"]
        keys = dict(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        compare_settings = self.role_spec["description"] is not None
        return AccountRoleApi(AccountConnection(self.aws, keys), account_id, compare_settings)

    @staticmethod
    def aws_call(what: str, method: Any, **kwargs: Any) -> Dict[str, Any]:
        from ansible_collections.amazon.aws.plugins.module_utils.iam import IAMErrorHandler

        return IAMErrorHandler.common_error_handler(what)(method)(aws_retry=True, **kwargs)

    def converge(self, account_id: str) -> Dict[str, Any]:
        """One account: its result, with its diff and warnings (popped by the caller)."""
        api = self.account_api(account_id)
        spec = dict(self.role_spec, account_id=account_id)
        if self.state == "present":
            return self._present(api, spec, account_id)
        return self._absent(api, spec, account_id)

    def _present(self, api: AccountRoleApi, spec: Dict[str, Any], account_id: str) -> Dict[str, Any]:
        role = iam_role.ensure_present(api, spec, self.check_mode)
        arn = role["role"]["arn"]
        result = organization.account_result(account_id, "", role["changed"], arn, role["ownership"])
        try:
            refusal = organization.other_role_connector(self.connectors, arn)
            if refusal:
                raise InvalidInput(refusal)
            connector = sentinel_runner.ensure_present(
                self.sentinel,
                organization.connector_spec(arn, self.params),
                self.check_mode,
                connectors=self.connectors,
            )
        except ACCOUNT_ERRORS as error:
            # The role may have changed already: the account reports that too.
            result.update(outcome="failed", reason=self.reason(error))
            return dict(result, diff=_diff(role["diff"], {}), warnings=[])
        changed = role["changed"] or connector["changed"]
        result.update(
            outcome=organization.present_outcome(role["ownership"], connector["diff"]["before"], changed),
            changed=changed,
            connector_id=connector["connector"].get("name") or "",
        )
        return dict(result, diff=_diff(role["diff"], connector["diff"]), warnings=[])

    def _absent(self, api: AccountRoleApi, spec: Dict[str, Any], account_id: str) -> Dict[str, Any]:
        arn = role_arn(self.partition, account_id, spec["path"], spec["name"])
        # The connector first: Sentinel stops reading before the role goes.
        connector = sentinel_runner.ensure_absent(
            self.sentinel, organization.connector_spec(arn, self.params), self.check_mode, connectors=self.connectors
        )
        role = iam_role.ensure_absent(api, spec, self.check_mode)
        changed = role["changed"] or connector["changed"]
        result = organization.account_result(
            account_id,
            organization.absent_outcome(changed),
            changed,
            arn,
            role["ownership"],
            connector["connector"].get("name") or "",
        )
        return dict(result, diff=_diff(role["diff"], connector["diff"]), warnings=role["warnings"])

    def reason(self, error: BaseException) -> str:
        return scrub(str(getattr(error, "msg", None) or error), self.secrets)

    def failed(self, account_id: str, error: BaseException) -> Dict[str, Any]:
        reason = self.reason(error)
        if not isinstance(error, ACCOUNT_ERRORS):
            # Not one of the collection's own failures: its type says more than its text.
            reason = "%s: %s" % (type(error).__name__, reason)
        result = organization.account_result(account_id, "failed", reason=reason)
        return dict(result, diff={}, warnings=[])

    def converge_all(self) -> Dict[str, Any]:
        work = organization.isolated(self.converge, self.failed)
        results = organization.run_each(self.accounts, work, self.concurrency)
        diffs = {}
        for result in results:
            diffs[result["account_id"]] = result.pop("diff")
            self.warnings += ["account %s: %s" % (result["account_id"], w) for w in result.pop("warnings")]
        return dict(
            changed=any(r["changed"] for r in results),
            workspace=self.workspace["id"],
            workspace_id=self.workspace["customer_id"],
            accounts=results,
            summary=organization.summary(results),
            diff=organization.run_diff(diffs, results),
        )


def botocore_errors() -> tuple:
    """What making the hub's session and clients raises (imported here: AnsibleAWSModule has checked botocore)."""
    from botocore.exceptions import BotoCoreError

    return (BotoCoreError,)


def _diff(role: Dict[str, Any], connector: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "before": {"role": role.get("before", {}), "connector": connector.get("before", {})},
        "after": {"role": role.get("after", {}), "connector": connector.get("after", {})},
    }


def run_module(module: Any) -> None:
    """The run of cloudtrail_organization; ends the module (fail_json when an account failed)."""
    token = aws_module.session_token_fallback(module.params, os.environ)
    if token:
        module.params["session_token"] = token
    try:
        run = Run(module)
        run.open_azure()
        run.open_aws()
    except SentinelError as error:
        module.fail_json(msg=error.msg, **error.details)
    except (InvalidInput, UnsafeTrustPolicy) as error:
        module.fail_json(msg=str(error))
    except botocore_errors() as error:  # an unknown profile, no region, ...
        module.fail_json_aws(error, msg="Could not connect to AWS with the hub's credentials")
    result = run.converge_all()
    aws_module.warn(module, run.warnings)
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    message = organization.failure_message(result["accounts"])
    if message:
        module.fail_json(msg=message, **result)
    module.exit_json(**result)
