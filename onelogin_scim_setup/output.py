"""All rendering: plans, apply reports, checks and errors, as rich text or JSON. The core never prints."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape

from onelogin_scim_setup.errors import ApplyError, ConfigError, SetupError
from onelogin_scim_setup.plan import PLAN_FORMAT_VERSION, Action, Change, Plan
from onelogin_scim_setup.verify import Check, passed

SYMBOLS = {
    Action.CREATE: ("+", "green"),
    Action.UPDATE: ("~", "yellow"),
    Action.DELETE: ("-", "red"),
    Action.MANUAL: ("!", "cyan"),
    Action.CONFLICT: ("x", "bold red"),
}


@dataclass
class Out:
    """The streams a command writes to: data and results on stdout, errors and logs on stderr."""

    stdout: Console
    stderr: Console
    json: bool = False

    @classmethod
    def create(
        cls,
        *,
        color: bool,
        json_output: bool,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> Out:
        def console(stream: TextIO) -> Console:
            plain = not color or not stream.isatty()
            # soft_wrap: piped output keeps long values (URLs, JSON) on one line.
            return Console(
                file=stream,
                color_system=None if plain else "auto",
                no_color=plain,
                highlight=False,
                soft_wrap=True,
                emoji=False,
            )

        return cls(console(stdout or sys.stdout), console(stderr or sys.stderr), json_output)

    def text(self, message: str, *, style: str | None = None) -> None:
        self.stdout.print(escape(message), style=style)

    def note(self, message: str) -> None:
        """Progress and warnings: stderr, so stdout stays clean data."""
        self.stderr.print(escape(message))

    def data(self, payload: Any) -> None:
        self.stdout.file.write(json.dumps(payload, indent=2, default=str) + "\n")
        self.stdout.file.flush()


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
    return f"Plan: {', '.join(parts)}. {counts['manual']} manual step(s)."


def render_plan(out: Out, plan: Plan) -> None:
    if out.json:
        out.data(plan.to_dict())
        return
    api = [c for c in plan.changes if c.action is not Action.MANUAL]
    if api:
        out.text("OneLogin changes:", style="bold")
        for change in api:
            render_change(out, change)
    else:
        out.text("No changes. OneLogin matches the configuration.", style="bold green")
    if plan.manual_steps:
        out.text("")
        out.text(
            "Manual steps (no API exists for these; enter exactly these values):", style="bold"
        )
        for change in plan.manual_steps:
            render_change(out, change)
    out.text("")
    out.text(summary(plan), style="bold")


def render_applied(out: Out, plan: Plan, done: list[Change], manual: list[Change]) -> None:
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
    steps = [*manual, *plan.manual_steps]
    if steps:
        out.text("")
        out.text("Still to do by hand (then run `verify`):", style="bold")
        for change in steps:
            render_change(out, change)


def error_payload(error: BaseException) -> dict[str, Any]:
    payload: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, SetupError):
        payload["message"] = error.message
        payload["hint"] = error.hint
    if isinstance(error, ConfigError):
        payload["problems"] = error.problems
    if isinstance(error, ApplyError):
        payload["done"], payload["not_done"] = error.done, error.not_done
        payload["cause"] = str(error.cause)
    return payload


def render_error(out: Out, error: BaseException) -> None:
    if out.json:
        out.data({"error": error_payload(error)})
    out.stderr.print(f"[bold red]Error:[/] {escape(str(error))}")


CHECK_MARKS = {
    "pass": ("ok", "green"),
    "fail": ("FAIL", "bold red"),
    "warn": ("warn", "yellow"),
    "skip": ("skip", "dim"),
}


def render_checks(out: Out, checks: list[Check]) -> None:
    if out.json:
        out.data(
            {"format_version": 1, "passed": passed(checks), "checks": [c.to_dict() for c in checks]}
        )
        return
    for check in checks:
        mark, style = CHECK_MARKS[check.status]
        out.stdout.print(f"[{style}]{mark:>4}[/] {escape(check.name)}: {escape(check.detail)}")
        if check.hint and check.status in ("fail", "warn"):
            out.stdout.print(f"      [dim]fix: {escape(check.hint)}[/]")
    failed = sum(c.status == "fail" for c in checks)
    verdict = "All checks passed." if not failed else f"{failed} check(s) failed."
    out.text(verdict, style="bold green" if not failed else "bold red")


def runbook_markdown(plan: Plan, *, app_name: str, config_path: str) -> str:
    """The remaining manual steps as Markdown for a change ticket (the token only as a fingerprint)."""
    lines = [
        f"# SCIM setup runbook: OneLogin app {app_name!r} -> Stack Overflow for Teams Enterprise",
        "",
    ]
    lines.append(f"Generated by `onelogin-scim-setup runbook` from `{config_path}`.")
    lines.append("")
    if plan.api_changes or plan.conflicts:
        lines += ["## Before the manual steps", ""]
        lines += [
            f"- {c.action.value} {c.title}" + (f": {c.note}" if c.note else "")
            for c in (*plan.conflicts, *plan.api_changes)
        ]
        lines += ["", "Resolve conflicts, then run `onelogin-scim-setup apply`.", ""]
    for number, step in enumerate(plan.manual_steps, start=1):
        lines += [f"## {number}. {step.kind.value}: {step.key}", ""]
        if step.note:
            lines += [step.note, ""]
        for item in step.fields:
            value = str(item.after)
            if item.sensitive:
                value = f"the token with fingerprint `{value}` (`token show --reveal` prints it)"
            if "\n" in value:
                lines += [f"- [ ] **{item.name}**:", "", "```json", value, "```", ""]
            else:
                lines.append(f"- [ ] **{item.name}**: {value if item.sensitive else f'`{value}`'}")
        lines += ["", f"Verified by: {step.verify_by}", ""]
    return "\n".join(lines).rstrip() + "\n"


def write_file(path: Path, text: str) -> None:
    """Write a file the user asked for; a failure is one clear error, not a traceback."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise SetupError(f"cannot write {path}: {error.strerror or error}") from None
