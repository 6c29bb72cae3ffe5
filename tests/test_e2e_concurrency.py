"""Concurrent applies, end to end against the sandbox on 127.0.0.1: on one machine the lock makes
them take turns; across machines plan detects the duplicates they leave."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.ops.lock import held
from onelogin_scim_setup.sandbox import FaultSpec
from tests.helpers.cli_forks import ForkedRun
from tests.helpers.requests_log import api_writes
from tests.helpers.rotation import rotation_config
from tests.sandbox_world import World, world

OWNED = "onelogin-scim-setup/SCIM SOE: "


@pytest.fixture
def tenant(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    with world(tmp_path, quirks_profile) as running:
        yield running


@pytest.fixture
def idle(tmp_path: Path) -> Iterator[World]:
    """A tenant for tests that stop at the lock, before the first request to OneLogin."""
    with world(tmp_path, "optimistic") as running:
        yield running


def start_apply(running: World) -> ForkedRun:
    return running.start("apply", "--auto-approve")


def owned_state(running: World) -> tuple[list[str], list[str]]:
    state = running.onelogin_state()
    apps = [a["name"] for a in state["apps"] if a["name"] == "SCIM SOE"]
    mappings = sorted(m["name"] for m in state["mappings"] if m["name"].startswith(OWNED))
    return apps, mappings


# Repeated because a race shows only sometimes: 10 runs under each profile (the 20 runs this test
# had under one), the seed varying nothing but the run's id.
@pytest.mark.parametrize("run", range(10))
def test_two_concurrent_applies_on_one_machine_leave_one_of_each(
    tmp_path: Path, quirks_profile: str, run: int
) -> None:
    # Latency keeps each apply in flight long enough for the two to overlap without the lock.
    faults = FaultSpec(seed=run, latency=0.02)
    with world(tmp_path, quirks_profile, faults=faults) as running:
        first, second = start_apply(running), start_apply(running)
        outcomes = [process.communicate(timeout=120) for process in (first, second)]
        for process, (_, stderr) in zip((first, second), outcomes, strict=True):
            assert process.returncode == 0, stderr
            assert "Traceback" not in stderr
        apps, mappings = owned_state(running)
        settled = running.cli("plan", "--detailed-exitcode")
    assert apps == ["SCIM SOE"]
    assert mappings == [
        f"{OWNED}userType for role SOE Admins",
        f"{OWNED}userType for role SOE Moderators",
    ]
    assert settled.returncode == 0, settled.stdout + settled.stderr


def lock_of(running: World) -> Any:
    config = Config.model_validate(running.config)
    return held(running.lock_dir, api_url=config.onelogin.api_url, app_name="SCIM SOE", timeout=0)


@pytest.mark.one_profile("apply stops at the lock before its first request to OneLogin")
def test_apply_fails_at_once_while_another_holds_the_lock(idle: World) -> None:
    with lock_of(idle):
        result = idle.cli("apply", "--auto-approve", "--lock-timeout", "0")
    assert result.returncode == 1
    assert "still holds the lock" in result.stderr
    assert "Traceback" not in result.stderr
    assert idle.requests_log() == []  # not even a token request


@pytest.mark.one_profile("apply waits at the lock before its first request to OneLogin")
def test_apply_says_it_waits_for_the_lock(idle: World) -> None:
    with lock_of(idle):
        result = idle.cli("apply", "--auto-approve", "--lock-timeout", "0.5")
    assert result.returncode == 1
    assert "waiting for another apply on" in result.stderr
    assert "(pid " in result.stderr


def test_plan_takes_no_lock(tenant: World) -> None:
    with lock_of(tenant):
        result = tenant.cli("plan")
    assert result.returncode == 0, result.stderr


def test_duplicate_owned_mapping_is_planned_for_deletion_and_applied(tenant: World) -> None:
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    original = next(m for m in tenant.onelogin_state()["mappings"] if m["name"].startswith(OWNED))
    wire = tenant.api("GET", f"/api/2/mappings/{original['id']}")
    copy = {**{k: v for k, v in wire.items() if k != "id"}, "position": None}
    duplicate = tenant.api("POST", "/api/2/mappings", copy)["id"]
    planned = tenant.cli("plan", "--detailed-exitcode")
    assert planned.returncode == 2
    assert f"- mapping '{original['name']} (id " in planned.stdout
    assert "lowest id is kept" in planned.stdout
    tenant.clear_requests_log()
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    assert api_writes(tenant.requests_log()) == [f"DELETE /api/2/mappings/{duplicate}"]
    _, mappings = owned_state(tenant)
    assert len(mappings) == len(set(mappings)) == 2
    assert original["id"] in [m["id"] for m in tenant.onelogin_state()["mappings"]]
    assert tenant.cli("plan", "--detailed-exitcode").returncode == 0


def test_second_app_of_our_name_is_a_conflict_and_apply_refuses(tenant: World) -> None:
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    first = tenant.app_id()
    connector = next(a["connector_id"] for a in tenant.onelogin_state()["apps"] if a["id"] == first)
    second = tenant.api("POST", "/api/2/apps", {"name": "SCIM SOE", "connector_id": connector})[
        "id"
    ]
    planned = tenant.cli("plan", "--detailed-exitcode")
    assert planned.returncode == 2
    assert "x app 'SCIM SOE'" in planned.stdout
    assert f"ids {min(first, second)}, {max(first, second)}" in planned.stdout
    tenant.clear_requests_log()
    applied = tenant.cli("apply", "--auto-approve")
    assert applied.returncode == 1
    assert "refused before any write" in applied.stderr
    assert api_writes(tenant.requests_log()) == []


# Issue 17's surviving bug: `audit --fix` ran without the lock (and rotate's lock had no test).
# Both write, so both must fail at once while another run holds the tenant's lock, before any write.
@pytest.mark.one_profile("audit --fix stops at the lock before its first write")
def test_audit_fix_fails_at_once_while_another_holds_the_lock(idle: World) -> None:
    with lock_of(idle):
        result = idle.cli("audit", "--fix", "--auto-approve", "--lock-timeout", "0")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "still holds the lock" in result.stderr
    assert "Traceback" not in result.stderr
    sent = idle.requests_log() + idle.soe_requests_log()
    assert [r for r in sent if r["method"] != "GET"] == []


@pytest.mark.one_profile("token rotate stops at the lock before it generates or delivers a token")
def test_token_rotate_fails_at_once_while_another_holds_the_lock(idle: World) -> None:
    rotation_config(idle, update_soe=True)
    before = idle.token_file.read_text(encoding="utf-8")
    with lock_of(idle):
        result = idle.cli("token", "rotate", "--auto-approve", "--lock-timeout", "0")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "still holds the lock" in result.stderr
    assert "Traceback" not in result.stderr
    assert idle.token_file.read_text(encoding="utf-8") == before
