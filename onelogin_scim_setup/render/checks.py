"""verify's checks, as text or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape

from onelogin_scim_setup.ops.check import PUSH_EVIDENCE_CHECK, Check, passed
from onelogin_scim_setup.render.console import Out

if TYPE_CHECKING:
    from onelogin_scim_setup.config.load import LoadedConfig

# `-o json` document versions (docs/schemas/verify.schema.json, validate.schema.json).
VERIFY_FORMAT_VERSION = 1
VALIDATE_FORMAT_VERSION = 1

CHECK_MARKS = {
    "pass": ("ok", "green"),
    "fail": ("FAIL", "bold red"),
    "warn": ("warn", "yellow"),
    "skip": ("skip", "dim"),
}


def render_check(out: Out, check: Check) -> None:
    """One check, as soon as it is known (text only; JSON is written once, at the end)."""
    mark, style = CHECK_MARKS[check.status]
    out.stdout.print(f"[{style}]{mark:>4}[/] {escape(check.name)}: {escape(check.detail)}")
    if check.hint and check.status in ("fail", "warn"):
        out.stdout.print(f"      [dim]fix: {escape(check.hint)}[/]")


def push_health_checked(checks: list[Check]) -> bool:
    """Whether a change was seen to travel from OneLogin to SOE: `verify --e2e`'s round trip, or
    OneLogin's recent changes found in SOE (ops.push_evidence); a failed evidence check counts too,
    since it says what is wrong with the pushes."""
    return any(
        (c.name.startswith("e2e: SOE shows") and c.status == "pass")
        or (c.name == PUSH_EVIDENCE_CHECK and c.status in ("pass", "fail"))
        for c in checks
    )


NOT_CHECKED = (
    "Push health (OneLogin -> SOE) was not checked: `verify --e2e --test-user EMAIL` proves it."
)
NOT_REACHING = (
    "Push health (OneLogin -> SOE): changes made in OneLogin are not reaching SOE; the SCIM token "
    "OneLogin holds may be stale. `verify --e2e --test-user EMAIL` proves the path."
)
SEEN = (
    "Push health (OneLogin -> SOE): recent changes in OneLogin were seen in SOE; "
    "`verify --e2e --test-user EMAIL` proves the path end to end."
)


def push_health_line(checks: list[Check]) -> str | None:
    """The summary's sentence on pushes (None where `--e2e` saw a change arrive)."""
    if any(c.name.startswith("e2e: SOE shows") and c.status == "pass" for c in checks):
        return None
    evidence = next((c for c in checks if c.name == PUSH_EVIDENCE_CHECK), None)
    if evidence is not None and evidence.status == "fail":
        return NOT_REACHING
    if evidence is not None and evidence.status == "pass":
        return SEEN
    return NOT_CHECKED


def render_verdict(out: Out, checks: list[Check]) -> None:
    failed = sum(c.status == "fail" for c in checks)
    verdict = "All checks passed." if not failed else f"{failed} check(s) failed."
    out.text(verdict, style="bold green" if not failed else "bold red")
    line = push_health_line(checks)
    if line:
        out.text(line)


def render_verified(out: Out, checks: list[Check]) -> None:
    """The end of `verify`: the JSON document, or after the checks streamed as text, the verdict."""
    if out.json:
        render_checks(out, checks)
    else:
        render_verdict(out, checks)


def render_checks(out: Out, checks: list[Check]) -> None:
    if out.json:
        out.data(
            {
                "format_version": VERIFY_FORMAT_VERSION,
                "passed": passed(checks),
                "push_health_checked": push_health_checked(checks),
                "checks": [c.to_dict() for c in checks],
            }
        )
        return
    for check in checks:
        render_check(out, check)
    render_verdict(out, checks)


def render_valid(out: Out, loaded: LoadedConfig, notes: list[str]) -> None:
    """`validate`'s answer for a config that passed: the notes, then the verdict."""
    if out.json:
        out.data(
            {
                "format_version": VALIDATE_FORMAT_VERSION,
                "valid": True,
                "config": str(loaded.path),
                "warnings": list(loaded.warnings),
                "notes": notes,
            }
        )
        return
    for note in notes:
        out.note(f"Note: {note}")
    out.text(f"{loaded.path}: valid.", style="green")
