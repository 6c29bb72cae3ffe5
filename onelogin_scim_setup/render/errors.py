"""Errors as one paragraph on stderr (and a JSON object with --output json)."""

from __future__ import annotations

import json
from typing import Any

from rich.markup import escape

from onelogin_scim_setup.config.problems import problem_fields
from onelogin_scim_setup.errors import (
    ApplyError,
    ConfigError,
    Interrupted,
    SetupError,
    TemplateError,
    UsageError,
)
from onelogin_scim_setup.render.console import Out
from onelogin_scim_setup.secrets.redact import Redactor, redact_data

# The `-o json` error document's version (docs/schemas/error.schema.json). 2: `code` replaces the
# Python class name `type`; `problems` are objects.
ERROR_FORMAT_VERSION = 2
# An exception that is not a SetupError: a bug, reported as such.
INTERNAL_CODE = "internal_error"


def error_code(error: BaseException) -> str:
    """The stable string code of an error (errors.SetupError.code), never a class name."""
    if isinstance(error, (SetupError, Interrupted)):
        return error.code
    return INTERNAL_CODE


def error_payload(error: BaseException) -> dict[str, Any]:
    payload: dict[str, Any] = {"code": error_code(error), "message": str(error), "hint": None}
    if isinstance(error, SetupError):
        payload["message"] = error.message
        payload["hint"] = error.hint
    if isinstance(error, ConfigError):
        payload["problems"] = [problem_fields(problem) for problem in error.problems]
    if isinstance(error, TemplateError):
        payload["problems"] = [
            {"file": None, "line": None, "key": "template", "message": problem}
            for problem in error.problems
        ]
    if isinstance(error, ApplyError):
        payload["done"], payload["not_done"] = error.done, error.not_done
        payload["unknown"] = error.unknown
        payload["cause"] = str(error.cause)
        payload["cause_code"] = error_code(error.cause)
    return payload


def error_lines(error: BaseException) -> list[str]:
    """The error's paragraph as lines: the tool's own line breaks are between them; any line break
    inside one (a server's message, a file name) is shown escaped by the console (render.safe)."""
    if isinstance(error, SetupError):
        return error.lines()
    return [str(error)]


def render_error(out: Out, error: BaseException, redactor: Redactor) -> None:
    """The error as one paragraph on stderr (and as JSON on stdout with --output json), with every
    secret of the run cut out: a server can echo anything back into an error message."""
    if out.json:
        payload = redact_data(json.loads(json.dumps(error_payload(error), default=str)), redactor)
        out.data({"format_version": ERROR_FORMAT_VERSION, "error": payload})
    first, *rest = [redactor.redact(line) for line in error_lines(error)] or [""]
    out.stderr.print(f"[bold red]Error:[/] {escape(first)}")
    out.lines(rest, err=True)


def render_traceback(out: Out, error: BaseException, redactor: Redactor) -> None:
    """--traceback: the traceback, through the same boundary as everything else (a frame's source
    line or an exception's message can quote a secret)."""
    import traceback

    text = redactor.redact("".join(traceback.format_exception(error)))
    out.lines(text.rstrip("\n").split("\n"), err=True)


def render_usage_error(out: Out, message: str, usage: str, help_command: str) -> None:
    """A command-line mistake: what is wrong, the usage line, and where the full help is (and the
    error document with code `usage` on stdout when the line asked for -o json)."""
    hint = f"`{help_command}` lists the options, with examples."
    if out.json:
        error = {"code": UsageError.code, "message": message, "hint": hint}
        out.data({"format_version": ERROR_FORMAT_VERSION, "error": error})
    # The message quotes what was typed: one line, like every message (render.safe).
    out.stderr.print(f"[bold red]Error:[/] {escape(message.rstrip())}")
    out.lines(usage.rstrip("\n").split("\n"), err=True)
    out.stderr.print(f"Hint: {escape(hint)}")


def render_interrupted(out: Out, interrupted: Interrupted, redactor: Redactor) -> None:
    """What a signal stopped, and what the command did about it (its `report`)."""
    lines = [f"Interrupted by {interrupted.signal_name}.", *interrupted.report]
    if out.json:
        report = [redactor.redact(line) for line in interrupted.report]
        error = {"code": interrupted.code, "message": lines[0], "hint": None, "report": report}
        out.data({"format_version": ERROR_FORMAT_VERSION, "error": error})
    out.lines([redactor.redact(line) for line in lines], err=True)
