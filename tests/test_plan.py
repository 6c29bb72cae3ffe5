"""The pure diff: desired vs current Tenant -> typed changes in dependency order."""

from __future__ import annotations

import pytest

from onelogin_scim_setup.engine.diff import diff
from onelogin_scim_setup.engine.plan import Action, Change, FieldChange, Kind, Plan
from onelogin_scim_setup.engine.tenant import (
    App,
    CustomField,
    MappingShape,
    Parameter,
    RoleAssignment,
    Tenant,
    UserMapping,
    UserValues,
)

CONNECTOR = "SCIM Provisioner with SAML (SCIM v2 Enterprise)"


def desired_tenant() -> Tenant:
    return Tenant(
        custom_fields={"userType": CustomField("userType", "userType")},
        app=App("SCIM SOE", CONNECTOR, (("scim_bearer_token", "sha256:aaaaaaaa"),)),
        provisioning=True,
        parameters={"userType": Parameter("userType", "custom_attribute_userType", True)},
        roles={
            "Engineering": RoleAssignment("Engineering", True),
            "Mods": RoleAssignment("Mods", False),
        },
        mappings={
            "p: userType for role Mods": UserMapping(
                "p: userType for role Mods", True, "Mods", "userType", "Moderator"
            )
        },
        users={
            "dave@example.com": UserValues(
                "dave@example.com", (("custom_attributes.userType", "Moderator"),)
            )
        },
    )


def plan_for(current: Tenant, *, create_roles: bool = False) -> Plan:
    return diff(
        current,
        desired_tenant(),
        create_roles=create_roles,
        sensitive=frozenset({"scim_bearer_token"}),
    )


def test_identical_tenants_have_no_changes() -> None:
    plan = plan_for(desired_tenant())
    assert plan.changes == ()
    assert not plan.has_changes


def test_empty_tenant_creates_in_dependency_order() -> None:
    current = Tenant(
        roles={
            "Engineering": RoleAssignment("Engineering", False),
            "Mods": RoleAssignment("Mods", False),
        },
        users={
            "dave@example.com": UserValues(
                "dave@example.com", (("custom_attributes.userType", None),)
            )
        },
    )
    plan = plan_for(current)
    kinds = [change.kind for change in plan.changes]
    assert kinds == [
        Kind.CUSTOM_FIELD,
        Kind.APP,
        Kind.PARAMETER,
        Kind.PROVISIONING,
        Kind.ROLE,
        Kind.MAPPING,
        Kind.USER,
    ]
    assert [c.action for c in plan.changes][:3] == [Action.CREATE] * 3
    assert plan.has_changes


def test_token_is_marked_sensitive_and_held_as_fingerprint() -> None:
    plan = plan_for(Tenant())
    app_change = next(c for c in plan.changes if c.kind is Kind.APP)
    token = next(f for f in app_change.fields if f.name == "configuration.scim_bearer_token")
    assert (token.after, token.sensitive) == ("sha256:aaaaaaaa", True)
    current = desired_tenant()
    current = Tenant(
        **{
            **current.__dict__,
            "app": App("SCIM SOE", CONNECTOR, (("scim_bearer_token", "sha256:bbbbbbbb"),)),
        }
    )
    update = next(c for c in plan_for(current).changes if c.kind is Kind.APP)
    assert update.fields == (
        FieldChange("configuration.scim_bearer_token", "sha256:bbbbbbbb", "sha256:aaaaaaaa", True),
    )


def test_update_lists_only_differing_fields() -> None:
    current = Tenant(
        **{
            **desired_tenant().__dict__,
            "parameters": {"userType": Parameter("userType", "custom_attribute_userType", False)},
        }
    )
    (change,) = plan_for(current).changes
    assert change.action is Action.UPDATE
    assert change.fields == (FieldChange("include_in_saml_assertion", False, True),)


def test_field_differing_only_by_case_is_a_conflict_not_a_create() -> None:
    current = Tenant(
        **{
            **desired_tenant().__dict__,
            "custom_fields": {"usertype": CustomField("usertype", "usertype")},
        }
    )
    (change,) = plan_for(current).changes
    assert change.action is Action.CONFLICT
    assert "'usertype'" in change.note
    assert "case" in change.note


def test_app_on_another_connector_is_a_conflict() -> None:
    current = Tenant(**{**desired_tenant().__dict__, "app": App("SCIM SOE", "connector id 1")})
    (change,) = plan_for(current).changes
    assert (change.action, change.kind) == (Action.CONFLICT, Kind.APP)


@pytest.mark.parametrize(
    ("create_roles", "action"), [(False, Action.CONFLICT), (True, Action.CREATE)]
)
def test_missing_role_created_only_when_allowed(create_roles: bool, action: Action) -> None:
    roles = {"Engineering": RoleAssignment("Engineering", True)}
    current = Tenant(**{**desired_tenant().__dict__, "roles": roles})
    (change,) = plan_for(current, create_roles=create_roles).changes
    assert (change.kind, change.key, change.action) == (Kind.ROLE, "Mods", action)


def test_role_that_has_the_app_is_never_asked_to_drop_it() -> None:
    roles = {
        "Engineering": RoleAssignment("Engineering", True),
        "Mods": RoleAssignment("Mods", True),
    }
    current = Tenant(**{**desired_tenant().__dict__, "roles": roles})
    assert plan_for(current).changes == ()


def test_role_without_the_app_gets_it() -> None:
    roles = {
        "Engineering": RoleAssignment("Engineering", False),
        "Mods": RoleAssignment("Mods", False),
    }
    current = Tenant(**{**desired_tenant().__dict__, "roles": roles})
    (change,) = plan_for(current).changes
    assert change == Change(
        Action.UPDATE, Kind.ROLE, "Engineering", (FieldChange("has_app", False, True),)
    )


def test_owned_mapping_not_in_config_is_deleted_and_changed_one_updated() -> None:
    mappings = {
        "p: userType for role Mods": UserMapping(
            "p: userType for role Mods", True, "Mods", "userType", "Admin"
        ),
        "p: userType for role Gone": UserMapping(
            "p: userType for role Gone", True, "Gone", "userType", "Admin"
        ),
    }
    current = Tenant(**{**desired_tenant().__dict__, "mappings": mappings})
    changes = plan_for(current).changes
    assert [(c.action, c.key) for c in changes] == [
        (Action.UPDATE, "p: userType for role Mods"),
        (Action.DELETE, "p: userType for role Gone"),
    ]
    assert changes[0].fields == (FieldChange("value", "Admin", "Moderator"),)


def test_mapping_of_another_shape_is_rewritten() -> None:
    mappings = {
        "p: userType for role Mods": UserMapping(
            "p: userType for role Mods", True, "", "", "", shape=MappingShape.OTHER
        )
    }
    current = Tenant(**{**desired_tenant().__dict__, "mappings": mappings})
    (change,) = plan_for(current).changes
    assert change.action is Action.UPDATE
    assert "form" in [f.name for f in change.fields]


def test_unknown_user_is_a_conflict() -> None:
    current = Tenant(**{**desired_tenant().__dict__, "users": {}})
    (change,) = plan_for(current).changes
    assert (change.action, change.kind) == (Action.CONFLICT, Kind.USER)
    assert "never creates users" in change.note


def test_provisioning_off_is_an_update() -> None:
    current = Tenant(**{**desired_tenant().__dict__, "provisioning": False})
    (change,) = plan_for(current).changes
    assert change.fields == (FieldChange("enabled", False, True),)


def test_plan_json_is_versioned_and_counts() -> None:
    plan = Plan(
        (Change(Action.CREATE, Kind.ROLE, "A"), Change(Action.MANUAL, Kind.SOE, "SCIM settings"))
    )
    data = plan.to_dict()
    assert data["format_version"] == 1
    assert data["summary"]["create"] == 1
    assert data["summary"]["manual"] == 1
    assert data["has_changes"] is True
    assert data["checksum"].startswith("sha256:")


def test_manual_steps_alone_are_not_pending_changes() -> None:
    plan = Plan((Change(Action.MANUAL, Kind.SOE, "SCIM settings"),))
    assert not plan.has_changes
    assert len(plan.manual_steps) == 1


def test_reshaped_mapping_with_our_name_is_not_deleted() -> None:
    reshaped = UserMapping("p: userType for role Gone", True, "", "", "", shape=MappingShape.OTHER)
    mappings = {**desired_tenant().mappings, reshaped.name: reshaped}
    current = Tenant(**{**desired_tenant().__dict__, "mappings": mappings})
    assert plan_for(current).changes == ()


def test_a_plan_holding_only_a_conflict_has_changes() -> None:
    only_conflict = Plan((Change(Action.CONFLICT, Kind.ROLE, "Gone", note="missing"),))
    assert only_conflict.has_changes is True


def test_a_plan_holding_only_manual_steps_has_no_changes() -> None:
    manual_only = Plan((Change(Action.MANUAL, Kind.SOE, "SCIM settings"),))
    assert manual_only.has_changes is False
