"""What `sandbox` prints once both emulators listen: where they are, and how to point the tool at them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from onelogin_scim_setup.render.console import Out


@dataclass(frozen=True)
class SandboxReady:
    """The running sandbox, as plain values (the core never imports the sandbox's own types)."""

    onelogin_url: str
    soe_url: str
    soe_scim_url: str
    client_id: str
    client_secret: str  # the sandbox's public demo secret, not a real one
    config_path: Path
    folder: Path
    scenario: str | None


def render_sandbox_ready(out: Out, ready: SandboxReady) -> None:
    out.text(f"OneLogin API:  {ready.onelogin_url}")
    out.text(f"SOE SCIM:      {ready.soe_scim_url}")
    out.text(
        f"Control:       {ready.onelogin_url}/_sandbox/state, {ready.soe_url}/_sandbox/settings"
    )
    out.text(
        f"Credentials:   ONELOGIN_CLIENT_ID={ready.client_id} ONELOGIN_CLIENT_SECRET=(see below)"
    )
    out.text(f"Ready config:  {ready.config_path}")
    out.text("")
    out.text(f"export ONELOGIN_CLIENT_ID={ready.client_id}")
    out.text(
        f"export ONELOGIN_CLIENT_SECRET={ready.client_secret}  # the sandbox's public demo secret"
    )
    out.text(f"onelogin-scim-setup -c {ready.config_path} plan")
    if ready.scenario == "drift":
        out.text(f"onelogin-scim-setup -c {ready.config_path} audit")
    out.text("")
    out.text(f"Press Ctrl-C to stop (removes {ready.folder}).")


def render_sandbox_stopped(out: Out) -> None:
    out.text("Stopped.")
