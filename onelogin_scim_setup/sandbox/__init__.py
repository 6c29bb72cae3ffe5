"""The sandbox: a local OneLogin + Stack Overflow for Teams Enterprise (SOE) emulator.

Nobody can try the tool without a OneLogin tenant and an SOE site, so the sandbox emulates both
over real HTTP on 127.0.0.1 (it refuses any non-loopback address). Standard library only, and it
imports nothing from the rest of `onelogin_scim_setup`.

    from onelogin_scim_setup.sandbox import FaultSpec, Quirks, Sandbox, SandboxOptions

    with Sandbox(SandboxOptions(quirks=Quirks.pessimistic())) as sandbox:
        sandbox.onelogin_url, sandbox.soe_url, sandbox.soe_scim_url

docs/sandbox.md is the reference: the package layout, every option, the quirk switches and their
sources, the control endpoints, the seed data and the scenarios. Each module's docstring lists the
quirks it reproduces and its UNCERTAIN choices.
"""

from __future__ import annotations

from onelogin_scim_setup.sandbox.options import FaultSpec, SandboxOptions
from onelogin_scim_setup.sandbox.quirks import Quirks
from onelogin_scim_setup.sandbox.server import Sandbox

__all__ = ["FaultSpec", "Quirks", "Sandbox", "SandboxOptions"]
