"""promotions.users_file: a CSV of per-user promotions, checked offline with file:line errors."""

from __future__ import annotations

import copy
import csv
import io
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from onelogin_scim_setup.config import users_csv
from onelogin_scim_setup.config.load import load
from onelogin_scim_setup.config.models import UserEntry, UserPromotion
from onelogin_scim_setup.errors import ConfigError
from onelogin_scim_setup.plan.desired import build
from tests.conftest import MINIMAL_CONFIG

HEADER = "email,user_type,department,title\n"


def config_with_csv(
    write_config: Callable[..., Path], rows: str, header: str = HEADER, **promotions: Any
) -> Path:
    data = copy.deepcopy(MINIMAL_CONFIG)
    data["fields"] = {"department": {"enabled": True}, "title": {"enabled": True}}
    data["promotions"] = {**data["promotions"], "users_file": "users.csv", **promotions}
    path = write_config(data)
    (path.parent / "users.csv").write_text(header + rows, encoding="utf-8")
    return path


def csv_row(*cells: str) -> str:
    """One row as a CSV writer quotes it (line breaks, commas and quotes inside cells)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(path)
    return [problem.replace(f"{path.parent}/", "") for problem in caught.value.problems]


def test_rows_become_promotions_after_the_yaml_ones(write_config: Callable[..., Path]) -> None:
    path = config_with_csv(
        write_config,
        "a@x.io,Moderator,,\nB@x.io,,Ops,SRE\n",
        users=[{"email": "y@x.io", "title": "CTO"}],
    )
    users = load(path).config.promotions.users
    assert users == [
        UserEntry(email="y@x.io", title="CTO"),
        UserEntry(email="a@x.io", user_type="Moderator"),
        UserEntry(email="B@x.io", department="Ops", title="SRE"),
    ]


def test_each_per_user_entry_is_held_once_lean_its_values_shared(
    write_config: Callable[..., Path],
) -> None:
    """Issue 22: one slotted entry per user from the config on (no pydantic model kept beside it,
    no per-instance dict), a value repeated across users held once; the config still dumps each
    entry as the model does, so a saved plan's config digest does not change with the type."""
    path = config_with_csv(
        write_config,
        "a@x.io,Moderator,Ops,\nb@x.io,,Ops,Lead\n",
        users=[{"email": "y@x.io", "department": "Ops"}],
    )
    config = load(path).config
    users = config.promotions.users
    assert [type(user) for user in users] == [UserEntry] * 3
    assert not any(hasattr(user, "__dict__") for user in users)
    assert users[0].department is users[1].department is users[2].department
    assert config.model_dump(mode="json")["promotions"]["users"] == [
        UserPromotion(email="y@x.io", department="Ops").model_dump(mode="json"),
        UserPromotion(email="a@x.io", user_type="Moderator", department="Ops").model_dump(
            mode="json"
        ),
        UserPromotion(email="b@x.io", department="Ops", title="Lead").model_dump(mode="json"),
    ]


def test_rows_mean_what_yaml_entries_mean(write_config: Callable[..., Path]) -> None:
    path = config_with_csv(write_config, "B@x.io,,Ops,\n")
    desired = build(load(path).config, template="{}", token_fingerprint=None)
    assert desired.users["b@x.io"].values == (("department", "Ops"),)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("not-an-email,,,\n", "users.csv:2: email: 'not-an-email' is not an email address"),
        (
            "a@x.io,Boss,,\n",
            "users.csv:2: user_type: Input should be 'Registered', 'Moderator' or 'Admin' "
            "(got 'Boss')",
        ),
        ("a@x.io,,,\nA@x.io,,,\n", "users.csv:3: email: 'A@x.io' appears twice (first on line 2)"),
        (
            "y@x.io,,,\n",
            "users.csv:2: email: 'y@x.io' is also in promotions.users; keep it in one place",
        ),
        (
            "a@x.io,Admin,,\n",
            "users.csv:2: user_type: promotes to Admin but soe.allow_admin_promotion is false, so SOE would silently ignore it",
        ),
        ("a@x.io,,\n", "users.csv:2: expected 4 columns, found 3"),
    ],
)
def test_bad_rows_are_reported_with_file_and_line(
    write_config: Callable[..., Path], rows: str, expected: str
) -> None:
    path = config_with_csv(write_config, rows, users=[{"email": "Y@x.io"}])
    assert problems(path) == [expected]


def test_every_bad_row_is_reported_at_once(write_config: Callable[..., Path]) -> None:
    path = config_with_csv(write_config, "a@x.io,,,\nbad,,,\n\nc@x.io,Boss,,\n")
    assert [p.split(":")[1] for p in problems(path)] == ["3", "5"]


def test_a_header_is_required(write_config: Callable[..., Path]) -> None:
    path = config_with_csv(write_config, "a@x.io,Moderator,,\n", header="")
    assert problems(path) == [
        "users.csv:1: the header must name the columns email, user_type, department, title, "
        "each once (found: a@x.io, Moderator, , )"
    ]


def test_a_missing_file_names_the_key(write_config: Callable[..., Path]) -> None:
    path = config_with_csv(write_config, "")
    (path.parent / "users.csv").unlink()
    assert problems(path) == ["users.csv: promotions.users_file: file not found"]


def test_department_needs_its_field_enabled(write_config: Callable[..., Path]) -> None:
    path = config_with_csv(write_config, "a@x.io,,Ops,\n")
    base = copy.deepcopy(MINIMAL_CONFIG)
    base["promotions"] = {**base["promotions"], "users_file": "users.csv"}
    write_config(base)  # the same config without fields.department enabled
    assert problems(path) == ["users.csv:2: department: fields.department.enabled is false"]


def test_validate_reads_the_users_file_once(
    run_cli: Callable[..., Any],
    write_config: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = config_with_csv(write_config, "a@x.io,,Ops,\n")
    reads: list[Path] = []
    real = users_csv.read_users_csv

    def counted(csv_path: Path, yaml_emails: set[str]) -> Any:
        reads.append(csv_path)
        return real(csv_path, yaml_emails)

    monkeypatch.setattr("onelogin_scim_setup.config.load.read_users_csv", counted)
    result = run_cli("-c", str(path), "validate")
    assert result.exit_code == 0, result.stderr
    assert len(reads) == 1


# (column, value): values a `promotions.users` YAML entry refuses.
REFUSED = [
    ("department", "D" * 400),
    ("title", "T" * 256),
    ("department", "Ops\u200bTeam"),  # zero-width space
    ("title", "Head of \u202eOps"),  # bidi override
    ("department", "Ops\u2066Team\u2069"),  # bidi isolates
    ("department", "Ops\x07"),  # control character (bell)
    ("title", "Head\x00"),  # NUL
    ("title", "Head\x1bof Ops"),  # escape
    ("department", "Ops\u0085Team"),  # next line (a C1 control)
    ("department", "Ops\u2028Team"),  # line separator
    ("title", "Head\u2029of Ops"),  # paragraph separator
    ("department", "Ops\ufeffTeam"),  # a BOM inside a value
    ("department", "Ops\nTeam"),  # a line break inside a quoted cell
    ("title", "Head\r\nof Ops"),
    ("department", "\u00a0Ops"),  # no-break space around a value is not CSV layout
    ("title", "Head of Ops\u3000"),
    ("email", "a\u200b@x.io"),
    ("email", "x" * 251 + "@x.io"),
    ("email", "a b@x.io"),
    ("email", "@x.io"),
    ("user_type", "moderator"),
]


@pytest.mark.parametrize(("column", "value"), REFUSED)
def test_a_row_is_refused_in_the_words_a_yaml_entry_is(
    write_config: Callable[..., Path], column: str, value: str
) -> None:
    entry = {"email": "a@x.io", column: value}
    yaml_problems = problems(config_with_csv(write_config, "", users=[entry]))
    assert len(yaml_problems) == 1
    message = yaml_problems[0].split(f": promotions.users.0.{column}: ", 1)[1]
    cells = [entry.get(name, "") for name in users_csv.COLUMNS]
    assert problems(config_with_csv(write_config, csv_row(*cells))) == [
        f"users.csv:2: {column}: {message}"
    ]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (("a@x.io", "Moderator", "", ""), {"user_type": "Moderator"}),
        (
            ("a@x.io", "", "R&D, Europe", 'Head of "Ops"'),
            {"department": "R&D, Europe", "title": 'Head of "Ops"'},
        ),
        (
            ("A.B+c@X.io", "Registered", "Ingénierie", "Ingénieure ★"),
            {"user_type": "Registered", "department": "Ingénierie", "title": "Ingénieure ★"},
        ),
        (
            ("a@x.io", "", "D" * 255, "Two  spaces"),
            {"department": "D" * 255, "title": "Two  spaces"},
        ),
        (("a@x.io", "", "", ""), {}),
    ],
)
def test_a_valid_row_means_what_the_same_yaml_entry_means(
    write_config: Callable[..., Path], cells: tuple[str, ...], expected: dict[str, str]
) -> None:
    yaml_entry = {"email": cells[0], **expected}
    from_yaml = load(config_with_csv(write_config, "", users=[yaml_entry])).config
    from_csv = load(config_with_csv(write_config, csv_row(*cells))).config
    assert from_csv.promotions.users == from_yaml.promotions.users


def test_spaces_and_tabs_around_cells_are_csv_layout(write_config: Callable[..., Path]) -> None:
    path = config_with_csv(write_config, ' a@x.io , Moderator ,\tOps\t," Head of Ops "\n ,\t, ,\n')
    assert load(path).config.promotions.users == [
        UserEntry(email="a@x.io", user_type="Moderator", department="Ops", title="Head of Ops")
    ]


def test_a_multi_line_quoted_cell_keeps_later_line_numbers(
    write_config: Callable[..., Path],
) -> None:
    rows = 'a@x.io,,"Ops\nTeam\nEurope",\nb@x.io,,,\nbad,,,\n'
    assert problems(config_with_csv(write_config, rows)) == [
        "users.csv:2: department: contains control or invisible characters (U+000A)",
        "users.csv:6: email: 'bad' is not an email address",
    ]


def test_a_line_separator_in_a_cell_does_not_end_the_line(
    write_config: Callable[..., Path],
) -> None:
    rows = "a@x.io,,Ops\u2028Team,\nb@x.io,,,Head\u0085of Ops\nbad,,,\n"
    assert problems(config_with_csv(write_config, rows)) == [
        "users.csv:2: department: contains control or invisible characters (U+2028)",
        "users.csv:3: title: contains control or invisible characters (U+0085)",
        "users.csv:4: email: 'bad' is not an email address",
    ]


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_lines_are_counted_with_any_line_ending(
    write_config: Callable[..., Path], newline: str
) -> None:
    rows = newline.join(["a@x.io,,,", "", "bad,,,", ""])
    assert problems(config_with_csv(write_config, rows, header=HEADER.replace("\n", newline))) == [
        "users.csv:4: email: 'bad' is not an email address"
    ]


def test_a_malformed_row_is_reported_and_the_next_rows_still_checked(
    write_config: Callable[..., Path],
) -> None:
    rows = 'a@x.io,,"Ops"x,\nbad,,,\n'
    assert problems(config_with_csv(write_config, rows)) == [
        "users.csv:2: not valid CSV: ',' expected after '\"'",
        "users.csv:3: email: 'bad' is not an email address",
    ]


def test_a_column_named_twice_is_refused(write_config: Callable[..., Path]) -> None:
    path = config_with_csv(
        write_config, "a@x.io,,Ops,,Sales\n", header="email,user_type,department,title,department\n"
    )
    assert problems(path) == [
        "users.csv:1: the header must name the columns email, user_type, department, title, "
        "each once (found: email, user_type, department, title, department)"
    ]


def test_every_problem_of_a_row_is_reported_in_column_order(
    write_config: Callable[..., Path],
) -> None:
    rows = "a@x.io,,,\nA@x.io,Boss,D\u200b,\n"
    assert problems(config_with_csv(write_config, rows)) == [
        "users.csv:3: email: 'A@x.io' appears twice (first on line 2)",
        "users.csv:3: user_type: Input should be 'Registered', 'Moderator' or 'Admin' (got 'Boss')",
        "users.csv:3: department: contains control or invisible characters (U+200B)",
    ]


def test_invalid_utf8_names_the_file_and_line(write_config: Callable[..., Path]) -> None:
    path = config_with_csv(write_config, "")
    (path.parent / "users.csv").write_bytes(HEADER.encode() + b"a@x.io,,Ops,\r\nb@x.io,,Op\xe9s,\n")
    assert problems(path) == [
        "users.csv:3: promotions.users_file: not UTF-8 (byte 0xe9: invalid continuation byte); "
        "save the file as UTF-8"
    ]


@pytest.mark.parametrize(
    ("rows", "line", "byte"),
    [
        pytest.param(b"q@x.io,,,\n\xff,,,\n", 3, "0xff", id="bad byte on its own line"),
        pytest.param(b"q@x.io,,\xc3\xa9ab\xff,\n", 2, "0xff", id="bad byte after a non-ASCII one"),
    ],
)
def test_invalid_utf8_after_a_bom_names_the_right_line_and_byte(
    write_config: Callable[..., Path], rows: bytes, line: int, byte: str
) -> None:
    path = config_with_csv(write_config, "")
    (path.parent / "users.csv").write_bytes(b"\xef\xbb\xbf" + HEADER.encode() + rows)
    assert problems(path) == [
        f"users.csv:{line}: promotions.users_file: not UTF-8 (byte {byte}: invalid start byte); "
        "save the file as UTF-8"
    ]


def test_a_utf8_bom_is_accepted(write_config: Callable[..., Path]) -> None:
    path = config_with_csv(write_config, "")
    (path.parent / "users.csv").write_bytes(b"\xef\xbb\xbf" + (HEADER + "a@x.io,,Ops,\n").encode())
    assert load(path).config.promotions.users == [UserEntry(email="a@x.io", department="Ops")]


def test_every_character_a_name_refuses_is_not_printable() -> None:
    # models._plain_name skips its per-character scan for printable values; this holds only
    # while no control, format or separator character counts as printable.
    refused = [chr(n) for n in range(sys.maxunicode + 1)]
    refused = [c for c in refused if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    assert len(refused) > 100
    assert [c for c in refused if c.isprintable()] == []
