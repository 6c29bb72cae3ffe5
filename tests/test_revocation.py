"""Demotion by construction (docs/demotion.md): the holders' listings (`onelogin.holders`, stubbed
with responses), the rule that turns them into per-user changes (`plan.revocation`), the reach of
role and mapping changes, `safety.max_user_type_changes`, and `audit --fix`'s demotion step."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from responses import matchers

from onelogin_scim_setup.audit.findings import Category, Finding
from onelogin_scim_setup.audit.fix import (
    Outcome,
    StepKind,
    check_demotions,
    plan_fixes,
)
from onelogin_scim_setup.config.models import Config, SafetySettings
from onelogin_scim_setup.errors import OneLoginError, Refused, SafetyError
from onelogin_scim_setup.model.snapshot import Holder, Ids, Snapshot
from onelogin_scim_setup.model.tenant import Tenant, UserMapping, UserValues
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.holders import read_holders
from onelogin_scim_setup.ops.audit import execute
from onelogin_scim_setup.plan import safety
from onelogin_scim_setup.plan.changes import (
    Action,
    Change,
    FieldChange,
    Kind,
    Plan,
    plan_from_dicts,
)
from onelogin_scim_setup.plan.desired import build
from onelogin_scim_setup.plan.diff import diff
from onelogin_scim_setup.plan.revocation import annotate, promoted_types, reconcile
from tests.helpers.onelogin_stub import BASE

USERS_URL = f"{BASE}/api/2/users"
ATTRIBUTE = "custom_attributes.userType"
MODERATORS, ADMINS, ENGINEERING = 3, 4, 2


def config(**promotions: Any) -> Config:
    return Config.model_validate(
        {
            "onelogin": {"subdomain": "acme"},
            "soe": {"site": "acme"},
            "promotions": {
                "roles": [
                    {"role": "SOE Moderators", "user_type": "Moderator"},
                    {"role": "SOE Admins", "user_type": "Admin"},
                ],
                **promotions,
            },
        }
    )


def listed(api: responses.RequestsMock, user_type: str, items: list[dict[str, Any]]) -> None:
    query = {
        "fields": "id,email,role_ids,custom_attributes",
        "custom_attributes.userType": user_type,
        "limit": "100",
    }
    api.get(
        USERS_URL,
        json=items,
        headers={"Total-Pages": "1", "Current-Page": "1"},
        match=[matchers.query_param_matcher(query)],
    )


def test_holders_are_one_filtered_listing_per_promoted_type(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    bob = {"id": 2, "email": "Bob@Example.com", "role_ids": [ENGINEERING], "custom_attributes": {"userType": "Moderator", "x": "1"}}  # fmt: skip
    carol = {"id": 3, "email": "carol@example.com", "role_ids": [ADMINS]}  # no custom_attributes
    ignored = {"id": 4, "email": "erin@example.com", "custom_attributes": {"userType": None}}
    listed(api, "Moderator", [bob, ignored])
    listed(api, "Admin", [carol])
    holders = read_holders(client, "userType", ("Moderator", "Admin"), workers=2)
    assert holders == [
        Holder(2, "bob@example.com", "Moderator", (ENGINEERING,), {"userType": "Moderator", "x": "1"}),
        Holder(3, "carol@example.com", "Admin", (ADMINS,), None),
    ]  # fmt: skip
    assert len(api.calls) == 3  # the token and two listings, however many users the tenant has


def test_a_server_that_ignores_the_filter_is_an_error_not_a_mass_demotion(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    everyone = [{"id": 2, "email": "bob@example.com", "role_ids": []}]
    listed(api, "Moderator", everyone)
    listed(api, "Admin", everyone)
    with pytest.raises(OneLoginError, match=r"ignores the custom_attributes\.userType filter"):
        read_holders(client, "userType", ("Moderator", "Admin"), workers=1)


def test_the_promoted_types_are_those_other_than_the_default() -> None:
    assert promoted_types(config()) == ("Moderator", "Admin")
    assert promoted_types(config(default_user_type="Moderator")) == ("Registered", "Admin")


def snapshot(holders: list[Holder], users: dict[str, UserValues] | None = None) -> Snapshot:
    ids = Ids(role_names={ENGINEERING: "Engineering", MODERATORS: "SOE Moderators", ADMINS: "SOE Admins"})  # fmt: skip
    return Snapshot(Tenant(users=users or {}), ids, tuple(holders))


def user_changes(cfg: Config, snap: Snapshot) -> tuple[list[Change], Any]:
    desired = build(cfg, template="{}", token_fingerprint=None)
    desired = Tenant(users=desired.users)
    result = reconcile(cfg, desired, snap)
    plan = annotate(
        diff(result.current, result.desired, create_roles=False, sensitive=frozenset()),
        result,
        snap,
        result.desired,
    )
    return [c for c in plan.changes if c.kind is Kind.USER], result


@pytest.mark.parametrize(
    ("holder", "after", "cause"),
    [
        # 1. left the role: in no promoting role any more
        (Holder(2, "bob@example.com", "Moderator", (ENGINEERING,), {}), "Registered", "nothing in the config implies"),
        # 3. rule removed: SOE Admins promotes nobody in this config (see the next test)
        (Holder(3, "carol@example.com", "Admin", (MODERATORS,), {}), "Moderator", "role 'SOE Moderators' implies Moderator"),
    ],
)  # fmt: skip
def test_a_holder_nothing_implies_gets_the_implied_type(
    holder: Holder, after: str, cause: str
) -> None:
    (change,), _ = user_changes(config(), snapshot([holder]))
    assert (change.action, change.key) == (Action.UPDATE, holder.email)
    assert change.fields == (FieldChange(ATTRIBUTE, holder.user_type, after),)
    assert cause in change.note


def test_a_removed_rule_demotes_its_members_and_a_kept_one_does_not() -> None:
    cfg = config(roles=[{"role": "SOE Moderators", "user_type": "Moderator"}])
    holders = [
        Holder(2, "bob@example.com", "Moderator", (MODERATORS,), {}),
        Holder(3, "carol@example.com", "Admin", (ADMINS,), {}),
    ]
    changes, _ = user_changes(cfg, snapshot(holders))
    assert [(c.key, c.fields[0].after) for c in changes] == [("carol@example.com", "Registered")]


def test_a_removed_per_user_type_is_demoted_in_the_same_change_as_its_other_values() -> None:
    cfg = config(users=[{"email": "dave@example.com", "department": "Platform"}])
    current = {"dave@example.com": UserValues("dave@example.com", (("department", "Ops"),))}
    holder = Holder(4, "dave@example.com", "Admin", (), None)
    (change,), _ = user_changes(cfg, snapshot([holder], current))
    assert change.fields == (
        FieldChange("department", "Ops", "Platform"),
        FieldChange(ATTRIBUTE, "Admin", "Registered"),
    )


def test_a_per_user_type_is_left_to_the_ordinary_diff() -> None:
    cfg = config(users=[{"email": "dave@example.com", "user_type": "Admin"}])
    current = {"dave@example.com": UserValues("dave@example.com", ((ATTRIBUTE, "Admin"),))}
    holder = Holder(4, "dave@example.com", "Admin", (), None)
    changes, result = user_changes(cfg, snapshot([holder], current))
    assert changes == []
    assert result.causes == {}


def test_implied_holders_and_unknown_memberships_are_not_touched() -> None:
    holders = [
        Holder(2, "bob@example.com", "Moderator", (MODERATORS,), {}),
        Holder(3, "carol@example.com", "Admin", (ADMINS, ENGINEERING), {}),
        Holder(5, "zed@example.com", "Admin", None, {}),  # no role_ids, no role members
    ]
    changes, result = user_changes(config(), snapshot(holders))
    assert changes == []
    assert result.unknown == ("zed@example.com",)


def test_role_members_stand_in_for_missing_role_ids() -> None:
    snap = snapshot([Holder(5, "zed@example.com", "Admin", None, {})])
    snap.ids.role_members = {"SOE Admins": [5], "SOE Moderators": []}
    changes, _ = user_changes(config(), snap)
    assert changes == []
    snap.ids.role_members = {"SOE Admins": [], "SOE Moderators": []}
    (change,), _ = user_changes(config(), snap)
    assert change.fields[0].after == "Registered"


def test_the_default_type_is_the_configs() -> None:
    cfg = config(default_user_type="Moderator")
    (change,), _ = user_changes(cfg, snapshot([Holder(2, "bob@example.com", "Registered", (), {})]))
    assert change.fields == (FieldChange(ATTRIBUTE, "Registered", "Moderator"),)


def test_the_writer_gets_the_ids_and_known_custom_attributes() -> None:
    snap = snapshot([Holder(2, "bob@example.com", "Moderator", (), {"userType": "Moderator", "x": "1"})])  # fmt: skip
    user_changes(config(), snap)
    assert snap.ids.users == {"bob@example.com": 2}
    assert snap.ids.user_custom_attributes == {"bob@example.com": {"userType": "Moderator", "x": "1"}}  # fmt: skip


def test_nothing_is_read_or_changed_when_user_type_is_not_managed() -> None:
    cfg = Config.model_validate(
        {"onelogin": {"subdomain": "a"}, "soe": {"site": "a"}, "fields": {"user_type": {"enabled": False}}}
    )  # fmt: skip
    changes, _ = user_changes(cfg, snapshot([Holder(2, "bob@example.com", "Moderator", (), {})]))
    assert changes == []


def mapping(role: str) -> UserMapping:
    return UserMapping(f"m {role}", True, role, "userType", "Moderator")


def test_reach_counts_the_members_of_each_role_and_mapping_change() -> None:
    snap = snapshot([])
    snap.ids.role_members = {"SOE Moderators": [1, 2, 2], "Engineering": [1, 2, 3, 4]}
    desired = Tenant(mappings={"m SOE Moderators": mapping("SOE Moderators")})
    plan = Plan(
        (
            Change(Action.CREATE, Kind.MAPPING, "m SOE Moderators"),
            Change(Action.UPDATE, Kind.ROLE, "Engineering", (FieldChange("has_app", False, True),)),
            Change(Action.MANUAL, Kind.SOE, "SCIM settings"),
        )
    )
    result = reconcile(config(), desired, snap)
    reached = annotate(plan, result, snap, desired)
    assert [c.reach for c in reached.changes] == [2, 4, None]
    assert reached.changes[0].to_dict()["reach"] == 2
    assert "reach" not in reached.changes[2].to_dict()


def test_reach_is_unknown_where_the_role_listing_had_no_members() -> None:
    snap = snapshot([])
    plan = Plan((Change(Action.UPDATE, Kind.ROLE, "Engineering"),))
    result = reconcile(config(), Tenant(), snap)
    assert annotate(plan, result, snap, Tenant()).changes[0].reach is None


def type_change(email: str) -> Change:
    return Change(Action.UPDATE, Kind.USER, email, (FieldChange(ATTRIBUTE, "Moderator", "Registered"),))  # fmt: skip


@pytest.mark.parametrize(
    ("direct", "reach", "limit", "breached"),
    [(25, 0, 25, False), (26, 0, 25, True), (20, 6, 25, True), (0, 26, 25, True), (3, 0, 2, True)],
)
def test_max_user_type_changes_counts_writes_and_mapping_reach(
    direct: int, reach: int, limit: int, breached: bool
) -> None:
    changes = [type_change(f"u{i}@example.com") for i in range(direct)]
    changes.append(Change(Action.DELETE, Kind.MAPPING, "m", reach=reach))
    plan = Plan(tuple(changes))
    found = safety.breaches(plan, Tenant(), SafetySettings(max_user_type_changes=limit), ATTRIBUTE)
    assert any("max_user_type_changes" in text for text in found) is breached


def test_user_type_writes_are_not_counted_as_per_user_overwrites() -> None:
    plan = Plan(tuple(type_change(f"u{i}@example.com") for i in range(10)))
    desired = Tenant(users={f"u{i}@example.com": UserValues(f"u{i}@example.com", ((ATTRIBUTE, "Registered"),)) for i in range(10)})  # fmt: skip
    assert safety.breaches(plan, desired, SafetySettings(), ATTRIBUTE) == []
    with pytest.raises(SafetyError, match=r"promote or demote 10 user\(s\)"):
        safety.check(plan, desired, SafetySettings(max_user_type_changes=9), ATTRIBUTE)


def not_implied(user: str, onelogin_id: int) -> Finding:
    return Finding(
        Category.NOT_IMPLIED, user, "userType (OneLogin)", "Registered", "Moderator", "c", "f",
        onelogin_id=onelogin_id, soe_id="9",
    )  # fmt: skip


def test_fix_demotes_by_a_read_and_a_write_that_keeps_the_other_values(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    plan = plan_fixes([not_implied("bob@example.com", 2)], active_soe_users=5)
    assert [(s.kind, s.user_type) for s in plan.steps] == [(StepKind.DEMOTE, "Registered")]
    api.get(f"{USERS_URL}/2", json={"id": 2, "custom_attributes": {"userType": "Moderator", "x": "1"}})  # fmt: skip
    api.put(
        f"{USERS_URL}/2",
        json={"id": 2, "custom_attributes": {"userType": "Registered", "x": "1"}},
        match=[
            matchers.json_params_matcher({"custom_attributes": {"userType": "Registered", "x": "1"}}),
            matchers.query_param_matcher({"mappings": "disabled"}),
        ],
    )  # fmt: skip
    report = execute(plan, client, scim=None, shortname="userType")  # type: ignore[arg-type]
    assert [r.outcome for r in report.results] == [Outcome.DONE]
    assert len(api.calls) == 3  # the token, the read, the write


def test_fix_refuses_a_mass_demotion_without_force() -> None:
    plan = plan_fixes([not_implied(f"u{i}@example.com", i) for i in range(4)], active_soe_users=5)
    with pytest.raises(Refused, match=r"demote 4 user\(s\)"):
        check_demotions(plan, 3, force=False)
    check_demotions(plan, 3, force=True)
    check_demotions(plan, 4, force=False)


def test_each_user_type_change_carries_its_cause_for_grouping() -> None:
    """The role that implies the new type, the removed rule (its mapping is still in OneLogin), or
    nothing implying the type; a promotions.users user_type is its own cause."""
    cfg = config(
        roles=[{"role": "SOE Moderators", "user_type": "Moderator"}],
        users=[{"email": "erin@example.com", "user_type": "Admin"}],
    )
    holders = [
        Holder(2, "bob@example.com", "Admin", (MODERATORS,), {}),
        Holder(3, "carol@example.com", "Admin", (ADMINS,), {}),
        Holder(4, "dave@example.com", "Moderator", (ENGINEERING,), {}),
    ]
    removed = UserMapping("m SOE Admins", True, "SOE Admins", "userType", "Admin")
    current = {"erin@example.com": UserValues("erin@example.com", ((ATTRIBUTE, "Moderator"),))}
    snap = Snapshot(
        Tenant(users=current, mappings={removed.name: removed}),
        snapshot([]).ids,
        tuple(holders),
    )
    changes, _ = user_changes(cfg, snap)
    assert {c.key: c.cause for c in changes} == {
        "bob@example.com": "role 'SOE Moderators' implies Moderator",
        "carol@example.com": "rule removed: role 'SOE Admins' -> Admin (its mapping is deleted)",
        "dave@example.com": "in no promoting role, no promotions.users user_type: Registered",
        "erin@example.com": "its own promotions.users user_type",
    }
    carol = next(c for c in changes if c.key == "carol@example.com")
    assert "whose rule is removed from promotions.roles" in carol.note
    assert carol.to_dict()["cause"].startswith("rule removed")
    # A saved plan keeps the cause (plan --out, then show or apply FILE).
    assert plan_from_dicts([carol.to_dict()]).changes == (carol,)
