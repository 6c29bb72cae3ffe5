"""Shared fixtures: every test runs isolated from the developer's environment and folder."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

# `hostile_stage` and `stage`: the hostile corpus's stand-ins and CLI runs (tests/test_hostile_corpus_*).
from tests.helpers.hostile import hostile_stage, stage  # noqa: F401

# `api` and `client`: a stubbed OneLogin tenant (responses) and a client of it.
from tests.helpers.onelogin_stub import api, client  # noqa: F401
from tests.helpers.profiles import E2E_MODULE_PREFIXES, check_profiles

# Runs a test under each sandbox quirk profile (optimistic, pessimistic): see docs/sandbox.md.
from tests.sandbox_conftest_fixtures import quirks_profile  # noqa: F401

MINIMAL_CONFIG: dict[str, Any] = {
    "onelogin": {"subdomain": "acme"},
    "soe": {"site": "acme", "allow_moderator_promotion": True},
    "app": {"roles": ["Engineering", "SOE Moderators"]},
    "promotions": {"roles": [{"role": "SOE Moderators", "user_type": "Moderator"}]},
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name.startswith(E2E_MODULE_PREFIXES):
            item.add_marker(pytest.mark.e2e)
    check_profiles(items)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("ONELOGIN_", "SOE_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    # apply's lock (ops.lock) lives in the test's folder, never in the developer's home.
    monkeypatch.setenv("ONELOGIN_SCIM_LOCK_DIR", str(tmp_path / "locks"))


@pytest.fixture(autouse=True)
def _fresh_network_clock() -> None:
    """Each test starts as a new process would: no deadline spent, no signal seen, nothing in
    flight. `bounds` keeps these process-wide, and a test that signalled (or whose abandoned
    request was still in flight) must not leave them to the next test its worker happens to run."""
    from onelogin_scim_setup import bounds

    bounds.start_command(bounds.COMMAND_DEADLINE)


@pytest.fixture(autouse=True)
def _fresh_logging() -> Iterator[None]:
    """The CLI attaches a handler to the package logger; never let it outlive a test's streams."""
    yield
    logger = logging.getLogger("onelogin_scim_setup")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run the real entry point (with its error boundary) and capture what it prints."""

    from onelogin_scim_setup.cli import main

    def run(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def write_config(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    def write(data: dict[str, Any] | str, name: str = "config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
        return path

    return write
