"""ops.push_evidence: a change OneLogin made that SOE never received fails the check; one SOE
shows passes it; anything that cannot tell is a skip, never a pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.ops.push_evidence import (
    GRACE,
    SAMPLE,
    compare,
    parse_time,
    push_evidence_check,
)
from tests.helpers.configs import config_with

NOW = datetime(2026, 12, 7, 21, 0, tzinfo=timezone.utc)
HOUR_AGO = NOW - timedelta(hours=1)
CONFIG = config_with(fields={"title": {"enabled": True}})


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def onelogin_user(email: str, title: str, at: datetime = HOUR_AGO, **extra: Any) -> dict[str, Any]:
    return {
        "id": abs(hash(email)) % 10_000,
        "email": email,
        "username": email.split("@")[0],
        "status": 1,
        "title": title,
        "updated_at": stamp(at),
        "custom_attributes": {"userType": "Registered"},
        **extra,
    }


def soe_record(email: str, title: str, modified: datetime | None) -> dict[str, Any]:
    record: dict[str, Any] = {"id": "7", "userName": email, "active": True, "title": title}
    if modified is not None:
        record["meta"] = {"lastModified": modified.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return record


@dataclass
class FakeOneLogin:
    users: list[dict[str, Any]]
    asked: list[dict[str, Any]] = field(default_factory=list)
    fail: bool = False

    def list_users(self, **filters: Any) -> list[dict[str, Any]]:
        self.asked.append(filters)
        if self.fail:
            raise OneLoginError("GET /api/2/users: 403 Forbidden")
        return self.users

    def get_user(self, user_id: int) -> dict[str, Any]:
        return next(u for u in self.users if u["id"] == user_id)


@dataclass
class FakeScim:
    records: dict[str, dict[str, Any]]
    looked_up: list[str] = field(default_factory=list)

    def find_user(self, user_name: str) -> dict[str, Any] | None:
        self.looked_up.append(user_name)
        return self.records.get(user_name)


def check(users: list[dict[str, Any]], records: dict[str, dict[str, Any]]) -> Any:
    client, scim = FakeOneLogin(users), FakeScim(records)
    return push_evidence_check(client, scim, CONFIG, app_id=9, now=NOW)  # type: ignore[arg-type]


def test_a_change_soe_never_received_fails_and_names_the_user() -> None:
    users = [onelogin_user("a@x.io", "Principal")]
    records = {"a@x.io": soe_record("a@x.io", "Engineer", HOUR_AGO - timedelta(days=2))}
    result = check(users, records)
    assert result.status == "fail"
    assert "pushes are not reaching SOE: 1 user(s)" in result.detail
    assert "a@x.io: title 'Principal' in OneLogin, 'Engineer' in SOE" in result.detail
    assert "stale" in result.hint


def test_a_change_soe_shows_passes() -> None:
    users = [onelogin_user("a@x.io", "Principal")]
    records = {"a@x.io": soe_record("a@x.io", "Principal", HOUR_AGO + timedelta(seconds=1))}
    result = check(users, records)
    assert result.status == "pass", result.detail


def test_one_lost_change_among_arrived_ones_still_fails() -> None:
    users = [onelogin_user("a@x.io", "Principal"), onelogin_user("b@x.io", "Lead")]
    records = {
        "a@x.io": soe_record("a@x.io", "Engineer", HOUR_AGO - timedelta(days=2)),
        "b@x.io": soe_record("b@x.io", "Lead", HOUR_AGO),
    }
    assert check(users, records).status == "fail"


@pytest.mark.parametrize(
    "record",
    [
        None,  # not in SOE: the lookup may have missed it
        soe_record("a@x.io", "Engineer", None),  # no meta.lastModified: values alone prove nothing
        soe_record("a@x.io", "Principal", HOUR_AGO - timedelta(days=2)),  # nothing pushed differs
    ],
)
def test_what_cannot_tell_is_a_skip_never_a_pass(record: dict[str, Any] | None) -> None:
    users = [onelogin_user("a@x.io", "Principal")]
    result = check(users, {"a@x.io": record} if record else {})
    assert result.status == "skip", result.detail


def test_the_window_leaves_out_changes_within_the_grace_period_and_inactive_users() -> None:
    young = onelogin_user("a@x.io", "Principal", at=NOW - GRACE / 2)
    suspended = onelogin_user("b@x.io", "Principal", status=2)
    old = {"a@x.io": soe_record("a@x.io", "Engineer", NOW - timedelta(days=2))}
    old["b@x.io"] = soe_record("b@x.io", "Engineer", NOW - timedelta(days=2))
    client, scim = FakeOneLogin([young, suspended]), FakeScim(old)
    result = push_evidence_check(client, scim, CONFIG, app_id=9, now=NOW)  # type: ignore[arg-type]
    assert result.status == "skip"
    assert scim.looked_up == []
    asked = client.asked[0]
    assert asked["app_id"] == 9
    assert asked["updated_until"] == (NOW - GRACE).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_at_most_a_sample_of_users_is_looked_up_in_soe_newest_first() -> None:
    users = [
        onelogin_user(f"u{i}@x.io", "T", at=HOUR_AGO - timedelta(minutes=i))
        for i in range(SAMPLE + 5)
    ]
    client, scim = FakeOneLogin(users), FakeScim({})
    push_evidence_check(client, scim, CONFIG, app_id=9, now=NOW)  # type: ignore[arg-type]
    assert scim.looked_up == [f"u{i}@x.io" for i in range(SAMPLE)]


def test_a_refused_listing_is_a_skip_with_the_reason() -> None:
    client, scim = FakeOneLogin([], fail=True), FakeScim({})
    result = push_evidence_check(client, scim, CONFIG, app_id=9, now=NOW)  # type: ignore[arg-type]
    assert result.status == "skip"
    assert "403" in result.detail


def test_a_user_list_without_the_compared_keys_reads_the_user_by_id() -> None:
    whole = onelogin_user("a@x.io", "Principal")
    listed = {k: v for k, v in whole.items() if k not in ("title", "custom_attributes")}
    record = soe_record("a@x.io", "Engineer", HOUR_AGO - timedelta(days=2))
    reads: list[int] = []

    def read() -> dict[str, Any]:
        reads.append(1)
        return whole

    result = compare(CONFIG, listed, record, HOUR_AGO, read)
    assert result.arrived is False
    assert reads == [1]


@pytest.mark.parametrize("value", [None, 5, "", "yesterday", "2026-13-01T00:00:00Z", "9" * 100])
def test_hostile_times_are_not_times(value: Any) -> None:
    assert parse_time(value) is None


def test_a_lost_user_type_alone_also_names_soes_promotion_switches() -> None:
    user = onelogin_user("a@x.io", "Engineer", custom_attributes={"userType": "Moderator"})
    records = {"a@x.io": soe_record("a@x.io", "Engineer", HOUR_AGO - timedelta(days=2))}
    result = check([user], records)
    assert result.status == "fail"
    assert "userType 'Moderator' in OneLogin, 'Registered' in SOE" in result.detail
    assert "promotion switches" in result.hint
    title = check([onelogin_user("a@x.io", "Principal")], records)
    assert "promotion switches" not in title.hint


@pytest.mark.parametrize(
    "bad",
    [
        {"custom_attributes": ["Moderator"]},
        {"custom_attributes": {"userType": {"nested": "Moderator"}}},
        {"title": ["Engineer"]},
    ],
    ids=["attributes-a-list", "a-value-an-object", "title-a-list"],
)
def test_a_malformed_user_is_a_skip_naming_the_field_never_a_lost_push(bad: dict[str, Any]) -> None:
    user = {**onelogin_user("ann@example.com", "Engineer"), **bad}
    record = soe_record("ann@example.com", "Sales", HOUR_AGO - timedelta(hours=1))
    result = check([user], {"ann@example.com": record})
    assert result.status == "skip", result
    assert "not checked" in result.detail
    assert "field" in result.detail
