"""`Quirks`: the profiles, overrides and text parsing (the switches' behaviour is in
test_sandbox_quirk_switches.py)."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields

import pytest

from onelogin_scim_setup.sandbox import Quirks, SandboxOptions
from onelogin_scim_setup.sandbox.__main__ import options_from, parse_args

REQUIRED_NAMES = {
    "provisioning_enabled_sticks",
    "rate_limit_headers_on_v2",
    "custom_field_action_delay",
    "custom_field_action_value",
    "parameter_label_on_existing",
    "connector_parameter_flags_writable",
    "custom_attribute_null",
    "custom_attributes_put",
    "role_name_filter",
    "custom_attributes_in_user_list",
    "create_status",
    "app_object",
    "role_names_unique",
    "expose_scim_configuration",
    "substitute_dollar_brace",
    "users_page_limit",
    "roles_fields_apps",
}


def test_the_tool_side_names_exist() -> None:
    assert {f.name for f in fields(Quirks)} >= REQUIRED_NAMES


def test_the_default_is_optimistic() -> None:
    assert SandboxOptions().quirks == Quirks.optimistic() == Quirks()


@pytest.mark.parametrize(
    ("name", "optimistic", "pessimistic"),
    [
        ("provisioning_enabled_sticks", True, False),
        ("rate_limit_headers_on_v2", True, False),
        ("custom_field_action_delay", 0.0, 1.0),
        ("custom_field_action_value", "guessable", "opaque"),
        ("parameter_label_on_existing", "ignore", "reject"),
        ("connector_parameter_flags_writable", True, False),
        ("custom_attribute_null", "clear", "reject"),
        ("custom_attributes_put", "merge", "replace"),
        ("role_name_filter", "name", "role_name"),
        ("custom_attributes_in_user_list", True, False),
        ("create_status", 201, 200),
        ("app_object", "sandbox", "documented"),
        ("role_names_unique", True, False),
        ("expose_scim_configuration", False, False),
        ("substitute_dollar_brace", False, False),
        ("users_page_limit", 100, 50),
        ("roles_fields_apps", True, False),
        ("users_fields_honoured", True, False),
        ("empty_user_put_runs_mappings", True, False),
        ("shortname_case", "kept", "lowercased"),
        ("builtin_shortnames", "allow", "reject"),
        ("connector_name_filter", "substring", "wildcard"),
        ("paging_headers_everywhere", True, False),
        ("soe_scim_off_status", 404, 401),
        ("custom_field_action_label", "set_name", "set_name"),
        ("bearer_read_back", "clear", "clear"),
        ("users_list_keys", "full", "full"),
        ("auth_429_body", "json", "json"),
        ("mapping_evaluation", "first_match", "last_wins"),
        ("mappings_overwrite_user_values", True, False),
        ("role_change_bumps_updated_at", True, False),
        ("mapping_write_bumps_updated_at", True, False),
    ],
)
def test_profile_values(name: str, optimistic: object, pessimistic: object) -> None:
    assert getattr(Quirks.profile("optimistic"), name) == optimistic
    assert getattr(Quirks.profile("pessimistic"), name) == pessimistic


def test_every_switch_is_in_the_profile_table() -> None:
    assert len(fields(Quirks)) == 32


def test_the_documented_profile_differs_from_the_optimistic_one_by_its_readings() -> None:
    assert Quirks.profile("documented").differences() == {
        "custom_field_action_value": "custom_attribute",
        "custom_field_action_label": "name",
        "users_fields_honoured": False,
        "users_list_keys": "documented",
        "custom_attributes_in_user_list": False,
        "bearer_read_back": "stars",
        "auth_429_body": "html",
        "rate_limit_headers_on_v2": False,
        "create_status": 200,
    }


def test_quirks_are_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        Quirks().create_status = 200  # type: ignore[misc]


def test_with_overrides_changes_only_the_named_switch() -> None:
    quirks = Quirks.profile("optimistic").with_overrides({"create_status": 200})
    assert quirks.differences() == {"create_status": 200}


def test_parse_applies_text_overrides_on_the_profile() -> None:
    quirks = Quirks.parse(
        "pessimistic",
        ["create_status=201", "custom_field_action_delay=0.5", "role_names_unique=true"],
    )
    assert (quirks.create_status, quirks.custom_field_action_delay) == (201, 0.5)
    assert quirks.role_names_unique is True
    assert quirks.app_object == "documented"


@pytest.mark.parametrize(
    ("profile", "assignments", "message"),
    [
        ("gloomy", [], "unknown quirks profile 'gloomy'"),
        ("optimistic", ["create_status"], "NAME=VALUE"),
        ("optimistic", ["=200"], "NAME=VALUE"),
        ("optimistic", ["nope=1"], "unknown quirk 'nope'"),
        ("optimistic", ["create_status=202"], "create_status must be one of 201, 200"),
        ("optimistic", ["role_names_unique=maybe"], "role_names_unique must be true or false"),
        ("optimistic", ["users_page_limit=ten"], "users_page_limit must be an integer"),
        ("optimistic", ["users_page_limit=0"], "users_page_limit must be at least 1"),
        ("optimistic", ["custom_field_action_delay=-1"], "must not be negative"),
        ("optimistic", ["app_object=pretty"], "app_object must be one of 'sandbox'"),
    ],
)
def test_parse_errors_name_the_problem(profile: str, assignments: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Quirks.parse(profile, assignments)


def test_with_overrides_rejects_unknown_names_and_wrong_types() -> None:
    with pytest.raises(ValueError, match="unknown quirk"):
        Quirks().with_overrides({"nope": True})
    with pytest.raises(ValueError, match="create_status"):
        Quirks().with_overrides({"create_status": "200"})


def test_module_cli_takes_a_profile_and_single_switches() -> None:
    options = options_from(
        parse_args(["--quirks", "pessimistic", "--quirk", "create_status=201", "--users", "3"])
    )
    assert options.quirks.create_status == 201
    assert options.quirks.role_name_filter == "role_name"
    assert options.users == 3


def test_module_cli_shorthands_still_set_their_switches() -> None:
    options = options_from(parse_args(["--expose-scim-configuration", "--substitute-dollar-brace"]))
    assert options.quirks.differences() == {
        "expose_scim_configuration": True,
        "substitute_dollar_brace": True,
    }


def test_module_cli_reports_a_bad_switch() -> None:
    with pytest.raises(ValueError, match="unknown quirk"):
        options_from(parse_args(["--quirk", "nope=1"]))
