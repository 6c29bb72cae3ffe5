"""Bounds on everything that comes in from a server, and the deadlines on waiting for it
(docs/bounds.md lists them with their defaults).

- Every request runs in a helper thread (`on_wire`) while its caller waits: for the request's
  total deadline, the command's deadline (`--deadline`: time with a request on the wire), and a
  signal. A server that trickles one
  byte a second, or never answers, cannot hold the run past them; after a signal the request is
  abandoned (given `SIGNAL_GRACE` seconds to finish first; a request the main thread starts after
  that, e.g. verify's restore, still gets `HURRY`). A second signal abandons every request at once,
  those started after it too: the run ends now, with its report so far.
- Bodies are read decoded (after gzip/deflate) up to a cap per endpoint kind (`read_body`).
- JSON is refused when nested deeper than `JSON_DEPTH`, when it holds NaN or Infinity, or a lone
  surrogate (`loads`).
- A server-sent wait longer than `SERVER_WAIT` is never waited.
- A listing stops with an error past `MAX_PAGES` pages.

The root of the package: it imports nothing of the project but `errors`, so both clients (below)
and `ops.interrupt` (above) use it.
"""

from __future__ import annotations

import json
import math
import re
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import requests

from onelogin_scim_setup.errors import ExitCode, SetupError

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

T = TypeVar("T")

KiB = 1024
MiB = 1024 * KiB

# Bodies, after decompression.
TOKEN_BODY = 64 * KiB  # the OAuth2 token answer: a token and its lifetime
ITEM_BODY = 4 * MiB  # one resource, a write's answer, the rate limit, a probe
LIST_BODY = 32 * MiB  # one page of a listing (100 users with custom attributes, 100 SCIM users)
ERROR_BODY = 256 * KiB  # an error answer: read up to this, the rest dropped (only quoted)
JSON_DEPTH = 64  # nesting of arrays and objects; the tool reads at most 5 levels
MAX_PAGES = 2000  # pages of one listing (200,000 items at 100 a page)
SERVER_WAIT = 30.0  # the longest Retry-After / X-RateLimit-Reset the tool waits; longer: it stops
# The answers worth waiting for and asking again (both clients' retry policies): refused for now
# (429) or a server's passing failure (5xx); any other answer would be the same the next time.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REQUEST_TOTAL = 300.0  # one request with its retries and their waits, whatever its reads
COMMAND_DEADLINE = 600.0  # the default of --deadline: a whole command's time on the network
SIGNAL_GRACE = 5.0  # after the first SIGINT/SIGTERM, a request in flight gets this long to end
HURRY = (
    1.0  # the least a clean-up's request gets after one signal (verify's restore); none after two
)
POLL = 0.1  # how often a waiting caller looks at the clock and the signals


class AnswerRefused(ValueError):
    """A body or a JSON document beyond a bound, or JSON the tool does not accept."""


class RequestDeadline(requests.exceptions.ReadTimeout):
    """One request took longer than its total deadline: its answer is lost (outcome unknown)."""


class CommandDeadline(SetupError):
    """The command ran past `--deadline` while it waited on a server."""

    code: ClassVar[str] = "deadline_exceeded"


class Abandoned(SetupError):
    """A request given up after a signal; if it was a write, its outcome is unknown."""

    code: ClassVar[str] = "request_abandoned"

    def __init__(self, message: str, *, signum: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.signum = signum

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.TERMINATED if self.signum == signal.SIGTERM else ExitCode.INTERRUPTED


@dataclass
class _Run:
    """The process's network clock for the command and its signal state (the CLI sets both).

    The command's deadline counts only time with at least one request on the wire (`spent`), not
    a lock's wait, a prompt, or verify's pauses between polls, so `--deadline` bounds the time the
    servers take, whatever else the command waits for."""

    budget: float | None = COMMAND_DEADLINE  # None: no command deadline
    spent: float = 0.0  # seconds with a request on the wire, finished stretches
    inflight: int = 0
    busy_since: float = 0.0  # monotonic: when the current stretch began
    abandon_at: float | None = None  # monotonic: a signal asked to give up requests from then on
    signalled: int = 0
    signum: int = signal.SIGINT  # the first signal

    def used(self, now: float) -> float:
        return self.spent + (now - self.busy_since if self.inflight else 0.0)


_run = _Run()
_lock = threading.Lock()


def start_command(seconds: float | None) -> None:
    """Start the command's network clock (`--deadline`); None: no deadline. Resets the signals."""
    with _lock:
        _run.budget = seconds or None
        _run.spent, _run.inflight = 0.0, 0
        _run.abandon_at = None
        _run.signalled = 0


def _busy(delta: int) -> None:
    """One request more (+1) or fewer (-1) on the wire, for the network clock."""
    with _lock:
        now = time.monotonic()
        if delta > 0 and _run.inflight == 0:
            _run.busy_since = now
        _run.inflight += delta
        if delta < 0 and _run.inflight == 0:
            _run.spent += now - _run.busy_since


def signalled(signum: int) -> None:
    """A SIGINT/SIGTERM arrived: requests in flight are abandoned after `SIGNAL_GRACE`, and at
    once from a second signal on. Called from the signal handler: it never blocks."""
    if not _lock.acquire(blocking=False):  # the handler interrupted a holder of the lock
        _run.signalled += 1
        _run.abandon_at = time.monotonic()
        return
    try:
        if not _run.signalled:
            _run.signum = signum
        _run.signalled += 1
        now = time.monotonic()
        at = now + SIGNAL_GRACE if _run.signalled == 1 else now
        _run.abandon_at = at if _run.abandon_at is None else min(_run.abandon_at, at)
    finally:
        _lock.release()


def stopping() -> bool:
    """A signal arrived: waits end, no new work starts."""
    return _run.signalled > 0


def hurried() -> bool:
    """A second signal arrived: the run ends now, even its clean-up."""
    return _run.signalled > 1


def pause(seconds: float) -> None:
    """`time.sleep` that ends early when a signal arrives or the command's deadline passes."""
    ends = time.monotonic() + max(0.0, seconds)
    while not stopping():
        left = ends - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(POLL, left))


def drain(pool: ThreadPoolExecutor) -> None:
    """`pool.shutdown(wait=True, cancel_futures=True)`, waited to its end even when a signal
    interrupts the wait. The calls in flight end by themselves after a signal (their requests are
    abandoned after `SIGNAL_GRACE`, at once from a second signal); given up here, the wait would
    happen anyway at the interpreter's exit, after the signal handlers are gone, where a second
    signal could no longer hurry it."""
    try:
        pool.shutdown(wait=True, cancel_futures=True)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise


def on_wire(send: Callable[[], T], *, what: str, write: bool, total: float = REQUEST_TOTAL) -> T:
    """`send()` (one request, its retries, its body read) in a helper thread, waited for at most
    `total` seconds, the command's deadline and a signal's grace.

    Raises `RequestDeadline` past `total` (a network failure: the caller's rules for a lost answer
    apply), `CommandDeadline` past `--deadline`, `Abandoned` after a signal. The helper thread is a
    daemon: a request that never ends cannot keep the process alive.
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = send()
        except BaseException as error:  # handed to the caller, who raises it
            box["error"] = error
        finally:
            done.set()

    helper = threading.Thread(target=run, name=f"wire {what}", daemon=True)
    started = time.monotonic()
    _busy(+1)
    try:
        helper.start()
        return _waited(done, box, started, what=what, write=write, total=total)  # type: ignore[no-any-return]
    finally:
        _busy(-1)


def _waited(
    done: threading.Event,
    box: dict[str, Any],
    started: float,
    *,
    what: str,
    write: bool,
    total: float,
) -> Any:
    # A request the main thread starts late (the clean-up after a signal, verify's restore) still
    # gets HURRY seconds; a worker thread's (parallel reads queued behind the token) gets none, and
    # after a second signal none does: the person asked twice for the run to end.
    late = HURRY if threading.current_thread() is threading.main_thread() else 0.0
    while not done.wait(POLL):
        now = time.monotonic()
        grace = 0.0 if hurried() else late
        if _run.abandon_at is not None and now >= max(_run.abandon_at, started + grace):
            unknown = "; its outcome is unknown: check" if write else ""
            raise Abandoned(
                f"abandoned {what} after the signal{unknown}",
                signum=_run.signum,
                hint="Run the command again: it reads the current state first." if write else None,
            )
        if _run.budget is not None and _run.used(now) >= _run.budget:
            unknown = " (a write: its outcome is unknown: check)" if write else ""
            raise CommandDeadline(
                f"the command ran past its deadline of {_run.budget:g} s while waiting for "
                f"{what}{unknown}",
                hint="The server is slow or not answering; run the command again later, or give "
                "it more time with --deadline SECONDS.",
            )
        if now - started >= total:
            raise RequestDeadline(f"no complete answer within {total:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def read_body(response: requests.Response, cap: int) -> None:
    """Read the (streamed) body, decoded, into `response._content`, at most `cap` bytes.

    An answer of 400 or more is only quoted: it is cut at `ERROR_BODY` instead of refused.
    """
    limit = min(cap, ERROR_BODY) if response.status_code >= 400 else cap
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(64 * KiB):
            size += len(chunk)
            if size > limit:
                if response.status_code >= 400:
                    chunks.append(chunk[: limit - (size - len(chunk))])
                    break
                raise AnswerRefused(
                    f"the answer is larger than {_size(limit)} (decompressed): refused"
                )
            chunks.append(chunk)
    finally:
        response.close()
    response._content = b"".join(chunks)
    response._content_consumed = True  # type: ignore[attr-defined]


def _size(count: int) -> str:
    return f"{count // MiB} MiB" if count >= MiB else f"{count // KiB} KiB"


_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_SURROGATE = re.compile("[\ud800-\udfff]")


def loads(data: bytes) -> Any:
    """JSON from bytes, refused (`AnswerRefused`) when nested deeper than `JSON_DEPTH`, when not
    UTF-8, when it holds NaN/Infinity, or a lone surrogate (`"\\ud800"`)."""
    depth = 0
    if data.count(b"[") + data.count(b"{") > JSON_DEPTH:  # only then is the scan worth it
        for match in _TOKENS.finditer(data):
            token = match.group()
            if token in (b"[", b"{"):
                depth += 1
                if depth > JSON_DEPTH:
                    raise AnswerRefused(f"JSON nested deeper than {JSON_DEPTH} levels: refused")
            elif token in (b"]", b"}"):
                depth -= 1
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AnswerRefused("the answer is not UTF-8 text") from None
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise AnswerRefused(f"JSON nested deeper than {JSON_DEPTH} levels: refused") from None
    if "\\u" in text:
        _no_surrogates(value)
    return value


def _no_constant(name: str) -> Any:
    raise AnswerRefused(f"the JSON holds {name}, which is not JSON: refused")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise AnswerRefused(f"the JSON holds the number {text[:20]}, out of range: refused")
    return value


def _no_surrogates(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise AnswerRefused("the JSON holds a lone surrogate (\\ud800-\\udfff): refused")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def header_seconds(value: str | None) -> float | None:
    """A header's count of seconds: a finite number >= 0, else None."""
    try:
        found = float(value) if value is not None else None
    except ValueError:
        return None
    return found if found is not None and math.isfinite(found) and found >= 0 else None
