"""Prints how long the CLI takes to refuse the inputs that used to crash or hang (issue 8).

Run: python benchmarks/hostile_input.py
Not a test: it asserts nothing and only reports wall time, CPU time (this process's children: the
CLI and its template renderer; meaningful on a busy machine) and exit code per case. Every base URL
points at 127.0.0.1:9 (discard); nothing is sent anywhere, since each input is refused first.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

BASE = {
    "onelogin": {"base_url": "http://127.0.0.1:9"},
    "soe": {"scim_base_url": "http://127.0.0.1:9/api/scim/v2"},
}


def config_with_template(folder: Path, text: str) -> Path:
    (folder / "t.j2").write_text(text, encoding="utf-8")
    path = folder / "template.yaml"
    path.write_text(yaml.safe_dump({**BASE, "template": {"path": "t.j2"}}), encoding="utf-8")
    return path


def cases(folder: Path) -> dict[str, list[str]]:
    big = folder / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    deep = folder / "deep.yaml"
    deep.write_text("onelogin: " + "[" * 5000 + "]" * 5000, encoding="utf-8")
    fifo = folder / "fifo.yaml"
    os.mkfifo(fifo)
    loops = "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}"
    escape = '{{ placeholder.__globals__.__builtins__.__import__("os").popen("id").read() }}'
    return {
        "baseline: --version": ["--version"],
        "50 MB config": ["-c", str(big), "validate"],
        "YAML nested 5,000 deep": ["-c", str(deep), "validate"],
        "config is a FIFO": ["-c", str(fifo), "validate"],
        "config is /dev/zero": ["-c", "/dev/zero", "validate"],
        "template: nested loops (CPU cap)": [
            "-c",
            str(config_with_template(folder, loops)),
            "validate",
        ],
        "template: __globals__ escape": [
            "-c",
            str(config_with_template(folder, escape)),
            "validate",
        ],
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for label, args in cases(folder).items():
            started = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run(
                [sys.executable, "-m", "onelogin_scim_setup", *args],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            elapsed = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            print(f"{label:40} exit {done.returncode}  wall {elapsed:6.2f} s  cpu {cpu:5.2f} s")


if __name__ == "__main__":
    main()
