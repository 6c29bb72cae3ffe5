"""promotions.users_file: a CSV of per-user promotions, checked offline with file:line errors."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from onelogin_scim_setup.config import users_csv
from onelogin_scim_setup.config.load import load
from onelogin_scim_setup.config.models import UserPromotion
from onelogin_scim_setup.engine.desired import build
from onelogin_scim_setup.errors import ConfigError
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
        UserPromotion(email="y@x.io", title="CTO"),
        UserPromotion(email="a@x.io", user_type="Moderator"),
        UserPromotion(email="B@x.io", department="Ops", title="SRE"),
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
            "users.csv:2: user_type: 'Boss' is not one of Registered, Moderator, Admin",
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
        "users.csv:1: the header must name the columns email, user_type, department, title "
        "(found: a@x.io, Moderator, , )"
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
