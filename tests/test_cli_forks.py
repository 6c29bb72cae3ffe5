"""The fork server that runs the CLI in child processes for the hostile corpus
(tests/helpers/cli_forks.py): a child is the CLI's process (its exit code, output, environment,
folder and signals), and its peak memory is read."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from onelogin_scim_setup import __version__
from tests.helpers.cli_forks import CliForks


@pytest.fixture(scope="module")
def forks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliForks]:
    server = CliForks(tmp_path_factory.mktemp("forks") / "server.log")
    try:
        yield server
    finally:
        server.close()


def test_a_child_runs_the_cli_and_ends_with_its_exit_code(forks: CliForks, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    child = forks.start(["--version"], dict(os.environ), tmp_path, out)
    assert child.pid != os.getpid()
    assert child.wait(timeout=60) == 0
    assert __version__ in out.read_text("utf-8")
    assert 10 < child.peak_mb < 300  # the child's own peak (the CLI's modules are in it)

    refused = forks.start(["--deadline", "nan", "plan"], dict(os.environ), tmp_path, out)
    assert refused.wait(timeout=60) == 64  # a usage error, on stderr, into the same file
    assert "--deadline" in out.read_text("utf-8")


def test_a_child_takes_the_runs_environment_and_folder(forks: CliForks, tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("onelogin: [not, a, mapping]\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONELOGIN_", "SOE_"))}
    out = tmp_path / "out.txt"
    # The relative config path is found in the run's folder, not the server's.
    child = forks.start(["-c", "config.yaml", "validate"], env, tmp_path, out)
    code = child.wait(timeout=60)
    output = out.read_text("utf-8")
    assert code not in (0, 64), output
    assert "config.yaml" in output, output
    assert "No such file" not in output, output
    assert "not found" not in output.lower(), output


def test_two_children_run_at_once_with_their_output_piped(forks: CliForks, tmp_path: Path) -> None:
    waiting = forks.start(["sandbox"], dict(os.environ), tmp_path)  # serves until Ctrl-C
    quick = forks.start(["--version"], dict(os.environ), tmp_path)
    stdout, stderr = quick.communicate(timeout=60)
    assert quick.returncode == 0, stderr
    assert __version__ in stdout
    assert waiting.poll() is None
    # Signalled once it serves (a signal during its start-up would end it before it says where).
    assert waiting.stdout is not None
    shown = ""
    for line in waiting.stdout:
        shown += line
        if "Press Ctrl-C" in line:
            break
    waiting.send_signal(signal.SIGINT)
    stdout, stderr = waiting.communicate(timeout=60)
    assert waiting.returncode in (0, 130), shown + stdout + stderr
    assert "127.0.0.1" in shown


def test_a_signal_reaches_the_child(forks: CliForks, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    # `sandbox` serves until Ctrl-C: a CLI process that waits for a signal.
    child = forks.start(["sandbox"], dict(os.environ), tmp_path, out)
    ends = time.monotonic() + 60
    while not (out.exists() and out.read_text("utf-8").strip()) and time.monotonic() < ends:
        time.sleep(0.1)
    with pytest.raises(subprocess.TimeoutExpired):
        child.wait(timeout=0.2)
    child.send_signal(signal.SIGINT)
    code = child.wait(timeout=60)
    assert code in (0, 130), out.read_text("utf-8")
