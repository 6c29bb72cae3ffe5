"""render/runbook.py: the manual steps as a Markdown checklist."""

from __future__ import annotations

from onelogin_scim_setup.render.runbook import runbook_markdown
from tests.helpers.render import PLAN


def test_runbook_lists_manual_steps_as_checkboxes() -> None:
    text = runbook_markdown(PLAN, app_name="SCIM SOE", config_path="c.yaml")
    assert "## 1. soe: SCIM settings" in text
    assert (
        "- [ ] **SCIM authorization bearer token**: the token with fingerprint `sha256:1a2b3c4d`"
        in text
    )
    assert '```json\n{\n  "a": 1\n}\n```' in text
    assert "- create custom_field 'userType'" in text
