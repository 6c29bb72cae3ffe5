"""A converged sandbox tenant and a token-rotation config for the verify and rotate end-to-end tests."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tests.sandbox_world import World


def converge(running: World, **admin: Any) -> None:
    applied = running.cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    rendered = running.cli("render")
    running.play_admin(template=rendered.stdout, **admin)


def delivery_script(folder: Path, *, update_soe: bool) -> Path:
    """The user's own automation: stores the token (0600) and, if told to, enters it into SOE."""
    script = folder / "deliver.py"
    script.write_text(
        "import json, os, sys, urllib.request\n"
        "token = sys.stdin.read().strip()\n"
        "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)\n"
        "os.write(fd, token.encode()); os.close(fd)\n"
        f"if {update_soe!r}:\n"
        "    body = json.dumps({'bearer_token': token}).encode()\n"
        "    request = urllib.request.Request(sys.argv[2] + '/_sandbox/settings', body, method='PUT',\n"
        "                                     headers={'Content-Type': 'application/json'})\n"
        "    urllib.request.urlopen(request, timeout=10).read()\n",
        encoding="utf-8",
    )
    return script


def command_delivery(running: World, *, update_soe: bool) -> dict[str, Any]:
    """The config's `token` section: delivery by the script (which, with update_soe, enters the
    token into SOE)."""
    script = delivery_script(running.folder, update_soe=update_soe)
    # -S: the script needs only the standard library (and, under coverage, starts none).
    command = [sys.executable, "-S", str(script), str(running.token_file), running.sandbox.soe_url]
    return {"delivery": "command", "delivery_command": command}


def rotation_config(running: World, *, update_soe: bool) -> None:
    running.write_config(
        token=command_delivery(running, update_soe=update_soe),
        app={
            "roles": ["Engineering", "SOE Moderators", "SOE Admins"],
            "configuration_keys": {
                "base_url": "scim_base_url",
                "bearer_token": "scim_bearer_token",
                "json_template": "scim_json_template",
            },
        },
    )
