"""verify against a SCIM server that is not ours, the `sandbox` command, and `discover`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from onelogin_scim_setup.sandbox import Quirks
from tests.helpers.scim2 import start_scim2_server, wait_until_up
from tests.sandbox_world import TOKEN, world


def test_verify_passes_against_scim2_server(tmp_path: Path, quirks_profile: str) -> None:
    with (tmp_path / "scim2.log").open("wb") as log:
        server, base = start_scim2_server(TOKEN, log)
    try:
        wait_until_up(base + "/ServiceProviderConfig", server)
        with world(tmp_path, quirks_profile) as running:
            assert running.cli("apply", "--auto-approve").returncode == 0
            running.enable_provisioning()
            running.write_config(soe={"scim_base_url": base})
            result = running.cli("verify", "--output", "json")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 0, result.stdout + result.stderr
    checks = {c["name"]: c["status"] for c in json.loads(result.stdout)["checks"]}
    assert checks["SOE: SCIM endpoint accepts our token"] == "pass"
    assert checks["SOE: a wrong token is refused"] == "pass"


def test_discover_shows_keys_and_masks_the_token(tmp_path: Path, quirks_profile: str) -> None:
    with world(tmp_path, quirks_profile, expose_scim_configuration=True) as running:
        assert running.cli("apply", "--auto-approve").returncode == 0
        running.play_admin(template=running.cli("render").stdout)
        result = running.cli("discover", "--output", "json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    masked = Quirks.profile(quirks_profile).bearer_read_back != "clear"
    token = found["configuration"]["scim_bearer_token"]
    assert token.startswith("(masked by OneLogin" if masked else "(sensitive) sha256:")
    assert found["configuration"]["scim_base_url"].endswith("/api/scim/v2")
    assert "userType" in found["parameters"]
    assert TOKEN not in result.stdout
    # The mapping vocabulary, and how the tool matched the field's action (issue 20).
    assert found["has_role_operators"] == {"ri": "includes", "rin": "does not include"}
    assert found["mapping_actions"]["add_role"] == "Set Role"
    action = found["custom_field_actions"]["userType"]
    assert action.split(" ")[0] in found["mapping_actions"], action


def test_sandbox_command_serves_a_ready_config_until_interrupted(
    tmp_path: Path, quirks_profile: str
) -> None:
    command = [sys.executable, "-m", "onelogin_scim_setup", "sandbox", "--quirks", quirks_profile]
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        assert server.stdout is not None
        lines = []
        for line in server.stdout:
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        text = "".join(lines)
        config = next(line.split()[-1] for line in lines if line.startswith("Ready config:"))
        secret = next(
            line.split("=", 1)[1].split()[0]
            for line in lines
            if "export ONELOGIN_CLIENT_SECRET" in line
        )
        env = {
            **os.environ,
            "ONELOGIN_CLIENT_ID": "sandbox-client-id",
            "ONELOGIN_CLIENT_SECRET": secret,
        }
        plan = subprocess.run(
            [sys.executable, "-m", "onelogin_scim_setup", "-c", config, "plan"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=10)
    assert "OneLogin API:  http://127.0.0.1:" in text
    assert plan.returncode == 0, plan.stderr
    assert "+ app 'SCIM SOE'" in plan.stdout
    assert server.returncode == 0


def test_verify_reports_a_credential_without_manage_all(
    tmp_path: Path, quirks_profile: str
) -> None:
    with world(tmp_path, quirks_profile, api_scope="Read All") as running:
        result = running.cli("verify", "--output", "json")
    assert result.returncode == 1
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    scope = checks["OneLogin: API credentials work and have the Manage All scope"]
    assert scope["status"] == "fail"
    assert "Manage All" in scope["hint"]
