"""verify --e2e journals its round trip: SIGKILL at each step (the test user's write in flight,
the wait for SOE) leaves a journal; every later command names the user first, a plain verify fails
on it, and the next `verify --e2e` restores the original before anything else."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli_forks import ForkedRun
from tests.helpers.rotation import converge
from tests.sandbox_world import World, world

EMAIL = "alice@example.com"
E2E = ("verify", "--e2e", "--test-user", EMAIL, "--interval", "0.1")


@pytest.fixture
def tenant(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    with world(
        tmp_path, quirks_profile, expose_scim_configuration=True, bearer_read_back="clear"
    ) as running:
        yield running


def journal_of(running: World) -> dict[str, Any] | None:
    found = list(running.lock_dir.glob("*.e2e.json"))
    return json.loads(found[0].read_text(encoding="utf-8")) if found else None


def user_type(running: World) -> str:
    alice = next(u for u in running.onelogin_state()["users"] if u["email"] == EMAIL)
    return str(alice["custom_attributes"].get("userType") or "")


def until(condition: Any, process: ForkedRun, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, f"verify --e2e ended before {what}: {process.communicate()}"
        assert time.monotonic() < deadline, f"verify --e2e never reached {what}"
        time.sleep(0.02)


@pytest.mark.parametrize("step", ["writing the test user", "waiting for SOE", "restoring"])
def test_sigkill_mid_round_trip_is_named_then_restored(tenant: World, step: str) -> None:
    converge(tenant, moderator=False)  # SOE never shows the promotion: the wait runs its course
    if step != "waiting for SOE":  # slow user writes: the kill lands while one is in flight
        tenant.set_faults(per_endpoint={"/api/2/users/": {"latency": 1.5}})
    process = tenant.start(*E2E, "--timeout", "1" if step == "restoring" else "30")
    until(lambda: journal_of(tenant) is not None, process, "its journal")
    if step == "waiting for SOE":
        until(lambda: user_type(tenant) == "Moderator", process, "the change")
    if step == "restoring":  # an empty original goes back by way of Registered, then ""
        until(lambda: user_type(tenant) == "Registered", process, "the restore")
    process.kill()
    process.communicate(timeout=60)
    tenant.set_faults(per_endpoint={})
    record = journal_of(tenant)
    assert record is not None
    assert (record["email"], record["original"], record["target"]) == (EMAIL, None, "Moderator")
    journal_text = next(tenant.lock_dir.glob("*.e2e.json")).read_text(encoding="utf-8")
    assert "token" not in journal_text.lower()

    # Any later command says so first: plan names the user and the way back.
    planned = tenant.cli("plan")
    assert f"of {EMAIL} (OneLogin user id" in planned.stderr
    assert "`verify --e2e --test-user EMAIL` restores it" in planned.stderr
    # A plain verify cannot pass while a test user may be left changed.
    plain = tenant.cli("verify", "--output", "json")
    assert plain.returncode == 1
    checks = {c["name"]: c for c in json.loads(plain.stdout)["checks"]}
    assert checks["e2e: an earlier round trip did not finish"]["status"] == "fail"

    # The next round trip restores from the journal before it changes anything.
    again = tenant.cli(*E2E, "--timeout", "2", "--output", "json")
    assert "Traceback" not in again.stderr
    checks = {c["name"]: c for c in json.loads(again.stdout)["checks"]}
    assert checks["e2e: an earlier round trip did not finish"]["status"] == "warn"
    assert checks["e2e: original userType (empty) restored"]["status"] == "pass"
    assert user_type(tenant) == ""
    assert journal_of(tenant) is None


def test_a_finished_round_trip_leaves_no_journal(tenant: World) -> None:
    converge(tenant)
    result = tenant.cli(*E2E, "--timeout", "5", "--output", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert journal_of(tenant) is None
    assert "did not finish" not in tenant.cli("plan").stderr


@pytest.mark.one_profile("verify --e2e waits at the lock before its first request to OneLogin")
def test_verify_e2e_takes_the_apply_lock(tmp_path: Path) -> None:
    from onelogin_scim_setup.config.models import Config
    from onelogin_scim_setup.ops.lock import held

    with world(tmp_path, "optimistic") as running:
        config = Config.model_validate(running.config)
        lock = held(
            running.lock_dir, api_url=config.onelogin.api_url, app_name="SCIM SOE", timeout=0
        )
        with lock:
            result = running.cli(*E2E, "--timeout", "2", "--lock-timeout", "0.5")
        assert result.returncode == 1
        assert "still holds the lock" in result.stderr
        assert [r for r in running.requests_log() if r["method"] == "PUT"] == []
