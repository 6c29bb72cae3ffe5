"""Token rotation order and its failure reports (injected steps; no network)."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator

import pytest

from onelogin_scim_setup.errors import Interrupted, SecretError
from onelogin_scim_setup.ops.interrupt import handling
from onelogin_scim_setup.ops.rotate import Rotation
from onelogin_scim_setup.ops.rotation_state import RotationError
from onelogin_scim_setup.secrets.token import fingerprint
from onelogin_scim_setup.soe.client import ProbeResult

OLD, NEW = "old-token-" + "o" * 40, "new-token-" + "n" * 40


class Sides:
    """Records what each side holds, like the real SOE and OneLogin would."""

    def __init__(self, *, soe_takes_delivery: bool = True, onelogin_fails: bool = False) -> None:
        self.soe, self.onelogin, self.delivered = OLD, OLD, None
        self.soe_takes_delivery, self.onelogin_fails = soe_takes_delivery, onelogin_fails
        self.calls: list[str] = []

    def deliver(self, token: str) -> None:
        self.calls.append("deliver")
        self.delivered = token
        if self.soe_takes_delivery:
            self.soe = token

    def probe(self, token: str) -> ProbeResult:
        self.calls.append("probe")
        ok = token == self.soe
        return ProbeResult(status=200 if ok else 401, ok=ok, detail="")

    def set_onelogin(self, token: str) -> None:
        self.calls.append("set_onelogin")
        if self.onelogin_fails:
            raise SecretError("OneLogin answered 500")
        self.onelogin = token

    def read_onelogin(self) -> str:
        return fingerprint(self.onelogin)


def rotation(sides: Sides, *, api: bool = True) -> Rotation:
    return Rotation(
        deliver=sides.deliver,
        probe=sides.probe,
        set_onelogin=sides.set_onelogin if api else None,
        read_onelogin=sides.read_onelogin if api else None,
        timeout=1.0,
        interval=0.5,
        sleep=lambda _: None,
    )


def test_success_goes_soe_first_then_onelogin_then_verifies() -> None:
    sides = Sides()
    log = rotation(sides).run(OLD, NEW)
    assert (sides.soe, sides.onelogin) == (NEW, NEW)
    assert sides.calls == ["deliver", "probe", "set_onelogin", "probe"]
    assert log[-1] == f"rotation complete: both sides hold {fingerprint(NEW)}"
    assert all(NEW not in line for line in log)


def test_soe_never_accepting_stops_before_onelogin() -> None:
    sides = Sides(soe_takes_delivery=False)
    ticks = iter(range(100))
    rot = rotation(sides)
    rot.clock = lambda: float(next(ticks))
    with pytest.raises(RotationError) as caught:
        rot.run(OLD, NEW)
    assert "set_onelogin" not in sides.calls
    message = str(caught.value)
    assert f"OneLogin, not changed, holds {fingerprint(OLD)}" in message
    assert f"delivery target holds {fingerprint(NEW)}" in message
    assert NEW not in message


def test_onelogin_failure_says_which_side_holds_what() -> None:
    sides = Sides(onelogin_fails=True)
    with pytest.raises(RotationError) as caught:
        rotation(sides).run(OLD, NEW)
    message = str(caught.value)
    assert f"SOE accepts {fingerprint(NEW)} (verified)" in message
    assert f"OneLogin holds {fingerprint(OLD)}" in message
    assert "`token rotate --rollback`" in message


def test_without_an_api_the_onelogin_step_is_handed_to_a_person() -> None:
    sides = Sides()
    log = rotation(sides, api=False).run(OLD, NEW)
    assert sides.soe == NEW
    assert f"it holds unknown. Paste {fingerprint(NEW)} now" in log[-1]


def test_a_token_onelogin_does_not_show_is_reported_unknown_not_guessed() -> None:
    sides = Sides()
    rot = rotation(sides)
    rot.read_onelogin = lambda: None  # write-only: shown as asterisks
    log = rot.run(OLD, NEW)
    assert "what it holds cannot be read back (unknown)" in log[-2]
    assert log[-1].endswith("OneLogin: unknown until `verify --e2e`")


def test_soe_refusing_with_an_unreadable_onelogin_says_unknown() -> None:
    sides = Sides(soe_takes_delivery=False)
    ticks = iter(range(100))
    rot = rotation(sides, api=False)
    rot.clock = lambda: float(next(ticks))
    with pytest.raises(RotationError) as caught:
        rot.run(OLD, NEW)
    message = str(caught.value)
    assert "OneLogin, not changed, holds unknown" in message
    assert f"SOE accepts {fingerprint(OLD)} (verified)" in message
    assert "`token rotate --resume`" in message


def test_failed_delivery_is_unknown_check_and_leaves_onelogin_alone() -> None:
    def broken(token: str) -> None:
        raise SecretError("delivery command exited 3")

    sides = Sides()
    rot = rotation(sides)
    rot.deliver = broken
    with pytest.raises(RotationError) as caught:
        rot.run(OLD, NEW)
    message = str(caught.value)
    assert "Nothing was changed" not in message
    assert "is unknown: check" in message
    assert f"SOE now accepts {fingerprint(OLD)} (verified)" in message
    assert "`token rotate --resume`" in message
    assert "`token rotate --rollback`" in message
    assert "set_onelogin" not in sides.calls
    assert (sides.soe, sides.onelogin) == (OLD, OLD)


# --- a signal mid-rotation (ops.interrupt): the step in flight finishes, then a report --------
@pytest.mark.usefixtures("_restore_handlers")
def test_a_signal_during_a_failing_delivery_exits_as_the_signal_and_says_unknown() -> None:
    """Ctrl-C while the delivery command fails: the signal wins (130), the delivery is "unknown"."""

    def broken(token: str) -> None:
        signal.raise_signal(signal.SIGINT)
        raise SecretError("the delivery command deliver was killed by signal 2")

    rot = rotation(Sides())
    rot.deliver = broken
    stop = interrupted(rot)
    assert stop.signum == signal.SIGINT
    report = "\n".join(stop.report)
    assert f"Delivery of {fingerprint(NEW)}: unknown: check" in report
    assert "Nothing was changed" not in report


def test_each_step_is_announced_and_journaled_before_it_runs() -> None:
    sides = Sides(soe_takes_delivery=False)
    journaled: list[str] = []
    lines: list[str] = []
    polls: list[tuple[float, float]] = []
    ticks = iter(range(100))
    rot = rotation(sides)
    rot.clock = lambda: float(next(ticks))
    rot.record, rot.on_step = journaled.append, lines.append
    rot.on_wait = lambda elapsed, timeout: polls.append((elapsed, timeout))
    rot.timeout = 3.0
    with pytest.raises(RotationError):
        rot.run(OLD, NEW)
    assert journaled == ["deliver", "wait-soe"]
    assert lines[1].startswith(f"SOE accepts {fingerprint(NEW)}: waiting up to 3 s")
    assert polls == [(1.0, 3.0), (2.0, 3.0)]


# --- a signal mid-rotation (ops.interrupt): the step in flight finishes, then a report --------


@pytest.fixture
def _restore_handlers() -> Iterator[None]:
    """handling() leaves signals ignored after an interruption (the CLI then exits); not pytest."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def signalled(step: Callable[[str], None], signum: int) -> Callable[[str], None]:
    """`step`, with the signal arriving while it runs (before its work is done)."""

    def run(token: str) -> None:
        signal.raise_signal(signum)
        step(token)

    return run


def interrupted(rot: Rotation) -> Interrupted:
    with pytest.raises(Interrupted) as caught, handling():
        rot.run(OLD, NEW)
    return caught.value


@pytest.mark.usefixtures("_restore_handlers")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_delivery_finishes_it_and_stops_before_soe_is_checked(
    signum: int,
) -> None:
    sides = Sides()
    rot = rotation(sides)
    rot.deliver = signalled(sides.deliver, signum)
    stop = interrupted(rot)
    assert stop.signum == signum
    assert sides.calls == ["deliver"]  # finished, then nothing more
    assert sides.onelogin == OLD
    report = "\n".join(stop.report)
    assert f"Done (1): deliver {fingerprint(NEW)} to SOE's side" in report
    assert f"Not done (3): SOE accepts {fingerprint(NEW)}, set OneLogin's" in report
    assert "Finish: `token rotate --resume`" in report
    assert NEW not in report


@pytest.mark.usefixtures("_restore_handlers")
def test_a_signal_during_onelogin_s_write_finishes_it_and_reports_both_sides() -> None:
    sides = Sides()
    rot = rotation(sides)
    rot.set_onelogin = signalled(sides.set_onelogin, signal.SIGTERM)
    stop = interrupted(rot)
    assert (sides.soe, sides.onelogin) == (NEW, NEW)
    assert sides.calls == ["deliver", "probe", "set_onelogin"]
    assert f"Done (3): deliver {fingerprint(NEW)}" in stop.report[1]
    assert stop.report[2] == "Not done (1): verify both sides"
    assert "`verify --e2e` proves it" in stop.report[3]


@pytest.mark.usefixtures("_restore_handlers")
def test_a_signal_while_waiting_for_soe_stops_with_onelogin_untouched() -> None:
    sides = Sides(soe_takes_delivery=False)
    rot = rotation(sides)
    rot.sleep = lambda _: signal.raise_signal(signal.SIGINT)
    stop = interrupted(rot)
    assert "set_onelogin" not in sides.calls
    assert stop.report[1] == f"Done (1): deliver {fingerprint(NEW)} to SOE's side"
    assert f"OneLogin was not changed (holds {fingerprint(OLD)})" in stop.report[3]


@pytest.mark.usefixtures("_restore_handlers")
def test_a_signal_between_soe_and_onelogin_says_how_to_finish_and_roll_back() -> None:
    sides = Sides()
    rot = rotation(sides)
    probe = rot.probe

    def accepted_then_signal(token: str) -> ProbeResult:
        result = probe(token)
        signal.raise_signal(signal.SIGINT)  # after SOE's answer, before OneLogin's write
        return result

    rot.probe = accepted_then_signal
    stop = interrupted(rot)
    assert (sides.soe, sides.onelogin) == (NEW, OLD)
    assert "set_onelogin" not in sides.calls
    report = "\n".join(stop.report)
    assert (
        f"SOE accepts {fingerprint(NEW)} (verified); OneLogin still holds {fingerprint(OLD)}"
        in (report)
    )
    assert f"`token rotate --rollback` (puts {fingerprint(OLD)} back on both sides)" in report
