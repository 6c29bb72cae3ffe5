"""The one URL rule (config.urls): the host checked is the host connected to (issue 8)."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from onelogin_scim_setup.config.urls import BoundAuthorization, check_url, origin
from onelogin_scim_setup.errors import OneLoginError, ScimError
from onelogin_scim_setup.onelogin.transport import OneLoginTransport
from onelogin_scim_setup.soe.client import ScimClient
from tests.conftest import Result


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://acme.onelogin.com/", "https://acme.onelogin.com"),
        (
            "https://acme.stackenterprise.co/api/scim/v2",
            "https://acme.stackenterprise.co/api/scim/v2",
        ),
        ("https://xn--pple-43d.com", "https://xn--pple-43d.com"),
        ("https://acme.onelogin.com:8443", "https://acme.onelogin.com:8443"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]:9000/x", "http://[::1]:9000/x"),
        ("http://localhost:1", "http://localhost:1"),
    ],
)
def test_plain_urls_are_accepted(url: str, expected: str) -> None:
    assert check_url(url) == expected


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.2:8081\\@127.0.0.1", "backslash"),
        ("https://user:secret-pw@acme.onelogin.com", "user name or password"),
        ("https://acme.onelogin.com?a=1", "query or fragment"),
        ("https://acme.onelogin.com/#x", "query or fragment"),
        ("https://acme.onelogin.com:65536", "port"),
        ("https://acme.onelogin.com:0", "port 0"),
        ("https://acme.onelogin.com/a/../b", "unusual path"),
        ("https://acme.onelogin.com/a%2fb", "unusual path"),
        ("https://acme.onelogin.com\t", "whitespace or control"),
        ("https://\u0430pple.com", "xn--pple-43d.com"),
        ("http://10.0.0.1", "plain http"),
        ("http://127.0.0.1.evil.example", "plain http"),
    ],
)
def test_misleading_urls_are_refused_saying_why(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)) as caught:
        check_url(url)
    assert "secret-pw" not in str(caught.value)


def test_origin_is_what_urllib3_connects_to() -> None:
    assert origin("https://ACME.onelogin.com/x") == "https://acme.onelogin.com:443"
    assert origin("http://127.0.0.2:81\\@127.0.0.1") == "http://127.0.0.2:81"


def test_credentials_are_not_attached_for_another_origin() -> None:
    auth = BoundAuthorization("Bearer t0ken", "https://acme.onelogin.com", ValueError)
    request = requests.Request("GET", "https://evil.example/api").prepare()
    with pytest.raises(ValueError, match=r"evil\.example"):
        auth(request)
    assert "Authorization" not in request.headers


def test_transport_refuses_a_url_requests_would_send_elsewhere() -> None:
    with pytest.raises(OneLoginError, match="backslash"):
        OneLoginTransport("http://127.0.0.2:8081\\@127.0.0.1", "id", "secret")


def test_scim_client_refuses_a_url_requests_would_send_elsewhere() -> None:
    with pytest.raises(ScimError, match="backslash"):
        ScimClient("http://127.0.0.2:8081\\@127.0.0.1/api/scim/v2", "tok3n-value")


@pytest.fixture
def listener_on_127_0_0_2() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.2", 0))
    server.listen(4)
    server.setblocking(False)
    yield server
    server.close()


@pytest.mark.parametrize("key", ["onelogin.base_url", "soe.scim_base_url"])
def test_the_issue_reproduction_is_refused_at_load_time(
    key: str,
    listener_on_127_0_0_2: socket.socket,
    write_config: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    run_cli: Callable[..., Result],
) -> None:
    port = listener_on_127_0_0_2.getsockname()[1]
    hostile = f"http://127.0.0.2:{port}\\@127.0.0.1"
    section, name = key.split(".")
    config = {
        "onelogin": {"base_url": "http://127.0.0.1:9"},
        "soe": {"scim_base_url": "http://127.0.0.1:9/api/scim/v2"},
    }
    config[section][name] = hostile
    monkeypatch.setenv("ONELOGIN_CLIENT_ID", "id")
    monkeypatch.setenv("ONELOGIN_CLIENT_SECRET", "client-secret-value")
    monkeypatch.setenv("SOE_SCIM_TOKEN", "scim-token-value-" + "x" * 30)
    result = run_cli("-c", str(write_config(config)), "verify")
    assert result.exit_code == 1
    assert f"{key}: the URL contains a backslash" in result.stderr
    with pytest.raises(BlockingIOError):
        listener_on_127_0_0_2.accept()
