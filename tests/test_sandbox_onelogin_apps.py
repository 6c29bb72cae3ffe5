"""Connectors and apps in the OneLogin emulator: defaults, merge semantics, role_ids, SCIM config."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox_conftest_fixtures import ROLE_IDS, SCIM_ENTERPRISE, OneLogin, running


@pytest.fixture
def onelogin() -> Iterator[OneLogin]:
    with running() as sandbox:
        yield OneLogin(sandbox)


def test_connector_search_is_a_partial_match(onelogin: OneLogin) -> None:
    found = onelogin.ok("GET", "/api/2/connectors", name="SCIM v2 Enterprise")
    names = {c["id"]: c["name"] for c in found}
    assert names[SCIM_ENTERPRISE] == "SCIM Provisioner with SAML (SCIM v2 Enterprise)"
    assert 156557 in names
    assert all(c["auth_method"] == 2 and c["allows_new_parameters"] for c in found)


def test_scim_enterprise_app_comes_with_the_connector_parameters(onelogin: OneLogin) -> None:
    app = onelogin.ok("POST", "/api/2/apps", {"connector_id": SCIM_ENTERPRISE, "name": "SCIM SOE"})
    assert set(app["parameters"]) == {
        "scimusername",
        "department",
        "title",
        "external_manager_id",
        "groups",
    }
    assert app["parameters"]["scimusername"]["user_attribute_mappings"] == "email"
    assert app["provisioning"] == {"enabled": False}
    assert app["role_ids"] == []
    assert "scim_base_url" not in app["configuration"]


def test_unknown_connector_is_422(onelogin: OneLogin) -> None:
    response = onelogin.call("POST", "/api/2/apps", {"connector_id": 1, "name": "X"})
    assert response.status_code == 422
    assert response.json()["name"] == "UnprocessableEntityError"


def test_put_merges_only_the_fields_sent(onelogin: OneLogin) -> None:
    app_id = onelogin.create_scim_app()
    onelogin.ok("PUT", f"/api/2/apps/{app_id}", {"description": "SOE provisioning"})
    app = onelogin.ok("GET", f"/api/2/apps/{app_id}")
    assert app["description"] == "SOE provisioning"
    assert app["name"] == "SCIM SOE"
    assert app["role_ids"] == [ROLE_IDS["Engineering"]]
    assert app["provisioning"] == {"enabled": True}


def test_role_ids_replace_the_list_and_match_the_role_view(onelogin: OneLogin) -> None:
    app_id = onelogin.create_scim_app(("Engineering", "Sales"))
    onelogin.ok("PUT", f"/api/2/apps/{app_id}", {"role_ids": [ROLE_IDS["SOE Moderators"]]})
    assert onelogin.ok("GET", f"/api/2/apps/{app_id}")["role_ids"] == [ROLE_IDS["SOE Moderators"]]
    moderators = onelogin.ok("GET", f"/api/2/roles/{ROLE_IDS['SOE Moderators']}/apps")
    engineering = onelogin.ok("GET", f"/api/2/roles/{ROLE_IDS['Engineering']}/apps")
    assert [a["id"] for a in moderators] == [app_id]
    assert engineering == []


def test_parameters_merge_by_name_and_new_ones_get_an_id(onelogin: OneLogin) -> None:
    app_id = onelogin.create_scim_app()
    before = onelogin.ok("GET", f"/api/2/apps/{app_id}")["parameters"]
    body = {
        "parameters": {
            "department": {"include_in_saml_assertion": True, "label": "ignored on update"},
            "userType": {
                "label": "User Type",
                "user_attribute_mappings": "custom_attribute_userType",
            },
        }
    }
    after = onelogin.ok("PUT", f"/api/2/apps/{app_id}", body)["parameters"]
    assert after["department"]["include_in_saml_assertion"] is True
    assert after["department"]["label"] == before["department"]["label"]
    assert after["department"]["id"] == before["department"]["id"]
    assert after["userType"]["label"] == "User Type"
    assert after["userType"]["id"] not in {p["id"] for p in before.values()}
    assert set(before) < set(after)


def test_parameter_values_keep_the_wire_shape(onelogin: OneLogin) -> None:
    app_id = onelogin.create_scim_app()
    body = {"parameters": {"groups": {"default_values": ["a"]}, "title": {"default_values": "x"}}}
    parameters = onelogin.ok("PUT", f"/api/2/apps/{app_id}", body)["parameters"]
    assert parameters["groups"]["default_values"] == ["a"]
    assert parameters["title"]["default_values"] == "x"


def test_connector_parameters_cannot_be_deleted_but_added_ones_can(onelogin: OneLogin) -> None:
    app_id = onelogin.create_scim_app()
    body = {"parameters": {"userType": {"user_attribute_mappings": "custom_attribute_userType"}}}
    parameters = onelogin.ok("PUT", f"/api/2/apps/{app_id}", body)["parameters"]
    title = onelogin.call("DELETE", f"/api/2/apps/{app_id}/parameters/{parameters['title']['id']}")
    assert title.status_code == 403
    added = onelogin.call(
        "DELETE", f"/api/2/apps/{app_id}/parameters/{parameters['userType']['id']}"
    )
    assert added.status_code == 204
    assert "userType" not in onelogin.ok("GET", f"/api/2/apps/{app_id}")["parameters"]


def test_new_parameter_on_a_closed_connector_is_422(onelogin: OneLogin) -> None:
    app = onelogin.ok("POST", "/api/2/apps", {"connector_id": 100346, "name": "Zoom"})
    response = onelogin.call("PUT", f"/api/2/apps/{app['id']}", {"parameters": {"x": {}}})
    assert response.status_code == 422


def test_sso_is_read_only(onelogin: OneLogin) -> None:
    app_id = onelogin.create_scim_app()
    before = onelogin.ok("GET", f"/api/2/apps/{app_id}")["sso"]
    after = onelogin.ok("PUT", f"/api/2/apps/{app_id}", {"sso": {"issuer": "mine"}})["sso"]
    assert after == before != {}


@pytest.mark.parametrize(("name", "count"), [("SCIM SOE", 1), ("SCIM*", 1), ("scim", 0), ("*", 2)])
def test_app_list_filters_by_exact_name_or_wildcard(
    onelogin: OneLogin, name: str, count: int
) -> None:
    onelogin.create_scim_app()
    assert len(onelogin.ok("GET", "/api/2/apps", name=name)) == count


def test_app_list_filters_by_connector(onelogin: OneLogin) -> None:
    app_id = onelogin.create_scim_app()
    found = onelogin.ok("GET", "/api/2/apps", connector_id=SCIM_ENTERPRISE)
    assert [a["id"] for a in found] == [app_id]


def test_delete_app_is_204_then_404(onelogin: OneLogin) -> None:
    app_id = onelogin.create_scim_app()
    assert onelogin.call("DELETE", f"/api/2/apps/{app_id}").status_code == 204
    assert onelogin.call("GET", f"/api/2/apps/{app_id}").status_code == 404
    assert onelogin.ok("GET", f"/api/2/roles/{ROLE_IDS['Engineering']}/apps") == []


def test_scim_configuration_is_hidden_and_ignored_by_default(onelogin: OneLogin) -> None:
    app_id = onelogin.create_scim_app()
    body = {"configuration": {"scim_base_url": "http://127.0.0.1:1/api/scim/v2"}}
    app = onelogin.ok("PUT", f"/api/2/apps/{app_id}", body)
    assert "scim_base_url" not in app["configuration"]
    assert onelogin.state()["apps"][-1]["scim"]["base_url"] is None


def test_exposed_scim_configuration_is_read_and_written() -> None:
    with running(expose_scim_configuration=True) as sandbox:
        onelogin = OneLogin(sandbox)
        app_id = onelogin.create_scim_app()
        body = {
            "configuration": {"scim_base_url": "http://127.0.0.1:1/v2", "scim_bearer_token": "t0k"}
        }
        configuration = onelogin.ok("PUT", f"/api/2/apps/{app_id}", body)["configuration"]
        assert configuration["scim_base_url"] == "http://127.0.0.1:1/v2"
        assert configuration["scim_bearer_token"] == "t0k"
        assert configuration["scim_json_template"] is None
        state = onelogin.state()["apps"][-1]
        assert state["configuration"]["scim_bearer_token"].startswith("sha256:")


def test_provisioning_enabled_can_be_silently_ignored() -> None:
    with running(provisioning_enabled_sticks=False) as sandbox:
        onelogin = OneLogin(sandbox)
        app_id = onelogin.create_scim_app()
        response = onelogin.call(
            "PUT", f"/api/2/apps/{app_id}", {"provisioning": {"enabled": True}}
        )
        assert response.status_code == 200
        assert response.json()["provisioning"] == {"enabled": False}
