"""End-to-end helpers: a running sandbox, a config that points at it, the real CLI as a subprocess,
and the admin's clicks through the sandbox's control endpoints. Only 127.0.0.1 is ever contacted."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from onelogin_scim_setup.cli.demo import demo_config
from onelogin_scim_setup.sandbox import Quirks, Sandbox
from onelogin_scim_setup.secrets.sources import deliver_to_file
from tests.helpers import cli_forks
from tests.helpers.cli_forks import ForkedRun
from tests.helpers.inprocess import run_in_process
from tests.sandbox_conftest_fixtures import sandbox_options

CLIENT_ID = "e2e-client-id-5d1f"
CLIENT_SECRET = "e2e-client-secret-8c2a9b7e"
TOKEN = "e2e-scim-token-3f9e1c7a5b2d4e6f8a0b1c2d3e4f5a6b"


def base_config(sandbox: Sandbox, token_file: Path) -> dict[str, Any]:
    """The demo's config for the seeded tenant, with fast retries for fault-injection runs."""
    data = demo_config(sandbox.onelogin_url, sandbox.soe_scim_url, token_file)
    data["onelogin"].update(max_retries=4, backoff=0.01)
    return data


@dataclass
class World:
    sandbox: Sandbox
    folder: Path
    config: dict[str, Any] = field(default_factory=dict)
    # Set in every CLI run's environment (e.g. the SCIM token for `token.source: env`).
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def config_path(self) -> Path:
        return self.folder / "config.yaml"

    @property
    def token_file(self) -> Path:
        return self.folder / "token"

    def write_config(self, **changes: Any) -> Path:
        data = base_config(self.sandbox, self.token_file)
        for section, value in changes.items():
            data[section] = {**data.get(section, {}), **value} if isinstance(value, dict) else value
        self.config = data
        self.config_path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return self.config_path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ONELOGIN_", "SOE_"))}
        env.update({"ONELOGIN_CLIENT_ID": CLIENT_ID, "ONELOGIN_CLIENT_SECRET": CLIENT_SECRET})
        env["ONELOGIN_SCIM_LOCK_DIR"] = str(self.lock_dir)
        env.update(self.extra_env)
        return env

    @property
    def lock_dir(self) -> Path:
        """apply's lock folder (ops.lock) for every CLI run of this world."""
        return self.folder / "locks"

    def cli(
        self, *args: str, timeout: float = 120, process: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """The real CLI, as a user or CI runs it (stdin is not a terminal): its entry point in this
        process (tests/helpers/inprocess.py), or with `process` in a process of its own, where
        `timeout` holds."""
        if not process:
            command = ["-c", str(self.config_path), *args]
            return run_in_process(command, self.env(), self.folder, timeout)
        command = [sys.executable, "-m", "onelogin_scim_setup", "-c", str(self.config_path), *args]
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=self.folder,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def start(self, *args: str) -> ForkedRun:
        """The real CLI started in its own process and left running (to signal it, or to race
        another run); its output is piped. The process is forked from a server that has the CLI
        loaded (tests/helpers/cli_forks.py), so it does not pay Python's start-up."""
        command = ["-c", str(self.config_path), *args]
        return cli_forks.shared().start(command, self.env(), self.folder)

    # --- the sandbox's control endpoints (the admin clicking in the UIs) ---
    def onelogin_state(self) -> dict[str, Any]:
        return _call("GET", f"{self.sandbox.onelogin_url}/_sandbox/state")

    def requests_log(self) -> list[dict[str, Any]]:
        return _call("GET", f"{self.sandbox.onelogin_url}/_sandbox/requests")

    def soe_requests_log(self) -> list[dict[str, Any]]:
        return _call("GET", f"{self.sandbox.soe_url}/_sandbox/requests")

    def clear_requests_log(self) -> None:
        _call("DELETE", f"{self.sandbox.onelogin_url}/_sandbox/requests")

    def soe_users(self) -> list[dict[str, Any]]:
        return _call("GET", f"{self.sandbox.soe_url}/_sandbox/users")

    def soe_user(self, email: str) -> dict[str, Any] | None:
        return next((u for u in self.soe_users() if u.get("userName", "").lower() == email), None)

    def set_soe(self, **settings: Any) -> None:
        _call("PUT", f"{self.sandbox.soe_url}/_sandbox/settings", settings)

    def app_id(self, name: str = "SCIM SOE") -> int:
        return next(int(a["id"]) for a in self.onelogin_state()["apps"] if a["name"] == name)

    def user_id(self, email: str) -> int:
        return next(int(u["id"]) for u in self.onelogin_state()["users"] if u["email"] == email)

    def play_admin(
        self, *, template: str, moderator: bool = True, admin: bool = True, token: str = TOKEN
    ) -> None:
        """Every manual step of the plan, as the admin would do it in the two UIs."""
        self.set_soe(
            scim_enabled=True,
            bearer_token=token,
            allow_moderator_promotion=moderator,
            allow_admin_promotion=admin,
        )
        connection = {
            "base_url": self.sandbox.soe_scim_url,
            "bearer_token": token,
            "json_template": template,
            "deprovision_action": "suspend",
            "api_connection_enabled": True,
            # The plan's manual step when the tenant did not keep provisioning.enabled.
            "provisioning_enabled": True,
        }
        _call("PUT", f"{self.sandbox.onelogin_url}/_sandbox/apps/{self.app_id()}/scim", connection)
        _call("POST", f"{self.sandbox.onelogin_url}/_sandbox/mappings/reapply")

    def enable_provisioning(self) -> None:
        """The admin ticks Enable provisioning (a manual step where the API does not keep it)."""
        body = {"provisioning_enabled": True}
        _call("PUT", f"{self.sandbox.onelogin_url}/_sandbox/apps/{self.app_id()}/scim", body)

    def set_user_status(self, email: str, status: int) -> None:
        _call(
            "PUT",
            f"{self.sandbox.onelogin_url}/_sandbox/users/{self.user_id(email)}/status",
            {"status": status},
        )

    def wait_for_field_actions(self, deadline: float = 10.0) -> None:
        """Wait until OneLogin lists a mapping action for every custom field, as it does some time
        after a field is created (the pessimistic profile's `custom_field_action_delay`): a test
        whose story has minutes pass (a pull request, then its merge) must not race that job."""
        import time

        ends = time.monotonic() + deadline
        while time.monotonic() < ends:
            fields = self.api("GET", "/api/2/users/custom_attributes")
            actions = [
                f"{a.get('value', '')} {a.get('name', '')}".casefold()
                for a in self.api("GET", "/api/2/mappings/actions")
            ]
            # Whatever the tenant's naming of the action (docs/uncertain-facts.md), it names the
            # field by its shortname, its name or its id.
            marks = [
                {str(f.get(key)).casefold() for key in ("shortname", "name", "id")} for f in fields
            ]
            if all(any(m in action for m in mark for action in actions) for mark in marks):
                return
            time.sleep(0.05)
        raise AssertionError("the sandbox never listed a mapping action for every custom field")

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """OneLogin's public API, as another admin (or a hand-made setup) changes the tenant."""
        url = self.sandbox.onelogin_url
        token = requests.post(
            f"{url}/auth/oauth2/v2/token",
            auth=(CLIENT_ID, CLIENT_SECRET),
            json={"grant_type": "client_credentials"},
            timeout=10,
        ).json()["access_token"]
        response = requests.request(
            method, url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def role_id(self, name: str) -> int:
        return next(int(r["id"]) for r in self.onelogin_state()["roles"] if r["name"] == name)

    def set_faults(self, **faults: Any) -> None:
        _call("PUT", f"{self.sandbox.onelogin_url}/_sandbox/faults", faults)


def _call(method: str, url: str, body: Any = None) -> Any:
    response = requests.request(method, url, json=body, timeout=10)
    response.raise_for_status()
    return response.json() if response.content else None


# The shared e2e config names its field `userType`. A tenant that lower-cases shortnames needs the
# config to say `usertype` (apply stops after creating the field and says so; tested on its own in
# test_e2e_quirks.py), so the profile runs the shared suite with that switch kept. The new field's
# mapping action still shows late, but 0.3 s late, not 1 s: apply's first look still misses it and
# waits (the behaviour under test) while a fresh apply waits one pause of 0.5 s instead of two
# (1.5 s), on every one of the suite's many fresh applies.
E2E_PROFILE_OVERRIDES: dict[str, dict[str, Any]] = {
    "pessimistic": {"shortname_case": "kept", "custom_field_action_delay": 0.3}
}


@contextmanager
def world(folder: Path, quirks: Quirks | str, **options: Any) -> Iterator[World]:
    """A running sandbox and its config. `quirks`: a `Quirks` or a profile name, with no default:
    an e2e test passes its `quirks_profile` (or is marked `one_profile`, see tests/conftest.py);
    quirk switches may also be given by name among `options`."""
    if isinstance(quirks, str):
        options = {**E2E_PROFILE_OVERRIDES.get(quirks, {}), **options}
    chosen = sandbox_options(quirks, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **options)
    with Sandbox(chosen) as sandbox:
        result = World(sandbox, folder)
        deliver_to_file(result.token_file, TOKEN)
        result.write_config()
        yield result
