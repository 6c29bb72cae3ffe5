"""The yes/no question apply, audit --fix and token rotate ask, answerable by Ctrl-C at any moment.

`input()` has a race: a signal that arrives after the prompt is written but before the read starts
only sets a flag, and the read then blocks until a line is typed (the run seemed to hang after
Ctrl-C at apply's prompt). Here standard input is polled instead, so Python runs the signal
handler within `POLL` seconds whatever the moment of the signal.
"""

from __future__ import annotations

import select
import sys

import typer

POLL = 0.1


def confirm(question: str) -> bool:
    """Ask `question` [y/N] on the terminal; Enter means no."""
    answer = typer.confirm(question, default=False) if not sys.stdin.isatty() else _ask(question)
    return answer


def _ask(question: str) -> bool:
    while True:
        typer.echo(f"{question} [y/N]: ", nl=False)
        line = _line()
        value = line.strip().lower()
        if value in ("y", "yes"):
            return True
        if value in ("n", "no", ""):
            if not line:  # end of input
                typer.echo("")
                raise typer.Abort
            return False
        typer.echo("Error: invalid input")


def _line() -> str:
    """One line from standard input; between polls the signal handlers run."""
    while True:
        ready, _, _ = select.select([sys.stdin], [], [], POLL)
        if ready:
            return sys.stdin.readline()
