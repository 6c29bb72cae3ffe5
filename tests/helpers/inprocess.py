"""The real CLI run inside the test process: the same entry point and error boundary as
`python -m onelogin_scim_setup`, with the process-wide state it reads (environment, working folder,
standard streams, signal handlers, log handlers) set for the run and put back after it.

End-to-end tests spend most of their time starting Python and its imports for each command; a
command run here costs only its work. Tests that need a real process (signals, a closed standard
input, start-up itself) still start one (`World.cli(..., process=True)`, `World.start`)."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import subprocess
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path


class _Deadline(BaseException):
    """Raised in the main thread by SIGALRM when a run outlives its timeout (never caught by the
    CLI's boundary, which catches Exception)."""


def run_in_process(
    args: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Like `subprocess.run(..., timeout=timeout)`: a run past `timeout` seconds is stopped and
    raises `subprocess.TimeoutExpired` (a hang fails the test instead of the whole suite)."""
    from onelogin_scim_setup.cli import main

    # A process starts with a fresh network clock and no signal seen (bounds): so does each run.
    wire = sys.modules.get("onelogin_scim_setup.bounds")
    if wire is not None:
        wire.start_command(wire.COMMAND_DEADLINE)

    def expire(signum: int, frame: object) -> None:
        raise _Deadline

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    saved_signals = {
        signum: signal.getsignal(signum)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)
    }
    logger = logging.getLogger("onelogin_scim_setup")
    saved_handlers, saved_level = list(logger.handlers), logger.level
    code: int
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        with (
            open(os.devnull, encoding="utf-8") as stdin,
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            warnings.catch_warnings(),
        ):
            # A subprocess would not turn library warnings into errors, as this suite does.
            warnings.simplefilter("default")
            saved_stdin, sys.stdin = sys.stdin, stdin
            signal.signal(signal.SIGALRM, expire)
            signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                main(list(args))
                code = 0
            except SystemExit as exit_:
                code = (
                    exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
                )
            except _Deadline:
                raise subprocess.TimeoutExpired(
                    list(args), timeout, out.getvalue(), err.getvalue()
                ) from None
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                sys.stdin = saved_stdin
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
        for signum, disposition in saved_signals.items():
            signal.signal(signum, disposition)
        for log_handler in list(logger.handlers):
            logger.removeHandler(log_handler)
        for log_handler in saved_handlers:
            logger.addHandler(log_handler)
        logger.setLevel(saved_level)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())
