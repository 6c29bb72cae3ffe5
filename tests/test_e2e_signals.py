"""SIGINT, a double SIGINT and SIGTERM at several points of `apply` and `verify --e2e`, sent to the
real CLI in its own process while it talks to the sandbox on 127.0.0.1 (with latency, so it is
mid-run). Nothing is lost: apply reports what it did and did not do and a rerun converges; the
round trip's test user is back in OneLogin and SOE every time."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from onelogin_scim_setup.sandbox import FaultSpec
from tests.helpers.cli_forks import ForkedRun
from tests.helpers.requests_log import api_writes
from tests.sandbox_world import World, world

ALICE = "alice@example.com"
EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}
SLOW_USERS = {"/api/2/users/": {"latency": 0.4}}


def when(condition: Callable[[], bool], process: ForkedRun, limit: float = 60) -> None:
    """Poll the sandbox until `condition` holds (the process is then mid-run)."""
    deadline = time.monotonic() + limit
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the CLI ended (exit {process.returncode}) before the signal was sent")
        if time.monotonic() > deadline:
            pytest.fail("the sandbox never saw the requests the test waits for")
        time.sleep(0.005)


def send(process: ForkedRun, signals: tuple[int, ...]) -> tuple[str, str]:
    for index, signum in enumerate(signals):
        if index:
            time.sleep(0.05)  # a second Ctrl-C, as a hurried person presses it
        process.send_signal(signum)
    return process.communicate(timeout=120)


# (signals, writes the sandbox has seen when they are sent); a fresh apply makes about 9 writes
# (one app PUT for everything on the app), so the last case leaves at least one still to do.
APPLY_CASES = [
    ((signal.SIGINT,), 1),
    ((signal.SIGTERM,), 2),
    ((signal.SIGINT, signal.SIGINT), 4),
    ((signal.SIGTERM,), 6),
    ((signal.SIGINT,), 5),
    ((signal.SIGINT, signal.SIGTERM), 7),
]


@pytest.mark.parametrize(("signals", "writes"), APPLY_CASES)
def test_interrupted_apply_reports_and_a_rerun_converges(
    tmp_path: Path, quirks_profile: str, signals: tuple[int, ...], writes: int
) -> None:
    with world(tmp_path, quirks_profile, faults=FaultSpec(latency=0.05)) as running:
        process = running.start("apply", "--auto-approve")
        when(lambda: len(api_writes(running.requests_log())) >= writes, process)
        stdout, stderr = send(process, signals)
        assert process.returncode == EXIT[signals[0]], stdout + stderr
        assert "Traceback" not in stderr
        assert f"interrupted by {signal.Signals(signals[0]).name}" in stderr
        assert "Done (" in stderr
        assert "Not done (" in stderr
        running.set_faults(latency=0.0)
        # The operator reruns after reading the report: the field the first run created has its
        # mapping action listed by then (a rerun within the job's delay is a conflict, by design).
        running.wait_for_field_actions()
        rerun = running.cli("apply", "--auto-approve")
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        settled = running.cli("plan", "--detailed-exitcode")
        assert settled.returncode == 0, settled.stdout + settled.stderr
        state = running.onelogin_state()
    assert [a["name"] for a in state["apps"]].count("SCIM SOE") == 1
    owned = [m["name"] for m in state["mappings"] if m["name"].startswith("onelogin-scim-setup")]
    assert len(owned) == len(set(owned)) == 2


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_apply_interrupted_while_reading_says_nothing_changed(
    tmp_path: Path, quirks_profile: str, signum: int
) -> None:
    with world(tmp_path, quirks_profile, faults=FaultSpec(latency=0.05)) as running:
        process = running.start("apply", "--auto-approve")
        when(lambda: len(running.requests_log()) >= 3, process)
        stdout, stderr = send(process, (signum,))
        log = running.requests_log()
    assert process.returncode == EXIT[signum], stdout + stderr
    assert "Traceback" not in stderr
    assert "Nothing was changed in OneLogin." in stderr
    assert api_writes(log) == []


@pytest.fixture
def converged(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    with world(tmp_path, quirks_profile, expose_scim_configuration=True) as running:
        applied = running.cli("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        running.play_admin(template=running.cli("render").stdout)
        running.clear_requests_log()
        yield running


def user_puts(running: World) -> int:
    return sum(
        1
        for entry in running.requests_log()
        if entry["method"] == "PUT" and str(entry["path"]).startswith("/api/2/users/")
    )


def alice_in_onelogin(running: World) -> Any:
    user = next(u for u in running.onelogin_state()["users"] if u["email"] == ALICE)
    return user["custom_attributes"].get("userType")


# (signals, user PUTs seen when they are sent): 1 = the test value is set (the round trip waits for
# SOE), 2 = the restore has begun.
E2E_CASES = [
    ((signal.SIGINT,), 1),
    ((signal.SIGINT, signal.SIGINT), 1),
    ((signal.SIGTERM,), 1),
    ((signal.SIGTERM, signal.SIGINT), 1),
    ((signal.SIGINT,), 2),
    ((signal.SIGTERM,), 2),
    ((signal.SIGTERM, signal.SIGTERM), 2),
]
AT_ONCE = 3.0  # seconds from a second signal to the exit: no request is waited for any more


@pytest.mark.parametrize(("signals", "puts"), E2E_CASES)
def test_interrupted_round_trip_restores_the_test_user(
    converged: World, signals: tuple[int, ...], puts: int
) -> None:
    """One signal: the restore runs to its end before the exit. A second: the run ends at once,
    saying whether the restore was done; if it was not, the journal holds the original and the
    next `verify --e2e` puts the test user back before anything else."""
    running = converged
    # SOE never shows the test value, so the round trip is still waiting when the signal comes.
    running.set_soe(allow_moderator_promotion=False)
    # Slow user writes keep the restore in flight long enough to be signalled during it.
    running.set_faults(per_endpoint=SLOW_USERS)
    e2e = ("verify", "--e2e", "--test-user", ALICE, "--timeout", "3", "--interval", "0.1")
    process = running.start(*e2e)
    when(lambda: user_puts(running) >= puts, process)
    for index, signum in enumerate(signals):
        if index:
            time.sleep(0.05)  # a second Ctrl-C, as a hurried person presses it
        process.send_signal(signum)
    last = time.monotonic()
    stdout, stderr = process.communicate(timeout=120)
    took = time.monotonic() - last
    running.set_faults(per_endpoint={})
    assert process.returncode == EXIT[signals[0]], stdout + stderr
    assert "Traceback" not in stderr
    if len(signals) == 1:
        assert "restored: OneLogin and SOE are back" in stderr
    else:
        assert took < AT_ONCE, f"{took:.1f} s after the second signal\n{stderr}"
        if "restored: OneLogin and SOE are back" not in stderr:
            assert "NOT restored" in stderr, stderr
            assert "run verify --e2e again: its journal" in " ".join(stderr.split()), stderr
            # The abandoned write may still land (the slow endpoint takes 0.4 s): let it, as the
            # next run of a person would come later, then run verify --e2e again.
            time.sleep(1.0)
            again = running.cli(*e2e)
            assert "Traceback" not in again.stderr, again.stderr
            assert "an earlier round trip did not finish" in again.stdout + again.stderr
    assert not alice_in_onelogin(running)
    soe_alice = running.soe_user(ALICE)
    assert soe_alice is not None
    assert soe_alice["userType"] == "Registered"


def test_round_trip_that_cannot_restore_prints_the_manual_step(converged: World) -> None:
    running = converged
    running.set_soe(allow_moderator_promotion=False)
    running.set_faults(per_endpoint=SLOW_USERS)
    process = running.start(
        "verify", "--e2e", "--test-user", ALICE, "--timeout", "3", "--interval", "0.1"
    )
    when(lambda: user_puts(running) >= 1, process)
    # OneLogin stops answering user writes, so the restore cannot happen.
    running.set_faults(per_endpoint={"/api/2/users/": {"error_rate": 1.0}})
    stdout, stderr = send(process, (signal.SIGTERM,))
    assert process.returncode == 143, stdout + stderr
    assert "Traceback" not in stderr
    assert "NOT restored" in stderr
    assert f"set the custom user field 'userType' of {ALICE}" in stderr
    assert "to Registered" in stderr


@pytest.mark.one_profile("the signal lands during start-up, before any request")
@pytest.mark.parametrize(
    "imported", ["click", "typer", "rich.console", "pydantic", "onelogin_scim_setup.cli"]
)
def test_ctrl_c_during_start_up_prints_no_traceback(tmp_path: Path, imported: str) -> None:
    """The signal is sent when a given module has just been imported (`-X importtime` tells), so it
    lands in the CLI's start-up (its imports), not in the interpreter's own or in runpy's, before
    any of the tool's code runs (which Python reports itself)."""
    (tmp_path / "config.yaml").write_text("onelogin: {subdomain: acme}\n", encoding="utf-8")
    command = [sys.executable, "-X", "importtime", "-m", "onelogin_scim_setup"]
    process = subprocess.Popen(
        [*command, "-c", "config.yaml", "validate"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if line.rstrip().split("|")[-1].strip() == imported:
            break
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=60)
    assert "Traceback" not in rest
    # Interrupted (130), or finished before the signal arrived (validate of a bad config exits 1).
    # On a loaded machine the signal can also land in the interpreter's own start-up or shutdown,
    # where Python answers it by dying of SIGINT (-2), as it does for any program: never a traceback.
    assert process.returncode in (130, 1, -signal.SIGINT), rest
