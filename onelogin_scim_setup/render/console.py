"""The streams a command writes to. Only the CLI and the render package print."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, TextIO

import yaml
from rich.console import Console
from rich.markup import escape
from rich.segment import Segment

from onelogin_scim_setup.render.safe import neutralise
from onelogin_scim_setup.secrets.redact import REDACTED, Redactor, redact_data

# "auto": colour on a terminal only; "always": FORCE_COLOR; "never": --no-color or NO_COLOR.
ColorMode = Literal["auto", "always", "never"]


class SafeConsole(Console):
    """A Rich console that is the output boundary (render.safe): every string it prints is redacted
    and neutralised before Rich reads its markup, and every segment again before it is written, so
    no renderer, table, spinner or progress bar can put a secret or a terminal sequence on screen.

    The only escape sequences that reach the stream are the ones Rich makes from the tool's own
    styles (colours) and its own cursor control (spinners, progress bars)."""

    def __init__(self, *args: Any, redactor: Redactor | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redactor = redactor if redactor is not None else Redactor()

    def clean(self, text: str, *, keep_line_breaks: bool = False) -> str:
        """`text` as it may be shown: secrets cut out, then unsafe characters escaped."""
        return neutralise(self.redactor.redact(text), keep_line_breaks=keep_line_breaks)

    def render_str(self, text: str, **kwargs: Any) -> Any:
        # One printed string is one line: a line break in it is shown as \n (render.safe). The
        # cut is written as escaped markup, so Rich shows "[redacted]" instead of reading a tag.
        markup = kwargs.get("markup")
        plain = markup is False or (markup is None and not self._markup)
        replacement = REDACTED if plain else escape(REDACTED)
        cleaned = neutralise(self.redactor.redact(text, replacement))
        return super().render_str(cleaned, **kwargs)

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        # Text objects built without render_str (progress columns, tables' own cells) land here;
        # the line breaks left are the ones Rich laid out. Control segments are Rich's own.
        cleaned = (
            segment
            if segment.control
            else Segment(self.clean(segment.text, keep_line_breaks=True), segment.style)
            for segment in buffer
        )
        return super()._render_buffer(cleaned)


def _console(stream: TextIO, color: ColorMode, redactor: Redactor | None = None) -> SafeConsole:
    terminal = stream.isatty()
    colored = color == "always" or (color == "auto" and terminal)
    # Every choice is passed explicitly, so Rich reads no environment of its own: the CLI reads
    # NO_COLOR and FORCE_COLOR once and decides. soft_wrap: piped output keeps long values (URLs,
    # JSON) on one line.
    return SafeConsole(
        redactor=redactor,
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

    stdout: SafeConsole
    stderr: SafeConsole
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
        redactor: Redactor | None = None,
    ) -> Out:
        out_stream, err_stream = stdout or sys.stdout, stderr or sys.stderr
        redactor = redactor if redactor is not None else Redactor()
        return cls(
            _console(out_stream, color, redactor),
            _console(err_stream, color, redactor),
            json_output,
            animate=progress and err_stream.isatty(),
        )

    @property
    def redactor(self) -> Redactor:
        redactor = getattr(self.stdout, "redactor", None)
        return redactor if isinstance(redactor, Redactor) else Redactor()

    def text(self, message: str, *, style: str | None = None) -> None:
        """One line of plain text (no markup) on stdout, through the output boundary."""
        self.stdout.print(escape(message), style=style)

    def note(self, message: str) -> None:
        """Progress and warnings: stderr, so stdout stays clean data."""
        self.stderr.print(escape(message))

    def warn(self, message: str) -> None:
        """A warning: a note that says it is one."""
        self.note(f"Warning: {message}")

    def lines(self, lines: Iterable[str], *, err: bool = False, style: str | None = None) -> None:
        """Several lines of plain text, each through the boundary on its own."""
        console = self.stderr if err else self.stdout
        for line in lines:
            console.print(escape(line), style=style)

    def data(self, payload: Any) -> None:
        """JSON on stdout: exact (JSON escapes control characters itself), secrets cut out."""
        text = json.dumps(payload, indent=2, default=str) + "\n"
        if self.redactor.redact(text) != text:  # rare: cut string by string, so it still parses
            clean = redact_data(json.loads(text), self.redactor)
            text = json.dumps(clean, indent=2) + "\n"
        self.stdout.file.write(text)
        self.stdout.file.flush()

    def data_yaml(self, payload: Any) -> None:
        """YAML on stdout: exact, with secrets cut out of each string."""
        clean = redact_data(json.loads(json.dumps(payload, default=str)), self.redactor)
        self.stdout.file.write(yaml.safe_dump(clean, sort_keys=False, allow_unicode=True))
        self.stdout.file.flush()

    def data_csv(self, text: str) -> None:
        """CSV on stdout: exact (quoted by its renderer), secrets cut out."""
        self._write(text)

    def document(self, text: str) -> None:
        """A document on stdout (a rendered template, a runbook): exact when piped, so it can be
        saved; on a terminal its own line breaks stay and every other unsafe character is shown
        escaped. Secrets are cut out either way."""
        text = self.redactor.redact(text)
        if self.stdout.file.isatty():
            text = neutralise(text, keep_line_breaks=True)
        self.stdout.file.write(text)
        self.stdout.file.flush()

    def _write(self, text: str) -> None:
        self.stdout.file.write(self.redactor.redact(text))
        self.stdout.file.flush()

    @contextmanager
    def status(self, message: str) -> Iterator[None]:
        """A spinner on stderr while slow reads run; nothing at all when not on a terminal."""
        if not self.animate:
            yield
            return
        with self.stderr.status(escape(message)):
            yield
