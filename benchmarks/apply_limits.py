"""Prints two of issue 10's apply figures, each through the real CLI in its own process (start-up
included): the calls of a demo-size fresh apply, and how fast an apply that needs about 1,000 calls
is refused when the hourly budget has 50 left (and that it writes nothing).

Run: python benchmarks/apply_limits.py [--latencies 0,0.05] [--runs 3]
The refusal runs against a sandbox of 2,000 users (21 pages of 100) with 1,000 per-user entries on
a fresh tenant, as tests/test_e2e_scale.py does; the budget is set with the sandbox's
`PUT /_sandbox/rate_limit` (limit 5,000, 50 left, reset in 30 minutes). Not a test: it asserts
nothing and only reports medians.
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
from typing import Any

import requests
import yaml

from onelogin_scim_setup.cli.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, write_demo_files
from onelogin_scim_setup.sandbox import FaultSpec, Sandbox, SandboxOptions

WRITES = {"POST", "PUT", "DELETE", "PATCH"}


def cli(config: Path, environ: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    command = [sys.executable, "-m", "onelogin_scim_setup", "-c", str(config)]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "apply", "--auto-approve", "--force"],
        capture_output=True,
        text=True,
        env=environ,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - started, done


def drained_log(url: str) -> list[dict[str, Any]]:
    log = requests.get(f"{url}/_sandbox/requests", timeout=30).json()
    requests.delete(f"{url}/_sandbox/requests", timeout=30)
    return list(log)


def writes(log: list[dict[str, Any]]) -> int:
    return sum(1 for e in log if e["method"] in WRITES and not str(e["path"]).startswith("/auth/"))


def demo_apply(latency: float, environ: dict[str, str]) -> tuple[float, int]:
    options = SandboxOptions(faults=FaultSpec(latency=latency))
    with Sandbox(options) as sandbox, tempfile.TemporaryDirectory() as folder:
        config = write_demo_files(Path(folder), sandbox.onelogin_url, sandbox.soe_scim_url)
        drained_log(sandbox.onelogin_url)
        wall, done = cli(config, {**environ, "ONELOGIN_SCIM_LOCK_DIR": folder})
        if done.returncode != 0:
            raise SystemExit(f"demo apply failed:\n{done.stderr}")
        return wall, len(drained_log(sandbox.onelogin_url))


def refusal(latency: float, environ: dict[str, str]) -> tuple[float, int, int, int, str]:
    options = SandboxOptions(users=2000, roles=20, page_size=100, faults=FaultSpec(latency=latency))
    with Sandbox(options) as sandbox, tempfile.TemporaryDirectory() as folder:
        config = write_demo_files(Path(folder), sandbox.onelogin_url, sandbox.soe_scim_url)
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
        data["promotions"]["users"] = [
            {"email": f"user{i:05d}@example.com", "department": "Refused"} for i in range(1, 1001)
        ]
        config.write_text(yaml.safe_dump(data), encoding="utf-8")
        requests.put(
            f"{sandbox.onelogin_url}/_sandbox/rate_limit",
            json={"limit": 5000, "remaining": 50, "reset": 1800},
            timeout=30,
        )
        drained_log(sandbox.onelogin_url)
        wall, done = cli(config, {**environ, "ONELOGIN_SCIM_LOCK_DIR": folder})
        log = drained_log(sandbox.onelogin_url)
        message = " ".join(done.stderr.split())
        return wall, done.returncode, len(log), writes(log), message[:160]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latencies", default="0,0.05", help="comma-separated seconds")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ONELOGIN_", "SOE_"))},
        "ONELOGIN_CLIENT_ID": DEMO_CLIENT_ID,
        "ONELOGIN_CLIENT_SECRET": DEMO_CLIENT_SECRET,
    }
    for latency in (float(x) for x in args.latencies.split(",")):
        demo = [demo_apply(latency, environ) for _ in range(args.runs)]
        print(
            f"latency {latency} s: demo-size fresh apply {demo[0][1]} calls, "
            f"{statistics.median(w for w, _ in demo):.2f} s (CLI, median of {args.runs})"
        )
        refused = [refusal(latency, environ) for _ in range(args.runs)]
        _, code, calls, written, message = refused[0]
        print(
            f"latency {latency} s: 50 calls left, apply needing ~1,000: exit {code} in "
            f"{statistics.median(r[0] for r in refused):.2f} s (CLI, median of {args.runs}), "
            f"{calls} calls, {written} writes"
        )
        print(f"    {message}")


if __name__ == "__main__":
    main()
