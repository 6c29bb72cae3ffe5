"""No terminal assumptions: every command runs with standard input closed (`<&-`, as some CI
runners start jobs) and on /dev/null. A prompt that cannot be asked is the usage error (64) naming
the flag that approves; nothing ends in a traceback or "This is a bug"."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from onelogin_scim_setup.errors import ExitCode
from tests.helpers import cli_forks
from tests.helpers.rotation import converge, rotation_config
from tests.sandbox_world import World, world

CLOSED = "closed"
DEVNULL = "devnull"


def run_forked(running: World, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a process forked with its modules loaded (tests/helpers/cli_forks.py), fd 0
    closed (and `sys.stdin` None, as Python's start-up leaves it) or on /dev/null."""
    command = ["-c", str(running.config_path), *args]
    return cli_forks.run(command, running.env(), running.folder, 120, stdin_closed=stdin == CLOSED)


def run(running: World, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI started by Python itself with fd 0 closed (the child closes it before exec) or on
    /dev/null: Python's own start-up under `<&-` (test_import_and_help_without_a_terminal)."""
    options: dict[str, Any] = {}
    if stdin == CLOSED:
        options["preexec_fn"] = lambda: os.close(0)
    else:
        options["stdin"] = subprocess.DEVNULL
    command = [sys.executable, "-m", "onelogin_scim_setup", "-c", str(running.config_path), *args]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=running.env(),
        cwd=running.folder,
        timeout=120,
        check=False,
        **options,
    )


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world(tmp_path_factory.mktemp("stdin"), "optimistic", expose_scim_configuration=True) as w:
        rotation_config(w, update_soe=True)
        converge(w)
        yield w


def clean(result: subprocess.CompletedProcess[str]) -> None:
    both = result.stdout + result.stderr
    assert "Traceback" not in both, both
    assert "This is a bug" not in both, both
    assert "NoneType" not in both, both


# (arguments, the exit code wanted); a prompt without a terminal is 64 and names its flag.
COMMANDS: list[tuple[tuple[str, ...], int, str]] = [
    (("validate",), ExitCode.OK, ""),
    (("render",), ExitCode.OK, ""),
    (("plan",), ExitCode.OK, ""),
    (("apply",), ExitCode.USAGE, "--auto-approve"),
    (("apply", "--auto-approve"), ExitCode.OK, ""),
    (("verify",), ExitCode.OK, ""),
    (("discover",), ExitCode.OK, ""),
    (("runbook",), ExitCode.OK, ""),
    (("runbook", "--offline"), ExitCode.OK, ""),
    (("audit",), ExitCode.OK, ""),
    (("audit", "--fix"), ExitCode.USAGE, "--auto-approve"),
    (("token", "generate"), ExitCode.OK, ""),
    (("token", "show"), ExitCode.OK, ""),
    (("token", "rotate"), ExitCode.USAGE, "--auto-approve"),
    (("token", "rotate", "--auto-approve", "--timeout", "5", "--interval", "0.1"), ExitCode.OK, ""),
    (("token", "deliver"), ExitCode.OK, ""),
    (("init", "new.yaml", "--force"), ExitCode.OK, ""),
]


@pytest.mark.one_profile("standard input is read by the CLI alone, before any tenant quirk matters")
@pytest.mark.parametrize("stdin", [CLOSED, DEVNULL])
@pytest.mark.parametrize(("args", "code", "flag"), COMMANDS, ids=[" ".join(c[0]) for c in COMMANDS])
def test_every_command_without_a_terminal(
    tenant: World, stdin: str, args: tuple[str, ...], code: int, flag: str
) -> None:
    result = run_forked(tenant, stdin, *args)
    clean(result)
    assert result.returncode == code, result.stdout + result.stderr
    if code == ExitCode.USAGE:
        assert "not a terminal" in result.stderr
        assert flag in result.stderr


@pytest.mark.one_profile("standard input is read by the CLI alone, before any tenant quirk matters")
@pytest.mark.parametrize("stdin", [CLOSED, DEVNULL])
def test_import_and_help_without_a_terminal(tmp_path: Path, stdin: str) -> None:
    with world(tmp_path, "optimistic") as running:
        for args in (("--help",), ("token", "--help"), ("import", "--help")):
            result = run(running, stdin, *args)
            clean(result)
            assert result.returncode == 0, result.stderr
