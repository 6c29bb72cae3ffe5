"""What `apply` shows while it runs: a spinner while reading, the plan before the prompt, a progress
bar while writing (ops.apply.ApplyView, on a console)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from onelogin_scim_setup.render.plan import render_plan
from onelogin_scim_setup.render.progress import ApplyProgress, applying, reading

if TYPE_CHECKING:
    from onelogin_scim_setup.plan.changes import Plan
    from onelogin_scim_setup.render.console import Out


class ApplyConsole:
    def __init__(self, out: Out) -> None:
        self.out = out

    def reading(self) -> AbstractContextManager[None]:
        return reading(self.out)

    def review(self, plan: Plan) -> None:
        """The plan before the prompt, without the manual steps (printed once, at the end)."""
        if (plan.has_changes or plan.unmanaged) and not self.out.json:
            render_plan(self.out, plan, manual=False)

    def applying(self) -> AbstractContextManager[ApplyProgress]:
        return applying(self.out)
