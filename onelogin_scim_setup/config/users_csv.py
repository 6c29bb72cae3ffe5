"""Per-user promotions from a CSV file (`promotions.users_file`), checked offline row by row.

Columns `email,user_type,department,title` (header required, any order, UTF-8 with or without a
BOM). Each row is validated by the very model a `promotions.users` entry is (`UserPromotion`), and
kept, as an entry is, as a lean `UserEntry`, so the two cannot drift: an empty cell is "not managed" (the key left out), spaces and tabs around a
cell are CSV layout and dropped (as around a YAML plain scalar), and anything else the model
refuses in YAML it refuses here, in the same words.

Every problem is reported as `file:line: column: message`, all of them at once. Lines are the
file's physical lines (ended by \\n, \\r\\n or \\r, as an editor counts them; not U+2028 and the
like), and a row's problems name the line the row starts on: a quoted cell may span lines, but
the line break it then holds is refused by the model like any control character.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from onelogin_scim_setup.config.models import UserEntry, UserPromotion
from onelogin_scim_setup.config.problems import Problem, error_message
from onelogin_scim_setup.files import InputFileError, read_input

COLUMNS = ("email", "user_type", "department", "title")
_ORDER = {name: index for index, name in enumerate(COLUMNS)}
# Over half a million rows of typical length: past any organization this tool serves, and a FIFO or /dev/zero named
# by mistake is refused instead of read for ever (the config file itself is capped at 1 MiB).
MAX_USERS_FILE_BYTES = 32 * 1024 * 1024
# Only spaces and tabs: other whitespace at the edge of a value (no-break space, U+2028, ...) is
# not layout a CSV editor adds, and the model refuses it as it does in YAML.
_LAYOUT = " \t"


@dataclass(frozen=True)
class CsvUsers:
    """The rows as promotions, and the line each came from (for later cross-field checks)."""

    users: tuple[UserEntry, ...]
    lines: tuple[int, ...]


_KEY = "promotions.users_file"


def read_users_csv(path: Path, yaml_emails: set[str]) -> tuple[CsvUsers, list[str]]:
    """The CSV's promotions and the problems found (`file:line: ...`); `yaml_emails` are the
    lower-cased emails of `promotions.users`, which a row may not repeat."""
    text, problem = _read_text(path)
    if text is None:
        return CsvUsers((), ()), [problem] if problem else []
    # newline="": the csv module sees \r\n, \r and \n as they are, keeps line breaks inside
    # quoted cells, and counts physical lines in `line_num`.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip(_LAYOUT) for name in next(reader, [])]
    except csv.Error:
        header = []
    if sorted(header) != sorted(COLUMNS):
        named = ", ".join(header) or "nothing"
        message = (
            f"the header must name the columns {', '.join(COLUMNS)}, each once (found: {named})"
        )
        return CsvUsers((), ()), [Problem(path, 1, None, message)]
    at = {name: header.index(name) for name in COLUMNS}
    users: list[UserEntry] = []
    lines: list[int] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    while True:
        line = reader.line_num + 1  # where the next row starts
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:  # the reader resumes on the next line
            problems.append(Problem(path, line, None, f"not valid CSV: {error}"))
            continue
        cells = [cell.strip(_LAYOUT) for cell in row]
        if not any(cells):
            continue
        if len(cells) != len(header):
            found_columns = f"expected {len(header)} columns, found {len(cells)}"
            problems.append(Problem(path, line, None, found_columns))
            continue
        # The email is always given (blank is a problem); any other empty cell is not managed.
        entry = {name: cells[at[name]] for name in COLUMNS if name == "email" or cells[at[name]]}
        user, found = _validated(entry)
        if not any(column == "email" for column, _ in found):
            found += _repeated(entry["email"], line, seen, yaml_emails)
        if found:
            found.sort(key=lambda problem: _ORDER.get(problem[0], len(COLUMNS)))
            problems += [Problem(path, line, column, message) for column, message in found]
        elif user is not None:
            users.append(user)
            lines.append(line)
    return CsvUsers(tuple(users), tuple(lines)), problems


def _read_text(path: Path) -> tuple[str | None, Problem | None]:
    """The file's text, or None and the problem, naming the line of the first byte that is not UTF-8."""
    try:
        data = read_input(path, MAX_USERS_FILE_BYTES)
    except FileNotFoundError:
        return None, Problem(path, None, _KEY, "file not found")
    except OSError as error:
        return None, Problem(path, None, _KEY, f"cannot read it: {error.strerror or error}")
    except InputFileError as error:
        return None, Problem(path, None, _KEY, str(error))
    body = data.removeprefix(codecs.BOM_UTF8)  # error offsets then count in `body`
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as error:
        # Everything before the bad byte decoded, so it decodes again; line breaks are ASCII.
        before = body[: error.start].decode("utf-8")
        line = len(io.StringIO(before + "x", newline="").readlines())
        message = (
            f"not UTF-8 (byte 0x{body[error.start]:02x}: {error.reason}); save the file as UTF-8"
        )
        return None, Problem(path, line, _KEY, message)


def _validated(entry: dict[str, str]) -> tuple[UserEntry | None, list[tuple[str, str]]]:
    """The row as the model checks it, or the (column, message) of every rule it breaks."""
    try:
        return UserEntry.of(UserPromotion.model_validate(entry)), []
    except ValidationError as error:
        return None, [
            (".".join(map(str, item["loc"])) or "row", error_message(item))
            for item in error.errors()
        ]


def _repeated(
    email: str, line: int, seen: dict[str, int], yaml_emails: set[str]
) -> list[tuple[str, str]]:
    """An email given twice in the CSV, or also in `promotions.users` (ignoring case)."""
    key = email.lower()
    if key in seen:
        return [("email", f"{email!r} appears twice (first on line {seen[key]})")]
    seen[key] = line
    if key in yaml_emails:
        return [("email", f"{email!r} is also in promotions.users; keep it in one place")]
    return []
