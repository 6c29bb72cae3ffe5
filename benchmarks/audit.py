"""Prints figures for `audit` at organization size: API calls against the listings' pages, wall time
at 0 and 0.05 s latency per answer, and the audit process's peak RSS.

Run: python benchmarks/audit.py [--quick] [--users 20000] [--soe-users 10000] [--roles 20]
     [--entries 10000]
Not a test: it asserts nothing and only reports. The tenant is set up (plan + apply, SOE's SCIM
switched on) before anything is measured; each audit then runs as the real CLI in its own process,
so its peak RSS comes from `os.wait4` (getrusage of that child alone).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests
import yaml

from onelogin_scim_setup.cli.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, demo_config
from onelogin_scim_setup.ops.apply import apply_plan
from onelogin_scim_setup.ops.plan import compute_plan, connect
from onelogin_scim_setup.ops.prepare import prepare
from onelogin_scim_setup.sandbox import Sandbox, SandboxOptions
from onelogin_scim_setup.secrets.sources import deliver_to_file

SOE_TOKEN = "benchmark-soe-scim-token-0123456789abcdef"  # noqa: S105 (a throwaway local value)
ENVIRON = {"ONELOGIN_CLIENT_ID": DEMO_CLIENT_ID, "ONELOGIN_CLIENT_SECRET": DEMO_CLIENT_SECRET}
PAGE = (
    50  # the sandbox's default page size: the user lists' 50 and the app users' 100 both cap here
)
SCIM_PAGE = 100
CONCURRENCY = 8  # onelogin.concurrency's default, which the demo config keeps


def setup(sandbox: Sandbox, folder: Path, roles: int, entries: int) -> Path:
    token_file = folder / "token"
    deliver_to_file(token_file, SOE_TOKEN)
    data = demo_config(sandbox.onelogin_url, sandbox.soe_scim_url, token_file)
    data["app"]["roles"] += [f"Role {j:03d}" for j in range(1, roles + 1)]
    if entries:
        # k per-user entries (what audit's policy looks up for every SOE user), in a users_file:
        # the seeded department of user i is "Dept <i % 10>" (docs/sandbox.md, Scale).
        rows = [f"user{i:05d}@example.com,,Dept {i % 10}," for i in range(1, entries + 1)]
        users_file = folder / "users.csv"
        users_file.write_text("email,user_type,department,title\n" + "\n".join(rows) + "\n")
        data["promotions"]["users_file"] = str(users_file)
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    prepared = prepare(path, ENVIRON)
    with connect(prepared, ENVIRON) as client:
        apply_plan(compute_plan(prepared, client), client)
    settings = {"scim_enabled": True, "bearer_token": SOE_TOKEN}
    requests.put(f"{sandbox.soe_url}/_sandbox/settings", json=settings, timeout=30)
    return path


def log(url: str) -> list[dict[str, str]]:
    entries = list(requests.get(f"{url}/_sandbox/requests", timeout=60).json())
    requests.delete(f"{url}/_sandbox/requests", timeout=60)
    return entries


def run_audit(config: Path) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in MB, exit code) of one `audit --output json` in its
    own process. CPU time is the figure to compare on a shared machine; wall time includes waits."""
    command = [
        sys.executable,
        "-m",
        "onelogin_scim_setup",
        "-c",
        str(config),
        "audit",
        "-o",
        "json",
    ]
    started = time.perf_counter()
    with open(os.devnull, "w") as sink:
        child = subprocess.Popen(command, stdout=sink, env={**os.environ, **ENVIRON})
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is KiB on Linux, bytes on macOS.
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - started, cpu, usage.ru_maxrss / scale, child.returncode


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20000)
    parser.add_argument("--soe-users", type=int, default=10000)
    parser.add_argument("--roles", type=int, default=20)
    parser.add_argument("--entries", type=int, default=10000, help="per-user entries (k)")
    parser.add_argument("--quick", action="store_true", help="2,000 / 1,000 users")
    args = parser.parse_args()
    users, soe_users = (2000, 1000) if args.quick else (args.users, args.soe_users)
    options = SandboxOptions(
        users=users, roles=args.roles, soe_users=soe_users, rate_limit_per_hour=10_000_000
    )
    started = time.perf_counter()
    with Sandbox(options) as sandbox, tempfile.TemporaryDirectory() as folder:
        entries = min(args.entries, users)
        config = setup(sandbox, Path(folder), args.roles, entries)
        print(
            f"tenant: {users + 5} OneLogin users, {soe_users} SOE users, {args.roles} extra roles; "
            f"k = {entries} per-user entries"
        )
        print(f"seed + setup: {time.perf_counter() - started:.1f} s")
        log(sandbox.onelogin_url), log(sandbox.soe_url)
        for latency in (0.0, 0.05):
            requests.put(
                f"{sandbox.onelogin_url}/_sandbox/faults", json={"latency": latency}, timeout=30
            )
            served = _own_cpu()
            seconds, cpu, rss, code = run_audit(config)
            served = _own_cpu() - served  # the sandbox runs in this process
            onelogin, soe = log(sandbox.onelogin_url), log(sandbox.soe_url)
            paths = Counter(entry["path"] for entry in onelogin)
            user_pages = paths.pop("/api/2/users", 0)
            app_pages = sum(n for path, n in paths.items() if path.endswith("/users"))
            constant = len(onelogin) - user_pages - app_pages
            print(
                f"latency {latency:.2f} s: {seconds:.1f} s wall ({cpu:.1f} s CPU in the audit, "
                f"{served:.1f} s in the sandbox), peak RSS {rss:.0f} MB, exit {code}; "
                f"OneLogin calls {len(onelogin)} = {user_pages} user pages "
                f"(expected {math.ceil((users + 5) / PAGE)}) + {app_pages} app-user pages "
                f"+ {constant} constant; SOE calls {len(soe)} "
                f"(expected {max(1, math.ceil(soe_users / SCIM_PAGE))} pages)"
            )
            if latency:
                # The target (issue 22): the reads at `concurrency` at once, plus half again.
                floor = (len(onelogin) + len(soe)) * latency / CONCURRENCY
                print(
                    f"  target: wall <= 1.5 x reads x latency / concurrency = {1.5 * floor:.2f} s "
                    f"(reads {len(onelogin) + len(soe)}, concurrency {CONCURRENCY}); "
                    f"{'met' if seconds <= 1.5 * floor else 'NOT met'} "
                    "(the wall includes the interpreter's start-up)"
                )


if __name__ == "__main__":
    main()
