"""End to end, the plan for people: `-o markdown`, `--target` on plan and apply (and in a saved
plan), `show FILE`, with `--detailed-exitcode` as before. The real CLI against the sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.requests_log import api_writes
from tests.sandbox_world import World, world

MODERATORS = "onelogin-scim-setup/SCIM SOE: userType for role SOE Moderators"


@pytest.fixture
def tenant(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    with world(tmp_path, quirks_profile) as running:
        yield running


def test_markdown_plan_for_a_pull_request_keeps_the_exit_code(tenant: World) -> None:
    result = tenant.cli("plan", "-o", "markdown", "--detailed-exitcode")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.startswith("### onelogin-scim-setup plan\n")
    assert "<details><summary>roles: 3 to change</summary>" in result.stdout
    assert "Manual steps:" in result.stdout
    tenant.cli("apply", "--auto-approve")
    converged = tenant.cli("plan", "-o", "markdown", "--detailed-exitcode")
    # Converged: exit 0 although manual steps remain (they are not pending changes).
    assert converged.returncode == 0, converged.stdout + converged.stderr
    assert "No changes. OneLogin matches the configuration." in converged.stdout


def test_targeted_plan_warns_and_holds_the_target_and_its_dependencies(tenant: World) -> None:
    result = tenant.cli("plan", "--target", f"mapping:{MODERATORS}", "--detailed-exitcode")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.startswith(f"Warning: --target mapping:{MODERATORS} is in effect")
    assert "role 'SOE Moderators'" in result.stdout
    assert "role 'Engineering'" not in result.stdout
    data = json.loads(tenant.cli("plan", "--target", "role:Engineering", "-o", "json").stdout)
    assert data["target"] == "role:Engineering"
    assert [(c["kind"], c["key"]) for c in data["changes"]] == [
        ("app", "SCIM SOE"),
        ("role", "Engineering"),
    ]


def test_a_target_naming_nothing_is_a_usage_error(tenant: World) -> None:
    result = tenant.cli("plan", "--target", "role:Enginering")
    assert result.returncode == 64, result.stdout + result.stderr
    assert "the config manages no role by that name" in result.stderr
    assert "'Engineering'" in result.stderr


def test_apply_target_writes_only_the_target_and_what_it_needs(tenant: World) -> None:
    tenant.clear_requests_log()
    applied = tenant.cli("apply", "--auto-approve", "--target", "user")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Warning: --target user is in effect" in applied.stderr
    writes = api_writes(tenant.requests_log())
    # dave's department and title need no custom field: one user write, nothing else.
    assert [w.split(" ")[0] for w in writes] == ["PUT"]
    assert "/api/2/users/" in writes[0]
    rest = tenant.cli("plan", "--detailed-exitcode")
    assert rest.returncode == 2  # the rest is still pending
    assert "user 'dave@example.com'" not in rest.stdout


def test_a_saved_targeted_plan_applies_with_its_target_and_shows(tenant: World) -> None:
    saved = tenant.cli("plan", "--target", "role:SOE Admins", "--out", "t.json")
    assert saved.returncode == 0, saved.stdout + saved.stderr
    plan_file = tenant.folder / "t.json"
    assert json.loads(plan_file.read_text())["target"] == "role:SOE Admins"

    shown = tenant.cli("show", str(plan_file))
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert shown.stdout.startswith("Warning: --target role:SOE Admins is in effect")
    assert "a saved plan by onelogin-scim-setup" in shown.stderr
    markdown = tenant.cli("show", str(plan_file), "-o", "markdown")
    assert "> --target `role:SOE Admins` is in effect" in markdown.stdout

    other = tenant.cli("apply", str(plan_file), "--target", "user")
    assert other.returncode == 64
    assert "differs from the saved plan's target (role:SOE Admins)" in other.stderr
    applied = tenant.cli("apply", str(plan_file))  # the saved target, recomputed the same
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete: 2 change(s) made." in applied.stdout


def test_show_refuses_an_edited_plan_and_reads_nothing_else(tenant: World) -> None:
    assert tenant.cli("plan", "--out", "p.json").returncode == 0
    plan_file = tenant.folder / "p.json"
    tenant.clear_requests_log()
    tenant.config_path.unlink()  # show needs no config
    shown = tenant.cli("show", str(plan_file), "-o", "json")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert json.loads(shown.stdout)["checksum"] == json.loads(plan_file.read_text())["checksum"]
    assert tenant.requests_log() == []

    data = json.loads(plan_file.read_text())
    data["changes"][0]["key"] = "someone else's"
    plan_file.write_text(json.dumps(data))
    refused = tenant.cli("show", str(plan_file))
    assert refused.returncode == 64
    assert "its changes do not match its checksum" in refused.stderr
    plan_file.write_text("{not json")
    assert "is not JSON" in tenant.cli("show", str(plan_file)).stderr


def test_a_hand_made_mapping_like_a_planned_one_is_named_with_the_way_to_adopt_it(
    tenant: World,
) -> None:
    """Issue 21: without `import`, plan proposed a mapping beside an equivalent hand-made one with
    no hint. The tool's Moderators mapping is replaced by a hand-made copy under another name."""
    applied = tenant.cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    listed = tenant.api("GET", "/api/2/mappings")
    ours = next(m for m in listed if m["name"].endswith("userType for role SOE Moderators"))
    copy = {key: ours[key] for key in ("match", "enabled", "conditions", "actions") if key in ours}
    tenant.api("POST", "/api/2/mappings", {**copy, "position": None, "name": "Moderators, by hand"})
    tenant.api("DELETE", f"/api/2/mappings/{ours['id']}")
    planned = tenant.cli("plan", "--no-color")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    text = " ".join(planned.stdout.split())
    assert "+ mapping 'onelogin-scim-setup/SCIM SOE: userType for role SOE Moderators'" in text
    assert "the hand-made mapping 'Moderators, by hand' already does this" in text
    assert "set `mapping: 'Moderators, by hand'` on this rule in promotions.roles" in text
    # The Admins mapping has no look-alike: no hint beside it.
    assert text.count("already does this") == 1
