"""Hostile servers on 127.0.0.1 (issue 8): answers that echo the Authorization header, non-JSON
200s holding a secret, secrets straddling every cut, and secrets in URL-encoded, base64 and Basic
forms. All stdout, stderr, -v logs and written files are searched: no secret in any form."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import yaml

from onelogin_scim_setup.onelogin.answers import EXCERPT_SIZE, MESSAGE_SIZE
from onelogin_scim_setup.soe.client import ScimClient
from tests.conftest import Result

pytestmark = pytest.mark.one_profile("a hostile stand-in server answers, not the sandbox")

CLIENT_ID = "hostile-id-7a1c"
CLIENT_SECRET = "cs+4f9d/2b7e=1a6c&3058e2d9b4a7c1f06e3b"
ACCESS_TOKEN = "at+8e3b/1d6f0a9c=2e7b5d4a1f8c3e6b0d9a"
SCIM_TOKEN = "st+2c7f/9a1e4b8d3f6a0c5e9b2d7a4f1c8e6b3d0a9f"

# What the server writes into its answers, one scenario at a time.
Answer = tuple[int, str, str]  # status, content type, body
Behaviour = Callable[[BaseHTTPRequestHandler, str], Answer]


def forms(secret: str) -> list[str]:
    raw = secret.encode()
    encoded = [base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()]
    return [
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        *encoded,
        *(e.rstrip("=") for e in encoded),
        secret[:10],  # a head left by a cut
        secret[-10:],  # a tail
    ]


BASIC = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
LEAKS = [*forms(CLIENT_SECRET), *forms(ACCESS_TOKEN), *forms(SCIM_TOKEN), BASIC, BASIC[:16]]


def every_form(secret: str) -> str:
    raw = secret.encode()
    return " ".join(
        [
            secret,
            quote(secret, safe=""),
            quote_plus(secret),
            base64.b64encode(raw).decode(),
            base64.urlsafe_b64encode(raw).decode().rstrip("="),
        ]
    )


def echo_headers(handler: BaseHTTPRequestHandler) -> str:
    return " ".join(f"{k}: {v}" for k, v in handler.headers.items())


def token_ok(handler: BaseHTTPRequestHandler, path: str) -> Answer | None:
    if path.endswith("/auth/oauth2/v2/token"):
        body = {"access_token": ACCESS_TOKEN, "expires_in": 36000, "token_type": "bearer"}
        return 200, "application/json", json.dumps(body)
    return None


def straddle(secret: str, cut: int, overlap: int) -> str:
    """A body in which `secret` starts `overlap` characters before the cut at `cut`."""
    return "x" * (cut - overlap) + secret + " and more text after it"


def on_token(answer: Callable[[BaseHTTPRequestHandler], Answer]) -> Behaviour:
    return lambda handler, path: answer(handler)


def on_api(answer: Callable[[BaseHTTPRequestHandler], Answer]) -> Behaviour:
    return lambda handler, path: token_ok(handler, path) or answer(handler)


SCENARIOS: dict[str, Behaviour] = {
    "token: 401 HTML echoing the Authorization header": on_token(
        lambda h: (401, "text/html", f"<html><body><pre>{echo_headers(h)}</pre></body></html>")
    ),
    "token: 401 JSON with every form of the secret": on_token(
        lambda h: (401, "application/json", json.dumps({"message": every_form(CLIENT_SECRET)}))
    ),
    "token: 400 JSON with the Basic credentials": on_token(
        lambda h: (400, "application/json", json.dumps({"error": f"bad Basic {BASIC}"}))
    ),
    "token: 200 that is not JSON, echoing headers": on_token(
        lambda h: (200, "text/plain", echo_headers(h))
    ),
    "api: 500 text echoing the bearer header": on_api(
        lambda h: (500, "text/plain", echo_headers(h))
    ),
    "api: 200 that is not JSON, with the access token": on_api(
        lambda h: (200, "text/plain", f"token={ACCESS_TOKEN}&{every_form(ACCESS_TOKEN)}")
    ),
    "api: 403 JSON with the base64 access token": on_api(
        lambda h: (403, "application/json", json.dumps({"message": every_form(ACCESS_TOKEN)}))
    ),
}
for overlap in (1, 5, len(CLIENT_SECRET) - 1):
    SCENARIOS[f"token: non-JSON 200, secret {overlap} before the excerpt cut"] = on_token(
        lambda h, o=overlap: (200, "text/plain", straddle(CLIENT_SECRET, EXCERPT_SIZE, o))
    )
    SCENARIOS[f"token: 401 HTML, secret {overlap} before the excerpt cut"] = on_token(
        lambda h, o=overlap: (401, "text/html", "<p>" + straddle(CLIENT_SECRET, EXCERPT_SIZE, o))
    )
    SCENARIOS[f"api: JSON message, access token {overlap} before the message cut"] = on_api(
        lambda h, o=overlap: (
            400,
            "application/json",
            json.dumps({"message": straddle(ACCESS_TOKEN, MESSAGE_SIZE, o)}),
        )
    )
    SCENARIOS[f"api: non-JSON 200, access token {overlap} before the excerpt cut"] = on_api(
        lambda h, o=overlap: (200, "text/plain", straddle(ACCESS_TOKEN, EXCERPT_SIZE, o))
    )


class Hostile(ThreadingHTTPServer):
    behaviour: Behaviour
    requests_seen: list[str]


class Handler(BaseHTTPRequestHandler):
    server: Hostile

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.requests_seen.append(f"{self.command} {self.path}")
        status, kind, body = self.server.behaviour(self, self.path.split("?")[0])
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    server = Hostile(("127.0.0.1", 0), Handler)
    server.requests_seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def write_config(folder: Path, port: int) -> Path:
    config = {
        "onelogin": {"base_url": f"http://127.0.0.1:{port}", "max_retries": 0},
        "soe": {"scim_base_url": f"http://127.0.0.1:{port}/api/scim/v2"},
        "app": {"roles": ["Engineering"]},
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def leaks(text: str) -> list[str]:
    return [form for form in LEAKS if form in text]


COMMANDS = [
    ("-v", "plan"),
    ("-v", "plan", "--output", "json"),
    ("-v", "runbook", "--out", "runbook.md"),
    ("-v", "verify", "--output", "json"),
]


@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=list(SCENARIOS))
def test_no_secret_leaks_from_a_hostile_onelogin(
    scenario: str,
    hostile: Hostile,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_cli: Callable[..., Result],
) -> None:
    hostile.behaviour = SCENARIOS[scenario]
    config = write_config(tmp_path, hostile.server_address[1])
    monkeypatch.setenv("ONELOGIN_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("ONELOGIN_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("SOE_SCIM_TOKEN", SCIM_TOKEN)
    transcript = []
    for args in COMMANDS:
        result = run_cli("-c", str(config), *args)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        transcript.append(result.output)
    files = [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
    assert hostile.requests_seen, "the scenario never reached the hostile server"
    assert leaks("\n".join(transcript + files)) == []


def test_the_secret_forms_are_searched() -> None:
    # The search must be able to fail: each form of each secret is found in a text holding it.
    for form in LEAKS:
        assert leaks(f"prefix {form} suffix") != []


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"ErrorMessage": every_form(SCIM_TOKEN)}),
        json.dumps({"detail": straddle(SCIM_TOKEN, 1000, 7)}),
    ],
    ids=["every form in ErrorMessage", "straddling the message cut"],
)
def test_no_scim_token_leaks_from_a_hostile_soe(hostile: Hostile, body: str) -> None:
    hostile.behaviour = lambda handler, path: (401, "application/scim+json", body)
    base = f"http://127.0.0.1:{hostile.server_address[1]}/api/scim/v2"
    with ScimClient(base, SCIM_TOKEN) as scim:
        probe = scim.probe()
    assert not probe.ok
    assert leaks(probe.detail) == []
