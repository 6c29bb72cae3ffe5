"""verify's words, byte for byte, where it cannot see everything: OneLogin's copy of the SCIM token
stale (reported without a test user), and a tenant where the token is not readable (the summary says
push health was not checked). Regenerate with `UPDATE_GOLDEN=1` and review the diff."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.helpers.rotation import converge, rotation_config
from tests.sandbox_world import World, world

GOLDEN = Path(__file__).parent / "golden"
STALE = "stale-token-in-onelogin-0000000000000000"


def matches_golden(name: str, text: str, profile: str) -> None:
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "TIME", text)
    path = GOLDEN / name if profile == "optimistic" else GOLDEN / profile / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; see the module docstring"


@pytest.fixture
def readable(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    # The token reads back in clear here (the documented profile's masked read-back is below).
    options = {"expose_scim_configuration": True, "bearer_read_back": "clear"}
    with world(tmp_path, quirks_profile, **options) as running:
        rotation_config(running, update_soe=True)
        converge(running)
        yield running


def test_a_stale_onelogin_token_is_reported_without_a_test_user(
    readable: World, quirks_profile: str
) -> None:
    readable.api(
        "PUT",
        f"/api/2/apps/{readable.app_id()}",
        {"configuration": {"scim_bearer_token": STALE}},
    )
    result = readable.cli("verify", "--no-color")
    assert result.returncode == 1
    assert "All checks passed" not in result.stdout
    matches_golden("verify-stale-token.txt", result.stdout, quirks_profile)


def test_a_green_verify_says_push_health_was_not_checked(
    tmp_path: Path, quirks_profile: str
) -> None:
    with world(tmp_path, quirks_profile) as running:
        converge(running)
        result = running.cli("verify", "--no-color")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Push health (OneLogin -> SOE) was not checked" in result.stdout
    matches_golden("verify-push-not-checked.txt", result.stdout, quirks_profile)


@pytest.mark.one_profile("the masked read-back is set by its switch")
def test_a_masked_onelogin_token_is_not_taken_for_a_checked_one(tmp_path: Path) -> None:
    """Where OneLogin shows the token masked, plain verify cannot compare it: the check is skipped,
    never passed, and the summary says push health was not checked."""
    options = {"expose_scim_configuration": True, "bearer_read_back": "stars"}
    with world(tmp_path, "optimistic", **options) as running:
        rotation_config(running, update_soe=True)
        converge(running)
        running.api(
            "PUT",
            f"/api/2/apps/{running.app_id()}",
            {"configuration": {"scim_bearer_token": STALE}},
        )
        result = running.cli("verify", "--no-color")
    token_lines = [line for line in result.stdout.splitlines() if "holds the SCIM token" in line]
    assert token_lines, result.stdout
    assert [line.split()[0] for line in token_lines] == ["skip"]
    assert "Push health (OneLogin -> SOE) was not checked" in result.stdout


def let_time_pass(running: World, seconds: int) -> None:
    """Both sides' stored times move back, as if `seconds` had passed since every change."""
    for url in (running.sandbox.onelogin_url, running.sandbox.soe_url):
        response = requests.post(f"{url}/_sandbox/clock/age", json={"seconds": seconds}, timeout=10)
        assert response.status_code == 200, response.text


def test_a_stale_token_onelogin_shows_masked_is_reported_without_a_test_user(
    tmp_path: Path, quirks_profile: str
) -> None:
    """OneLogin shows the token only as asterisks, so it cannot be compared; a change OneLogin made
    an hour ago that SOE never received (every push a 401) is the evidence plain verify reports."""
    options = {"expose_scim_configuration": True, "bearer_read_back": "stars"}
    with world(tmp_path, quirks_profile, **options) as running:
        rotation_config(running, update_soe=True)
        converge(running)
        let_time_pass(running, 600)  # the setup's pushes are older than the change below
        running.api(
            "PUT",
            f"/api/2/apps/{running.app_id()}",
            {"configuration": {"scim_bearer_token": STALE}},
        )
        alice = running.user_id("alice@example.com")
        running.api("PUT", f"/api/2/users/{alice}?mappings=disabled", {"title": "Principal"})
        refused = [
            entry
            for entry in running.onelogin_state()["provisioning_log"]
            if entry["user"] == "alice@example.com" and entry["status"] == 401
        ]
        assert refused, "the sandbox's push with the stale token was not refused"
        let_time_pass(running, 3600)
        result = running.cli("verify", "--no-color")
        as_json = running.cli("verify", "-o", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if "recent changes reached SOE" in line]
    assert [line.split()[0] for line in lines] == ["FAIL"], result.stdout
    assert "alice@example.com: title 'Principal' in OneLogin, 'Engineer' in SOE" in lines[0]
    assert "stale" in result.stdout.split("check(s) failed.")[1]
    token = [line for line in result.stdout.splitlines() if "holds the SCIM token" in line]
    assert [line.split()[0] for line in token] == ["skip"]
    document = json.loads(as_json.stdout)
    assert document["push_health_checked"] is True
    assert document["passed"] is False
    matches_golden("verify-stale-token-masked.txt", result.stdout, quirks_profile)


@pytest.mark.one_profile("the evidence's pass path; the fail path runs under every profile")
def test_changes_that_reached_soe_are_evidence_of_push_health(tmp_path: Path) -> None:
    with world(tmp_path, "optimistic") as running:
        converge(running)
        alice = running.user_id("alice@example.com")
        running.api("PUT", f"/api/2/users/{alice}?mappings=disabled", {"title": "Principal"})
        fresh = running.cli("verify", "--no-color")
        let_time_pass(running, 3600)
        aged = running.cli("verify", "--no-color")
    # Within the grace period a change may still be on its way: nothing is concluded from it.
    assert "Push health (OneLogin -> SOE) was not checked" in fresh.stdout, fresh.stdout
    assert fresh.returncode == 0
    assert aged.returncode == 0, aged.stdout + aged.stderr
    lines = [line for line in aged.stdout.splitlines() if "recent changes reached SOE" in line]
    assert [line.split()[0] for line in lines] == ["ok"], aged.stdout
    assert "recent changes in OneLogin were seen in SOE" in aged.stdout
