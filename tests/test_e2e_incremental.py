"""Incremental reads end to end (issue 22, docs/incremental.md): the real CLI against the sandbox,
under every profile. After each kind of change the tool manages, made in OneLogin by someone else,
a warm `plan` (from the snapshot) shows exactly what a cold one (`--refresh`) shows; a snapshot of
another tenant or config, or a tampered one, is never used; the call counts are pinned."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from onelogin_scim_setup.ops import read_state
from onelogin_scim_setup.sandbox import Quirks
from tests.sandbox_world import CLIENT_ID, CLIENT_SECRET, E2E_PROFILE_OVERRIDES, World, world

# Five users named (more than the three looked up one by one, so the users are listed).
USERS = [
    {"email": "alice@example.com", "department": "Platform", "title": "Engineer"},
    {"email": "bob@example.com", "department": "Platform", "title": "Staff Engineer"},
    # carol's userType is compared per user (Admin, as her promoting role implies).
    {
        "email": "carol@example.com",
        "department": "Engineering",
        "title": "CTO",
        "user_type": "Admin",
    },
    {"email": "dave@example.com", "department": "Platform", "title": "SRE"},
    {"email": "erin@example.com", "department": "Sales", "title": "Account Executive"},
    {"email": "newbie@example.com", "department": "Platform", "title": "Engineer"},
]


@pytest.fixture
def tenant(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    with world(tmp_path, quirks_profile) as running:
        running.write_config(promotions={"users": USERS})
        yield running


def plan(tenant: World, *args: str) -> tuple[str, str]:
    """(stdout, the read's note) of a plan."""
    done = tenant.cli("plan", *args)
    assert done.returncode in (0, 2), done.stdout + done.stderr
    note = next((line for line in done.stderr.splitlines() if "Read OneLogin" in line), "")
    assert note, done.stderr
    return done.stdout, note


def age(tenant: World) -> None:
    """As if the last plan had run 10 minutes (the margin, `SKEW`) after everything before it: its
    snapshot's start moves forward by the margin, signed again with the test's credential. The
    next warm plan then reads only what changed after that plan, not every user the test wrote
    in its first seconds (a test cannot wait 10 minutes)."""
    paths = list(tenant.lock_dir.glob("*.read.json"))
    if not paths:  # none kept (pessimistic: the role listing shows no members)
        return
    (path,) = paths
    document = json.loads(path.read_text())
    body = document["body"]
    moved = datetime.fromisoformat(body["anchor"].replace("Z", "+00:00")) + read_state.SKEW
    body["anchor"] = read_state.iso(moved)
    document["mac"] = read_state.sign(read_state.derive_key(CLIENT_ID, CLIENT_SECRET), body)
    path.write_text(json.dumps(document))


def create_newbie(tenant: World, department: str = "Platform") -> None:
    body = {"email": "newbie@example.com", "username": "newbie", "department": department}
    tenant.api("POST", "/api/2/users", {**body, "title": "Engineer"})


def recreate_newbie(tenant: World) -> None:
    """newbie is deleted (a full plan sees it and saves), then created again, differently."""
    tenant.api("DELETE", f"/api/2/users/{tenant.user_id('newbie@example.com')}")
    plan(tenant)
    create_newbie(tenant, "Sales")


def converge(tenant: World) -> None:
    """apply, the admin's manual steps, then plans until the snapshot is warm."""
    create_newbie(tenant)
    applied = tenant.cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Read OneLogin in full (apply reads in full before it writes)" in applied.stderr
    tenant.play_admin(template=tenant.cli("render").stdout)
    plan(tenant)  # apply's mappings changed after its read: this one is full, and saves


def promoted_role(tenant: World) -> int:
    return tenant.role_id("SOE Moderators")


def reapply(tenant: World) -> None:
    requests.post(f"{tenant.sandbox.onelogin_url}/_sandbox/mappings/reapply", timeout=10)


def field_id(tenant: World, shortname: str) -> int:
    fields = tenant.api("GET", "/api/2/users/custom_attributes")
    return next(int(f["id"]) for f in fields if f["shortname"] == shortname)


def mapping_id(tenant: World) -> int:
    mappings = tenant.api("GET", "/api/2/mappings")
    return next(int(m["id"]) for m in mappings if "Moderator" in str(m))


CHANGES: dict[str, Callable[[World], Any]] = {
    "department": lambda t: t.api(
        "PUT", f"/api/2/users/{t.user_id('alice@example.com')}", {"department": "Moved"}
    ),
    "user_type": lambda t: t.api(
        "PUT",
        f"/api/2/users/{t.user_id('erin@example.com')}",
        {"custom_attributes": {"userType": "Moderator"}},
    ),
    "added_to_promoting_role": lambda t: (
        t.api("POST", f"/api/2/roles/{promoted_role(t)}/users", [t.user_id("erin@example.com")]),
        reapply(t),
    ),
    "removed_from_promoting_role": lambda t: (
        t.api("DELETE", f"/api/2/roles/{promoted_role(t)}/users", [t.user_id("bob@example.com")]),
        reapply(t),
    ),
    "role_given_the_app": lambda t: t.api(
        "PUT", f"/api/2/roles/{t.role_id('Sales')}/apps", [t.app_id()]
    ),
    "role_taken_the_app": lambda t: t.api(
        "PUT", f"/api/2/roles/{t.role_id('Engineering')}/apps", []
    ),
    "mapping_edited": lambda t: t.api(
        "PUT", f"/api/2/mappings/{mapping_id(t)}", {"name": "Edited by hand"}
    ),
    "mapping_deleted": lambda t: t.api("DELETE", f"/api/2/mappings/{mapping_id(t)}"),
    "field_deleted": lambda t: t.api(
        "DELETE", f"/api/2/users/custom_attributes/{field_id(t, 'userType')}"
    ),
    "email_changed": lambda t: t.api(
        "PUT", f"/api/2/users/{t.user_id('alice@example.com')}", {"email": "alice2@example.com"}
    ),
    # newbie is in no role: only the count of users created before the snapshot shows it gone.
    "user_without_roles_deleted": lambda t: t.api(
        "DELETE", f"/api/2/users/{t.user_id('newbie@example.com')}"
    ),
    "user_deleted": lambda t: t.api("DELETE", f"/api/2/users/{t.user_id('dave@example.com')}"),
    "user_created": recreate_newbie,
}


# A user added to a promoting role gets the type the config implies from the tool's own mapping:
# OneLogin still matches the config, and the warm plan must say so as the cold one does.
CONVERGED_AFTER = {"added_to_promoting_role"}


@pytest.mark.e2e
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_warm_plan_sees_each_change_made_in_onelogin(
    tenant: World, quirks_profile: str, change: str
) -> None:
    converge(tenant)
    before, note = plan(tenant)
    if quirks_profile != "pessimistic":  # (no snapshot is kept there: every read is full)
        assert "snapshot saved" in note
        age(tenant)
    CHANGES[change](tenant)
    warm, _ = plan(tenant)
    cold, cold_note = plan(tenant, "--refresh")
    assert warm == cold
    if change not in CONVERGED_AFTER:
        assert warm != before, f"the plan does not show the change {change}"
    assert "full (--refresh)" in cold_note


@pytest.mark.e2e
@pytest.mark.parametrize("reading", ["bumps", "does_not_bump"])
def test_role_and_mapping_changes_are_seen_whether_or_not_they_bump_updated_at(
    tmp_path: Path, quirks_profile: str, reading: str
) -> None:
    bumps = reading == "bumps"
    quirks = Quirks.profile(quirks_profile).with_overrides(
        {
            **E2E_PROFILE_OVERRIDES.get(quirks_profile, {}),
            "role_change_bumps_updated_at": bumps,
            "mapping_write_bumps_updated_at": bumps,
        }
    )
    # alice's own entry says Registered: a mapping that gives her Moderator is drift to show.
    users = [{**USERS[0], "user_type": "Registered"}, *USERS[1:]]
    with world(tmp_path, quirks) as running:
        running.write_config(promotions={"users": users})
        converge(running)
        plan(running)
        age(running)
        running.api(
            "POST",
            f"/api/2/roles/{promoted_role(running)}/users",
            [running.user_id("alice@example.com")],
        )
        # The membership changes first (a warm plan sees it, by the role listing), then a mapping
        # run gives alice Moderator with no other change: only the holders' listing shows that.
        plan(running)
        age(running)
        reapply(running)
        warm, note = plan(running)
        cold, _ = plan(running, "--refresh")
        assert warm == cold
        assert "incremental" in note or quirks_profile == "pessimistic", note
        if quirks.mappings_overwrite_user_values:
            assert "alice@example.com" in warm


@pytest.mark.e2e
def test_a_converged_warm_plan_reads_only_what_changed(tenant: World, quirks_profile: str) -> None:
    converge(tenant)
    tenant.clear_requests_log()
    _, cold_note = plan(tenant, "--refresh")
    cold_calls = len(tenant.requests_log())
    tenant.clear_requests_log()
    _, warm_note = plan(tenant)
    warm_calls = len(tenant.requests_log())
    assert f"{cold_calls} API calls" in cold_note
    tenant.clear_requests_log()
    document = json.loads(tenant.cli("plan", "-o", "json").stdout)
    assert document["read"]["calls"] == len(tenant.requests_log())
    assert document["read"]["mode"] == (
        "full" if quirks_profile == "pessimistic" else "incremental"
    )
    assert document["read"]["saved"] is (quirks_profile != "pessimistic")
    assert f"{warm_calls} API calls" in warm_note
    users_reads = [
        e
        for e in tenant.requests_log()
        if e["path"] == "/api/2/users" and "updated_since" in (e.get("query") or {})
    ]
    if quirks_profile == "pessimistic":
        # The role listing ignores fields=users: role changes could not be seen, so every read
        # is full, and says why.
        assert "full" in warm_note
        assert "members" in warm_note
        assert (cold_calls, warm_calls) == (PINS[quirks_profile][0], PINS[quirks_profile][1])
        return
    assert "incremental" in warm_note, warm_note
    assert len(users_reads) == 1
    assert (cold_calls, warm_calls) == PINS[quirks_profile]


# (cold, warm) calls of a converged plan of the six users above.
# The documented and pessimistic profiles leave custom_attributes out of lists (carol's userType is
# compared): each of the six is read by id (one page listed, then 6 reads). The pessimistic one
# reads in full, without the two counts (no snapshot can be kept: its role listing has no members).
PINS = {"optimistic": (14, 16), "documented": (20, 22), "pessimistic": (19, 19)}


@pytest.mark.e2e
def test_a_snapshot_of_another_tenant_or_config_is_never_used(
    tmp_path: Path, quirks_profile: str
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        world(tmp_path / "a", quirks_profile) as first,
        world(tmp_path / "b", quirks_profile) as second,
    ):
        shared = tmp_path / "snapshot.json"
        for running in (first, second):
            running.write_config(promotions={"users": USERS})
            create_newbie(running)
        _, note = plan(first, "--state", str(shared))
        if quirks_profile == "pessimistic":
            # The role listing ignores fields=users: no snapshot is saved, so none is reused.
            assert "no snapshot saved" in note
            assert "members" in note
            return
        assert "saved" in note
        assert "no snapshot saved" not in note
        _, note = plan(second, "--state", str(shared))
        assert "another tenant" in note
        assert "full" in note
        second.write_config(promotions={"users": USERS[:5]})
        _, note = plan(second, "--state", str(shared))
        assert "another config" in note


@pytest.mark.e2e
def test_a_tampered_or_corrupted_snapshot_means_a_full_read_with_a_note(
    tenant: World, quirks_profile: str
) -> None:
    state = tenant.folder / "snapshot.json"
    create_newbie(tenant)
    _, note = plan(tenant, "--state", str(state))
    if quirks_profile == "pessimistic":
        assert "members" in note  # no snapshot saved: the role listing ignores fields=users
        return
    document = json.loads(state.read_text())
    document["body"]["count"] += 1
    state.write_text(json.dumps(document))
    first, note = plan(tenant, "--state", str(state))
    assert "integrity check" in note
    assert "full" in note
    state.write_text("{ not json")
    second, note = plan(tenant, "--state", str(state))
    assert "corrupted" in note
    assert "full" in note
    assert first == second
