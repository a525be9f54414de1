# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hub credentials: an AWS module assumes a role in the account it works on, inside the module.

In an AWS Organization the automation holds one credential in a hub (management or delegated
administrator) account and assumes a role in each member account, for example
``OrganizationAccountAccessRole`` or Control Tower's ``AWSControlTowerExecution``. A module of the
collection adopts this by building ``SentinelAWSModule`` instead of ``AnsibleAWSModule``: it gets the
options of ``ASSUME_ROLE_OPTIONS``, checked before any call, and every client it makes uses the
assumed role's credentials, from one ``sts:AssumeRole`` made when the first client is made.

The planning (``validation.assume_role_request``, ``assumed_account``) is pure and unit tested; the module's
account guard (``account_id``, or the option ``account_option`` names: the S3 connector's modules say
``aws_account_id``), when it has one, is checked against the role's account before the call and
against the assumed identity after it.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import re
from typing import Any, Dict, Optional

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.sentinel.aws.plugins.module_utils.validation import COMMERCIAL_PARTITION
from ansible_collections.sentinel.aws.plugins.module_utils.validation import DEFAULT_SESSION_NAME
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput
from ansible_collections.sentinel.aws.plugins.module_utils.validation import assume_role_request
from ansible_collections.sentinel.aws.plugins.module_utils.validation import check_account_id
from ansible_collections.sentinel.aws.plugins.module_utils.validation import require_account

ASSUME_ROLE_OPTIONS: Dict[str, Dict[str, Any]] = dict(
    assume_role_arn=dict(type="str"),
    assume_role_name=dict(type="str"),
    assume_role_external_id=dict(type="str", no_log=True),
    assume_role_session_name=dict(type="str", default=DEFAULT_SESSION_NAME),
)
# The ARN of an assumed-role session: arn:<partition>:sts::<account>:assumed-role/<role>/<session>.
ASSUMED_ROLE_ARN_PATTERN = re.compile(r"^arn:[\w-]+:sts::(?P<account>[0-9]{12}):assumed-role/")


def assumed_account(assumed_role_arn: str) -> str:
    """The account of an assumed-role session ARN (AssumeRole's AssumedRoleUser.Arn)."""
    match = ASSUMED_ROLE_ARN_PATTERN.match(assumed_role_arn or "")
    if not match:
        raise InvalidInput("sts:AssumeRole answered an unexpected assumed-role ARN %r" % assumed_role_arn)
    return match.group("account")


def check_assumed_account(
    expected: Optional[str], request: Dict[str, str], assumed_role_arn: str, option: str = "account_id"
) -> None:
    """The guard against the assumed identity: the session must act on the expected account (``option``)."""
    actual = assumed_account(assumed_role_arn)
    if expected is not None and actual != expected:
        raise InvalidInput(
            "%s: the role %s assumed acts on AWS account %s, not the expected account %s; nothing was changed"
            % (option, request["RoleArn"], actual, expected)
        )


def hub_request(params: Dict[str, Any], partition: str, account_option: str = "account_id") -> Optional[Dict[str, str]]:
    """``validation.assume_role_request`` for a module whose account guard is the option ``account_option``."""
    guarded = dict(params, account_id=params.get(account_option))
    return assume_role_request(guarded, partition, {"account_id": account_option})


class SentinelAWSModule(AnsibleAWSModule):
    """AnsibleAWSModule with the assume-role options; its clients act as the assumed role.

    The role is assumed when the first client is made, once per module run, with the module's
    own credentials (the hub's); the options are checked when the module is built, before any call.
    ``account_option`` names the module's account guard option. ``check_caller``: the module has no
    guard of its own, so when that option is set and no role is assumed, the account of the
    credentials is checked with one ``sts:GetCallerIdentity`` before the first client is made
    (an assumed role's identity is checked from AssumeRole's answer, with no extra call).
    """

    def __init__(
        self,
        argument_spec: Optional[dict] = None,
        account_option: str = "account_id",
        check_caller: bool = False,
        **kwargs: Any,
    ) -> None:
        spec = dict(argument_spec or {})
        spec.update(ASSUME_ROLE_OPTIONS)
        super().__init__(argument_spec=spec, **kwargs)
        self._account_option = account_option
        self._check_caller = check_caller
        self._credentials_ready = False
        try:
            # The partition is known only with a client; a name needs it, so it is checked again then.
            self._request = hub_request(self.params, COMMERCIAL_PARTITION, account_option)
            if check_caller and self.params.get(account_option) is not None:
                check_account_id(account_option, self.params[account_option])
        except InvalidInput as e:
            self.fail_json(msg=str(e))

    def client(self, service: str, retry_decorator: Any = None, **extra_params: Any) -> Any:
        self._set_up_credentials_once()
        return super().client(service, retry_decorator=retry_decorator, **extra_params)

    def resource(self, service: str, **extra_params: Any) -> Any:
        self._set_up_credentials_once()
        return super().resource(service, **extra_params)

    def _set_up_credentials_once(self) -> None:
        if self._credentials_ready:
            return
        self._credentials_ready = True
        if self._request is not None:
            self._assume_role()
        elif self._check_caller and self.params.get(self._account_option) is not None:
            self._check_caller_account()

    def _sts(self) -> Any:
        # Imported here, where boto3 is known to be installed (AnsibleAWSModule has checked it).
        from ansible_collections.sentinel.aws.plugins.module_utils.iam_role import RETRY

        return super().client("sts", retry_decorator=RETRY)

    def _assume_role(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        sts = self._sts()
        try:
            request = hub_request(self.params, sts.client.meta.partition, self._account_option)
        except InvalidInput as e:
            self.fail_json(msg=str(e))
        try:
            answer = sts.assume_role(aws_retry=True, **request)
        except (BotoCoreError, ClientError) as e:
            self.fail_json_aws(e, msg="Failed to assume the role %s (sts:AssumeRole)" % request["RoleArn"])
        try:
            check_assumed_account(
                self.params.get(self._account_option), request, answer["AssumedRoleUser"]["Arn"], self._account_option
            )
        except InvalidInput as e:
            self.fail_json(msg=str(e))
        credentials = answer["Credentials"]
        self.params.update(
            profile=None,
            access_key=credentials["AccessKeyId"],
            secret_key=credentials["SecretAccessKey"],
            session_token=credentials["SessionToken"],
        )

    def _check_caller_account(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            account = self._sts().get_caller_identity(aws_retry=True)["Account"]
        except (BotoCoreError, ClientError) as e:
            self.fail_json_aws(e, msg="Failed to read the caller identity (sts:GetCallerIdentity)")
        try:
            require_account(
                self.params[self._account_option], account, "from sts:GetCallerIdentity", self._account_option
            )
        except InvalidInput as e:
            self.fail_json(msg=str(e))


def s3_module(argument_spec: dict, check_caller: bool = False, **kwargs: Any) -> SentinelAWSModule:
    """The module object of the S3 connector's AWS modules: hub credentials, check mode, and
    ``aws_account_id`` (in ``argument_spec``) as the account guard the hub's role name is assumed in.

    ``check_caller`` for the modules whose own logic has no guard (see SentinelAWSModule).
    """
    return SentinelAWSModule(
        argument_spec=argument_spec,
        account_option="aws_account_id",
        check_caller=check_caller,
        supports_check_mode=True,
        **kwargs,
    )
