"""The streams a command writes to. Only the CLI and the render package print."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, TextIO

import yaml
from rich.console import Console
from rich.markup import escape

# "auto": colour on a terminal only; "always": FORCE_COLOR; "never": --no-color or NO_COLOR.
ColorMode = Literal["auto", "always", "never"]


def _console(stream: TextIO, color: ColorMode) -> Console:
    terminal = stream.isatty()
    colored = color == "always" or (color == "auto" and terminal)
    # Every choice is passed explicitly, so Rich reads no environment of its own: the CLI reads
    # NO_COLOR and FORCE_COLOR once and decides. soft_wrap: piped output keeps long values (URLs,
    # JSON) on one line.
    return Console(
        file=stream,
        force_terminal=terminal or color == "always",
        color_system=("auto" if terminal else "standard") if colored else None,
        no_color=not colored,
        highlight=False,
        soft_wrap=True,
        emoji=False,
    )


@dataclass
class Out:
    """The streams a command writes to: data and results on stdout, errors and logs on stderr."""

    stdout: Console
    stderr: Console
    json: bool = False
    # Spinners only where a person watches: stderr is a terminal and no -v log is scrolling by.
    animate: bool = False

    @classmethod
    def create(
        cls,
        *,
        color: ColorMode,
        json_output: bool,
        progress: bool = True,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> Out:
        out_stream, err_stream = stdout or sys.stdout, stderr or sys.stderr
        return cls(
            _console(out_stream, color),
            _console(err_stream, color),
            json_output,
            animate=progress and err_stream.isatty(),
        )

    def text(self, message: str, *, style: str | None = None) -> None:
        self.stdout.print(escape(message), style=style)

    def note(self, message: str) -> None:
        """Progress and warnings: stderr, so stdout stays clean data."""
        self.stderr.print(escape(message))

    def data(self, payload: Any) -> None:
        self.stdout.file.write(json.dumps(payload, indent=2, default=str) + "\n")
        self.stdout.file.flush()

    def data_yaml(self, payload: Any) -> None:
        self.stdout.file.write(yaml.safe_dump(payload, sort_keys=False, allow_unicode=True))
        self.stdout.file.flush()

    @contextmanager
    def status(self, message: str) -> Iterator[None]:
        """A spinner on stderr while slow reads run; nothing at all when not on a terminal."""
        if not self.animate:
            yield
            return
        with self.stderr.status(escape(message)):
            yield
