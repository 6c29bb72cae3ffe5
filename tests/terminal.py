"""The real CLI on a pseudo-terminal, for behaviour that exists only on a terminal (prompts)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TerminalRun:
    returncode: int
    output: str


def _read(master: int, until: bytes | None, seconds: float = 60.0) -> bytes:
    data = b""
    while until is None or until not in data:
        ready, _, _ = select.select([master], [], [], seconds)
        if not ready:
            raise TimeoutError(f"no output for {seconds:g} s; so far: {data!r}")
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        data += chunk
    return data


def run_on_terminal(
    args: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    prompt: str | None = None,
    answer: str = "",
) -> TerminalRun:
    """Run `python -m onelogin_scim_setup ARGS` with stdin, stdout and stderr on a terminal; wait
    for `prompt` (if any), type `answer` and Enter, and collect everything printed."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "onelogin_scim_setup", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**env, "COLUMNS": "200"},
        cwd=cwd,
        close_fds=True,
    )
    os.close(slave)
    try:
        output = b""
        if prompt is not None:
            output = _read(master, prompt.encode())
            os.write(master, answer.encode() + b"\n")
        output += _read(master, None)
        returncode = process.wait(timeout=60)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return TerminalRun(returncode, output.decode(errors="replace"))
