"""Config -> desired Tenant, and the manual steps derived from it."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from onelogin_scim_setup.errors import SecretError
from onelogin_scim_setup.model.tenant import (
    App,
    CustomField,
    Parameter,
    RoleAssignment,
    UserMapping,
    UserValues,
)
from onelogin_scim_setup.plan.desired import build, mapping_name, parameter_source
from tests.helpers.configs import config_with


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
    assert name == "onelogin-scim-setup/SCIM SOE: userType for role SOE Moderators"
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
                "department": Parameter("department", "department", None),
                "title": Parameter("title", "custom_attribute_jobTitle", None),
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


def test_per_user_entries_are_lean_one_small_entry_each_sharing_the_config_s_strings() -> None:
    count = 5_000
    config = config_with(
        fields={"department": {"enabled": True}},
        promotions={
            "users": [
                {"email": f"u{n}@example.com", "department": f"Dept {n % 7}"} for n in range(count)
            ]
        },
    )
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tenant = build(config, template="{}", token_fingerprint=None)
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    entries = list(tenant.users.values())
    first = config.promotions.users[0]
    # The email (already lower case) and the value are the config's own strings, and the
    # attribute name is one string for every user: no second copy of each entry's text.
    assert entries[0].email is first.email
    assert entries[0].values[0][1] is first.department
    assert len({id(e.values[0][0]) for e in entries}) == 1
    # Users wanting the same values share one tuple of them: 7 departments, 7 tuples.
    assert len({id(e.values) for e in entries}) == 7
    # About 90 bytes an entry (a slotted pair and the dict's slot; 200 when each had its own
    # tuple of pairs, four copies of ~3 KiB each before that).
    assert used / count < 130, used / count
