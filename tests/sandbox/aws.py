"""The AWS half of the sandbox: moto's server app behind a small recording/fault-injecting WSGI layer.

moto's own ``ThreadedMotoServer`` serves ``DomainDispatcherApplication(create_backend_app)`` with
werkzeug; we serve the same app the same way, wrapped in ``AwsMiddleware``, which

* records every request (service, action, method, path, status, access key, account),
* answers injected faults in the wire format of the service's protocol (query/XML, JSON, S3 XML),
* serves a control API under ``/_sandbox/`` for shell users and subprocess tests,
* maps sandbox access keys ``AKIASBX<12-digit account>`` to that moto account (``x-moto-account-id``),
  so several AWS accounts can be onboarded from one moto server.
"""

from __future__ import annotations

import inspect
import io
import json
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

# moto reads this when it first builds an IAM backend; it must be set before any IAM call and it is
# harmless to set it before the import. AWSCloudTrail_ReadOnlyAccess only exists with it.
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
# A MOTO_ACCOUNT_ID in the environment would override the per-request account selection below.
os.environ.pop("MOTO_ACCOUNT_ID", None)

from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.cloudtrail.models import CloudTrailBackend  # noqa: E402
from moto.core.exceptions import AccessDeniedError, JsonRESTError  # noqa: E402
from moto.iam.models import IAMBackend  # noqa: E402
from werkzeug.serving import BaseWSGIServer, make_server  # noqa: E402


def _managed_policies_in_aws_partition_only() -> None:
    """Build AWS managed policies for the ``aws`` partition only.

    moto builds ~1,600 policy objects (~0.1 s) for each of its 6 partitions as soon as one IAM write
    looks up an access key across them: ~0.5 s after every reset. The collection refuses other
    partitions before any call (design.md: GovCloud fails early), so only ``aws`` needs them.
    """
    original = IAMBackend._init_aws_policies
    if getattr(original, "_sandbox", False):
        return

    def init_aws_policies(self: IAMBackend) -> list:
        return original(self) if self.partition == "aws" else []

    init_aws_policies._sandbox = True  # type: ignore[attr-defined]
    IAMBackend._init_aws_policies = init_aws_policies  # type: ignore[method-assign]


_managed_policies_in_aws_partition_only()


# A filter rule's name in a PutBucketNotificationConfiguration body: <Name>prefix</Name>, any case.
_FILTER_RULE_NAME = re.compile(r"(<Name>\s*)(prefix|suffix)(\s*</Name>)", re.IGNORECASE)


def _s3_notifications_as_s3_answers() -> None:
    """GetBucketNotificationConfiguration and PutBucketNotificationConfiguration as S3 answers them.

    moto 5.2.5 differs in two ways that matter to a client that reads, merges and writes back a
    bucket's configuration (s3_notification):
    * it stores EventBridgeConfiguration but leaves it out of its answer (S3 answers ``{}`` when
      it is on), so EventBridge would seem to be turned off by the write-back;
    * it accepts filter rule names only in lower case and answers them as sent, where S3 accepts
      either case and answers ``Prefix``/``Suffix`` capitalised (aws/aws-sdk #389,
      aws/aws-sdk-go-v2 #1595), so a client comparing names as sent would rewrite every time.
    The answers stay moto's own, with those two things changed.
    """
    from moto.core.responses import ActionResult
    from moto.s3.responses import S3Response

    original_get = S3Response.get_bucket_notification
    if getattr(original_get, "_sandbox", False):
        return
    original_parse = S3Response._notification_config_from_body

    def parse_any_case(self: S3Response) -> Any:
        body = self.body.decode("utf-8") if isinstance(self.body, bytes) else self.body
        self.body = _FILTER_RULE_NAME.sub(lambda m: m.group(1) + m.group(2).lower() + m.group(3), body)
        return original_parse(self)

    def get_bucket_notification(self: S3Response) -> Any:
        configuration = self.backend.get_bucket_notification_configuration(self.bucket_name)
        serialize = self.serialized

        def as_s3_answers(result: ActionResult) -> Any:
            if isinstance(result.result, dict):
                for kind in ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations"):
                    for item in result.result.get(kind, []):
                        if "Filter" in item:
                            rules = item["Filter"]["Key"]["FilterRules"]
                            # New dicts: the rules are moto's stored ones.
                            capitalised = [{"Name": r["Name"].capitalize(), "Value": r["Value"]} for r in rules]
                            item["Filter"] = {"Key": {"FilterRules": capitalised}}
                if configuration is not None and configuration.event_bridge is not None:
                    result.result["EventBridgeConfiguration"] = {}
            return serialize(result)

        self.serialized = as_s3_answers  # type: ignore[method-assign]
        try:
            return original_get(self)
        finally:
            del self.serialized

    get_bucket_notification._sandbox = True  # type: ignore[attr-defined]
    S3Response.get_bucket_notification = get_bucket_notification  # type: ignore[method-assign]
    S3Response._notification_config_from_body = parse_any_case  # type: ignore[method-assign]


_s3_notifications_as_s3_answers()


# "Client IDs per OIDC identity provider: 100" (IAM and AWS STS quotas); a client ID has 1 to 255
# characters (IAM API reference, AddClientIDToOpenIDConnectProvider).
OIDC_CLIENT_ID_LIMIT = 100
OIDC_CLIENT_ID_MAX_LENGTH = 255


def _oidc_client_id_actions() -> None:
    """AddClientIDToOpenIDConnectProvider and RemoveClientIDFromOpenIDConnectProvider, which moto 5 lacks.

    moto 5.2.5 answers both with a 500 (``NotImplementedError``). They are added to moto's IAM
    response class, working on its provider objects, so moto still picks the account and partition
    and serialises the answers and its errors (NoSuchEntity for an unknown ARN). As the IAM API
    reference says: both are idempotent (adding a client ID already there, or removing one that is
    not, succeeds and changes nothing); a client ID has 1 to 255 characters (botocore checks the
    minimum, IAM the maximum: ValidationError); a provider has at most 100 (LimitExceeded). Added
    IDs go to the end of the list [assumption: IAM's order is not documented].
    """
    from moto.core.responses import EmptyResult
    from moto.iam.exceptions import LimitExceededException, ValidationError
    from moto.iam.responses import IamResponse

    if hasattr(IamResponse, "add_client_id_to_open_id_connect_provider"):
        return  # installed already, or a moto that has its own

    def _checked_client_id(response: IamResponse) -> str:
        client_id = response._get_param("ClientID")
        if len(client_id) > OIDC_CLIENT_ID_MAX_LENGTH:
            raise ValidationError(
                "1 validation error detected: Value at 'clientID' failed to satisfy constraint: "
                f"Member must have length less than or equal to {OIDC_CLIENT_ID_MAX_LENGTH}"
            )
        return client_id

    def add_client_id_to_open_id_connect_provider(self: IamResponse) -> EmptyResult:
        client_id = _checked_client_id(self)
        provider = self.backend.get_open_id_connect_provider(self._get_param("OpenIDConnectProviderArn"))
        if client_id not in provider.client_id_list:
            if len(provider.client_id_list) >= OIDC_CLIENT_ID_LIMIT:
                # moto's own text for a CreateOpenIDConnectProvider over the quota.
                raise LimitExceededException(
                    f"Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {OIDC_CLIENT_ID_LIMIT}"
                )
            provider.client_id_list = [*provider.client_id_list, client_id]
        return EmptyResult()

    def remove_client_id_from_open_id_connect_provider(self: IamResponse) -> EmptyResult:
        client_id = _checked_client_id(self)
        provider = self.backend.get_open_id_connect_provider(self._get_param("OpenIDConnectProviderArn"))
        provider.client_id_list = [known for known in provider.client_id_list if known != client_id]
        return EmptyResult()

    IamResponse.add_client_id_to_open_id_connect_provider = add_client_id_to_open_id_connect_provider  # type: ignore[attr-defined]
    IamResponse.remove_client_id_from_open_id_connect_provider = remove_client_id_from_open_id_connect_provider  # type: ignore[attr-defined]


_oidc_client_id_actions()


def _cloudtrail_delete_trail_by_arn() -> None:
    """DeleteTrail by the trail's ARN, as AWS takes it (CloudTrail API reference, DeleteTrail: Name is
    the name or the ARN).

    moto 5.2.5 looks the name up only among trail names: given an ARN, it answers 200 and deletes
    nothing. amazon.aws.cloudtrail (8.2.1 to 10) deletes by ARN.
    """
    original = CloudTrailBackend.delete_trail
    if getattr(original, "_sandbox", False):
        return

    def delete_trail(self: CloudTrailBackend, name: str) -> None:
        by_arn = [trail_name for trail_name, trail in self.trails.items() if trail.arn == name]
        return original(self, by_arn[0] if by_arn else name)

    delete_trail._sandbox = True  # type: ignore[attr-defined]
    CloudTrailBackend.delete_trail = delete_trail  # type: ignore[method-assign]


_cloudtrail_delete_trail_by_arn()


# CloudTrail's service principal, as AWS Organizations names it for trusted access.
CLOUDTRAIL_PRINCIPAL = "cloudtrail.amazonaws.com"


def organization_trail_refusal(account_id: str, partition: str) -> JsonRESTError | None:
    """What CloudTrail answers when ``account_id`` asks for an organisation trail; None when it may.

    The rules of the CloudTrail API reference (CreateTrail and UpdateTrail, IsOrganizationTrail and
    Errors): the caller must be the management account of an organisation with all features, and
    trusted access for CloudTrail must be on. The codes are the reference's; the messages are its
    descriptions (the service's own wording is not public). Delegated administrators are not modelled.
    """
    from moto.organizations.models import organizations_backends

    organization = organizations_backends[account_id][partition].org
    if organization is None:
        if account_id in organizations_backends.master_accounts:
            return JsonRESTError(
                "NotOrganizationMasterAccountException",
                "The account making the request to create or update an organization trail is not the management "
                "account for an organization in AWS Organizations.",
            )
        return JsonRESTError(
            "OrganizationsNotInUseException",
            "This request was made from an account that is not a member of an organization.",
        )
    if organization.feature_set != "ALL":
        return JsonRESTError(
            "OrganizationNotInAllFeaturesModeException",
            "AWS Organizations is not configured to support all features.",
        )
    services = organizations_backends[account_id][partition].services
    if not any(service["ServicePrincipal"] == CLOUDTRAIL_PRINCIPAL for service in services):
        return JsonRESTError(
            "CloudTrailAccessNotEnabledException",
            "Trusted access has not been enabled between CloudTrail and AWS Organizations.",
        )
    return None


def _cloudtrail_organization_trails_need_an_organization() -> None:
    """CreateTrail and UpdateTrail with IsOrganizationTrail=true refused as AWS refuses them.

    moto 5.2.5 stores IsOrganizationTrail as given, with or without an organisation.
    """
    create, update = CloudTrailBackend.create_trail, CloudTrailBackend.update_trail
    if getattr(create, "_sandbox", False):
        return

    def require_organization(backend: CloudTrailBackend, wanted: bool | None) -> None:
        refusal = organization_trail_refusal(backend.account_id, backend.partition) if wanted else None
        if refusal:
            raise refusal

    create_signature = inspect.signature(create)

    def create_trail(self: CloudTrailBackend, *args: Any, **kwargs: Any) -> Any:
        # moto's CloudTrailResponse passes the arguments by position.
        require_organization(self, create_signature.bind(self, *args, **kwargs).arguments["is_org_trail"])
        return create(self, *args, **kwargs)

    def update_trail(self: CloudTrailBackend, **kwargs: Any) -> Any:
        require_organization(self, kwargs.get("is_organization_trail"))
        return update(self, **kwargs)

    create_trail._sandbox = True  # type: ignore[attr-defined]
    CloudTrailBackend.create_trail = create_trail  # type: ignore[method-assign]
    CloudTrailBackend.update_trail = update_trail  # type: ignore[method-assign]


_cloudtrail_organization_trails_need_an_organization()


def missing_role_refusal(role_arn: str, caller_account: str, partition: str) -> AccessDeniedError | None:
    """What STS answers AssumeRole of a role that does not exist in its account; None when it exists.

    STS answers 403 AccessDenied "User: <caller> is not authorized to perform: sts:AssumeRole on
    resource: <role ARN>", the same as for a role whose trust refuses the caller: it does not say
    whether the role exists. moto 5.2.5 hands out keys for any role ARN (its assume_role docstring:
    "the role does not need to exist").
    """
    from moto.iam.models import iam_backends

    match = re.match(r"^arn:[\w-]+:iam::(\d{12}):role/(?:.*/)?([^/]+)$", role_arn or "")
    if not match:
        return None
    account, name = match.groups()
    roles = iam_backends[account][partition].roles.values()
    if any(role.name.lower() == name.lower() for role in roles):
        return None
    return AccessDeniedError(f"arn:{partition}:iam::{caller_account}:root", f"sts:AssumeRole on resource: {role_arn}")


def _sts_assume_role_needs_the_role() -> None:
    """AssumeRole of a role missing from its account refused as STS refuses it (missing_role_refusal)."""
    from moto.sts.responses import TokenResponse

    original = TokenResponse.assume_role
    if getattr(original, "_sandbox", False):
        return

    def assume_role(self: TokenResponse) -> Any:
        refusal = missing_role_refusal(self._get_param("RoleArn"), self.current_account, self.partition)
        if refusal:
            raise refusal
        return original(self)

    assume_role._sandbox = True  # type: ignore[attr-defined]
    TokenResponse.assume_role = assume_role  # type: ignore[method-assign]


_sts_assume_role_needs_the_role()

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_ACCESS_KEY = "AKIASANDBOXTESTING01"
DEFAULT_SECRET_KEY = "sandbox-testing-secret-key"
# Keys of this form select the moto account named in them (see credentials_for()).
_ACCOUNT_KEY = re.compile(r"^AKIASBX(\d{12})$")
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/")
_READ_ACTION = re.compile(r"^(Get|List|Describe|Head)")
# Requests the sandbox itself makes (the Azure emulator's "role assumable" check) carry this header
# and stay out of the log, so tests count only what the code under test sent.
INTERNAL_HEADER = "x-sandbox-internal"

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def credentials_for(account_id: str) -> dict[str, str]:
    """Fake keys whose requests moto serves as ``account_id`` (the middleware maps them)."""
    if not re.fullmatch(r"\d{12}", account_id):
        raise ValueError(f"AWS account ID must be 12 digits, got {account_id!r}")
    return {"aws_access_key_id": f"AKIASBX{account_id}", "aws_secret_access_key": DEFAULT_SECRET_KEY}


@dataclass
class AwsFault:
    action: str
    status: int = 400
    code: str = "Throttling"
    message: str = "Rate exceeded"
    times: int = 1
    service: str | None = None
    hits: int = 0

    def matches(self, service: str, action: str) -> bool:
        if self.hits >= self.times:
            return False
        return self.action == action and (self.service is None or self.service == service)


@dataclass
class _Call:
    service: str
    action: str
    protocol: str  # "query", "json" or "rest"


def _read_body(environ: dict) -> bytes:
    """Read the request body once and put it back for moto to read again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _header(environ: dict, name: str) -> str:
    return environ.get("HTTP_" + name.upper().replace("-", "_"), "")


def identify_call(environ: dict, body: bytes) -> _Call:
    """Service and action of an AWS request, from SigV4's credential scope and the protocol's own marker.

    Query protocol (IAM, STS): ``Action=`` in the form body; JSON protocol (SQS today):
    ``X-Amz-Target: Service.Action``; REST (S3): method and path.
    """
    match = _CREDENTIAL.search(_header(environ, "Authorization"))
    service = match.group(3) if match else "unknown"
    target = _header(environ, "X-Amz-Target")
    if target:
        return _Call(service, target.rsplit(".", 1)[-1], "json")
    params = parse_qs(environ.get("QUERY_STRING", ""))
    if "form-urlencoded" in environ.get("CONTENT_TYPE", "") and body:
        params.update(parse_qs(body.decode("utf-8", "replace")))
    if "Action" in params:
        return _Call(service, params["Action"][0], "query")
    return _Call(service, f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '/')}", "rest")


def fault_response(fault: AwsFault, call: _Call) -> tuple[str, list[tuple[str, str]], bytes]:
    """The error as the service's protocol spells it, so botocore parses the code as from AWS."""
    request_id = str(uuid.uuid4())
    status = f"{fault.status} Sandbox Fault"
    if call.protocol == "json":
        body = json.dumps({"__type": fault.code, "message": fault.message}).encode()
        content_type = "application/x-amz-json-1.0"
    elif call.protocol == "query":
        kind = "Receiver" if fault.status >= 500 else "Sender"
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{fault.code}</Code>"
            f"<Message>{fault.message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        content_type = "text/xml"
    else:
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{fault.code}</Code>'
            f"<Message>{fault.message}</Message><RequestId>{request_id}</RequestId></Error>"
        ).encode()
        content_type = "application/xml"
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("x-amzn-RequestId", request_id),
    ]
    return status, headers, body


def _account_of_temporary_key(access_key: str) -> str:
    """The account moto serves a request in: for STS keys (ASIA..., from AssumeRole) the assumed role's.

    moto looks such keys up in every account's IAM backend (moto.iam.models.get_account_id_from), so
    calls made after AssumeRole into a member account act there; the log says so too.
    """
    if not access_key.startswith("ASIA"):
        return DEFAULT_ACCOUNT_ID
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key)


class AwsMiddleware:
    """Records, fault-injects and account-maps requests on their way to moto's WSGI app."""

    def __init__(self, app: WSGIApp, reset_moto: Callable[[], None]):
        self.app = app
        self.reset_moto = reset_moto
        self.requests: list[dict[str, Any]] = []
        self.faults: list[AwsFault] = []
        self._lock = threading.Lock()

    # -- state, used in-process and by the control API --------------------------------------------
    def add_fault(self, fault: AwsFault) -> None:
        with self._lock:
            self.faults.append(fault)

    def reset(self, state: bool = False) -> None:
        with self._lock:
            self.requests.clear()
            self.faults.clear()
        if state:
            self.reset_moto()

    def _take_fault(self, call: _Call) -> AwsFault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(call.service, call.action):
                    fault.hits += 1
                    return fault
        return None

    # -- WSGI ---------------------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path.startswith("/_sandbox/"):
            return self._control(environ, start_response, path)
        body = _read_body(environ)
        call = identify_call(environ, body)
        match = _CREDENTIAL.search(_header(environ, "Authorization"))
        access_key = match.group(1) if match else ""
        account = _ACCOUNT_KEY.match(access_key)
        if account and not _header(environ, "x-moto-account-id"):
            environ["HTTP_X_MOTO_ACCOUNT_ID"] = account.group(1)
        record = {
            "service": call.service,
            "action": call.action,
            "method": environ["REQUEST_METHOD"],
            "path": path,
            "status": None,
            "access_key": access_key,
            "account": _header(environ, "x-moto-account-id") or _account_of_temporary_key(access_key),
            "region": match.group(2) if match else None,
            "fault": False,
            "time": time.time(),
        }
        internal = bool(_header(environ, INTERNAL_HEADER))

        fault = self._take_fault(call) if not path.startswith("/moto-api") and not internal else None
        if fault:
            status, headers, payload = fault_response(fault, call)
            record.update(status=fault.status, fault=True)
            self._log(record, internal)
            start_response(status, headers)
            return [payload]

        def recording_start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            record["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.app(environ, recording_start_response)
        self._log(record, internal or path.startswith("/moto-api"))
        return result

    def _log(self, record: dict[str, Any], skip: bool) -> None:
        if not skip:
            with self._lock:
                self.requests.append(record)

    def _control(self, environ: dict, start_response: Callable, path: str) -> Iterable[bytes]:
        """GET /_sandbox/requests, GET|POST /_sandbox/faults, POST /_sandbox/reset[?state=true]."""
        method = environ["REQUEST_METHOD"]
        query = parse_qs(environ.get("QUERY_STRING", ""))
        status: str = "200 OK"
        payload: Any = {}
        try:
            if path == "/_sandbox/requests" and method == "GET":
                with self._lock:
                    payload = list(self.requests)
            elif path == "/_sandbox/faults" and method == "GET":
                with self._lock:
                    payload = [vars(fault) for fault in self.faults]
            elif path == "/_sandbox/faults" and method == "POST":
                spec = json.loads(_read_body(environ) or b"{}")
                for item in spec if isinstance(spec, list) else [spec]:
                    self.add_fault(AwsFault(**item))
                payload = {"faults": len(self.faults)}
            elif path == "/_sandbox/reset" and method == "POST":
                self.reset(state=query.get("state", ["false"])[0].lower() == "true")
                payload = {"reset": True}
            else:
                status, payload = "404 Not Found", {"error": f"no sandbox route {method} {path}"}
        except (TypeError, ValueError) as exc:
            status, payload = "400 Bad Request", {"error": str(exc)}
        body = json.dumps(payload, default=str).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def _reset_moto_backends() -> None:
    """Drop every moto backend, as ``POST /moto-api/reset`` does, but without rebuilding them first.

    moto's reset calls ``reset()`` on each account's backends, which re-runs their ``__init__``
    (for IAM: parsing and building ~1,600 AWS managed policies per account and partition, ~0.5 s),
    and then throws them away. Clearing is enough: backends are built again on first use.
    """
    from moto.core.base_backend import BackendDict, backend_lock
    from moto.core.model_instances import reset_model_data

    with backend_lock:
        for backend in BackendDict._instances:  # type: ignore[attr-defined]
            backend.clear()
            # S3's dict also maps every bucket name to its account (S3BackendDict.bucket_accounts), which
            # only S3Backend.reset() empties: left behind, a bucket name used before the reset sends
            # CreateBucket into endless recursion (a 500) looking for the dropped backend.
            getattr(backend, "bucket_accounts", {}).clear()
            # Organizations' dict maps member accounts to their management account the same way
            # (OrganizationsBackendDict.master_accounts): left behind, a member of a dropped
            # organisation would still count as one, and DescribeOrganization there would fail.
            getattr(backend, "master_accounts", {}).clear()
        BackendDict._instances.clear()  # type: ignore[attr-defined]
    reset_model_data()


class _QuietHandler(MotoRequestHandler):
    """moto's handler without werkzeug's access log on stderr (the middleware keeps the log)."""

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002  (werkzeug's signature)
        pass


@dataclass
class AwsSandbox:
    """moto in server mode on 127.0.0.1 behind ``AwsMiddleware``."""

    host: str = "127.0.0.1"
    port: int = 0
    middleware: AwsMiddleware = field(init=False)
    _server: BaseWSGIServer | None = field(default=None, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.middleware = AwsMiddleware(DomainDispatcherApplication(create_backend_app), _reset_moto_backends)

    def start(self) -> None:
        self._server = make_server(self.host, self.port, self.middleware, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), name="sandbox-aws", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._thread:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    @property
    def endpoint(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://{self.host}:{self._server.server_port}"

    # -- the Python API tests use ----------------------------------------------------------------------
    @property
    def requests(self) -> list[dict[str, Any]]:
        with self.middleware._lock:
            return list(self.middleware.requests)

    def write_requests(self) -> list[dict[str, Any]]:
        """Requests whose action is not a read (Get*/List*/Describe*/Head*, S3 GET/HEAD, any STS call)."""
        return [r for r in self.requests if not _is_read(r)]

    def actions(self, service: str | None = None) -> list[str]:
        return [r["action"] for r in self.requests if service is None or r["service"] == service]

    def add_fault(
        self,
        action: str,
        status: int = 400,
        code: str = "Throttling",
        message: str = "Rate exceeded",
        times: int = 1,
        service: str | None = None,
    ) -> None:
        self.middleware.add_fault(AwsFault(action, status, code, message, times, service))

    def reset(self, state: bool = False) -> None:
        self.middleware.reset(state=state)

    def client(self, service: str, account_id: str | None = None, region: str = "us-east-1") -> Any:
        """A boto3 client on moto with fake keys (of ``account_id`` when given), retries off."""
        import boto3
        from botocore.config import Config

        keys = (
            credentials_for(account_id)
            if account_id
            else {"aws_access_key_id": DEFAULT_ACCESS_KEY, "aws_secret_access_key": DEFAULT_SECRET_KEY}
        )
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
            **keys,
        )


def _is_read(record: dict[str, Any]) -> bool:
    action = record["action"]
    # STS only issues and describes credentials (AssumeRole, GetCallerIdentity, ...): no call of it
    # changes an account, so a run that only assumes a role in a member account has written nothing.
    if record["service"] == "sts":
        return True
    if " " in action:  # REST: "METHOD /path"
        return action.split(" ", 1)[0] in ("GET", "HEAD")
    return bool(_READ_ACTION.match(action))
