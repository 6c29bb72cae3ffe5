"""The streams a command writes to. Only the CLI and the render package print."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape


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
