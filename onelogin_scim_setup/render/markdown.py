"""The plan as GitHub-flavoured Markdown, for a pull-request comment (`plan -o markdown`, `show`).

A table of totals per kind, then one collapsible `<details>` section per kind (open when it holds a
conflict), the unmanaged drift and the manual steps with their states. Large kinds are summarised
as in the text plan (plan.groups); `-o json` keeps every change.

Names and values come from the OneLogin tenant or the config, so they are hostile to Markdown: they
are written as code spans (no emphasis, HTML, links or @mentions are rendered inside one; the fence
is longer than any run of backticks in the value), multi-line values as fenced blocks with a fence
longer than any inside, and prose that quotes them (notes) is escaped character by character. The
token appears only as its fingerprint, as in every other rendering.
"""

from __future__ import annotations

import json
import re
from typing import Any

from onelogin_scim_setup.plan.changes import Action, Change, Plan, StepState
from onelogin_scim_setup.plan.groups import LABELS, VERBS, KindGroup, group

NO_CHANGES = "No changes. OneLogin matches the configuration."  # also the text view (render.plan)
SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.DELETE: "-",
    Action.MANUAL: "!",
    Action.CONFLICT: "x",
    Action.UNMANAGED: "?",
}
# Characters with a meaning in Markdown or HTML mid-line, escaped in prose: a backslash escape for
# the inline markup (emphasis, code, links, table cells, strike-through), an entity for HTML. Prose
# never starts a line here, so the line-start markers (#, -, +, 1.) need nothing.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_PUNCTUATION = set("\\`*_[]|~")
TABLE_COLUMNS = (
    (Action.CREATE, "create"),
    (Action.UPDATE, "change"),
    (Action.DELETE, "delete"),
    (Action.CONFLICT, "conflict"),
    (Action.UNMANAGED, "unmanaged"),
)


def text(value: str) -> str:
    """Prose (ours, quoting names from the tenant) safe to put anywhere in Markdown: one line, no
    markup, no HTML, and no @mention (a zero-width space follows each @)."""
    out = []
    for char in " ".join(value.splitlines()):
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _PUNCTUATION:
            out.append("\\" + char)
        elif char == "@":
            out.append("@\u200b")
        else:
            out.append(char)
    return "".join(out)


def prose(value: str) -> str:
    """Our words, which quote commands and names in backticks: each quoted part as a code span
    (`code`), the rest escaped (`text`); unpaired backticks are escaped like any other."""
    parts = value.split("`")
    if len(parts) % 2 == 0:
        return text(value)
    return "".join(code(part) if n % 2 else text(part) for n, part in enumerate(parts))


def html_text(value: str) -> str:
    """Text inside an HTML element (`<summary>`), where Markdown escapes would show: entities only."""
    return "".join(_ENTITIES.get(char, char) for char in " ".join(value.splitlines()))


def code(value: str) -> str:
    """A value as an inline code span, whatever backticks it holds; one line."""
    flat = " ".join(value.splitlines()) or " "
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or longest else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def block(value: str, *, info: str = "") -> list[str]:
    """A multi-line value as a fenced block whose fence no line inside can close; `info` names its
    language (`json`)."""
    longest = max((len(run) for run in re.findall(r"`{3,}", value)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + info, *value.splitlines(), fence]


def _value(value: Any, sensitive: bool) -> str:
    if sensitive:
        return f"(sensitive) {value}" if value else "(sensitive)"
    if value is None:
        return "(none)"
    return value if isinstance(value, str) and "\n" in value else json.dumps(value)


def _change(change: Change, *, fields: bool = True) -> list[str]:
    symbol = SYMBOLS[change.action]
    lines = [f"- `{symbol}` {change.action.value} {change.kind.value} {code(change.key)}"]
    for item in change.fields if fields else ():
        after = _value(item.after, item.sensitive)
        if change.action is Action.DELETE:
            shown = code(_value(item.before, item.sensitive))
        elif "\n" in after:
            lines += [f"  - {code(item.name)}:", "", *(f"    {line}" for line in block(after))]
            continue
        elif change.action is Action.UPDATE:
            shown = f"{code(_value(item.before, item.sensitive))} → {code(after)}"
        else:
            shown = code(after)
        lines.append(f"  - {code(item.name)}: {shown}")
    if change.note:
        lines.append(f"  - _{prose(change.note)}_")
    return lines


def _group(item: KindGroup) -> list[str]:
    opened = " open" if any(c.action is Action.CONFLICT for c in item.changes) else ""
    summary = f"{item.label}: {item.totals()}"
    if item.summarised:
        summary += " (summarised)"
    lines = [f"<details{opened}><summary>{html_text(summary)}</summary>", ""]
    lines += [f"> {prose(remark)}" for remark in item.remarks]
    if item.remarks:
        lines.append("")
    if not item.summarised:
        for change in item.changes:
            lines += _change(change)
    else:
        for part in item.summaries():
            head = f"**{part.count} {VERBS[part.action]}**"
            if part.cause:
                head = f"**{part.count} userType {VERBS[part.action]}**, {prose(part.cause)}"
                if part.transitions:
                    head += " (" + ", ".join(f"{prose(m)}: {n}" for m, n in part.transitions) + ")"
            if part.fields:
                head += ": " + ", ".join(f"{code(name)} ({n})" for name, n in part.fields)
            lines.append(f"- `{SYMBOLS[part.action]}` {head}")
            for change in part.first:
                if part.cause:
                    lines.append(f"  - {code(change.key)}")
                elif change.action is Action.UPDATE or not change.note:
                    names = ", ".join(code(f.name) for f in change.fields)
                    lines.append(f"  - {code(change.key)}" + (f": {names}" if names else ""))
                else:
                    lines.append(f"  - {code(change.key)}: _{prose(change.note)}_")
            if part.more:
                lines.append(f"  - … and {part.more} more (every one in `-o json`)")
    return [*lines, "", "</details>", ""]


def _totals(groups: list[KindGroup]) -> list[str]:
    header = "| kind | " + " | ".join(name for _, name in TABLE_COLUMNS) + " |"
    lines = [header, "| :--- |" + " ---: |" * len(TABLE_COLUMNS)]
    for item in groups:
        counts = item.counts()
        cells = " | ".join(str(counts.get(a, 0)) for a, _ in TABLE_COLUMNS)
        lines.append(f"| {text(LABELS[item.kind])} | {cells} |")
    return [*lines, ""]


def plan_markdown(
    plan: Plan,
    *,
    detail: bool = False,
    target: str | None = None,
    title: str = "onelogin-scim-setup plan",
) -> str:
    """The plan as Markdown; `detail` (-v) summarises no kind; `target`: a targeted plan."""
    from onelogin_scim_setup.render.plan import TARGET_WARNING, manual_states, summary

    document = plan.to_dict()
    lines = [f"### {text(title)}", ""]
    if target is not None:
        warning = TARGET_WARNING.removeprefix("Warning: ").replace("{target}", "`{target}`")
        warning = warning.format(target=target)
        lines += ["> [!WARNING]", f"> {prose(warning)}", ""]
    lines += [f"**{prose(summary(plan))}**", "", f"Checksum: {code(document['checksum'])}", ""]
    api = [*plan.conflicts, *plan.api_changes, *plan.unmanaged]
    if not api:
        lines += [NO_CHANGES, ""]
    else:
        lines += _totals(group(api, detail=True))
        for item in group([*plan.conflicts, *plan.api_changes], detail=detail):
            lines += _group(item)
    if plan.unmanaged:
        lines += [
            "<details><summary>Not managed by this config (shown, never changed)</summary>",
            "",
        ]
        for change in plan.unmanaged:
            lines += _change(change)
        lines += ["", "</details>", ""]
    if plan.manual_steps:
        lines += _manual(plan.manual_steps, manual_states(plan.manual_steps))
    lines.append(
        "_Secrets appear only as fingerprints; `-o json` lists every change; "
        "`onelogin-scim-setup runbook` has the values to enter by hand._"
    )
    return "\n".join(lines) + "\n"


def _manual(steps: tuple[Change, ...], states: str) -> list[str]:
    lines = [f"<details><summary>Manual steps: {html_text(states)}</summary>", ""]
    shown = [c for c in steps if c.state is not StepState.DONE]
    for step in shown:
        state = step.state or StepState.UNCHECKED
        reason = f" ({prose(step.state_reason)})" if step.state_reason else ""
        values = f" ({len(step.fields)} value(s))" if step.fields else ""
        lines.append(f"- `!` {step.kind.value} {code(step.key)}{values}: **{state.label}**{reason}")
    if len(shown) < len(steps):
        lines.append(
            f"- {len(steps) - len(shown)} more step(s) done (verified), not listed; "
            "`onelogin-scim-setup runbook` lists every step."
        )
    return [*lines, "", "</details>", ""]
