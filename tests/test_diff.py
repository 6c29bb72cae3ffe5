"""The pure diff: desired vs current Tenant -> typed changes in dependency order."""

from __future__ import annotations

from typing import Literal

import pytest

from onelogin_scim_setup.model.tenant import (
    App,
    CustomField,
    MappingShape,
    Parameter,
    RoleAssignment,
    Tenant,
    UserMapping,
    UserValues,
)
from onelogin_scim_setup.plan.changes import Action, Change, FieldChange, Kind, Plan
from onelogin_scim_setup.plan.diff import diff

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


# A tenant before the first apply: the roles and the user exist, nothing of ours does.
EMPTY_TENANT = Tenant(
    roles={
        "Engineering": RoleAssignment("Engineering", False),
        "Mods": RoleAssignment("Mods", False),
    },
    users={
        "dave@example.com": UserValues("dave@example.com", (("custom_attributes.userType", None),))
    },
)


def test_empty_tenant_creates_in_dependency_order() -> None:
    plan = plan_for(EMPTY_TENANT)
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


def test_role_that_has_the_app_outside_app_roles_is_unmanaged_not_dropped() -> None:
    roles = {
        "Engineering": RoleAssignment("Engineering", True),
        "Mods": RoleAssignment("Mods", True),
    }
    current = Tenant(**{**desired_tenant().__dict__, "roles": roles})
    plan = plan_for(current)
    assert [(c.action, c.kind, c.key) for c in plan.changes] == [
        (Action.UNMANAGED, Kind.ROLE, "Mods")
    ]
    assert not plan.has_changes


def test_exclusive_roles_removes_the_app_from_a_role_outside_app_roles() -> None:
    roles = {
        "Engineering": RoleAssignment("Engineering", True),
        "Mods": RoleAssignment("Mods", False),
        "Sales": RoleAssignment("Sales", True),
    }
    current = Tenant(**{**desired_tenant().__dict__, "roles": roles})
    plan = diff(
        current,
        desired_tenant(),
        create_roles=False,
        sensitive=frozenset({"scim_bearer_token"}),
        exclusive_roles=True,
    )
    (change,) = plan.changes
    assert (change.action, change.key, change.fields) == (
        Action.DELETE,
        "Sales",
        (FieldChange("has_app", True, False),),
    )


def test_owned_mapping_left_behind_is_deleted_with_a_reason() -> None:
    left = UserMapping("p: userType for role Gone", True, "Gone", "userType", "Admin")
    mappings = {**desired_tenant().mappings, left.name: left}
    current = Tenant(**{**desired_tenant().__dict__, "mappings": mappings})
    (change,) = plan_for(current).changes
    assert (change.action, change.key) == (Action.DELETE, left.name)
    assert "no longer in promotions.roles" in change.note


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


PROVISIONING_CASES = [
    # (app exists, provisioning_via_api, planned action)
    (False, "auto", Action.UPDATE),
    (True, "auto", Action.MANUAL),
    (True, "api", Action.UPDATE),
    (False, "manual", Action.MANUAL),
]


@pytest.mark.parametrize(("app_exists", "via", "action"), PROVISIONING_CASES)
def test_provisioning_off_is_an_api_change_or_a_manual_step(
    app_exists: bool, via: Literal["auto", "api", "manual"], action: Action
) -> None:
    current = Tenant(
        **{
            **desired_tenant().__dict__,
            "provisioning": False if app_exists else None,
            "app": desired_tenant().app if app_exists else None,
        }
    )
    plan = diff(
        current,
        desired_tenant(),
        create_roles=False,
        sensitive=frozenset({"scim_bearer_token"}),
        provisioning_via_api=via,
    )
    (change,) = [c for c in plan.changes if c.kind is Kind.PROVISIONING]
    assert change.action is action


def test_reshaped_mapping_with_our_name_is_shown_unmanaged_not_deleted() -> None:
    reshaped = UserMapping("p: userType for role Gone", True, "", "", "", shape=MappingShape.OTHER)
    mappings = {**desired_tenant().mappings, reshaped.name: reshaped}
    current = Tenant(**{**desired_tenant().__dict__, "mappings": mappings})
    (change,) = plan_for(current).changes
    assert (change.action, change.key) == (Action.UNMANAGED, reshaped.name)


def test_role_name_held_by_two_roles_is_a_conflict_naming_both_ids() -> None:
    roles = {
        "Engineering": RoleAssignment("Engineering", True),
        "Mods": RoleAssignment("Mods", True, duplicate_ids=(4, 9)),
    }
    current = Tenant(**{**desired_tenant().__dict__, "roles": roles})
    (change,) = plan_for(current).changes
    assert (change.action, change.key) == (Action.CONFLICT, "Mods")
    assert "ids 4, 9" in change.note


def test_existing_field_without_a_mapping_action_is_a_conflict() -> None:
    fields = {"userType": CustomField("userType", "userType", mapping_action=False)}
    current = Tenant(**{**desired_tenant().__dict__, "custom_fields": fields})
    (change,) = plan_for(current).changes
    assert (change.action, change.kind) == (Action.CONFLICT, Kind.CUSTOM_FIELD)
    assert "Set userType" in change.note


# Whole changes, not fragments: apply executes exactly these fields, so every one is pinned.
def test_empty_tenant_plan_holds_exactly_these_changes() -> None:
    mapping = "p: userType for role Mods"
    assert plan_for(EMPTY_TENANT).changes == (
        Change(
            Action.CREATE,
            Kind.CUSTOM_FIELD,
            "userType",
            (FieldChange("shortname", None, "userType"), FieldChange("name", None, "userType")),
        ),
        Change(
            Action.CREATE,
            Kind.APP,
            "SCIM SOE",
            (
                FieldChange("name", None, "SCIM SOE"),
                FieldChange("connector", None, CONNECTOR),
                FieldChange("configuration.scim_bearer_token", None, "sha256:aaaaaaaa", True),
            ),
        ),
        Change(
            Action.CREATE,
            Kind.PARAMETER,
            "userType",
            (
                FieldChange("name", None, "userType"),
                FieldChange("user_attribute_mappings", None, "custom_attribute_userType"),
                FieldChange("include_in_saml_assertion", None, True),
            ),
        ),
        Change(
            Action.UPDATE,
            Kind.PROVISIONING,
            "SCIM SOE",
            (FieldChange("enabled", None, True),),
            note="read back after the write; if OneLogin does not keep it, enable it in the UI",
        ),
        Change(Action.UPDATE, Kind.ROLE, "Engineering", (FieldChange("has_app", False, True),)),
        Change(
            Action.CREATE,
            Kind.MAPPING,
            mapping,
            (
                FieldChange("name", None, mapping),
                FieldChange("enabled", None, True),
                FieldChange("role", None, "Mods"),
                FieldChange("field", None, "userType"),
                FieldChange("value", None, "Moderator"),
            ),
        ),
        Change(
            Action.UPDATE,
            Kind.USER,
            "dave@example.com",
            (FieldChange("custom_attributes.userType", None, "Moderator"),),
        ),
    )


def test_every_conflict_names_the_object_and_the_fix() -> None:
    current = Tenant(
        custom_fields={"usertype": CustomField("usertype", "usertype")},
        app=App("SCIM SOE", "connector id 1"),
        provisioning=True,
        parameters=desired_tenant().parameters,
        roles={"Engineering": RoleAssignment("Engineering", True)},
        mappings=desired_tenant().mappings,
    )
    assert plan_for(current).changes == (
        Change(
            Action.CONFLICT,
            Kind.CUSTOM_FIELD,
            "userType",
            note="a custom user field 'usertype' exists, which differs only by case; shortnames "
            "are case-sensitive in the SCIM template and the tool never renames a field: set the "
            "config's shortname to 'usertype', or rename the field in OneLogin (Users > Custom "
            "User Fields)",
        ),
        Change(
            Action.CONFLICT,
            Kind.APP,
            "SCIM SOE",
            note=f"an app named 'SCIM SOE' exists on connector 'connector id 1', not {CONNECTOR!r}; "
            "rename one of them (the tool never changes an app's connector)",
        ),
        Change(
            Action.CONFLICT,
            Kind.ROLE,
            "Mods",
            note="role 'Mods' does not exist in OneLogin; create it, fix the name (exact match), "
            "or set app.create_missing_roles: true",
        ),
        Change(
            Action.CONFLICT,
            Kind.USER,
            "dave@example.com",
            note="no OneLogin user has the email 'dave@example.com'; the tool never creates users",
        ),
    )


def test_deleting_an_owned_mapping_shows_everything_it_held() -> None:
    gone = UserMapping("p: userType for role Gone", True, "Gone", "userType", "Admin")
    mappings = {**desired_tenant().mappings, gone.name: gone}
    current = Tenant(**{**desired_tenant().__dict__, "mappings": mappings})
    assert plan_for(current).changes == (
        Change(
            Action.DELETE,
            Kind.MAPPING,
            gone.name,
            (
                FieldChange("name", gone.name, None),
                FieldChange("enabled", True, None),
                FieldChange("role", "Gone", None),
                FieldChange("field", "userType", None),
                FieldChange("value", "Admin", None),
            ),
            note="named as the tool names its mappings, and no longer in promotions.roles",
        ),
    )


def test_a_reshaped_mapping_shows_its_form_by_label() -> None:
    reshaped = UserMapping("p: userType for role Mods", True, "", "", "", shape=MappingShape.OTHER)
    current = Tenant(**{**desired_tenant().__dict__, "mappings": {reshaped.name: reshaped}})
    (change,) = plan_for(current).changes
    assert change.fields[-1] == FieldChange(
        "form", MappingShape.OTHER.label, MappingShape.ROLE_TO_FIELD.label
    )


def test_provisioning_without_an_app_is_keyed_by_an_empty_name() -> None:
    plan = diff(
        Tenant(provisioning=False),
        Tenant(provisioning=True),
        create_roles=False,
        sensitive=frozenset(),
    )
    assert [(c.kind, c.key) for c in plan.changes] == [(Kind.PROVISIONING, "")]


def test_a_user_update_lists_each_differing_value_with_before_and_after() -> None:
    current = Tenant(
        **{
            **desired_tenant().__dict__,
            "users": {
                "dave@example.com": UserValues(
                    "dave@example.com", (("custom_attributes.userType", "Member"),)
                )
            },
        }
    )
    assert plan_for(current).changes == (
        Change(
            Action.UPDATE,
            Kind.USER,
            "dave@example.com",
            (FieldChange("custom_attributes.userType", "Member", "Moderator"),),
        ),
    )


def test_a_role_created_when_allowed_carries_its_fields() -> None:
    roles = {"Engineering": RoleAssignment("Engineering", True)}
    current = Tenant(**{**desired_tenant().__dict__, "roles": roles})
    (change,) = plan_for(current, create_roles=True).changes
    assert change == Change(
        Action.CREATE,
        Kind.ROLE,
        "Mods",
        (FieldChange("role", None, "Mods"), FieldChange("has_app", None, False)),
    )


def test_an_existing_custom_field_does_not_hide_the_missing_ones_after_it() -> None:
    desired = Tenant(
        custom_fields={
            "userType": CustomField("userType", "userType"),
            "dept": CustomField("dept", "Dept"),
        }
    )
    current = Tenant(custom_fields={"userType": CustomField("userType", "userType")})
    plan = diff(current, desired, create_roles=False, sensitive=frozenset())
    assert [(c.action, c.key) for c in plan.changes] == [(Action.CREATE, "dept")]


def test_an_unknown_user_does_not_hide_the_updates_of_the_users_after_it() -> None:
    wanted = (("custom_attributes.userType", "Moderator"),)
    desired = Tenant(
        users={
            "gone@example.com": UserValues("gone@example.com", wanted),
            "dave@example.com": UserValues("dave@example.com", wanted),
        }
    )
    current = Tenant(users={"dave@example.com": UserValues("dave@example.com", ())})
    plan = diff(current, desired, create_roles=False, sensitive=frozenset())
    assert [(c.action, c.key) for c in plan.changes] == [
        (Action.CONFLICT, "gone@example.com"),
        (Action.UPDATE, "dave@example.com"),
    ]


def test_an_app_configuration_change_is_an_update_of_the_app() -> None:
    app = App("SCIM SOE", CONNECTOR, (("scim_bearer_token", "sha256:bbbbbbbb"),))
    current = Tenant(**{**desired_tenant().__dict__, "app": app})
    (change,) = plan_for(current).changes
    assert (change.action, change.kind, change.key) == (Action.UPDATE, Kind.APP, "SCIM SOE")


def test_a_parameter_change_is_an_update_of_that_parameter() -> None:
    parameters = {"userType": Parameter("userType", "custom_attribute_userType", False)}
    current = Tenant(**{**desired_tenant().__dict__, "parameters": parameters})
    (change,) = plan_for(current).changes
    assert (change.action, change.kind, change.key) == (Action.UPDATE, Kind.PARAMETER, "userType")


def test_a_token_that_reads_back_unreadable_is_never_resent_and_said_once() -> None:
    from onelogin_scim_setup.model.tenant import UNREADABLE

    wanted = App("SCIM SOE", "c", (("scim_bearer_token", "sha256:aaaaaaaa"), ("url", "u")))
    current = App("SCIM SOE", "c", (("scim_bearer_token", UNREADABLE), ("url", "u")))
    plan = diff(
        Tenant(app=current),
        Tenant(app=wanted),
        create_roles=False,
        sensitive=frozenset({"scim_bearer_token"}),
    )
    assert plan.api_changes == ()
    (note,) = [c for c in plan.changes if c.kind is Kind.APP]
    assert note.action is Action.UNMANAGED
    assert "configuration.scim_bearer_token" in note.note
    assert "does not send it again" in note.note
