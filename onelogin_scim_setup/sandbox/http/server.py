"""The HTTP layer under both emulators: loopback-only server, fault injection, request log and the
control endpoints both servers share (`/_sandbox/requests`, `/_sandbox/faults`).

Control endpoints (`/_sandbox/...`) are never subject to faults, never logged, never rate limited.
Log entries: `method`, `path`, `status`, `query` (the query parameters), `body_keys` (see
`body_keys`), and `dropped` ("before"/"after") for a dropped connection.
Paths outside both the control endpoints and the product's public API (`/`, `/favicon.ico`) are
answered by the product (a 404) without faults or logging.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from onelogin_scim_setup.sandbox.http.faults import FaultInjector
from onelogin_scim_setup.sandbox.http.wire import ApiError, Request, Response, json_response
from onelogin_scim_setup.sandbox.options import FaultSpec

CONTROL_PREFIX = "/_sandbox/"
logger = logging.getLogger(__name__)


class Service(Protocol):
    """One emulated product: its public API and its sandbox-only control endpoints."""

    def is_public_api(self, path: str) -> bool:
        """True for the emulated product's API paths: only those get faults and are logged."""
        ...

    def is_faultable(self, path: str) -> bool:
        """False for public paths that fault injection must leave alone."""
        ...

    def handle(self, request: Request) -> Response: ...

    def handle_control(self, request: Request) -> Response: ...

    def error_response(self, request: Request, error: ApiError) -> Response: ...

    def fault_response(self, request: Request, status: int, retry_after: int) -> Response: ...


def loopback_address(host: str) -> tuple[str, socket.AddressFamily]:
    """The address to bind; anything but a loopback address is refused (the sandbox is local only)."""
    if host == "localhost":
        host = "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError as error:
        raise ValueError(
            f"the sandbox listens on a loopback IP address only, not {host!r}"
        ) from error
    if not address.is_loopback:
        raise ValueError(f"the sandbox listens on loopback addresses only, not {host}")
    return host, socket.AF_INET6 if address.version == 6 else socket.AF_INET


def body_keys(body: bytes) -> list[str]:
    """The dotted paths of every key in a JSON body's nested objects (arrays are not entered),
    e.g. `parameters`, `parameters.userType`, `parameters.userType.label`. Never values."""
    try:
        data = json.loads(body) if body.strip() else None
    except (UnicodeDecodeError, ValueError):
        return []
    found: list[str] = []

    def walk(value: Any, prefix: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                path = f"{prefix}{key}"
                found.append(path)
                walk(item, path + ".")

    walk(data, "")
    return found


class ServiceServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, port: int, service: Service, faults: FaultInjector) -> None:
        bind_host, family = loopback_address(host)
        self.address_family = family
        super().__init__((bind_host, port), _Handler)
        self.service = service
        self.faults = faults
        self._log: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()

    @property
    def url(self) -> str:
        host, port = str(self.server_address[0]), self.server_address[1]
        shown = f"[{host}]" if self.address_family == socket.AF_INET6 else host
        return f"http://{shown}:{port}"

    def record(self, request: Request, status: int | None, dropped: str | None = None) -> None:
        entry: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "status": status,
            "query": dict(request.query),
            "body_keys": body_keys(request.body),
        }
        if dropped:
            entry["dropped"] = dropped
        with self._lock:
            self._log.append(entry)

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Cut idle keep-alive connections so no handler thread outlives `Sandbox.stop()`."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the peer
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-answer is normal here (fault tests, Ctrl-C): no stderr traceback.
        logger.debug(
            "sandbox %s: connection from %s failed", self.url, client_address, exc_info=True
        )

    def control(self, request: Request) -> Response:
        try:
            return self._shared_control(request) or self.service.handle_control(request)
        except ApiError as error:
            return json_response({"error": error.message}, error.status)
        except Exception as error:  # the top-level boundary, as in `process`
            logger.exception("sandbox: unexpected error on %s %s", request.method, request.path)
            return json_response({"error": f"Internal error: {error}"}, 500)

    def _shared_control(self, request: Request) -> Response | None:
        route = (request.method, request.path.rstrip("/"))
        if route == ("GET", "/_sandbox/requests"):
            with self._lock:
                return json_response(list(self._log))
        if route == ("DELETE", "/_sandbox/requests"):
            with self._lock:
                self._log.clear()
            return Response(204)
        if route == ("GET", "/_sandbox/faults"):
            return json_response(self.faults.spec.to_json())
        if route == ("PUT", "/_sandbox/faults"):
            try:
                spec = FaultSpec.from_json(request.json())
            except ValueError as error:
                raise ApiError(400, str(error)) from error
            self.faults.replace(spec)
            return json_response(spec.to_json())
        return None

    def process(self, request: Request) -> Response:
        try:
            return self.service.handle(request)
        except ApiError as error:
            return self.service.error_response(request, error)
        except Exception as error:  # the top-level boundary: a bug becomes a 500 answer, logged
            logger.exception("sandbox: unexpected error on %s %s", request.method, request.path)
            return self.service.error_response(request, ApiError(500, f"Internal error: {error}"))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections end on their own
    # Headers and body are written separately; without TCP_NODELAY, Nagle plus delayed ACKs add
    # ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server: ServiceServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        logger.debug("sandbox %s: " + format, self.server.url, *args)

    def do_GET(self) -> None:
        request = self._read()
        if request is None:
            return
        if request.path.startswith(CONTROL_PREFIX):
            self._send(self.server.control(request))
        elif self.server.service.is_public_api(request.path):
            self._serve_public(request)
        else:
            self._send(self.server.process(request))

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _serve_public(self, request: Request) -> None:
        if not self.server.service.is_faultable(request.path):
            response = self.server.process(request)
            self.server.record(request, response.status)
            self._send(response)
            return
        decision = self.server.faults.decide(request.path, request.method)
        if decision.delay:
            time.sleep(decision.delay)
        if decision.drop_before:
            self._drop(request, None, "before")
            return
        service = self.server.service
        if decision.rate_limited:
            response = service.fault_response(request, 429, decision.retry_after)
        elif decision.error:
            response = service.fault_response(request, 500, 0)
        else:
            response = self.server.process(request)
        if decision.drop_after:
            self._drop(request, response.status, "after")
            return
        self.server.record(request, response.status)
        self._send(response)

    def _read(self) -> Request | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            self._send(json_response({"error": "send a Content-Length, not a chunked body"}, 411))
            return None
        raw_length = self.headers.get("Content-Length") or "0"
        if not raw_length.isdigit():
            self.close_connection = True
            self._send(json_response({"error": "invalid Content-Length"}, 400))
            return None
        length = int(raw_length)
        body = self.rfile.read(length) if length > 0 else b""
        headers = dict(self.headers.items())
        return Request.parse(self.command, self.path, headers, body)

    def _drop(self, request: Request, status: int | None, when: str) -> None:
        self.server.record(request, status, dropped=when)
        self.close_connection = True

    def _send(self, response: Response) -> None:
        payload = response.encoded()
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if payload:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
