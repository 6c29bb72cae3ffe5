"""One writer per OneLogin tenant and app on this machine: an advisory file lock (`flock`).

Two applies that interleave their reads and writes both see "no app yet" and both create one. The
lock makes the second wait until the first is done, so it plans from what the first wrote. The
operating system releases a `flock` when its holder exits or crashes, so a stale file never blocks.
Across machines there is no lock; `plan` detects the duplicates instead (plan.diff).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from onelogin_scim_setup.errors import LockTimeout, SetupError
from onelogin_scim_setup.ops.prepare import Prepared

try:
    import fcntl
except ImportError:  # Windows: no flock; the lock is skipped there (see `held`)
    fcntl = None  # type: ignore[assignment]

LOCK_DIR_ENV = "ONELOGIN_SCIM_LOCK_DIR"
POLL_SECONDS = 0.1


def default_lock_dir(environ: Mapping[str, str]) -> Path:
    """$ONELOGIN_SCIM_LOCK_DIR, else $XDG_STATE_HOME/onelogin-scim-setup/locks, else
    ~/.local/state/onelogin-scim-setup/locks (the XDG default for state)."""
    if environ.get(LOCK_DIR_ENV):
        return Path(environ[LOCK_DIR_ENV])
    state = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "onelogin-scim-setup" / "locks"


def lock_path(lock_dir: Path, api_url: str, app_name: str) -> Path:
    digest = hashlib.sha256(f"{api_url.rstrip('/')}\n{app_name}".encode()).hexdigest()
    return lock_dir / f"{digest}.lock"


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
    where = f"{api_url.rstrip('/')}/{app_name}"
    path = lock_path(lock_dir, api_url, app_name)
    try:
        lock_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Opened for append so a waiter never truncates the holder's pid.
        handle = path.open("a+", encoding="utf-8")
    except OSError as error:
        raise SetupError(
            f"cannot create the apply lock {path}: {error.strerror or error}",
            hint=f"Set {LOCK_DIR_ENV} to a writable folder.",
        ) from error
    try:
        _acquire(handle, where, timeout, on_wait, sleep, clock)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
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
