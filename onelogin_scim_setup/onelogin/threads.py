"""What the OneLogin transport keeps per thread, and the bound on its requests on the wire.

requests does not document a `Session` as thread-safe (its cookie jar and adapter state are
shared), so each thread gets its own, with the first Session's TLS, proxy and environment settings.
However the calling threads nest (read pools inside read pools, parallel user writes), at most
`concurrency` requests are on the wire at once: one slot of a bounded semaphore is held around each
request (with its retries and their waits) and nowhere else, never while waiting for the token, a
pool or another thread, so it cannot deadlock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import requests

from onelogin_scim_setup import bounds
from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.retry import SENT_ONCE


class WireSlots:
    """`size` places on the wire, shared by every thread of one transport."""

    def __init__(self, size: int) -> None:
        self._free = threading.BoundedSemaphore(size)
        self._local = _Holding()

    @property
    def holding(self) -> bool:
        """This thread holds a place now."""
        return bool(self._local.holding)

    def inherit(self, holding: bool) -> None:
        """This (helper) thread acts for one that holds a place (or not): it holds the same."""
        self._local.holding = holding

    @contextmanager
    def held(self) -> Iterator[None]:
        """One place, for one request and its retries (a request of this thread inside it, were
        there one, would share it rather than wait on itself)."""
        if self._local.holding:
            yield
            return
        self._free.acquire()
        self._local.holding = True
        try:
            yield
        finally:
            # Not holding when an interruption hit `released()` while it took the place back:
            # then there is nothing to give back (releasing would free a place twice).
            if self._local.holding:
                self._local.holding = False
                self._free.release()

    @contextmanager
    def released(self) -> Iterator[None]:
        """This thread's place given back for a while (between two attempts of its request, when
        it asks something else), and taken again after."""
        if not self._local.holding:
            yield
            return
        self._local.holding = False
        self._free.release()
        try:
            yield
        finally:
            self._free.acquire()
            self._local.holding = True


class ThreadSessions:
    """The first Session serves the thread that built the transport; every other thread gets its
    own, made like the first and mounted by `mount`."""

    def __init__(self, first: requests.Session, mount: Callable[[requests.Session], None]) -> None:
        self.first = first
        self._mount = mount
        self._owner = threading.get_ident()
        self._local = _Session()
        self._lock = threading.Lock()
        self._others: list[requests.Session] = []

    def here(self) -> requests.Session:
        if threading.get_ident() == self._owner:
            return self.first
        session = self._local.session
        if session is None:
            session = like(self.first)
            self._mount(session)
            self._local.session = session
            with self._lock:
                self._others.append(session)
        return session

    def close(self) -> None:
        self.first.close()
        with self._lock:
            for session in self._others:
                session.close()
            self._others.clear()


class ResetQuestion(threading.local):
    """One thread's question about when the budget resets (class attributes: each thread's start).

    `asking`: the question is being asked (it is never asked from inside itself). `found`: what the
    retry policy's question found for this thread's request: seconds, "" when it failed (not asked
    again for the error), None when nothing was asked.
    """

    asking = False
    found: str | None = None


def wire_call(
    slots: WireSlots,
    question: ResetQuestion,
    total: float,
    send: Callable[[], requests.Response],
    cap: int,
    where: tuple[str, str, str],
) -> requests.Response:
    """`send()` run by `bounds.on_wire` (deadlines, signals) in a helper thread that acts for
    this one: it holds this thread's place on the wire and shares its question about the
    rate-limit reset (what its retries found comes back here). The body is read decoded up to
    `cap` bytes; beyond it, a `OneLoginError` naming the call. `where`: (method, path, host)."""
    method, path, host = where
    holding, asking, found = slots.holding, question.asking, question.found
    found_there: list[str | None] = []
    once = SENT_ONCE.active

    def run() -> requests.Response:
        slots.inherit(holding)
        SENT_ONCE.active = once
        question.asking, question.found = asking, found
        try:
            response = send()
        finally:
            found_there.append(question.found)
        bounds.read_body(response, cap)
        return response

    write = method not in ("GET", "HEAD")
    try:
        response = bounds.on_wire(run, what=f"{method} {path} on {host}", write=write, total=total)
    except bounds.AnswerRefused as error:
        raise OneLoginError(str(error), method=method, path=path) from None
    if found_there:
        question.found = found_there[0]
    return response


def like(model: requests.Session) -> requests.Session:
    """A new Session with the settings a caller may have given `model` (TLS, proxies, env)."""
    session = requests.Session()
    session.verify = model.verify
    session.cert = model.cert
    session.proxies = dict(model.proxies)
    session.trust_env = model.trust_env
    return session


class _Holding(threading.local):
    holding = False


class _Session(threading.local):
    session: requests.Session | None = None
