"""A stand-in HTTP server on 127.0.0.1 in front of the sandbox: it answers one endpoint with a
test's writer (hostile answers, lost answers) and passes every other request through."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

Writer = Callable[[BaseHTTPRequestHandler, threading.Event], None]
Target = Callable[[str, str], bool]


def send_answer(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body)
    handler.close_connection = True


class Stand(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up on an endless answer is the point, not an error

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.target: tuple[str, str] | Target | None = None  # answered by `writer`
        self.writer: Writer | None = None
        self.stop = threading.Event()
        self.seen = threading.Event()  # the target was asked
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def hostile(self, method: str, path: str | Target, writer: Writer) -> None:
        """`writer` answers `method path` (or every request `path(method, path)` accepts)."""
        self.stop.set()  # a previous case's endless writers end
        self.stop = threading.Event()
        self.seen.clear()
        self.target = path if callable(path) else (method, path)
        self.writer = writer

    def forward(self, handler: BaseHTTPRequestHandler) -> requests.Response:
        """The request passed to the sandbox (its body as `_route` read it)."""
        keep = ("Authorization", "Content-Type", "Accept")
        headers = {name: handler.headers[name] for name in keep if handler.headers.get(name)}
        body = getattr(handler, "body", b"")
        return requests.request(
            handler.command, self.upstream + handler.path, headers=headers, data=body, timeout=30
        )

    def close(self) -> None:
        self.stop.set()
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Stand

    def log_message(self, *args: Any) -> None:
        pass

    def _route(self) -> None:
        stand = self.server
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        path = self.path.split("?")[0]
        target = stand.target
        chosen = target(self.command, path) if callable(target) else target == (self.command, path)
        if chosen and stand.writer is not None:
            stand.seen.set()
            with contextlib.suppress(OSError):
                stand.writer(self, stand.stop)
            return
        answer = stand.forward(self)
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            dropped = ("content-length", "transfer-encoding", "connection", "date", "server")
            if name.lower() not in (*dropped, "content-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = do_DELETE = _route
