"""The hostile corpus, servers and signals (issue 19): a stand-in server on 127.0.0.1 sits in front
of the sandbox and answers one endpoint with a hostile answer (bombs, endless or trickling bodies,
answers that never come, waits of 10^12 s, listings that never end, malformed JSON); everything
else passes through to the sandbox. The real CLI runs in a child process; each case asserts a clean
refusal (or the right result), no traceback, no "This is a bug", no secret in the output, an end
within its deadline, and a peak memory under `MEMORY_MB` (the child's own ru_maxrss)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from onelogin_scim_setup.cli.demo import demo_config
from onelogin_scim_setup.onelogin.listing import LOOKUP_MAX
from tests.helpers.stand_in import Stand, Writer
from tests.helpers.stand_in import send_answer as _send
from tests.sandbox_world import CLIENT_SECRET, TOKEN, World, world

# e2e: every case runs the real CLI against a loopback stand-in (minutes, not seconds).
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.one_profile(
        "a hostile stand-in answers the endpoint under test; the sandbox's profile is not what is "
        "tested"
    ),
]

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


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
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
            yield Stage(running, onelogin, soe, config)
        finally:
            onelogin.close()
            soe.close()


@pytest.fixture(autouse=True)
def calm(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each case both stand-ins pass everything through again."""
    yield
    if "stage" in request.fixturenames:
        stage: Stage = request.getfixturevalue("stage")
        for stand in (stage.onelogin, stage.soe):
            stand.hostile("GET", "/nowhere", silent)


@dataclass
class Run:
    code: int
    output: str
    seconds: float
    peak_mb: float


def run_cli(stage: Stage, *args: str, limit: float = DEADLINE + SLACK) -> Run:
    """The CLI in a child process with --deadline; its own peak memory from wait4."""
    out = stage.world.folder / "out.txt"
    with out.open("wb") as sink:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "onelogin_scim_setup", "-c", str(stage.config), *args],
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**stage.world.env(), "COLUMNS": "200"},
            cwd=stage.world.folder,
        )
        killer = threading.Timer(limit, process.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
    return Run(
        process.returncode, out.read_text("utf-8", "replace"), seconds, usage.ru_maxrss / 1024
    )


def assert_clean(run: Run, limit: float, *, refused: bool = True) -> None:
    print(f"[{run.seconds:.1f} s, peak {run.peak_mb:.0f} MB, exit {run.code}]")  # shown with -s
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


def onelogin_cases() -> Iterator[Any]:
    for name, writer in {**BAD_BODIES, **SLOW}.items():
        for path in ("/api/2/apps", "/api/2/users", "/api/2/roles"):
            yield pytest.param("GET", path, writer, id=f"{name}-GET{path}")
        yield pytest.param("POST", TOKEN_PATH, writer, id=f"{name}-token")
    for name, body in BAD_SHAPES.items():
        for path in LISTINGS:
            yield pytest.param("GET", path, fixed(200, body), id=f"{name}-GET{path}")
    for name, writer in WAITS.items():
        for path in ("/api/2/apps", "/api/2/users"):
            yield pytest.param("GET", path, writer, id=f"{name}-GET{path}")
    for name, body in TOKEN_ANSWERS.items():
        yield pytest.param("POST", TOKEN_PATH, fixed(200, body), id=f"{name}")


@pytest.mark.parametrize(("method", "path", "writer"), list(onelogin_cases()))
def test_onelogin_hostile_answer_is_refused_cleanly(
    stage: Stage, method: str, path: str, writer: Writer
) -> None:
    stage.onelogin.hostile(method, path, writer)
    run = run_cli(stage, "--deadline", str(DEADLINE), "plan")
    assert stage.onelogin.seen.is_set(), run.output
    assert_clean(run, DEADLINE + SLACK)
    assert path in run.output or "token" in run.output or "deadline" in run.output, run.output


# One malformed field the tool reads, in an otherwise well-formed listing: (path, body, field named).
MALFORMED_FIELDS = [
    ("/api/2/roles", '[{"id": 5, "name": "Engineering", "apps": ["x"]}]', "apps[0]"),
    ("/api/2/roles", '[{"id": 5, "name": "Engineering", "users": [{"id": "x"}]}]', "users[0].id"),
    ("/api/2/roles", '[{"id": 5}]', "name"),
    ("/api/2/mappings", '[{"id": 5, "name": "x", "enabled": "yes"}]', "enabled"),
    (
        "/api/2/mappings",
        '[{"id": 5, "name": "x", "conditions": [{"source": "has_role", "value": {"a": 1}}]}]',
        "conditions[0].value",
    ),
    ("/api/2/mappings", '[{"id": 5, "name": "x", "actions": "x"}]', "actions"),
    ("/api/2/users/custom_attributes", '[{"id": 1, "name": "User type"}]', "shortname"),
    # Every key the read needs is there, so no user is read again by id (a 404 for a stand-in's).
    (
        "/api/2/users",
        '[{"id": 5, "email": "dave@example.com", "department": "Platform", "title": "SRE", '
        '"custom_attributes": {"userType": [1]}}]',
        "custom_attributes.userType",
    ),
    (
        "/api/2/users",
        '[{"id": 5, "email": "dave@example.com", "department": {"a": 1}, "title": "SRE", '
        '"custom_attributes": {}}]',
        "department",
    ),
    ("/api/2/apps", '[{"id": 5, "name": "SCIM SOE", "connector_id": "abc"}]', "connector_id"),
    ("/api/2/connectors", '[{"id": 5, "name": 7}]', "name"),
]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [pytest.param(*case, id=f"{case[0]}-{case[2]}") for case in MALFORMED_FIELDS],
)
def test_a_malformed_field_is_refused_cleanly(
    stage: Stage, path: str, body: str, field: str
) -> None:
    """Exit 1, no traceback, no "This is a bug", and the error names the endpoint and the field."""
    stage.onelogin.hostile("GET", path, fixed(200, body))
    run = run_cli(stage, "--deadline", str(DEADLINE), "plan")
    assert stage.onelogin.seen.is_set(), run.output
    assert_clean(run, DEADLINE + SLACK)
    assert f"GET {path} " in run.output, run.output
    assert f"field {field}" in run.output, run.output


@pytest.mark.parametrize(
    "kind", [pytest.param("cursor", id="fresh-cursor"), pytest.param("page", id="fresh-page")]
)
@pytest.mark.parametrize("path", LISTINGS)
def test_a_listing_that_never_ends_stops_with_an_error(stage: Stage, kind: str, path: str) -> None:
    endless = Endless(kind, _item)
    stage.onelogin.hostile("GET", path, endless)
    run = run_cli(stage, "--deadline", "60", "plan", limit=90)
    # Stopped with an error, or (a listing whose page size the full page does not reach is
    # complete after one page) a plan from what was read: clean either way, never for ever.
    assert_clean(run, 90, refused=False)
    assert run.code in (0, 1, 2), run.output
    if run.code == 1:  # the paging error, or (connectors: one page) the tool's own refusal
        assert "Error:" in run.output, run.output


@pytest.mark.parametrize("path", ["/api/2/apps", "/api/2/users", "/api/2/roles"])
def test_a_listing_announcing_a_billion_pages_is_refused_up_front(stage: Stage, path: str) -> None:
    endless = Endless("total", _item)
    stage.onelogin.hostile("GET", path, endless)
    run = run_cli(stage, "--deadline", str(DEADLINE), "plan")
    assert_clean(run, DEADLINE + SLACK)
    # Refused on the first page: no second page is asked for (it used to page to MAX_PAGES). The
    # users may be read by up to LOOKUP_MAX per-email lookups, each a listing of its own.
    assert endless.count <= (LOOKUP_MAX if path == "/api/2/users" else 1), run.output
    assert "1000000000 pages" in run.output, run.output


SOE_USERS = "/api/scim/v2/Users"

SOE_BODIES: dict[str, Writer] = {
    **BAD_BODIES,
    **SLOW,
    "error-message-nan": fixed(500, '{"ErrorMessage": NaN}'),
    "resources-string": fixed(200, '{"schemas": [], "totalResults": 1, "Resources": "x"}'),
    **WAITS,
}


@pytest.mark.parametrize(("name", "writer"), list(SOE_BODIES.items()), ids=list(SOE_BODIES))
def test_soe_hostile_answer_to_verify_is_clean(stage: Stage, name: str, writer: Writer) -> None:
    stage.soe.hostile("GET", SOE_USERS, writer)
    run = run_cli(stage, "--deadline", str(DEADLINE), "verify")
    assert stage.soe.seen.is_set(), run.output
    # verify's probe reads totalResults only: a bad Resources is for the listings (audit) to refuse.
    assert_clean(run, DEADLINE + SLACK, refused=name != "resources-string")


@pytest.mark.parametrize(("name", "writer"), list(SOE_BODIES.items()), ids=list(SOE_BODIES))
def test_soe_hostile_answer_to_audit_is_clean(stage: Stage, name: str, writer: Writer) -> None:
    stage.soe.hostile("GET", SOE_USERS, writer)
    run = run_cli(stage, "--deadline", str(DEADLINE), "audit")
    assert stage.soe.seen.is_set(), run.output
    assert_clean(run, DEADLINE + SLACK)


def _scim_user(n: int) -> dict[str, Any]:
    return {"id": str(n), "userName": f"u{n}@example.com", "active": True}


def test_scim_users_for_ever_stop(stage: Stage) -> None:
    stage.soe.hostile("GET", SOE_USERS, Endless("scim", _scim_user))
    run = run_cli(stage, "--deadline", "60", "audit", limit=120)
    assert_clean(run, 120)


def test_a_short_retry_after_is_waited_and_the_result_is_right(stage: Stage) -> None:
    calls = []

    def once(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
        calls.append(1)
        stage.onelogin.target = None  # the next ask passes through
        _send(handler, 429, b'{"message": "slow down"}', {"Retry-After": "1"})

    stage.onelogin.hostile("GET", "/api/2/roles", once)
    run = run_cli(stage, "--deadline", "30", "plan", limit=60)
    assert_clean(run, 60, refused=False)
    assert run.code == 0, run.output
    assert calls == [1]


# --- signals against a server that never answers ------------------------------------------------


def _start(stage: Stage, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
    out = stage.world.folder / "signal.txt"
    sink = out.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "onelogin_scim_setup", "-c", str(stage.config), *args],
        stdout=sink,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**stage.world.env(), "COLUMNS": "200"},
        cwd=stage.world.folder,
    )
    sink.close()
    return process, out


GRACE_BOUND = 5.0 + 5.0  # one signal: the request's grace (bounds.SIGNAL_GRACE), then the report
AT_ONCE = 3.0  # from a second signal to the exit: nothing is waited for any more (a loaded CI)


@pytest.mark.parametrize(
    ("signals", "bound", "code"),
    [
        pytest.param((signal.SIGTERM,), GRACE_BOUND, 143, id="SIGTERM"),
        pytest.param((signal.SIGINT,), GRACE_BOUND, 130, id="SIGINT"),
        pytest.param((signal.SIGINT, signal.SIGINT), AT_ONCE, 130, id="SIGINT-twice"),
        pytest.param((signal.SIGTERM, signal.SIGTERM), AT_ONCE, 143, id="SIGTERM-twice"),
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("POST", TOKEN_PATH, id="token"),
        pytest.param("GET", "/api/2/users", id="users-listing"),
    ],
)
def test_a_signal_ends_a_run_stuck_on_a_server_that_never_answers(
    stage: Stage,
    method: str,
    path: str,
    signals: tuple[signal.Signals, ...],
    bound: float,
    code: int,
) -> None:
    stage.onelogin.hostile(method, path, silent)
    process, out = _start(stage, "--deadline", "0", "plan")
    assert stage.onelogin.seen.wait(30), out.read_text()
    for index, number in enumerate(signals):
        if index:
            time.sleep(0.3)
        process.send_signal(number)
    sent = time.monotonic()  # the bound counts from the last signal
    try:
        assert process.wait(timeout=bound + 10) == code, out.read_text()
    finally:
        if process.poll() is None:
            process.kill()
    took = time.monotonic() - sent
    output = out.read_text()
    print(f"[{took:.2f} s after the last signal]")  # shown with -s
    assert took < bound, f"{took:.1f} s\n{output}"
    assert "Traceback" not in output, output
    assert "This is a bug" not in output, output
    assert "nterrupted" in output or "abandoned" in output, output


@pytest.mark.parametrize(
    ("signals", "bound"),
    [
        pytest.param((signal.SIGTERM,), GRACE_BOUND, id="SIGTERM"),
        pytest.param((signal.SIGINT,) * 2, AT_ONCE, id="SIGINT-twice"),
        pytest.param((signal.SIGTERM, signal.SIGINT), AT_ONCE, id="SIGTERM-then-SIGINT"),
    ],
)
def test_a_signal_during_a_write_that_never_answers_reports_it_unknown(
    stage: Stage, signals: tuple[signal.Signals, ...], bound: float
) -> None:
    """A role's apps PUT that never answers, inside apply's critical section: the first signal is
    not held for ever (the write is abandoned after the grace); a second right after ends the run
    at once. Either way the report so far is printed: done, not done, and the write unknown."""
    role = stage.world.role_id("Engineering")
    stage.world.api("PUT", f"/api/2/roles/{role}/apps", [])  # a change for apply to make
    try:
        stage.onelogin.hostile("PUT", f"/api/2/roles/{role}/apps", silent)
        process, out = _start(stage, "--deadline", "0", "apply", "--auto-approve")
        assert stage.onelogin.seen.wait(60), out.read_text()
        for index, number in enumerate(signals):
            if index:
                time.sleep(0.3)
            process.send_signal(number)
        sent = time.monotonic()  # the bound counts from the last signal
        try:
            code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        took = time.monotonic() - sent
        output = out.read_text()
        print(f"[{took:.2f} s after the last signal, exit {code}]")  # shown with -s
        assert code == (143 if signals[0] == signal.SIGTERM else 130), output
        assert took < bound, f"{took:.1f} s\n{output}"
        assert "unknown" in output, output
        assert "check" in output, output
        assert "Not done" in output, output
        assert "Traceback" not in output, output
        assert "This is a bug" not in output, output
    finally:
        stage.onelogin.hostile("GET", "/nowhere", silent)
        stage.world.cli("apply", "--auto-approve")  # the stage converged again for the next


def test_a_deadline_names_what_was_waited_on(stage: Stage) -> None:
    stage.onelogin.hostile("GET", "/api/2/roles", silent)
    run = run_cli(stage, "--deadline", "2", "plan")
    assert_clean(run, 2 + SLACK)
    assert "deadline of 2 s while waiting for GET /api/2/roles" in run.output, run.output


def test_the_deadline_option_is_checked(stage: Stage) -> None:
    run = run_cli(stage, "--deadline", "nan", "plan")
    assert run.code == 64, run.output
    assert "--deadline" in run.output


def test_loopback_only() -> None:
    """Every stand-in listens on 127.0.0.1 only."""
    stand = Stand("http://127.0.0.1:9")
    try:
        assert stand.server_address[0] == "127.0.0.1"
        with socket.create_connection(("127.0.0.1", stand.server_address[1]), timeout=2):
            pass
    finally:
        stand.close()
