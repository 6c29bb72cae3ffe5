"""Per-user promotions from a CSV file (`promotions.users_file`), checked offline row by row.

Columns `email,user_type,department,title` (header required, any order, UTF-8, an empty cell is
"not managed"). Every problem is reported as `file:line: column: message`, all of them at once, in
the config loader's style; the rows then mean exactly what `promotions.users` entries mean.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from onelogin_scim_setup.config.models import UserPromotion, UserType

COLUMNS = ("email", "user_type", "department", "title")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
USER_TYPES = get_args(UserType)
_AS_USER_TYPE: dict[str, UserType] = {name: name for name in USER_TYPES}


@dataclass(frozen=True)
class CsvUsers:
    """The rows as promotions, and the line each came from (for later cross-field checks)."""

    users: tuple[UserPromotion, ...]
    lines: tuple[int, ...]


def read_users_csv(path: Path, yaml_emails: set[str]) -> tuple[CsvUsers, list[str]]:
    """The CSV's promotions and the problems found (`file:line: ...`); `yaml_emails` are the
    lower-cased emails of `promotions.users`, which a row may not repeat."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return CsvUsers((), ()), [f"{path}: promotions.users_file: file not found"]
    except (OSError, UnicodeDecodeError) as error:
        return CsvUsers((), ()), [f"{path}: promotions.users_file: cannot read it: {error}"]
    rows = csv.reader(text.splitlines())
    header = [name.strip() for name in next(rows, [])]
    missing = [name for name in COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing or unknown:
        found = ", ".join(header) or "nothing"
        return CsvUsers((), ()), [
            f"{path}:1: the header must name the columns {', '.join(COLUMNS)} (found: {found})"
        ]
    at_email, at_type, at_department, at_title = (header.index(name) for name in COLUMNS)
    users: list[UserPromotion] = []
    lines: list[int] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if not "".join(row).strip():
            continue
        if len(row) != len(header):
            problems.append(f"{path}:{line}: expected {len(header)} columns, found {len(row)}")
            continue
        email, user_type = row[at_email].strip(), row[at_type].strip()
        key = email.lower()
        before = len(problems)
        if not EMAIL.match(email):
            problems.append(f"{path}:{line}: email: {email!r} is not an email address")
        elif key in seen:
            problems.append(
                f"{path}:{line}: email: {email!r} appears twice (first on line {seen[key]})"
            )
        elif key in yaml_emails:
            problems.append(
                f"{path}:{line}: email: {email!r} is also in promotions.users; keep it in one place"
            )
        if user_type and user_type not in _AS_USER_TYPE:
            problems.append(
                f"{path}:{line}: user_type: {user_type!r} is not one of {', '.join(USER_TYPES)}"
            )
        seen.setdefault(key, line)
        if len(problems) > before:
            continue
        users.append(
            UserPromotion.model_construct(
                email=email,
                user_type=_AS_USER_TYPE.get(user_type),
                department=row[at_department].strip() or None,
                title=row[at_title].strip() or None,
            )
        )
        lines.append(line)
    return CsvUsers(tuple(users), tuple(lines)), problems
