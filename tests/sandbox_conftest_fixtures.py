"""Helpers for the sandbox's own tests: a running sandbox and thin HTTP clients for its two sides.

Plain helpers: each test file builds the fixture it needs in a few lines. Every helper that starts
a sandbox takes `quirks=` (a `Quirks`, a profile name, or None for optimistic) and accepts quirk
switch names as keyword options too (`running(expose_scim_configuration=True)`); the fixture
`quirks_profile` runs a test under every profile once imported into a test module or conftest.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests

from onelogin_scim_setup.sandbox import Quirks, Sandbox, SandboxOptions
from onelogin_scim_setup.sandbox.quirks import PROFILES as ALL_PROFILES

CLIENT = ("sandbox-client-id", "sandbox-client-secret")
SOE_TOKEN = "soe-test-token-0123456789"
SCIM_ENTERPRISE = 130179
ROLE_IDS = {
    "Default": 200001,
    "Engineering": 200002,
    "SOE Moderators": 200003,
    "SOE Admins": 200004,
    "Sales": 200005,
}
USER_IDS = {"alice": 50001, "bob": 50002, "carol": 50003, "dave": 50004, "erin": 50005}
TEMPLATE = json.dumps(
    {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "{$parameters.scimusername}",
        "name": {"givenName": "{$user.firstname}", "familyName": "{$user.lastname}"},
        "displayName": "{$user.display_name}",
        "emails": [{"value": "{$user.email}", "type": "work", "primary": True}],
        "userType": "{$user.custom_fields.userType}",
        "department": "{$user.department}",
        "title": "{$user.title}",
    }
)


def _profiles() -> tuple[str, ...]:
    """Every quirk profile (issue 20: the documented one too), or those `E2E_PROFILES` names
    (comma-separated), so CI can run one job per profile; an unknown name stops collection."""
    chosen = tuple(p.strip() for p in os.environ.get("E2E_PROFILES", "").split(",") if p.strip())
    unknown = sorted(set(chosen) - set(ALL_PROFILES))
    if unknown:
        raise pytest.UsageError(f"E2E_PROFILES names unknown profile(s): {', '.join(unknown)}")
    return chosen or ALL_PROFILES


PROFILES = _profiles()
QUIRK_NAMES = frozenset(Quirks().to_json())


def sandbox_options(quirks: Quirks | str | None = None, **options: Any) -> SandboxOptions:
    """`SandboxOptions` where quirk switches may be given by name next to the other options."""
    base = Quirks.profile(quirks) if isinstance(quirks, str) else (quirks or Quirks.optimistic())
    overrides = {name: options.pop(name) for name in list(options) if name in QUIRK_NAMES}
    return SandboxOptions(quirks=base.with_overrides(overrides), **options)


# Module scope, so a module-scoped fixture (tests/test_golden.py's one sandbox) can take it too;
# pytest then runs a module's tests profile by profile.
@pytest.fixture(params=PROFILES, scope="module")
def quirks_profile(request: pytest.FixtureRequest) -> str:
    """Each quirk profile's name in turn. Every e2e test takes it (tests/conftest.py refuses to
    collect one that does not and has no `one_profile` marker saying why)."""
    return str(request.param)


@contextmanager
def running(quirks: Quirks | str | None = None, **options: Any) -> Iterator[Sandbox]:
    with Sandbox(sandbox_options(quirks, **options)) as sandbox:
        yield sandbox


class OneLogin:
    """The OneLogin side: public API calls with a bearer token, and the control endpoints."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.url = sandbox.onelogin_url
        self._token: str | None = None

    def token(self) -> str:
        if self._token is None:
            response = requests.post(
                f"{self.url}/auth/oauth2/v2/token",
                auth=CLIENT,
                json={"grant_type": "client_credentials"},
                timeout=10,
            )
            response.raise_for_status()
            self._token = str(response.json()["access_token"])
        return self._token

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token()}"}
        return requests.request(
            method, self.url + path, json=body, params=params or None, headers=headers, timeout=10
        )

    def ok(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = self.call(method, path, body, **params)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def control(self, method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(method, f"{self.url}/_sandbox{path}", json=body, timeout=10)

    def state(self) -> dict[str, Any]:
        return dict(self.control("GET", "/state").json())

    def create_scim_app(self, roles: tuple[str, ...] = ("Engineering",)) -> int:
        body = {
            "connector_id": SCIM_ENTERPRISE,
            "name": "SCIM SOE",
            "provisioning": {"enabled": True},
            "role_ids": [ROLE_IDS[name] for name in roles],
        }
        return int(self.ok("POST", "/api/2/apps", body)["id"])


class Soe:
    """The SOE side: SCIM calls with the site's token, and the control endpoints."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.url = sandbox.soe_url
        self.scim_url = sandbox.soe_scim_url

    def configure(self, **settings: Any) -> dict[str, Any]:
        body = {"scim_enabled": True, "bearer_token": SOE_TOKEN, **settings}
        response = requests.put(f"{self.url}/_sandbox/settings", json=body, timeout=10)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def scim(
        self, method: str, path: str, body: Any = None, token: str = SOE_TOKEN, **params: Any
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return requests.request(
            method,
            self.scim_url + path,
            json=body,
            params=params or None,
            headers=headers,
            timeout=10,
        )

    def users(self) -> list[dict[str, Any]]:
        return list(requests.get(f"{self.url}/_sandbox/users", timeout=10).json())

    def user(self, user_name: str) -> dict[str, Any] | None:
        return next((u for u in self.users() if u["userName"] == user_name), None)


def connect(onelogin: OneLogin, soe: Soe, app_id: int, **settings: Any) -> requests.Response:
    """The admin's manual steps: fill the SCIM connection and press Enable."""
    body = {
        "base_url": soe.scim_url,
        "bearer_token": SOE_TOKEN,
        "json_template": TEMPLATE,
        "deprovision_action": "suspend",
        "api_connection_enabled": True,
        **settings,
    }
    return onelogin.control("PUT", f"/apps/{app_id}/scim", body)
