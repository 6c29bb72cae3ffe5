"""bounds.py: JSON refused beyond its bounds, bodies capped after decoding, the deadlines and the
signal abandonment of a request (issue 19)."""

from __future__ import annotations

import gzip
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import responses

from onelogin_scim_setup import bounds


@pytest.fixture(autouse=True)
def fresh_run() -> Iterator[None]:
    bounds.start_command(None)
    yield
    bounds.start_command(bounds.COMMAND_DEADLINE)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[" * 65 + "]" * 65, "nested deeper than 64"),
        ('{"a": ' * 70 + "1" + "}" * 70, "nested deeper than 64"),
        ('{"id": NaN}', "NaN"),
        ('{"id": Infinity}', "Infinity"),
        ('{"id": -Infinity}', "-Infinity"),
        ('{"id": 1e400}', "out of range"),
        ('{"name": "\\ud800"}', "lone surrogate"),
        ('{"\\udfff": 1}', "lone surrogate"),
    ],
)
def test_json_beyond_the_bounds_is_refused(text: str, why: str) -> None:
    with pytest.raises(bounds.AnswerRefused, match=why):
        bounds.loads(text.encode())


def test_json_within_the_bounds_is_read() -> None:
    text = "[" * 64 + "]" * 64
    assert bounds.loads(text.encode()) is not None
    assert bounds.loads(b'{"a": "[[[[", "b": "\\ud83d\\ude00"}') == {
        "a": "[[[[",
        "b": "\U0001f600",
    }
    with pytest.raises(bounds.AnswerRefused, match="UTF-8"):
        bounds.loads(b'{"a": "\xff"}')


def test_a_body_is_capped_after_decompression() -> None:
    bomb = gzip.compress(b"[" + b" " * (2 * bounds.MiB) + b"]")
    with responses.RequestsMock() as mock:
        mock.get("https://x.test/a", body=bomb, headers={"Content-Encoding": "gzip"})
        response = requests.get("https://x.test/a", stream=True, timeout=5)
        assert len(bomb) < bounds.MiB // 100  # small on the wire
        with pytest.raises(bounds.AnswerRefused, match="larger than 1 MiB"):
            bounds.read_body(response, bounds.MiB)


def test_an_error_body_is_cut_not_refused() -> None:
    with responses.RequestsMock() as mock:
        mock.get("https://x.test/a", status=500, body=b"x" * (bounds.ERROR_BODY + 10))
        response = requests.get("https://x.test/a", stream=True, timeout=5)
        bounds.read_body(response, bounds.LIST_BODY)
    assert len(response.content) == bounds.ERROR_BODY


def _hang(stop: threading.Event) -> int:
    stop.wait(30)
    return 1


def test_a_request_past_its_total_deadline_is_a_lost_answer() -> None:
    stop = threading.Event()
    started = time.monotonic()
    with pytest.raises(bounds.RequestDeadline):
        bounds.on_wire(lambda: _hang(stop), what="GET /x on h", write=False, total=0.3)
    stop.set()
    assert time.monotonic() - started < 2


def test_the_command_deadline_names_what_was_waited_on() -> None:
    stop = threading.Event()
    bounds.start_command(0.3)
    with pytest.raises(
        bounds.CommandDeadline, match=r"deadline of 0\.3 s while waiting for PUT /y"
    ):
        bounds.on_wire(lambda: _hang(stop), what="PUT /y on h", write=True)
    stop.set()


def test_a_signal_abandons_a_request_after_the_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounds, "SIGNAL_GRACE", 0.2)
    stop = threading.Event()
    bounds.signalled(signal.SIGTERM)
    started = time.monotonic()
    with pytest.raises(bounds.Abandoned, match="outcome is unknown: check") as raised:
        bounds.on_wire(lambda: _hang(stop), what="PUT /z on h", write=True)
    stop.set()
    assert raised.value.exit_code == 143
    assert time.monotonic() - started < 3  # at least HURRY, at most the grace and a poll


def test_a_second_signal_abandons_at_once() -> None:
    stop = threading.Event()
    bounds.signalled(signal.SIGINT)
    bounds.signalled(signal.SIGINT)
    started = time.monotonic()
    with pytest.raises(bounds.Abandoned) as raised:
        bounds.on_wire(lambda: _hang(stop), what="GET /z on h", write=False)
    stop.set()
    assert raised.value.exit_code == 130
    assert "unknown" not in raised.value.message  # a read: nothing to check
    assert time.monotonic() - started < bounds.POLL + 0.5  # no HURRY: at the first poll


def test_after_one_signal_a_late_request_gets_hurry_and_a_second_signal_takes_it_away(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """verify's restore starts after the first signal and still gets HURRY; a second signal
    during it abandons it at once (the journal keeps the restore for the next run)."""
    monkeypatch.setattr(bounds, "SIGNAL_GRACE", 0.0)
    monkeypatch.setattr(bounds, "HURRY", 30.0)
    stop = threading.Event()
    bounds.signalled(signal.SIGTERM)
    threading.Timer(0.3, bounds.signalled, args=(signal.SIGINT,)).start()
    started = time.monotonic()
    with pytest.raises(bounds.Abandoned) as raised:
        bounds.on_wire(lambda: _hang(stop), what="PUT /users/1 on h", write=True)
    stop.set()
    took = time.monotonic() - started
    assert 0.3 <= took < 0.3 + bounds.POLL + 0.5, took  # kept past the grace, cut at the second
    assert raised.value.exit_code == 143  # the first signal's code
    assert bounds.hurried()


def test_pause_ends_on_a_signal() -> None:
    threading.Timer(0.2, bounds.signalled, args=(signal.SIGINT,)).start()
    started = time.monotonic()
    bounds.pause(10)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("3", 3.0), ("nan", None), ("inf", None), ("-1", None), ("1e12", 1e12), (None, None)],
)
def test_header_seconds(value: str | None, seconds: float | None) -> None:
    assert bounds.header_seconds(value) == seconds


def test_drain_still_waits_for_the_calls_in_flight_when_a_signal_interrupts_the_wait() -> None:
    """A signal that lands while a gather waits for its pool must not leave the calls in flight to
    the interpreter's exit (where the handlers are gone and a second signal cannot hurry them)."""
    pool = ThreadPoolExecutor(max_workers=1)
    release = threading.Event()
    in_flight = pool.submit(release.wait, 10)
    real_shutdown = pool.shutdown
    waits: list[bool] = []

    def interrupted_once(wait: bool = True, *, cancel_futures: bool = False) -> None:
        waits.append(wait)
        if len(waits) == 1:  # the signal arrives during the first wait
            threading.Timer(0.2, release.set).start()
            raise KeyboardInterrupt
        real_shutdown(wait=wait, cancel_futures=cancel_futures)

    pool.shutdown = interrupted_once  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        bounds.drain(pool)
    assert in_flight.done()
    assert waits == [True, True]
