"""Progress drawing: a bar on a terminal, nothing extra when piped."""

from __future__ import annotations

import io

from rich.console import Console

from onelogin_scim_setup.plan.changes import Action, Change, Kind
from onelogin_scim_setup.render.console import Out
from onelogin_scim_setup.render.progress import applying, reading

CHANGES = [Change(Action.UPDATE, Kind.USER, f"u{i}@x.io") for i in range(3)]


def out_on(stderr: io.StringIO, *, terminal: bool) -> Out:
    console = Console(file=stderr, force_terminal=terminal, width=100)
    return Out(Console(file=io.StringIO()), console)


def run(out: Out) -> None:
    with reading(out):
        pass
    with applying(out) as progress:
        progress.started(len(CHANGES))
        for change in CHANGES:
            progress.done(change)


def test_piped_output_gets_only_the_done_lines() -> None:
    stderr = io.StringIO()
    run(out_on(stderr, terminal=False))
    assert stderr.getvalue().splitlines() == [f"done: update user 'u{i}@x.io'" for i in range(3)]


def test_a_terminal_gets_a_status_line_and_a_bar_with_done_and_total() -> None:
    stderr = io.StringIO()
    run(out_on(stderr, terminal=True))
    drawn = stderr.getvalue()
    assert "Reading OneLogin" in drawn
    assert "Applying" in drawn
    assert "0/3" in drawn
