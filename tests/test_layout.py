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
