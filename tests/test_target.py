"""plan/target.py: `--target KIND[:NAME]`, terraform's meaning: the resource and, transitively,
what it depends on; nothing else, and no fixed manual step."""

from __future__ import annotations

import pytest

from onelogin_scim_setup.errors import UsageError
from onelogin_scim_setup.model.tenant import Tenant
from onelogin_scim_setup.plan.changes import Action, Change, Kind, Plan
from onelogin_scim_setup.plan.desired import build
from onelogin_scim_setup.plan.diff import diff
from onelogin_scim_setup.plan.target import Target, parse, targeted
from tests.helpers.configs import config_with

CONFIG = config_with(
    fields={"department": {"enabled": True}},
    promotions={
        "roles": [{"role": "SOE Moderators", "user_type": "Moderator"}],
        "users": [
            {"email": "dave@example.com", "department": "Platform"},
            {"email": "erin@example.com", "user_type": "Admin"},
        ],
    },
)
DESIRED = build(CONFIG, template="{}", token_fingerprint=None)
# Everything to create: an empty tenant (users exist, with no values yet).
CURRENT = Tenant(users={e: type(u)(e, ()) for e, u in DESIRED.users.items()})
PLAN = diff(CURRENT, DESIRED, create_roles=True, sensitive=frozenset())
MAPPING = next(iter(DESIRED.mappings))


def kept(target: str) -> list[tuple[str, str]]:
    return [(c.kind.value, c.key) for c in targeted(PLAN, DESIRED, parse(target)).changes]


def test_parse_kind_and_name_splitting_at_the_first_colon_only() -> None:
    assert parse("user") == Target(Kind.USER)
    assert parse(f"mapping:{MAPPING}") == Target(Kind.MAPPING, MAPPING)
    assert str(parse(f"mapping:{MAPPING}")) == f"mapping:{MAPPING}"
    assert ":" in MAPPING  # the mapping names hold a colon themselves


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("users", "'users' is not a kind a plan changes"),
        ("soe", "'soe' is not a kind a plan changes"),
        ("role:", "the name after role: is empty"),
    ],
)
def test_a_bad_target_is_a_usage_error(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse(text)


def test_a_mapping_brings_its_role_the_app_that_role_needs_and_its_custom_field() -> None:
    assert kept(f"mapping:{MAPPING}") == [
        ("custom_field", "userType"),
        ("app", "SCIM SOE"),
        ("role", "SOE Moderators"),
        ("mapping", MAPPING),
    ]


def test_a_user_brings_only_the_custom_fields_among_its_values() -> None:
    assert kept("user:dave@example.com") == [("user", "dave@example.com")]
    assert kept("user:ERIN@example.com") == [
        ("custom_field", "userType"),
        ("user", "erin@example.com"),
    ]


def test_a_parameter_brings_the_app_and_the_field_it_maps() -> None:
    assert kept("parameter:userType") == [
        ("custom_field", "userType"),
        ("app", "SCIM SOE"),
        ("parameter", "userType"),
    ]
    assert kept("parameter:department") == [("app", "SCIM SOE"), ("parameter", "department")]


def test_a_kind_alone_targets_every_resource_of_it() -> None:
    assert kept("role") == [
        ("app", "SCIM SOE"),
        ("role", "Engineering"),
        ("role", "SOE Moderators"),
    ]


def test_the_fixed_manual_steps_are_left_out() -> None:
    steps = Change(Action.MANUAL, Kind.SOE, "SCIM settings")
    plan = Plan((*PLAN.changes, steps))
    assert steps not in targeted(plan, DESIRED, parse("app")).changes


def test_drift_the_config_does_not_name_can_be_targeted() -> None:
    drift = Change(Action.UNMANAGED, Kind.ROLE, "Sales", note="has the app")
    plan = Plan((*PLAN.changes, drift))
    assert targeted(plan, DESIRED, parse("role:Sales")).changes == (
        # the role's dependency (the app) comes along, as for any role
        *(c for c in PLAN.changes if c.kind is Kind.APP),
        drift,
    )


def test_a_name_the_config_does_not_manage_is_refused_with_names_it_does() -> None:
    with pytest.raises(UsageError) as caught:
        targeted(PLAN, DESIRED, parse("role:Enginering"))
    assert "the config manages no role by that name" in caught.value.message
    assert "'Engineering'" in (caught.value.hint or "")
