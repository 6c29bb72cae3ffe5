"""scim2-server, a standards-compliant SCIM server that is not ours, started on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import requests

SCIM2_SERVER_MAIN = [sys.executable, "-c", "from scim2_server.testserver.cli import main; main()"]


def start_scim2_server(token: str, log: IO[bytes]) -> tuple[subprocess.Popen[bytes], str]:
    """scim2-server's own CLI (the console script next to this Python) on a free loopback port."""
    with socket.socket() as sock:  # the short race until the server binds the port is acceptable
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    script = Path(sys.executable).with_name("scim2-server")
    cli = [str(script)] if script.exists() else SCIM2_SERVER_MAIN
    # `=`: a token may start with "-", which argparse would read as an option.
    argv = [*cli, "--hostname", "127.0.0.1", "--port", port, f"--bearer-token={token}"]
    server = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    return server, f"http://127.0.0.1:{port}/v2"


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while True:
        assert server.poll() is None, "scim2-server exited"
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "scim2-server did not answer within 20 s"
            time.sleep(0.1)
