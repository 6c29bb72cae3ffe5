"""Start-up cost of the CLI against a bare two-command Typer app, measured side by side in one run.

Run: python benchmarks/startup.py [--runs N]
Prints the median wall and CPU time of `--help` and of `validate` (on config.example.yaml), each next
to the bare app doing the same (`--help`; a command that prints one line), and their ratios; then
`validate` of a config whose `promotions.users_file` has 10,000 rows, against its 2 s target.
Runs are interleaved so machine load hits both sides alike. Not a test: it only reports.

The tool's entry point keeps the cyclic garbage collector off while the CLI loads and freezes what
exists at exit (`onelogin_scim_setup/__main__.py`). The last column compares like with like: the
same bare app given the same collector treatment, so the ratio there is what our imports and work
cost, apart from the collector.

The package's bytecode is compiled first (`compileall`, as `pip install` does for a regular
install): typer, rich and pydantic come precompiled from their wheels, and an editable checkout run
with PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module of ours on every run.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE = '''
import typer

app = typer.Typer(add_completion=False)


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    print(f"hello {name}")


@app.command()
def bye() -> None:
    """Say bye."""
    print("bye")


if __name__ == "__main__":
    app()
'''
# The bare app with the collector treatment of onelogin_scim_setup/__main__.py.
BARE_GC = BARE.replace(
    "import typer\n", "import gc\n\ngc.disable()\nimport typer\n\ngc.freeze()\ngc.enable()\n", 1
).replace("    app()\n", "    try:\n        app()\n    finally:\n        gc.freeze()\n")
CSV_ROWS = 10_000
CSV_TARGET_SECONDS = 2.0


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, cwd=ROOT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def write_csv_config(folder: Path) -> Path:
    """config.example.yaml with a `promotions.users_file` of CSV_ROWS valid rows."""
    types = ("Registered", "Moderator", "Admin")
    rows = [
        f"user{n}@example.com,{types[n % 3]},Department {n % 50},Title {n % 20}"
        for n in range(CSV_ROWS)
    ]
    (folder / "promotions.csv").write_text(
        "email,user_type,department,title\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    example = (ROOT / "templates" / "config.example.yaml").read_text(encoding="utf-8")
    line = "  # users_file: promotions.csv"
    assert line in example, f"config.example.yaml no longer has {line!r}"
    config = folder / "config.yaml"
    config.write_text(example.replace(line, "  users_file: promotions.csv"), encoding="utf-8")
    return config


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    compileall.compile_dir(ROOT / "onelogin_scim_setup", quiet=1)
    env = {**os.environ, "SOE_SCIM_TOKEN": "x" * 40, "PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory() as folder:
        bare = Path(folder) / "bare.py"
        bare.write_text(BARE, encoding="utf-8")
        bare_gc = Path(folder) / "bare_gc.py"
        bare_gc.write_text(BARE_GC, encoding="utf-8")
        csv_config = write_csv_config(Path(folder))
        tool = [sys.executable, "-m", "onelogin_scim_setup"]
        runs = {
            "--help": (
                [*tool, "--help"],
                [sys.executable, str(bare), "--help"],
                [sys.executable, str(bare_gc), "--help"],
            ),
            "validate": (
                [*tool, "-c", str(ROOT / "templates" / "config.example.yaml"), "validate"],
                [sys.executable, str(bare), "hello"],
                [sys.executable, str(bare_gc), "hello"],
            ),
        }
        csv_validate = [*tool, "-c", str(csv_config), "validate"]
        samples: dict[str, tuple[list[tuple[float, float]], ...]] = {
            name: ([], [], []) for name in runs
        }
        csv_samples: list[tuple[float, float]] = []
        for commands in runs.values():  # warm the file cache
            for command in commands:
                timed(command, env)
        timed(csv_validate, env)
        for _ in range(args.runs):
            for name, commands in runs.items():
                for index, command in enumerate(commands):
                    samples[name][index].append(timed(command, env))
            csv_samples.append(timed(csv_validate, env))

    def median(values: list[tuple[float, float]], index: int) -> float:
        return statistics.median(value[index] for value in values) * 1000

    print(f"median of {args.runs} interleaved runs, ms")
    print(
        f"{'command':<10} {'':>5} {'tool':>8} {'bare':>8} {'ratio':>7} {'bare+gc':>8} {'ratio':>7}"
    )
    for name, (ours, theirs, theirs_gc) in samples.items():
        for index, kind in enumerate(("wall", "cpu")):
            mine, base, base_gc = (median(s, index) for s in (ours, theirs, theirs_gc))
            print(
                f"{name:<10} {kind:>5} {mine:8.1f} {base:8.1f} {mine / base:7.2f}"
                f" {base_gc:8.1f} {mine / base_gc:7.2f}"
            )
    wall, cpu = median(csv_samples, 0), median(csv_samples, 1)
    print(
        f"validate with a {CSV_ROWS:,}-row users_file: wall {wall:.0f} ms, cpu {cpu:.0f} ms "
        f"(target < {CSV_TARGET_SECONDS * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
