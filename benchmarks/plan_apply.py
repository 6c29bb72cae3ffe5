"""Prints figures for plan and apply against the sandbox: wall time, API calls, peak memory.

Run: python benchmarks/plan_apply.py [--users N] [--runs N] [--latency SECONDS]
Not a test: it asserts nothing and only reports, so targets can be compared across changes.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import requests

from onelogin_scim_setup.cli.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, write_demo_files
from onelogin_scim_setup.ops.apply import apply_plan
from onelogin_scim_setup.ops.plan import compute_plan, connect
from onelogin_scim_setup.ops.prepare import prepare
from onelogin_scim_setup.sandbox import FaultSpec, Sandbox, SandboxOptions


def calls(onelogin_url: str) -> int:
    count = len(requests.get(f"{onelogin_url}/_sandbox/requests", timeout=10).json())
    requests.delete(f"{onelogin_url}/_sandbox/requests", timeout=10)
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.0, help="added to every API answer")
    parser.add_argument("--page-size", type=int, default=50)
    args = parser.parse_args()
    environ = {"ONELOGIN_CLIENT_ID": DEMO_CLIENT_ID, "ONELOGIN_CLIENT_SECRET": DEMO_CLIENT_SECRET}
    options = SandboxOptions(page_size=args.page_size, faults=FaultSpec(latency=args.latency))
    with Sandbox(options) as sandbox, tempfile.TemporaryDirectory() as folder:
        config = write_demo_files(Path(folder), sandbox.onelogin_url, sandbox.soe_scim_url)
        prepared = prepare(config, environ)
        calls(sandbox.onelogin_url)
        tracemalloc.start()
        with connect(prepared, environ) as client:
            started = time.perf_counter()
            computed = compute_plan(prepared, client)
            first_plan = time.perf_counter() - started
            plan_calls = calls(sandbox.onelogin_url)
            started = time.perf_counter()
            apply_plan(computed, client)
            apply_time = time.perf_counter() - started
            apply_calls = calls(sandbox.onelogin_url)
            timings = []
            for _ in range(args.runs):
                started = time.perf_counter()
                compute_plan(prepared, client)
                timings.append(time.perf_counter() - started)
            converged_calls = calls(sandbox.onelogin_url) // max(args.runs, 1)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(
        f"plan on a fresh tenant:   {first_plan * 1000:8.1f} ms, {plan_calls} API calls (incl. token)"
    )
    print(f"apply on a fresh tenant:  {apply_time * 1000:8.1f} ms, {apply_calls} API calls")
    print(
        f"plan when converged:      {statistics.median(timings) * 1000:8.1f} ms median of {args.runs}, "
        f"{converged_calls} API calls per plan"
    )
    print(f"peak traced memory:       {peak / 1024:8.1f} KiB")


if __name__ == "__main__":
    main()
