"""Saved plans and safety thresholds, pure parts: which changes differ, what the thresholds count."""

from __future__ import annotations

from pathlib import Path

import pytest

from onelogin_scim_setup.config.models import SafetySettings
from onelogin_scim_setup.errors import SafetyError
from onelogin_scim_setup.model.tenant import Tenant, UserValues
from onelogin_scim_setup.ops.saved import differences
from onelogin_scim_setup.plan import safety
from onelogin_scim_setup.plan.changes import Action, Change, FieldChange, Kind, Plan


def as_json(*changes: Change) -> list[dict[str, object]]:
    return [c.to_dict() for c in changes]


ROLE = Change(Action.UPDATE, Kind.ROLE, "Eng", (FieldChange("has_app", False, True),))
FIELD = Change(Action.CREATE, Kind.CUSTOM_FIELD, "userType")


@pytest.mark.parametrize(
    ("saved", "now", "expected"),
    [
        ([ROLE, FIELD], [ROLE, FIELD], []),
        ([ROLE, FIELD], [ROLE], ["no longer planned: create custom_field 'userType'"]),
        ([ROLE], [ROLE, FIELD], ["newly planned: create custom_field 'userType'"]),
        (
            [ROLE],
            [Change(Action.UPDATE, Kind.ROLE, "Eng", (FieldChange("has_app", None, True),))],
            ["differs: role 'Eng' (fields has_app)"],
        ),
        (
            [ROLE],
            [Change(Action.UNMANAGED, Kind.ROLE, "Eng")],
            ["differs: role 'Eng' (update in the saved plan, unmanaged now)"],
        ),
    ],
)
def test_differences_name_each_change_that_moved(
    saved: list[Change], now: list[Change], expected: list[str]
) -> None:
    assert differences(as_json(*saved), as_json(*now)) == expected


def users(count: int) -> Tenant:
    return Tenant(
        users={f"u{i}@x": UserValues(f"u{i}@x", (("title", "new"),)) for i in range(count)}
    )


def overwrites(count: int, *, before: str | None = "old") -> Plan:
    return Plan(
        tuple(
            Change(Action.UPDATE, Kind.USER, f"u{i}@x", (FieldChange("title", before, "new"),))
            for i in range(count)
        )
    )


def deletes(count: int) -> Plan:
    return Plan(tuple(Change(Action.DELETE, Kind.MAPPING, f"m{i}") for i in range(count)))


def removals(count: int) -> Plan:
    """Roles app.exclusive_roles takes the app from, as diff plans them."""
    loses = (FieldChange("has_app", True, False),)
    return Plan(tuple(Change(Action.DELETE, Kind.ROLE, f"r{i}", loses) for i in range(count)))


@pytest.mark.parametrize(
    ("plan", "desired", "breached"),
    [
        (deletes(3), Tenant(), False),
        (deletes(4), Tenant(), True),
        (removals(3), Tenant(), False),
        (removals(4), Tenant(), True),
        (Plan(deletes(3).changes + removals(3).changes), Tenant(), False),  # counted apart
        (overwrites(4), users(4), False),  # 100%, but fewer than min_user_changes (5)
        (overwrites(5), users(5), True),
        (overwrites(5), users(50), False),  # 10%
        (overwrites(11), users(50), True),  # 22%
        (overwrites(20, before=None), users(20), False),  # filling empty values is no overwrite
    ],
)
def test_thresholds(plan: Plan, desired: Tenant, breached: bool) -> None:
    assert bool(safety.breaches(plan, desired, SafetySettings())) is breached


def test_role_removals_are_counted_apart_from_mapping_deletes() -> None:
    counts = safety.count(Plan(deletes(2).changes + removals(5).changes), Tenant())
    assert (counts.mapping_deletes, counts.role_removals) == (2, 5)


def test_role_removal_threshold_is_configurable() -> None:
    assert safety.breaches(removals(1), Tenant(), SafetySettings(max_role_removals=1)) == []
    found = safety.breaches(removals(2), Tenant(), SafetySettings(max_role_removals=1))
    assert found == [
        "it would take the app from 2 role(s) (app.exclusive_roles), more than "
        "safety.max_role_removals (1)"
    ]


def test_breach_names_the_counts() -> None:
    with pytest.raises(SafetyError) as caught:
        safety.check(overwrites(6), users(10), SafetySettings())
    assert "overwrite 6 of 10 per-user values (60%)" in str(caught.value)
    assert "--force" in str(caught.value)


def test_show_reads_a_plan_file_back_and_refuses_an_edited_one(tmp_path: Path) -> None:
    import json

    from onelogin_scim_setup.errors import UsageError
    from onelogin_scim_setup.ops.saved import read_plan_file

    plan = Plan((ROLE, FIELD))
    document = {**plan.to_dict(), "basis": {}, "tool_version": "9.9", "target": "role:Eng"}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    shown = read_plan_file(path)
    assert (shown.plan, shown.target, shown.saved, shown.tool_version) == (
        plan,
        "role:Eng",
        True,
        "9.9",
    )
    # `plan -o json` output reads too; it is not a saved plan.
    path.write_text(json.dumps(plan.to_dict()), encoding="utf-8")
    assert read_plan_file(path).saved is False

    document["changes"][0]["fields"][0]["after"] = False
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(UsageError, match="its changes do not match its checksum"):
        read_plan_file(path)
    for text, message in (
        ("[1, 2]", "is not a plan"),
        ('{"format_version": 1, "changes": []}', "format_version 1"),
        ('{"format_version": 2, "changes": [7]}', r"changes\[0\] is not an object"),
        ("{", "is not JSON"),
    ):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(UsageError, match=message):
            read_plan_file(path)
    with pytest.raises(UsageError, match="is a directory"):
        read_plan_file(tmp_path)
    with pytest.raises(UsageError, match="cannot read the plan"):
        read_plan_file(tmp_path / "missing.json")
