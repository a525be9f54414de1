# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Sentinel ARM API of one workspace: one method per call, and one error, SentinelError.

SentinelApi's methods return plain dicts (sentinel.connector_summary's shape). Every Azure
failure, and every unusable option found while signing in, leaves as a SentinelError carrying
the message and result keys the module reports, so a module's main() catches one exception.

Design note: two API versions behind one class. The CloudTrail connector, onboarding states
and the connector list go through azure-mgmt-securityinsight 1.0.0 at 2021-10-01, the stable
version whose behaviour the recordings pin (design.md). The S3 connector (AmazonWebServicesS3)
exists only in preview API versions (research-s3.md section 2), and 1.0.0 has no model for it.
Its PUT and DELETE are sent at S3_API_VERSION through azure-mgmt-core's ARMPipelineClient with
the session's credential, retry and authentication policies and transport settings (the ones
every SDK client of the run gets), with a plain JSON body built by sentinel.s3_properties:
three small requests instead of a second SDK. The preview SDKs (2.0.0b2-b4) were not taken:
each pins one API version for all its operations, replaces 1.0.0's models (the CloudTrail path
would move to a preview version too, or two versions of one package would have to coexist), and
drops kind from model bodies unless set explicitly (design.md). The connector list stays one
2021-10-01 listing: its DataConnectorKind is an extensible enum (modelAsString), so S3
connectors come back in it; the SDK reads them as the base class, and their raw JSON items are
kept (list_connectors) for connector_summary.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import functools
import json
import re
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import quote

from ansible_collections.sentinel.aws.plugins.module_utils.azure_auth import (
    AzureSdkMissing,
    AzureSession,
    RetryAfterBeyondBudget,
    azure_errors,
)
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import (
    NOT_ONBOARDED,
    PROVIDER_NOT_REGISTERED,
    check_subscription_id,
    S3_KIND,
    connector_summary,
    logs_state,
    s3_properties,
    workspace_arm_id,
)
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

# Stable API versions we speak (per call for securityinsight 1.0.0, whose client-level setting is ignored).
SECURITY_INSIGHTS_API_VERSION = "2021-10-01"
WORKSPACE_API_VERSION = "2022-10-01"
# The S3 connector's version: the preview whose spec the project keeps (shared/specs, research-s3.md).
S3_API_VERSION = "2025-07-01-preview"


class SentinelError(Exception):
    """A failure as the module reports it: msg, and the result's other keys (status_code, error_code, ...).

    service is what Azure answered (error_details: status_code, error_code, message), for the
    runner to tell refusals apart; empty when the failure came before any answer.
    """

    def __init__(self, msg: str, service: Optional[Dict[str, Any]] = None, **details: Any):
        super().__init__(msg)
        self.msg = msg
        self.service = service or {}
        self.details = details


def reports_bad_input(run: Callable[..., Any]) -> Callable[..., Any]:
    """A runner whose InvalidInput (found on the way, before any write) leaves as a SentinelError too."""

    @functools.wraps(run)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return run(*args, **kwargs)
        except InvalidInput as exc:
            raise SentinelError(str(exc)) from exc

    return wrapper


def inner_message(message: str) -> str:
    """The service's own text of an ARM error message that may be double-encoded.

    Sentinel often answers {"error": {"code": "BadRequest", "message": "{\"error\": {\"code\":
    ..., \"message\": \"Workspace 'x' is not onboarded ...\"}}"}}: the outer message is itself a
    JSON error. Unwrapped as long as it is one (a few levels at most).
    """
    for _level in range(3):
        try:
            decoded = json.loads(message)
        except (ValueError, TypeError):
            break
        error = decoded.get("error") if isinstance(decoded, dict) else None
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            break
        message = error["message"]
    return message


def error_details(exc: BaseException) -> Dict[str, Any]:
    """HTTP status and ARM error code/message of an azure-core exception, when it has them."""
    status = getattr(exc, "status_code", None)
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    message = inner_message(str(getattr(error, "message", None) or getattr(exc, "message", None) or str(exc)))
    return dict(status_code=status, error_code=code, message=message.splitlines()[0] if message else "")


# Entra ID answers that mean the identity itself is refused, not that the service is in trouble
# (Microsoft Learn, "Microsoft Entra authentication and authorization error codes"): every AADSTS
# code except these transient ones (AADSTS50000 TokenIssuanceError, AADSTS90033
# MsodsServiceUnavailable). Throttling (429) and server errors (5xx) carry no AADSTS code.
TRANSIENT_AADSTS = ("AADSTS50000", "AADSTS90033")
ENTRA_HTTP_ERROR = re.compile(r"HTTP Error: (\d{3})")
ENTRA_SERVICE_TROUBLE = re.compile(r"TooManyRequests|temporarily_unavailable|server_error|ServiceUnavailable")


def token_refusal(reason: str) -> Dict[str, Any]:
    """What an Entra ID (token endpoint) failure means: {credentials: bool, code, http_status}.

    credentials is True only for a refusal of the identity (an AADSTS code that is not transient):
    wrong secret (AADSTS7000215), unknown app (AADSTS700016), unknown tenant (AADSTS90002, which
    MSAL reports as "Unable to get authority configuration"), ...
    """
    found = re.search(r"AADSTS\d+", reason)
    code = found.group(0) if found else None
    status = ENTRA_HTTP_ERROR.search(reason)
    http_status = int(status.group(1)) if status else None
    if http_status is None and ENTRA_SERVICE_TROUBLE.search(reason):
        http_status = 429 if "TooManyRequests" in reason else 503
    # MSAL's own words when the tenant's OpenID configuration is refused (unknown tenant: 400 AADSTS90002).
    unknown_authority = "Unable to get authority configuration" in reason
    credentials = (bool(code) and code not in TRANSIENT_AADSTS) or unknown_authority
    return dict(credentials=credentials, code=code, http_status=http_status)


def scrub(text: str, secrets: List[Optional[str]]) -> str:
    """Remove secret values from text that may end up in a result (belt and braces to no_log)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "********")
    return text


def translate_error(
    exc: BaseException,
    operation: str,
    workspace: str,
    resource_group: str = "",
    secrets: Optional[List[Optional[str]]] = None,
) -> Dict[str, Any]:
    """One translation of Azure errors into a failure's result keys (msg, status_code, error_code).

    The message names the operation and the workspace.

    401 / invalid_client: authentication; 403: authorisation on the workspace; 404: missing
    workspace (callers with a better guess pass their own message first); others: the ARM text.
    Keeps status_code and error_code; never includes a token or the secret.
    """
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError

    exc = _beyond_budget_cause(exc) or exc
    details = error_details(exc)
    status = details["status_code"]
    reason = details["message"]
    where = "workspace %s" % workspace + (" in resource group %s" % resource_group if resource_group else "")
    refusal = token_refusal(reason) if isinstance(exc, ClientAuthenticationError) and status is None else None
    if isinstance(exc, RetryAfterBeyondBudget):
        msg = "could not %s on %s: %s" % (operation, where, reason)
    elif status == 400 and PROVIDER_NOT_REGISTERED.search(reason):
        msg = (
            "could not %s on %s: the subscription is not registered for the Microsoft.SecurityInsights resource "
            "provider. Register it (az provider register --namespace Microsoft.SecurityInsights, or the "
            "portal's Resource providers page), then enable Microsoft Sentinel on the workspace (%s)"
            % (operation, where, reason)
        )
    elif status == 400 and NOT_ONBOARDED.search(reason):
        msg = "could not %s: %s" % (operation, not_enabled_message(workspace, resource_group, reason))
    elif refusal is not None and not refusal["credentials"]:
        # The token endpoint failed without refusing the identity: throttling, 5xx, no answer.
        status = refusal["http_status"]
        msg = (
            "Microsoft Entra ID did not issue a token to %s (%s, retried within the task's time budget): a "
            "problem of the sign-in service, not of the credentials; try again later (%s)"
            % (operation, "HTTP %d" % status if status else "no usable answer", reason)
        )
    elif (isinstance(exc, ClientAuthenticationError) and status in (None, 400, 401)) or status == 401:
        msg = "authentication failed while trying to %s: check client_id, secret, tenant and cloud_environment (%s)" % (
            operation,
            reason,
        )
    elif status == 403:
        msg = (
            "not authorized to %s on %s: the identity needs a Microsoft Sentinel Contributor (or Reader, for "
            "info modules) role on it (%s)" % (operation, where, reason)
        )
    elif status == 404 and details["error_code"] in (
        None,
        "ResourceNotFound",
        "NotFound",
        "ResourceGroupNotFound",
        "WorkspaceNotFound",
    ):
        msg = "workspace %s not found in resource group %s (%s)" % (workspace, resource_group, reason)
    elif isinstance(exc, ServiceRequestError):
        msg = "could not reach Azure to %s on %s: %s" % (operation, where, reason)
    else:
        msg = "failed to %s on %s: %s" % (operation, where, reason)
    code = details["error_code"]
    if code is None:
        # Entra ID errors come as text only: keep their AADSTS code (AADSTS7000215: wrong secret).
        code = token_refusal(reason)["code"]
    return dict(msg=scrub(msg, secrets or []), status_code=status, error_code=code)


def not_enabled_message(workspace: str, resource_group: str, reason: str = "") -> str:
    return (
        "Microsoft Sentinel is not enabled on workspace %s in resource group %s: enable it, or set "
        "ensure_sentinel: true%s"
        % (
            workspace,
            resource_group,
            " (%s)" % reason if reason else "",
        )
    )


def _beyond_budget_cause(exc: BaseException) -> Optional[RetryAfterBeyondBudget]:
    """The RetryAfterBeyondBudget behind exc (azure-identity wraps it in ClientAuthenticationError)."""
    seen = 0
    current: Optional[BaseException] = exc
    while current is not None and seen < 5:
        if isinstance(current, RetryAfterBeyondBudget):
            return current
        current = current.__cause__ or current.__context__
        seen += 1
    return None


def azure_failure(
    exc: BaseException, operation: str, workspace: str, resource_group: str, secrets: List[Optional[str]]
) -> SentinelError:
    """The SentinelError of an Azure exception: translate_error's message, and what Azure answered."""
    return SentinelError(
        service=error_details(exc), **translate_error(exc, operation, workspace, resource_group, secrets)
    )


def open_sentinel(
    params: Dict[str, Any],
    reference: Dict[str, Optional[str]],
    on_throttle: Optional[Callable[[float], None]] = None,
) -> "SentinelApi":
    """Sign in (azure_auth.AzureSession) for the workspace reference names (sentinel.workspace_reference).

    Unusable options, a missing SDK and unreadable cloud metadata raise SentinelError. on_throttle
    hears of each ARM 429 (azure_auth.bounded_retry_policy_class).
    """
    secrets = [params.get("secret")]
    try:
        if not reference.get("subscription_id") and params.get("subscription_id"):
            check_subscription_id(params["subscription_id"])
        session = AzureSession(params, reference.get("subscription_id"), on_throttle)
    except AzureSdkMissing as exc:
        raise SentinelError(str(exc), exception=exc.import_error) from exc
    except ValueError as exc:  # AzureAuthError, InvalidInput, bad cloud metadata
        raise SentinelError(scrub(str(exc), secrets)) from exc
    except azure_errors() as exc:
        operation = "read the cloud metadata of %s" % params.get("cloud_environment")
        raise azure_failure(
            exc, operation, str(reference.get("name")), str(reference.get("resource_group")), secrets
        ) from exc
    return SentinelApi(session, str(reference["resource_group"]), str(reference["name"]))


class SentinelApi:
    """One method per ARM call on one workspace; an Azure failure raises SentinelError naming the operation."""

    def __init__(self, session: AzureSession, resource_group: str, name: str):
        self.session = session
        self.resource_group = resource_group
        self.name = name
        self._clients: Dict[str, Any] = {}

    @property
    def workspace_id(self) -> str:
        """The workspace's ARM resource ID."""
        return workspace_arm_id(self.session.subscription_id, self.resource_group, self.name)

    def _call(self, operation: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except azure_errors() as exc:
            raise azure_failure(exc, operation, self.name, self.resource_group, self.session.secrets) from exc

    def _security_insights(self) -> Any:
        if "si" not in self._clients:
            from azure.mgmt.securityinsight import SecurityInsights

            self._clients["si"] = SecurityInsights(
                self.session.credential, self.session.subscription_id, **self.session.client_kwargs()
            )
        return self._clients["si"]

    def _log_analytics(self) -> Any:
        if "la" not in self._clients:
            from azure.mgmt.loganalytics import LogAnalyticsManagementClient

            self._clients["la"] = LogAnalyticsManagementClient(
                self.session.credential,
                self.session.subscription_id,
                api_version=WORKSPACE_API_VERSION,
                **self.session.client_kwargs(),
            )
        return self._clients["la"]

    def get_workspace(self) -> Dict[str, Any]:
        workspace = self._call(
            "read workspace", lambda: self._log_analytics().workspaces.get(self.resource_group, self.name)
        )
        return dict(
            name=workspace.name,
            resource_group=self.resource_group,
            subscription_id=self.session.subscription_id,
            id=workspace.id,
            location=workspace.location,
            customer_id=workspace.customer_id,
        )

    def sentinel_enabled(self) -> bool:
        """Whether onboardingStates/default exists (Sentinel is enabled on the workspace)."""
        from azure.core.exceptions import ResourceNotFoundError

        def read_state() -> bool:
            try:
                self._security_insights().sentinel_onboarding_states.get(
                    self.resource_group, self.name, "default", api_version=SECURITY_INSIGHTS_API_VERSION
                )
            except ResourceNotFoundError:
                return False
            return True

        return self._call("read workspace", read_state)

    def enable_sentinel(self) -> None:
        from azure.mgmt.securityinsight.models import SentinelOnboardingState

        self._call(
            "enable Microsoft Sentinel",
            lambda: self._security_insights().sentinel_onboarding_states.create(
                self.resource_group,
                self.name,
                "default",
                SentinelOnboardingState(customer_managed_key=False),
                api_version=SECURITY_INSIGHTS_API_VERSION,
            ),
        )

    def _arm_pipeline(self) -> Any:
        """azure-mgmt-core's ARM pipeline with the policies and settings the run's SDK clients get.

        The same policy set the generated clients' Configuration builds (securityinsight 1.0.0's
        _configure), from the one client_kwargs of the session: bounded retries, the renewing
        authentication policy, TLS verification and timeouts.
        """
        if "arm" not in self._clients:
            from azure.core.configuration import Configuration
            from azure.core.pipeline import policies
            from azure.mgmt.core import ARMPipelineClient

            kwargs = self.session.client_kwargs()
            base_url = kwargs.pop("base_url")
            kwargs.pop("credential_scopes")  # already in the authentication policy
            config: Any = Configuration(**kwargs)
            config.user_agent_policy = policies.UserAgentPolicy(**kwargs)
            config.headers_policy = policies.HeadersPolicy(**kwargs)
            config.proxy_policy = policies.ProxyPolicy(**kwargs)
            config.logging_policy = policies.NetworkTraceLoggingPolicy(**kwargs)
            config.redirect_policy = policies.RedirectPolicy(**kwargs)
            config.custom_hook_policy = policies.CustomHookPolicy(**kwargs)
            config.retry_policy = kwargs["retry_policy"]
            config.authentication_policy = kwargs["authentication_policy"]
            self._clients["arm"] = ARMPipelineClient(base_url, config=config, **kwargs)
        return self._clients["arm"]

    def _send_s3(self, method: str, connector_id: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """One request on an S3 connector at S3_API_VERSION; the ARM error of a failure as the SDKs raise it."""
        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
        from azure.core.rest import HttpRequest
        from azure.mgmt.core.exceptions import ARMErrorFormat

        client = self._arm_pipeline()
        url = client.format_url(
            "%s/providers/Microsoft.SecurityInsights/dataConnectors/%s" % (self.workspace_id, quote(connector_id, ""))
        )
        request = HttpRequest(method, url, params={"api-version": S3_API_VERSION}, json=body)
        response = client.send_request(request)
        if response.status_code == 404:
            raise ResourceNotFoundError(response=response, error_format=ARMErrorFormat)
        if response.status_code not in (200, 201, 204):
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        return response.json() if response.content else {}

    def list_connectors(self) -> List[Dict[str, Any]]:
        """All connectors, every page; kinds the SDK has no model for are read from the raw body (connector_summary)."""
        raw_items: Dict[str, Dict[str, Any]] = {}

        def remember_items(pipeline_response: Any) -> None:
            try:
                for item in json.loads(pipeline_response.http_response.text()).get("value", []):
                    raw_items[str(item.get("name", "")).lower()] = item
            except (ValueError, AttributeError):
                pass  # not JSON: the SDK raises its own error for this page

        def read_pages() -> List[Any]:
            pager = self._security_insights().data_connectors.list(
                self.resource_group,
                self.name,
                api_version=SECURITY_INSIGHTS_API_VERSION,
                raw_response_hook=remember_items,
            )
            return list(pager)

        models = self._call("list the data connectors", read_pages)
        return [connector_summary(m.as_dict(), raw_items.get(str(m.name).lower())) for m in models]

    def put_connector(self, connector_id: str, desired: Dict[str, Any], etag: Optional[str]) -> Dict[str, Any]:
        """PUT the connector desired describes (sentinel.desired_connector), at its kind's API version."""
        if desired["kind"] == S3_KIND:
            body: Dict[str, Any] = dict(kind=S3_KIND, properties=s3_properties(desired))
            if etag:
                body["etag"] = etag
            answer = self._call("write the data connector", lambda: self._send_s3("PUT", connector_id, body))
            return connector_summary(answer, answer)
        return self._put_cloudtrail(connector_id, desired, etag)

    def _put_cloudtrail(self, connector_id: str, desired: Dict[str, Any], etag: Optional[str]) -> Dict[str, Any]:
        """PUT the CloudTrail connector; the model class keeps kind (a dict body loses it in 1.0.0)."""
        from azure.mgmt.securityinsight.models import (
            AwsCloudTrailDataConnector,
            AwsCloudTrailDataConnectorDataTypes,
            AwsCloudTrailDataConnectorDataTypesLogs,
        )

        body = AwsCloudTrailDataConnector(
            etag=etag,
            aws_role_arn=desired["aws_role_arn"],
            data_types=AwsCloudTrailDataConnectorDataTypes(
                logs=AwsCloudTrailDataConnectorDataTypesLogs(state=logs_state(desired["logs_enabled"]))
            ),
        )
        result = self._call(
            "write the data connector",
            lambda: self._security_insights().data_connectors.create_or_update(
                self.resource_group, self.name, connector_id, body, api_version=SECURITY_INSIGHTS_API_VERSION
            ),
        )
        return connector_summary(result.as_dict())

    def delete_connector(self, connector: Dict[str, Any]) -> None:
        """DELETE the connector (a connector_summary), at its kind's API version."""
        connector_id = str(connector["name"])
        if connector.get("kind") == S3_KIND:
            self._call("delete the data connector", lambda: self._send_s3("DELETE", connector_id))
            return
        self._call(
            "delete the data connector",
            lambda: self._security_insights().data_connectors.delete(
                self.resource_group, self.name, connector_id, api_version=SECURITY_INSIGHTS_API_VERSION
            ),
        )
