"""Prints the memory each per-user entry costs from the config file to the desired state: bytes per
entry after loading the config (every object the load kept) and after `plan.desired.build` (what
the desired `Tenant` adds), measured with tracemalloc, no network.

Run: python benchmarks/memory.py [--entries 50000] [--distinct-values 10]
Not a test: it asserts nothing and only reports. The entries are in a `promotions.users_file`, as a
config of that size must hold them (the config file itself is capped at 1 MiB); each has an email,
a department out of `--distinct-values` and, for every tenth, a title.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

from onelogin_scim_setup.cli.demo import demo_config
from onelogin_scim_setup.config.load import load
from onelogin_scim_setup.plan import desired
from onelogin_scim_setup.secrets.sources import deliver_to_file


def write_config(folder: Path, entries: int, distinct: int) -> Path:
    token_file = folder / "token"
    deliver_to_file(token_file, "benchmark-scim-token-0123456789abcdef")
    data = demo_config("https://127.0.0.1:1", "https://127.0.0.1:2/scim/v2", token_file)
    rows = [
        f"user{i:05d}@example.com,,Dept {i % distinct},{'Lead' if i % 10 == 0 else ''}"
        for i in range(1, entries + 1)
    ]
    users_file = folder / "users.csv"
    users_file.write_text("email,user_type,department,title\n" + "\n".join(rows) + "\n")
    data["promotions"]["users"] = []
    data["promotions"]["users_file"] = str(users_file)
    data["fields"]["title"] = {"enabled": True}
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--distinct-values", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = write_config(Path(folder), args.entries, args.distinct_values)
        gc.collect()
        tracemalloc.start()
        started = time.perf_counter()
        loaded = load(path)
        load_seconds = time.perf_counter() - started
        gc.collect()
        after_load, load_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        tenant = desired.build(loaded.config, template="{}", token_fingerprint=None)
        gc.collect()
        after_build, build_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    k = args.entries
    assert len(tenant.users) == k  # the figures mean nothing otherwise
    print(f"k = {k:,} per-user entries (users_file), {args.distinct_values} distinct departments")
    print(
        f"  config loaded: {after_load / k:6.0f} B/entry kept ({after_load / 2**20:.1f} MiB), "
        f"peak {load_peak / 2**20:.1f} MiB, {load_seconds:.2f} s"
    )
    print(
        f"  desired built: {(after_build - after_load) / k:6.0f} B/entry more "
        f"({(after_build - after_load) / 2**20:.1f} MiB), peak "
        f"{(build_peak - after_load) / 2**20:.1f} MiB above the config"
    )
    print(f"  together:      {after_build / k:6.0f} B/entry")


if __name__ == "__main__":
    main()
