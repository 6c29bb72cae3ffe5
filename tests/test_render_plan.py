"""render/plan.py: the plan as text (terraform-like symbols, before -> after) and as JSON."""

from __future__ import annotations

import json

from onelogin_scim_setup.plan.changes import Action, Change, FieldChange, Kind, Plan
from onelogin_scim_setup.render.plan import render_plan, summary
from tests.helpers.render import PLAN, capture


def test_text_plan_uses_terraform_symbols_and_before_after() -> None:
    out, stdout, _ = capture()
    render_plan(out, PLAN, detail=True)
    text = stdout.getvalue()
    assert "  + custom_field 'userType'" in text
    assert "      has_app: false -> true" in text
    assert "  ! soe 'SCIM settings'" in text
    assert "(sensitive) sha256:1a2b3c4d" in text
    assert (
        "Plan: 1 to create, 1 to change, 0 to delete. 2 manual step(s): 2 cannot be checked."
        in text
    )


def test_plan_lists_manual_steps_by_name_with_a_pointer_to_runbook() -> None:
    out, stdout, _ = capture()
    render_plan(out, PLAN)
    text = stdout.getvalue()
    assert (
        "  ! soe 'SCIM settings' (1 value(s)): cannot be checked\n  ! onelogin_ui 'SCIM connection'"
        in text
    )
    assert "`onelogin-scim-setup runbook`" in text
    assert "sha256:1a2b3c4d" not in text
    assert '"a": 1' not in text


def test_unmanaged_drift_is_listed_apart_and_counted() -> None:
    drift = Change(Action.UNMANAGED, Kind.ROLE, "Sales", note="has the app but is not in app.roles")
    out, stdout, _ = capture()
    render_plan(out, Plan((drift,)))
    text = stdout.getvalue()
    assert "No changes. OneLogin matches the configuration." in text
    assert "Not managed by this config (shown, never changed):\n  ? role 'Sales'" in text
    assert text.rstrip().endswith("0 manual step(s). 1 unmanaged (shown, not changed).")


def test_multiline_values_are_indented_blocks() -> None:
    out, stdout, _ = capture()
    render_plan(out, PLAN, detail=True)
    assert '          "a": 1' in stdout.getvalue()


def test_converged_plan_says_no_changes() -> None:
    out, stdout, _ = capture()
    render_plan(out, Plan((PLAN.changes[2],)))
    assert "No changes. OneLogin matches the configuration." in stdout.getvalue()


def test_plan_json_is_the_plan_data() -> None:
    out, stdout, _ = capture(json_output=True)
    render_plan(out, PLAN)
    data = json.loads(stdout.getvalue())
    assert data == PLAN.to_dict()
    assert [c["action"] for c in data["changes"]] == ["create", "update", "manual", "manual"]


def test_summary_counts_conflicts() -> None:
    plan = Plan((Change(Action.CONFLICT, Kind.ROLE, "X", note="missing"),))
    assert "1 conflict(s) to resolve first" in summary(plan)


def test_a_large_kind_is_summarised_with_the_reason_for_each_conflict_shown() -> None:
    ghosts = tuple(
        Change(Action.CONFLICT, Kind.USER, f"g{i:02d}@x", note="no OneLogin user has this email")
        for i in range(25)
    )
    out, stdout, _ = capture()
    render_plan(out, Plan(ghosts))
    text = stdout.getvalue()
    assert "per-user values: 25 conflict(s) to resolve first (summarised;" in text
    assert "      user 'g00@x': no OneLogin user has this email\n" in text
    assert "      ... and 15 more\n" in text
    out, stdout, _ = capture()
    render_plan(out, Plan(ghosts), detail=True)
    assert stdout.getvalue().count("  x user ") == 25


def test_a_plan_at_scale_shows_a_line_per_role_and_cause_with_first_names() -> None:
    changes = tuple(
        Change(
            Action.UPDATE,
            Kind.USER,
            f"m{i:02d}@x",
            (FieldChange("custom_attributes.userType", "Moderator", "Registered"),),
            note="holds Moderator, which nothing in the config implies any more",
            cause="in no promoting role, no promotions.users user_type: Registered",
        )
        for i in range(25)
    )
    out, stdout, _ = capture()
    render_plan(out, Plan(changes))
    text = stdout.getvalue()
    assert (
        "~ 25 userType to change, in no promoting role, no promotions.users user_type: "
        "Registered (Moderator -> Registered: 25)"
    ) in text
    assert "user 'm00@x'" in text
    assert "user 'm10@x'" not in text
    assert "... and 15 more" in text
    assert "nothing in the config implies" not in text  # the cause is the header, not each line
