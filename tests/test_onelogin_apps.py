"""onelogin.apps.describe_app: what `discover` shows of the app, secrets only as fingerprints."""

from __future__ import annotations

from typing import Any

import pytest

from onelogin_scim_setup.onelogin.apps import describe_app
from onelogin_scim_setup.secrets.token import fingerprint

TOKEN = "a-scim-token-that-is-long-enough-0123456789"
RAW: dict[str, Any] = {
    "id": 7,
    "name": "SCIM SOE",
    "connector_id": 123,
    "provisioning": {"enabled": True},
    "configuration": {"scim_bearer_token": "opaque", "scim_base_url": "https://x", "other": TOKEN},
    "parameters": {"scimusername": {"label": "scimusername", "default_value": TOKEN}},
}


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        pytest.param(("configuration", "scim_bearer_token"), f"(sensitive) {fingerprint('opaque')}", id="secret key"),
        pytest.param(("configuration", "other"), f"(sensitive) {fingerprint(TOKEN)}", id="known secret"),
        pytest.param(("configuration", "scim_base_url"), "https://x", id="plain value"),
        pytest.param(("parameters", "scimusername"), {"label": "scimusername", "default_value": f"(sensitive) {fingerprint(TOKEN)}"}, id="parameter"),
    ],
)  # fmt: skip
def test_describe_app_masks_secrets(path: tuple[str, str], shown: Any) -> None:
    described = describe_app(RAW, [TOKEN])
    assert described[path[0]][path[1]] == shown


def test_describe_app_never_holds_a_secret() -> None:
    assert TOKEN not in repr(describe_app(RAW, [TOKEN]))
    assert "opaque" not in repr(describe_app(RAW, [TOKEN]))
