"""The entry point (`__main__.run`): the collector around start-up and exit, Ctrl-C while loading."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from onelogin_scim_setup import __main__ as entry

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.enable()


def fake_cli(monkeypatch: pytest.MonkeyPatch, load: Callable[[], Callable[[], None]]) -> None:
    """`from onelogin_scim_setup.cli import main` runs `load` (the moment the CLI loads)."""
    module = types.ModuleType("onelogin_scim_setup.cli")

    def attribute(name: str) -> Callable[[], None]:
        if name != "main":
            raise AttributeError(name)
        return load()

    module.__getattr__ = attribute  # type: ignore[method-assign]
    monkeypatch.setitem(sys.modules, "onelogin_scim_setup.cli", module)


def test_the_collector_is_off_while_the_cli_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    def load() -> Callable[[], None]:
        seen.append(gc.isenabled())
        return lambda: None

    fake_cli(monkeypatch, load)
    entry.run()
    assert seen == [False]


def test_the_command_runs_with_the_collector_on_and_the_loaded_cli_frozen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, object] = {}

    def main() -> None:
        seen["enabled"], seen["frozen"] = gc.isenabled(), gc.get_freeze_count()

    fake_cli(monkeypatch, lambda: main)
    entry.run()
    assert seen["enabled"] is True  # a long apply collects its garbage as usual
    assert isinstance(seen["frozen"], int)
    assert seen["frozen"] > 0


def test_what_the_command_made_is_frozen_at_exit_even_when_it_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[list[int]] = []
    frozen_at_start: list[int] = []

    def main() -> None:
        frozen_at_start.append(gc.get_freeze_count())
        made.extend([n] for n in range(1_000))
        sys.exit(2)

    fake_cli(monkeypatch, lambda: main)
    with pytest.raises(SystemExit) as exited:
        entry.run()
    assert exited.value.code == 2
    assert gc.get_freeze_count() >= frozen_at_start[0] + len(made)


def test_ctrl_c_while_the_cli_loads_is_an_interruption_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def load() -> Callable[[], None]:
        raise KeyboardInterrupt

    fake_cli(monkeypatch, load)
    with pytest.raises(SystemExit) as exited:
        entry.run()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "Interrupted.\n"
    assert gc.isenabled()


HEAVY = ("requests", "urllib3", "onelogin_scim_setup.sandbox", "pydantic", "jinja2", "yaml")


@pytest.mark.parametrize(
    ("args", "loaded"),
    [
        pytest.param(["--help"], set(), id="help"),
        pytest.param(
            ["-c", "templates/config.example.yaml", "validate"],
            {"pydantic", "jinja2", "yaml"},
            id="validate",
        ),
    ],
)
def test_a_command_loads_only_what_it_needs(args: list[str], loaded: set[str]) -> None:
    """Start-up time: the HTTP stack and the sandbox stay unloaded until a command talks to a
    server; `--help` loads no config models, template engine or YAML parser."""
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['onelogin-scim-setup', *{args!r}]\n"
        "try:\n"
        "    runpy.run_module('onelogin_scim_setup', run_name='__main__')\n"
        "finally:\n"
        f"    heavy = {HEAVY!r}\n"
        "    found = {h for h in heavy for m in list(sys.modules) if m == h or m.startswith(h + '.')}\n"
        "    sys.stderr.write('LOADED ' + ' '.join(sorted(found)) + '\\n')\n"
    )
    env = {**os.environ, "SOE_SCIM_TOKEN": "x" * 40}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    report = done.stderr.rsplit("LOADED", 1)[1].split()
    assert set(report) == loaded
