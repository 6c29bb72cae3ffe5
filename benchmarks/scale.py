"""Prints what plan and apply cost at organization size: API calls by kind, wall time, round-trip
equivalents (wall / latency) and peak memory, against a sandbox tenant of N users.

Run: python benchmarks/scale.py            # N = 20,000; k = 10, 1,000, 10,000; latency 0 and 0.05 s
     python benchmarks/scale.py --quick    # N = 2,000; k = 10, 100, 1,000 (well under a minute)
Options: --users N --entries 10,1000 --latencies 0,0.05 --concurrency 8 --roles 100
         --plan-only: entries that already match the seeded tenant; only the converged plan runs
         --warm: after each converged plan (cold), the same plan again with what the first one
                 left in the state folder (the warm plan of issue 22's incremental reads)
Issue 22's figures: --plan-only --entries 10000 (N = 20,000, cold; add --warm for the warm one)
and --plan-only --users 50000 --entries 50000 (k = 50,000 from a users_file).

For each latency and k it runs the engine (the CLI's own entry points) in a child process: `apply`
that changes the k users' department, then `plan` on the converged tenant. Each cold run gets a
fresh, empty state folder (XDG_STATE_HOME, where the tool keeps what outlives a run), so nothing
an earlier run left can make it cheaper; `--warm` runs the plan once more on the same folder. The wall time is the
child's, from the first API call to the last (interpreter start-up and imports excluded: see
benchmarks/startup.py); the peak RSS is the child's, read by the parent with
getrusage(RUSAGE_CHILDREN) from a one-child wrapper. The sandbox's hourly budget is raised so the largest apply is
not refused (at k = 10,000 it needs more than OneLogin's 5,000 calls an hour: apply would refuse up
front). Not a test: it asserts nothing and only reports.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests
import yaml

from onelogin_scim_setup.cli.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, demo_config
from onelogin_scim_setup.sandbox import FaultSpec, Sandbox, SandboxOptions
from onelogin_scim_setup.secrets.sources import deliver_to_file

YAML_ENTRIES = 10_000  # more per-user entries than this are written to promotions.users_file
WRAPPER = (
    "import resource, subprocess, sys; "
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "sys.stderr.write(done.stderr); "
    "print(done.stdout.strip() or 'failed', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)
CHILD = """
import sys, time
from pathlib import Path
from onelogin_scim_setup.ops.prepare import prepare
from onelogin_scim_setup.ops.apply import apply_plan
from onelogin_scim_setup.ops.plan import compute_plan, connect
from onelogin_scim_setup.errors import SetupError
import os
prepared = prepare(Path(sys.argv[2]), os.environ)
started = time.perf_counter()
code = 0
try:
    with connect(prepared, os.environ) as client:
        computed = compute_plan(prepared, client)
        if sys.argv[1] == "apply":
            # force: every run changes all k users, past the safety threshold by design.
            apply_plan(
                computed, client, rate_reserve=prepared.config.onelogin.rate_reserve, force=True
            )
except SetupError as error:
    print(error, file=sys.stderr)
    code = 1
import resource
usage = resource.getrusage(resource.RUSAGE_SELF)
print(f"{time.perf_counter() - started:.4f},{code},{usage.ru_utime + usage.ru_stime:.2f}")
"""


def kind(entry: dict[str, Any]) -> str:
    path = str(entry["path"])
    for prefix, name in (
        ("/api/2/users/custom_attributes", "custom fields"),
        ("/api/2/users/", "user by id"),
        ("/api/2/users", "user list"),
        ("/api/2/roles", "roles"),
        ("/api/2/mappings", "mappings"),
        ("/api/2/apps", "apps"),
        ("/api/2/connectors", "connectors"),
        ("/auth/", "auth"),
    ):
        if path.startswith(prefix):
            lookup = name == "user list" and "email" in (entry.get("query") or {})
            return f"{entry['method']} {'user lookup' if lookup else name}"
    return f"{entry['method']} {path}"


def run_child(
    config: Path, environ: dict[str, str], operation: str, state: Path | None = None
) -> tuple[float, int, int, float]:
    """(wall seconds, exit code, peak RSS in MiB, CPU seconds) of one plan or apply in its own
    process (the CPU time includes imports). `state`: the state folder to run with (the warm
    plan's, kept from its cold run); None: a fresh one, removed afterwards (a cold run)."""
    if state is None:
        with tempfile.TemporaryDirectory() as fresh:
            return run_child(config, environ, operation, Path(fresh))
    command = [sys.executable, "-c", CHILD, operation, str(config)]
    answer = subprocess.run(
        [sys.executable, "-c", WRAPPER, *command],
        env={**environ, "XDG_STATE_HOME": str(state)},
        capture_output=True,
        text=True,
        check=True,
    )
    timing, rss_kib = answer.stdout.split()
    if "," not in timing:  # the child stopped before its first call (a config it refused, ...)
        raise SystemExit(f"the {operation} child failed:\n{answer.stderr.strip()[-2000:]}")
    wall, code, cpu = timing.split(",")
    return float(wall), int(code), int(rss_kib) // 1024, float(cpu)


def requests_log(url: str) -> list[dict[str, Any]]:
    log = requests.get(f"{url}/_sandbox/requests", timeout=30).json()
    requests.delete(f"{url}/_sandbox/requests", timeout=30)
    return list(log)


def write_config(
    folder: Path, sandbox: Sandbox, entries: int, concurrency: int, *, converged: bool = False
) -> Path:
    token_file = folder / "token"
    if not token_file.exists():
        deliver_to_file(token_file, "benchmark-scim-token-0123456789abcdef")
    data = demo_config(sandbox.onelogin_url, sandbox.soe_scim_url, token_file)
    data["onelogin"]["concurrency"] = concurrency
    users = [
        # The sandbox seeds user i with department "Dept <i % 10>" (docs/sandbox.md, Scale).
        {
            "email": f"user{i:05d}@example.com",
            "department": f"Dept {i % 10}" if converged else f"Bench {entries}",
        }
        for i in range(1, entries + 1)
    ]
    if entries > YAML_ENTRIES:  # the config file is capped at 1 MiB: the rest go in a CSV
        csv_path = folder / "users.csv"
        rows = [f"{u['email']},,{u['department']}," for u in users]
        csv_path.write_text("email,user_type,department,title\n" + "\n".join(rows) + "\n")
        data["promotions"]["users_file"] = str(csv_path)
        users = []
    data["promotions"]["users"] = users
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def line(
    label: str, wall: float, latency: float, log: list[dict[str, Any]], rss: int, cpu: float
) -> str:
    trips = f"{wall / latency:8.1f}" if latency else "       -"
    kinds = ", ".join(f"{name} {count}" for name, count in sorted(Counter(map(kind, log)).items()))
    return (
        f"  {label:<14} {len(log):6d} calls {wall:8.2f} s {trips} RTT {rss:5d} MiB "
        f"{cpu:6.2f} s CPU  [{kinds}]"
    )


def converged_plans(
    config: Path, environ: dict[str, str], sandbox: Sandbox, latency: float, *, warm: bool
) -> None:
    """The converged plan cold (a fresh state folder) and, with `warm`, again on the folder the
    cold one left: the hook for issue 22's warm plan (incremental reads, `updated_since` and a
    snapshot of the last read). Until those are built the warm plan reads what the cold one does."""
    with tempfile.TemporaryDirectory() as state:
        for label in ("converged plan", "  warm")[: 2 if warm else 1]:
            wall, code, rss, cpu = run_child(config, environ, "plan", Path(state))
            log = requests_log(sandbox.onelogin_url)
            failed = f" (exit {code})" if code else ""
            print(line(label, wall, latency, log, rss, cpu) + failed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="N = 2,000; k = 10, 100, 1,000")
    parser.add_argument("--users", type=int)
    parser.add_argument("--roles", type=int, default=100)
    parser.add_argument("--entries", help="comma-separated k values")
    parser.add_argument("--latencies", default="0,0.05", help="comma-separated seconds")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--plan-only", action="store_true", help="converged plans only")
    parser.add_argument(
        "--warm", action="store_true", help="each converged plan again, warm (issue 22)"
    )
    args = parser.parse_args()
    users = args.users or (2000 if args.quick else 20000)
    entries = [
        int(k)
        for k in (args.entries or ("10,100,1000" if args.quick else "10,1000,10000")).split(",")
    ]
    latencies = [float(x) for x in args.latencies.split(",")]
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ONELOGIN_", "SOE_"))},
        "ONELOGIN_CLIENT_ID": DEMO_CLIENT_ID,
        "ONELOGIN_CLIENT_SECRET": DEMO_CLIENT_SECRET,
    }
    print(f"N = {users:,} users, {args.roles} roles; onelogin.concurrency {args.concurrency}")
    for latency in latencies:
        options = SandboxOptions(
            users=users,
            roles=args.roles,
            page_size=100,
            rate_limit_per_hour=10_000_000,
            faults=FaultSpec(latency=latency),
        )
        started = time.perf_counter()
        with Sandbox(options) as sandbox, tempfile.TemporaryDirectory() as folder:
            print(f"latency {latency} s (sandbox seeded in {time.perf_counter() - started:.1f} s)")
            config = write_config(Path(folder), sandbox, 0, args.concurrency)
            wall, code, rss, cpu = run_child(config, environ, "apply")
            print(line("setup apply", wall, latency, requests_log(sandbox.onelogin_url), rss, cpu))
            for k in entries:
                if args.plan_only:
                    config = write_config(
                        Path(folder), sandbox, k, args.concurrency, converged=True
                    )
                    requests_log(sandbox.onelogin_url)
                    print(f" k = {k:,}")
                    converged_plans(config, environ, sandbox, latency, warm=args.warm)
                    continue
                config = write_config(Path(folder), sandbox, k, args.concurrency)
                wall, code, rss, cpu = run_child(config, environ, "apply")
                log = requests_log(sandbox.onelogin_url)
                print(f" k = {k:,}" + ("" if code == 0 else f" (apply exit {code})"))
                print(line("apply", wall, latency, log, rss, cpu))
                converged_plans(config, environ, sandbox, latency, warm=args.warm)
    print(json.dumps({"python": sys.version.split()[0]}))


if __name__ == "__main__":
    main()
