"""An `Out` that captures what a renderer prints, and a plan with every kind of change to render."""

from __future__ import annotations

import io

from onelogin_scim_setup.plan.changes import Action, Change, FieldChange, Kind, Plan
from onelogin_scim_setup.render.console import Out


def capture(json_output: bool = False) -> tuple[Out, io.StringIO, io.StringIO]:
    stdout, stderr = io.StringIO(), io.StringIO()
    return (
        Out.create(color="never", json_output=json_output, stdout=stdout, stderr=stderr),
        stdout,
        stderr,
    )


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
