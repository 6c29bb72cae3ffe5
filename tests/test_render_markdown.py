"""render/markdown.py: the plan as a pull-request comment; names from the tenant cannot break it."""

from __future__ import annotations

import re

import pytest

from onelogin_scim_setup.plan.changes import Action, Change, FieldChange, Kind, Plan, StepState
from onelogin_scim_setup.render.markdown import block, code, plan_markdown, prose, text
from tests.helpers.render import PLAN

HOSTILE = [
    "Ops | Admins",
    "`rm -rf` role",
    "``double`` and `single`",
    "<script>alert(1)</script>",
    "</details><details open>",
    "**bold** _em_ [link](https://evil.example) ![img](x)",
    "@acme/admins please look",
    "line one\nline two | with pipe",
    "trailing backtick`",
]


def code_span_content(span: str) -> str:
    """What CommonMark shows for a code span (one leading and trailing space stripped)."""
    match = re.fullmatch(r"(`+)(.*)\1", span, flags=re.S)
    assert match, span
    body = match.group(2)
    assert match.group(1) not in body  # no run of the fence's length inside
    if body.startswith(" ") and body.endswith(" ") and body.strip():
        body = body[1:-1]
    return body


@pytest.mark.parametrize("name", HOSTILE)
def test_a_code_span_shows_any_name_whole_on_one_line(name: str) -> None:
    span = code(name)
    assert "\n" not in span
    assert code_span_content(span) == " ".join(name.splitlines())


@pytest.mark.parametrize("name", HOSTILE)
def test_prose_escapes_markup_html_and_mentions(name: str) -> None:
    escaped = text(name)
    assert "\n" not in escaped
    assert "<" not in escaped
    assert ">" not in escaped
    assert not re.search(r"(?<!\\)[`*_\[\]|]", escaped)
    assert not re.search(r"@(?!\u200b)", escaped)


def test_prose_keeps_our_own_backtick_quotes_as_code() -> None:
    assert prose("run `verify` now") == "run `verify` now"
    assert prose("odd ` quote | x") == "odd \\` quote \\| x"


def test_a_block_cannot_be_closed_by_its_content() -> None:
    lines = block('{"a": "```"}\n````\nend')
    assert lines[0] == lines[-1] == "`````"


def test_hostile_role_names_stay_inside_their_list_item() -> None:
    plan = Plan(
        tuple(
            Change(Action.UPDATE, Kind.ROLE, name, (FieldChange("has_app", False, True),))
            for name in HOSTILE
        )
    )
    markdown = plan_markdown(plan)
    body = markdown.split("<details><summary>roles: 9 to change</summary>", 1)[1]
    items = [line for line in body.splitlines() if line.startswith("- ")]
    assert len(items) == len(HOSTILE)
    for line, name in zip(items, HOSTILE, strict=True):
        assert code_span_content(line.split(" update role ", 1)[1]) == " ".join(name.splitlines())
    outside = markdown
    for name in HOSTILE:
        outside = outside.replace(code(name), "")
    # Outside the code spans, only our own HTML: one section.
    assert outside.count("<details") == outside.count("</details>") == 1
    assert "<script>" not in outside


def test_one_collapsible_section_per_kind_with_a_totals_table() -> None:
    markdown = plan_markdown(PLAN)
    assert "| kind | create | change | delete | conflict | unmanaged |" in markdown
    assert "| custom user fields | 1 | 0 | 0 | 0 | 0 |" in markdown
    assert "| roles | 0 | 1 | 0 | 0 | 0 |" in markdown
    assert "<details><summary>custom user fields: 1 to create</summary>" in markdown
    assert "<details><summary>roles: 1 to change</summary>" in markdown
    assert "<details><summary>Manual steps: 2 cannot be checked</summary>" in markdown
    assert "Checksum: `sha256:" in markdown


def test_a_section_with_a_conflict_is_open() -> None:
    plan = Plan((Change(Action.CONFLICT, Kind.ROLE, "Eng", note="two roles named 'Eng'"),))
    assert "<details open><summary>roles: 1 conflict(s) to resolve first</summary>" in (
        plan_markdown(plan)
    )


def test_a_large_kind_is_summarised_and_the_comment_stays_small() -> None:
    users = tuple(
        Change(Action.UPDATE, Kind.USER, f"user{i:04d}@x", (FieldChange("title", None, "T"),))
        for i in range(5000)
    )
    markdown = plan_markdown(Plan(users))
    assert len(markdown) < 4000
    assert "**5000 to change**: `title` (5000)" in markdown
    assert "… and 4990 more (every one in `-o json`)" in markdown
    assert "per-user values: 5000 to change (summarised)" in markdown


def test_the_token_appears_only_as_its_fingerprint() -> None:
    plan = Plan(
        (
            Change(
                Action.UPDATE,
                Kind.APP,
                "SCIM SOE",
                (FieldChange("configuration.token", None, "sha256:1a2b3c4d", sensitive=True),),
            ),
        )
    )
    assert "`(sensitive) sha256:1a2b3c4d`" in plan_markdown(plan)


def test_steps_proven_done_are_counted_not_listed() -> None:
    done = Change(Action.MANUAL, Kind.ONELOGIN_UI, "SCIM connection", state=StepState.DONE)
    pending = Change(
        Action.MANUAL,
        Kind.ONELOGIN_UI,
        "reapply mappings",
        state=StepState.PENDING,
        state_reason="this plan writes 1 mapping(s)",
    )
    markdown = plan_markdown(Plan((done, pending)))
    assert "SCIM connection" not in markdown
    assert "- `!` onelogin_ui `reapply mappings`: **pending** (this plan writes 1 mapping(s))" in (
        markdown
    )
    assert "- 1 more step(s) done (verified), not listed;" in markdown


def test_a_targeted_plan_carries_the_warning() -> None:
    markdown = plan_markdown(PLAN, target="role:Eng")
    assert "> [!WARNING]\n> \\-\\-target" not in markdown
    assert "> [!WARNING]\n> --target `role:Eng` is in effect" in markdown


def test_promotions_and_demotions_at_scale_are_one_item_per_role_with_its_first_names() -> None:
    changes = tuple(
        Change(
            Action.UPDATE,
            Kind.USER,
            f"a{i:02d}@x",
            (FieldChange("custom_attributes.userType", "Registered", "Admin"),),
            cause="role '<Admins>' implies Admin",
        )
        for i in range(22)
    )
    markdown = plan_markdown(Plan(changes))
    assert "**22 userType to change**, role '&lt;Admins&gt;' implies Admin" in markdown
    assert "(Registered -&gt; Admin: 22)" in markdown
    assert "  - `a00@x`\n" in markdown
    assert "… and 12 more" in markdown
