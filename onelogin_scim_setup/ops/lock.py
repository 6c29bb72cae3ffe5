"""One writer per OneLogin tenant and app on this machine: an advisory file lock (`flock`).

Two applies that interleave their reads and writes both see "no app yet" and both create one. The
lock makes the second wait until the first is done, so it plans from what the first wrote. The
operating system releases a `flock` when its holder exits or crashes, so a stale file never blocks.
Across machines there is no lock; `plan` detects the duplicates instead (plan.diff).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from onelogin_scim_setup.config.urls import DEFAULT_PORTS
from onelogin_scim_setup.errors import LockTimeout, SetupError
from onelogin_scim_setup.files import environment_hint
from onelogin_scim_setup.ops.prepare import Prepared

try:
    import fcntl
except ImportError:  # Windows: no flock; the lock is skipped there (see `held`)
    fcntl = None  # type: ignore[assignment]

LOCK_DIR_ENV = "ONELOGIN_SCIM_LOCK_DIR"
POLL_SECONDS = 0.1


def default_lock_dir(environ: Mapping[str, str]) -> Path:
    """$ONELOGIN_SCIM_LOCK_DIR, else $XDG_STATE_HOME/onelogin-scim-setup/locks, else
    $HOME/.local/state/onelogin-scim-setup/locks (the XDG default for state). An XDG_STATE_HOME
    that is not absolute is ignored, as the XDG spec says; an empty or missing HOME is an error,
    never a lock under `/.local`."""
    if environ.get(LOCK_DIR_ENV):
        return Path(environ[LOCK_DIR_ENV])
    state = environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(state):
        home = environ.get("HOME", "")
        if not os.path.isabs(home):
            raise SetupError(
                f"cannot place the apply lock: HOME is {'empty' if not home else repr(home)} and "
                "XDG_STATE_HOME is not set",
                hint=f"Set HOME to your home folder, or {LOCK_DIR_ENV} to a folder of your own.",
            )
        state = str(Path(home) / ".local" / "state")
    return Path(state) / "onelogin-scim-setup" / "locks"


def tenant_key(api_url: str) -> str:
    """The tenant's identity as one string: the scheme, the host in lower case without a trailing
    dot, the port unless it is the scheme's default, and the path without a trailing slash. So
    `https://ACME.onelogin.com`, `https://acme.onelogin.com:443/` and `https://acme.onelogin.com.`
    are one tenant, and take one lock."""
    parts = urlsplit(api_url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # not a number: keep it as written, it cannot match another spelling
        port = None
    shown_port = "" if port is None or DEFAULT_PORTS.get(scheme) == port else f":{port}"
    return f"{scheme}://{host}{shown_port}{parts.path.rstrip('/')}"


def lock_path(lock_dir: Path, api_url: str, app_name: str) -> Path:
    digest = hashlib.sha256(f"{tenant_key(api_url)}\n{app_name}".encode()).hexdigest()
    return lock_dir / f"{digest}.lock"


def _check_folder(lock_dir: Path) -> None:
    """The lock folder must be a folder of the user's own that nobody else may write to: anyone who
    can write there can plant a link as the lock file, or hold the lock for ever."""
    info = os.stat(lock_dir)
    problem = None
    if not stat.S_ISDIR(info.st_mode):
        problem = "it is not a folder"
    elif hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        problem = f"it belongs to user id {info.st_uid}, not to you"
    elif info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        problem = f"others may write to it (mode {stat.S_IMODE(info.st_mode):04o})"
    if problem:
        raise SetupError(
            f"refused to use the apply lock folder {lock_dir}: {problem}",
            hint=f"Run `chmod 700 {lock_dir}` if it is yours, or set {LOCK_DIR_ENV} to a folder "
            "of your own that only you may write to.",
        )


def _open(path: Path) -> IO[str]:
    """The lock file, opened for reading and writing without following a symbolic link and without
    blocking (a FIFO planted there is refused, not waited on); only a regular file is used."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "it is not a regular file")
        return os.fdopen(fd, "r+", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise


@contextmanager
def held(
    lock_dir: Path,
    *,
    api_url: str,
    app_name: str,
    timeout: float,
    on_wait: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[None]:
    """Hold the lock for `api_url` and `app_name` for the duration, waiting up to `timeout` seconds
    (0: do not wait). `on_wait` is told once, with a sentence naming the holder's pid."""
    if fcntl is None:
        yield
        return
    where = f"{tenant_key(api_url)}/{app_name}"
    path = lock_path(lock_dir, api_url, app_name)
    try:
        lock_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        _check_folder(lock_dir)
        handle = _open(path)
    except OSError as error:
        reason = error.strerror or str(error)
        if error.errno == errno.ELOOP:
            reason = "it is a symbolic link"
        raise SetupError(
            f"cannot create the apply lock {path}: {reason}",
            hint=environment_hint(error)
            or f"Remove {path} if it is not a lock file, or set {LOCK_DIR_ENV} to a folder of "
            "your own.",
        ) from error
    try:
        _acquire(handle, where, timeout, on_wait, sleep, clock)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
        except OSError as error:
            raise SetupError(
                f"cannot write the apply lock {path}: {error.strerror or error}",
                hint=environment_hint(error) or f"Set {LOCK_DIR_ENV} to a writable folder.",
            ) from None
        yield
    finally:
        # Closing releases the lock; the file stays (deleting it would race with a waiter).
        handle.close()


def _acquire(
    handle: IO[str],
    where: str,
    timeout: float,
    on_wait: Callable[[str], None] | None,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> None:
    deadline, told = clock() + timeout, False
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        holder = _holder(handle)
        if clock() >= deadline:
            raise LockTimeout(
                f"another apply on {where} ({holder}) still holds the lock after {timeout:g} s",
                hint="Wait for it to finish and run again, or give a longer --lock-timeout. The "
                "lock is released when that process ends, however it ends.",
            )
        if not told and on_wait is not None:
            on_wait(f"waiting for another apply on {where} ({holder}) to finish ...")
            told = True
        sleep(min(POLL_SECONDS, max(0.0, deadline - clock())))


def _holder(handle: IO[str]) -> str:
    handle.seek(0)
    pid = handle.read().strip()
    return f"pid {pid}" if pid.isdigit() else "pid unknown"


@contextmanager
def locked(
    prepared: Prepared,
    lock_dir: Path,
    *,
    timeout: float,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold this machine's lock on the config's tenant and app while planning and writing.

    Taken before the plan is read, so a second apply waits and then plans from what the first wrote.
    Commands that only read (plan, verify) do not take it.
    """
    config = prepared.config
    with held(
        lock_dir,
        api_url=config.onelogin.api_url,
        app_name=config.app.name,
        timeout=timeout,
        on_wait=on_wait,
    ):
        yield
