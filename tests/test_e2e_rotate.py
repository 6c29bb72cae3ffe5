"""token rotate end to end: it asks on a terminal, refuses before touching SOE when OneLogin's half
can only be done by hand, and says "unknown" for what it cannot read back."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from onelogin_scim_setup.secrets.token import fingerprint
from tests.helpers.rotation import converge, delivery_script, rotation_config
from tests.sandbox_world import TOKEN, World, world
from tests.terminal import run_on_terminal


@pytest.fixture
def tenant(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    with world(tmp_path, quirks_profile, expose_scim_configuration=True) as running:
        yield running


def manual_onelogin_config(running: World) -> None:
    """Delivery by command (which enters the token into SOE), no API key for OneLogin's field."""
    script = delivery_script(running.folder, update_soe=True)
    running.write_config(
        token={
            "delivery": "command",
            "delivery_command": [
                sys.executable,
                str(script),
                str(running.token_file),
                running.sandbox.soe_url,
            ],
        }
    )


def soe_accepts(running: World, token: str) -> bool:
    import requests

    response = requests.get(
        f"{running.sandbox.soe_scim_url}/Users",
        params={"count": 1},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    return response.status_code == 200


def test_rotate_on_a_terminal_asks_and_no_changes_nothing(tenant: World) -> None:
    rotation_config(tenant, update_soe=True)
    converge(tenant)
    run = run_on_terminal(
        ["-c", str(tenant.config_path), "token", "rotate", "--timeout", "3", "--interval", "0.1"],
        env=tenant.env(),
        cwd=tenant.folder,
        prompt="[y/N]",
        answer="n",
    )
    assert run.returncode not in (0, 2), run.output
    assert "cancelled; nothing was changed" in run.output
    assert tenant.token_file.read_text().strip() == TOKEN
    assert soe_accepts(tenant, TOKEN)


def test_rotate_on_a_terminal_answered_yes_rotates(tenant: World) -> None:
    rotation_config(tenant, update_soe=True)
    converge(tenant)
    run = run_on_terminal(
        ["-c", str(tenant.config_path), "token", "rotate", "--timeout", "3", "--interval", "0.1"],
        env=tenant.env(),
        cwd=tenant.folder,
        prompt="[y/N]",
        answer="y",
    )
    assert run.returncode == 0, run.output
    new = tenant.token_file.read_text()
    assert f"rotation complete: both sides hold {fingerprint(new)}" in run.output


def test_rotate_without_a_terminal_or_auto_approve_is_a_usage_error(tenant: World) -> None:
    rotation_config(tenant, update_soe=True)
    result = tenant.cli("token", "rotate")
    assert result.returncode not in (0, 2)
    assert "not a terminal" in result.stderr
    assert tenant.token_file.read_text().strip() == TOKEN


def test_rotate_refuses_before_soe_when_onelogin_is_manual(tenant: World) -> None:
    manual_onelogin_config(tenant)
    converge(tenant)
    result = tenant.cli("token", "rotate", "--auto-approve")
    assert result.returncode not in (0, 2)
    assert "app.configuration_keys.bearer_token is not set" in result.stderr
    assert "--manual-onelogin" in result.stderr
    assert tenant.token_file.read_text().strip() == TOKEN
    assert soe_accepts(tenant, TOKEN)


def test_rotate_with_manual_onelogin_proves_soe_and_says_onelogin_is_unknown(
    tenant: World,
) -> None:
    manual_onelogin_config(tenant)
    converge(tenant)
    result = tenant.cli(
        "token",
        "rotate",
        "--auto-approve",
        "--manual-onelogin",
        "--timeout",
        "3",
        "--interval",
        "0.1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    new = tenant.token_file.read_text()
    assert soe_accepts(tenant, new)
    assert f"it holds unknown. Paste {fingerprint(new)} now" in result.stdout
    assert fingerprint(TOKEN) not in result.stdout
    assert new not in result.stdout + result.stderr
