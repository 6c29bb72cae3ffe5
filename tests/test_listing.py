"""The read layer (onelogin.listing): listings over lookups, parallel pages, results in order."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from functools import partial
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from responses import matchers

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.listing import app_users, gather, users_by_email
from tests.helpers.onelogin_stub import BASE, CLIENT_ID, SECRET

USERS = f"{BASE}/api/2/users"
FIELDS = "id,email,department,title,custom_attributes"


@pytest.fixture(params=[1, 4])
def client(request: pytest.FixtureRequest) -> Iterator[OneLoginClient]:
    with OneLoginClient(BASE, CLIENT_ID, SECRET, max_retries=0, concurrency=request.param) as made:
        yield made


def user(number: int) -> dict[str, object]:
    return {"id": number, "email": f"U{number}@x.io", "custom_attributes": {}}


def page(api: responses.RequestsMock, number: int, total: int, **query: str) -> None:
    wanted = {"fields": FIELDS, "limit": "100", **query}
    if number > 1:
        wanted["page"] = str(number)
    api.get(
        USERS,
        json=[user(number * 100 + i) for i in range(3)],
        headers={"Total-Pages": str(total), "Current-Page": str(number)},
        match=[matchers.query_param_matcher(wanted)],
    )


def api_calls(api: responses.RequestsMock) -> list[str]:
    return [str(c.request.url) for c in api.calls if "/api/" in str(c.request.url)]


def test_many_entries_read_one_listing_with_every_page_by_number(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    for number in (1, 2, 3):
        page(api, number, 3)
    emails = ["u100@x.io", "u201@x.io", "u302@x.io", "u999@x.io"]
    found = users_by_email(client, emails, need_custom_attributes=True, workers=client.concurrency)
    assert sorted(found) == ["u100@x.io", "u201@x.io", "u302@x.io"]
    assert len(api_calls(api)) == 3


def test_few_entries_are_looked_up_by_email(
    api: responses.RequestsMock, client: OneLoginClient, caplog: pytest.LogCaptureFixture
) -> None:
    for email in ("a@x.io", "b@x.io"):
        api.get(
            USERS,
            json=[{"id": 1, "email": email.upper(), "custom_attributes": {}}],
            match=[
                matchers.query_param_matcher({"email": email, "fields": FIELDS, "limit": "100"})
            ],
        )
    with caplog.at_level(logging.DEBUG, logger="onelogin_scim_setup"):
        found = users_by_email(
            client, ["b@x.io", "a@x.io"], need_custom_attributes=True, workers=client.concurrency
        )
    assert list(found) == ["a@x.io", "b@x.io"]
    assert "2 per-email lookups" in caplog.text


def test_entries_fewer_than_the_pages_left_are_looked_up_after_the_first_page(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    page(api, 1, 200)
    for email in ("c@x.io", "d@x.io", "e@x.io", "f@x.io"):
        api.get(
            USERS,
            json=[],
            match=[
                matchers.query_param_matcher({"email": email, "fields": FIELDS, "limit": "100"})
            ],
        )
    emails = ["u100@x.io", "c@x.io", "d@x.io", "e@x.io", "f@x.io"]
    found = users_by_email(client, emails, need_custom_attributes=False, workers=client.concurrency)
    assert list(found) == ["u100@x.io"]
    assert len(api_calls(api)) == 5


def test_users_listed_without_custom_attributes_are_read_by_id(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(USERS, json=[{"id": 7, "email": "a@x.io"}])
    api.get(f"{USERS}/7", json={"id": 7, "email": "a@x.io", "custom_attributes": {"t": "1"}})
    found = users_by_email(client, ["a@x.io"], need_custom_attributes=True, workers=1)
    assert found["a@x.io"]["custom_attributes"] == {"t": "1"}


@pytest.mark.parametrize(
    ("listed", "reads"),
    [
        pytest.param({"id": 7, "email": "a@x.io", "department": None}, 0, id="key there, unset"),
        pytest.param({"id": 7, "email": "a@x.io"}, 1, id="key left out: read by id"),
    ],
)
def test_users_listed_without_a_needed_key_are_read_by_id_never_read_as_unset(
    api: responses.RequestsMock, client: OneLoginClient, listed: dict[str, object], reads: int
) -> None:
    # A tenant that ignores fields= and answers the documented list keys (no department/title).
    api.get(USERS, json=[listed])
    if reads:
        api.get(f"{USERS}/7", json={"id": 7, "email": "a@x.io", "department": "Eng"})
    found = users_by_email(
        client, ["a@x.io"], need_custom_attributes=False, workers=1, need_keys=["department"]
    )
    assert found["a@x.io"]["department"] == (None if reads == 0 else "Eng")
    assert sum(1 for url in api_calls(api) if url.endswith("/users/7")) == reads


def test_app_users_come_from_one_paged_listing(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    url = f"{BASE}/api/2/apps/9/users"
    for number in (1, 2):
        query = {"limit": "100"} | ({"page": "2"} if number == 2 else {})
        api.get(
            url,
            json=[{"id": number}],
            headers={"Total-Pages": "2", "Current-Page": str(number)},
            match=[matchers.query_param_matcher(query)],
        )
    assert app_users(client, 9, workers=client.concurrency) == [{"id": 1}, {"id": 2}]


def test_pages_after_the_first_are_in_flight_together_and_come_back_in_page_order(
    api: responses.RequestsMock,
) -> None:
    url = f"{BASE}/api/2/apps/9/users"
    together = threading.Barrier(3, timeout=10)  # pages 2, 3, 4: broken if fetched one by one
    last_answered = threading.Event()

    def answer(request: object) -> tuple[int, dict[str, str], str]:
        number = int(
            parse_qs(urlsplit(str(getattr(request, "url", ""))).query).get("page", ["1"])[0]
        )
        if number > 1:
            together.wait()
        if number == 2:
            last_answered.wait(timeout=10)  # page 2 finishes after page 4
        if number == 4:
            last_answered.set()
        headers = {"Total-Pages": "4", "Current-Page": str(number)}
        return 200, headers, json.dumps([{"id": number}])

    api.add_callback(responses.GET, url, callback=answer)
    with OneLoginClient(BASE, CLIENT_ID, SECRET, max_retries=0, concurrency=4) as client:
        listed = app_users(client, 9, workers=client.concurrency)
    assert listed == [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}]
    assert len(api_calls(api)) == 4


def test_gather_keeps_the_order_asked() -> None:
    calls = [lambda n=n: n * n for n in range(20)]
    assert gather(4, calls) == [n * n for n in range(20)]


@pytest.fixture
def stop_flags(monkeypatch: pytest.MonkeyPatch) -> list[threading.Event]:
    """Every stop flag the read layer makes, in order, so a test can wait for a gather to stop."""
    made: list[threading.Event] = []

    class Recorded(threading.Event):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    monkeypatch.setattr("onelogin_scim_setup.onelogin.listing.Event", Recorded, raising=False)
    return made


FAILURES = {
    # a 429 whose window resets in an hour: the retry layer gives it back at once
    "429 far reset": (429, {"X-RateLimit-Reset": "3600"}, 1),
    # a 500 on every attempt: max_retries=2 sends it three times
    "500 after retries": (500, {}, 3),
}


@pytest.mark.parametrize(("concurrency", "others"), [(1, 0), (3, 2)])
@pytest.mark.parametrize("failure", FAILURES.values(), ids=list(FAILURES))
def test_a_failing_page_stops_the_pages_not_yet_asked(
    api: responses.RequestsMock,
    stop_flags: list[threading.Event],
    concurrency: int,
    others: int,
    failure: tuple[int, dict[str, str], int],
) -> None:
    status, failure_headers, attempts = failure
    url = f"{BASE}/api/2/apps/9/users"
    # Pages 2, 3 and 4 are in flight together; page 2 fails; 3 and 4 answer once the gather
    # has stopped, so no page after them may be started. 200 pages in all.
    together = threading.Barrier(3, timeout=10)
    failed: list[int] = []

    def answer(request: object) -> tuple[int, dict[str, str], str]:
        query = parse_qs(urlsplit(str(getattr(request, "url", ""))).query)
        number = int(query.get("page", ["1"])[0])
        if number == 2:
            if concurrency > 1 and not failed:
                together.wait()  # the first attempt only
            failed.append(number)
            return status, failure_headers, json.dumps({"message": "no"})
        if concurrency > 1 and number in (3, 4):
            together.wait()
            assert stop_flags
            assert stop_flags[0].wait(timeout=10)
        headers = {"Total-Pages": "200", "Current-Page": str(number)}
        return 200, headers, json.dumps([{"id": number}])

    api.add_callback(responses.GET, url, callback=answer)
    with (
        OneLoginClient(
            BASE, CLIENT_ID, SECRET, max_retries=2, backoff_factor=0, concurrency=concurrency
        ) as client,
        pytest.raises(OneLoginError) as caught,
    ):
        app_users(client, 9, workers=client.concurrency)
    assert caught.value.status == status
    assert len(api_calls(api)) == 1 + attempts + others


def test_a_failure_in_an_outer_gather_stops_an_inner_gather(
    stop_flags: list[threading.Event],
) -> None:
    inner_running = threading.Event()
    started: list[int] = []

    def inner_call(number: int) -> int:
        started.append(number)
        inner_running.set()
        assert stop_flags
        assert stop_flags[0].wait(timeout=10)  # the outer gather's flag
        return number

    def fail() -> int:
        assert inner_running.wait(timeout=10)
        raise ValueError("outer call failed")

    def inner() -> int:
        return sum(gather(2, [partial(inner_call, n) for n in range(50)]))

    with pytest.raises(ValueError, match="outer call failed"):
        gather(2, [fail, inner])
    assert len(started) <= 2


@pytest.mark.parametrize("total", ["2001", "1000000000", "9" * 40])
@pytest.mark.parametrize("reader", ["users listing", "app users", "get_all"])
def test_a_first_page_announcing_more_pages_than_the_tool_reads_is_refused_before_any_other(
    api: responses.RequestsMock, client: OneLoginClient, total: str, reader: str
) -> None:
    # Whatever its length: a Total-Pages of 10 digits or more used to read as none, and the
    # listing was paged to MAX_PAGES (minutes, and 200,000 items in memory).
    headers = {"Total-Pages": total, "Current-Page": "1"}
    url = f"{BASE}/api/2/apps/7/users" if reader == "app users" else USERS
    api.get(url, json=[user(i) for i in range(100)], headers=headers)
    read = {
        "users listing": lambda: users_by_email(
            client, [f"u{i}@x.io" for i in range(9)], need_custom_attributes=False, workers=4
        ),
        "app users": lambda: app_users(client, 7, workers=4),
        "get_all": lambda: client.list_users(email="u1@x.io"),
    }[reader]
    with pytest.raises(OneLoginError, match=r"the first page announces \d+.* pages, more than"):
        read()
    assert len(api_calls(api)) == 1
