"""One problem `validate` found, as text (`file:line: key: message`) and as fields for `-o json`;
and how one pydantic error reads in a problem, for the YAML and the CSV alike, so an entry of
`promotions.users` and a row of `promotions.users_file` are refused in the same words.

A `Problem` is a `str` (the line people read, which every message and test already compares), that
also carries its parts. Problems made elsewhere as plain strings are split by `problem_fields`, so
every problem in `-o json` is an object {file, line, key, message} (docs/cli-contract.md).
"""

from __future__ import annotations

import re
from typing import Any

# file:line: key: message, where line and key may be missing. A key is dotted words and indexes
# (promotions.users.0.email, a CSV column name); a message never starts like one followed by ": ".
_SHAPE = re.compile(
    r"^(?P<file>[^\n]*?)(?::(?P<line>\d+))?: "
    r"(?:(?P<key>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*): )?(?P<message>.*)$",
    re.S,
)


class Problem(str):
    """`file:line: key: message` as one string, with `file`, `line`, `key` and `message`."""

    file: str | None
    line: int | None
    key: str | None
    message: str

    def __new__(
        cls,
        file: object | None,
        line: int | None,
        key: str | None,
        message: str,
        *,
        text: str | None = None,
    ) -> Problem:
        """`text`: the line as people read it, when it is not `file:line: key: message`."""
        where = "" if file is None else f"{file}:{line}" if line else f"{file}"
        parts = [part for part in (where, key, message) if part]
        problem = super().__new__(cls, ": ".join(parts) if text is None else text)
        problem.file = None if file is None else str(file)
        problem.line, problem.key, problem.message = line, key, message
        return problem

    def fields(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "key": self.key, "message": self.message}


def problem_fields(problem: str) -> dict[str, Any]:
    """The fields of a problem: its own if it is a Problem, else read from `file:line: key: ...`
    (a string without that shape is all message)."""
    if isinstance(problem, Problem):
        return problem.fields()
    match = _SHAPE.match(problem)
    if match is None or not match.group("file") or " " in match.group("file").strip("/"):
        return {"file": None, "line": None, "key": None, "message": problem}
    line = match.group("line")
    return {
        "file": match.group("file"),
        "line": int(line) if line else None,
        "key": match.group("key"),
        "message": match.group("message"),
    }


def error_message(item: Any) -> str:
    """The message of one `ValidationError.errors()` item, without its location."""
    message = str(item["msg"]).removeprefix("Value error, ")
    if item["type"] == "literal_error" or item["type"] == "enum":
        message += f" (got {shown(item.get('input'))})"
    elif str(item["type"]).endswith("_type"):
        message += f" (got {type(item.get('input')).__name__})"
    return message


def shown(value: Any) -> str:
    """A value as a problem quotes it: its repr, cut at 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "…"
