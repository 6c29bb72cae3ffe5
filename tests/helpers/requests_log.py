"""Reading the sandbox's request log in end-to-end tests."""

from __future__ import annotations

WRITES = {"POST", "PUT", "DELETE", "PATCH"}


def api_writes(log: list[dict[str, object]]) -> list[str]:
    # The token call is a POST but changes nothing in the tenant.
    return [
        f"{e['method']} {e['path']}"
        for e in log
        if e["method"] in WRITES and not str(e["path"]).startswith("/auth/")
    ]
