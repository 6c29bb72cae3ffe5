"""verify's words, byte for byte, where it cannot see everything: OneLogin's copy of the SCIM token
stale (reported without a test user), and a tenant where the token is not readable (the summary says
push health was not checked). Regenerate with `UPDATE_GOLDEN=1` and review the diff."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.rotation import converge, rotation_config
from tests.sandbox_world import World, world

GOLDEN = Path(__file__).parent / "golden"
STALE = "stale-token-in-onelogin-0000000000000000"


def matches_golden(name: str, text: str, profile: str) -> None:
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
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
