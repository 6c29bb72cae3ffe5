"""verify and token rotate end to end, against the sandbox (and a SCIM server that is not ours)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from onelogin_scim_setup.secrets.token import fingerprint
from tests.sandbox_world import CLIENT_ID, CLIENT_SECRET, TOKEN, World, world

E2E = (
    "--e2e",
    "--test-user",
    "alice@example.com",
    "--timeout",
    "3",
    "--interval",
    "0.1",
    "--output",
    "json",
)


@pytest.fixture
def tenant(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    with world(tmp_path, quirks_profile, expose_scim_configuration=True) as running:
        yield running


def converge(running: World, **admin: Any) -> None:
    applied = running.cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    rendered = running.cli("render")
    running.play_admin(template=rendered.stdout, **admin)


def checks_of(result: Any) -> dict[str, dict[str, str]]:
    return {c["name"]: c for c in json.loads(result.stdout)["checks"]}


def api(running: World, method: str, path: str, body: Any = None) -> Any:
    """The tenant's public API, as another admin would use it (to break things behind our back)."""
    token = requests.post(
        f"{running.sandbox.onelogin_url}/auth/oauth2/v2/token",
        auth=(CLIENT_ID, CLIENT_SECRET),
        json={"grant_type": "client_credentials"},
        timeout=10,
    ).json()["access_token"]
    response = requests.request(
        method,
        f"{running.sandbox.onelogin_url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json() if response.content else None


def test_verify_is_all_green_after_the_demo_flow(tenant: World) -> None:
    converge(tenant)
    planned = tenant.cli("plan", "--detailed-exitcode")
    assert planned.returncode == 0, planned.stdout + planned.stderr  # converged once done by hand
    assert "! provisioning" not in planned.stdout
    result = tenant.cli("verify", *E2E)
    assert result.returncode == 0, result.stdout + result.stderr
    statuses = {c["status"] for c in checks_of(result).values()}
    assert statuses <= {"pass", "warn"}
    alice = tenant.soe_user("alice@example.com")
    assert alice is not None
    assert alice["userType"] == "Registered"  # restored
    state_alice = next(
        u for u in tenant.onelogin_state()["users"] if u["email"] == "alice@example.com"
    )
    assert not state_alice["custom_attributes"].get("userType")  # and back to empty in OneLogin


def test_wrong_token_fails_with_a_precise_message(tenant: World) -> None:
    converge(tenant, token="a-different-token-that-soe-holds-0000")
    result = tenant.cli("verify", "--output", "json")
    assert result.returncode == 1
    check = checks_of(result)["SOE: SCIM endpoint accepts our token"]
    assert check["status"] == "fail"
    assert "401" in check["detail"]
    assert "fingerprints" in check["hint"]


def test_scim_switched_off_fails(tenant: World) -> None:
    converge(tenant)
    tenant.set_soe(scim_enabled=False)
    result = tenant.cli("verify", "--output", "json")
    assert result.returncode == 1
    check = checks_of(result)["SOE: SCIM endpoint accepts our token"]
    assert check["status"] == "fail"
    assert str(tenant.sandbox.options.quirks.soe_scim_off_status) in check["detail"]


def test_missing_parameter_fails(tenant: World) -> None:
    converge(tenant)
    app = api(tenant, "GET", f"/api/2/apps/{tenant.app_id()}")
    api(
        tenant,
        "DELETE",
        f"/api/2/apps/{tenant.app_id()}/parameters/{app['parameters']['userType']['id']}",
    )
    result = tenant.cli("verify", "--output", "json")
    assert result.returncode == 1
    check = checks_of(result)["OneLogin: app parameters match"]
    assert check["status"] == "fail"
    assert "userType" in check["detail"]


def test_missing_mapping_fails(tenant: World) -> None:
    converge(tenant)
    mapping = next(
        m
        for m in tenant.onelogin_state()["mappings"]
        if m["name"].endswith("for role SOE Moderators")
    )
    api(tenant, "DELETE", f"/api/2/mappings/{mapping['id']}")
    result = tenant.cli("verify", "--output", "json")
    assert result.returncode == 1
    check = checks_of(result)["OneLogin: user mappings match"]
    assert check["status"] == "fail"
    assert "SOE Moderators" in check["detail"]


def test_e2e_restores_the_value_when_soe_never_shows_the_change(tenant: World) -> None:
    converge(tenant, moderator=False)
    result = tenant.cli("verify", *E2E)
    assert result.returncode == 1
    checks = checks_of(result)
    assert checks["e2e: SOE shows alice@example.com as Moderator"]["status"] == "fail"
    assert "e2e: original userType (empty) restored" in checks
    state_alice = next(
        u for u in tenant.onelogin_state()["users"] if u["email"] == "alice@example.com"
    )
    assert not state_alice["custom_attributes"].get("userType")


def test_literal_placeholders_are_caught(tenant: World) -> None:
    tenant.write_config(template={"syntax": "dollar-brace"})
    converge(tenant)
    result = tenant.cli("verify", *E2E)
    assert result.returncode == 1
    check = checks_of(result)["e2e: no unreplaced placeholders in SOE"]
    assert check["status"] == "fail"
    assert "${" in check["detail"]
    assert "template.syntax" in check["hint"]


def delivery_script(folder: Path, *, update_soe: bool) -> Path:
    """The user's own automation: stores the token (0600) and, if told to, enters it into SOE."""
    script = folder / "deliver.py"
    script.write_text(
        "import json, os, sys, urllib.request\n"
        "token = sys.stdin.read().strip()\n"
        "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)\n"
        "os.write(fd, token.encode()); os.close(fd)\n"
        f"if {update_soe!r}:\n"
        "    body = json.dumps({'bearer_token': token}).encode()\n"
        "    request = urllib.request.Request(sys.argv[2] + '/_sandbox/settings', body, method='PUT',\n"
        "                                     headers={'Content-Type': 'application/json'})\n"
        "    urllib.request.urlopen(request, timeout=10).read()\n",
        encoding="utf-8",
    )
    return script


def rotation_config(running: World, *, update_soe: bool) -> None:
    script = delivery_script(running.folder, update_soe=update_soe)
    running.write_config(
        token={
            "delivery": "command",
            "delivery_command": [
                sys.executable,
                str(script),
                str(running.token_file),
                running.sandbox.soe_url,
            ],
        },
        app={
            "roles": ["Engineering", "SOE Moderators", "SOE Admins"],
            "configuration_keys": {
                "base_url": "scim_base_url",
                "bearer_token": "scim_bearer_token",
                "json_template": "scim_json_template",
            },
        },
    )


def test_rotate_success_both_sides_hold_the_new_token(tenant: World) -> None:
    rotation_config(tenant, update_soe=True)
    converge(tenant)
    result = tenant.cli("token", "rotate", "--timeout", "3", "--interval", "0.1")
    assert result.returncode == 0, result.stdout + result.stderr
    new = tenant.token_file.read_text()
    assert new != TOKEN
    assert f"rotation complete: both sides hold {fingerprint(new)}" in result.stdout
    assert new not in result.stdout + result.stderr
    verified = tenant.cli("verify", *E2E)
    assert verified.returncode == 0, verified.stdout


def test_rotate_failing_half_way_names_each_sides_fingerprint(tenant: World) -> None:
    rotation_config(tenant, update_soe=False)
    converge(tenant)
    result = tenant.cli("token", "rotate", "--timeout", "1", "--interval", "0.1")
    assert result.returncode == 1
    new = tenant.token_file.read_text()
    assert f"OneLogin still holds {fingerprint(TOKEN)}" in result.stderr
    assert f"delivery target holds {fingerprint(new)}" in result.stderr
    assert new not in result.stdout + result.stderr


def test_mappings_that_only_look_like_ours_are_never_deleted(tenant: World) -> None:
    base = {
        "enabled": True,
        "match": "all",
        "position": None,
        "actions": [{"action": "add_role", "value": ["200001"]}],
    }
    condition = [{"source": "has_role", "operator": "ri", "value": "200005"}]
    for name in (
        "onelogin-scim-setup-eu: userType for role Sales",
        "onelogin-scim-setup hand-made",
    ):
        api(tenant, "POST", "/api/2/mappings", {**base, "name": name, "conditions": condition})
    converge(tenant)
    names = {m["name"] for m in tenant.onelogin_state()["mappings"]}
    assert {
        "onelogin-scim-setup-eu: userType for role Sales",
        "onelogin-scim-setup hand-made",
    } <= names


def test_configuration_key_the_api_does_not_keep_fails_apply(tenant: World) -> None:
    tenant.write_config(
        app={"roles": ["Engineering"], "configuration_keys": {"base_url": "scim_url_typo"}},
        promotions={"roles": [], "users": []},
    )
    result = tenant.cli("apply", "--auto-approve")
    assert result.returncode == 1
    assert "did not keep the configuration key(s) scim_url_typo" in result.stderr
