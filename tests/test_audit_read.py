"""audit's reads (HTTP stubs): listings only, their pages plus a constant, never a call per user."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from responses import matchers

from onelogin_scim_setup.config.models import DEFAULT_CONNECTOR, Config
from onelogin_scim_setup.errors import OneLoginError, ScimError
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.ops.audit_read import read_both, read_onelogin, read_soe
from onelogin_scim_setup.soe.client import ScimClient, scim_retry
from tests.conftest import MINIMAL_CONFIG
from tests.helpers.onelogin_stub import BASE, CLIENT_ID, SECRET, token

API = f"{BASE}/api/2"
SCIM = "https://acme.stackenterprise.co/api/scim/v2"
CONFIG = Config.model_validate({**MINIMAL_CONFIG, "fields": {"title": {"enabled": True}}})
USER_FIELDS = "id,email,username,status,department,title,role_ids,custom_attributes"


def paged(
    api: responses.RequestsMock, url: str, pages: list[list[dict[str, Any]]], **params: str
) -> None:
    """Register `pages` behind After-Cursor headers, as OneLogin pages v2 lists (§1.5)."""
    for number, items in enumerate(pages, start=1):
        query = dict(params, **({"cursor": f"c{number}"} if number > 1 else {}))
        headers = (
            {"After-Cursor": f"c{number + 1}"} if number < len(pages) else {"Before-Cursor": "b"}
        )
        api.get(
            url,
            json=items,
            headers=headers,
            match=[matchers.query_param_matcher(query, strict_match=False)],
        )


def app_and_roles(api: responses.RequestsMock, source: str = "username") -> None:
    api.get(f"{API}/connectors", json=[{"id": 1, "name": DEFAULT_CONNECTOR}])
    api.get(f"{API}/apps", json=[{"id": 5, "name": "SCIM SOE", "connector_id": 1}])
    parameters = {"scimusername": {"user_attribute_mappings": source}}
    api.get(
        f"{API}/apps/5", json={"id": 5, "parameters": parameters, "provisioning": {"enabled": True}}
    )
    api.get(f"{API}/roles", json=[{"id": 11, "name": "SOE Moderators"}])
    paged(api, f"{API}/apps/5/users", [[{"id": 1}], [{"id": 2}]])


def wire_user(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": n,
        "email": f"u{n}@example.com",
        "username": f"U{n}",
        "status": 1,
        "title": "Dev",
        "role_ids": [11] if n == 1 else [],
        **extra,
    }


def test_onelogin_is_read_from_listings_with_their_pages_plus_a_constant(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    app_and_roles(api)
    users = [
        [wire_user(1, custom_attributes={"userType": "Moderator"})],
        [wire_user(2, custom_attributes={})],
        [wire_user(3, custom_attributes={})],
    ]
    paged(api, f"{API}/users", users, fields=USER_FIELDS)
    side = read_onelogin(client, CONFIG)
    assert [(u.user_name, u.assigned, u.roles, u.user_type, u.title) for u in side.users] == [
        ("U1", True, ("SOE Moderators",), "Moderator", "Dev"),
        ("U2", True, (), None, "Dev"),
        ("U3", False, (), None, "Dev"),
    ]
    # token, connectors, apps, the app, roles + 2 pages of app users + 3 pages of users
    assert len(api.calls) == 5 + 2 + 3


def test_custom_values_missing_from_the_list_come_from_one_listing_per_user_type(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    app_and_roles(api, source="email")
    paged(api, f"{API}/users", [[wire_user(1), wire_user(2)]], fields=USER_FIELDS)
    for value, ids in (("Registered", []), ("Moderator", [1]), ("Admin", [2])):
        paged(
            api, f"{API}/users", [[{"id": i} for i in ids]], **{"custom_attributes.userType": value}
        )
    side = read_onelogin(client, CONFIG)
    assert [(u.user_name, u.user_type) for u in side.users] == [
        ("u1@example.com", "Moderator"),
        ("u2@example.com", "Admin"),
    ]
    assert len(api.calls) == 5 + 2 + 1 + 3


def test_a_missing_app_is_an_error_that_says_to_apply_first(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(f"{API}/connectors", json=[{"id": 1, "name": DEFAULT_CONNECTOR}])
    api.get(f"{API}/apps", json=[])
    with pytest.raises(OneLoginError, match="no app named 'SCIM SOE'") as raised:
        read_onelogin(client, CONFIG)
    assert "apply" in str(raised.value.hint)


def scim_page(start: int, count: int, total: int) -> dict[str, Any]:
    users = [
        {"id": str(n), "userName": f"u{n}@example.com", "active": n % 2 == 0, "userType": "Admin"}
        for n in range(start, start + count)
    ]
    return {"totalResults": total, "startIndex": start, "itemsPerPage": count, "Resources": users}


def test_soe_is_paged_by_start_index_following_total_results() -> None:
    with responses.RequestsMock() as mock, ScimClient(SCIM, "scim-token-0123456789") as scim:
        for start, count in ((1, 100), (101, 100), (201, 50)):
            mock.get(
                f"{SCIM}/Users",
                json=scim_page(start, count, 250),
                match=[matchers.query_param_matcher({"startIndex": str(start), "count": "100"})],
            )
        users = read_soe(scim)
        assert len(mock.calls) == 3
    assert len(users) == 250
    assert (users[0].active, users[1].active, users[1].user_type) == (False, True, "Admin")


class InFlight:
    """Counts the requests a stub is answering at once; each answer takes `delay` seconds so the
    requests a client sends together overlap."""

    def __init__(self, delay: float = 0.05) -> None:
        self.delay = delay
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()

    def answer(
        self,
        body: Callable[[dict[str, str]], Any],
        headers: Callable[[dict[str, str]], dict[str, str]],
    ) -> Callable[[Any], tuple[int, dict[str, str], str]]:
        def callback(request: Any) -> tuple[int, dict[str, str], str]:
            query = {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            try:
                time.sleep(self.delay)
                return 200, headers(query), json.dumps(body(query))
            finally:
                with self.lock:
                    self.now -= 1

        return callback


def numbered_pages(
    items: Callable[[int], list[dict[str, Any]]], total: int
) -> tuple[Callable[[dict[str, str]], Any], Callable[[dict[str, str]], dict[str, str]]]:
    def body(query: dict[str, str]) -> Any:
        return items(int(query.get("page", "1")))

    def headers(query: dict[str, str]) -> dict[str, str]:
        return {"Total-Pages": str(total), "Current-Page": query.get("page", "1")}

    return body, headers


@pytest.mark.parametrize("concurrency", [1, 3])
def test_onelogin_listings_are_read_in_parallel_never_above_the_concurrency(
    concurrency: int,
) -> None:
    flight = InFlight()
    with responses.RequestsMock() as api:
        token(api)
        api.get(f"{API}/connectors", json=[{"id": 1, "name": DEFAULT_CONNECTOR}])
        api.get(f"{API}/apps", json=[{"id": 5, "name": "SCIM SOE", "connector_id": 1}])
        api.get(f"{API}/apps/5", json={"id": 5, "provisioning": {"enabled": True}})
        api.add_callback(
            responses.GET,
            f"{API}/roles",
            callback=flight.answer(*numbered_pages(lambda n: [{"id": 10 + n, "name": f"R{n}"}], 2)),
        )
        api.add_callback(
            responses.GET,
            f"{API}/apps/5/users",
            callback=flight.answer(*numbered_pages(lambda n: [{"id": n}], 4)),
        )
        api.add_callback(
            responses.GET,
            f"{API}/users",
            callback=flight.answer(
                *numbered_pages(lambda n: [wire_user(n, custom_attributes={})], 6)
            ),
        )
        with OneLoginClient(
            BASE, CLIENT_ID, SECRET, max_retries=0, backoff_factor=0, concurrency=concurrency
        ) as client:
            side = read_onelogin(client, CONFIG)
        calls = len(api.calls)
    assert [u.id for u in side.users] == [1, 2, 3, 4, 5, 6]  # in page order
    assert [u.assigned for u in side.users] == [True] * 4 + [False] * 2
    # token, connectors, apps, the app + 2 pages of roles, 4 of app users, 6 of users
    assert calls == 4 + 2 + 4 + 6
    assert flight.most == concurrency  # in parallel, never more than the concurrency at once


def test_the_two_sides_are_read_at_the_same_time() -> None:
    """OneLogin's listings and SOE's pages overlap (issue 22): with each client at concurrency 1
    (one request at a time each), a request of each side is in flight at once; one after the
    other, never more than one would be."""
    flight = InFlight(delay=0.03)
    with responses.RequestsMock() as api:
        token(api)
        api.get(f"{API}/connectors", json=[{"id": 1, "name": DEFAULT_CONNECTOR}])
        api.get(f"{API}/apps", json=[{"id": 5, "name": "SCIM SOE", "connector_id": 1}])
        api.get(f"{API}/apps/5", json={"id": 5, "provisioning": {"enabled": True}})
        api.add_callback(
            responses.GET,
            f"{API}/roles",
            callback=flight.answer(*numbered_pages(lambda n: [{"id": 10 + n, "name": f"R{n}"}], 1)),
        )
        api.add_callback(
            responses.GET,
            f"{API}/apps/5/users",
            callback=flight.answer(*numbered_pages(lambda n: [{"id": n}], 3)),
        )
        api.add_callback(
            responses.GET,
            f"{API}/users",
            callback=flight.answer(
                *numbered_pages(lambda n: [wire_user(n, custom_attributes={})], 3)
            ),
        )
        api.add_callback(responses.GET, f"{SCIM}/Users", callback=scim_callback(flight, 250, 250))
        with (
            OneLoginClient(
                BASE, CLIENT_ID, SECRET, max_retries=0, backoff_factor=0, concurrency=1
            ) as client,
            ScimClient(SCIM, "scim-token-0123456789", concurrency=1) as scim,
        ):
            onelogin, soe = read_both(client, scim, CONFIG)
    assert [u.id for u in onelogin.users] == [1, 2, 3]
    assert len(soe) == 250
    assert flight.most == 2  # one request of each side at once, each side within its bound


def test_a_missing_app_is_reported_before_either_side_s_listings_are_spent() -> None:
    with responses.RequestsMock() as api:
        token(api)
        api.get(f"{API}/connectors", json=[{"id": 1, "name": DEFAULT_CONNECTOR}])
        api.get(f"{API}/apps", json=[])
        with (
            OneLoginClient(BASE, CLIENT_ID, SECRET, max_retries=0, backoff_factor=0) as client,
            ScimClient(SCIM, "scim-token-0123456789", concurrency=4) as scim,
            pytest.raises(OneLoginError, match="no app named"),
        ):
            read_both(client, scim, CONFIG)
        paths = [urlsplit(str(call.request.url)).path for call in api.calls]
    assert not any(path.endswith("/Users") for path in paths)  # no SOE page asked
    assert len(paths) == 3  # the token, the connectors, the apps


def scim_callback(
    flight: InFlight, total: int, served: int, per_page: int = 100
) -> Callable[[Any], tuple[int, dict[str, str], str]]:
    """A SCIM server holding `served` users but saying `totalResults` is `total`."""

    def body(query: dict[str, str]) -> Any:
        start = int(query["startIndex"])
        count = max(0, min(per_page, served - start + 1))
        return scim_page(start, count, total)

    return flight.answer(body, lambda query: {})


@pytest.mark.parametrize("concurrency", [1, 4])
def test_soe_pages_after_the_first_are_asked_in_parallel_by_start_index(concurrency: int) -> None:
    flight = InFlight(delay=0.02)
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, f"{SCIM}/Users", callback=scim_callback(flight, 950, 950))
        with ScimClient(SCIM, "scim-token-0123456789", concurrency=concurrency) as scim:
            users = read_soe(scim)
        starts = [parse_qs(urlsplit(str(c.request.url)).query)["startIndex"][0] for c in mock.calls]
    assert [u.id for u in users] == [str(n) for n in range(1, 951)]  # in order
    assert sorted(map(int, starts)) == list(range(1, 951, 100))  # 10 pages, each once
    assert flight.most == min(concurrency, 9)


def test_soe_pages_follow_the_server_s_own_page_size() -> None:
    flight = InFlight(delay=0)
    with responses.RequestsMock() as mock:
        mock.add_callback(
            responses.GET, f"{SCIM}/Users", callback=scim_callback(flight, 120, 120, per_page=50)
        )
        with ScimClient(SCIM, "scim-token-0123456789", concurrency=4) as scim:
            users = read_soe(scim)
        assert len(mock.calls) == 3
    assert [u.id for u in users] == [str(n) for n in range(1, 121)]


def test_soe_total_above_what_the_server_holds_ends_at_the_first_empty_page() -> None:
    flight = InFlight(delay=0)
    with responses.RequestsMock() as mock:
        mock.add_callback(
            responses.GET, f"{SCIM}/Users", callback=scim_callback(flight, 10**12, 250)
        )
        with ScimClient(SCIM, "scim-token-0123456789", concurrency=2) as scim:
            users = read_soe(scim)
        calls = len(mock.calls)
    assert len(users) == 250
    assert calls <= 1 + 2 * 4  # the first page, then one wave of concurrency x 4 pages


@pytest.mark.parametrize("concurrency", [1, 4])
def test_soe_server_that_ignores_start_index_is_an_error_not_a_loop(concurrency: int) -> None:
    with responses.RequestsMock() as mock:
        mock.get(f"{SCIM}/Users", json=scim_page(1, 100, 1000))
        with (
            ScimClient(SCIM, "scim-token-0123456789", concurrency=concurrency) as scim,
            pytest.raises(ScimError, match="repeated users already listed"),
        ):
            read_soe(scim)
        assert len(mock.calls) <= 1 + concurrency * 4


def test_a_failing_soe_page_stops_the_pages_not_yet_asked() -> None:
    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        start = int(parse_qs(urlsplit(str(request.url)).query)["startIndex"][0])
        if start == 201:
            return 503, {}, json.dumps({"ErrorMessage": "down"})
        time.sleep(0.01)
        return 200, {}, json.dumps(scim_page(start, 100, 100_000))

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, f"{SCIM}/Users", callback=answer)
        with (
            ScimClient(SCIM, "scim-token-0123456789", concurrency=2, retry=scim_retry(0)) as scim,
            pytest.raises(ScimError, match="503"),
        ):
            read_soe(scim)
        calls = len(mock.calls)
    assert calls <= 1 + 2 * 4  # the first page and at most one wave, never the 1,000 pages


def test_a_list_that_ignores_fields_falls_back_to_role_listings_and_marks_title_not_checked(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    # The documented list keys: no role_ids, department, title or custom_attributes.
    app_and_roles(api, source="email")
    bare = [{"id": n, "email": f"u{n}@example.com", "status": 1} for n in (1, 2)]
    paged(api, f"{API}/users", [bare], fields=USER_FIELDS)
    for value, ids in (("Registered", []), ("Moderator", [1]), ("Admin", [])):
        paged(
            api, f"{API}/users", [[{"id": i} for i in ids]], **{"custom_attributes.userType": value}
        )
    paged(api, f"{API}/roles/11/users", [[{"id": 2}]])
    side = read_onelogin(client, CONFIG)
    assert [(u.roles, u.title) for u in side.users] == [((), None), (("SOE Moderators",), None)]
    assert side.unchecked == frozenset({"title"})
    assert any("so title is not checked" in note for note in side.notes)
    assert any("no role_ids" in note for note in side.notes)
    # the constant, 2 pages of app users, the user list, 3 per-userType listings, 1 role listing
    assert len(api.calls) == 5 + 2 + 1 + 3 + 1


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("id", "abc", "field id"),
        ("email", 5, "field email"),
        ("username", ["U1"], "field username"),
        ("status", "active", "field status"),
        ("status", True, "field status"),
        ("role_ids", ["eleven"], "field role_ids[0]"),
        ("role_ids", "11", "field role_ids"),
        ("title", {"a": 1}, "field title"),
        ("custom_attributes", [1], "field custom_attributes"),
        ("custom_attributes", {"userType": {"a": 1}}, "field custom_attributes.userType"),
    ],
)
def test_a_malformed_field_of_a_listed_user_is_an_error_naming_it(
    api: responses.RequestsMock, client: OneLoginClient, field: str, value: Any, named: str
) -> None:
    """audit reads every field through the same checks as plan (onelogin.read.check_users)."""
    app_and_roles(api)
    paged(api, f"{API}/users", [[wire_user(1, **{field: value})]], fields=USER_FIELDS)
    with pytest.raises(OneLoginError) as raised:
        read_onelogin(client, CONFIG)
    assert raised.value.path == "/api/2/users"
    assert named in raised.value.message


def test_a_malformed_field_of_the_app_is_an_error_naming_it(client: OneLoginClient) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        token(api)
        api.get(f"{API}/connectors", json=[{"id": 1, "name": DEFAULT_CONNECTOR}])
        api.get(f"{API}/apps", json=[{"id": 5, "name": "SCIM SOE", "connector_id": 1}])
        api.get(f"{API}/apps/5", json={"id": 5, "provisioning": {"enabled": "yes"}})
        api.get(f"{API}/roles", json=[{"id": 11, "name": "SOE Moderators"}])
        api.get(f"{API}/apps/5/users", json=[{"id": 1}])
        api.get(f"{API}/users", json=[wire_user(1)])
        with pytest.raises(OneLoginError) as raised:
            read_onelogin(client, CONFIG)
    assert raised.value.path == "/api/2/apps/5"
    assert "field provisioning.enabled" in raised.value.message
