"""audit's reads (HTTP stubs): listings only, their pages plus a constant, never a call per user."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from responses import matchers

from onelogin_scim_setup.audit.read import read_onelogin, read_soe
from onelogin_scim_setup.config.models import DEFAULT_CONNECTOR, Config
from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.soe.client import ScimClient
from tests.conftest import MINIMAL_CONFIG
from tests.helpers.onelogin_stub import BASE

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
