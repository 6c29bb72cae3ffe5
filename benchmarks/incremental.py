"""Prints what a converged `plan` costs cold (a full read) and warm (only what changed since the
snapshot, docs/incremental.md), against a sandbox tenant of N users with 1% of them changed in
between by someone else.

Run: python benchmarks/incremental.py                 # N = 3,000 and 20,000; k = 1,000 entries
     python benchmarks/incremental.py --users 3000 --entries 1000 --churn 0.01
Each plan is the real CLI in its own process (`plan --state FILE`); the calls are the sandbox's
request log. Not a test: it asserts nothing and only reports (targets: warm <= 20 calls at
N = 3,000, <= 50 at N = 20,000).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import requests
import yaml

from onelogin_scim_setup.cli.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, demo_config
from onelogin_scim_setup.sandbox import Sandbox, SandboxOptions
from onelogin_scim_setup.secrets.sources import deliver_to_file


def log(url: str) -> list[dict[str, Any]]:
    entries = requests.get(f"{url}/_sandbox/requests", timeout=60).json()
    requests.delete(f"{url}/_sandbox/requests", timeout=60)
    return list(entries)


def cli(config: Path, environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "onelogin_scim_setup", "-c", str(config), *args]
    return subprocess.run(command, env=environ, capture_output=True, text=True, check=False)


def churn(url: str, user_ids: list[int]) -> None:
    """Another admin changes these users' department (each bumps `updated_at`)."""
    token = requests.post(
        f"{url}/auth/oauth2/v2/token",
        auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        json={"grant_type": "client_credentials"},
        timeout=10,
    ).json()["access_token"]
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        for user_id in user_ids:
            answer = session.put(
                f"{url}/api/2/users/{user_id}", json={"department": "Churned"}, timeout=10
            )
            answer.raise_for_status()


def kinds(entries: list[dict[str, Any]]) -> str:
    def kind(entry: dict[str, Any]) -> str:
        query = entry.get("query") or {}
        path = str(entry["path"])
        for key in ("updated_since", "created_until", "user_ids", "email"):
            if key in query:
                return f"users?{key}"
        return path if not path[-1].isdigit() else path.rsplit("/", 1)[0] + "/{id}"

    return ", ".join(f"{k} {n}" for k, n in sorted(Counter(map(kind, entries)).items()))


def run(users: int, entries: int, share: float, folder: Path, environ: dict[str, str]) -> None:
    options = SandboxOptions(users=users, roles=100, page_size=100, rate_limit_per_hour=10**7)
    with Sandbox(options) as sandbox:
        url = sandbox.onelogin_url
        token_file = folder / "token"
        deliver_to_file(token_file, "benchmark-scim-token-0123456789abcdef")
        data = demo_config(url, sandbox.soe_scim_url, token_file)
        rows = [f"user{i:05d}@example.com,,Dept {i % 10}," for i in range(1, entries + 1)]
        csv_path = folder / f"users-{users}.csv"
        csv_path.write_text("email,user_type,department,title\n" + "\n".join(rows) + "\n")
        data["promotions"]["users_file"] = str(csv_path)
        config = folder / f"config-{users}.yaml"
        config.write_text(yaml.safe_dump(data), encoding="utf-8")
        state = folder / f"state-{users}.json"
        applied = cli(config, environ, "apply", "--auto-approve", "--state", str(state))
        if applied.returncode not in (0, 2):
            raise SystemExit(applied.stderr[-2000:])
        log(url)
        cold = cli(config, environ, "plan", "--refresh", "--state", str(state))
        cold_log = log(url)
        warm0 = cli(config, environ, "plan", "--state", str(state))
        warm0_log = log(url)
        changed = max(1, int(users * share))
        everyone = sorted(
            u["id"] for u in requests.get(f"{url}/_sandbox/state", timeout=60).json()["users"]
        )
        step = max(1, len(everyone) // changed)
        churn(url, everyone[::step][:changed])
        log(url)
        warm = cli(config, environ, "plan", "--state", str(state))
        warm_log = log(url)
    print(f"N = {users:,} users, k = {entries:,} entries, {changed} users changed between plans")
    for label, done, entries_log in (
        ("cold plan", cold, cold_log),
        ("warm, no change", warm0, warm0_log),
        (f"warm, {share:.0%} churn", warm, warm_log),
    ):
        note = next((line for line in done.stderr.splitlines() if "Read OneLogin" in line), "?")
        print(f"  {label:<16} {len(entries_log):5d} calls  [{kinds(entries_log)}]")
        print(f"  {'':<16} {note.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", help="comma-separated N values", default="3000,20000")
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--churn", type=float, default=0.01)
    args = parser.parse_args()
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ONELOGIN_", "SOE_"))},
        "ONELOGIN_CLIENT_ID": DEMO_CLIENT_ID,
        "ONELOGIN_CLIENT_SECRET": DEMO_CLIENT_SECRET,
    }
    with tempfile.TemporaryDirectory() as folder:
        environ["ONELOGIN_SCIM_LOCK_DIR"] = str(Path(folder) / "locks")
        for users in (int(n) for n in args.users.split(",")):
            run(users, args.entries, args.churn, Path(folder), environ)


if __name__ == "__main__":
    main()
