"""`Sandbox`: both emulators on loopback HTTP servers in daemon threads."""

from __future__ import annotations

import threading
from types import TracebackType

from onelogin_scim_setup.sandbox import seed
from onelogin_scim_setup.sandbox.http.faults import FaultInjector
from onelogin_scim_setup.sandbox.http.server import ServiceServer
from onelogin_scim_setup.sandbox.onelogin.service import OneLoginService
from onelogin_scim_setup.sandbox.onelogin.state import Tenant
from onelogin_scim_setup.sandbox.options import SandboxOptions
from onelogin_scim_setup.sandbox.seed import drift
from onelogin_scim_setup.sandbox.soe.scim import SoeService
from onelogin_scim_setup.sandbox.soe.state import SoeSite


class Sandbox:
    """A OneLogin tenant and an SOE site, emulated over real HTTP on 127.0.0.1.

    Both servers share one `FaultInjector`, so `PUT /_sandbox/faults` on either changes both.
    """

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self.tenant = Tenant()
        self.site = SoeSite()
        seed.load(self.tenant, self.site, self.options)
        self.faults = FaultInjector(self.options.faults)
        self._servers: list[ServiceServer] = []
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Bind both servers (port 0: any free port) and serve them in daemon threads."""
        if self._servers:
            raise RuntimeError("the sandbox is already running")
        options = self.options
        onelogin = ServiceServer(
            options.host, options.onelogin_port, OneLoginService(options, self.tenant), self.faults
        )
        try:
            soe_service = SoeService(self.site, options.quirks.soe_scim_off_status)
            soe = ServiceServer(options.host, options.soe_port, soe_service, self.faults)
        except OSError:
            onelogin.server_close()
            raise
        soe_service.base_url = soe.url
        drift.connect(self.tenant, soe.url + "/api/scim/v2")
        self._servers = [onelogin, soe]
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name=f"sandbox {server.url}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.close_connections()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []

    @property
    def onelogin_url(self) -> str:
        return self._server(0).url

    @property
    def soe_url(self) -> str:
        return self._server(1).url

    @property
    def soe_scim_url(self) -> str:
        return self.soe_url + "/api/scim/v2"

    def _server(self, index: int) -> ServiceServer:
        if not self._servers:
            raise RuntimeError("the sandbox is not running: call start() first")
        return self._servers[index]

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
