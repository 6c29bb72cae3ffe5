"""render/runbook.py: the manual steps as a Markdown checklist."""

from __future__ import annotations

from onelogin_scim_setup.engine.plan import Action, Change, FieldChange, Kind, Plan
from onelogin_scim_setup.render.runbook import runbook_markdown

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


def test_runbook_lists_manual_steps_as_checkboxes() -> None:
    text = runbook_markdown(PLAN, app_name="SCIM SOE", config_path="c.yaml")
    assert "## 1. soe: SCIM settings" in text
    assert (
        "- [ ] **SCIM authorization bearer token**: the token with fingerprint `sha256:1a2b3c4d`"
        in text
    )
    assert '```json\n{\n  "a": 1\n}\n```' in text
    assert "- create custom_field 'userType'" in text
