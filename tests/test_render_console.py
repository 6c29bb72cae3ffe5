"""render/console.py: colour only where asked for and where a terminal shows it."""

from __future__ import annotations

import io

import pytest

from onelogin_scim_setup.plan.changes import Action, Change, FieldChange, Kind, Plan
from onelogin_scim_setup.render.console import ColorMode, Out
from onelogin_scim_setup.render.plan import render_plan

PLAN = Plan(
    (Change(Action.UPDATE, Kind.ROLE, "Engineering", (FieldChange("has_app", False, True),)),)
)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("color", "escapes"), [("auto", True), ("never", False)])
def test_no_color_is_plain_even_on_a_terminal(color: ColorMode, escapes: bool) -> None:
    stdout = Terminal()
    out = Out.create(color=color, json_output=False, stdout=stdout, stderr=io.StringIO())
    render_plan(out, PLAN)
    assert ("\x1b[" in stdout.getvalue()) is escapes
