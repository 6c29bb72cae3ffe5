"""render/checks.py: verify's checks as text and as JSON."""

from __future__ import annotations

import json

from onelogin_scim_setup.ops.check import Check
from onelogin_scim_setup.render.checks import render_checks
from tests.helpers.render import capture


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
