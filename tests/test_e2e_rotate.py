"""token rotate end to end: it asks on a terminal, refuses before touching SOE when OneLogin's half
can only be done by hand, says "unknown" for what it cannot read back, and a real SIGINT or SIGTERM
lets the step in flight finish, then reports what was done and not done (exit 130 or 143)."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from onelogin_scim_setup.sandbox import Quirks
from onelogin_scim_setup.secrets.token import fingerprint
from tests.helpers.cli_forks import ForkedRun
from tests.helpers.rotation import command_delivery, converge, rotation_config
from tests.sandbox_world import TOKEN, World, world
from tests.terminal import run_on_terminal


@pytest.fixture
def tenant(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    with world(tmp_path, quirks_profile, expose_scim_configuration=True) as running:
        yield running


def manual_onelogin_config(running: World) -> None:
    """Delivery by command (which enters the token into SOE), no API key for OneLogin's field."""
    running.write_config(token=command_delivery(running, update_soe=True))


def soe_accepts(running: World, token: str) -> bool:
    response = requests.get(
        f"{running.sandbox.soe_scim_url}/Users",
        params={"count": 1},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    return response.status_code == 200


def test_rotate_on_a_terminal_asks_and_no_changes_nothing(tenant: World) -> None:
    rotation_config(tenant, update_soe=True)
    converge(tenant)
    run = run_on_terminal(
        ["-c", str(tenant.config_path), "token", "rotate", "--timeout", "3", "--interval", "0.1"],
        env=tenant.env(),
        cwd=tenant.folder,
        prompt="[y/N]",
        answer="n",
    )
    assert run.returncode not in (0, 2), run.output
    assert "cancelled; nothing was changed" in run.output
    assert tenant.token_file.read_text().strip() == TOKEN
    assert list(tenant.lock_dir.glob("*.rotation.json")) == []
    assert soe_accepts(tenant, TOKEN)


def test_rotate_on_a_terminal_answered_yes_rotates(tenant: World, quirks_profile: str) -> None:
    rotation_config(tenant, update_soe=True)
    converge(tenant)
    run = run_on_terminal(
        ["-c", str(tenant.config_path), "token", "rotate", "--timeout", "3", "--interval", "0.1"],
        env=tenant.env(),
        cwd=tenant.folder,
        prompt="[y/N]",
        answer="y",
    )
    assert run.returncode == 0, run.output
    new = tenant.token_file.read_text()
    if Quirks.profile(quirks_profile).bearer_read_back == "clear":
        assert f"rotation complete: both sides hold {fingerprint(new)}" in run.output
    else:  # OneLogin shows the token masked: its side is proven by verify --e2e only
        assert f"SOE holds {fingerprint(new)} (verified); OneLogin: unknown until" in run.output


def test_rotate_without_a_terminal_or_auto_approve_is_a_usage_error(tenant: World) -> None:
    rotation_config(tenant, update_soe=True)
    result = tenant.cli("token", "rotate")
    assert result.returncode not in (0, 2)
    assert "not a terminal" in result.stderr
    assert tenant.token_file.read_text().strip() == TOKEN


def test_rotate_refuses_before_soe_when_onelogin_is_manual(tenant: World) -> None:
    manual_onelogin_config(tenant)
    converge(tenant)
    result = tenant.cli("token", "rotate", "--auto-approve")
    assert result.returncode not in (0, 2)
    assert "app.configuration_keys.bearer_token is not set" in result.stderr
    assert "--manual-onelogin" in result.stderr
    assert tenant.token_file.read_text().strip() == TOKEN
    assert soe_accepts(tenant, TOKEN)


def test_rotate_with_manual_onelogin_proves_soe_and_says_onelogin_is_unknown(
    tenant: World,
) -> None:
    manual_onelogin_config(tenant)
    converge(tenant)
    result = tenant.cli(
        "token",
        "rotate",
        "--auto-approve",
        "--manual-onelogin",
        "--timeout",
        "3",
        "--interval",
        "0.1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    new = tenant.token_file.read_text()
    assert soe_accepts(tenant, new)
    assert f"it holds unknown. Paste {fingerprint(new)} now" in result.stdout
    assert f"holds {fingerprint(TOKEN)}" not in result.stdout  # unknown is not guessed
    # OneLogin is not proven, so the old token stays recoverable beside the token file.
    kept = tenant.token_file.with_name("token.previous")
    assert f"kept {kept} (the token {fingerprint(TOKEN)})" in result.stdout
    assert kept.read_text(encoding="utf-8").strip() == TOKEN
    assert kept.stat().st_mode & 0o777 == 0o600
    assert new not in result.stdout + result.stderr


EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


def start_rotation(running: World) -> ForkedRun:
    return running.start(
        "token", "rotate", "--auto-approve", "--timeout", "30", "--interval", "0.1"
    )


def onelogin_token(running: World) -> str:
    """The token OneLogin holds, as its fingerprint: read from the sandbox's own state, since the
    public API may show it masked (the documented profile)."""
    app = next(a for a in running.onelogin_state()["apps"] if a["id"] == running.app_id())
    return str(app["scim"]["bearer_token"])


def signalling_delivery(running: World, signum: int) -> None:
    """The delivery command signals the CLI first, then takes its time storing the token and
    entering it into SOE: the signal arrives while the delivery step is in flight."""
    rotation_config(running, update_soe=True)
    script = running.folder / "deliver.py"
    body = script.read_text(encoding="utf-8")
    script.write_text(
        f"import os, signal, time\nos.kill(os.getppid(), {int(signum)})\ntime.sleep(0.5)\n{body}",
        encoding="utf-8",
    )


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_delivery_finishes_it_and_leaves_onelogin_alone(
    tenant: World, signum: int
) -> None:
    signalling_delivery(tenant, signum)
    converge(tenant)
    tenant.clear_requests_log()
    process = start_rotation(tenant)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == EXIT[signum], stdout + stderr
    assert "Traceback" not in stderr
    new = tenant.token_file.read_text(encoding="utf-8").strip()
    assert new != TOKEN  # the delivery was not cut: it stored the new token
    assert f"Done (1): deliver {fingerprint(new)} to SOE's side" in stderr
    assert f"Not done (3): SOE accepts {fingerprint(new)}" in stderr
    assert onelogin_token(tenant) == fingerprint(TOKEN)  # OneLogin was not touched
    assert [r for r in tenant.requests_log() if r["method"] == "PUT"] == []
    assert new not in stdout + stderr


def soe_accepted(running: World) -> bool:
    log = requests.get(f"{running.sandbox.soe_url}/_sandbox/requests", timeout=10).json()
    return any(r["method"] == "GET" and r["status"] == 200 for r in log)


def test_a_signal_during_onelogin_s_write_finishes_it_and_reports_done(tenant: World) -> None:
    rotation_config(tenant, update_soe=True)
    converge(tenant)
    # OneLogin's app reads and writes take long enough for the signal to land inside the write.
    tenant.set_faults(per_endpoint={"/api/2/apps/": {"latency": 2.0}})
    requests.delete(f"{tenant.sandbox.soe_url}/_sandbox/requests", timeout=10)
    process = start_rotation(tenant)
    deadline = time.monotonic() + 60
    while not soe_accepted(tenant):
        assert process.poll() is None, "token rotate ended before SOE accepted the new token"
        assert time.monotonic() < deadline, "SOE never saw the new token"
        time.sleep(0.02)
    time.sleep(0.5)  # SOE's answer is in; OneLogin's write (2 s) is in flight
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    tenant.set_faults(per_endpoint={})
    assert process.returncode == 143, stdout + stderr
    assert "Traceback" not in stderr
    new = tenant.token_file.read_text(encoding="utf-8").strip()
    assert "Done (3): " in stderr
    assert f"set OneLogin's SCIM Bearer Token to {fingerprint(new)}" in stderr
    assert "Not done (1): verify both sides" in stderr
    assert onelogin_token(tenant) == fingerprint(new)  # the write in flight was finished
    assert soe_accepts(tenant, new)


def test_a_signal_before_the_first_step_says_nothing_was_changed(tenant: World) -> None:
    rotation_config(tenant, update_soe=True)
    converge(tenant)
    tenant.set_faults(per_endpoint={"/api/2/apps/": {"latency": 2.0}})
    tenant.clear_requests_log()
    process = start_rotation(tenant)
    deadline = time.monotonic() + 60
    while not tenant.requests_log():  # reading OneLogin: the app's read is slow
        assert process.poll() is None, "token rotate ended before reading OneLogin"
        assert time.monotonic() < deadline, "token rotate never reached OneLogin"
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    tenant.set_faults(per_endpoint={})
    assert process.returncode == 130, stdout + stderr
    assert "Nothing was changed on either side." in stderr
    assert tenant.token_file.read_text(encoding="utf-8").strip() == TOKEN
    assert onelogin_token(tenant) == fingerprint(TOKEN)
    assert list(tenant.lock_dir.glob("*.rotation.json")) == []  # nothing to resume or roll back
