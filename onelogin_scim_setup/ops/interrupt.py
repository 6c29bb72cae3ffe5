"""SIGINT and SIGTERM, handled in one place.

`handling()` (entered once, by `cli.main()`) turns both signals into `errors.Interrupted`, so the
code that must clean up (apply's done/not-done report, verify --e2e's restore of the test user) can
run its `finally`/`except` blocks; SIGTERM would otherwise end the process on the spot.

`deferred()` marks a critical section (one API change of apply, the restore of the test user): a
signal arriving inside is held and raised when the section ends, so no request is cut in half.

The first signal stops the run gently: Interrupted is raised once, the clean-up runs, and a
request in flight is abandoned `bounds.SIGNAL_GRACE` seconds later. A second signal ends the run
at once, clean-up included: every request is abandoned now (`bounds.signalled`), so apply's step
in flight ends as "outcome unknown" and verify --e2e's restore stops where it is; `nap`, the
clean-up's pause between polls, ends too. Each command then prints its report so far and exits
130/143. Nothing is lost by hurrying: the round trip's journal (ops.journal) still holds the test
user's original value, and the next `verify --e2e` puts it back before anything else; a rerun of
apply reads the current state first. Further signals are not raised again, so that report is never
itself cut into a traceback. SIGKILL still ends the process.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from onelogin_scim_setup.errors import Interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class _Handler:
    depth: int = 0  # nesting of deferred() sections
    pending: int | None = None  # the first signal held by a deferred() section
    raised: bool = False  # an Interrupted is on its way up: ignore the rest
    seen: int = 0  # signals received; from the second on, everything ends at once

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.seen += 1
        # Requests in flight are abandoned after a grace (at once from a second signal), so a
        # hung request, even inside a critical section, never holds the signal for ever.
        # (`bounds` imports requests: it is loaded only once a client is, and then it is asked.)
        wire = sys.modules.get("onelogin_scim_setup.bounds")
        if wire is not None:
            wire.signalled(signum)
        if self.raised:
            return
        if self.depth:
            self.pending = self.pending or signum
            return
        self.raised = True
        raise Interrupted(signum)


# Signal dispositions belong to the process, so the handler that holds their state does too; it is
# None whenever handling() is not active (then deferred() does nothing).
_active: _Handler | None = None


@contextmanager
def handling() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into Interrupted for the duration; then restore the previous
    handlers, or, if a signal arrived, ignore both from then on."""
    global _active
    if threading.current_thread() is not threading.main_thread():
        # Python delivers signals to the main thread only; elsewhere there is nothing to install.
        yield
        return
    handler, outer = _Handler(), _active
    previous = {signum: signal.signal(signum, handler) for signum in SIGNALS}
    _active = handler
    try:
        yield
    finally:
        for signum, disposition in previous.items():
            # After an interruption the process is on its way out, reporting; a late second Ctrl-C
            # must not become a KeyboardInterrupt traceback (or a kill) during that report.
            signal.signal(signum, signal.SIG_IGN if handler.raised else disposition)
        _active = outer


@contextmanager
def deferred() -> Iterator[None]:
    """A critical section: a signal arriving inside is raised (as Interrupted) when it ends.

    If the section ends with an exception, that exception goes on and the held signal is dropped:
    the run is stopping either way.
    """
    handler = _active
    if handler is None:
        yield
        return
    handler.depth += 1
    try:
        yield
    finally:
        handler.depth -= 1
        pending = handler.pending if handler.depth == 0 else None
        if handler.depth == 0:
            handler.pending = None
    if pending is not None and not handler.raised:
        handler.raised = True
        raise Interrupted(pending)


NAP_STEP = 0.05  # how often `nap` looks for a second signal


def hurried() -> bool:
    """A second signal arrived: the run, clean-up included, ends now."""
    return _active is not None and _active.seen > 1


def nap(seconds: float) -> None:
    """`time.sleep` for a clean-up's pause between polls (verify --e2e's wait for SOE during the
    restore): it goes on after one signal, so the restore can finish, and ends at a second."""
    ends = time.monotonic() + max(0.0, seconds)
    while not hurried():
        left = ends - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(NAP_STEP, left))
