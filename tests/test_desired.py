"""Config -> desired Tenant, and the manual steps derived from it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.engine import manual
from onelogin_scim_setup.engine.desired import build, mapping_name, parameter_source
from onelogin_scim_setup.engine.plan import Action, Kind
from onelogin_scim_setup.engine.tenant import (
    App,
    CustomField,
    Parameter,
    RoleAssignment,
    UserMapping,
    UserValues,
)
from onelogin_scim_setup.errors import SecretError
from tests.conftest import MINIMAL_CONFIG


def config_with(**sections: Any) -> Config:
    data = copy.deepcopy(MINIMAL_CONFIG)
    for name, value in sections.items():
        data[name] = {**data.get(name, {}), **value}
    return Config.model_validate(data)


def test_roles_get_the_app_and_promotion_only_roles_do_not() -> None:
    config = config_with(app={"roles": ["Engineering"]})
    tenant = build(config, template="{}", token_fingerprint=None)
    assert tenant.roles == {
        "Engineering": RoleAssignment("Engineering", True),
        "SOE Moderators": RoleAssignment("SOE Moderators", False),
    }


def test_mapping_per_promoted_role_owned_by_prefix() -> None:
    config = config_with()
    tenant = build(config, template="{}", token_fingerprint=None)
    name = mapping_name(config, "SOE Moderators")
    assert name == "onelogin-scim-setup: userType for role SOE Moderators"
    assert tenant.mappings == {
        name: UserMapping(name, True, "SOE Moderators", "userType", "Moderator")
    }


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, {"userType": Parameter("userType", "custom_attribute_userType", True)}),
        (
            {
                "department": {"enabled": True},
                "title": {"enabled": True, "source": "custom", "shortname": "jobTitle"},
            },
            {
                "userType": Parameter("userType", "custom_attribute_userType", True),
                "department": Parameter("department", "department", True),
                "title": Parameter("title", "custom_attribute_jobTitle", True),
            },
        ),
    ],
)
def test_parameters_point_at_their_sources(
    fields: dict[str, Any], expected: dict[str, Parameter]
) -> None:
    tenant = build(config_with(fields=fields), template="{}", token_fingerprint=None)
    assert tenant.parameters == expected


def test_user_values_use_custom_or_builtin_attributes() -> None:
    config = config_with(
        fields={
            "department": {"enabled": True},
            "title": {"enabled": True, "source": "custom", "shortname": "jobTitle"},
        },
        promotions={
            "users": [
                {
                    "email": "Dave@Example.com",
                    "user_type": "Moderator",
                    "department": "Ops",
                    "title": "SRE",
                }
            ]
        },
    )
    tenant = build(config, template="{}", token_fingerprint=None)
    assert tenant.users == {
        "dave@example.com": UserValues(
            "dave@example.com",
            (
                ("custom_attributes.userType", "Moderator"),
                ("department", "Ops"),
                ("custom_attributes.jobTitle", "SRE"),
            ),
        )
    }
    assert parameter_source(config, "title") == "custom_attribute_jobTitle"


def test_configuration_keys_hold_the_token_as_fingerprint() -> None:
    config = config_with(
        app={
            "configuration_keys": {"base_url": "scim_base_url", "bearer_token": "scim_bearer_token"}
        }
    )
    tenant = build(config, template="{}", token_fingerprint="sha256:0123abcd")
    assert tenant.app is not None
    assert tenant.app.configuration == (
        ("scim_base_url", "https://acme.stackenterprise.co/api/scim/v2"),
        ("scim_bearer_token", "sha256:0123abcd"),
    )


def test_token_key_without_a_token_is_an_error() -> None:
    config = config_with(app={"configuration_keys": {"bearer_token": "scim_bearer_token"}})
    with pytest.raises(SecretError, match="token is needed"):
        build(config, template="{}", token_fingerprint=None)


def test_manual_steps_carry_exact_values_and_only_the_fingerprint() -> None:
    config = config_with()
    steps = manual.steps(config, template='{"a": 1}', token_fingerprint="sha256:0123abcd")
    soe = steps[0]
    assert (soe.action, soe.kind) == (Action.MANUAL, Kind.SOE)
    values = {f.name: f.after for f in soe.fields}
    assert values["SCIM authorization bearer token"] == "sha256:0123abcd"
    assert values["Allow Moderator Promotion via a userType property"] == "checked"
    assert values["Allow Admin Promotion via a userType property"] == "unchecked"
    connection = {f.name: f.after for f in steps[1].fields}
    assert connection["SCIM Base Url"] == "https://acme.stackenterprise.co/api/scim/v2"
    assert connection["SCIM JSON Template"] == '{"a": 1}'
    assert all(step.verify_by for step in steps)


def test_connection_fields_set_through_the_api_are_not_manual() -> None:
    keys = {"base_url": "a", "bearer_token": "b", "json_template": "c"}
    steps = manual.steps(
        config_with(app={"configuration_keys": keys}),
        template="{}",
        token_fingerprint="sha256:1",
    )
    names = [f.name for f in steps[1].fields]
    assert names == ["Enable API Integration", "API Connection"]


def test_reapply_step_only_when_mappings_are_configured() -> None:
    with_roles = manual.steps(config_with(), template="{}", token_fingerprint=None)
    config = Config.model_validate({**MINIMAL_CONFIG, "promotions": {"roles": []}})
    without = manual.steps(config, template="{}", token_fingerprint=None)
    assert "reapply mappings" in [s.key for s in with_roles]
    assert "reapply mappings" not in [s.key for s in without]
    assert manual.TOKEN_MISSING in [f.after for f in without[0].fields]


def test_app_custom_fields_and_provisioning_come_from_the_config() -> None:
    config = config_with(
        app={"configuration_keys": {"json_template": "scim_json_template"}, "provisioning": False},
        fields={
            "department": {"enabled": True, "source": "custom", "shortname": "dept", "name": "Dept"}
        },
    )
    tenant = build(config, template='{"x": 1}', token_fingerprint=None)
    assert (tenant.custom_fields, tenant.app, tenant.provisioning) == (
        {"userType": CustomField("userType", "userType"), "dept": CustomField("dept", "Dept")},
        App(
            "SCIM SOE",
            "SCIM Provisioner with SAML (SCIM v2 Enterprise)",
            (("scim_json_template", '{"x": 1}'),),
        ),
        False,
    )


def test_token_key_without_a_token_says_where_to_provide_it() -> None:
    config = config_with(app={"configuration_keys": {"bearer_token": "scim_bearer_token"}})
    with pytest.raises(SecretError) as raised:
        build(config, template="{}", token_fingerprint=None)
    assert (raised.value.message, raised.value.hint) == (
        "app.configuration_keys.bearer_token is set, so the SCIM token is needed to plan",
        f"Provide it through token.source ({config.token.source}).",
    )
