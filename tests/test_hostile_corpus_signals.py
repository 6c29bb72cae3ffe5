"""The hostile corpus (issue 19), signals against a server that never answers, and the deadline
(tests/helpers/hostile.py holds the stage and the CLI's runs)."""

from __future__ import annotations

import signal
import socket
import time
from typing import Any

import pytest

# The fixture `stage` comes from tests/helpers/hostile.py too, through tests/conftest.py.
from tests.helpers.hostile import (
    SLACK,
    TOKEN_PATH,
    Stage,
    _start,
    assert_clean,
    run_cli,
    silent,
)
from tests.helpers.stand_in import Stand

# e2e: every case runs the real CLI against a loopback stand-in (minutes, not seconds).
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.one_profile(
        "a hostile stand-in answers the endpoint under test; the sandbox's profile is not what is "
        "tested"
    ),
]

# --- signals against a server that never answers ------------------------------------------------


def send_apart(process: Any, signals: tuple[signal.Signals, ...]) -> None:
    """Two signals that arrive before the process has handled the first are one signal to it (on a
    loaded machine 0.3 s apart were one): 2.5 s apart, room enough on 4 busy xdist workers. The
    bounds count from the last signal, so the gap loosens no assertion."""
    for index, number in enumerate(signals):
        if index:
            time.sleep(2.5)
        process.send_signal(number)


GRACE_BOUND = 5.0 + 5.0  # one signal: the request's grace (bounds.SIGNAL_GRACE), then the report
AT_ONCE = 3.0  # from a second signal to the exit: nothing is waited for any more (a loaded CI)


@pytest.mark.parametrize(
    ("signals", "bound", "code"),
    [
        pytest.param((signal.SIGTERM,), GRACE_BOUND, 143, id="SIGTERM"),
        pytest.param((signal.SIGINT,), GRACE_BOUND, 130, id="SIGINT"),
        pytest.param((signal.SIGINT, signal.SIGINT), AT_ONCE, 130, id="SIGINT-twice"),
        pytest.param((signal.SIGTERM, signal.SIGTERM), AT_ONCE, 143, id="SIGTERM-twice"),
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("POST", TOKEN_PATH, id="token"),
        pytest.param("GET", "/api/2/users", id="users-listing"),
    ],
)
def test_a_signal_ends_a_run_stuck_on_a_server_that_never_answers(
    stage: Stage,
    method: str,
    path: str,
    signals: tuple[signal.Signals, ...],
    bound: float,
    code: int,
) -> None:
    stage.onelogin.hostile(method, path, silent)
    out = stage.world.folder / "signal.txt"
    process = _start(stage, out, "--deadline", "0", "plan")
    assert stage.onelogin.seen.wait(30), out.read_text()
    send_apart(process, signals)
    sent = time.monotonic()  # the bound counts from the last signal
    try:
        assert process.wait(timeout=bound + 10) == code, out.read_text()
    finally:
        if process.poll() is None:
            process.kill()
    took = time.monotonic() - sent
    output = out.read_text()
    assert took < bound, f"{took:.1f} s\n{output}"
    assert "Traceback" not in output, output
    assert "This is a bug" not in output, output
    assert "nterrupted" in output or "abandoned" in output, output


@pytest.mark.parametrize(
    ("signals", "bound"),
    [
        pytest.param((signal.SIGTERM,), GRACE_BOUND, id="SIGTERM"),
        pytest.param((signal.SIGINT,) * 2, AT_ONCE, id="SIGINT-twice"),
        pytest.param((signal.SIGTERM, signal.SIGINT), AT_ONCE, id="SIGTERM-then-SIGINT"),
    ],
)
def test_a_signal_during_a_write_that_never_answers_reports_it_unknown(
    stage: Stage, signals: tuple[signal.Signals, ...], bound: float
) -> None:
    """A role's apps PUT that never answers, inside apply's critical section: the first signal is
    not held for ever (the write is abandoned after the grace); a second ends the run at once.
    Either way the report so far is printed: done, not done, and the write unknown."""
    role = stage.world.role_id("Engineering")
    stage.world.api("PUT", f"/api/2/roles/{role}/apps", [])  # a change for apply to make
    try:
        stage.onelogin.hostile("PUT", f"/api/2/roles/{role}/apps", silent)
        out = stage.world.folder / "signal.txt"
        process = _start(stage, out, "--deadline", "0", "apply", "--auto-approve")
        assert stage.onelogin.seen.wait(60), out.read_text()
        send_apart(process, signals)
        sent = time.monotonic()  # the bound counts from the last signal
        try:
            code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        took = time.monotonic() - sent
        output = out.read_text()
        assert code == (143 if signals[0] == signal.SIGTERM else 130), output
        assert took < bound, f"{took:.1f} s\n{output}"
        assert "unknown" in output, output
        assert "check" in output, output
        assert "Traceback" not in output, output
        assert "This is a bug" not in output, output
    finally:
        stage.onelogin.hostile("GET", "/nowhere", silent)
        stage.world.cli("apply", "--auto-approve")  # the stage converged again for the next


def test_a_deadline_names_what_was_waited_on(stage: Stage) -> None:
    stage.onelogin.hostile("GET", "/api/2/roles", silent)
    run = run_cli(stage, "--deadline", "2", "plan")
    assert_clean(run, 2 + SLACK)
    assert "deadline of 2 s while waiting for GET /api/2/roles" in run.output, run.output


def test_the_deadline_option_is_checked(stage: Stage) -> None:
    run = run_cli(stage, "--deadline", "nan", "plan")
    assert run.code == 64, run.output
    assert "--deadline" in run.output


def test_loopback_only() -> None:
    """Every stand-in listens on 127.0.0.1 only."""
    stand = Stand("http://127.0.0.1:9")
    try:
        assert stand.server_address[0] == "127.0.0.1"
        with socket.create_connection(("127.0.0.1", stand.server_address[1]), timeout=2):
            pass
    finally:
        stand.close()
