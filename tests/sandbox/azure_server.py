"""The Azure emulator's HTTPS server: routing table, bearer-token check, fault injection, request log
and the ``/_sandbox/`` control API. Resource logic lives in ``arm.py``, identity in ``entra.py``.
"""

from __future__ import annotations

import json
import math
import re
import socket
import ssl
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

from . import arm, entra, logs
from .azure_types import ArmError, Handler, Request, Response

_SUB = r"/subscriptions/(?P<sub>[^/]+)"
_RG = _SUB + r"/resourceGroups/(?P<rg>[^/]+)"
_WS = _RG + r"/providers/Microsoft\.OperationalInsights/workspaces/(?P<ws>[^/]+)"
_SI = _WS + r"/providers/Microsoft\.SecurityInsights"
WRITE_METHODS = ("PUT", "PATCH", "POST", "DELETE")


@dataclass
class Fault:
    """Answer matching requests with ``status`` (or after ``delay`` s, or by dropping the connection)."""

    method: str | None = None
    path_contains: str = ""
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    code: str | None = None
    message: str | None = None
    times: int = 1
    delay: float = 0.0
    drop: bool = False
    body: Any = None  # answer this JSON instead of an ARM error (e.g. a doctored metadata document)
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.hits >= self.times:
            return False
        if self.method and self.method.upper() != method:
            return False
        return self.path_contains.lower() in path.lower()

    def response(self) -> Response:
        assert self.status is not None
        if self.body is not None:
            return Response(self.status, self.body, dict(self.headers))
        default_code = {429: "TooManyRequests", 500: "InternalServerError", 503: "ServiceUnavailable"}
        code = self.code or default_code.get(self.status, "SandboxFault")
        message = self.message or f"Injected fault: HTTP {self.status}."
        return Response(self.status, {"error": {"code": code, "message": message}}, dict(self.headers))


@dataclass
class WriteThrottle:
    """ARM's token bucket for writes: ``bucket`` requests at most, refilled at ``refill_per_second``.

    A write that finds no token is answered 429 and takes none (learn.microsoft.com,
    azure-resource-manager/management/request-limits-and-throttling: writes per subscription,
    principal and region, bucket 200, refill 10 a second).
    """

    bucket: int
    refill_per_second: float
    tokens: float = field(init=False)
    updated: float = field(init=False)

    def __post_init__(self) -> None:
        if self.bucket < 1 or self.refill_per_second <= 0:
            raise ValueError("a write throttle needs a bucket of 1 or more and a refill above 0")
        self.tokens = float(self.bucket)
        self.updated = time.monotonic()

    def take(self) -> float:
        """0 when a token was taken; else the seconds until one is there."""
        now = time.monotonic()
        self.tokens = min(float(self.bucket), self.tokens + (now - self.updated) * self.refill_per_second)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.refill_per_second

    @staticmethod
    def response(wait: float) -> Response:
        # Retry-After is whole seconds (RFC 9110 delay-seconds); ARM's rounding is not documented.
        seconds = max(1, math.ceil(wait))
        return ArmError(
            429,
            "TooManyRequests",
            f"The request is being throttled as the limit has been reached for operation type - Write. "
            f"Please try again after {seconds} seconds.",
            {"Retry-After": str(seconds)},
        ).response()


@dataclass
class Route:
    method: str
    pattern: re.Pattern
    handler: Handler
    auth: bool  # ARM routes need a bearer token; metadata and Entra ID do not
    api_version: bool = True  # ARM routes need ?api-version=; the Log Analytics query API has none


class AzureEmulator:
    """Entra ID + ARM on one HTTPS port. Thread-safe; state in memory."""

    def __init__(
        self,
        seed: dict[str, Any],
        cert_chain: tuple[Path, Path],
        aws_endpoint: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self.seed = seed
        self.tokens = entra.TokenStore()
        self.state = arm.ArmState(seed, role_checker=AwsRoleChecker(aws_endpoint) if aws_endpoint else None)
        self.logs = logs.LogsState([w["customer_id"] for w in seed["workspaces"]])
        self.faults: list[Fault] = []
        self.throttle: WriteThrottle | None = None
        self._requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.routes = self._routes()
        self._server = _TLSServer((host, port), _handler_class(self), cert_chain)
        self._thread: threading.Thread | None = None

    def _routes(self) -> list[Route]:
        s = self.state

        def route(method: str, path: str, handler: Callable, auth: bool = True, api_version: bool = True) -> Route:
            return Route(method, re.compile(f"^{path}/?$", re.IGNORECASE), handler, auth, api_version)

        return [
            route("GET", r"/metadata/endpoints", entra.metadata, auth=False),
            route(
                "GET",
                r"/(?P<tenant>[^/]+)(?:/v2\.0)?/\.well-known/openid-configuration",
                partial(entra.openid_configuration, tenant_id=self.seed["tenant_id"]),
                auth=False,
            ),
            route(
                "POST",
                r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token",
                partial(entra.token, seed=self.seed, tokens=self.tokens),
                auth=False,
            ),
            route("GET", _SUB, partial(arm.get_subscription, s)),
            route(
                "GET", _SUB + r"/providers/Microsoft\.OperationalInsights/workspaces", partial(arm.list_workspaces, s)
            ),
            route("GET", _RG, partial(arm.get_resource_group, s)),
            route(
                "GET", _RG + r"/providers/Microsoft\.OperationalInsights/workspaces", partial(arm.list_workspaces, s)
            ),
            route("GET", _WS, partial(arm.get_workspace, s)),
            route("GET", _SI + r"/onboardingStates", partial(arm.list_onboarding, s)),
            route("GET", _SI + r"/onboardingStates/(?P<name>[^/]+)", partial(arm.get_onboarding, s)),
            route("PUT", _SI + r"/onboardingStates/(?P<name>[^/]+)", partial(arm.put_onboarding, s)),
            route("DELETE", _SI + r"/onboardingStates/(?P<name>[^/]+)", partial(arm.delete_onboarding, s)),
            route("GET", _SI + r"/dataConnectors", partial(arm.list_connectors, s)),
            route("GET", _SI + r"/dataConnectors/(?P<id>[^/]+)", partial(arm.get_connector, s)),
            route("PUT", _SI + r"/dataConnectors/(?P<id>[^/]+)", partial(arm.put_connector, s)),
            route("DELETE", _SI + r"/dataConnectors/(?P<id>[^/]+)", partial(arm.delete_connector, s)),
            # The Log Analytics query API (api.loganalytics.io/v1 in Azure's public cloud).
            route(
                "POST", r"/v1/workspaces/(?P<workspace>[^/]+)/query", partial(logs.query, self.logs), api_version=False
            ),
        ]

    # -- lifecycle ----------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="sandbox-azure", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=10)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"https://{host}:{port}"

    # -- the Python API --------------------------------------------------------------------------------------
    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._requests)

    def write_requests(self) -> list[dict[str, Any]]:
        """PUT/PATCH/POST/DELETE on ARM resources (``/subscriptions/...``); token requests are not writes."""
        return [
            r for r in self.requests if r["method"] in WRITE_METHODS and r["path"].lower().startswith("/subscriptions/")
        ]

    def add_fault(
        self,
        method: str | None = None,
        path_contains: str = "",
        status: int | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        delay: float = 0,
        drop: bool = False,
        code: str | None = None,
        message: str | None = None,
        body: Any = None,
    ) -> None:
        if status is None and not delay and not drop:
            raise ValueError("a fault needs a status, a delay or drop=True")
        with self._lock:
            self.faults.append(
                Fault(method, path_contains, status, dict(headers or {}), code, message, times, delay, drop, body)
            )

    def throttle_writes(self, bucket: int | None, refill_per_second: float = 10.0) -> None:
        """ARM's write throttle: writes beyond a ``bucket`` refilled at ``refill_per_second`` get 429 with Retry-After.

        ``bucket=None`` turns it off (as does reset()).
        """
        with self._lock:
            self.throttle = None if bucket is None else WriteThrottle(bucket, refill_per_second)

    def throttled(self, method: str, path: str) -> float:
        """0, or the seconds a write must wait for the throttle's next token."""
        if method not in WRITE_METHODS or not path.lower().startswith("/subscriptions/"):
            return 0.0
        with self._lock:
            return self.throttle.take() if self.throttle else 0.0

    def not_assumable(self, n: int, message: str | None = None) -> None:
        """The next ``n`` AmazonWebServicesCloudTrail connector PUTs fail as "role cannot be assumed".

        ``message`` rewords that refusal (its real text is not public) until the next reset.
        """
        with self.state.lock:
            self.state.not_assumable_left = n
            if message:
                self.state.not_assumable_message = message

    def register_provider(self, registered: bool = True) -> None:
        """Whether the subscription is registered for Microsoft.SecurityInsights (reset: registered)."""
        with self.state.lock:
            self.state.provider_registered = registered

    def connectors(self, workspace: str = "law-sentinel", resource_group: str | None = None) -> list[dict[str, Any]]:
        return self.state.connectors(workspace, resource_group)

    def seed_logs(self, table: str, rows: list[dict[str, Any]], workspace_id: str | None = None) -> int:
        """Add rows to a Log Analytics table (AWSCloudTrail or SentinelHealth; the latter then exists).

        ``workspace_id``: a seeded workspace's customerId, by default the Sentinel workspace's.
        Returns the table's row count.
        """
        return self.logs.seed(workspace_id or self.default_workspace_id, table, rows)

    @property
    def default_workspace_id(self) -> str:
        return next(w for w in self.seed["workspaces"] if w.get("sentinel") and not w.get("forbidden"))["customer_id"]

    def reset(self) -> None:
        """Clear the log, faults, connectors and Log Analytics rows; restore seeded onboarding states.
        Tokens stay valid."""
        with self._lock:
            self._requests.clear()
            self.faults.clear()
            self.throttle = None
        self.state.reset()
        self.logs.reset()

    # -- request processing ----------------------------------------------------------------------------------
    def take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    return fault
        return None

    def log(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._requests.append(record)

    def dispatch(self, request: Request) -> tuple[Response, bool | None]:
        """Route one request; returns the answer and whether it was authorized (None: no auth needed)."""
        for route in self.routes:
            match = route.pattern.match(request.path)
            if match and route.method == request.method:
                request.params = match.groupdict()
                try:
                    if route.auth:
                        self._authorize(request)
                    if route.auth and route.api_version and not request.api_version:
                        raise ArmError(
                            400,
                            "MissingApiVersionParameter",
                            "The api-version query parameter (?api-version=) is required for all requests.",
                        )
                    return route.handler(request), (True if route.auth else None)
                except ArmError as error:
                    authorized = None if not route.auth else error.code not in _AUTH_CODES
                    return error.response(), authorized
        if any(route.pattern.match(request.path) for route in self.routes):
            return (
                ArmError(
                    405, "MethodNotAllowed", f"The method '{request.method}' is not allowed on '{request.path}'."
                ).response(),
                None,
            )
        return (
            ArmError(
                404,
                "NoRegisteredProviderFound" if "/providers/" in request.path else "NotFound",
                f"No route in the sandbox for {request.method} '{request.path}'.",
            ).response(),
            None,
        )

    def _authorize(self, request: Request) -> None:
        challenge = {
            "WWW-Authenticate": (
                f'Bearer authorization_uri="{request.base_url}/{self.seed["tenant_id"]}", '
                'error="invalid_token", error_description="The authentication failed because of missing '
                "'Authorization' header.\""
            )
        }
        header = request.headers.get("authorization", "")
        if not header:
            raise ArmError(
                401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.", challenge
            )
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ArmError(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is not a Bearer token.",
                challenge,
            )
        issued = self.tokens.lookup(token.strip())
        challenge["WWW-Authenticate"] = (
            challenge["WWW-Authenticate"].split(", error=", maxsplit=1)[0] + ', error="invalid_token"'
        )
        if issued is None:
            raise ArmError(401, "InvalidAuthenticationToken", "The access token is invalid.", challenge)
        client_id, expires_at = issued
        if expires_at < time.time():
            raise ArmError(
                401,
                "ExpiredAuthenticationToken",
                "The access token expiry UTC time is earlier than current UTC time.",
                challenge,
            )
        request.client_id = client_id

    def control(self, method: str, path: str, query: dict[str, str], body: bytes) -> Response:
        """``/_sandbox/``: GET requests|faults|connectors|logs, POST faults|reset|not_assumable|provider|throttle|logs. No auth."""
        try:
            if method == "GET" and path == "/_sandbox/requests":
                return Response(200, self.requests)
            if method == "GET" and path == "/_sandbox/faults":
                with self._lock:
                    return Response(200, [asdict(f) for f in self.faults])
            if method == "GET" and path == "/_sandbox/connectors":
                return Response(
                    200, self.connectors(query.get("workspace", "law-sentinel"), query.get("resource_group"))
                )
            if method == "POST" and path == "/_sandbox/faults":
                spec = json.loads(body or b"{}")
                for item in spec if isinstance(spec, list) else [spec]:
                    self.add_fault(**item)
                return Response(200, {"faults": len(self.faults)})
            if method == "POST" and path == "/_sandbox/not_assumable":
                spec = json.loads(body or b"{}")
                self.not_assumable(int(spec.get("n", 1)), spec.get("message"))
                return Response(200, {"not_assumable": self.state.not_assumable_left})
            if method == "POST" and path == "/_sandbox/throttle":
                spec = json.loads(body or b"{}")
                self.throttle_writes(spec.get("bucket"), float(spec.get("refill_per_second", 10.0)))
                return Response(200, {"throttle": asdict(self.throttle) if self.throttle else None})
            if method == "POST" and path == "/_sandbox/provider":
                self.register_provider(bool(json.loads(body or b"{}").get("registered", True)))
                return Response(200, {"registered": self.state.provider_registered})
            if method == "GET" and path == "/_sandbox/logs":
                workspace_id = query.get("workspace_id", self.default_workspace_id)
                return Response(200, self.logs.rows(workspace_id, query.get("table", logs.AWS_TABLE)))
            if method == "POST" and path == "/_sandbox/logs":
                spec = json.loads(body or b"{}")
                count = self.seed_logs(spec["table"], list(spec.get("rows", [])), spec.get("workspace_id"))
                return Response(200, {"table": spec["table"], "rows": count})
            if method == "POST" and path == "/_sandbox/reset":
                self.reset()
                return Response(200, {"reset": True})
        except (TypeError, ValueError, KeyError) as exc:
            return Response(400, {"error": str(exc)})
        return Response(404, {"error": f"no sandbox route {method} {path}"})


_AUTH_CODES = {"AuthenticationFailed", "InvalidAuthenticationToken", "ExpiredAuthenticationToken"}


class AwsRoleChecker:
    """Does what Sentinel needs of a role: it exists (GetRole, in the ARN's account) and trusts Sentinel."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _client(self, account_id: str) -> Any:
        from .aws import INTERNAL_HEADER, credentials_for

        with self._lock:
            if account_id not in self._clients:
                import boto3
                from botocore.config import Config

                client = boto3.client(
                    "iam",
                    endpoint_url=self.endpoint,
                    region_name="us-east-1",
                    config=Config(retries={"total_max_attempts": 1}),
                    **credentials_for(account_id),
                )
                # Marked as the sandbox's own call: kept out of the AWS request log and fault injection.
                client.meta.events.register(
                    "before-sign.iam.*", lambda request, **_: request.headers.__setitem__(INTERNAL_HEADER, "1")
                )
                self._clients[account_id] = client
            return self._clients[account_id]

    def __call__(self, role_arn: str, customer_id: str, sentinel_account: str) -> str | None:
        match = arm.ROLE_ARN.match(role_arn)
        if not match:
            return f"'{role_arn}' is not an IAM role ARN"
        account_id, role_name = match.groups()
        client = self._client(account_id)
        try:
            role = client.get_role(RoleName=role_name)["Role"]
        except client.exceptions.NoSuchEntityException:
            return f"the role '{role_name}' does not exist in AWS account {account_id}"
        return arm.trust_problem(role.get("AssumeRolePolicyDocument", {}), customer_id, sentinel_account)


# -- HTTP plumbing ---------------------------------------------------------------------------------------------


class _TLSServer(ThreadingHTTPServer):
    """TLS per connection, with the handshake in the connection's own thread (a slow client blocks no one)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, cert_chain: tuple[Path, Path]):
        self.ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ssl_context.load_cert_chain(str(cert_chain[0]), str(cert_chain[1]))
        super().__init__(address, handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # a client that does not trust our CA, or went away
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # broken connections are the client's business; the request log has the rest


def _handler_class(emulator: AzureEmulator) -> type:
    class Handler(_EmulatorHandler):
        pass

    Handler.emulator = emulator
    return Handler


class _EmulatorHandler(BaseHTTPRequestHandler):
    emulator: AzureEmulator
    protocol_version = "HTTP/1.1"  # keep-alive, as ARM clients expect
    # Headers and body go out in separate writes; with Nagle on, delayed ACKs cost ~44 ms an answer.
    disable_nagle_algorithm = True
    server_version = "AzureSandbox/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (stdlib's signature)
        pass

    def do_GET(self) -> None:
        self._handle()

    do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _handle(self) -> None:
        started = time.time()
        split = urlsplit(self.path)
        path, query = split.path, dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        if path.startswith("/_sandbox/"):
            self._send(self.emulator.control(self.command, path, query, raw_body))
            return
        record: dict[str, Any] = {
            "method": self.command,
            "path": path,
            "api_version": query.get("api-version"),
            "status": None,
            "authorized": None,
            "fault": False,
            "time": started,
        }
        # Faulted requests keep their body too: tests check every request a run sent.
        if raw_body and "json" in (self.headers.get("Content-Type") or ""):
            try:
                record["body"] = json.loads(raw_body)
            except ValueError:
                record["body"] = raw_body.decode("utf-8", "replace")
        fault = self.emulator.take_fault(self.command, path)
        if fault:
            record["fault"] = True
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                record["status"] = "dropped"
                self.emulator.log(record)
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault.status is not None:
                response = fault.response()
                record["status"] = response.status
                self.emulator.log(record)
                self._send(response)
                return
        wait = self.emulator.throttled(self.command, path)
        if wait:
            response = WriteThrottle.response(wait)
            record.update(status=response.status, throttled=True)
            self.emulator.log(record)
            self._send(response)
            return
        host = self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_address[1]
        request = Request(
            method=self.command,
            path=path,
            query=query,
            headers={k.lower(): v for k, v in self.headers.items()},
            raw_body=raw_body,
            base_url=f"https://{host}",
        )
        response, authorized = self.emulator.dispatch(request)
        record.update(status=response.status, authorized=authorized, client_id=request.client_id)
        self.emulator.log(record)
        self._send(response)

    def _send(self, response: Response) -> None:
        payload = b"" if response.body is None else json.dumps(response.body).encode()
        self.send_response(response.status)
        request_id = str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Content-Length": str(len(payload)),
            "x-ms-request-id": request_id,
            "x-ms-correlation-request-id": request_id,
            "Cache-Control": "no-cache",
            **response.headers,
        }
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)
