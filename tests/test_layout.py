"""The test suite's own rule: test modules share helpers through tests/helpers or conftest, and never
import each other (so one module's fixtures cannot change another's meaning)."""

from __future__ import annotations

import re
from pathlib import Path

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
