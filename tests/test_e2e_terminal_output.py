"""Server data on a real terminal (issue 19): the real CLI on a pseudo-terminal, against the sandbox
(127.0.0.1), with an SOE userName, and OneLogin's role name, user email and app name, full of cursor
movement, screen clearing, OSC and bidi sequences.
The screen, as a small VT interpreter draws it, holds the tool's own lines only: the audit summary
is intact, no forged line stands on it, and the only escape sequences that reached the terminal are
the ones the tool makes itself (colours, and its spinner's cursor control)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests
import yaml

from onelogin_scim_setup.sandbox.seed.drift import DRIFT_SCIM_TOKEN
from onelogin_scim_setup.secrets.sources import deliver_to_file
from tests.helpers.stand_in import Stand, send_answer
from tests.sandbox_world import CLIENT_SECRET, World, world
from tests.terminal import run_on_terminal

# A C1 CSI and an ESC CSI that clear the screen, cursor home, a window title (OSC), then a fake
# summary on lines of their own, and a right-to-left override before the domain.
HOSTILE_NAME = (
    "evil\x9b2J\x1b[2J\x1b[H\x1b]0;pwned\x07orphan 0\r\n"
    "No findings: every user is where they should be.\r\n\u202emoc.x@live@x.io"
)
# What the tool itself may send: SGR colours, and the spinner's hide/show cursor, erase line and
# cursor up (rich.live). Anything else came from the data.
OWN_SEQUENCE = re.compile(r"\x1b\[(?:[0-9;]*m|\?25[lh]|2K|[0-9]*A|[0-9]*G)")
ANY_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)")


def screen(output: str, rows: int = 200) -> list[str]:
    """The lines a VT100-like terminal shows after `output`: printable characters, CR, LF, BS and
    the CSI sequences that move the cursor or erase (A, B, C, D, G, H, J, K); SGR and OSC draw
    nothing. Enough to see a forged or erased line."""
    lines = [""] * rows
    row = col = 0

    def put(char: str) -> None:
        nonlocal col
        line = lines[row].ljust(col)
        lines[row] = line[:col] + char + line[col + 1 :]
        col += 1

    index = 0
    while index < len(output):
        char = output[index]
        match = ANY_SEQUENCE.match(output, index) if char == "\x1b" else None
        if match:
            index = match.end()
            sequence = match.group()
            csi = re.fullmatch(r"\x1b\[([0-9;?]*)([@-~])", sequence)
            if not csi:
                continue
            args, final = csi.group(1), csi.group(2)
            number = int(args.split(";")[0]) if args and args[0].isdigit() else 1
            if final == "A":
                row = max(0, row - number)
            elif final == "B":
                row += number
            elif final == "C":
                col += number
            elif final == "D":
                col = max(0, col - number)
            elif final == "G":
                col = number - 1
            elif final == "H":
                parts = [int(p) for p in args.split(";") if p.isdigit()] + [1, 1]
                row, col = parts[0] - 1, parts[1] - 1
            elif final == "J":
                lines = (
                    [""] * rows
                    if args in ("2", "3")
                    else lines[: row + 1] + [""] * (rows - row - 1)
                )
            elif final == "K":
                lines[row] = "" if args == "2" else lines[row][:col]
            continue
        index += 1
        if char == "\n":
            row += 1
        elif char == "\r":
            col = 0
        elif char == "\b":
            col = max(0, col - 1)
        elif char == "\x9b":  # a C1 CSI: the 8-bit form of ESC [
            match = re.match(r"[0-9;]*[@-~]", output[index:])
            if match and match.group().endswith("J"):
                lines = [""] * rows
            index += match.end() if match else 0
        elif char.isprintable():
            put(char)
    return [line.rstrip() for line in lines if line.strip()]


@pytest.mark.one_profile("no sandbox: the VT interpreter alone, fed the raw name")
def test_the_interpreter_is_fooled_by_the_raw_name() -> None:
    # The check must be able to fail: the raw userName, written as it came, forges the screen.
    raw = "Audited 13 OneLogin users against 13 SOE users.\r\n" + HOSTILE_NAME + "\r\n"
    shown = screen(raw)
    assert not any(line.startswith("Audited 13") for line in shown)
    assert "No findings: every user is where they should be." in shown


@pytest.fixture
def hostile_world(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    with world(tmp_path, quirks_profile, scenario="drift") as running:
        deliver_to_file(running.token_file, DRIFT_SCIM_TOKEN)
        running.write_config(promotions={"users": []})
        response = requests.post(
            f"{running.sandbox.soe_scim_url}/Users",
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": HOSTILE_NAME,
                "active": True,
                "emails": [{"value": "evil@x.io", "primary": True}],
            },
            headers={"Authorization": f"Bearer {DRIFT_SCIM_TOKEN}"},
            timeout=10,
        )
        assert response.status_code in (200, 201), response.text
        yield running


def test_audit_on_a_terminal_shows_the_hostile_name_escaped(hostile_world: World) -> None:
    env = {**hostile_world.env(), "FORCE_COLOR": "1", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    run = run_on_terminal(
        ["-c", str(hostile_world.config_path), "audit", "--worst", "50"],
        env=env,
        cwd=hostile_world.folder,
    )
    output = run.output
    assert run.returncode == 0, output
    assert "Traceback" not in output
    foreign = [s for s in ANY_SEQUENCE.findall(output) if not OWN_SEQUENCE.fullmatch(s)]
    assert foreign == []
    assert [char for char in "\x9b\u202e\x07" if char in output] == []
    assert "\x1b[33m" in output or "\x1b[1;31m" in output or "\x1b[31m" in output  # colours kept
    shown = screen(output)
    summary = [line for line in shown if line.startswith("Audited ")]
    assert summary == ["Audited 13 OneLogin users against 13 SOE users."], shown
    assert "No findings: every user is where they should be." not in shown
    assert not any(line.startswith("orphan 0") for line in shown)
    hostile = [line for line in shown if "evil" in line]
    assert hostile, shown
    assert (
        r"evil\x9b2J\x1b[2J\x1b[H\x1b]0;pwned\x07orphan 0\r\nNo findings: every user is where "
        r"they should be.\r\n\u202emoc.x@live@x.io"
    ) in hostile[0]
    assert CLIENT_SECRET not in output


# --- OneLogin's data (issue 19): a role name, a user's email and name, an app name ------------

# Each clears or moves over the screen, sets the window title (OSC), and forges a line of the
# tool's own on a line of its own, with a right-to-left override.
FORGED_PLAN = "Plan: 0 to create, 0 to change, 0 to delete."
FORGED_AUDIT = "No findings: every user is where they should be."
HOSTILE_ROLE = f"Ops\x1b[2J\x1b[H\x1b]0;pwned\x07\r\n{FORGED_PLAN}\r\n\u202eselor"
HOSTILE_EMAIL = f"mallory\x1b[1A\x1b[2K\x1b]8;;https://x.io\x07\r\n{FORGED_AUDIT}\u2066@x.io"
HOSTILE_FIRSTNAME = "Mal\x1b[31mlory\x1b[0m"
HOSTILE_LASTNAME = "\u202eyrollam\x1b[3A"
HOSTILE_APP = "SCIM SOE\x1b[2K\r\x1b]0;pwned\x07\r\nNo app found.\r\n\u202eEOS MICS"


@pytest.fixture
def onelogin_hostile_world(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    """The drift tenant plus a role named with terminal sequences that has the app (plan shows it
    as unmanaged drift) and a user whose email and names carry them, a member of that role (audit
    shows the user: SOE has it inactive)."""
    with world(tmp_path, quirks_profile, scenario="drift") as running:
        deliver_to_file(running.token_file, DRIFT_SCIM_TOKEN)
        running.write_config(promotions={"users": []})
        role = running.api("POST", "/api/2/roles", {"name": HOSTILE_ROLE})
        role_id = (role[0] if isinstance(role, list) else role)["id"]
        running.api("PUT", f"/api/2/roles/{role_id}/apps", [running.app_id()])
        user = running.api(
            "POST",
            "/api/2/users",
            {
                "email": HOSTILE_EMAIL,
                "username": HOSTILE_EMAIL,
                "firstname": HOSTILE_FIRSTNAME,
                "lastname": HOSTILE_LASTNAME,
            },
        )
        running.api("POST", f"/api/2/roles/{role_id}/users", [user["id"]])
        # Provisioned to SOE with the app; then deactivated in SOE, so audit shows the user (should
        # be active) under every profile.
        soe_user = next(u for u in running.soe_users() if u.get("userName") == HOSTILE_EMAIL)
        response = requests.put(
            f"{running.sandbox.soe_scim_url}/Users/{soe_user['id']}",
            json={"active": False},
            headers={"Authorization": f"Bearer {DRIFT_SCIM_TOKEN}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        yield running


def _on_terminal(running: World, *args: str, config: Path | None = None) -> str:
    env = {**running.env(), "FORCE_COLOR": "1", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    run = run_on_terminal(
        ["-c", str(config or running.config_path), *args], env=env, cwd=running.folder
    )
    assert "Traceback" not in run.output, run.output
    assert run.returncode in (0, 2), run.output  # plan's exit 2: changes pending
    return run.output


def _only_own_sequences(output: str) -> None:
    foreign = [s for s in ANY_SEQUENCE.findall(output) if not OWN_SEQUENCE.fullmatch(s)]
    assert foreign == [], output
    assert [char for char in "\x9b\u202e\u2066\x07" if char in output] == [], output


def test_onelogin_role_and_user_on_a_terminal_are_shown_escaped(
    onelogin_hostile_world: World,
) -> None:
    running = onelogin_hostile_world
    plan = _on_terminal(running, "plan")
    _only_own_sequences(plan)
    shown = screen(plan)
    assert [line for line in shown if line.startswith("Plan: ")] != [], shown
    assert FORGED_PLAN not in shown, shown  # the forged summary never stands on a line of its own
    role = [line for line in shown if "Ops" in line]
    assert role, shown
    assert r"Ops\x1b[2J\x1b[H\x1b]0;pwned\x07\r\n" + FORGED_PLAN in role[0], role
    assert r"\u202eselor" in role[0], role

    audit = _on_terminal(running, "audit", "--worst", "50")
    _only_own_sequences(audit)
    shown = screen(audit)
    assert [line for line in shown if line.startswith("Audited ")] != [], shown
    assert FORGED_AUDIT not in shown, shown
    mallory = [line for line in shown if "mallory" in line]
    assert mallory, shown
    assert r"mallory\x1b[1A\x1b[2K\x1b]8;;https://x.io\x07\r\n" in mallory[0], mallory
    assert r"\u2066@x.io" in mallory[0], mallory


def test_a_onelogin_app_name_on_a_terminal_is_shown_escaped(
    onelogin_hostile_world: World,
) -> None:
    """discover shows the app as OneLogin answers it: a stand-in in front of the sandbox gives the
    app a hostile name in `GET /api/2/apps/{id}` (the listing keeps the real one, so it is found)."""
    running = onelogin_hostile_world
    app_path = f"/api/2/apps/{running.app_id()}"
    stand = Stand(running.sandbox.onelogin_url)

    def renamed(handler: BaseHTTPRequestHandler, _: threading.Event) -> None:
        app = stand.forward(handler).json()
        app["name"] = HOSTILE_APP
        send_answer(handler, 200, json.dumps(app).encode())

    try:
        stand.hostile("GET", app_path, renamed)
        data = yaml.safe_load(running.config_path.read_text(encoding="utf-8"))
        data["onelogin"]["base_url"] = stand.url
        config = running.folder / "through-stand.yaml"
        config.write_text(yaml.safe_dump(data), encoding="utf-8")
        output = _on_terminal(running, "discover", config=config)
        assert stand.seen.is_set(), output
    finally:
        stand.close()
    _only_own_sequences(output)
    shown = screen(output)
    assert "No app found." not in shown, shown
    named = [line for line in shown if "SCIM SOE" in line and "pwned" in line]
    assert named, shown
    # discover shows the app as YAML-like data: its strings JSON-escaped, in quotes.
    escaped = r"SCIM SOE\u001b[2K\r\u001b]0;pwned\u0007\r\nNo app found.\r\n\u202eEOS MICS"
    assert f'name: "{escaped}"' in named[0], named
