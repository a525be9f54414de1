"""sentinel_api: Azure errors translated into messages naming the operation and workspace."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import json

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ServiceRequestError

from ansible_collections.sentinel.aws.plugins.module_utils import sentinel_api
from ansible_collections.sentinel.aws.plugins.module_utils.azure_auth import RetryAfterBeyondBudget

# --- errors -------------------------------------------------------------------------------------------------


class FakeError:
    def __init__(self, code, message):
        self.code, self.message = code, message


def http_error(status, code, message, cls=HttpResponseError):
    exc = cls(message="(%s) %s" % (code, message))
    exc.status_code = status
    exc.error = FakeError(code, message)
    return exc


def test_forbidden_names_the_workspace():
    result = sentinel_api.translate_error(http_error(403, "AuthorizationFailed", "no"), "read workspace", "law-x", "rg")
    assert "not authorized to read workspace on workspace law-x in resource group rg" in result["msg"]
    assert (result["status_code"], result["error_code"]) == (403, "AuthorizationFailed")


def test_missing_workspace():
    result = sentinel_api.translate_error(http_error(404, "ResourceNotFound", "gone"), "read workspace", "law-x", "rg")
    assert result["msg"].startswith("workspace law-x not found in resource group rg")


def test_authentication_failure_keeps_aadsts_code_and_hides_the_secret():
    exc = ClientAuthenticationError(message="Authentication failed: AADSTS7000215: Invalid client secret s3cret-value")
    result = sentinel_api.translate_error(exc, "read workspace", "law-x", "rg", secrets=["s3cret-value"])
    assert result["msg"].startswith("authentication failed")
    assert "s3cret-value" not in result["msg"] and result["error_code"] == "AADSTS7000215"


def test_unreachable_and_other_errors():
    assert sentinel_api.translate_error(ServiceRequestError("refused"), "x", "w")["msg"].startswith(
        "could not reach Azure"
    )
    result = sentinel_api.translate_error(http_error(409, "Conflict", "etag"), "write the data connector", "w", "rg")
    assert result["msg"] == "failed to write the data connector on workspace w in resource group rg: etag"


def test_a_refused_retry_after_names_the_wait_and_the_status():
    refused = RetryAfterBeyondBudget(429, 400.0, 57.4, 60.0)
    result = sentinel_api.translate_error(refused, "write the data connector", "law-x", "rg")
    assert "asked to wait 400 seconds (Retry-After)" in result["msg"] and "HTTP 429" in result["msg"]
    assert "57 seconds left" in result["msg"] and result["status_code"] == 429


def test_a_refused_retry_after_behind_an_entra_error_is_found():
    inner = RetryAfterBeyondBudget(429, 400.0, 50.0, 60.0)
    wrapped = ClientAuthenticationError(message="Authentication failed: %s" % inner)
    wrapped.__cause__ = inner  # as azure-identity's wrap_exceptions raises it ("from ex")
    result = sentinel_api.translate_error(wrapped, "read workspace", "law-x", "rg")
    assert "asked to wait 400 seconds" in result["msg"] and result["status_code"] == 429
    assert "check client_id" not in result["msg"]


# --- Entra ID: service trouble or bad credentials (issue 12, item 3) -------------------------------------------


@pytest.mark.parametrize(
    "reason, credentials, code, status",
    [
        ("Authentication failed: AADSTS7000215: Invalid client secret provided.", True, "AADSTS7000215", None),
        (
            "Authentication failed: AADSTS700016: Application with identifier 'x' was not found",
            True,
            "AADSTS700016",
            None,
        ),
        ("Authentication failed: AADSTS90002: Tenant 't' not found.", True, "AADSTS90002", None),
        ("Authentication failed: Unable to get authority configuration for https://x/t.", True, None, None),
        ("Authentication failed: HTTP Error: 500", False, None, 500),
        ("Authentication failed: HTTP Error: 503", False, None, 503),
        ("Authentication failed: {'code': 'TooManyRequests', 'message': 'slow down'}", False, None, 429),
        ("Authentication failed: AADSTS90033: A transient error has occurred.", False, "AADSTS90033", None),
    ],
)
def test_token_refusal_tells_credentials_from_service_trouble(reason, credentials, code, status):
    assert sentinel_api.token_refusal(reason) == dict(credentials=credentials, code=code, http_status=status)


def test_entra_server_error_is_reported_as_service_trouble():
    exc = ClientAuthenticationError(message="Authentication failed: HTTP Error: 500")
    result = sentinel_api.translate_error(exc, "read workspace", "law-x", "rg")
    assert result["msg"].startswith("Microsoft Entra ID did not issue a token to read workspace (HTTP 500")
    assert "not of the credentials" in result["msg"] and "check client_id" not in result["msg"]
    assert result["status_code"] == 500


# --- Sentinel's double-encoded errors (issue 12, emulator section) ----------------------------------------


NOT_ONBOARDED = (
    "Workspace 'law-x' is not onboarded to Microsoft Sentinel. Please onboard through the portal or use the "
    "OnboardingStates ARM api to onboard to Sentinel."
)


def double_encoded(message):
    return json.dumps({"error": {"code": "BadRequest", "message": message}})


@pytest.mark.parametrize(
    "message, inner",
    [
        (double_encoded(NOT_ONBOARDED), NOT_ONBOARDED),
        (double_encoded(double_encoded("deep")), "deep"),
        ("plain text", "plain text"),
        ('{"not": "an error"}', '{"not": "an error"}'),
        ('{"error": "a string"}', '{"error": "a string"}'),
    ],
)
def test_inner_message_unwraps_double_encoded_errors(message, inner):
    assert sentinel_api.inner_message(message) == inner


def test_error_details_show_the_inner_message():
    details = sentinel_api.error_details(http_error(400, "BadRequest", double_encoded(NOT_ONBOARDED)))
    assert details == dict(status_code=400, error_code="BadRequest", message=NOT_ONBOARDED)


def test_not_onboarded_and_not_registered_are_actionable():
    off = sentinel_api.translate_error(http_error(400, "BadRequest", double_encoded(NOT_ONBOARDED)), "x", "law-x", "rg")
    assert "Microsoft Sentinel is not enabled on workspace law-x in resource group rg" in off["msg"]
    assert "ensure_sentinel: true" in off["msg"]
    unregistered = "Subscription 's' is not registered to 'Microsoft.SecurityInsights'."
    result = sentinel_api.translate_error(
        http_error(400, "BadRequest", double_encoded(unregistered)), "x", "law-x", "rg"
    )
    assert "az provider register --namespace Microsoft.SecurityInsights" in result["msg"]


# --- the S3 connector's requests --------------------------------------------------------------------------


class RecordingApi(sentinel_api.SentinelApi):
    """SentinelApi with its one S3 request recorded and answered as the service would."""

    def __init__(self):
        session = type("Session", (), dict(subscription_id="0b1f6471-0000-4000-8000-00000000501b", secrets=[]))()
        super().__init__(session, "rg-sentinel", "law-sentinel")
        self.sent = []

    def _send_s3(self, method, connector_id, body=None):
        self.sent.append((method, connector_id, body))
        if method == "DELETE":
            return {}
        return dict(body, id="%s/x/%s" % (self.workspace_id, connector_id), name=connector_id, etag="new")


def test_s3_put_sends_the_kind_and_the_specs_properties_with_the_etag():
    api = RecordingApi()
    queue = "https://sqs.us-east-1.amazonaws.com/123456789012/q"
    role = "arn:aws:iam::123456789012:role/OIDC_x"
    desired = dict(
        kind="AmazonWebServicesS3",
        aws_role_arn=role,
        logs_enabled=True,
        sqs_urls=[queue],
        destination_table="AWSVPCFlow",
    )
    answer = api.put_connector("c1", desired, "old")
    assert api.sent == [
        (
            "PUT",
            "c1",
            {
                "kind": "AmazonWebServicesS3",
                "properties": {
                    "roleArn": role,
                    "sqsUrls": [queue],
                    "destinationTable": "AWSVPCFlow",
                    "dataTypes": {"logs": {"state": "Enabled"}},
                },
                "etag": "old",
            },
        )
    ]
    assert answer["etag"] == "new" and answer["sqs_urls"] == [queue] and answer["aws_role_arn"] == role
    api.put_connector("c2", desired, None)
    assert "etag" not in api.sent[-1][2]  # a create sends none (a stale etag is a 409)


def test_s3_delete_goes_through_the_s3_request():
    api = RecordingApi()
    api.delete_connector(dict(name="c1", kind="AmazonWebServicesS3"))
    assert api.sent == [("DELETE", "c1", None)]
