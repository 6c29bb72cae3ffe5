"""Demotion end to end (docs/demotion.md): the real CLI against the sandbox, under every profile and
both readings of each uncertain mapping fact (`mapping_evaluation`, `mappings_overwrite_user_values`).

Each path starts from a tenant set up and promoted (apply, the manual steps, "Reapply mappings"),
takes one promotion away, runs apply and "Reapply mappings", and checks that OneLogin and SOE hold
Registered for that user, that nobody else moved, and that the plan is converged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from onelogin_scim_setup.sandbox import Quirks
from tests.helpers.requests_log import api_writes
from tests.sandbox_world import E2E_PROFILE_OVERRIDES, World, world

EMAILS = [f"{name}@example.com" for name in ("alice", "bob", "carol", "dave", "erin")]


@pytest.fixture(params=["profile", "other_reading"])
def tenant(tmp_path: Path, quirks_profile: str, request: pytest.FixtureRequest) -> Iterator[World]:
    """The profile as it is, then with both mapping switches on their other reading."""
    base = Quirks.profile(quirks_profile).with_overrides(
        E2E_PROFILE_OVERRIDES.get(quirks_profile, {})
    )
    if request.param == "other_reading":
        base = base.with_overrides(
            {
                "mapping_evaluation": "first_match"
                if base.mapping_evaluation == "last_wins"
                else "last_wins",
                "mappings_overwrite_user_values": not base.mappings_overwrite_user_values,
            }
        )
    with world(tmp_path, base) as running:
        yield running


def reapply(tenant: World) -> None:
    """The admin presses Users > Mappings > Reapply All Mappings."""
    answer = requests.post(f"{tenant.sandbox.onelogin_url}/_sandbox/mappings/reapply", timeout=10)
    answer.raise_for_status()


def set_up(tenant: World, **changes: Any) -> None:
    if changes:
        tenant.write_config(**changes)
    applied = tenant.cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    rendered = tenant.cli("render")
    tenant.play_admin(template=rendered.stdout)  # the manual steps, then Reapply mappings


def types(tenant: World) -> dict[str, tuple[str | None, str | None]]:
    """email -> (userType in OneLogin, userType in SOE)."""
    state = {u["email"]: u for u in tenant.onelogin_state()["users"]}
    result = {}
    for email in EMAILS:
        record = tenant.soe_user(email)
        held = (state[email].get("custom_attributes") or {}).get("userType")
        result[email] = (held, record["userType"] if record else None)
    return result


def demote(tenant: World, leaver: str) -> dict[str, tuple[str | None, str | None]]:
    """apply, check the plan named the leaver, Reapply mappings; the types after."""
    shown = tenant.cli("plan", "--output", "json")
    data = json.loads(shown.stdout)
    users = [c for c in data["changes"] if c["kind"] == "user"]
    assert [c["key"] for c in users] == [leaver], shown.stdout
    assert users[0]["fields"][-1] == {
        "name": "custom_attributes.userType",
        "before": users[0]["fields"][-1]["before"],
        "after": "Registered",
        "sensitive": False,
    }
    assert users[0]["fields"][-1]["before"] in ("Moderator", "Admin")
    tenant.clear_requests_log()
    applied = tenant.cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    # One PUT for the user, and a GET of it first only where the list hides custom attributes
    # (plus plan's own read of it by id where the list leaves out keys the config compares).
    log = tenant.requests_log()
    user_path = f"/api/2/users/{tenant.user_id(leaver)}"
    mapping_deletes = [w for w in api_writes(log) if w.startswith("DELETE /api/2/mappings/")]
    assert [w for w in api_writes(log) if w not in mapping_deletes] == [f"PUT {user_path}"]
    reads = sum(e["method"] == "GET" and e["path"] == user_path for e in log)
    quirks = tenant.sandbox.options.quirks
    configured = any(
        entry.get("email") == leaver
        for entry in tenant.config.get("promotions", {}).get("users", [])
    )
    planned_read = quirks.users_list_keys == "documented" and configured
    assert reads == planned_read + (not quirks.custom_attributes_in_user_list)
    reapply(tenant)
    converged = tenant.cli("plan", "--detailed-exitcode")
    assert converged.returncode == 0, converged.stdout + converged.stderr
    return types(tenant)


def leave_role(tenant: World) -> None:
    role = tenant.role_id("SOE Moderators")
    tenant.api("DELETE", f"/api/2/roles/{role}/users", [tenant.user_id("bob@example.com")])


def check_only_moved(
    before: dict[str, tuple[str | None, str | None]],
    after: dict[str, tuple[str | None, str | None]],
    leaver: str,
) -> None:
    assert after[leaver] == ("Registered", "Registered")
    assert {k: v for k, v in after.items() if k != leaver} == {
        k: v for k, v in before.items() if k != leaver
    }


def test_a_user_who_leaves_the_role_is_demoted(tenant: World) -> None:
    set_up(tenant)
    before = types(tenant)
    assert before["bob@example.com"] == ("Moderator", "Moderator")
    leave_role(tenant)
    # Without the tool, OneLogin keeps the value: nothing matches bob any more.
    reapply(tenant)
    assert types(tenant)["bob@example.com"] == ("Moderator", "Moderator")
    check_only_moved(before, demote(tenant, "bob@example.com"), "bob@example.com")


def test_a_removed_per_user_type_is_demoted_and_a_kept_one_survives_reapply(
    tenant: World,
) -> None:
    dave = {"email": "dave@example.com", "user_type": "Admin", "department": "Platform"}
    set_up(tenant, promotions={"users": [dave]})
    before = types(tenant)
    assert before["dave@example.com"] == ("Admin", "Admin")  # a per-user promotion survives
    reapply(tenant)
    assert types(tenant) == before
    tenant.write_config(promotions={"users": [{**dave, "user_type": None}]})
    check_only_moved(before, demote(tenant, "dave@example.com"), "dave@example.com")


def test_a_removed_promotion_rule_demotes_its_members(tenant: World) -> None:
    set_up(tenant)
    before = types(tenant)
    assert before["carol@example.com"] == ("Admin", "Admin")
    rules = [{"role": "SOE Moderators", "user_type": "Moderator"}]
    tenant.write_config(promotions={"roles": rules})
    check_only_moved(before, demote(tenant, "carol@example.com"), "carol@example.com")
    # The mapping the tool made is gone; nothing else the tool did not make was touched.
    names = [m["name"] for m in tenant.onelogin_state()["mappings"]]
    assert not any("role SOE Admins" in name for name in names)


def test_a_converged_tenant_writes_nothing_and_reads_two_holder_listings(tenant: World) -> None:
    set_up(tenant)
    tenant.clear_requests_log()
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    log = tenant.requests_log()
    assert api_writes(log) == []
    holders = [e for e in log if "custom_attributes.userType" in str(e.get("query", e["path"]))]
    assert len(holders) == 2, [e["path"] for e in log]


@pytest.fixture
def plain(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    """The profile as it is (what follows does not depend on the mapping readings)."""
    with world(tmp_path, quirks_profile) as running:
        yield running


def test_audit_names_the_leaver_before_anything_is_fixed_and_fix_demotes(plain: World) -> None:
    set_up(plain)
    clean = plain.cli("audit", "--output", "json")
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout)["findings"] == []
    leave_role(plain)
    before = types(plain)
    found = plain.cli("audit", "--output", "json")
    assert found.returncode == 0, found.stderr
    findings = json.loads(found.stdout)["findings"]
    assert [(f["category"], f["user"], f["expected"], f["actual"]) for f in findings] == [
        ("promotion_not_implied", "bob@example.com", "Registered", "Moderator")
    ]
    assert "no promoting role" in findings[0]["cause"]
    assert types(plain) == before  # the audit changed nothing
    fixed = plain.cli("audit", "--fix", "--auto-approve")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "demote in OneLogin" in fixed.stdout
    check_only_moved(before, types(plain), "bob@example.com")
    again = plain.cli("audit", "--output", "json")
    assert json.loads(again.stdout)["findings"] == []
    converged = plain.cli("plan", "--detailed-exitcode")
    assert converged.returncode == 0, converged.stdout + converged.stderr


def test_max_user_type_changes_refuses_without_force(plain: World) -> None:
    set_up(plain)
    leave_role(plain)
    plain.write_config(safety={"max_user_type_changes": 0})
    plain.clear_requests_log()
    refused = plain.cli("apply", "--auto-approve")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "would promote or demote 1 user(s)" in refused.stderr
    assert "safety.max_user_type_changes (0)" in refused.stderr
    assert api_writes(plain.requests_log()) == []
    forced = plain.cli("apply", "--auto-approve", "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert types(plain)["bob@example.com"] == ("Registered", "Registered")


def test_the_plan_says_how_many_members_each_role_and_mapping_change_reaches(
    plain: World,
) -> None:
    data = json.loads(plain.cli("plan", "--output", "json").stdout)
    reach = {(c["kind"], c["key"]): c.get("reach") for c in data["changes"] if c["kind"] in ("role", "mapping")}  # fmt: skip
    if plain.sandbox.options.quirks.roles_fields_apps:
        # The seeded tenant: Engineering has alice, bob, carol and dave; each promoting role one.
        assert reach == {
            ("role", "Engineering"): 4,
            ("role", "SOE Moderators"): 1,
            ("role", "SOE Admins"): 1,
            ("mapping", "onelogin-scim-setup/SCIM SOE: userType for role SOE Moderators"): 1,
            ("mapping", "onelogin-scim-setup/SCIM SOE: userType for role SOE Admins"): 1,
        }
        text = plain.cli("plan").stdout
        assert "reaches 4 member(s) of the role" in text
    else:
        # The role listing ignored fields=users: unknown, and no call per role spent to learn it.
        assert set(reach.values()) == {None}


def add_holder(tenant: World, email: str, user_type: str, role: str | None) -> None:
    """A user holding `user_type` in OneLogin (written with mappings off), in `role` if given."""
    name = email.split("@")[0]
    body = {"email": email, "username": name, "custom_attributes": {"userType": user_type}}
    created = tenant.api("POST", "/api/2/users?mappings=disabled", body)
    if role is not None:
        tenant.api("POST", f"/api/2/roles/{tenant.role_id(role)}/users", [created["id"]])


def test_at_scale_promotions_and_demotions_are_grouped_per_role_and_cause(plain: World) -> None:
    """22 userType changes (past the plan's summary threshold): the text shows one line per role
    or cause with its count, the moves and the first names; `-o json` names every user."""
    set_up(plain)
    strays = [f"stray{n:02}@example.com" for n in range(12)]
    climbers = [f"climber{n:02}@example.com" for n in range(10)]
    for email in strays:
        add_holder(plain, email, "Moderator", None)
    for email in climbers:
        add_holder(plain, email, "Moderator", "SOE Admins")
    shown = plain.cli("plan", "--no-color")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    lines = shown.stdout.splitlines()
    demoted = [line for line in lines if "userType to change, in no promoting role" in line]
    promoted = [line for line in lines if "userType to change, role 'SOE Admins' implies" in line]
    assert len(demoted) == 1, shown.stdout
    assert len(promoted) == 1, shown.stdout
    assert demoted[0].split()[1] == "12"
    assert "(Moderator -> Registered: 12)" in demoted[0]
    assert promoted[0].split()[1] == "10"
    assert "(Moderator -> Admin: 10)" in promoted[0]
    named = [line.strip().split()[1].strip("'") for line in lines if line.startswith("      user ")]
    # Each group names its first ten: every climber, ten of the twelve strays.
    assert len(named) == 20, shown.stdout
    assert set(climbers) <= set(named) <= {*climbers, *strays}
    assert "... and 2 more" in shown.stdout
    document = json.loads(plain.cli("plan", "--output", "json").stdout)
    causes = {c["key"]: c.get("cause") for c in document["changes"] if c["kind"] == "user"}
    assert set(causes) == {*strays, *climbers}
    assert {causes[e] for e in strays} == {
        "in no promoting role, no promotions.users user_type: Registered"
    }
    assert {causes[e] for e in climbers} == {"role 'SOE Admins' implies Admin"}
