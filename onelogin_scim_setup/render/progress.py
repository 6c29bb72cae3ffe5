"""Progress on a terminal: a status line while OneLogin is read, a bar while apply writes.

Both draw on stderr and only when stderr is a terminal (and -v is off, so log lines are not torn);
piped or redirected output gets nothing extra. The engine never prints: the CLI hands it `started`
and `done` as callbacks (`ops.apply.apply_plan(on_start=, on_change=)`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

if TYPE_CHECKING:
    from onelogin_scim_setup.plan.changes import Change
    from onelogin_scim_setup.render.console import Out


def live(out: Out) -> bool:
    """Whether to draw: stderr is a terminal and -v logging is not writing to it."""
    # -v lives on the handler's level (logs.configure), not the logger's.
    handlers = logging.getLogger("onelogin_scim_setup").handlers
    verbose = any(handler.level <= logging.DEBUG for handler in handlers)
    return out.stderr.is_terminal and not verbose


@contextmanager
def reading(out: Out, what: str = "Reading OneLogin") -> Iterator[None]:
    """A spinner with `what` while the block runs, on a terminal only."""
    with out.stderr.status(f"{escape(what)}…") if live(out) else nullcontext():
        yield


class ApplyProgress:
    """`started(total)` then `done(change)` per change: a bar with done/total, rate and ETA on a
    terminal (drawn from the first write on, so a confirmation prompt is not disturbed), and the
    one-line `done: ...` notes either way."""

    def __init__(self, out: Out) -> None:
        self.out = out
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def started(self, total: int) -> None:
        if not live(self.out):
            return
        self.progress = Progress(
            TextColumn("Applying"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            RateColumn(),
            TimeRemainingColumn(),
            console=self.out.stderr,
            transient=True,
        )
        # The task first, so the first frame drawn already shows 0/total.
        self.task = self.progress.add_task("Applying", total=total)
        self.progress.start()

    def done(self, change: Change) -> None:
        line = f"done: {change.action.value} {change.title}"
        if self.progress is not None and self.task is not None:
            self.progress.console.print(escape(line))
            self.progress.advance(self.task)
        else:
            self.out.note(line)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


class RateColumn(ProgressColumn):
    """Changes per second."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:.1f}/s" if task.speed else "-/s")


@contextmanager
def applying(out: Out) -> Iterator[ApplyProgress]:
    progress = ApplyProgress(out)
    try:
        yield progress
    finally:
        progress.stop()
