"""The entry point (`__main__.run`): the collector around start-up and exit, Ctrl-C while loading."""

from __future__ import annotations

import gc
import sys
import types
from collections.abc import Callable, Iterator

import pytest

from onelogin_scim_setup import __main__ as entry


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
