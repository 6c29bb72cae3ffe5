"""Plans and apply reports, as rich text or versioned JSON."""

from __future__ import annotations

import json
from typing import Any

from rich.markup import escape

from onelogin_scim_setup.engine.apply import ApplyResult
from onelogin_scim_setup.engine.plan import PLAN_FORMAT_VERSION, Action, Change, Plan
from onelogin_scim_setup.render.console import Out

SYMBOLS = {
    Action.CREATE: ("+", "green"),
    Action.UPDATE: ("~", "yellow"),
    Action.DELETE: ("-", "red"),
    Action.MANUAL: ("!", "cyan"),
    Action.CONFLICT: ("x", "bold red"),
    Action.UNMANAGED: ("?", "magenta"),
}
RUNBOOK_POINTER = (
    "Manual steps (no API exists for these; `onelogin-scim-setup runbook` or `-v` shows the exact "
    "values to enter):"
)


def _value(value: Any, sensitive: bool) -> str:
    if sensitive:
        return f"(sensitive) {value}" if value else "(sensitive)"
    if value is None:
        return "(none)"
    return json.dumps(value) if not isinstance(value, str) or "\n" not in value else value


def render_change(out: Out, change: Change) -> None:
    symbol, style = SYMBOLS[change.action]
    out.stdout.print(
        f"  [{style}]{symbol} {escape(change.kind.value)}[/] {escape(repr(change.key))}"
    )
    for item in change.fields:
        if change.action is Action.DELETE:
            out.stdout.print(
                f"      {escape(item.name)}: {escape(_value(item.before, item.sensitive))}"
            )
            continue
        after = _value(item.after, item.sensitive)
        if "\n" in after:
            out.stdout.print(f"      {escape(item.name)}:")
            for line in after.splitlines():
                out.stdout.print(f"          {escape(line)}")
            continue
        if change.action is Action.UPDATE or (
            change.action is Action.MANUAL and item.before is not None
        ):
            before = _value(item.before, item.sensitive)
            out.stdout.print(f"      {escape(item.name)}: {escape(before)} -> {escape(after)}")
        else:
            out.stdout.print(f"      {escape(item.name)}: {escape(after)}")
    if change.note:
        out.stdout.print(f"      [dim]{escape(change.note)}[/]")
    if change.reach is not None:
        out.stdout.print(f"      [dim]reaches {change.reach} member(s) of the role[/]")
    if change.verify_by:
        out.stdout.print(f"      [dim]verified by: {escape(change.verify_by)}[/]")


def summary(plan: Plan) -> str:
    counts = plan.counts()
    parts = [
        f"{counts['create']} to create",
        f"{counts['update']} to change",
        f"{counts['delete']} to delete",
    ]
    if counts["conflict"]:
        parts.append(f"{counts['conflict']} conflict(s) to resolve first")
    text = f"Plan: {', '.join(parts)}. {counts['manual']} manual step(s)."
    if counts["unmanaged"]:
        text += f" {counts['unmanaged']} unmanaged (shown, not changed)."
    return text


def render_manual(out: Out, steps: tuple[Change, ...] | list[Change], *, detail: bool) -> None:
    """In full with `detail` (-v); otherwise one line per step and a pointer to `runbook`."""
    if detail:
        for change in steps:
            render_change(out, change)
        return
    for change in steps:
        symbol, style = SYMBOLS[change.action]
        count = f" ({len(change.fields)} value(s))" if change.fields else ""
        out.stdout.print(
            f"  [{style}]{symbol} {escape(change.kind.value)}[/] {escape(repr(change.key))}{count}"
        )


def render_plan(out: Out, plan: Plan, *, detail: bool = False, manual: bool = True) -> None:
    """The plan; `manual=False` leaves the manual steps out (apply prints them once, at the end)."""
    if out.json:
        out.data(plan.to_dict())
        return
    api = [*plan.api_changes, *plan.conflicts]
    if api:
        out.text("OneLogin changes:", style="bold")
        for change in api:
            render_change(out, change)
    else:
        out.text("No changes. OneLogin matches the configuration.", style="bold green")
    if plan.unmanaged:
        out.text("")
        out.text("Not managed by this config (shown, never changed):", style="bold")
        for change in plan.unmanaged:
            render_change(out, change)
    if manual and plan.manual_steps:
        out.text("")
        out.text(
            "Manual steps (no API exists for these; enter exactly these values):"
            if detail
            else RUNBOOK_POINTER,
            style="bold",
        )
        render_manual(out, plan.manual_steps, detail=detail)
    out.text("")
    out.text(summary(plan), style="bold")


def render_applied(out: Out, plan: Plan, result: ApplyResult, *, detail: bool = False) -> None:
    done, manual = result.done, result.manual
    if out.json:
        out.data(
            {
                "format_version": PLAN_FORMAT_VERSION,
                "applied": [c.to_dict() for c in done],
                "manual": [c.to_dict() for c in (*manual, *plan.manual_steps)],
            }
        )
        return
    out.text(f"Apply complete: {len(done)} change(s) made.", style="bold green")
    if manual:
        out.text("")
        out.text("OneLogin did not keep these; do them by hand:", style="bold")
        for change in manual:
            render_change(out, change)
    if plan.manual_steps:
        out.text("")
        out.text(
            "Still to do by hand, then run `verify`"
            + (":" if detail else " (`onelogin-scim-setup runbook` shows the exact values):"),
            style="bold",
        )
        render_manual(out, plan.manual_steps, detail=detail)
