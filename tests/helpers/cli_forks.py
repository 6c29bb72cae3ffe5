"""The real CLI in a child process of its own, without paying Python's start-up for each one.

A small server process (this file, run as a script) imports the CLI's modules once, the way
`python -m onelogin_scim_setup` does, then forks one child per run. The child takes the run's
environment, working folder and standard streams (stdin /dev/null; stdout and stderr one file, or
two pipes), sets `sys.argv` as `python -m` would, and calls the same entry point
(`onelogin_scim_setup.__main__`); it ends as that process would (its exit code, atexit handlers,
flushed streams), and the server reads its status, CPU time and peak resident memory with `wait4`.
Signals go to the child's own process id. Several children may run at once.

What a test of the CLI process still checks this way: exit codes and signals, output, deadlines,
and the peak memory of a process that holds the CLI's modules (a forked child's peak counts the
pages it shares with the server: the whole CLI, loaded, so never less than a fresh process's).
What it does not: Python's own start-up and imports (tests/test_main.py, the start-up case of
tests/test_e2e_signals.py and `World.cli(..., process=True)` keep starting fresh processes).

Coverage: the server measures nothing; a child whose environment asks for coverage (the variables
coverage's `patch = subprocess` sets) starts it with `coverage.process_startup()`, as a fresh
process would at start-up, and saves its data at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

_COVERAGE_VARIABLES = ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START")


class ForkedRun:
    """One CLI child: a `subprocess.Popen`-like handle on a process the server forked (its output
    in `stdout` and `stderr` text pipes, unless it went to a file)."""

    def __init__(self, server: CliForks, pid: int, pipes: tuple[int, int] | None) -> None:
        self._server = server
        self.pid = pid
        self.returncode: int | None = None
        self.peak_mb = 0.0
        self.cpu_seconds = 0.0
        self.stdout: IO[str] | None = None
        self.stderr: IO[str] | None = None
        if pipes is not None:
            self.stdout = open(pipes[0], encoding="utf-8", errors="replace")  # noqa: SIM115
            self.stderr = open(pipes[1], encoding="utf-8", errors="replace")  # noqa: SIM115
        self._read: dict[str, list[str]] = {}
        self._readers: list[threading.Thread] = []

    def _finish(self, answer: dict[str, Any]) -> int:
        self.returncode = os.waitstatus_to_exitcode(int(answer["status"]))
        self.peak_mb = int(answer["peak_kb"]) / 1024
        self.cpu_seconds = float(answer["cpu_seconds"])
        return self.returncode

    def poll(self) -> int | None:
        if self.returncode is None:
            answer = self._server.ended(self.pid, timeout=0)
            if answer is not None:
                self._finish(answer)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            answer = self._server.ended(self.pid, timeout=timeout)
            if answer is None:
                raise subprocess.TimeoutExpired(f"CLI child {self.pid}", timeout or 0.0)
            self._finish(answer)
        assert self.returncode is not None
        return self.returncode

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        """Everything the child wrote to its pipes, once it ended (`Popen.communicate`)."""
        if not self._readers:
            for name, stream in (("stdout", self.stdout), ("stderr", self.stderr)):
                if stream is not None:
                    chunks = self._read.setdefault(name, [])
                    reader = threading.Thread(target=_drain, args=(stream, chunks), daemon=True)
                    reader.start()
                    self._readers.append(reader)
        ends = None if timeout is None else _now() + timeout
        for reader in self._readers:
            reader.join(None if ends is None else max(ends - _now(), 0))
            if reader.is_alive():
                raise subprocess.TimeoutExpired(f"CLI child {self.pid}", timeout or 0.0)
        self.wait(None if ends is None else max(ends - _now(), 0))
        return "".join(self._read.get("stdout", [])), "".join(self._read.get("stderr", []))

    def send_signal(self, number: int) -> None:
        # Only while the server has not reported the child ended (the server reaps it as it ends
        # and reports at once, so the id is still this child's).
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, number)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _drain(stream: IO[str], chunks: list[str]) -> None:
    with stream:
        chunks.append(stream.read())


def _now() -> float:
    import time

    return time.monotonic()


class CliForks:
    """The fork server and its children."""

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
        self._ended: dict[int, dict[str, Any]] = {}
        self._started: list[int] = []
        self._lock = threading.Lock()  # one reader of the socket at a time
        self._asking = threading.Lock()  # one request (and its answer) at a time
        self._children: list[ForkedRun] = []
        self.log = log

    def _read_one(self, timeout: float | None) -> bool:
        """Read the server's next answer into `_ended` or `_started`; False if none came."""
        self._socket.settimeout(timeout)
        while b"\n" not in self._pending:
            try:
                chunk = self._socket.recv(65536)
            except (TimeoutError, BlockingIOError):
                return False
            if not chunk:
                raise RuntimeError(f"the CLI fork server ended: {self.log.read_text('utf-8')}")
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        answer = dict(json.loads(line))
        if "started" in answer:
            self._started.append(int(answer["started"]))
        else:
            self._ended[int(answer["ended"])] = answer
        return True

    def ended(self, pid: int, timeout: float | None) -> dict[str, Any] | None:
        """The end of child `pid` (status, peak memory, CPU), or None if it has not ended within
        `timeout` seconds."""
        ends = None if timeout is None else _now() + timeout
        while pid not in self._ended:
            left = None if ends is None else max(ends - _now(), 0)
            got = (
                self._lock.acquire() if left is None else self._lock.acquire(timeout=left or 0.001)
            )
            if not got:
                return None
            try:
                if pid not in self._ended and not self._read_one(left):
                    return None
            finally:
                self._lock.release()
        return self._ended.pop(pid)

    def start(
        self,
        args: Sequence[str],
        env: Mapping[str, str],
        cwd: Path,
        output: Path | None = None,
        bounds: Mapping[str, float] | None = None,
        terminal: int | None = None,
        stdin_closed: bool = False,
    ) -> ForkedRun:
        """`python -m onelogin_scim_setup *args`: its stdout and stderr both into `output`, or (no
        `output`) into the run's `stdout` and `stderr` pipes. `bounds`: constants of
        `onelogin_scim_setup.bounds` set lower in the child, so a test of a bound (a listing that
        never ends stops at `MAX_PAGES`) need not pay for the full one. `terminal`: a pty's
        follower descriptor for its standard input, output and error instead. `stdin_closed`:
        descriptor 0 closed and `sys.stdin` None, as Python starts under `<&-`."""
        request: dict[str, Any] = {"args": list(args), "env": dict(env), "cwd": str(cwd)}
        if output is not None:
            request["output"] = str(output)
        if bounds:
            request["bounds"] = dict(bounds)
        if stdin_closed:
            request["stdin_closed"] = True
        ours: tuple[int, int] | None = None
        theirs: list[int] = []
        if terminal is not None:
            request["terminal"] = True
            theirs = [os.dup(terminal)]
        elif output is None:
            out_read, out_write = os.pipe()
            err_read, err_write = os.pipe()
            ours, theirs = (out_read, err_read), [out_write, err_write]
        with self._asking:
            data = json.dumps(request).encode() + b"\n"
            socket.send_fds(self._socket, [data], theirs)
            for descriptor in theirs:
                os.close(descriptor)
            with self._lock:
                while not self._started:
                    if not self._read_one(timeout=60):
                        log = self.log.read_text("utf-8")
                        raise RuntimeError(f"the CLI fork server did not fork: {log}")
                pid = self._started.pop(0)
        run = ForkedRun(self, pid, ours)
        self._children.append(run)
        return run

    def close(self) -> None:
        for run in self._children:
            if run.returncode is None:
                run.kill()
                with contextlib.suppress(subprocess.TimeoutExpired, RuntimeError):
                    run.wait(timeout=30)
        self._socket.close()  # the server reads the end of its requests and exits
        try:
            self._process.wait(timeout=30)
        finally:
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait()


_SHARED: list[CliForks] = []


def shared() -> CliForks:
    """This test process's fork server, started at first use and ended with the process."""
    if not _SHARED:
        log = Path(tempfile.mkdtemp(prefix="cli-forks-")) / "server.log"
        _SHARED.append(CliForks(log))
        atexit.register(_SHARED[0].close)
    return _SHARED[0]


def run(
    args: Sequence[str],
    env: Mapping[str, str],
    cwd: Path,
    timeout: float = 60,
    *,
    stdin_closed: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Like `subprocess.run([python, -m, onelogin_scim_setup, *args], capture_output=True,
    stdin=DEVNULL, timeout=timeout)`, forked from the shared server (`stdin_closed`: see
    `CliForks.start`)."""
    child = shared().start(args, env, cwd, stdin_closed=stdin_closed)
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait(30)
        raise
    assert child.returncode is not None
    return subprocess.CompletedProcess(list(args), child.returncode, stdout, stderr)


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


def _become_the_cli(request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: the process `python -m onelogin_scim_setup` would be."""
    if request.get("terminal"):
        fds = [fds[0], fds[0], fds[0]]
    else:
        nothing = os.open(os.devnull, os.O_RDONLY)
        fds = [nothing, *fds]
    if "output" in request:
        output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        fds = [fds[0], output, output]
    for number, descriptor in enumerate(fds):
        os.dup2(descriptor, number)
    for descriptor in set(fds) - {0, 1, 2}:
        os.close(descriptor)
    if request.get("stdin_closed"):  # what Python's start-up makes of a closed descriptor 0
        os.close(0)
        sys.stdin = sys.__stdin__ = None  # type: ignore[assignment]
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    import tempfile

    tempfile.tempdir = None  # read from TMPDIR again, as a fresh process would
    import onelogin_scim_setup.__main__ as entry
    from onelogin_scim_setup import bounds

    for name, value in request.get("bounds", {}).items():
        if not hasattr(bounds, name):
            raise SystemExit(f"cli_forks: onelogin_scim_setup.bounds has no {name}")
        setattr(bounds, name, value)
    sys.argv = [str(entry.__file__), *request["args"]]
    if any(name in os.environ for name in _COVERAGE_VARIABLES):
        import coverage

        coverage.process_startup()


def _reap(channel: socket.socket, children: set[int]) -> None:
    """Report every child that has ended."""
    while children:
        pid, status, usage = os.wait4(-1, os.WNOHANG)
        if pid == 0:
            return
        children.discard(pid)
        cpu = usage.ru_utime + usage.ru_stime
        answer = {"ended": pid, "status": status, "peak_kb": usage.ru_maxrss, "cpu_seconds": cpu}
        channel.sendall(json.dumps(answer).encode() + b"\n")


def _serve(channel: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    """Fork a child per request, report its id, then its end. Returns in a child only."""
    children: set[int] = set()
    pending = b""
    fds: list[int] = []
    while True:
        # Children's ends are looked for every 10 ms while any runs.
        ready, _, _ = select.select([channel], [], [], 0.01 if children else None)
        _reap(channel, children)
        if not ready:
            continue
        data, received, _, _ = socket.recv_fds(channel, 1 << 20, 3)
        if not data:
            return None
        pending += data
        fds.extend(received)
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = dict(json.loads(line))
            wanted = 1 if request.get("terminal") else 0 if "output" in request else 2
            theirs = fds[:wanted]
            del fds[: len(theirs)]
            pid = os.fork()
            if pid == 0:
                channel.close()
                return request, theirs
            for descriptor in theirs:
                os.close(descriptor)
            children.add(pid)
            channel.sendall(json.dumps({"started": pid}).encode() + b"\n")


if __name__ == "__main__":
    # This file's folder holds test helpers, not modules for the CLI to find.
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        del sys.path[0]
    _load_the_cli()
    child = _serve(socket.socket(fileno=int(sys.argv[1])))
    if child is not None:
        _become_the_cli(*child)
        from onelogin_scim_setup.__main__ import run

        run()  # ends with SystemExit, as the process would
