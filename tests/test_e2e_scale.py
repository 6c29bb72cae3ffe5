"""End to end at organization size: the real CLI against a sandbox tenant of thousands of users,
with the API calls of each run counted from the sandbox's request log (no timed assertions)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from onelogin_scim_setup.sandbox import Quirks
from tests.sandbox_conftest_fixtures import PROFILES
from tests.sandbox_world import World, _call, world

USERS, ROLES, PAGE = 2000, 20, 100
SEEDED = 5  # the demo tenant's own users
# The tool asks for pages of PAGE; a tenant that caps user pages at 50 (pessimistic) sends twice as
# many pages.
USER_PAGES = {
    profile: math.ceil((USERS + SEEDED) / min(PAGE, Quirks.profile(profile).users_page_limit))
    for profile in PROFILES
}
# A fresh apply of the demo tenant. Pessimistic adds 3 reads of a role's apps (its role listing
# leaves them out, and the PUT replaces the list) and one more look for the new field's mapping
# action (it shows late).
# Both include the 2 listings of the users holding Moderator or Admin (onelogin.holders: who to
# demote, docs/demotion.md).
# Documented adds one read of dave@ by id: its user list ignores fields= and has no department or
# title, which the config compares for him.
FRESH_APPLY_CALLS = {"optimistic": 22, "pessimistic": 26, "documented": 23}
HOLDER_LISTINGS = 2  # one filtered listing of /api/2/users per promoted userType


def is_holder_listing(entry: dict[str, Any]) -> bool:
    return "custom_attributes.userType" in entry["query"]


# The created_until counts (docs/incremental.md): a full read that keeps a snapshot counts the users
# created before it; a warm read counts them again at the snapshot's start and proves the filter
# honoured (a count before 2000 must be 0).
COLD_COUNTS = 1
WARM_COUNTS = 3


def is_count(entry: dict[str, Any]) -> bool:
    return "created_until" in entry["query"]


WRITES = {"POST", "PUT", "DELETE", "PATCH"}


def entries(count: int, department: str = "Scaled") -> list[dict[str, Any]]:
    return [
        {"email": f"user{i:05d}@example.com", "department": department} for i in range(1, count + 1)
    ]


def set_entries(running: World, count: int, concurrency: int = 4, **kwargs: Any) -> None:
    promotions = {**running.config.get("promotions", {}), "users": entries(count, **kwargs)}
    running.write_config(
        promotions=promotions, onelogin={**running.config["onelogin"], "concurrency": concurrency}
    )


def calls(running: World) -> list[dict[str, Any]]:
    log = running.requests_log()
    running.clear_requests_log()
    return log


def api_writes(log: list[dict[str, Any]]) -> list[str]:
    return [
        f"{e['method']} {e['path']}"
        for e in log
        if e["method"] in WRITES and not str(e["path"]).startswith("/auth/")
    ]


def by_kind(log: list[dict[str, Any]]) -> Counter[str]:
    return Counter(f"{e['method']} {e['path']}" for e in log)


@pytest.fixture
def scaled(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    with world(tmp_path, quirks_profile, users=USERS, roles=ROLES, page_size=PAGE) as running:
        yield running


def converge(running: World, count: int) -> None:
    set_entries(running, count)
    applied = running.cli("apply", "--auto-approve", "--force")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    calls(running)


def test_converged_plan_costs_seventeen_calls_plus_one_listing_of_users(
    scaled: World, quirks_profile: str
) -> None:
    converge(scaled, 500)
    # A full read (--refresh; a warm one: test_a_warm_converged_plan_reads_only_what_changed).
    result = scaled.cli("plan", "--detailed-exitcode", "--refresh")
    assert result.returncode == 0, result.stdout + result.stderr
    log = calls(scaled)
    holders = [e for e in log if e["path"] == "/api/2/users" and is_holder_listing(e)]
    assert len(holders) == HOLDER_LISTINGS  # nobody holds a promoted type here: one page each
    # The count a snapshot keeps (users created before the read; docs/incremental.md).
    # None where the role listing shows no members (pessimistic): no snapshot could be kept.
    counts = [e for e in log if e["path"] == "/api/2/users" and is_count(e)]
    kept = Quirks.profile(quirks_profile).roles_fields_apps
    assert len(counts) == (COLD_COUNTS if kept else 0)
    user_calls = [
        e
        for e in log
        if e["path"] == "/api/2/users" and not is_holder_listing(e) and not is_count(e)
    ]
    assert len(user_calls) == USER_PAGES[quirks_profile]
    assert not [e for e in user_calls if e["query"].get("email")]
    assert {e["query"].get("limit") for e in user_calls} == {str(PAGE)}
    # A list without department and title (documented: fields= ignored) costs one read by id per
    # configured user with such a value (issue 20: read, never a false change); doctor says so.
    by_id = [e for e in log if re.fullmatch(r"/api/2/users/\d+", str(e["path"]))]
    documented = Quirks.profile(quirks_profile).users_list_keys == "documented"
    assert len(by_id) == (500 if documented else 0)
    expected = 15 + HOLDER_LISTINGS + len(counts) + USER_PAGES[quirks_profile] + len(by_id)
    assert len(log) <= expected, by_kind(log)


def test_a_warm_converged_plan_reads_only_what_changed(scaled: World, quirks_profile: str) -> None:
    converge(scaled, 500)
    assert scaled.cli("plan").returncode == 0  # full: apply's mappings changed after its read
    cold = len(calls(scaled))
    result = scaled.cli("plan", "--detailed-exitcode")
    assert result.returncode == 0, result.stdout + result.stderr
    log = calls(scaled)
    if quirks_profile == "pessimistic":  # the role listing shows no members: always full
        assert "in full" in result.stderr
        return
    assert "in incremental" in result.stderr
    listings = [e for e in log if e["path"] == "/api/2/users" and not is_holder_listing(e)]
    changed = [e for e in listings if "updated_since" in e["query"]]
    # Only what changed since the snapshot less 10 minutes: the 5 demo users seeded now and the
    # 500 apply wrote, never the 2,000 seeded long ago.
    assert len(changed) == math.ceil((SEEDED + 500) / PAGE)
    assert len(listings) == len(changed) + WARM_COUNTS
    assert len(log) < cold, by_kind(log)


def test_few_entries_are_looked_up_by_email_instead_of_listing_everyone(scaled: World) -> None:
    converge(scaled, 2)
    result = scaled.cli("-v", "plan")
    assert result.returncode == 0, result.stderr
    user_calls = [
        e for e in calls(scaled) if e["path"] == "/api/2/users" and not is_holder_listing(e)
    ]
    assert sorted(e["query"].get("email") for e in user_calls) == [
        "user00001@example.com",
        "user00002@example.com",
    ]
    assert "per-email lookups" in result.stderr


def test_apply_changing_c_users_costs_the_converged_plan_plus_c_plus_twelve(
    scaled: World,
) -> None:
    converge(scaled, 500)
    assert scaled.cli("plan").returncode == 0
    converged = len(calls(scaled))
    changed = 40
    set_entries(scaled, 500)
    scaled.write_config(
        promotions={
            **scaled.config["promotions"],
            "users": entries(changed, "Moved") + entries(500)[changed:],
        }
    )
    result = scaled.cli("apply", "--auto-approve", "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    log = calls(scaled)
    assert len(api_writes(log)) == changed
    assert len(log) <= converged + changed + 12, by_kind(log)


def test_demo_size_fresh_apply_costs_at_most_22_calls_or_pessimistic_s_26(
    tmp_path: Path, quirks_profile: str
) -> None:
    with world(tmp_path, quirks_profile) as running:
        calls(running)
        result = running.cli("apply", "--auto-approve", "--force")
        assert result.returncode == 0, result.stdout + result.stderr
        log = calls(running)
    assert len(log) <= FRESH_APPLY_CALLS[quirks_profile], by_kind(log)


def test_apply_that_needs_more_than_the_budget_left_refuses_with_the_numbers_and_writes_nothing(
    scaled: World, quirks_profile: str
) -> None:
    set_entries(scaled, 1000)
    _call(
        "PUT",
        f"{scaled.sandbox.onelogin_url}/_sandbox/rate_limit",
        {"limit": 5000, "remaining": 50, "reset": 1800},
    )
    calls(scaled)
    result = scaled.cli("apply", "--auto-approve", "--force")
    assert result.returncode == 1
    assert api_writes(calls(scaled)) == []
    message = " ".join(result.stderr.split())
    if Quirks.profile(quirks_profile).users_list_keys == "documented":
        # The read itself needs a call per user (no department in the list): it stops at the 429,
        # before any write, and says when the budget resets.
        assert "rate limit exhausted: it resets in 1" in message
        return
    assert "it needs about 1,0" in message
    assert "of the account's 5,000 are left" in message
    assert "1,000 (20%, onelogin.rate_reserve)" in message
    assert "resets in 17" in message or "resets in 18" in message
    assert "Nothing was written" in message


def test_concurrency_one_and_four_report_the_same_results_in_the_same_order(
    tmp_path: Path, quirks_profile: str
) -> None:
    outcomes = []
    for concurrency in (1, 4):
        folder = tmp_path / str(concurrency)
        folder.mkdir()
        with world(folder, quirks_profile, users=300, roles=5, page_size=PAGE) as running:
            set_entries(running, 120, concurrency=concurrency)
            result = running.cli("apply", "--auto-approve", "--force")
            assert result.returncode == 0, result.stdout + result.stderr
            users = {
                u["email"]: u["department"]
                for u in running.onelogin_state()["users"]
                if u["email"].startswith("user")
            }
            outcomes.append(
                ([line for line in result.stderr.splitlines() if "done:" in line], users)
            )
    assert outcomes[0] == outcomes[1]
    assert len([line for line in outcomes[0][0] if "user 'user" in line]) == 120


# What stops apply on a 429 whose window resets in 1800 s: the first 429, whether its headers say
# when the window resets (optimistic) or /auth/rate_limit must be asked (pessimistic: no headers).
STOP_ON_429 = {
    "optimistic": "it resets in 1800 s; stopped at once",
    "pessimistic": "it resets in 1800 s (GET /auth/rate_limit); stopped at once",
    "documented": "it resets in 1800 s (GET /auth/rate_limit); stopped at once",
}


def stopped_by_a_429(running: World) -> Any:
    """An apply of 20 user changes, one at a time, stopped by a 429 whose window resets in 30
    minutes after 5 calls; returns the ApplyError it raised."""
    from onelogin_scim_setup.errors import ApplyError
    from onelogin_scim_setup.ops.apply import apply_plan
    from onelogin_scim_setup.ops.plan import compute_plan, connect
    from onelogin_scim_setup.ops.prepare import prepare

    converge(running, 0)
    set_entries(running, 20, concurrency=1)
    prepared = prepare(running.config_path, running.env())
    with connect(prepared, running.env()) as client:
        computed = compute_plan(prepared, client)
        _call(
            "PUT",
            f"{running.sandbox.onelogin_url}/_sandbox/rate_limit",
            {"remaining": 5, "reset": 1800},
        )
        calls(running)
        with pytest.raises(ApplyError) as caught:
            apply_plan(computed, client, rate_reserve=0.0, force=True)
    return caught.value


def test_429_with_a_distant_reset_stops_apply_at_once_with_done_and_not_done(
    tmp_path: Path, quirks_profile: str
) -> None:
    with world(tmp_path, quirks_profile, users=30, roles=2) as running:
        stopped = stopped_by_a_429(running)
        log = calls(running)
    assert (len(stopped.done), len(stopped.not_done)) == (5, 15)
    assert STOP_ON_429[quirks_profile] in str(stopped.cause)
    assert [e["status"] for e in log].count(429) == 1


def test_apply_after_a_429_stop_reads_only_the_listings_and_writes_only_what_was_not_done(
    tmp_path: Path, quirks_profile: str
) -> None:
    with world(tmp_path, quirks_profile, users=30, roles=2) as running:
        stopped_by_a_429(running)
        _call(
            "PUT",
            f"{running.sandbox.onelogin_url}/_sandbox/rate_limit",
            {"remaining": 5000, "reset": 3600},
        )
        calls(running)
        resumed = running.cli("apply", "--auto-approve", "--force")
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        log = [e for e in calls(running) if e["path"] != "/auth/rate_limit"]
        # A full plan reads what apply reads (apply always reads in full; docs/incremental.md).
        assert running.cli("plan", "--detailed-exitcode", "--refresh").returncode == 0
        plan_reads = by_kind(calls(running))
    writes = api_writes(log)
    assert len(writes) == 15
    assert by_kind([e for e in log if f"{e['method']} {e['path']}" not in writes]) == plan_reads


NEEDED = re.compile(r"rate budget: [\d,]+ of [\d,]+ left, [\d,]+ kept in reserve, ([\d,]+) needed")


def spent_after_the_plan(running: World, *args: str) -> tuple[int, int]:
    """The calls `apply` makes beyond what `plan` reads (the rate-limit reads of its budget check
    aside), and the calls its budget check estimated."""
    assert running.cli("plan").returncode == 0
    planned = len(calls(running))
    result = running.cli("-v", "apply", "--auto-approve", "--force", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    log = [e for e in calls(running) if e["path"] != "/auth/rate_limit"]
    estimated = NEEDED.search(result.stderr)
    assert estimated is not None, result.stderr
    return len(log) - planned, int(estimated.group(1).replace(",", ""))


def test_the_estimate_covers_every_call_of_a_fresh_apply(
    tmp_path: Path, quirks_profile: str
) -> None:
    with world(tmp_path, quirks_profile) as running:
        calls(running)
        spent, estimated = spent_after_the_plan(running)
    assert 0 < spent <= estimated


def test_the_estimate_covers_taking_the_app_from_roles(tmp_path: Path, quirks_profile: str) -> None:
    with world(tmp_path, quirks_profile) as running:
        assert running.cli("apply", "--auto-approve").returncode == 0
        for name in ("Sales", "Default"):
            running.api("PUT", f"/api/2/roles/{running.role_id(name)}/apps", [running.app_id()])
        running.write_config(app={"roles": [], "exclusive_roles": True})
        calls(running)
        spent, estimated = spent_after_the_plan(running)
    assert 0 < spent <= estimated
