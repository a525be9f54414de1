"""ARM resources of the Azure emulator: subscription, resource group, Log Analytics workspaces,
Sentinel onboarding states and data connectors (REST contract: securityinsights 2021-10-01
``DataConnectors.json`` / ``OnboardingStates.json``, and 2025-07-01-preview ``dataConnectors.json``
for the data connectors; copies in tests/sandbox/specs/, read by spec_check.py).

Names are matched case-insensitively (ARM does) and answered as they were seeded or created.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode

from . import spec_check
from .azure_types import ArmError, Request, Response

# The api-versions the data connector routes serve: those whose spec the sandbox keeps a copy of.
CONNECTOR_API_VERSIONS = tuple(spec_check.SPEC_FILES)
# DataConnectorKind of each of them.
CONNECTOR_KINDS = {version: spec_check.kinds(version) for version in CONNECTOR_API_VERSIONS}
CLOUDTRAIL = "AmazonWebServicesCloudTrail"
S3 = "AmazonWebServicesS3"
ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$")
# Assumed wording: the real refusal's text is not public (tests/sandbox/README.md).
NOT_ASSUMABLE = "Invalid AWS role ARN or the role cannot be assumed by Microsoft Sentinel"
DUPLICATE = "there cannot be two connectors with different names and the same kind and context id"

# (role_arn, customer_id, sentinel_account) -> reason it cannot be assumed, or None
RoleChecker = Callable[[str, str, str], "str | None"]


def _etag() -> str:
    # Data connector etags are bare GUID-like strings, new on every write (Azure/azure-powershell
    # New-AzSentinelDataConnector.Recording.json: "etag":"9700d6c2-0000-0500-0000-69c392980000").
    return str(uuid.uuid4())


def _sentinel_refusal(message: str) -> ArmError:
    """Sentinel's own 400 refusals come double-encoded (see ArmError)."""
    return ArmError(400, "BadRequest", message, double_encoded=True)


@dataclass
class Workspace:
    name: str
    resource_group: str
    customer_id: str
    location: str
    sentinel: bool
    forbidden: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    onboarding: dict[str, Any] | None = None  # the stored onboarding state "default"
    connectors: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower-cased id -> body


class ArmState:
    """Everything the ARM side stores, seeded from the seed dict; one lock around it."""

    def __init__(self, seed: dict[str, Any], role_checker: RoleChecker | None = None):
        self.seed = seed
        self.subscription_id = seed["subscription_id"]
        self.page_size = 50
        self.sentinel_account = seed.get("sentinel_aws_account_id", "197857026523")
        self.role_checker = role_checker
        self.not_assumable_left = 0
        self.not_assumable_message = NOT_ASSUMABLE
        self.provider_registered = True
        self.lock = threading.RLock()
        self.workspaces: dict[tuple[str, str], Workspace] = {}
        self.reset()

    def reset(self) -> None:
        """Back to the seed: no connectors, seeded onboarding states, no pending faults."""
        with self.lock:
            self.not_assumable_left = 0
            self.not_assumable_message = NOT_ASSUMABLE
            self.provider_registered = True
            self.page_size = int(self.seed.get("page_size", 50))
            self.workspaces = {}
            for item in self.seed["workspaces"]:
                ws = Workspace(
                    name=item["name"],
                    resource_group=item.get("resource_group", self.seed["resource_group"]),
                    customer_id=item["customer_id"],
                    location=item.get("location", self.seed.get("location", "westeurope")),
                    sentinel=bool(item.get("sentinel")),
                    forbidden=bool(item.get("forbidden")),
                    tags=dict(item.get("tags", {})),
                )
                if ws.sentinel:
                    ws.onboarding = {"properties": {}, "systemData": _system_data("seed")}
                self.workspaces[(ws.resource_group.lower(), ws.name.lower())] = ws

    @property
    def resource_groups(self) -> set[str]:
        return {rg for rg, _name in self.workspaces} | {self.seed["resource_group"].lower()}

    def connectors(self, workspace: str, resource_group: str | None = None) -> list[dict[str, Any]]:
        rg = (resource_group or self.seed["resource_group"]).lower()
        with self.lock:
            ws = self.workspaces[(rg, workspace.lower())]
            return [json.loads(json.dumps(body)) for body in ws.connectors.values()]


# -- scope checks, in the order ARM applies them --------------------------------------------------------


def _subscription(state: ArmState, request: Request) -> str:
    sub = request.params["sub"]
    if sub.lower() != state.subscription_id.lower():
        raise ArmError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
    return state.subscription_id


def _resource_group(state: ArmState, request: Request) -> str:
    _subscription(state, request)
    rg = request.params["rg"]
    if rg.lower() not in state.resource_groups:
        raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
    return rg


def _workspace(state: ArmState, request: Request, action: str) -> Workspace:
    rg = _resource_group(state, request)
    name = request.params["ws"]
    ws = state.workspaces.get((rg.lower(), name.lower()))
    if ws is None:
        raise ArmError(
            404,
            "ResourceNotFound",
            f"The Resource 'Microsoft.OperationalInsights/workspaces/{name}' under resource group '{rg}' "
            "was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
        )
    if ws.forbidden:
        raise ArmError(
            403,
            "AuthorizationFailed",
            f"The client '{request.client_id}' with object id '{request.client_id}' does not have authorization "
            f"to perform action '{action}' over scope '{workspace_id(state, ws)}' or the scope is invalid. "
            "If access was recently granted, please refresh your credentials.",
        )
    return ws


def _security_insights_workspace(state: ArmState, request: Request, action: str) -> Workspace:
    """The workspace of a Microsoft.SecurityInsights request: needs the provider registered."""
    ws = _workspace(state, request, action)
    if not state.provider_registered:
        # Wording beyond "is not registered to 'Microsoft.SecurityInsights'" is assumed.
        raise _sentinel_refusal(
            f"Subscription '{state.subscription_id}' is not registered to 'Microsoft.SecurityInsights'. "
            "Please register the resource provider."
        )
    return ws


def _sentinel_workspace(state: ArmState, request: Request, action: str) -> Workspace:
    ws = _security_insights_workspace(state, request, action)
    if ws.onboarding is None:
        # Sentinel resources need the workspace onboarded first (onboardingStates/default); the
        # real wording (iknowjason/PurpleCloud #42, microsoft/zerotrustassessment #1241).
        raise _sentinel_refusal(
            f"Workspace '{ws.name}' is not onboarded to Microsoft Sentinel. Please onboard through the portal or "
            "use the OnboardingStates ARM api to onboard to Sentinel."
        )
    return ws


def workspace_id(state: ArmState, ws: Workspace) -> str:
    return (
        f"/subscriptions/{state.subscription_id}/resourceGroups/{ws.resource_group}"
        f"/providers/Microsoft.OperationalInsights/workspaces/{ws.name}"
    )


# -- subscription, resource group, workspaces -----------------------------------------------------------


def get_subscription(state: ArmState, request: Request) -> Response:
    sub = _subscription(state, request)
    return Response(
        200,
        {
            "id": f"/subscriptions/{sub}",
            "subscriptionId": sub,
            "tenantId": state.seed["tenant_id"],
            "displayName": "Sentinel sandbox",
            "state": "Enabled",
        },
    )


def get_resource_group(state: ArmState, request: Request) -> Response:
    rg = _resource_group(state, request)
    name = next(
        (w.resource_group for w in state.workspaces.values() if w.resource_group.lower() == rg.lower()),
        state.seed["resource_group"],
    )
    return Response(
        200,
        {
            "id": f"/subscriptions/{state.subscription_id}/resourceGroups/{name}",
            "name": name,
            "type": "Microsoft.Resources/resourceGroups",
            "location": state.seed.get("location", "westeurope"),
            "properties": {"provisioningState": "Succeeded"},
        },
    )


def workspace_body(state: ArmState, ws: Workspace) -> dict[str, Any]:
    """A workspace as Microsoft.OperationalInsights answers it (azure-mgmt-loganalytics' Workspace model)."""
    return {
        "id": workspace_id(state, ws),
        "name": ws.name,
        "type": "Microsoft.OperationalInsights/workspaces",
        "location": ws.location,
        "tags": dict(ws.tags),
        "etag": '"0b00c1a2-0000-0d00-0000-000000000000"',
        "properties": {
            "customerId": ws.customer_id,
            "provisioningState": "Succeeded",
            "sku": {"name": "PerGB2018", "lastSkuUpdate": "2024-01-01T00:00:00.0000000Z"},
            "retentionInDays": 90,
            "features": {"legacy": 0, "searchVersion": 1, "enableLogAccessUsingOnlyResourcePermissions": True},
            "workspaceCapping": {"dailyQuotaGb": -1.0, "dataIngestionStatus": "RespectQuota"},
            "publicNetworkAccessForIngestion": "Enabled",
            "publicNetworkAccessForQuery": "Enabled",
            "createdDate": "2024-01-01T00:00:00.0000000Z",
            "modifiedDate": "2024-01-01T00:00:00.0000000Z",
        },
    }


def get_workspace(state: ArmState, request: Request) -> Response:
    with state.lock:
        ws = _workspace(state, request, "Microsoft.OperationalInsights/workspaces/read")
        return Response(200, workspace_body(state, ws))


def list_workspaces(state: ArmState, request: Request) -> Response:
    """Workspaces of the subscription or of one resource group; ARM leaves out those we may not read."""
    with state.lock:
        if "rg" in request.params:
            rg = _resource_group(state, request).lower()
        else:
            _subscription(state, request)
            rg = None
        found = [
            workspace_body(state, ws)
            for (ws_rg, _name), ws in sorted(state.workspaces.items())
            if not ws.forbidden and (rg is None or ws_rg == rg)
        ]
    return Response(200, {"value": found})


# -- Sentinel onboarding states -------------------------------------------------------------------------

_ONBOARDING = "Microsoft.SecurityInsights/onboardingStates"


def _system_data(who: str) -> dict[str, Any]:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime())
    kind = "User" if "@" in who else "Application"
    return {
        "createdAt": now,
        "createdBy": who,
        "createdByType": kind,
        "lastModifiedAt": now,
        "lastModifiedBy": who,
        "lastModifiedByType": kind,
    }


def _onboarding_body(state: ArmState, ws: Workspace) -> dict[str, Any]:
    """As the recording answers it: properties {} (customerManagedKey only when true), systemData, no etag
    (Azure/azure-cli-extensions test_sentinel_onboarding_state_crud.yaml)."""
    assert ws.onboarding is not None
    return {
        "properties": dict(ws.onboarding["properties"]),
        "id": f"{workspace_id(state, ws)}/providers/{_ONBOARDING}/default",
        "name": "default",
        "type": _ONBOARDING,
        "systemData": dict(ws.onboarding["systemData"]),
    }


def _onboarding_name(request: Request) -> None:
    name = request.params["name"]
    if name.lower() != "default":
        raise ArmError(
            400, "BadRequest", f"Invalid Sentinel onboarding state name '{name}': only 'default' is supported."
        )


def get_onboarding(state: ArmState, request: Request) -> Response:
    with state.lock:
        ws = _security_insights_workspace(state, request, f"{_ONBOARDING}/read")
        _onboarding_name(request)
        if ws.onboarding is None:
            raise ArmError(404, "NotFound", f"Sentinel onboarding state 'default' not found for workspace '{ws.name}'.")
        return Response(200, _onboarding_body(state, ws))


def list_onboarding(state: ArmState, request: Request) -> Response:
    with state.lock:
        ws = _security_insights_workspace(state, request, f"{_ONBOARDING}/read")
        return Response(200, {"value": [_onboarding_body(state, ws)] if ws.onboarding else []})


def put_onboarding(state: ArmState, request: Request) -> Response:
    body = request.json() or {}
    with state.lock:
        ws = _security_insights_workspace(state, request, f"{_ONBOARDING}/write")
        _onboarding_name(request)
        created = ws.onboarding is None
        properties = body.get("properties") or {}
        ws.onboarding = {
            "properties": {"customerManagedKey": True} if properties.get("customerManagedKey") else {},
            "systemData": _system_data(request.client_id or "unknown"),
        }
        return Response(201 if created else 200, _onboarding_body(state, ws))


def delete_onboarding(state: ArmState, request: Request) -> Response:
    with state.lock:
        ws = _security_insights_workspace(state, request, f"{_ONBOARDING}/delete")
        _onboarding_name(request)
        if ws.onboarding is None:
            return Response(204)
        # Removing Sentinel from a workspace removes its Sentinel resources with it.
        ws.onboarding = None
        ws.connectors.clear()
        return Response(200)


# -- data connectors --------------------------------------------------------------------------------------

_CONNECTORS = "Microsoft.SecurityInsights/dataConnectors"


def _connector_api_version(request: Request) -> str:
    """ARM refuses an api-version the resource type does not have, before the resource provider sees it."""
    version = request.api_version or ""
    if version not in CONNECTOR_API_VERSIONS:
        # Modelled on ARM's answer for an unknown api-version of a resource type (wording assumed).
        raise ArmError(
            400,
            "NoRegisteredProviderFound",
            f"No registered resource provider found for location 'westeurope' and API version '{version}' for type "
            f"'dataConnectors'. The supported api-versions are '{', '.join(CONNECTOR_API_VERSIONS)}'.",
        )
    return version


def get_connector(state: ArmState, request: Request) -> Response:
    _connector_api_version(request)
    with state.lock:
        ws = _sentinel_workspace(state, request, f"{_CONNECTORS}/read")
        body = ws.connectors.get(request.params["id"].lower())
        if body is None:
            raise ArmError(404, "NotFound", f"Data connector '{request.params['id']}' was not found.")
        return Response(200, body)


def list_connectors(state: ArmState, request: Request) -> Response:
    """The workspace's connectors, ``state.page_size`` a page, the rest behind ``nextLink``.

    Every kind at every api-version: the 2021-10-01 listing includes S3 connectors (assumed:
    DataConnectorKind is an extensible enum there, tests/sandbox/README.md).
    """
    _connector_api_version(request)
    try:
        skip = int(request.query.get("$skipToken", "0"))
    except ValueError:
        raise ArmError(400, "BadRequest", "Invalid $skipToken.") from None
    with state.lock:
        ws = _sentinel_workspace(state, request, f"{_CONNECTORS}/read")
        items = list(ws.connectors.values())
    page = items[skip : skip + state.page_size]
    body: dict[str, Any] = {"value": page}
    if skip + state.page_size < len(items):
        query = urlencode({"api-version": request.api_version, "$skipToken": skip + state.page_size})
        body["nextLink"] = f"{request.base_url}{request.path}?{query}"
    return Response(200, body)


def delete_connector(state: ArmState, request: Request) -> Response:
    _connector_api_version(request)
    with state.lock:
        ws = _sentinel_workspace(state, request, f"{_CONNECTORS}/delete")
        removed = ws.connectors.pop(request.params["id"].lower(), None)
    # 200 with "{}" (Azure/azure-powershell Remove-AzSentinelDataConnector.Recording.json).
    return Response(200, {}) if removed else Response(204)


def put_connector(state: ArmState, request: Request) -> Response:
    api_version = _connector_api_version(request)
    body = request.json()
    with state.lock:
        ws = _sentinel_workspace(state, request, f"{_CONNECTORS}/write")
        connector_id = request.params["id"]
        existing = ws.connectors.get(connector_id.lower())
        kind, properties = validate_connector(body, api_version, request.path)
        _check_etag(body, existing)
        _check_unique(ws, connector_id, kind, properties)
        # Checked last and outside nothing: Sentinel refuses a role it cannot assume before it saves.
        if kind == CLOUDTRAIL:
            _check_assumable(state, properties["awsRoleArn"], ws.customer_id)
        name = existing["name"] if existing else connector_id
        if kind == CLOUDTRAIL:
            # Read back lower-case whatever case was sent ("state":"enabled" in the recordings).
            properties["dataTypes"]["logs"]["state"] = properties["dataTypes"]["logs"]["state"].lower()
        stored = {
            "id": f"{workspace_id(state, ws)}/providers/{_CONNECTORS}/{name}",
            "name": name,
            "type": _CONNECTORS,
            "etag": _etag(),
            "kind": kind,
            "properties": properties,
        }
        ws.connectors[connector_id.lower()] = stored
        return Response(200 if existing else 201, json.loads(json.dumps(stored)))


def _parse_failure(error: str) -> ArmError:
    return ArmError(400, "BadRequest", f"Failed to parse input. Error='{error}'")


def validate_connector(body: Any, api_version: str, path: str) -> tuple[str, dict[str, Any]]:
    """The checks the service makes on a connector body; messages worded as it words them.

    A kind the api-version does not define is refused (so AmazonWebServicesS3 at 2021-10-01:
    assumed). Bodies at 2025-07-01-preview, and every S3 body, are checked against the spec copy
    (spec_check), the failure naming the property.
    """
    if not isinstance(body, dict):
        raise _parse_failure("The request body must be a JSON object.")
    kind = body.get("kind")
    if not kind:
        raise _parse_failure("Required property 'kind' not found in JSON.")
    kinds = CONNECTOR_KINDS[api_version]
    if kind not in kinds:
        raise _parse_failure(f"Unknown data connector kind '{kind}'. Expected one of {', '.join(kinds)}.")
    if api_version == spec_check.PREVIEW or kind == S3:
        violation = spec_check.request_violation("PUT", path, api_version, body)
        if violation:
            raise _parse_failure(violation)
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise _parse_failure("Required property 'properties' not found in JSON.")
    if kind == S3:
        # The service keeps only the properties it knows (all four required by the spec).
        return kind, {key: properties[key] for key in ("roleArn", "sqsUrls", "destinationTable", "dataTypes")}
    if kind != CLOUDTRAIL:
        return kind, json.loads(json.dumps(properties))
    if "dataTypes" not in properties:
        raise ArmError(
            400,
            "BadRequest",
            "Failed to parse input. Error='Required property 'dataTypes' not found in JSON. Path 'properties'.'",
        )
    logs = (properties.get("dataTypes") or {}).get("logs")
    if not isinstance(logs, dict) or logs.get("state") not in ("Enabled", "Disabled"):
        raise ArmError(
            400, "BadRequest", "Failed to parse input. Error='dataTypes.logs.state must be 'Enabled' or 'Disabled'.'"
        )
    role_arn = properties.get("awsRoleArn")
    if not isinstance(role_arn, str) or not ROLE_ARN.match(role_arn):
        raise ArmError(
            400,
            "BadRequest",
            f"{NOT_ASSUMABLE}: '{role_arn}' is not an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>).",
        )
    # The service keeps only the properties it knows.
    return kind, {"awsRoleArn": role_arn, "dataTypes": {"logs": {"state": logs["state"]}}}


def _check_etag(body: dict[str, Any], existing: dict[str, Any] | None) -> None:
    """Optimistic concurrency on the body's etag: a stale one is a 409 Conflict (Sentinel's answer).

    An etag on a create, or a stale one on an update, means the caller's view is out of date.
    """
    sent = body.get("etag")
    if sent is None:
        return
    current = existing["etag"] if existing else None
    if sent.strip('"') != (current or "").strip('"'):
        raise ArmError(
            409,
            "Conflict",
            f"The etag '{sent}' does not match the current etag '{current}' of the data connector: "
            "it was changed since it was read. Read it again and retry.",
        )


def _check_unique(ws: Workspace, connector_id: str, kind: str, properties: dict[str, Any]) -> None:
    """Sentinel refuses a second connector of one kind and context under another name (Azure-Sentinel #15075)."""
    context = _context_id(kind, properties)
    if context is None:
        return
    for key, other in ws.connectors.items():
        if key != connector_id.lower() and other["kind"] == kind and _context_id(kind, other["properties"]) == context:
            raise ArmError(
                400,
                "BadRequest",
                f"Data connector validation failed: {DUPLICATE}. Connector '{other['name']}' of kind '{kind}' "
                f"already uses the context id '{properties.get('awsRoleArn', context)}'.",
            )


def _context_id(kind: str, properties: dict[str, Any]) -> str | None:
    """What Sentinel calls the context of a connector (assumed: not public, tests/sandbox/README.md)."""
    if kind == CLOUDTRAIL:
        return str(properties.get("awsRoleArn", "")).lower()
    if kind == S3:
        # One role feeds one connector per destination table (a log type with its own queues).
        return f"{str(properties.get('roleArn', '')).lower()}/{properties.get('destinationTable')}"
    tenant = properties.get("tenantId")
    return str(tenant).lower() if tenant else None


def _check_assumable(state: ArmState, role_arn: str, customer_id: str) -> None:
    if state.not_assumable_left > 0:
        state.not_assumable_left -= 1
        raise _sentinel_refusal(
            f"{state.not_assumable_message}: AccessDenied when calling sts:AssumeRole on '{role_arn}'."
        )
    if state.role_checker is None:
        return
    reason = state.role_checker(role_arn, customer_id, state.sentinel_account)
    if reason:
        raise _sentinel_refusal(f"{state.not_assumable_message}: {reason}")


# -- trust policy check (pure) ------------------------------------------------------------------------------


def trust_problem(policy: Any, customer_id: str, sentinel_account: str) -> str | None:
    """Why ``policy`` does not let Sentinel's account assume the role with the workspace ID, or None.

    Needs one Allow statement: principal ``arn:aws:iam::<sentinel>:root`` (or the bare account id),
    action ``sts:AssumeRole``, ``StringEquals sts:ExternalId`` = the workspace customerId, and no MFA
    condition (Sentinel cannot satisfy one).
    """
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return "the trust policy is not valid JSON"
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        if _statement_allows(statement, customer_id, sentinel_account):
            return None
    return (
        f"its trust policy does not allow arn:aws:iam::{sentinel_account}:root to call sts:AssumeRole "
        f"with sts:ExternalId '{customer_id}' (without MFA)"
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statement_allows(statement: dict[str, Any], customer_id: str, sentinel_account: str) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    actions = [str(a).lower() for a in _as_list(statement.get("Action", []))]
    if not {"sts:assumerole", "sts:*", "*"} & set(actions):
        return False
    principal = statement.get("Principal", {})
    aws = _as_list(principal.get("AWS", [])) if isinstance(principal, dict) else []
    if not {f"arn:aws:iam::{sentinel_account}:root", sentinel_account} & set(aws):
        return False
    condition = statement.get("Condition", {}) or {}
    if "aws:multifactorauthpresent" in json.dumps(condition).lower():
        return False
    external_ids = _as_list((condition.get("StringEquals") or {}).get("sts:ExternalId", []))
    return customer_id.lower() in [str(value).lower() for value in external_ids]
