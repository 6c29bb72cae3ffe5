"""Request, response and routing types shared by both emulators (no HTTP server code here)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


class ApiError(Exception):
    """An error answer. Each emulator renders `message` in its own error shape unless `body` is
    given, in which case `body` is sent as is (e.g. the mappings' `Validation Failed` shape)."""

    def __init__(self, status: int, message: str, *, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.body = body


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""

    @classmethod
    def parse(cls, method: str, target: str, headers: dict[str, str], body: bytes) -> Request:
        path, _, query_string = target.partition("?")
        query = {k: v[-1] for k, v in parse_qs(query_string, keep_blank_values=True).items()}
        lowered = {name.lower(): value for name, value in headers.items()}
        return cls(method.upper(), path, query, lowered, body)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def json(self) -> Any:
        """The JSON body; an empty body is None. Invalid JSON is a 400."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ApiError(400, f"Input JSON is not valid: {error}") from error

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise ApiError(400, "Expected a JSON object in request")
        return data


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"

    def encoded(self) -> bytes:
        if self.body is None or self.status == 204:
            return b""
        return json.dumps(self.body).encode("utf-8")


def json_response(body: Any, status: int = 200) -> Response:
    return Response(status, body)


Handler = Callable[[Request, tuple[str, ...]], Response]


@dataclass
class Router:
    """Regex routes; `(\\d+)` groups arrive as strings in the handler's second argument."""

    routes: list[tuple[str, re.Pattern[str], Handler]] = field(default_factory=list)
    flags: int = 0

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(pattern + r"/?", self.flags), handler))

    def dispatch(self, request: Request) -> Response:
        path_matched = False
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            path_matched = True
            if method == request.method:
                return handler(request, match.groups())
        if path_matched:
            raise ApiError(405, f"Method {request.method} is not allowed on {request.path}")
        raise ApiError(404, f"No such endpoint: {request.method} {request.path}")
