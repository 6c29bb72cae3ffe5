"""The hostile corpus's machinery (issue 19), shared by tests/test_hostile_corpus_*.py: hostile
answers, a stage (the sandbox behind two stand-in servers, tests/helpers/stand_in.py, set up once per
module) and the CLI run in a child process forked from a server that holds the CLI's modules loaded
(tests/helpers/cli_forks.py, so a case does not pay Python's start-up). Each case asserts a clean
refusal (or the right result), no traceback, no "This is a bug", no secret in the output, an end
within its deadline, and a peak memory under `MEMORY_MB` (the child's own ru_maxrss).

The corpus is split over several modules, so that no one module holds a worker for minutes (one
module of it once took 10 minutes of one worker in CI)."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from onelogin_scim_setup.cli.demo import demo_config
from tests.helpers import cli_forks
from tests.helpers.cli_forks import CliForks, ForkedRun
from tests.helpers.stand_in import Stand, Writer
from tests.helpers.stand_in import send_answer as _send
from tests.sandbox_world import CLIENT_SECRET, TOKEN, World, world

MEMORY_MB = 300  # peak resident memory of the CLI child
DEADLINE = 4.0  # --deadline given to every case: the command's time on the network
# Start-up, the signal grace and a loaded machine on top of the deadline: CI runs this module under
# coverage beside the other worker, where one case took 16 s (5.8 s alone). The bound is "ends by
# itself, never hangs", not a speed target (those are benchmarks).
SLACK = 40.0
ACCESS_TOKEN = "hostile-access-token-1b2c3d4e5f6a7b8c"
SECRETS = [CLIENT_SECRET, TOKEN, ACCESS_TOKEN]


# --- answers ----------------------------------------------------------------------------------


def fixed(
    status: int,
    body: bytes | str,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> Writer:
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    return lambda handler, _: _send(handler, status, data, headers, content_type)


def _compressed_json_whitespace(size: int, encoding: str) -> bytes:
    """`[` + `size` spaces + `]`, compressed piece by piece (the test process stays small: the
    child's peak memory, measured by wait4, counts what it inherited)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    block = b" " * (1024 * 1024)
    parts = [packer.compress(b"[")]
    parts.extend(packer.compress(block) for _ in range(size // len(block)))
    parts.append(packer.compress(b"]") + packer.flush())
    return b"".join(parts)


_BOMBS: dict[str, bytes] = {}


def bomb(encoding: str) -> Writer:
    """512 MiB of JSON whitespace, gzip or deflate encoded (about 0.5 MB on the wire)."""

    def write(handler: BaseHTTPRequestHandler, _: threading.Event) -> None:
        if encoding not in _BOMBS:
            _BOMBS[encoding] = _compressed_json_whitespace(512 * 1024 * 1024, encoding)
        _send(handler, 200, _BOMBS[encoding], {"Content-Encoding": encoding})

    return write


def endless_chunked(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    handler.wfile.write(b"1\r\n[\r\n")
    chunk = b" " * 65536
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    with contextlib.suppress(OSError):
        while not stop.is_set():
            handler.wfile.write(frame)
    handler.close_connection = True


def huge(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    """A 400 MB answer, announced by its Content-Length."""
    size = 400 * 1000 * 1000
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(size))
    handler.end_headers()
    chunk = b" " * 65536
    with contextlib.suppress(OSError):
        handler.wfile.write(b"[")
        sent = 1
        while sent < size - len(chunk) and not stop.is_set():
            handler.wfile.write(chunk)
            sent += len(chunk)
    handler.close_connection = True


def trickle_body(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    """Headers at once, then the body one byte a second."""
    body = b'{"access_token": "' + ACCESS_TOKEN.encode() + b'", "expires_in": 36000}'
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    with contextlib.suppress(OSError):
        for byte in body:
            if stop.wait(1.0):
                break
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
    handler.close_connection = True


def trickle_headers(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    """The status line and headers one byte a second (no read timeout ever fires)."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"a" * 500
    with contextlib.suppress(OSError):
        for byte in head:
            if stop.wait(1.0):
                break
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
    handler.close_connection = True


def silent(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
    """Never answers (until the module ends)."""
    stop.wait(600)
    handler.close_connection = True


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


class Endless:
    """A listing that never ends: a fresh cursor, or a fresh page, or fresh SCIM users for ever."""

    def __init__(self, kind: str, item: Callable[[int], dict[str, Any]]) -> None:
        self.kind, self.item, self.count = kind, item, 0

    def __call__(self, handler: BaseHTTPRequestHandler, _: threading.Event) -> None:
        self.count += 1
        n = self.count
        batch = [self.item(n * 1000 + i) for i in range(100)]
        if self.kind == "scim":
            body = {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "Resources": batch,
                "itemsPerPage": 100,
                "startIndex": n * 100 - 99,
                "totalResults": 10**9,
            }
            _send(handler, 200, json.dumps(body).encode())
            return
        headers = {"After-Cursor": f"cursor-{n}"} if self.kind == "cursor" else {}
        if self.kind == "total":
            headers = {"Total-Pages": "1000000000", "Current-Page": "1"}
        _send(handler, 200, json.dumps(batch).encode(), headers)


@dataclass
class Stage:
    world: World
    onelogin: Stand
    soe: Stand
    config: Path
    forks: CliForks


# tests/conftest.py imports these two fixtures for the tests/test_hostile_corpus_*.py modules.
@pytest.fixture(scope="module")
def hostile_stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    """The sandbox, converged (apply, then the admin's steps), behind a stand-in for each side,
    a config through the stand-ins, and the fork server: once per module."""
    folder = tmp_path_factory.mktemp("hostile")
    with world(folder, "optimistic", expose_scim_configuration=True) as running:
        applied = running.cli("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        running.play_admin(template=running.cli("render").stdout)
        soe_path = urlsplit(running.sandbox.soe_scim_url).path
        onelogin = Stand(running.sandbox.onelogin_url)
        soe = Stand(running.sandbox.soe_scim_url[: -len(soe_path)])
        data = demo_config(onelogin.url, soe.url + soe_path, running.token_file)
        data["onelogin"].update(max_retries=2, backoff=0.01)
        config = folder / "hostile.yaml"
        config.write_text(yaml.safe_dump(data), encoding="utf-8")
        try:
            yield Stage(running, onelogin, soe, config, cli_forks.shared())
        finally:
            onelogin.close()
            soe.close()


@pytest.fixture
def stage(hostile_stage: Stage) -> Iterator[Stage]:
    """The module's stage for one case; after it both stand-ins pass everything through again."""
    yield hostile_stage
    for stand in (hostile_stage.onelogin, hostile_stage.soe):
        stand.hostile("GET", "/nowhere", silent)


@dataclass
class Run:
    code: int
    output: str
    seconds: float
    peak_mb: float
    cpu_seconds: float


def run_cli(
    stage: Stage,
    *args: str,
    limit: float = DEADLINE + SLACK,
    bounds: Mapping[str, float] | None = None,
) -> Run:
    """The CLI in a child process with --deadline (killed after `limit` seconds); its own peak
    memory from wait4. `bounds`: constants of `onelogin_scim_setup.bounds` lowered in the child
    (tests/helpers/cli_forks.py)."""
    out = stage.world.folder / "out.txt"
    started = time.monotonic()
    process = _start(stage, out, *args, bounds=bounds)
    try:
        process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    seconds = time.monotonic() - started
    assert process.returncode is not None
    output = out.read_text("utf-8", "replace")
    return Run(process.returncode, output, seconds, process.peak_mb, process.cpu_seconds)


def _start(
    stage: Stage, out: Path, *args: str, bounds: Mapping[str, float] | None = None
) -> ForkedRun:
    """`python -m onelogin_scim_setup -c <config> *args`, its output into `out`."""
    env = {**stage.world.env(), "COLUMNS": "200"}
    arguments = ["-c", str(stage.config), *args]
    return stage.forks.start(arguments, env, stage.world.folder, out, bounds)


def assert_clean(run: Run, limit: float, *, refused: bool = True) -> None:
    # Shown with -s: where a case's time goes (the child's CPU, or waiting).
    print(
        f"[{run.seconds:.1f} s, CPU {run.cpu_seconds:.1f} s, peak {run.peak_mb:.0f} MB, exit {run.code}]"
    )
    assert run.seconds < limit, f"took {run.seconds:.1f} s\n{run.output}"
    assert run.code != -signal.SIGKILL, f"killed after {limit} s\n{run.output}"
    assert "Traceback" not in run.output, run.output
    assert "This is a bug" not in run.output, run.output
    assert run.peak_mb < MEMORY_MB, f"peak {run.peak_mb:.0f} MB\n{run.output}"
    for secret in SECRETS:
        assert secret not in run.output, run.output
    if refused:
        assert run.code == 1, run.output
        assert "Error" in run.output or "✗" in run.output or "FAIL" in run.output.upper(), (
            run.output
        )


# --- the corpus -------------------------------------------------------------------------------

TOKEN_PATH = "/auth/oauth2/v2/token"
LISTINGS = ["/api/2/apps", "/api/2/roles", "/api/2/users", "/api/2/mappings", "/api/2/connectors"]
ONELOGIN_GETS = [*LISTINGS, "/api/2/users/custom_attributes"]


def _item(n: int) -> dict[str, Any]:
    return {"id": n, "name": f"item {n}", "email": f"u{n}@example.com"}


# Bodies refused wherever they come (a 200 whose JSON is beyond a bound or not JSON at all).
BAD_BODIES: dict[str, Writer] = {
    "gzip-bomb": bomb("gzip"),
    "deflate-bomb": bomb("deflate"),
    "endless-chunked": endless_chunked,
    "400MB": huge,
    "nesting-1000": fixed(200, nested(1000)),
    "nesting-100000": fixed(200, nested(100000)),
    "NaN": fixed(200, '[{"id": NaN, "name": "x"}]'),
    "Infinity": fixed(200, '[{"id": Infinity, "name": "x"}]'),
    "minus-Infinity": fixed(200, '{"id": -Infinity}'),
    "1e400": fixed(200, '[{"id": 1e400, "name": "x"}]'),
    "lone-surrogate": fixed(200, '[{"id": 1, "name": "a\\ud800b"}]'),
    "lone-low-surrogate": fixed(200, '[{"id": 1, "name": "\\udfff"}]'),
    "not-utf8": fixed(200, b'[{"id": 1, "name": "\xff\xfe"}]'),
    "html-200": fixed(200, "<html><body>login</body></html>", content_type="text/html"),
    "truncated-json": fixed(200, '[{"id": 1, "na'),
}

# Malformed but valid JSON where a list of objects is expected.
BAD_SHAPES: dict[str, str] = {
    "object-not-list": '{"data": []}',
    "string-not-list": '"hello"',
    "null": "null",
    "list-of-strings": '["a", "b"]',
    "list-of-lists": "[[1, 2]]",
    "id-string-letters": '[{"id": "abc", "name": "SCIM SOE", "email": "a@example.com"}]',
    "id-missing": '[{"name": "SCIM SOE", "email": "a@example.com"}]',
    "id-bool": '[{"id": true, "name": "SCIM SOE", "email": "a@example.com"}]',
    "id-float": '[{"id": 1.5, "name": "SCIM SOE", "email": "a@example.com"}]',
    "id-negative": '[{"id": -7, "name": "SCIM SOE", "email": "a@example.com"}]',
    "id-huge": '[{"id": 1' + "0" * 400 + ', "name": "SCIM SOE", "email": "a@example.com"}]',
    "id-object": '[{"id": {"a": 1}, "name": "SCIM SOE", "email": "a@example.com"}]',
    "name-number": '[{"id": 5, "name": 12, "email": 3}]',
    "name-list": '[{"id": 5, "name": ["x"], "email": ["y"]}]',
}

SLOW: dict[str, Writer] = {
    "trickle-body": trickle_body,
    "trickle-headers": trickle_headers,
    "never-answers": silent,
}

WAITS: dict[str, Writer] = {
    "retry-after-1e12": fixed(429, '{"message": "slow down"}', {"Retry-After": str(10**12)}),
    "ratelimit-reset-1e12": fixed(
        429,
        '{"message": "slow down"}',
        {
            "X-RateLimit-Reset": str(10**12),
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "0",
        },
    ),
    "503-retry-after-1e12": fixed(503, '{"message": "busy"}', {"Retry-After": str(10**12)}),
    "retry-after-nan": fixed(
        429, '{"message": "x"}', {"Retry-After": "nan", "X-RateLimit-Reset": "inf"}
    ),
}

# Answers that never complete, and waits retried until the deadline, are refused by the deadline:
# its length is not what those cases test, and each of them waits it out, so they get a shorter one.
SHORT_DEADLINE = 2.0


def deadline_for(writer: Writer) -> float:
    """The --deadline of a case answered by `writer`."""
    waited_out = [*SLOW.values(), *WAITS.values()]
    return SHORT_DEADLINE if any(writer is slow for slow in waited_out) else DEADLINE


TOKEN_ANSWERS: dict[str, str] = {
    "crlf-in-token": json.dumps({"access_token": "abc\r\nX-Evil: 1", "expires_in": 36000}),
    "lf-in-token": json.dumps({"access_token": "abc\ndef", "expires_in": 36000}),
    "space-in-token": json.dumps({"access_token": "abc def", "expires_in": 36000}),
    "nul-in-token": json.dumps({"access_token": "abc\u0000def", "expires_in": 36000}),
    "non-ascii-token": json.dumps({"access_token": "abcé", "expires_in": 36000}),
    "token-number": json.dumps({"access_token": 12345, "expires_in": 36000}),
    "token-list": json.dumps({"access_token": ["a"], "expires_in": 36000}),
    "token-empty": json.dumps({"access_token": "", "expires_in": 36000}),
    "token-missing": json.dumps({"expires_in": 36000}),
    "token-huge": json.dumps({"access_token": "a" * 5000, "expires_in": 36000}),
    "token-answer-list": "[]",
    "token-expires-nan": '{"access_token": "abc", "expires_in": NaN}',
}


def under_coverage() -> bool:
    """pytest --cov is measuring (and so, through its subprocess patch, traces the CLI child)."""
    coverage = sys.modules.get("coverage")
    return coverage is not None and coverage.Coverage.current() is not None


SOE_USERS = "/api/scim/v2/Users"

SOE_BODIES: dict[str, Writer] = {
    **BAD_BODIES,
    **SLOW,
    "error-message-nan": fixed(500, '{"ErrorMessage": NaN}'),
    "resources-string": fixed(200, '{"schemas": [], "totalResults": 1, "Resources": "x"}'),
    **WAITS,
}


def _scim_user(n: int) -> dict[str, Any]:
    return {"id": str(n), "userName": f"u{n}@example.com", "active": True}
