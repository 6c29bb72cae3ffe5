"""The sandbox as a whole: lifecycle, loopback only, isolation from the core, the module entry point."""

from __future__ import annotations

import ast
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from onelogin_scim_setup.sandbox import Sandbox, SandboxOptions
from onelogin_scim_setup.sandbox.__main__ import options_from, parse_args
from tests.sandbox_conftest_fixtures import OneLogin, running

SANDBOX_DIR = Path(__file__).resolve().parent.parent / "onelogin_scim_setup" / "sandbox"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(SANDBOX_DIR.glob("*.py")), ids=lambda p: p.name)
def test_sandbox_imports_only_the_stdlib_and_itself(path: Path) -> None:
    for name in imported_modules(path):
        top = name.split(".")[0]
        if top == "onelogin_scim_setup":
            assert name.startswith("onelogin_scim_setup.sandbox"), f"{path.name} imports {name}"
        else:
            assert top in sys.stdlib_module_names, f"{path.name} imports {name}"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])  # noqa: S104
def test_only_loopback_addresses_are_accepted(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        Sandbox(SandboxOptions(host=host)).start()


def test_both_servers_listen_on_loopback_ports() -> None:
    with running() as sandbox:
        assert sandbox.onelogin_url.startswith("http://127.0.0.1:")
        assert sandbox.soe_url.startswith("http://127.0.0.1:")
        assert sandbox.soe_scim_url == sandbox.soe_url + "/api/scim/v2"
        assert sandbox.onelogin_url != sandbox.soe_url


def test_fixed_ports_are_used() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with running(onelogin_port=port) as sandbox:
        assert sandbox.onelogin_url == f"http://127.0.0.1:{port}"


def test_urls_need_a_started_sandbox() -> None:
    with pytest.raises(RuntimeError, match="start"):
        _ = Sandbox().onelogin_url


def test_stop_closes_the_servers_and_keep_alive_connections() -> None:
    sandbox = Sandbox()
    sandbox.start()
    url = sandbox.onelogin_url
    with requests.Session() as session:
        assert session.get(url + "/_sandbox/state", timeout=10).status_code == 200
        sandbox.stop()
        with pytest.raises(requests.ConnectionError):
            session.get(url + "/_sandbox/state", timeout=10)


def test_without_seed_data_only_connectors_exist() -> None:
    with running(seed_data=False) as sandbox:
        state = OneLogin(sandbox).state()
        assert state["connectors"]
        assert state["apps"] == state["roles"] == state["users"] == state["mappings"] == []


def test_seeded_tenant_matches_the_documented_ids() -> None:
    with running() as sandbox:
        state = OneLogin(sandbox).state()
    roles = {r["name"]: (r["id"], len(r["users"])) for r in state["roles"]}
    assert roles == {
        "Default": (200001, 5),
        "Engineering": (200002, 4),
        "SOE Moderators": (200003, 1),
        "SOE Admins": (200004, 1),
        "Sales": (200005, 1),
    }
    users = {u["id"]: u["email"] for u in state["users"]}
    assert users == {
        50001: "alice@example.com",
        50002: "bob@example.com",
        50003: "carol@example.com",
        50004: "dave@example.com",
        50005: "erin@example.com",
    }
    assert [(a["id"], a["name"], a["role_ids"]) for a in state["apps"]] == [
        (1000001, "Slack", [200001])
    ]
    assert [(m["name"], m["position"]) for m in state["mappings"]] == [
        ("Sales department", 1),
        ("Old contractors", None),
    ]


def test_concurrent_requests_are_served() -> None:
    with running() as sandbox:
        client = OneLogin(sandbox)
        client.token()
        results: list[int] = []

        def call() -> None:
            results.append(client.call("GET", "/api/2/users").status_code)

        threads = [threading.Thread(target=call) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [200] * 10


def test_paths_outside_the_apis_are_404_and_not_logged() -> None:
    with running() as sandbox:
        assert requests.get(sandbox.onelogin_url + "/", timeout=10).status_code == 404
        assert requests.get(sandbox.soe_url + "/favicon.ico", timeout=10).status_code == 404
        assert requests.get(sandbox.onelogin_url + "/_sandbox/requests", timeout=10).json() == []


def test_entry_point_arguments_build_options() -> None:
    args = parse_args(["--page-size", "2", "--seed", "4", "--error-rate", "0.5", "--no-seed-data"])
    options = options_from(args)
    assert (options.page_size, options.seed_data) == (2, False)
    assert (options.faults.seed, options.faults.error_rate) == (4, 0.5)


def test_entry_point_help_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "onelogin_scim_setup.sandbox", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0
    assert "--onelogin-port" in result.stdout
