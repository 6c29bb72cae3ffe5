"""onelogin/mappings.py: which wire mappings the tool owns (and so may ever delete or rename), how
duplicates and adopted old names are keyed, and when the mapping vocabulary is read at all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses

from onelogin_scim_setup.model.snapshot import Ids
from onelogin_scim_setup.model.tenant import CustomField, MappingShape, Tenant, UserMapping
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.mappings import mapping_from_wire, read_mappings
from tests.helpers.onelogin_stub import BASE, count, token

API = f"{BASE}/api/2"
PREFIX = "acme.scim"
OURS = f"{PREFIX}: userType for role Mods"
OLD = "scim-setup: userType for role Mods"
WIRE: dict[str, Any] = {
    "id": 3,
    "name": OURS,
    "enabled": True,
    "conditions": [{"source": "has_role", "operator": "ri", "value": "7"}],
    "actions": [{"action": "set_usertype", "value": ["Moderator"]}],
}
READ = UserMapping(OURS, True, "Mods", "userType", "Moderator")
DESIRED = Tenant(mappings={OURS: UserMapping(OURS, True, "Mods", "userType", "Admin")})
FIELD = CustomField("userType", "userType")


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        token(mock)
        mock.get(
            f"{API}/mappings/actions", json=[{"name": "Set userType", "value": "set_usertype"}]
        )
        mock.get(
            f"{API}/mappings/conditions/has_role/operators",
            json=[{"name": "includes", "value": "ri"}],
        )
        mock.get(f"{API}/roles", json=[{"id": 7, "name": "Mods"}])
        yield mock


def owned(
    client: OneLoginClient,
    listed: list[dict[str, Any]],
    *,
    desired: Tenant = DESIRED,
    adopt: dict[str, str] | None = None,
    fields: dict[str, CustomField] | None = None,
    ids: Ids | None = None,
) -> tuple[dict[str, UserMapping], Ids]:
    ids = Ids() if ids is None else ids
    tenant_fields = {"userType": FIELD} if fields is None else fields
    found = read_mappings(client, desired, ids, PREFIX, adopt or {}, tenant_fields, listed)
    return found, ids


@pytest.mark.parametrize(
    ("name", "ours"),
    [
        pytest.param(OURS, True, id="the prefix itself"),
        pytest.param("acmeXscim: userType for role Mods", False, id="dot is not a wildcard"),
        pytest.param(f"{PREFIX}: userType for role Mods\nand Admins", True, id="role over lines"),
        pytest.param(f"{PREFIX}: userType for role ", False, id="no role"),
        pytest.param(f"{PREFIX}: 1userType for role Mods", False, id="shortname not a name"),
        pytest.param(f"{PREFIX}: user-type for role Mods", False, id="shortname with a dash"),
        pytest.param(f"{PREFIX}: userType for Mods", False, id="no 'role'"),
        pytest.param(f"{PREFIX}: userType", False, id="no role part"),
    ],
)
def test_a_mapping_is_ours_only_by_the_literal_prefix_and_the_whole_name_form(
    api: responses.RequestsMock, client: OneLoginClient, name: str, ours: bool
) -> None:
    found, ids = owned(client, [{**WIRE, "name": name}], desired=Tenant())
    assert (list(found), list(ids.mappings)) == (([name], [name]) if ours else ([], []))


def test_a_mapping_the_config_names_is_ours_whatever_its_name(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    name = "Promote moderators"
    desired = Tenant(mappings={name: UserMapping(name, True, "Mods", "userType", "Moderator")})
    found, ids = owned(client, [{**WIRE, "name": name}], desired=desired)
    assert (found, ids.mappings) == (
        {name: UserMapping(name, True, "Mods", "userType", "Moderator")},
        {name: 3},
    )


@pytest.mark.parametrize(
    ("desired", "adopt"),
    [
        pytest.param(DESIRED, {}, id="config names ours"),
        pytest.param(Tenant(mappings={"None": READ}), {}, id="config names 'None'"),
        pytest.param(DESIRED, {"None": OURS}, id="adopting 'None'"),
    ],
)
def test_a_mapping_without_a_name_is_not_ours(
    api: responses.RequestsMock, client: OneLoginClient, desired: Tenant, adopt: dict[str, str]
) -> None:
    nameless = {key: value for key, value in WIRE.items() if key != "name"}
    found, ids = owned(client, [nameless], desired=desired, adopt=adopt)
    assert (found, ids.mappings) == ({}, {})


@pytest.mark.parametrize("order", [[9, 4], [4, 9]], ids=["higher id first", "lower id first"])
def test_of_two_mappings_with_our_name_the_lowest_id_keeps_it(
    api: responses.RequestsMock, client: OneLoginClient, order: list[int]
) -> None:
    found, ids = owned(client, [{**WIRE, "id": mapping_id} for mapping_id in order])
    assert ids.mappings == {OURS: 4, f"{OURS} (id 9)": 9}
    assert list(found) == [OURS, f"{OURS} (id 9)"]


def test_ids_are_compared_as_numbers_not_text(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    _, ids = owned(client, [{**WIRE, "id": "10"}, {**WIRE, "id": "9"}])
    assert ids.mappings == {OURS: 9, f"{OURS} (id 10)": 10}


def test_an_old_name_is_adopted_under_its_new_name(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    found, ids = owned(client, [{**WIRE, "id": 5, "name": OLD}], adopt={OLD: OURS})
    assert (found, ids.mappings) == (
        {OURS: UserMapping(OLD, True, "Mods", "userType", "Moderator")},
        {OURS: 5},
    )


def test_an_old_name_edited_by_hand_is_not_adopted(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    edited = {**WIRE, "id": 5, "name": OLD, "actions": []}
    assert owned(client, [edited], adopt={OLD: OURS})[0] == {}


def test_an_old_name_is_not_adopted_when_the_new_name_exists(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    found, ids = owned(client, [WIRE, {**WIRE, "id": 5, "name": OLD}], adopt={OLD: OURS})
    assert (found, ids.mappings) == ({OURS: READ}, {OURS: 3})


def test_nothing_owned_and_no_field_to_map_reads_no_vocabulary(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    found, ids = owned(client, [{**WIRE, "name": "Sales"}], desired=Tenant())
    assert (found, ids.vocabulary, count(api, f"{API}/mappings/actions")) == ({}, None, 0)


@pytest.mark.parametrize(
    ("actions", "has_action"),
    [([{"name": "Set userType", "value": "set_usertype"}], True), ([], False)],
    ids=["action listed", "no action yet"],
)
def test_a_wanted_field_is_checked_for_its_action_before_any_mapping_exists(
    api: responses.RequestsMock, client: OneLoginClient, actions: list[Any], has_action: bool
) -> None:
    api.replace(responses.GET, f"{API}/mappings/actions", json=actions)
    fields = {"userType": FIELD, "dept": CustomField("dept", "Dept")}
    found, _ = owned(client, [], fields=fields)
    assert found == {}
    assert fields == {
        "userType": CustomField("userType", "userType", mapping_action=has_action),
        "dept": CustomField("dept", "Dept"),
    }


def test_known_role_ids_spare_the_role_listing(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    found, _ = owned(client, [WIRE], ids=Ids(roles={"Moderators": 7}))
    assert (found[OURS].role, count(api, f"{API}/roles")) == ("Moderators", 0)


def test_listed_roles_are_kept_for_apply(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    assert owned(client, [WIRE])[1].roles == {"Mods": 7}


def test_a_field_found_by_label_reads_its_mappings(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.replace(
        responses.GET,
        f"{API}/mappings/actions",
        json=[{"name": "Set User Type", "value": "custom_attribute_17"}],
    )
    wire = {**WIRE, "actions": [{"action": "custom_attribute_17", "value": ["Moderator"]}]}
    found, _ = owned(client, [wire], fields={"userType": CustomField("userType", "User Type")})
    assert found == {OURS: READ}


FIELD_OF = {"set_usertype": "userType"}
ROLES = {7: "Mods"}


@pytest.mark.parametrize(
    ("edit", "read"),
    [
        pytest.param({}, READ, id="exact shape"),
        pytest.param({"enabled": None}, UserMapping(OURS, False, "Mods", "userType", "Moderator"), id="enabled missing"),
        pytest.param({"conditions": None}, UserMapping(OURS, True, "", "", "", MappingShape.OTHER), id="conditions null"),
        pytest.param({"actions": None}, UserMapping(OURS, True, "", "", "", MappingShape.OTHER), id="actions null"),
        pytest.param({"actions": [{"action": "set_usertype", "value": None}]}, UserMapping(OURS, True, "", "", "", MappingShape.OTHER), id="value null"),
        pytest.param({"conditions": [{"source": "has_role", "operator": "ri", "value": 7}]}, READ, id="role id as a number"),
    ],
)  # fmt: skip
def test_a_wire_mapping_is_read_in_the_tools_vocabulary(
    edit: dict[str, Any], read: UserMapping
) -> None:
    raw = {key: value for key, value in {**WIRE, **edit}.items() if key != "enabled" or value}
    assert mapping_from_wire(raw, "ri", ROLES, FIELD_OF) == read


def test_a_mapping_made_by_hand_as_hinted_lends_its_action_so_the_fix_converges(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    # The tenant names the action so no rule fits; the operator made the mapping by hand with the
    # tool's name and that action: it is read as the tool's own, and the field has its action.
    listed = [{"name": "Set custom attribute userType", "value": "opaque_1"}]
    api.replace(responses.GET, f"{API}/mappings/actions", json=listed)
    hand_made = {**WIRE, "actions": [{"action": "opaque_1", "value": ["Moderator"]}]}
    fields = {"userType": FIELD}
    found, ids = owned(client, [hand_made], fields=fields)
    assert found == {OURS: READ}
    assert ids.vocabulary is not None
    assert ids.vocabulary.matches["userType"].how == "hand-made mapping"
    assert fields["userType"].mapping_action is True


def test_a_hand_made_mapping_with_an_unlisted_action_lends_nothing(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    listed = [{"name": "Set custom attribute userType", "value": "opaque_1"}]
    api.replace(responses.GET, f"{API}/mappings/actions", json=listed)
    hand_made = {**WIRE, "actions": [{"action": "opaque_9", "value": ["Moderator"]}]}
    fields = {"userType": FIELD}
    found, _ = owned(client, [hand_made], fields=fields)
    assert found[OURS].shape is MappingShape.OTHER
    assert fields["userType"].mapping_action is False
    assert "'Set custom attribute userType' (opaque_1)" in fields["userType"].action_note
