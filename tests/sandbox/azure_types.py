"""Plain types the Azure emulator's handlers share: the parsed request, the answer, ARM errors."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    raw_body: bytes
    base_url: str  # "https://127.0.0.1:PORT", what the client reached
    params: dict[str, str] = field(default_factory=dict)  # from the route's named groups
    client_id: str | None = None  # the app the bearer token was issued to

    @property
    def api_version(self) -> str | None:
        return self.query.get("api-version")

    def json(self) -> Any:
        """The JSON body; an ARM 400 when it does not parse (as ARM answers malformed bodies)."""
        if not self.raw_body:
            return None
        try:
            return json.loads(self.raw_body)
        except ValueError as exc:
            raise ArmError(
                400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: '{exc}'."
            ) from None

    def form(self) -> dict[str, str]:
        from urllib.parse import parse_qs

        return {key: values[0] for key, values in parse_qs(self.raw_body.decode("utf-8", "replace")).items()}


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-able, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)


class ArmError(Exception):
    """An error in ARM's shape: ``{"error": {"code": ..., "message": ...}}`` (ARM's CloudError).

    ``double_encoded``: the outer message is itself that JSON error as a string, as Sentinel
    answers its own refusals (e.g. "is not onboarded to Microsoft Sentinel"; tests/sandbox/README.md).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        double_encoded: bool = False,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.double_encoded = double_encoded

    def response(self) -> Response:
        error = {"code": self.code, "message": self.message}
        if self.double_encoded:
            error = {"code": self.code, "message": json.dumps({"error": error})}
        return Response(self.status, {"error": error}, dict(self.headers))


Handler = Callable[[Request], Response]
