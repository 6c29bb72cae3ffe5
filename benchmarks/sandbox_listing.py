"""Prints how long the sandbox takes to seed an organization-size tenant and to list it in full.

Run: python benchmarks/sandbox_listing.py [--users 20000] [--roles 200] [--soe-users 10000]
Not a test: it asserts nothing and only reports (the sandbox must list 20,000 users without any
O(N^2) step; compare the figures across changes).
"""

from __future__ import annotations

import argparse
import time

import requests

from onelogin_scim_setup.sandbox import Sandbox, SandboxOptions

CLIENT = ("sandbox-client-id", "sandbox-client-secret")
SOE_TOKEN = "benchmark-soe-token"  # noqa: S105 (a throwaway local value)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20000)
    parser.add_argument("--roles", type=int, default=200)
    parser.add_argument("--soe-users", type=int, default=10000)
    args = parser.parse_args()
    started = time.perf_counter()
    options = SandboxOptions(
        users=args.users,
        roles=args.roles,
        soe_users=args.soe_users,
        page_size=100,
        rate_limit_per_hour=1_000_000,
    )
    with Sandbox(options) as sandbox, requests.Session() as http:
        print(f"seed + start: {time.perf_counter() - started:.2f} s")
        token = http.post(
            f"{sandbox.onelogin_url}/auth/oauth2/v2/token",
            auth=CLIENT,
            json={"grant_type": "client_credentials"},
            timeout=30,
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        started, count, pages = time.perf_counter(), 0, 0
        params: dict[str, str | int] = {"limit": 100}
        while True:
            answer = http.get(f"{sandbox.onelogin_url}/api/2/users", params=params, timeout=30)
            count, pages = count + len(answer.json()), pages + 1
            cursor = answer.headers.get("After-Cursor")
            if not cursor:
                break
            params = {"cursor": cursor}
        took = time.perf_counter() - started
        print(f"OneLogin /api/2/users: {count} users in {pages} pages, {took:.2f} s")
        requests.put(
            f"{sandbox.soe_url}/_sandbox/settings",
            json={"scim_enabled": True, "bearer_token": SOE_TOKEN},
            timeout=10,
        )
        scim = {"Authorization": f"Bearer {SOE_TOKEN}"}
        started, count, pages, start = time.perf_counter(), 0, 0, 1
        while True:
            page = http.get(
                f"{sandbox.soe_scim_url}/Users",
                params={"startIndex": start, "count": 100},
                headers=scim,
                timeout=30,
            ).json()
            count, pages = count + page["itemsPerPage"], pages + 1
            start += page["itemsPerPage"]
            if not page["itemsPerPage"] or start > page["totalResults"]:
                break
        took = time.perf_counter() - started
        print(f"SOE /Users: {count} users in {pages} pages, {took:.2f} s")


if __name__ == "__main__":
    main()
