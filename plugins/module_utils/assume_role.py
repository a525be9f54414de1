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
``account_id`` guard, when it has one, is checked against the role's account before the call and
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


def check_assumed_account(expected: Optional[str], request: Dict[str, str], assumed_role_arn: str) -> None:
    """The guard against the assumed identity: the session must act on the expected account."""
    actual = assumed_account(assumed_role_arn)
    if expected is not None and actual != expected:
        raise InvalidInput(
            "account_id: the role %s assumed acts on AWS account %s, not the expected account %s; nothing was changed"
            % (request["RoleArn"], actual, expected)
        )


class SentinelAWSModule(AnsibleAWSModule):
    """AnsibleAWSModule with the assume-role options; its clients act as the assumed role.

    The role is assumed when the first client is made, once per module run, with the module's
    own credentials (the hub's); the options are checked when the module is built, before any call.
    """

    def __init__(self, argument_spec: Optional[dict] = None, **kwargs: Any) -> None:
        spec = dict(argument_spec or {})
        spec.update(ASSUME_ROLE_OPTIONS)
        super().__init__(argument_spec=spec, **kwargs)
        self._assumed: Optional[Dict[str, str]] = None
        try:
            # The partition is known only with a client; a name needs it, so it is checked again then.
            self._request = assume_role_request(self.params, COMMERCIAL_PARTITION)
        except InvalidInput as e:
            self.fail_json(msg=str(e))

    def client(self, service: str, retry_decorator: Any = None, **extra_params: Any) -> Any:
        self._assume_role_once()
        return super().client(service, retry_decorator=retry_decorator, **extra_params)

    def resource(self, service: str, **extra_params: Any) -> Any:
        self._assume_role_once()
        return super().resource(service, **extra_params)

    def _assume_role_once(self) -> None:
        if self._request is None or self._assumed is not None:
            return
        # Imported here, where boto3 is known to be installed (AnsibleAWSModule has checked it).
        from botocore.exceptions import BotoCoreError, ClientError

        from ansible_collections.sentinel.aws.plugins.module_utils.iam_role import RETRY

        sts = super().client("sts", retry_decorator=RETRY)
        try:
            request = assume_role_request(self.params, sts.client.meta.partition)
        except InvalidInput as e:
            self.fail_json(msg=str(e))
        try:
            answer = sts.assume_role(aws_retry=True, **request)
        except (BotoCoreError, ClientError) as e:
            self.fail_json_aws(e, msg="Failed to assume the role %s (sts:AssumeRole)" % request["RoleArn"])
        try:
            check_assumed_account(self.params.get("account_id"), request, answer["AssumedRoleUser"]["Arn"])
        except InvalidInput as e:
            self.fail_json(msg=str(e))
        credentials = answer["Credentials"]
        self.params.update(
            profile=None,
            access_key=credentials["AccessKeyId"],
            secret_key=credentials["SecretAccessKey"],
            session_token=credentials["SessionToken"],
        )
        self._assumed = request
