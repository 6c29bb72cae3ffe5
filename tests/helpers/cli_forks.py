"""The real CLI in a child process of its own, without paying Python's start-up for each one.

A small server process (this file, run as a script) imports the CLI's modules once, the way
`python -m onelogin_scim_setup` does, then forks one child per run. The child takes the run's
environment, working folder and standard streams (stdin /dev/null, stdout and stderr one file),
sets `sys.argv` as `python -m` would, and calls the same entry point (`onelogin_scim_setup.__main__`);
it ends as that process would (its exit code, atexit handlers, flushed streams), and the server
reads its status and peak resident memory with `wait4`. Signals go to the child's own process id.

What a test of the CLI process still checks this way: exit codes and signals, output, deadlines,
and the peak memory of a process that holds the CLI's modules (a forked child's peak counts the
pages it shares with the server: the whole CLI, loaded, so never less than a fresh process's).
What it does not: Python's own start-up and imports (tests/test_main.py and the e2e tests that run
`World.cli(..., process=True)` keep doing that).

Coverage: the server measures nothing; a child whose environment asks for coverage (the variables
coverage's `patch = subprocess` sets) starts it with `coverage.process_startup()`, as a fresh
process would at start-up, and saves its data at exit.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

_COVERAGE_VARIABLES = ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START")


class ForkedRun:
    """One CLI child: a `subprocess.Popen`-like handle on a process the server forked."""

    def __init__(self, server: CliForks, pid: int) -> None:
        self._server = server
        self.pid = pid
        self.returncode: int | None = None
        self.peak_mb = 0.0
        self.cpu_seconds = 0.0

    def _finish(self, answer: dict[str, Any]) -> int:
        self.returncode = os.waitstatus_to_exitcode(int(answer["status"]))
        self.peak_mb = int(answer["peak_kb"]) / 1024
        self.cpu_seconds = float(answer["cpu_seconds"])
        self._server.running = None
        return self.returncode

    def poll(self) -> int | None:
        if self.returncode is None:
            answer = self._server.read(timeout=0)
            if answer is not None:
                self._finish(answer)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            answer = self._server.read(timeout=timeout)
            if answer is None:
                raise subprocess.TimeoutExpired(f"CLI child {self.pid}", timeout or 0.0)
            self._finish(answer)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, number: int) -> None:
        # Only while the server has not reported the child ended (the server reaps it as it ends
        # and reports at once, so the id is still this child's).
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, number)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class CliForks:
    """The fork server, started once (a module-scoped fixture), one child at a time."""

    def __init__(self, log: Path) -> None:
        ours, theirs = socket.socketpair()
        # The server measures nothing itself (its children start coverage when asked).
        env = {k: v for k, v in os.environ.items() if k not in _COVERAGE_VARIABLES}
        with log.open("wb") as sink:
            self._process = subprocess.Popen(
                [sys.executable, __file__, str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=env,
            )
        theirs.close()
        self._socket = ours
        self._pending = b""
        self.running: ForkedRun | None = None
        self.log = log

    def read(self, timeout: float | None) -> dict[str, Any] | None:
        """The server's next answer, or None when none came within `timeout` seconds."""
        self._socket.settimeout(timeout)
        while b"\n" not in self._pending:
            try:
                chunk = self._socket.recv(65536)
            except (TimeoutError, BlockingIOError):
                return None
            if not chunk:
                raise RuntimeError(f"the CLI fork server ended: {self.log.read_text('utf-8')}")
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return dict(json.loads(line))

    def start(
        self, args: Sequence[str], env: Mapping[str, str], cwd: Path, output: Path
    ) -> ForkedRun:
        """`python -m onelogin_scim_setup *args`, its stdout and stderr both into `output`."""
        assert self.running is None, "the previous CLI child has not been waited for"
        request = {"args": list(args), "env": dict(env), "cwd": str(cwd), "output": str(output)}
        self._socket.sendall(json.dumps(request).encode() + b"\n")
        answer = self.read(timeout=60)
        if answer is None:
            raise RuntimeError(f"the CLI fork server did not fork: {self.log.read_text('utf-8')}")
        self.running = ForkedRun(self, int(answer["pid"]))
        return self.running

    def close(self) -> None:
        if self.running is not None:
            self.running.kill()
            self.running.wait(timeout=30)
        self._socket.close()  # the server reads the end of its requests and exits
        try:
            self._process.wait(timeout=30)
        finally:
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait()


# --- the server (this file run as a script) -----------------------------------------------------


def _load_the_cli() -> None:
    """Every module a command may load, loaded as `onelogin_scim_setup.__main__` loads the CLI
    (collector off, then frozen). The sandbox is not the CLI's and stays out."""
    import gc
    import importlib
    import pkgutil

    import onelogin_scim_setup

    gc.disable()
    try:
        for module in pkgutil.walk_packages(onelogin_scim_setup.__path__, "onelogin_scim_setup."):
            if not module.name.startswith(
                ("onelogin_scim_setup.sandbox", "onelogin_scim_setup.__")
            ):
                importlib.import_module(module.name)
        # A child that measures starts coverage without importing it.
        with contextlib.suppress(ImportError):
            import coverage  # noqa: F401
    finally:
        gc.freeze()
        gc.enable()


def _become_the_cli(request: dict[str, Any]) -> None:
    """In the forked child: the process `python -m onelogin_scim_setup` would be."""
    output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    nothing = os.open(os.devnull, os.O_RDONLY)
    os.dup2(nothing, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    os.close(nothing)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    import onelogin_scim_setup.__main__ as entry

    sys.argv = [str(entry.__file__), *request["args"]]
    if any(name in os.environ for name in _COVERAGE_VARIABLES):
        import coverage

        coverage.process_startup()


def _serve(channel: socket.socket) -> dict[str, Any] | None:
    """Fork a child per request and report its id, then its end. Returns in a child only."""
    reader = channel.makefile("rb")
    for line in reader:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            reader.close()
            channel.close()
            return dict(request)
        channel.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        _, status, usage = os.wait4(pid, 0)
        cpu = usage.ru_utime + usage.ru_stime
        answer = {"status": status, "peak_kb": usage.ru_maxrss, "cpu_seconds": cpu}
        channel.sendall(json.dumps(answer).encode() + b"\n")
    return None


if __name__ == "__main__":
    # This file's folder holds test helpers, not modules for the CLI to find.
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        del sys.path[0]
    _load_the_cli()
    child = _serve(socket.socket(fileno=int(sys.argv[1])))
    if child is not None:
        _become_the_cli(child)
        from onelogin_scim_setup.__main__ import run

        run()  # ends with SystemExit, as the process would
