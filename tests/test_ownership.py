"""What the tool owns in a shared tenant: per-app mapping names, old names adopted, duplicates
(from applies on two machines) detected by plan. HTTP stubbed by `responses`."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from responses import matchers

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.errors import Refused
from onelogin_scim_setup.model.snapshot import Ids, Snapshot
from onelogin_scim_setup.model.tenant import App, Tenant
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.read import read
from onelogin_scim_setup.ops.apply import apply_plan
from onelogin_scim_setup.plan.changes import Action, Kind, Plan
from onelogin_scim_setup.plan.computed import ComputedPlan, WireValues
from onelogin_scim_setup.plan.desired import adopted_names, build, mapping_prefix
from onelogin_scim_setup.plan.diff import diff
from tests.conftest import MINIMAL_CONFIG
from tests.helpers.onelogin_stub import BASE, token

API = f"{BASE}/api/2"
ROLES = {"SOE Moderators": 8, "Sales": 7}
CONNECTOR = "SCIM Provisioner with SAML (SCIM v2 Enterprise)"


def config_for(app_name: str = "SCIM SOE", prefix: str | None = None) -> Config:
    data: dict[str, Any] = copy.deepcopy(MINIMAL_CONFIG)
    data["app"] = {**data["app"], "name": app_name}
    if prefix is not None:
        data["app"]["mapping_prefix"] = prefix
    return Config.model_validate(data)


def wire_mapping(mapping_id: int, name: str, role: str = "SOE Moderators") -> dict[str, Any]:
    return {
        "id": mapping_id,
        "name": name,
        "enabled": True,
        "match": "all",
        "position": mapping_id,
        "conditions": [{"source": "has_role", "operator": "ri", "value": str(ROLES[role])}],
        "actions": [{"action": "set_usertype", "value": ["Moderator"]}],
    }


def stub_tenant(api: responses.RequestsMock, mappings: list[dict[str, Any]]) -> None:
    api.get(f"{API}/users/custom_attributes", json=[{"shortname": "userType", "name": "userType"}])
    api.get(f"{API}/roles", json=[{"id": i, "name": n} for n, i in ROLES.items()])
    api.get(
        f"{API}/mappings",
        json=mappings,
        match=[matchers.query_param_matcher({"enabled": "true"})],
    )
    api.get(f"{API}/mappings", json=[], match=[matchers.query_param_matcher({"enabled": "false"})])
    api.get(f"{API}/mappings/actions", json=[{"name": "Set userType", "value": "set_usertype"}])
    api.get(
        f"{API}/mappings/conditions/has_role/operators", json=[{"name": "includes", "value": "ri"}]
    )


def computed_for(config: Config, client: OneLoginClient) -> ComputedPlan:
    """The mapping half of compute_plan: desired mappings only, read and diffed as the engine does."""
    built = build(config, template="{}", token_fingerprint=None)
    desired = Tenant(mappings=built.mappings)
    snapshot = read(
        client,
        desired,
        mapping_prefix=mapping_prefix(config),
        sensitive_keys=frozenset(),
        adopt_mappings=adopted_names(config),
    )
    plan = diff(snapshot.tenant, desired, create_roles=False, sensitive=frozenset())
    return ComputedPlan(plan, desired, snapshot, WireValues({}))


def summary(plan: Plan) -> list[tuple[str, str]]:
    return [(c.action.value, c.key) for c in plan.changes]


def writes(api: responses.RequestsMock) -> list[tuple[str, str, Any]]:
    return [
        (
            str(c.request.method),
            str(c.request.url).removeprefix(API),
            json.loads(c.request.body) if c.request.body else None,
        )
        for c in api.calls
        if c.request.method != "GET" and "/auth/" not in str(c.request.url)
    ]


NEW = "onelogin-scim-setup/SCIM SOE: userType for role SOE Moderators"
OLD = "onelogin-scim-setup: userType for role SOE Moderators"


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """Stubs that may go unused: some tests here check that nothing is asked at all."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        token(mock)
        yield mock


def test_default_prefix_is_per_app() -> None:
    assert mapping_prefix(config_for("Prod")) == "onelogin-scim-setup/Prod"
    assert mapping_prefix(config_for("Prod", prefix="mine")) == "mine"


def test_duplicate_owned_mapping_is_deleted_keeping_the_lowest_id(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    stub_tenant(api, [wire_mapping(31, NEW), wire_mapping(30, NEW)])
    computed = computed_for(config_for(), client)
    [change] = computed.plan.changes
    assert (change.action, change.key) == (Action.DELETE, f"{NEW} (id 31)")
    assert "lowest id is kept" in change.note


def test_apply_deletes_only_the_duplicate(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    stub_tenant(api, [wire_mapping(31, NEW), wire_mapping(30, NEW)])
    api.delete(f"{API}/mappings/31", status=204)
    apply_plan(computed_for(config_for(), client), client)
    assert writes(api) == [("DELETE", "/mappings/31", None)]


def test_old_default_mapping_is_adopted_by_renaming_not_deleted(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    stub_tenant(api, [wire_mapping(30, OLD)])
    computed = computed_for(config_for(), client)
    [change] = computed.plan.changes
    assert (change.action, change.key) == (Action.UPDATE, NEW)
    assert [(f.name, f.before, f.after) for f in change.fields] == [("name", OLD, NEW)]
    assert "adopted" in change.note


def test_apply_renames_the_adopted_mapping_in_place(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    stub_tenant(api, [wire_mapping(30, OLD)])
    api.put(f"{API}/mappings/30", json={"id": 30})
    api.get(f"{API}/mappings/30", json=wire_mapping(30, NEW))
    apply_plan(computed_for(config_for(), client), client)
    [(method, path, body)] = writes(api)
    assert (method, path, body["name"]) == ("PUT", "/mappings/30", NEW)


def test_explicit_prefix_keeps_its_names_and_adopts_nothing(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    stub_tenant(api, [wire_mapping(30, OLD)])
    computed = computed_for(config_for(prefix="onelogin-scim-setup"), client)
    assert summary(computed.plan) == []


@pytest.mark.parametrize(
    "foreign",
    [
        # the separator: a prefix that merely starts like ours is another owner's
        "onelogin-scim-setup-eu: userType for role Sales",
        # another app's mappings under the per-app default
        "onelogin-scim-setup/Staging: userType for role Sales",
        # the old shared name, for a role this config does not promote: left alone, not deleted
        "onelogin-scim-setup: userType for role Sales",
        # our prefix, but not a name the tool makes
        "onelogin-scim-setup/SCIM SOE: hand-made rule",
    ],
)
def test_mappings_the_config_does_not_own_are_never_touched(
    api: responses.RequestsMock, client: OneLoginClient, foreign: str
) -> None:
    stub_tenant(api, [wire_mapping(30, NEW), wire_mapping(40, foreign, role="Sales")])
    computed = computed_for(config_for(), client)
    assert summary(computed.plan) == []


def test_separator_is_required_for_an_explicit_prefix(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    eu = "onelogin-scim-setup-eu: userType for role Sales"
    ours = "onelogin-scim-setup: userType for role SOE Moderators"
    stub_tenant(api, [wire_mapping(30, ours), wire_mapping(40, eu, role="Sales")])
    computed = computed_for(config_for(prefix="onelogin-scim-setup"), client)
    assert eu not in computed.snapshot.tenant.mappings
    assert summary(computed.plan) == []


@pytest.mark.parametrize(("mine", "theirs"), [("Prod", "Staging"), ("Staging", "Prod")])
def test_two_configs_for_two_apps_leave_each_others_mappings_alone(
    api: responses.RequestsMock, client: OneLoginClient, mine: str, theirs: str
) -> None:
    their_mapping = f"onelogin-scim-setup/{theirs}: userType for role Sales"
    my_mapping = f"onelogin-scim-setup/{mine}: userType for role SOE Moderators"
    stub_tenant(api, [wire_mapping(30, my_mapping), wire_mapping(40, their_mapping, "Sales")])
    computed = computed_for(config_for(mine), client)
    assert summary(computed.plan) == []
    assert list(computed.snapshot.tenant.mappings) == [my_mapping]


def test_two_apps_of_our_name_are_a_conflict_listing_ids_and_the_fix() -> None:
    desired = Tenant(app=App("SCIM SOE", CONNECTOR))
    current = Tenant(app=App("SCIM SOE", CONNECTOR, duplicate_ids=(11, 12)))
    plan = diff(current, desired, create_roles=False, sensitive=frozenset())
    [conflict] = plan.changes
    assert (conflict.action, conflict.kind) == (Action.CONFLICT, Kind.APP)
    assert "ids 11, 12" in conflict.note
    assert "delete or rename the others" in conflict.note


def test_apply_refuses_two_apps_of_our_name_before_any_write(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    desired = Tenant(app=App("SCIM SOE", CONNECTOR))
    current = Tenant(app=App("SCIM SOE", CONNECTOR, duplicate_ids=(11, 12)))
    plan = diff(current, desired, create_roles=False, sensitive=frozenset())
    computed = ComputedPlan(plan, desired, Snapshot(current, Ids()), WireValues({}))
    with pytest.raises(Refused, match="ids 11, 12"):
        apply_plan(computed, client)
    assert writes(api) == []
