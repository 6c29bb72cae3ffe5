"""The users listing's time filters (onelogin.changed, docs/incremental.md): the counts, what
changed, users by id in chunks, and reading by id only what a list left short."""

from __future__ import annotations

import responses
from responses import matchers

from onelogin_scim_setup.onelogin import changed
from onelogin_scim_setup.onelogin.client import OneLoginClient
from tests.helpers.onelogin_stub import BASE

USERS_URL = f"{BASE}/api/2/users"


def test_the_count_is_total_count_of_a_one_item_page(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    query = {"created_until": "2026-12-07T20:00:00.000Z", "fields": "id", "limit": "1"}
    api.get(
        USERS_URL,
        json=[{"id": 1}],
        headers={"Total-Count": "20000"},
        match=[matchers.query_param_matcher(query)],
    )
    assert changed.count_created_until(client, "2026-12-07T20:00:00.000Z") == 20000
    assert client.calls_sent == 2  # the token and the page


def test_no_or_a_malformed_total_count_is_no_count(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(USERS_URL, json=[{"id": 1}])
    api.get(USERS_URL, json=[{"id": 1}], headers={"Total-Count": "-3"})
    assert changed.count_created_until(client, "2026-12-07T20:00:00Z") is None
    assert changed.count_created_until(client, "2026-12-07T20:00:00Z") is None


def test_updated_since_lists_every_page(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    since = "2026-12-07T19:50:00.000Z"
    first = {"updated_since": since, "fields": changed.CHANGED_FIELDS, "limit": "100"}
    headers = {"Total-Pages": "2", "Current-Page": "1", "After-Cursor": "c2"}
    api.get(
        USERS_URL,
        json=[{"id": 1, "email": "a@example.com"}],
        headers=headers,
        match=[matchers.query_param_matcher(first)],
    )
    api.get(
        USERS_URL,
        json=[{"id": 2, "email": "b@example.com"}],
        match=[matchers.query_param_matcher({"cursor": "c2"}, strict_match=False)],
    )
    found = changed.updated_since(client, since, workers=1)
    assert [u["id"] for u in found] == [1, 2]


def test_users_by_id_are_asked_fifty_ids_a_call(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    def answer(request: object) -> tuple[int, dict[str, str], str]:
        ids = str(request.params["user_ids"]).split(",")  # type: ignore[attr-defined]
        assert len(ids) <= changed.IDS_PER_CALL
        body = ",".join(f'{{"id": {i}, "email": "u{i}@example.com"}}' for i in ids)
        return 200, {}, f"[{body}]"

    api.add_callback(responses.GET, USERS_URL, callback=answer)
    found = changed.by_ids(client, range(1, 121), workers=1)
    assert sorted(u["id"] for u in found) == list(range(1, 121))
    assert sum(1 for call in api.calls if "user_ids" in str(call.request.url)) == 3


def test_only_users_lacking_a_key_are_read_by_id(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(f"{USERS_URL}/2", json={"id": 2, "email": "b@example.com", "department": "Ops"})
    users = [{"id": 1, "department": "Sales"}, {"id": 2, "email": "b@example.com"}]
    completed = changed.complete(client, users, {"department"}, workers=1)
    assert completed == [users[0], {"id": 2, "email": "b@example.com", "department": "Ops"}]
