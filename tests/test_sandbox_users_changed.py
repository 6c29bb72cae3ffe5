"""The emulator's users listing by time (`updated_since`, `created_until`, docs/incremental.md),
DELETE /api/2/users/{id}, and the two switches of what bumps `updated_at`
(`role_change_bumps_updated_at`, `mapping_write_bumps_updated_at`)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from onelogin_scim_setup.sandbox import Quirks
from tests.sandbox_conftest_fixtures import ROLE_IDS, USER_IDS, OneLogin, running

PAST = "2000-01-01T00:00:00Z"
FUTURE = "2999-01-01T00:00:00Z"


@pytest.fixture
def onelogin() -> Iterator[OneLogin]:
    with running() as sandbox:
        yield OneLogin(sandbox)


def updated_at(onelogin: OneLogin, name: str) -> str:
    return str(onelogin.ok("GET", f"/api/2/users/{USER_IDS[name]}")["updated_at"])


def changed_since(onelogin: OneLogin, instant: str) -> list[int]:
    return [u["id"] for u in onelogin.ok("GET", "/api/2/users", updated_since=instant)]


def test_updated_since_lists_only_users_changed_after_the_instant(onelogin: OneLogin) -> None:
    assert len(changed_since(onelogin, PAST)) == 5
    assert changed_since(onelogin, FUTURE) == []
    mark = updated_at(onelogin, "erin")
    time.sleep(0.01)
    onelogin.ok("PUT", f"/api/2/users/{USER_IDS['bob']}", {"department": "Moved"})
    assert changed_since(onelogin, mark) == [USER_IDS["bob"]]


def test_created_until_counts_in_total_count_and_a_bad_instant_is_a_400(
    onelogin: OneLogin,
) -> None:
    assert onelogin.call("GET", "/api/2/users", created_until=PAST).headers["Total-Count"] == "0"
    answer = onelogin.call("GET", "/api/2/users", created_until=FUTURE, limit=1)
    assert answer.headers["Total-Count"] == "5"
    assert len(answer.json()) == 1
    assert onelogin.call("GET", "/api/2/users", updated_since="yesterday").status_code == 400


def test_a_deleted_user_is_gone_from_every_listing_and_role(onelogin: OneLogin) -> None:
    assert onelogin.call("DELETE", f"/api/2/users/{USER_IDS['bob']}").status_code == 204
    assert onelogin.call("GET", f"/api/2/users/{USER_IDS['bob']}").status_code == 404
    listed = [u["id"] for u in onelogin.ok("GET", "/api/2/users")]
    assert USER_IDS["bob"] not in listed
    assert len(listed) == 4
    members = onelogin.ok("GET", f"/api/2/roles/{ROLE_IDS['SOE Moderators']}/users")
    assert USER_IDS["bob"] not in [m["id"] for m in members]


@pytest.mark.parametrize("bumps", [True, False])
def test_a_role_change_bumps_updated_at_only_under_its_switch(bumps: bool) -> None:
    quirks = Quirks().with_overrides({"role_change_bumps_updated_at": bumps})
    with running(quirks) as sandbox:
        onelogin = OneLogin(sandbox)
        before = updated_at(onelogin, "erin")
        time.sleep(0.01)
        role = ROLE_IDS["SOE Moderators"]
        onelogin.ok("POST", f"/api/2/roles/{role}/users", [USER_IDS["erin"]])
        assert (updated_at(onelogin, "erin") != before) is bumps


@pytest.mark.parametrize("bumps", [True, False])
def test_a_mapping_write_bumps_updated_at_only_under_its_switch(bumps: bool) -> None:
    quirks = Quirks().with_overrides({"mapping_write_bumps_updated_at": bumps})
    with running(quirks) as sandbox:
        onelogin = OneLogin(sandbox)
        # erin is in Sales; the demo's mapping "Sales department" gives Sales members Default.
        onelogin.ok("DELETE", f"/api/2/roles/{ROLE_IDS['Default']}/users", [USER_IDS["erin"]])
        before = updated_at(onelogin, "erin")
        time.sleep(0.01)
        answer = onelogin.control("POST", "/mappings/reapply")
        assert USER_IDS["erin"] in answer.json()["changed_user_ids"]
        assert (updated_at(onelogin, "erin") != before) is bumps
