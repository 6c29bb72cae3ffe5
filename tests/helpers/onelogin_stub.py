"""A stubbed OneLogin tenant for responses-based tests: its URLs, credentials and token endpoint."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from responses import matchers

from onelogin_scim_setup.onelogin.client import OneLoginClient

BASE = "https://acme.onelogin.com"


TOKEN_URL = f"{BASE}/auth/oauth2/v2/token"


APPS_URL = f"{BASE}/api/2/apps"


CLIENT_ID = "id-7d41c2"


SECRET = "SECRET-9f3b6e1a4c"
ACCESS, ACCESS_2 = "ACCESS-4e7a0d9b21", "ACCESS-2-8c5f3a6e90"


BASIC = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()


UNAUTHORIZED = {"statusCode": 401, "name": "UnauthorizedError", "message": "Unauthorized"}


def token(api: responses.RequestsMock, access: str = ACCESS, expires_in: int = 36000) -> None:
    api.post(
        TOKEN_URL,
        json={"access_token": access, "expires_in": expires_in, "token_type": "bearer"},
        match=[
            matchers.json_params_matcher({"grant_type": "client_credentials"}),
            matchers.header_matcher({"Authorization": f"Basic {BASIC}"}),
        ],
    )


def bearer(access: str) -> list[Any]:
    return [matchers.header_matcher({"Authorization": f"Bearer {access}"})]


def count(api: responses.RequestsMock, url: str) -> int:
    return sum(1 for call in api.calls if call.request.url.split("?")[0] == url)


# Fixtures every responses-based OneLogin test shares (registered in tests/conftest.py); a module
# that needs another kind (a client with retries, stubs that may go unused) defines its own.
@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """The stubbed tenant, its token ready; every stub must be asked for."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        token(mock)
        yield mock


@pytest.fixture
def client() -> Iterator[OneLoginClient]:
    """A client of the stubbed tenant that never retries or waits."""
    with OneLoginClient(BASE, CLIENT_ID, SECRET, max_retries=0, backoff_factor=0) as made:
        yield made
