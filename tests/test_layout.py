"""Rules of the layout, so they stay true: test modules share helpers through tests/helpers or
conftest and never import each other (so one module's fixtures cannot change another's meaning);
ARCHITECTURE.md's map names every module; every e2e test runs under
both sandbox quirk profiles or says why not (tests/helpers/profiles.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.profiles import check_profiles

TESTS = Path(__file__).parent


def test_no_test_module_imports_another() -> None:
    offenders = [
        f"{path.name}: {line.strip()}"
        for path in sorted(TESTS.glob("*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.match(r"\s*(from tests\.test_\w+ import|import tests\.test_)", line)
    ]
    assert offenders == []


PACKAGE = TESTS.parent / "onelogin_scim_setup"


def core_modules() -> list[Path]:
    """Every module of the package outside the sandbox (docs/sandbox.md maps that)."""
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py" and "sandbox" not in path.relative_to(PACKAGE).parts
    )


def test_architecture_names_every_module() -> None:
    """ARCHITECTURE.md's map names each module, by its path in the package or as `stem`."""
    text = (TESTS.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = [
        path.relative_to(PACKAGE).as_posix()
        for path in core_modules()
        if path.relative_to(PACKAGE).as_posix() not in text and f"`{path.stem}`" not in text
    ]
    assert missing == []


class FakeItem:
    """What the profile rule reads of a collected test."""

    def __init__(self, name: str, fixtures: tuple[str, ...] = (), marker: Any = None) -> None:
        self.path = TESTS / name
        self.nodeid = f"tests/{name}::test_x"
        self.fixturenames = fixtures
        self.marker = marker

    def get_closest_marker(self, name: str) -> Any:
        return self.marker if name == "one_profile" else None


@pytest.mark.parametrize(
    ("item", "refused"),
    [
        (FakeItem("test_e2e_x.py"), True),
        (FakeItem("test_e2e_x.py", ("tmp_path", "quirks_profile")), False),
        (FakeItem("test_e2e_x.py", marker=pytest.mark.one_profile("no request").mark), False),
        (FakeItem("test_e2e_x.py", marker=pytest.mark.one_profile("  ").mark), True),
        (FakeItem("test_e2e_x.py", marker=pytest.mark.one_profile.mark), True),
        (FakeItem("test_golden.py"), True),
        (FakeItem("test_plan.py"), False),  # not e2e, starts no sandbox world
    ],
    ids=["e2e", "profiled", "opted out", "blank reason", "no reason", "golden", "fast"],
)
def test_an_e2e_test_runs_under_each_profile_or_says_why_not(item: FakeItem, refused: bool) -> None:
    if refused:
        with pytest.raises(pytest.UsageError, match=re.escape(item.nodeid)):
            check_profiles([item])
    else:
        check_profiles([item])


def test_every_package_is_in_the_wheel() -> None:
    """pyproject.toml lists the packages one by one; a new sub-package missing from the list is
    absent from the wheel, and only the slow packaging test would notice."""
    tomllib = pytest.importorskip("tomllib")
    listed = tomllib.loads((TESTS.parent / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = set(listed["tool"]["setuptools"]["packages"])
    packages = {
        ".".join(path.parent.relative_to(PACKAGE.parent).parts)
        for path in PACKAGE.rglob("__init__.py")
    }
    assert packages - shipped == set()
