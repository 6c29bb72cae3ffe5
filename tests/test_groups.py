"""plan/groups.py: the plan by kind with per-kind totals; a large kind summarised."""

from __future__ import annotations

from onelogin_scim_setup.plan.changes import Action, Change, FieldChange, Kind
from onelogin_scim_setup.plan.groups import SUMMARISE_AFTER, group


def users(count: int, *fields: str) -> list[Change]:
    return [
        Change(
            Action.UPDATE,
            Kind.USER,
            f"u{i:03d}@x",
            tuple(FieldChange(name, None, "v") for name in fields[: 1 + i % len(fields)]),
        )
        for i in range(count)
    ]


ROLE = Change(Action.UPDATE, Kind.ROLE, "Eng", (FieldChange("has_app", False, True),))
FIELD = Change(Action.CREATE, Kind.CUSTOM_FIELD, "userType")
MISSING = Change(Action.CONFLICT, Kind.USER, "ghost@x", note="no OneLogin user")


def test_groups_follow_the_dependency_order_of_kinds_whatever_the_input_order() -> None:
    groups = group([*users(2, "title"), ROLE, FIELD])
    assert [g.kind for g in groups] == [Kind.CUSTOM_FIELD, Kind.ROLE, Kind.USER]
    assert [g.label for g in groups] == ["custom user fields", "roles", "per-user values"]


def test_totals_count_each_action_conflicts_first() -> None:
    (item,) = group([*users(3, "title"), MISSING])
    assert item.counts() == {Action.CONFLICT: 1, Action.UPDATE: 3}
    assert item.totals() == "1 conflict(s) to resolve first, 3 to change"


def test_a_kind_past_the_threshold_is_summarised_with_field_counts_and_first_names() -> None:
    changes = users(500, "department", "title")
    (item,) = group(changes)
    assert item.summarised
    (part,) = item.summaries()
    assert (part.action, part.count, part.more) == (Action.UPDATE, 500, 490)
    assert [c.key for c in part.first] == [f"u{i:03d}@x" for i in range(10)]
    assert part.fields == (("department", 500), ("title", 250))


def test_at_the_threshold_nothing_is_summarised_and_detail_summarises_nothing() -> None:
    assert not group(users(SUMMARISE_AFTER, "title"))[0].summarised
    assert group(users(SUMMARISE_AFTER + 1, "title"))[0].summarised
    assert not group(users(500, "title"), detail=True)[0].summarised


def test_remarks_ride_on_their_kind() -> None:
    groups = group([ROLE, FIELD], remarks={Kind.ROLE: ["reaches 12 members"]})
    assert [(g.kind, g.remarks) for g in groups] == [
        (Kind.CUSTOM_FIELD, ()),
        (Kind.ROLE, ("reaches 12 members",)),
    ]


def test_a_summary_line_says_why_for_what_is_not_an_update() -> None:
    ghosts = [
        Change(Action.CONFLICT, Kind.USER, f"g{i}@x", note=f"no OneLogin user has g{i}@x")
        for i in range(30)
    ]
    (item,) = group(ghosts)
    (part,) = item.summaries()
    assert (part.count, part.fields) == (30, ())
    assert part.first[0].note == "no OneLogin user has g0@x"


def type_changes(count: int, cause: str, before: str, after: str, prefix: str) -> list[Change]:
    return [
        Change(
            Action.UPDATE,
            Kind.USER,
            f"{prefix}{i:03d}@x",
            (FieldChange("custom_attributes.userType", before, after),),
            cause=cause,
        )
        for i in range(count)
    ]


def test_promotions_and_demotions_at_scale_are_summarised_per_role_and_cause() -> None:
    demoted = type_changes(30, "rule removed: role 'Admins'", "Admin", "Registered", "d")
    promoted = type_changes(12, "role 'Mods' implies Moderator", "Admin", "Moderator", "p")
    mixed = [*users(5, "title"), *demoted[:15], *promoted, *demoted[15:]]
    (item,) = group(mixed)
    parts = item.summaries()
    assert [(p.cause, p.count, p.more) for p in parts] == [
        ("", 5, 0),
        ("rule removed: role 'Admins'", 30, 20),
        ("role 'Mods' implies Moderator", 12, 2),
    ]
    assert parts[1].transitions == (("Admin -> Registered", 30),)
    assert [c.key for c in parts[1].first] == [f"d{i:03d}@x" for i in range(10)]
    assert parts[0].fields == (("title", 5),)
