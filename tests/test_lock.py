"""apply's lock per tenant and app (ops.lock): a second holder waits, then gives up; the lock
goes away with its holder however it ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from onelogin_scim_setup.errors import LockTimeout
from onelogin_scim_setup.ops.lock import default_lock_dir, held, lock_path

URL = "https://acme.onelogin.com"


class FakeTime:
    """A clock that moves only when slept on, so waiting is tested without real time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_second_holder_waits_with_one_message_then_times_out(tmp_path: Path) -> None:
    time, told = FakeTime(), []
    with (
        held(tmp_path, api_url=URL, app_name="SCIM SOE", timeout=300),
        pytest.raises(LockTimeout, match=rf"pid {os.getpid()}\) still holds the lock after 2 s"),
        held(
            tmp_path,
            api_url=URL,
            app_name="SCIM SOE",
            timeout=2,
            on_wait=told.append,
            sleep=time.sleep,
            clock=time.clock,
        ),
    ):
        pytest.fail("the lock was taken twice")
    assert told == [
        f"waiting for another apply on {URL}/SCIM SOE (pid {os.getpid()}) to finish ..."
    ]
    assert sum(time.sleeps) == pytest.approx(2.0)


def test_zero_timeout_fails_at_once(tmp_path: Path) -> None:
    time = FakeTime()
    with (
        held(tmp_path, api_url=URL, app_name="SCIM SOE", timeout=300),
        pytest.raises(LockTimeout),
        held(
            tmp_path,
            api_url=URL,
            app_name="SCIM SOE",
            timeout=0,
            sleep=time.sleep,
            clock=time.clock,
        ),
    ):
        pytest.fail("the lock was taken twice")
    assert time.sleeps == []


def test_lock_is_free_again_after_its_holder_leaves(tmp_path: Path) -> None:
    with held(tmp_path, api_url=URL, app_name="SCIM SOE", timeout=0):
        pass
    with held(tmp_path, api_url=URL, app_name="SCIM SOE", timeout=0):
        pass


def test_another_app_or_tenant_has_its_own_lock(tmp_path: Path) -> None:
    with held(tmp_path, api_url=URL, app_name="SCIM SOE", timeout=0):
        with held(tmp_path, api_url=URL, app_name="SCIM SOE staging", timeout=0):
            pass
        with held(tmp_path, api_url="https://other.onelogin.com", app_name="SCIM SOE", timeout=0):
            pass


def test_lock_dies_with_a_killed_holder(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from onelogin_scim_setup.ops.lock import held\n"
            f"with held(Path({str(tmp_path)!r}), api_url={URL!r}, app_name='SCIM SOE', timeout=0):\n"
            "    print('locked', flush=True)\n"
            "    time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with (
            pytest.raises(LockTimeout, match=f"pid {holder.pid}"),
            held(tmp_path, api_url=URL, app_name="SCIM SOE", timeout=0),
        ):
            pytest.fail("the lock was taken twice")
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
    with held(tmp_path, api_url=URL, app_name="SCIM SOE", timeout=0):
        pass


def test_lock_file_is_named_by_a_digest_of_tenant_and_app(tmp_path: Path) -> None:
    path = lock_path(tmp_path, URL + "/", "SCIM SOE")
    assert path.parent == tmp_path
    assert path == lock_path(tmp_path, URL, "SCIM SOE")
    assert "SCIM" not in path.name
    assert path.suffix == ".lock"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"ONELOGIN_SCIM_LOCK_DIR": "/x/locks"}, "/x/locks"),
        ({"XDG_STATE_HOME": "/state"}, "/state/onelogin-scim-setup/locks"),
        (
            {"ONELOGIN_SCIM_LOCK_DIR": "/x/locks", "XDG_STATE_HOME": "/state"},
            "/x/locks",
        ),
    ],
)
def test_lock_folder_comes_from_the_environment(environ: dict[str, str], expected: str) -> None:
    assert default_lock_dir(environ) == Path(expected)


def test_lock_folder_defaults_to_the_users_state_folder() -> None:
    assert default_lock_dir({"HOME": "/home/u"}) == Path(
        "/home/u/.local/state/onelogin-scim-setup/locks"
    )
