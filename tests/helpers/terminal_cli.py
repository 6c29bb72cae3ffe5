"""Running the real CLI in a subprocess, on a pty when the behaviour is terminal-only."""

from __future__ import annotations

import os
import pty
import sys
from pathlib import Path

from tests.helpers import cli_forks

PROG = [sys.executable, "-m", "onelogin_scim_setup"]


def clean_env(**extra: str) -> dict[str, str]:
    drop = ("ONELOGIN_", "SOE_", "NO_COLOR", "FORCE_COLOR", "_ONELOGIN_SCIM_SETUP_COMPLETE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return {**env, "COLUMNS": "200", **extra}


def run_on_pty(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """The program with stdout and stderr on a terminal; returns (exit code, what it showed)."""
    leader, follower = pty.openpty()
    # Forked with the CLI loaded (tests/helpers/cli_forks.py): the terminal is what is tested.
    process = cli_forks.shared().start(
        list(args), env or clean_env(), Path.cwd(), terminal=follower
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the program closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")
