"""End to end against single pessimistic switches the shared e2e suite does not reach: the tool stops
before a write it cannot make correctly, says what to do, and converges once that is done."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from onelogin_scim_setup.sandbox import Quirks
from tests.sandbox_world import CLIENT_ID, CLIENT_SECRET, World, world

E2E = ("--e2e", "--test-user", "alice@example.com", "--timeout", "3", "--interval", "0.1")


def api(running: World, method: str, path: str, body: Any = None) -> Any:
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


def owned_mappings(running: World) -> list[str]:
    return [
        m["name"]
        for m in running.onelogin_state()["mappings"]
        if m["name"].startswith("onelogin-scim-setup")
    ]


def apply_until_done(running: World, attempts: int = 10) -> subprocess.CompletedProcess[str]:
    """apply, again once a just-created field's mapping action is listed (before that the plan
    calls it a conflict; the operator reruns later, after OneLogin's background job)."""
    for _ in range(attempts):
        result = running.cli("apply", "--auto-approve")
        if result.returncode == 0 or "lists no mapping action" not in result.stderr:
            return result
        running.wait_for_field_actions()
    return result


@pytest.mark.one_profile("the switch under test (shortname_case=lowercased) is pessimistic's")
def test_lowercased_shortname_stops_apply_and_converges_once_the_config_follows(
    tmp_path: Path,
) -> None:
    with world(tmp_path, Quirks.pessimistic()) as running:
        stopped = running.cli("apply", "--auto-approve")
        assert stopped.returncode == 1
        assert "created the custom user field as 'usertype', not 'userType'" in stopped.stderr
        assert "fields.user_type.shortname: usertype" in stopped.stderr
        assert "SCIM SOE" not in [a["name"] for a in running.onelogin_state()["apps"]]
        running.write_config(fields={"user_type": {"shortname": "usertype"}})
        applied = apply_until_done(running)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        running.play_admin(template=running.cli("render").stdout)
        planned = running.cli("plan", "--detailed-exitcode")
        assert planned.returncode == 0, planned.stdout + planned.stderr
        verified = running.cli("verify", *E2E)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        bob = running.soe_user("bob@example.com")
    assert bob is not None
    assert bob["userType"] == "Moderator"


@pytest.mark.one_profile("a mapping action that never appears is pessimistic's opaque action")
def test_action_that_never_appears_stops_apply_before_any_mapping_with_the_manual_step(
    tmp_path: Path,
) -> None:
    with world(tmp_path, "pessimistic", custom_field_action_delay=3600.0) as running:
        running.write_config(onelogin={"action_wait": 0.5})
        stopped = running.cli("apply", "--auto-approve")
        assert stopped.returncode == 1
        assert "no mapping was written" in stopped.stderr
        assert "Users > Mappings > New Mapping" in stopped.stderr
        assert "action the action that sets 'userType' (OneLogin lists" in stopped.stderr
        assert ") = 'Moderator'" in stopped.stderr
        assert owned_mappings(running) == []
        planned = running.cli("plan", "--detailed-exitcode")
    assert planned.returncode == 2
    assert "x custom_field 'userType'" in planned.stdout
    assert "lists no mapping action" in planned.stdout


@pytest.mark.one_profile("only pessimistic's tenant accepts a second role of the same name")
def test_duplicate_role_names_are_a_conflict_naming_the_ids(tmp_path: Path) -> None:
    with world(tmp_path, "pessimistic") as running:
        copy = api(running, "POST", "/api/2/roles", {"name": "SOE Moderators"})
        planned = running.cli("plan", "--detailed-exitcode")
        applied = running.cli("apply", "--auto-approve")
    assert planned.returncode == 2
    assert "x role 'SOE Moderators'" in planned.stdout
    assert f"ids 200003, {copy['id']}" in planned.stdout
    assert applied.returncode == 1
    assert "refused before any write" in applied.stderr


def test_demo_completes_and_shows_bob_as_moderator(tmp_path: Path, quirks_profile: str) -> None:
    command = [sys.executable, "-m", "onelogin_scim_setup", "demo", "--quirks", quirks_profile]
    result = subprocess.run(
        [*command, "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bob@example.com: userType Moderator" in result.stdout


SEEDED = {
    "should_be_inactive": "carol@example.com",
    "orphan": "otto.orphan@example.com",
    "mapping_not_applied": "alice@example.com",
    "not_signed_in": "erin@example.com",
}


def test_demo_ends_with_an_audit_that_finds_the_seeded_drift(
    tmp_path: Path, quirks_profile: str
) -> None:
    command = [sys.executable, "-m", "onelogin_scim_setup", "--no-color", "demo"]
    command += ["--quirks", quirks_profile]
    result = subprocess.run(
        [*command, "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    audit = result.stdout[result.stdout.index("== 9. audit") :]
    rows = {
        cells[0]: int(cells[-1])
        for line in audit.splitlines()
        if len(cells := [c.strip() for c in re.split(r"[│┃]", line)]) == 3 and cells[-1].isdigit()
    }
    assert rows == {
        "should_be_inactive": 1,
        "orphan": 1,
        "promotion_not_implied": 0,
        "should_be_active": 0,
        "user_type_mismatch": 0,
        "mapping_not_applied": 1,
        "user_type_rules_disagree": 0,
        "attribute_mismatch": 0,
        "literal_placeholder": 0,
        "not_signed_in": 1,
    }
    for category, email in SEEDED.items():
        assert f"  {category} {email}: " in audit
    assert "These findings were seeded on purpose in step 8." in audit
