"""Server data on a real terminal (issue 19): the real CLI on a pseudo-terminal, against the sandbox
(127.0.0.1), with an SOE userName full of cursor movement, screen clearing, OSC and bidi sequences.
The screen, as a small VT interpreter draws it, holds the tool's own lines only: the audit summary
is intact, no forged line stands on it, and the only escape sequences that reached the terminal are
the ones the tool makes itself (colours, and its spinner's cursor control)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from onelogin_scim_setup.sandbox.seed.drift import DRIFT_SCIM_TOKEN
from onelogin_scim_setup.secrets.sources import deliver_to_file
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
