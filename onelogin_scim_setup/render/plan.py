"""Plans and apply reports, as rich text or versioned JSON."""

from __future__ import annotations

import json
from typing import Any

from rich.markup import escape

from onelogin_scim_setup.ops.apply import ApplyResult
from onelogin_scim_setup.plan.changes import (
    PLAN_FORMAT_VERSION,
    Action,
    Change,
    Plan,
    StepState,
    checksum,
)
from onelogin_scim_setup.plan.groups import VERBS, KindGroup, group, is_user_type_move
from onelogin_scim_setup.render.console import Out
from onelogin_scim_setup.render.markdown import NO_CHANGES

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
    text = f"Plan: {', '.join(parts)}. {counts['manual']} manual step(s)"
    states = manual_states(plan.manual_steps)
    text += f": {states}." if states else "."
    if counts["unmanaged"]:
        text += f" {counts['unmanaged']} unmanaged (shown, not changed)."
    return text


def manual_states(steps: tuple[Change, ...] | list[Change]) -> str:
    """ "1 pending, 4 cannot be checked": the manual steps counted by state."""
    counted = [
        (sum((c.state or StepState.UNCHECKED) is state for c in steps), state)
        for state in (StepState.PENDING, StepState.UNCHECKED, StepState.DONE)
    ]
    return ", ".join(f"{n} {state.label}" for n, state in counted if n)


def _state(change: Change) -> str:
    state = change.state or StepState.UNCHECKED
    return f"{state.label} ({change.state_reason})" if change.state_reason else state.label


def render_manual(out: Out, steps: tuple[Change, ...] | list[Change], *, detail: bool) -> None:
    """The steps still to do or that cannot be proven done, each with its state, and a count of
    those proven done (`runbook` lists every step): in full with `detail` (-v), otherwise one line
    per step and a pointer to `runbook`."""
    shown = [c for c in steps if c.state is not StepState.DONE]
    for change in shown:
        symbol, style = SYMBOLS[change.action]
        if detail:
            render_change(out, change)
            out.stdout.print(f"      [dim]state: {escape(_state(change))}[/]")
            continue
        count = f" ({len(change.fields)} value(s))" if change.fields else ""
        out.stdout.print(
            f"  [{style}]{symbol} {escape(change.kind.value)}[/] {escape(repr(change.key))}{count}:"
            f" [dim]{escape(_state(change))}[/]"
        )
    done = len(steps) - len(shown)
    if done:
        out.stdout.print(
            f"  [dim]{done} more step(s) done (verified), not listed; "
            "`onelogin-scim-setup runbook` lists every step.[/]"
        )


def render_groups(out: Out, groups: list[KindGroup]) -> None:
    """Each kind under a header with its totals; a summarised kind as counts and first names."""
    for number, item in enumerate(groups):
        if number:
            out.stdout.print("")
        header = f"{item.label}: {item.totals()}"
        if item.summarised:
            header += " (summarised; `-v` or `-o json` lists every change)"
        out.stdout.print(f"[bold]{escape(header)}[/]")
        for remark in item.remarks:
            out.stdout.print(f"  [dim]{escape(remark)}[/]")
        if not item.summarised:
            for change in item.changes:
                render_change(out, change)
            continue
        for part in item.summaries():
            symbol, style = SYMBOLS[part.action]
            line = f"{part.count} {VERBS[part.action]}"
            if part.cause:
                line = f"{part.count} userType {VERBS[part.action]}, {part.cause}"
                if part.transitions:
                    line += " (" + ", ".join(f"{m}: {n}" for m, n in part.transitions) + ")"
            if part.fields:
                line += ": " + ", ".join(f"{name} ({n})" for name, n in part.fields)
            out.stdout.print(f"  [{style}]{symbol}[/] {escape(line)}")
            for change in part.first:
                out.stdout.print(
                    f"      {escape(change.kind.value)} {escape(repr(change.key))}"
                    + escape(_in_brief(change))
                )
            if part.more:
                out.stdout.print(f"      ... and {part.more} more")


def _in_brief(change: Change) -> str:
    """What a summarised change shows after its name: the fields an update changes, else why
    (a conflict, a removal or drift must be understood to be fixed). A userType change's cause is
    its group's header already."""
    if change.cause:
        others = [f.name for f in change.fields if not is_user_type_move(f)]
        return f": also {', '.join(others)}" if others else ""
    if change.action is Action.UPDATE or not change.note:
        names = ", ".join(f.name for f in change.fields)
        return f": {names}" if names else ""
    return f": {change.note}"


TARGET_WARNING = (
    "Warning: --target {target} is in effect: this plan holds only that and what it depends on, "
    "not every change the configuration asks for, and no manual step (`runbook` lists them). Use "
    "it to repair or roll out one thing; run `plan` without --target before you call the setup "
    "done."
)


def render_plan(
    out: Out,
    plan: Plan,
    *,
    detail: bool = False,
    manual: bool = True,
    target: str | None = None,
    read: dict[str, Any] | None = None,
) -> None:
    """The plan, grouped by kind; `manual=False` leaves the manual steps out (apply prints them
    once, at the end). `target`: the plan is only part of the picture (plan.target). `read`: how
    OneLogin was read (plan.incremental.ReadReport), a key of the JSON document only (the text
    says it on stderr)."""
    if out.json:
        document = plan.to_dict()
        if target is not None:
            document["target"] = target
        if read is not None:
            document["read"] = read
        out.data(document)
        return
    if target is not None:
        out.text(TARGET_WARNING.format(target=target), style="bold yellow")
        out.text("")
    api = [*plan.conflicts, *plan.api_changes]
    if api:
        out.text("OneLogin changes:", style="bold")
        out.text("")
        render_groups(out, group(api, detail=detail))
    else:
        out.text(NO_CHANGES, style="bold green")
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
                # The plan that was applied: its checksum is the one `plan -o json` showed.
                "checksum": checksum([c.to_dict() for c in plan.changes]),
                "summary": {
                    "applied": len(done),
                    "not_kept": len(manual),
                    "manual_steps": len(plan.manual_steps),
                },
                "applied": [c.to_dict() for c in done],
                # Of `applied`: a write whose answer was lost, found done by reading it back.
                "read_back": [c.to_dict() for c in result.read_back],
                "manual": [c.to_dict() for c in (*manual, *plan.manual_steps)],
            }
        )
        return
    out.text(f"Apply complete: {len(done)} change(s) made.", style="bold green")
    if result.read_back:
        out.text(
            f"{len(result.read_back)} of them done though the answer was lost (read back): "
            + ", ".join(f"{c.action.value} {c.title}" for c in result.read_back)
        )
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
