"""End to end: the real CLI, in its own process, against the sandbox over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from onelogin_scim_setup.sandbox import Quirks
from tests.helpers.requests_log import api_writes
from tests.sandbox_world import World, world

WRITES = {"POST", "PUT", "DELETE", "PATCH"}


@pytest.fixture
def tenant(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    with world(tmp_path, quirks_profile) as running:
        yield running


def template_of(running: World) -> str:
    result = running.cli("render")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_fresh_tenant_plan_shows_changes_with_exit_2(tenant: World) -> None:
    result = tenant.cli("plan", "--detailed-exitcode")
    assert result.returncode == 2, result.stderr
    assert "+ app 'SCIM SOE'" in result.stdout
    assert "! soe 'SCIM settings'" in result.stdout


def test_apply_then_plan_shows_no_changes_and_second_apply_writes_nothing(tenant: World) -> None:
    applied = tenant.cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    again = tenant.cli("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes. OneLogin matches the configuration." in again.stdout
    tenant.clear_requests_log()
    second = tenant.cli("apply", "--auto-approve")
    assert second.returncode == 0, second.stderr
    assert api_writes(tenant.requests_log()) == []


def test_apply_without_a_terminal_or_auto_approve_refuses_before_writing(tenant: World) -> None:
    result = tenant.cli("apply")
    assert result.returncode == 64  # a usage error: the fix is --auto-approve (or a terminal)
    assert "not a terminal" in result.stderr
    assert api_writes(tenant.requests_log()) == []


def test_apply_creates_exactly_one_of_each(tenant: World) -> None:
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    state = tenant.onelogin_state()
    assert [a["name"] for a in state["apps"]].count("SCIM SOE") == 1
    assert [f["shortname"] for f in state["custom_attributes"]].count("userType") == 1
    owned = [m["name"] for m in state["mappings"] if m["name"].startswith("onelogin-scim-setup")]
    assert sorted(owned) == [
        "onelogin-scim-setup/SCIM SOE: userType for role SOE Admins",
        "onelogin-scim-setup/SCIM SOE: userType for role SOE Moderators",
    ]
    app = next(a for a in state["apps"] if a["name"] == "SCIM SOE")
    assert app["parameters"]["userType"]["user_attribute_mappings"] == "custom_attribute_userType"
    # A tenant that does not keep provisioning.enabled leaves it to the admin (a manual step).
    assert (
        app["provisioning"]["enabled"] is tenant.sandbox.options.quirks.provisioning_enabled_sticks
    )


def test_objects_the_config_does_not_name_are_untouched(tenant: World) -> None:
    before = tenant.onelogin_state()
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    after = tenant.onelogin_state()

    def others(
        state: dict[str, list[dict[str, object]]], kind: str, skip: str
    ) -> list[dict[str, object]]:
        return [item for item in state[kind] if not str(item["name"]).startswith(skip)]

    assert others(after, "mappings", "onelogin-scim-setup") == others(
        before, "mappings", "onelogin-scim-setup"
    )
    assert others(after, "apps", "SCIM SOE") == others(before, "apps", "SCIM SOE")
    slack_roles = {r["name"]: r.get("apps") for r in before["roles"]}
    for role in after["roles"]:
        assert set(slack_roles[role["name"]] or []) <= set(role.get("apps") or [])


def test_manual_steps_played_provision_and_promote(tenant: World) -> None:
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    tenant.play_admin(template=template_of(tenant))
    alice, bob, carol = (tenant.soe_user(f"{n}@example.com") for n in ("alice", "bob", "carol"))
    assert alice is not None
    assert alice["active"] is True
    assert alice["userType"] == "Registered"  # the control dump shows what SOE stores
    assert bob is not None
    assert bob["userType"] == "Moderator"
    assert carol is not None
    assert carol["userType"] == "Admin"
    assert tenant.soe_user("erin@example.com") is None  # Sales does not get the app


def test_suspending_a_user_makes_them_inactive_in_soe(tenant: World) -> None:
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    tenant.play_admin(template=template_of(tenant))
    tenant.set_user_status("alice@example.com", 2)
    alice = tenant.soe_user("alice@example.com")
    assert alice is not None
    assert alice["active"] is False


def test_moderator_switch_off_promotion_has_no_effect_and_verify_says_so(tenant: World) -> None:
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    tenant.play_admin(template=template_of(tenant), moderator=False)
    bob = tenant.soe_user("bob@example.com")
    assert bob is not None
    assert bob["userType"] == "Registered"
    result = tenant.cli(
        "verify",
        "--e2e",
        "--test-user",
        "alice@example.com",
        "--timeout",
        "2",
        "--interval",
        "0.2",
        "--output",
        "json",
    )
    assert result.returncode == 1
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    promoted = checks["e2e: SOE shows alice@example.com as Moderator"]
    assert promoted["status"] == "fail"
    assert "Allow Moderator Promotion" in promoted["hint"]


def test_json_plan_is_parseable_and_counts(tenant: World) -> None:
    result = tenant.cli("plan", "--output", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["format_version"] == 2
    assert data["summary"]["create"] >= 4
    assert data["has_changes"] is True


def test_conflict_refuses_apply_before_any_write(tenant: World) -> None:
    tenant.write_config(app={"roles": ["Engineering", "Ghost"]})
    planned = tenant.cli("plan", "--detailed-exitcode")
    assert planned.returncode == 2
    assert "x role 'Ghost'" in planned.stdout
    result = tenant.cli("apply", "--auto-approve")
    assert result.returncode == 1
    assert "refused before any write: role 'Ghost'" in result.stderr
    assert api_writes(tenant.requests_log()) == []


def test_plan_reads_single_users_only_where_the_list_lacks_custom_attributes(
    tenant: World, quirks_profile: str
) -> None:
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    tenant.clear_requests_log()
    assert tenant.cli("plan").returncode == 0
    single = [
        e["path"]
        for e in tenant.requests_log()
        if e["method"] == "GET" and re.fullmatch(r"/api/2/users/\d+", str(e["path"]))
    ]
    # The config names one user (dave@example.com) and manages no custom attribute of his, so the
    # list's values suffice: a single read is needed only for a custom value, or where the list
    # leaves out a key the config compares (the documented list keys: no department or title).
    documented = Quirks.profile(quirks_profile).users_list_keys == "documented"
    assert single == ([f"/api/2/users/{tenant.user_id('dave@example.com')}"] if documented else [])
