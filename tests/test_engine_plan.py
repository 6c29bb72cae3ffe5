"""plan/changes.py: a plan's changes as JSON, what counts as pending, and the checksum that pins a
reviewed plan."""

from __future__ import annotations

import pytest

from onelogin_scim_setup.model.tenant import MappingShape
from onelogin_scim_setup.plan.changes import Action, Change, FieldChange, Kind, Plan, checksum


def test_plan_json_is_versioned_and_counts() -> None:
    plan = Plan(
        (Change(Action.CREATE, Kind.ROLE, "A"), Change(Action.MANUAL, Kind.SOE, "SCIM settings"))
    )
    data = plan.to_dict()
    assert data["format_version"] == 2
    assert data["summary"]["create"] == 1
    assert data["summary"]["manual"] == 1
    assert data["has_changes"] is True
    assert data["checksum"].startswith("sha256:")


def test_manual_steps_alone_are_not_pending_changes() -> None:
    plan = Plan((Change(Action.MANUAL, Kind.SOE, "SCIM settings"),))
    assert not plan.has_changes
    assert len(plan.manual_steps) == 1


def test_a_plan_holding_only_a_conflict_has_changes() -> None:
    only_conflict = Plan((Change(Action.CONFLICT, Kind.ROLE, "Gone", note="missing"),))
    assert only_conflict.has_changes is True


def test_a_plan_holding_only_manual_steps_has_no_changes() -> None:
    manual_only = Plan((Change(Action.MANUAL, Kind.SOE, "SCIM settings"),))
    assert manual_only.has_changes is False


def test_a_change_serialises_every_field_under_its_json_name() -> None:
    change = Change(
        Action.UPDATE,
        Kind.APP,
        "SCIM SOE",
        (FieldChange("configuration.token", "sha256:a", "sha256:b", True),),
        note="n",
        verify_by="v",
    )
    assert change.to_dict() == {
        "action": "update",
        "kind": "app",
        "key": "SCIM SOE",
        "fields": [
            {
                "name": "configuration.token",
                "before": "sha256:a",
                "after": "sha256:b",
                "sensitive": True,
            }
        ],
        "note": "n",
        "verify_by": "v",
    }


def test_plan_json_counts_every_action_and_lists_the_changes() -> None:
    changes = (
        Change(Action.CREATE, Kind.ROLE, "A"),
        Change(Action.CREATE, Kind.ROLE, "B"),
        Change(Action.CONFLICT, Kind.USER, "c@example.com"),
    )
    data = Plan(changes).to_dict()
    assert (data["summary"], data["changes"], data["checksum"]) == (
        {"create": 2, "update": 0, "delete": 0, "manual": 0, "conflict": 1, "unmanaged": 0},
        [c.to_dict() for c in changes],
        checksum([c.to_dict() for c in changes]),
    )


def test_checksum_is_a_pinned_sha256_prefix() -> None:
    # Changing how the digest is computed invalidates every plan a CI pipeline has reviewed.
    assert checksum([{"b": 1, "a": "x"}]) == "sha256:6344e11ac43042b3"


def test_checksum_does_not_depend_on_key_order() -> None:
    assert checksum([{"a": 1, "b": 2}]) == checksum([{"b": 2, "a": 1}])


def test_checksum_accepts_values_json_cannot_encode() -> None:
    assert checksum([{"shape": MappingShape.OTHER}]) == checksum(
        [{"shape": str(MappingShape.OTHER)}]
    )


def test_a_plan_reads_back_from_its_json_exactly() -> None:
    from onelogin_scim_setup.plan.changes import StepState, plan_from_dicts

    step = Change(
        Action.MANUAL,
        Kind.SOE,
        "SCIM settings",
        (FieldChange("token", None, "sha256:1", sensitive=True),),
        note="n",
        verify_by="v",
        state=StepState.PENDING,
        state_reason="refused",
    )
    plan = Plan(
        (
            Change(
                Action.UPDATE, Kind.ROLE, "Eng", (FieldChange("has_app", False, True),), reach=4
            ),
            step,
        )
    )
    assert plan_from_dicts(plan.to_dict()["changes"]) == plan
    assert plan.to_dict()["changes"][1]["state"] == "pending"
    assert "state" not in plan.to_dict()["changes"][0]  # only manual steps have a state


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "`changes` is not a list"),
        ([1], r"changes\[0\] is not an object"),
        ([{"action": "explode", "kind": "role", "key": "x"}], "changes\\[0\\].action is 'explode'"),
        ([{"action": "create", "kind": "role"}], r"changes\[0\].key is not a string"),
        ([{"action": "create", "kind": "role", "key": "x", "fields": [{}]}], r"fields\[0\]"),
        (
            [{"action": "manual", "kind": "soe", "key": "x", "state": "maybe"}],
            r"changes\[0\].state is 'maybe'",
        ),
    ],
)
def test_a_hand_edited_plan_is_refused_naming_where(changes: object, message: str) -> None:
    from onelogin_scim_setup.plan.changes import PlanShapeError, plan_from_dicts

    with pytest.raises(PlanShapeError, match=message):
        plan_from_dicts(changes)
