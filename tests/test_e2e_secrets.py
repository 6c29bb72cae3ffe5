"""No secret (client secret, OneLogin access token, SCIM token) in any output, -v log, JSON, error or
file the tool writes, unless the user asks with --reveal."""

from __future__ import annotations

from pathlib import Path

import requests

from tests.sandbox_world import CLIENT_ID, CLIENT_SECRET, TOKEN, World, world

COMMANDS = [
    ("validate",),
    ("validate", "--output", "json"),
    ("render",),
    ("render", "--preview"),
    ("plan",),
    ("plan", "--output", "json"),
    ("plan", "--output", "markdown", "--out", "saved-plan.json"),
    ("plan", "--target", "app", "--output", "markdown"),
    ("show", "saved-plan.json"),
    ("show", "saved-plan.json", "--output", "markdown"),
    ("show", "saved-plan.json", "--output", "json"),
    ("apply", "--auto-approve"),
    ("apply", "--auto-approve", "--output", "json"),
    ("plan", "--detailed-exitcode"),
    ("discover",),
    ("discover", "--output", "json"),
    ("runbook",),
    ("runbook", "--out", "runbook.md"),
    ("token", "show"),
    ("token", "generate"),
    ("verify",),
    ("verify", "--output", "json"),
    ("verify", "--e2e", "--test-user", "alice@example.com", "--timeout", "3", "--interval", "0.1"),
    ("init", "starter.yaml"),
]


def access_token(running: World) -> str:
    # The API hands out the same token to the same credential until it expires (docs/onelogin-api.md Op 1).
    response = requests.post(
        f"{running.sandbox.onelogin_url}/auth/oauth2/v2/token",
        auth=(CLIENT_ID, CLIENT_SECRET),
        json={"grant_type": "client_credentials"},
        timeout=10,
    )
    return str(response.json()["access_token"])


def written_files(folder: Path) -> list[Path]:
    # The token file is the configured token source, written by the test itself.
    return [p for p in folder.rglob("*") if p.is_file() and p.name != "token"]


def test_no_command_leaks_a_secret(tmp_path: Path, quirks_profile: str) -> None:
    with world(tmp_path, quirks_profile, expose_scim_configuration=True) as running:
        running.write_config(
            app={
                "roles": ["Engineering", "SOE Moderators", "SOE Admins"],
                "configuration_keys": {"bearer_token": "scim_bearer_token"},
            }
        )
        transcript = []
        for args in COMMANDS:
            result = running.cli("-v", *args)
            transcript.append(f"$ {' '.join(args)}\n{result.stdout}\n{result.stderr}")
            if args[0] == "apply":
                running.play_admin(template=running.cli("render").stdout)
        secrets = {
            "client secret": CLIENT_SECRET,
            "SCIM token": TOKEN,
            "access token": access_token(running),
        }
        files = {str(p): p.read_text(errors="replace") for p in written_files(tmp_path)}
    text = "\n".join(transcript)
    assert "DEBUG" in text  # -v really logged the HTTP requests
    assert "runbook.md" in files or any(p.endswith("runbook.md") for p in files)
    assert any(p.endswith("saved-plan.json") for p in files)
    assert "(sensitive) sha256:" in text  # the token's change is in the plans, as a fingerprint
    for name, secret in secrets.items():
        assert secret not in text, f"{name} appears in command output"
        for path, content in files.items():
            assert secret not in content, f"{name} appears in {path}"


def test_errors_do_not_leak_secrets(tmp_path: Path, quirks_profile: str) -> None:
    with world(tmp_path, quirks_profile) as running:
        running.write_config(
            onelogin={"base_url": running.sandbox.onelogin_url, "client_secret_env": "WRONG_SECRET"}
        )
        env_result = running.cli("-v", "plan")
        assert env_result.returncode == 1
        assert "WRONG_SECRET" in env_result.stderr
        running.write_config(soe={"scim_base_url": running.sandbox.soe_scim_url + "/nowhere"})
        verify = running.cli("-v", "verify")
        assert verify.returncode == 1
    for result in (env_result, verify):
        assert CLIENT_SECRET not in result.stdout + result.stderr
        assert TOKEN not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr


def test_reveal_is_the_only_way_to_see_the_token(tmp_path: Path, quirks_profile: str) -> None:
    with world(tmp_path, quirks_profile) as running:
        hidden = running.cli("token", "show")
        shown = running.cli("token", "show", "--reveal")
    assert TOKEN not in hidden.stdout
    assert "sha256:" in hidden.stdout
    assert TOKEN in shown.stdout
