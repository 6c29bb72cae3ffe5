"""Start-up cost of the CLI against a bare two-command Typer app, measured side by side in one run.

Run: python benchmarks/startup.py [--runs N]
Prints the median wall time of `--help` and of `validate` (on config.example.yaml), each next to the
bare app doing the same (`--help`; a command that prints one line), and their ratios. Runs are
interleaved so machine load hits both sides alike. Not a test: it only reports.
"""

from __future__ import annotations

import argparse
import os
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


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = {**os.environ, "SOE_SCIM_TOKEN": "x" * 40, "PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory() as folder:
        bare = Path(folder) / "bare.py"
        bare.write_text(BARE, encoding="utf-8")
        tool = [sys.executable, "-m", "onelogin_scim_setup"]
        pairs = {
            "--help": ([*tool, "--help"], [sys.executable, str(bare), "--help"]),
            "validate": (
                [*tool, "-c", str(ROOT / "config.example.yaml"), "validate"],
                [sys.executable, str(bare), "hello"],
            ),
        }
        times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in pairs}
        for command, base in pairs.values():  # warm the file cache and the bytecode
            timed(command, env)
            timed(base, env)
        for _ in range(args.runs):
            for name, (command, base) in pairs.items():
                times[name][0].append(timed(command, env))
                times[name][1].append(timed(base, env))
    print(
        f"{'command':<10} {'tool (ms)':>10} {'bare (ms)':>10} {'ratio':>7}  (median of {args.runs})"
    )
    for name, (tool_times, bare_times) in times.items():
        ours, theirs = statistics.median(tool_times), statistics.median(bare_times)
        print(f"{name:<10} {ours * 1000:10.1f} {theirs * 1000:10.1f} {ours / theirs:7.2f}")


if __name__ == "__main__":
    main()
