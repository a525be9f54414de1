"""The sandbox's Azure emulator, driven by the real SDKs (azure-identity, azure-mgmt-*) over HTTPS."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.identity import ClientSecretCredential
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.securityinsight import SecurityInsights
from azure.mgmt.securityinsight.models import (
    AwsCloudTrailDataConnector,
    AwsCloudTrailDataConnectorDataTypes,
    AwsCloudTrailDataConnectorDataTypesLogs,
    SentinelOnboardingState,
)

from helpers.sandbox_state import s3_body, sentinel_trust_policy
from sandbox.spec_check import PREVIEW, PREVIEW_CONNECTORS, STABLE_CONNECTORS, STABLE_ONBOARDING, answer_violation

RG, WS = "rg-sentinel", "law-sentinel"
SENTINEL_PRINCIPAL = "arn:aws:iam::197857026523:root"


# -- helpers -----------------------------------------------------------------------------------------------


def credential(sb: Any, secret: str | None = None) -> ClientSecretCredential:
    seed = sb.seed
    return ClientSecretCredential(
        seed["tenant_id"],
        seed["client_id"],
        secret or seed["client_secret"],
        authority=sb.azure_url,
        disable_instance_discovery=True,
        connection_verify=str(sb.ca_path),
    )


def sentinel(sb: Any) -> SecurityInsights:
    return SecurityInsights(
        credential(sb),
        sb.seed["subscription_id"],
        base_url=sb.azure_url,
        credential_scopes=[f"{sb.azure_url}/.default"],
        connection_verify=str(sb.ca_path),
    )


def trail_connector(role_arn: str, etag: str | None = None, data_types: bool = True) -> AwsCloudTrailDataConnector:
    types = AwsCloudTrailDataConnectorDataTypes(logs=AwsCloudTrailDataConnectorDataTypesLogs(state="Enabled"))
    return AwsCloudTrailDataConnector(aws_role_arn=role_arn, data_types=types if data_types else None, etag=etag)


def sentinel_role(sb: Any, name: str, external_id: str | None = None, principal: str = SENTINEL_PRINCIPAL) -> str:
    """Create in moto a role trusted the way Sentinel needs; returns its ARN."""
    trust = sentinel_trust_policy(external_id or sb.workspace["customer_id"], principal)
    return sb.aws.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def token(sb: Any) -> str:
    seed = sb.seed
    answer = requests.post(
        f"{sb.azure_url}/{seed['tenant_id']}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": seed["client_id"],
            "client_secret": seed["client_secret"],
            "scope": f"{sb.azure_url}/.default",
        },
        verify=str(sb.ca_path),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def arm_url(sb: Any, suffix: str = "") -> str:
    return (
        f"{sb.azure_url}/subscriptions/{sb.seed['subscription_id']}/resourceGroups/{RG}"
        f"/providers/Microsoft.OperationalInsights/workspaces/{WS}{suffix}"
    )


# -- Entra ID and the token check ------------------------------------------------------------------------------


def test_client_secret_credential_gets_a_token_the_arm_side_accepts(clean_sandbox):
    sb = clean_sandbox
    access = credential(sb).get_token(f"{sb.azure_url}/.default")
    assert access.token and access.expires_on > time.time() + 3000

    answer = requests.get(
        arm_url(sb),
        params={"api-version": "2025-07-01"},
        headers={"Authorization": f"Bearer {access.token}"},
        verify=str(sb.ca_path),
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.json()["properties"]["customerId"] == sb.workspace["customer_id"]
    assert [r["path"].rsplit("/", 1)[-1] for r in sb.azure.requests[:2]] == ["openid-configuration", "token"]


def test_wrong_secret_is_refused(clean_sandbox):
    with pytest.raises(ClientAuthenticationError) as error:
        credential(clean_sandbox, secret="not-the-secret").get_token(f"{clean_sandbox.azure_url}/.default")
    # MSAL keeps the message (AADSTS7000215 is invalid_client's code); the emulator answered 401.
    assert "AADSTS7000215: Invalid client secret" in str(error.value)
    token_calls = [r for r in clean_sandbox.azure.requests if r["path"].endswith("/token")]
    assert [r["status"] for r in token_calls] == [401]


def test_unknown_client_and_wrong_scope_are_refused(clean_sandbox):
    sb = clean_sandbox
    base = {"grant_type": "client_credentials", "client_secret": sb.seed["client_secret"]}
    url = f"{sb.azure_url}/{sb.seed['tenant_id']}/oauth2/v2.0/token"
    unknown = requests.post(
        url,
        data={**base, "client_id": "00000000-0000-0000-0000-000000000000", "scope": f"{sb.azure_url}/.default"},
        verify=str(sb.ca_path),
        timeout=10,
    )
    assert unknown.status_code == 400 and unknown.json()["error"] == "unauthorized_client"
    assert "AADSTS700016" in unknown.json()["error_description"]
    wrong_scope = requests.post(
        url,
        data={**base, "client_id": sb.seed["client_id"], "scope": "https://management.azure.com/.default"},
        verify=str(sb.ca_path),
        timeout=10,
    )
    assert wrong_scope.status_code == 400 and wrong_scope.json()["error"] == "invalid_scope"
    with_slash = requests.post(
        url,
        data={**base, "client_id": sb.seed["client_id"], "scope": f"{sb.azure_url}//.default"},
        verify=str(sb.ca_path),
        timeout=10,
    )
    assert with_slash.status_code == 200


@pytest.mark.parametrize(
    "authorization, code",
    [
        (None, "AuthenticationFailed"),
        ("Bearer not-a-token", "InvalidAuthenticationToken"),
        ("Basic abc", "AuthenticationFailed"),
    ],
)
def test_arm_refuses_requests_without_a_valid_bearer_token(clean_sandbox, authorization, code):
    headers = {"Authorization": authorization} if authorization else {}
    answer = requests.get(
        arm_url(clean_sandbox, "/providers/Microsoft.SecurityInsights/dataConnectors"),
        params={"api-version": "2021-10-01"},
        headers=headers,
        verify=str(clean_sandbox.ca_path),
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == code
    assert answer.headers["WWW-Authenticate"].startswith("Bearer ")
    assert clean_sandbox.azure.requests[-1]["authorized"] is False


def test_expired_token_and_missing_api_version(clean_sandbox):
    sb = clean_sandbox
    bearer = {"Authorization": f"Bearer {token(sb)}"}
    missing = requests.get(arm_url(sb), headers=bearer, verify=str(sb.ca_path), timeout=10)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "MissingApiVersionParameter"
    sb.azure.tokens.expire_all()
    expired = requests.get(
        arm_url(sb), params={"api-version": "2025-07-01"}, headers=bearer, verify=str(sb.ca_path), timeout=10
    )
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "ExpiredAuthenticationToken"


# -- metadata ------------------------------------------------------------------------------------------------------


def test_metadata_endpoint_in_both_formats(clean_sandbox):
    sb = clean_sandbox
    clouds = requests.get(
        f"{sb.azure_url}/metadata/endpoints", params={"api-version": "2022-09-01"}, verify=str(sb.ca_path), timeout=10
    ).json()
    assert isinstance(clouds, list) and len(clouds) == 1
    assert clouds[0]["resourceManager"] == f"{sb.azure_url}/"
    assert clouds[0]["authentication"]["loginEndpoint"] == sb.azure_url
    assert clouds[0]["authentication"]["audiences"] == [f"{sb.azure_url}/"]
    stack = requests.get(
        f"{sb.azure_url}/metadata/endpoints", params={"api-version": "2015-01-01"}, verify=str(sb.ca_path), timeout=10
    ).json()
    assert set(stack) >= {"galleryEndpoint", "graphEndpoint", "portalEndpoint", "authentication"}
    assert stack["authentication"]["loginEndpoint"].rstrip("/") == sb.azure_url


# -- workspaces and onboarding ------------------------------------------------------------------------------------


def test_workspace_through_loganalytics_sdk(clean_sandbox):
    sb = clean_sandbox
    client = LogAnalyticsManagementClient(
        credential(sb),
        sb.seed["subscription_id"],
        base_url=sb.azure_url,
        credential_scopes=[f"{sb.azure_url}/.default"],
        connection_verify=str(sb.ca_path),
    )
    workspace = client.workspaces.get(RG, WS)
    assert workspace.customer_id == sb.workspace["customer_id"]
    assert workspace.location == "westeurope" and workspace.sku.name == "PerGB2018"
    assert client.workspaces.get("RG-SENTINEL", "LAW-SENTINEL").name == WS  # ARM names are case-insensitive

    with pytest.raises(ResourceNotFoundError) as missing:
        client.workspaces.get(RG, "law-nope")
    assert missing.value.error.code == "ResourceNotFound"
    with pytest.raises(ResourceNotFoundError) as no_rg:
        client.workspaces.get("rg-nope", WS)
    assert no_rg.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(HttpResponseError) as forbidden:
        client.workspaces.get(RG, "law-forbidden")
    assert forbidden.value.status_code == 403 and forbidden.value.error.code == "AuthorizationFailed"
    assert sb.seed["client_id"] in forbidden.value.error.message
    assert "Microsoft.OperationalInsights/workspaces/read" in forbidden.value.error.message
    assert {w.name for w in client.workspaces.list_by_resource_group(RG)} == {"law-sentinel", "law-plain"}


def test_onboarding_state_get_put_and_connectors_need_it(clean_sandbox):
    sb = clean_sandbox
    client = sentinel(sb)
    plain_id = next(w["customer_id"] for w in sb.seed["workspaces"] if w["name"] == "law-plain")
    role_arn = sentinel_role(sb, "r", external_id=plain_id)
    assert client.sentinel_onboarding_states.get(RG, WS, "default").name == "default"
    with pytest.raises(ResourceNotFoundError):
        client.sentinel_onboarding_states.get(RG, "law-plain", "default")
    with pytest.raises(HttpResponseError) as not_onboarded:
        client.data_connectors.create_or_update(RG, "law-plain", "c1", trail_connector(role_arn))
    # The real wording, double-encoded as Sentinel answers it (tests/sandbox/README.md).
    assert not_onboarded.value.status_code == 400
    assert json.loads(not_onboarded.value.error.message) == {
        "error": {
            "code": "BadRequest",
            "message": "Workspace 'law-plain' is not onboarded to Microsoft Sentinel. Please onboard through the "
            "portal or use the OnboardingStates ARM api to onboard to Sentinel.",
        }
    }

    created = client.sentinel_onboarding_states.create(
        RG, "law-plain", "default", SentinelOnboardingState(customer_managed_key=False)
    )
    assert created.id.endswith("/law-plain/providers/Microsoft.SecurityInsights/onboardingStates/default")
    again = client.sentinel_onboarding_states.create(RG, "law-plain", "default", SentinelOnboardingState())
    assert [r["status"] for r in sb.azure.write_requests() if "onboardingStates" in r["path"]] == [201, 200]
    # As the azure-cli-extensions recording answers: properties {}, systemData, no etag.
    assert (created.etag, again.etag, created.customer_managed_key) == (None, None, None)
    assert created.system_data.created_by == sb.seed["client_id"]
    assert created.system_data.created_by_type == "Application"
    onboarding = client.sentinel_onboarding_states.get(RG, "law-plain", "default").serialize(keep_readonly=True)
    assert answer_violation(STABLE_ONBOARDING, "SentinelOnboardingState", onboarding) is None
    assert client.data_connectors.create_or_update(RG, "law-plain", "c1", trail_connector(role_arn)).name == "c1"

    sb.azure.reset()  # seed restored: law-plain is plain again
    with pytest.raises(ResourceNotFoundError):
        client.sentinel_onboarding_states.get(RG, "law-plain", "default")


# -- data connectors ------------------------------------------------------------------------------------------------


def test_connector_create_get_list_update_delete(clean_sandbox):
    sb = clean_sandbox
    client = sentinel(sb)
    role_arn = sentinel_role(sb, "sentinel-reader")

    created = client.data_connectors.create_or_update(RG, WS, "aws-1", trail_connector(role_arn))
    assert created.kind == "AmazonWebServicesCloudTrail" and created.aws_role_arn == role_arn
    assert created.data_types.logs.state == "enabled"  # lower-case, as in the recordings
    assert created.id == arm_url(sb, "/providers/Microsoft.SecurityInsights/dataConnectors/aws-1")[len(sb.azure_url) :]

    fetched = client.data_connectors.get(RG, WS, "aws-1")
    assert (fetched.aws_role_arn, fetched.etag) == (role_arn, created.etag)
    assert [c.name for c in client.data_connectors.list(RG, WS)] == ["aws-1"]

    updated = client.data_connectors.create_or_update(RG, WS, "aws-1", trail_connector(role_arn, etag=fetched.etag))
    assert updated.etag != created.etag
    with pytest.raises(HttpResponseError) as stale:
        client.data_connectors.create_or_update(RG, WS, "aws-1", trail_connector(role_arn, etag=created.etag))
    assert stale.value.status_code == 409 and stale.value.error.code == "Conflict"

    client.data_connectors.delete(RG, WS, "aws-1")
    client.data_connectors.delete(RG, WS, "aws-1")  # absent: 204, no error
    with pytest.raises(ResourceNotFoundError):
        client.data_connectors.get(RG, WS, "aws-1")
    puts_and_deletes = [(r["method"], r["status"]) for r in sb.azure.write_requests()]
    assert puts_and_deletes == [("PUT", 201), ("PUT", 200), ("PUT", 409), ("DELETE", 200), ("DELETE", 204)]
    assert sb.azure.connectors(WS) == []


def test_connector_answers_follow_the_spec(clean_sandbox):
    sb = clean_sandbox
    role_arn = sentinel_role(sb, "spec-check")
    bearer = {"Authorization": f"Bearer {token(sb)}"}
    url = arm_url(sb, "/providers/Microsoft.SecurityInsights/dataConnectors")
    body = {
        "kind": "AmazonWebServicesCloudTrail",
        "properties": {"awsRoleArn": role_arn, "dataTypes": {"logs": {"state": "Enabled"}}},
    }
    put = requests.put(
        f"{url}/c1", params={"api-version": "2021-10-01"}, json=body, headers=bearer, verify=str(sb.ca_path), timeout=10
    )
    assert put.status_code == 201
    listing = requests.get(
        url, params={"api-version": "2021-10-01"}, headers=bearer, verify=str(sb.ca_path), timeout=10
    ).json()

    # Where the service differs from its spec, the recordings win: dataTypes.logs.state is read back
    # lower-case (the spec's enum says "Enabled"), so that one value is title-cased before validating.
    created = put.json()
    for answer in [created, *listing["value"]]:
        assert answer["properties"]["dataTypes"]["logs"]["state"] == "enabled"
        assert {"id", "name", "type", "etag", "kind", "properties"} <= set(answer)
        assert answer["type"] == "Microsoft.SecurityInsights/dataConnectors"
        assert str(uuid.UUID(answer["etag"])) == answer["etag"]  # a bare GUID, no quotes
        answer["properties"]["dataTypes"]["logs"]["state"] = "Enabled"
    assert answer_violation(STABLE_CONNECTORS, "AwsCloudTrailDataConnector", created) is None
    assert answer_violation(STABLE_CONNECTORS, "DataConnectorList", listing) is None
    wrong_kind = {**body, "kind": "NotAKind"}
    bad = requests.put(
        f"{url}/c2",
        params={"api-version": "2021-10-01"},
        json=wrong_kind,
        headers=bearer,
        verify=str(sb.ca_path),
        timeout=10,
    )
    assert bad.status_code == 400 and set(bad.json()["error"]) == {"code", "message"}
    # The schema check itself can fail.
    assert "Path 'kind'" in answer_violation(STABLE_CONNECTORS, "AwsCloudTrailDataConnector", wrong_kind)


def test_second_connector_for_the_same_role_is_rejected(clean_sandbox):
    sb = clean_sandbox
    client = sentinel(sb)
    role_arn = sentinel_role(sb, "shared")
    client.data_connectors.create_or_update(RG, WS, "first", trail_connector(role_arn))
    with pytest.raises(HttpResponseError) as error:
        client.data_connectors.create_or_update(RG, WS, "second", trail_connector(role_arn))
    assert error.value.status_code == 400
    assert "two connectors with different names and the same kind and context id" in error.value.error.message
    assert [c["name"] for c in sb.azure.connectors(WS)] == ["first"]


# -- the S3 connector at 2025-07-01-preview ---------------------------------------------------------------

S3_ROLE = "arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"
S3_QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/sentinel-aws-cloudtrail"


def connector_request(sb: Any, method: str, connector_id: str, api_version: str, body: Any = None) -> Any:
    return requests.request(
        method,
        arm_url(sb, f"/providers/Microsoft.SecurityInsights/dataConnectors/{connector_id}"),
        params={"api-version": api_version},
        json=body,
        headers={"Authorization": f"Bearer {token(sb)}"},
        verify=str(sb.ca_path),
        timeout=10,
    )


def test_s3_connector_answers_follow_the_preview_spec(clean_sandbox):
    sb = clean_sandbox
    body = s3_body(S3_ROLE, [S3_QUEUE])
    put = connector_request(sb, "PUT", "s3", PREVIEW, body)
    assert put.status_code == 201, put.text
    got = connector_request(sb, "GET", "s3", PREVIEW)
    listing = requests.get(
        arm_url(sb, "/providers/Microsoft.SecurityInsights/dataConnectors"),
        params={"api-version": PREVIEW},
        headers={"Authorization": f"Bearer {token(sb)}"},
        verify=str(sb.ca_path),
        timeout=10,
    ).json()
    for answer in (put.json(), got.json(), *listing["value"]):
        assert answer["properties"] == body["properties"]  # as sent: "Enabled", as the spec's example answers
        assert answer_violation(PREVIEW_CONNECTORS, "DataConnector", answer) is None
    assert answer_violation(PREVIEW_CONNECTORS, "DataConnectorList", listing) is None
    # The stable listing (what the collection reads) includes it, properties and all.
    stable = [c.name for c in sentinel(sb).data_connectors.list(RG, WS)]
    assert stable == ["s3"]
    assert connector_request(sb, "DELETE", "s3", PREVIEW).status_code == 200
    assert sb.azure.connectors(WS) == []


@pytest.mark.parametrize(
    "drop, wrong, message",
    [
        ("sqsUrls", None, "Required property 'sqsUrls' not found in JSON. Path 'properties'."),
        ("dataTypes", None, "Required property 'dataTypes' not found in JSON. Path 'properties'."),
        (None, ("sqsUrls", S3_QUEUE), f"'{S3_QUEUE}' is not of type 'array'. Path 'properties.sqsUrls'."),
        (None, ("destinationTable", 7), "7 is not of type 'string'. Path 'properties.destinationTable'."),
    ],
)
def test_s3_body_breaking_the_spec_is_refused_naming_the_property(clean_sandbox, drop, wrong, message):
    sb = clean_sandbox
    body = s3_body(S3_ROLE, [S3_QUEUE])
    if drop:
        del body["properties"][drop]
    if wrong:
        body["properties"][wrong[0]] = wrong[1]
    answer = connector_request(sb, "PUT", "s3", PREVIEW, body)
    assert answer.status_code == 400
    assert answer.json()["error"] == {"code": "BadRequest", "message": f"Failed to parse input. Error='{message}'"}
    assert sb.azure.connectors(WS) == []


def test_every_body_at_the_preview_version_is_checked_cloudtrail_too(clean_sandbox):
    sb = clean_sandbox
    body = {"kind": "AmazonWebServicesCloudTrail", "properties": {"awsRoleArn": "x", "dataTypes": {"logs": {}}}}
    answer = connector_request(sb, "PUT", "ct", PREVIEW, body)
    assert answer.status_code == 400
    assert "Required property 'state' not found in JSON. Path 'properties.dataTypes.logs'." in answer.text


def test_s3_kind_at_the_stable_version_and_unknown_versions_are_refused(clean_sandbox):
    sb = clean_sandbox
    stable = connector_request(sb, "PUT", "s3", "2021-10-01", s3_body(S3_ROLE, [S3_QUEUE]))
    assert stable.status_code == 400
    assert "Unknown data connector kind 'AmazonWebServicesS3'" in stable.json()["error"]["message"]
    unknown = connector_request(sb, "PUT", "s3", "2024-09-01", s3_body(S3_ROLE, [S3_QUEUE]))
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "NoRegisteredProviderFound"
    assert "'2021-10-01, 2025-07-01-preview'" in unknown.json()["error"]["message"]
    assert connector_request(sb, "GET", "s3", "2024-09-01").status_code == 400
    assert sb.azure.connectors(WS) == []


def test_body_without_data_types_is_rejected(clean_sandbox):
    sb = clean_sandbox
    with pytest.raises(HttpResponseError) as error:
        sentinel(sb).data_connectors.create_or_update(
            RG, WS, "c", trail_connector(sentinel_role(sb, "r"), data_types=False)
        )
    assert error.value.status_code == 400
    assert "Required property 'dataTypes' not found" in error.value.error.message
    assert sb.azure.connectors(WS) == []


def test_role_must_be_assumable_by_sentinel(clean_sandbox):
    sb = clean_sandbox
    client = sentinel(sb)
    with pytest.raises(HttpResponseError) as missing:
        client.data_connectors.create_or_update(
            RG, WS, "c", trail_connector("arn:aws:iam::123456789012:role/not-there")
        )
    assert "cannot be assumed by Microsoft Sentinel" in missing.value.error.message
    assert "does not exist" in missing.value.error.message

    wrong_id = sentinel_role(sb, "wrong-external-id", external_id="11111111-1111-1111-1111-111111111111")
    wrong_principal = sentinel_role(sb, "wrong-principal", principal="arn:aws:iam::999999999999:root")
    for arn in (wrong_id, wrong_principal):
        with pytest.raises(HttpResponseError) as untrusted:
            client.data_connectors.create_or_update(RG, WS, "c", trail_connector(arn))
        assert "cannot be assumed by Microsoft Sentinel" in untrusted.value.error.message
        assert "trust policy" in untrusted.value.error.message

    good = sentinel_role(sb, "trusted")
    assert client.data_connectors.create_or_update(RG, WS, "c", trail_connector(good)).aws_role_arn == good
    # The check itself stays out of the AWS log: only the test's CreateRole calls are there.
    assert {r["action"] for r in sb.aws.requests} == {"CreateRole"}


def test_not_assumable_switch_simulates_iam_propagation(clean_sandbox):
    sb = clean_sandbox
    client = sentinel(sb)
    role_arn = sentinel_role(sb, "fresh")
    sb.azure.not_assumable(2)
    for _attempt in range(2):
        with pytest.raises(HttpResponseError) as error:
            client.data_connectors.create_or_update(RG, WS, "c", trail_connector(role_arn))
        assert json.loads(error.value.error.message)["error"]["message"].startswith(
            "Invalid AWS role ARN or the role cannot be assumed by Microsoft Sentinel"
        )
    assert client.data_connectors.create_or_update(RG, WS, "c", trail_connector(role_arn)).name == "c"


def test_not_assumable_can_be_reworded(clean_sandbox):
    sb = clean_sandbox
    client = sentinel(sb)
    role_arn = sentinel_role(sb, "fresh")
    sb.azure.not_assumable(1, message="Something new about the AWS role")
    with pytest.raises(HttpResponseError) as error:
        client.data_connectors.create_or_update(RG, WS, "c", trail_connector(role_arn))
    assert json.loads(error.value.error.message)["error"]["message"].startswith("Something new about the AWS role: ")
    sb.azure.reset()
    sb.azure.not_assumable(1)
    with pytest.raises(HttpResponseError) as error:
        client.data_connectors.create_or_update(RG, WS, "c", trail_connector(role_arn))
    assert "cannot be assumed by Microsoft Sentinel" in error.value.error.message  # reset restores the wording


def test_delete_answers_200_with_an_empty_object(clean_sandbox):
    sb = clean_sandbox
    bearer = {"Authorization": f"Bearer {token(sb)}"}
    url = arm_url(sb, "/providers/Microsoft.SecurityInsights/dataConnectors/gone")
    client = sentinel(sb)
    client.data_connectors.create_or_update(RG, WS, "gone", trail_connector(sentinel_role(sb, "gone")))
    answer = requests.delete(
        url, params={"api-version": "2021-10-01"}, headers=bearer, verify=str(sb.ca_path), timeout=10
    )
    assert (answer.status_code, answer.json()) == (200, {})  # Remove-AzSentinelDataConnector.Recording.json
    again = requests.delete(
        url, params={"api-version": "2021-10-01"}, headers=bearer, verify=str(sb.ca_path), timeout=10
    )
    assert (again.status_code, again.content) == (204, b"")


def test_an_unregistered_provider_refuses_every_sentinel_request(clean_sandbox):
    sb = clean_sandbox
    client = sentinel(sb)
    sb.azure.register_provider(False)
    for call in (
        lambda: list(client.data_connectors.list(RG, WS)),
        lambda: client.sentinel_onboarding_states.get(RG, WS, "default"),
    ):
        with pytest.raises(HttpResponseError) as error:
            call()
        assert error.value.status_code == 400
        inner = json.loads(error.value.error.message)["error"]
        assert inner["code"] == "BadRequest"
        assert "is not registered to 'Microsoft.SecurityInsights'" in inner["message"]
    sb.azure.reset()
    assert list(client.data_connectors.list(RG, WS)) == []


def test_list_pages_through_next_link(clean_sandbox):
    sb = clean_sandbox
    client = sentinel(sb)
    sb.azure.state.page_size = 2  # reset() restores the seed's page size
    for index in range(5):
        client.data_connectors.create_or_update(RG, WS, f"c{index}", trail_connector(sentinel_role(sb, f"r{index}")))
    assert sorted(c.name for c in client.data_connectors.list(RG, WS)) == [f"c{i}" for i in range(5)]
    lists = [r for r in sb.azure.requests if r["method"] == "GET" and r["path"].endswith("/dataConnectors")]
    assert len(lists) == 3


# -- faults --------------------------------------------------------------------------------------------------------


def test_429_with_retry_after_is_retried_by_azure_core(clean_sandbox):
    sb = clean_sandbox
    client = sentinel(sb)
    role_arn = sentinel_role(sb, "throttled")
    sb.azure.add_fault(method="PUT", path_contains="dataConnectors", status=429, headers={"Retry-After": "1"}, times=1)
    started = time.monotonic()
    assert client.data_connectors.create_or_update(RG, WS, "c", trail_connector(role_arn)).name == "c"
    assert time.monotonic() - started >= 1.0  # Retry-After honoured
    assert [(r["status"], r["fault"]) for r in sb.azure.write_requests()] == [(429, True), (201, False)]


def test_dropped_connection_and_slow_answer(clean_sandbox):
    sb = clean_sandbox
    client = sentinel(sb)
    client.data_connectors.list  # noqa: B018  (client built before the faults)
    sb.azure.add_fault(method="GET", path_contains="/dataConnectors", drop=True, times=1)
    sb.azure.add_fault(method="GET", path_contains="/dataConnectors", delay=0.3, times=1)
    started = time.monotonic()
    assert list(client.data_connectors.list(RG, WS)) == []
    assert time.monotonic() - started >= 0.3
    lists = [r for r in sb.azure.requests if r["path"].endswith("/dataConnectors")]
    assert [r["status"] for r in lists] == ["dropped", 200]


def test_control_api_over_https(clean_sandbox):
    sb = clean_sandbox
    verify = str(sb.ca_path)
    fault = {"method": "GET", "path_contains": "workspaces/law-sentinel", "status": 503, "times": 1}
    assert requests.post(f"{sb.azure_url}/_sandbox/faults", json=fault, verify=verify, timeout=10).json() == {
        "faults": 1
    }
    bearer = {"Authorization": f"Bearer {token(sb)}"}
    answer = requests.get(arm_url(sb), params={"api-version": "2025-07-01"}, headers=bearer, verify=verify, timeout=10)
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "ServiceUnavailable"
    logged = requests.get(f"{sb.azure_url}/_sandbox/requests", verify=verify, timeout=10).json()
    assert [r["status"] for r in logged if r["path"].endswith("law-sentinel")] == [503]
    requests.post(f"{sb.azure_url}/_sandbox/not_assumable", json={"n": 1}, verify=verify, timeout=10)
    assert sb.azure.state.not_assumable_left == 1
    requests.post(f"{sb.azure_url}/_sandbox/reset", verify=verify, timeout=10)
    assert sb.azure.requests == [] and sb.azure.state.not_assumable_left == 0


# -- ARM's write throttle ------------------------------------------------------------------------------------


def test_write_throttle_answers_429_with_retry_after_once_the_bucket_is_empty(clean_sandbox):
    """ARM's token bucket for writes (request-limits-and-throttling): reads pass, writes wait for a token."""
    sb = clean_sandbox
    role_arn = sentinel_role(sb, "sentinel-reader")
    body = trail_connector(role_arn).serialize()
    body["kind"] = "AmazonWebServicesCloudTrail"
    sb.azure.throttle_writes(bucket=2, refill_per_second=1)

    answers = [connector_request(sb, "PUT", f"aws-{i}", "2021-10-01", body) for i in range(3)]

    assert [a.status_code for a in answers] == [201, 400, 429]  # the second is Sentinel's duplicate refusal
    throttled = answers[2]
    assert throttled.headers["Retry-After"] == "1"
    assert throttled.json()["error"]["code"] == "TooManyRequests"
    assert connector_request(sb, "GET", "aws-0", "2021-10-01").status_code == 200  # reads take no token
    time.sleep(1.05)
    assert connector_request(sb, "DELETE", "aws-0", "2021-10-01").status_code == 200  # refilled
    assert [(r["method"], r["status"], r.get("throttled", False)) for r in sb.azure.write_requests()] == [
        ("PUT", 201, False),
        ("PUT", 400, False),
        ("PUT", 429, True),
        ("DELETE", 200, False),
    ]

    sb.azure.reset()
    assert [connector_request(sb, "DELETE", "aws-0", "2021-10-01").status_code for _i in range(3)] == [204] * 3


def test_write_throttle_over_the_control_api(clean_sandbox):
    sb = clean_sandbox
    verify = str(sb.ca_path)
    answer = requests.post(
        f"{sb.azure_url}/_sandbox/throttle", json={"bucket": 1, "refill_per_second": 0.5}, verify=verify, timeout=10
    )
    assert answer.json()["throttle"]["bucket"] == 1
    codes = [connector_request(sb, "DELETE", "absent", "2021-10-01") for _i in range(2)]
    assert [c.status_code for c in codes] == [204, 429] and codes[1].headers["Retry-After"] == "2"
    requests.post(f"{sb.azure_url}/_sandbox/throttle", json={"bucket": None}, verify=verify, timeout=10)
    assert connector_request(sb, "DELETE", "absent", "2021-10-01").status_code == 204
    bad = requests.post(f"{sb.azure_url}/_sandbox/throttle", json={"bucket": 0}, verify=verify, timeout=10)
    assert bad.status_code == 400
