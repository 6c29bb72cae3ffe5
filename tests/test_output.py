"""Rendering: the plan as text and JSON, checks, runbook Markdown, errors."""

from __future__ import annotations

import io
import json

import pytest

from onelogin_scim_setup.checks.result import Check
from onelogin_scim_setup.engine.plan import Action, Change, FieldChange, Kind, Plan
from onelogin_scim_setup.errors import ConfigError
from onelogin_scim_setup.render.checks import render_checks
from onelogin_scim_setup.render.console import ColorMode, Out
from onelogin_scim_setup.render.errors import render_error
from onelogin_scim_setup.render.plan import render_plan, summary
from onelogin_scim_setup.render.runbook import runbook_markdown
from onelogin_scim_setup.secrets.redact import Redactor

PLAN = Plan(
    (
        Change(
            Action.CREATE,
            Kind.CUSTOM_FIELD,
            "userType",
            (FieldChange("shortname", None, "userType"),),
        ),
        Change(Action.UPDATE, Kind.ROLE, "Engineering", (FieldChange("has_app", False, True),)),
        Change(
            Action.MANUAL,
            Kind.SOE,
            "SCIM settings",
            (
                FieldChange(
                    "SCIM authorization bearer token", None, "sha256:1a2b3c4d", sensitive=True
                ),
            ),
            note="In SOE: Admin Settings > SCIM",
            verify_by="verify",
        ),
        Change(
            Action.MANUAL,
            Kind.ONELOGIN_UI,
            "SCIM connection",
            (FieldChange("SCIM JSON Template", None, '{\n  "a": 1\n}'),),
        ),
    )
)


def capture(json_output: bool = False) -> tuple[Out, io.StringIO, io.StringIO]:
    stdout, stderr = io.StringIO(), io.StringIO()
    return (
        Out.create(color="never", json_output=json_output, stdout=stdout, stderr=stderr),
        stdout,
        stderr,
    )


def test_text_plan_uses_terraform_symbols_and_before_after() -> None:
    out, stdout, _ = capture()
    render_plan(out, PLAN, detail=True)
    text = stdout.getvalue()
    assert "  + custom_field 'userType'" in text
    assert "      has_app: false -> true" in text
    assert "  ! soe 'SCIM settings'" in text
    assert "(sensitive) sha256:1a2b3c4d" in text
    assert "Plan: 1 to create, 1 to change, 0 to delete. 2 manual step(s)." in text


def test_plan_lists_manual_steps_by_name_with_a_pointer_to_runbook() -> None:
    out, stdout, _ = capture()
    render_plan(out, PLAN)
    text = stdout.getvalue()
    assert "  ! soe 'SCIM settings' (1 value(s))\n  ! onelogin_ui 'SCIM connection'" in text
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


def test_checks_text_and_json() -> None:
    checks = [Check("a", "pass", "fine"), Check("b", "fail", "broken", "do this")]
    out, stdout, _ = capture()
    render_checks(out, checks)
    assert "FAIL b: broken" in stdout.getvalue()
    assert "fix: do this" in stdout.getvalue()
    out, stdout, _ = capture(json_output=True)
    render_checks(out, checks)
    data = json.loads(stdout.getvalue())
    assert data["passed"] is False
    assert data["checks"][1] == {
        "name": "b",
        "status": "fail",
        "detail": "broken",
        "hint": "do this",
    }


def test_runbook_lists_manual_steps_as_checkboxes() -> None:
    text = runbook_markdown(PLAN, app_name="SCIM SOE", config_path="c.yaml")
    assert "## 1. soe: SCIM settings" in text
    assert (
        "- [ ] **SCIM authorization bearer token**: the token with fingerprint `sha256:1a2b3c4d`"
        in text
    )
    assert '```json\n{\n  "a": 1\n}\n```' in text
    assert "- create custom_field 'userType'" in text


def test_error_goes_to_stderr_and_json_error_to_stdout() -> None:
    out, stdout, stderr = capture(json_output=True)
    render_error(
        out, ConfigError("c.yaml: invalid config", problems=["c.yaml:3: a.b: bad"]), Redactor()
    )
    assert "c.yaml:3: a.b: bad" in stderr.getvalue()
    payload = json.loads(stdout.getvalue())["error"]
    assert payload["type"] == "ConfigError"
    assert payload["problems"] == ["c.yaml:3: a.b: bad"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("color", "escapes"), [("auto", True), ("never", False)])
def test_no_color_is_plain_even_on_a_terminal(color: ColorMode, escapes: bool) -> None:
    stdout = Terminal()
    out = Out.create(color=color, json_output=False, stdout=stdout, stderr=io.StringIO())
    render_plan(out, PLAN)
    assert ("\x1b[" in stdout.getvalue()) is escapes
