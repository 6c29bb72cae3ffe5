"""A rotation that stops never loses a working token: at each failure point (SOE refusing the new
token until the timeout, SIGTERM at each step, SIGKILL) it leaves its journal and the kept old
token, a new rotation refuses until it is settled, and `--resume` / `--rollback` end with one token
on both sides. And the race: an apply that waited for a rotation writes the new token, not the old."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from onelogin_scim_setup.secrets.token import fingerprint
from tests.helpers.cli_forks import ForkedRun
from tests.helpers.rotation import converge, rotation_config
from tests.helpers.terminal_cli import PROG
from tests.sandbox_world import TOKEN, World, world

FAST = ("--timeout", "1.5", "--interval", "0.1")


@pytest.fixture
def tenant(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    # The token reads back in clear: these test rotation itself (a masked read-back: test_e2e_observed).
    options = {"expose_scim_configuration": True, "bearer_read_back": "clear"}
    with world(tmp_path, quirks_profile, **options) as running:
        yield running


def soe_accepts(running: World, token: str) -> bool:
    response = requests.get(
        f"{running.sandbox.soe_scim_url}/Users",
        params={"count": 1},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    return response.status_code == 200


def onelogin_token(running: World) -> str:
    app = running.api("GET", f"/api/2/apps/{running.app_id()}")
    return str(app["configuration"]["scim_bearer_token"])


def journal_of(running: World) -> dict[str, Any] | None:
    found = list(running.lock_dir.glob("*.rotation.json"))
    return json.loads(found[0].read_text(encoding="utf-8")) if found else None


def kept(running: World) -> Path:
    """Where the rotation keeps the old token: beside the token file, or (a token in the
    environment or a secret manager) beside the journal in the lock folder."""
    if running.config.get("token", {}).get("source", "file") == "file":
        return running.token_file.with_name("token.previous")
    found = sorted(running.lock_dir.glob("*.rotation.previous"))
    return found[0] if found else running.lock_dir / "absent.rotation.previous"


def one_token_on_both_sides(running: World, token: str) -> None:
    """The token file, SOE and OneLogin agree on `token`; nothing of the rotation is left."""
    assert running.token_file.read_text(encoding="utf-8").strip() == token
    assert soe_accepts(running, token)
    assert onelogin_token(running) == token
    assert journal_of(running) is None
    assert not kept(running).exists()


def rotate(running: World, *args: str) -> subprocess.CompletedProcess[str]:
    return running.cli("token", "rotate", "--auto-approve", *FAST, *args)


def stopped_state(running: World, result: subprocess.CompletedProcess[str]) -> str:
    """What a stopped rotation must leave: the journal (no secret), the old token kept (0600), the
    way on named; returns the new token."""
    both = result.stdout + result.stderr
    assert "Traceback" not in both
    record = journal_of(running)
    assert record is not None, both
    new = running.token_file.read_text(encoding="utf-8").strip()
    assert record["from"] == fingerprint(TOKEN)
    assert record["to"] == fingerprint(new)
    journal_text = next(running.lock_dir.glob("*.rotation.json")).read_text(encoding="utf-8")
    assert TOKEN not in journal_text
    assert new not in journal_text
    assert kept(running).read_text(encoding="utf-8").strip() == TOKEN
    assert kept(running).stat().st_mode & 0o777 == 0o600
    assert "token rotate --resume" in both
    assert "token rotate --rollback" in both
    assert new not in both
    assert TOKEN not in both
    # Every other command says so first.
    planned = running.cli("plan")
    assert "a token rotation from" in planned.stderr
    assert "`token rotate --resume` finishes it" in planned.stderr
    # A new rotation now would lose a working token: refused, naming the way on.
    again = rotate(running)
    assert again.returncode == 64, again.stderr
    assert "did not finish" in again.stderr
    assert "--resume" in again.stderr
    return new


def delivering_without_soe(running: World, source: str = "file") -> None:
    """The delivery stores the token but SOE is never told: SOE refuses it (401) until the timeout."""
    token_source(running, source, update_soe=False)
    converge(running)


SOURCES = ["file", "env", "command"]


@pytest.mark.parametrize("source", SOURCES)
def test_soe_refusing_until_the_timeout_then_rollback(tenant: World, source: str) -> None:
    delivering_without_soe(tenant, source)
    result = rotate(tenant)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "did not accept the new token" in result.stderr
    new = stopped_state(tenant, result)
    assert soe_accepts(tenant, TOKEN)
    assert not soe_accepts(tenant, new)
    assert onelogin_token(tenant) == TOKEN
    applied = tenant.cli("apply", "--auto-approve")
    if source == "env":
        # The shell still exports the old token, which OneLogin holds: apply has nothing to write.
        assert applied.returncode == 0, applied.stdout + applied.stderr
    else:
        # apply would write the source's (new) token into OneLogin while SOE holds the old: refused.
        assert applied.returncode == 1, applied.stdout + applied.stderr
        assert "Settle the rotation first" in applied.stderr
    assert onelogin_token(tenant) == TOKEN
    back = rotate(tenant, "--rollback")
    assert back.returncode == 0, back.stdout + back.stderr
    one_token_on_both_sides(tenant, TOKEN)


@pytest.mark.parametrize("source", SOURCES)
def test_soe_refusing_until_the_timeout_then_the_admin_enters_it_and_resume(
    tenant: World, source: str
) -> None:
    delivering_without_soe(tenant, source)
    result = rotate(tenant)
    assert result.returncode == 1
    new = stopped_state(tenant, result)
    tenant.set_soe(bearer_token=new)  # the admin pastes it into SOE's SCIM settings
    if source == "env":
        tenant.extra_env[ENV_NAME] = new  # the user exports what the delivery stored
    done = rotate(tenant, "--resume")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"rotation complete: both sides hold {fingerprint(new)}" in done.stdout
    one_token_on_both_sides(tenant, new)


def test_resume_or_rollback_without_a_stopped_rotation_is_a_usage_error(tenant: World) -> None:
    rotation_config(tenant, update_soe=True)
    for flag in ("--resume", "--rollback"):
        result = rotate(tenant, flag)
        assert result.returncode == 64, result.stderr
        assert "no unfinished rotation" in result.stderr


def wait_for_step(running: World, process: ForkedRun, step: str) -> None:
    deadline = time.monotonic() + 60
    while (journal_of(running) or {}).get("step") != step:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"the rotation never reached {step}"
        time.sleep(0.02)


def slow_delivery(running: World, seconds: float = 1.0) -> None:
    """The delivery takes `seconds` before it stores the token and enters it into SOE."""
    rotation_config(running, update_soe=True)
    slow_delivery_script(running, seconds)


def slow_delivery_script(running: World, seconds: float = 1.0) -> None:
    script = running.folder / "deliver.py"
    body = script.read_text(encoding="utf-8")
    script.write_text(f"import time\ntime.sleep({seconds})\n{body}", encoding="utf-8")


def test_sigkill_while_waiting_for_soe_leaves_a_journal_rollback_settles(tenant: World) -> None:
    delivering_without_soe(tenant)
    process = tenant.start(
        "token", "rotate", "--auto-approve", "--timeout", "30", "--interval", "0.1"
    )
    wait_for_step(tenant, process, "wait-soe")
    process.kill()
    process.communicate(timeout=60)
    refused = rotate(tenant)
    assert refused.returncode == 64
    assert f"from {fingerprint(TOKEN)}" in refused.stderr
    assert "stopped at step 'wait-soe'" in refused.stderr
    back = rotate(tenant, "--rollback")
    assert back.returncode == 0, back.stdout + back.stderr
    one_token_on_both_sides(tenant, TOKEN)


def test_an_apply_that_waited_for_a_rotation_writes_the_new_token(tenant: World) -> None:
    """Rotate first (it holds the lock while its delivery is slow), apply starts and waits; apply
    must read the token under the lock, so it does not write the old one back into OneLogin."""
    slow_delivery(tenant, 4.0)
    converge(tenant)
    rotating = tenant.start(
        "token", "rotate", "--auto-approve", "--timeout", "30", "--interval", "0.1"
    )
    wait_for_step(tenant, rotating, "deliver")
    applying = tenant.start("apply", "--auto-approve")
    rotated_out, rotated_err = rotating.communicate(timeout=120)
    applied_out, applied_err = applying.communicate(timeout=120)
    assert rotating.returncode == 0, rotated_out + rotated_err
    assert applying.returncode == 0, applied_out + applied_err
    assert "waiting for another apply" in applied_err  # it did wait for the rotation
    new = tenant.token_file.read_text(encoding="utf-8").strip()
    assert new != TOKEN
    assert f"-> {fingerprint(TOKEN)}" not in applied_out
    one_token_on_both_sides(tenant, new)


def test_a_ctrl_c_on_the_terminal_lets_the_delivery_finish_and_exits_130(tenant: World) -> None:
    """A terminal's Ctrl-C signals the whole foreground process group. The delivery command runs in
    its own session, so it is not killed half-way; the rotation stops after it, exit 130."""
    rotation_config(tenant, update_soe=True)
    script = tenant.folder / "deliver.py"
    body = script.read_text(encoding="utf-8")
    script.write_text(
        "import os, signal, time\n"
        "os.killpg(os.getpgid(os.getppid()), signal.SIGINT)\n"
        f"time.sleep(0.5)\n{body}",
        encoding="utf-8",
    )
    converge(tenant)
    command = [*PROG, "-c", str(tenant.config_path)]
    process = subprocess.Popen(
        [*command, "token", "rotate", "--auto-approve", "--timeout", "30", "--interval", "0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=tenant.env(),
        cwd=tenant.folder,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stdout + stderr
    assert "Nothing was changed" not in stderr
    new = tenant.token_file.read_text(encoding="utf-8").strip()
    assert new != TOKEN
    assert f"Done (1): deliver {fingerprint(new)} to SOE's side" in stderr
    assert soe_accepts(tenant, new)
    assert onelogin_token(tenant) == TOKEN
    script.write_text(body, encoding="utf-8")  # the next delivery must not signal this test
    settled = rotate(tenant, "--resume")
    assert settled.returncode == 0, settled.stdout + settled.stderr
    one_token_on_both_sides(tenant, new)


ENV_NAME = "SOE_SCIM_TOKEN"
SOE_USERS = "/api/scim/v2/Users"


def token_source(running: World, source: str, *, update_soe: bool) -> None:
    """The rotation config with the token read from `source`: the token file itself, the
    environment variable SOE_SCIM_TOKEN (the user's shell), or a command (a secret manager, here a
    script reading the file the delivery command stores into)."""
    rotation_config(running, update_soe=update_soe)
    token = dict(running.config["token"])
    if source == "env":
        token.update(source="env", env=ENV_NAME)
        token.pop("file", None)
        running.extra_env[ENV_NAME] = TOKEN
    elif source == "command":
        read = "import sys; print(open(sys.argv[1]).read().strip())"
        token.update(
            source="command", command=[sys.executable, "-S", "-c", read, str(running.token_file)]
        )
        token.pop("file", None)
    running.write_config(token=token, app=running.config["app"])


def signal_at(running: World, step: str) -> tuple[int, str]:
    """Start a rotation, SIGTERM it inside `step`; its exit code and output."""
    process = running.start(
        "token", "rotate", "--auto-approve", "--timeout", "30", "--interval", "0.1"
    )
    wait_for_step(running, process, step)
    if step == "deliver":
        time.sleep(0.3)  # the journal says the step is next; now its 1 s delivery is in flight
    elif step == "verify":
        time.sleep(0.2)  # the last probe (slowed down to 1.5 s) is in flight
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    running.set_faults(per_endpoint={})
    return process.returncode, stdout + stderr


# Every step a signal can land in, then each way on; SOE refuses the new token in the wait, so a
# resume from there needs the admin (test_soe_refusing_until_the_timeout_then_the_admin_...).
STOPS = [
    ("deliver", "--resume"),
    ("deliver", "--rollback"),
    ("wait-soe", "--rollback"),
    ("set-onelogin", "--resume"),
    ("set-onelogin", "--rollback"),
    ("verify", "--resume"),
    ("verify", "--rollback"),
]


@pytest.mark.parametrize(("step", "then"), STOPS)
@pytest.mark.parametrize("source", SOURCES)
def test_sigterm_at_each_step_with_each_token_source_then_resume_or_rollback(
    tenant: World, source: str, step: str, then: str
) -> None:
    """Every step a signal can land in, with each place the token is read from; `--resume` or
    `--rollback` then ends with one token on both sides. A resume from an environment variable
    runs in a shell that exported the new token (the tool cannot change its environment)."""
    token_source(tenant, source, update_soe=step != "wait-soe")
    if step == "deliver":
        slow_delivery_script(tenant)
    converge(tenant)
    if step == "set-onelogin":  # OneLogin's app write is slow: the signal lands inside it
        tenant.set_faults(per_endpoint={"/api/2/apps/": {"latency": 1.0}})
    if step == "verify":  # SOE's answers are slow: the signal lands in the last probe
        tenant.set_faults(per_endpoint={SOE_USERS: {"latency": 1.5}})
    code, output = signal_at(tenant, step)
    assert code == 143, output
    assert "Traceback" not in output
    assert "The rotation's journal is" in output
    new = tenant.token_file.read_text(encoding="utf-8").strip()
    assert new != TOKEN
    assert new not in output
    assert journal_of(tenant) is not None
    if source == "env" and then == "--resume":
        tenant.extra_env[ENV_NAME] = new  # the user exports what the delivery stored
    settled = rotate(tenant, then)
    assert settled.returncode == 0, settled.stdout + settled.stderr
    one_token_on_both_sides(tenant, new if then == "--resume" else TOKEN)
    assert not list(tenant.lock_dir.glob("*.previous")), "a kept token outlived its rotation"
