"""A lost answer to a write, end to end (issue 19): the sandbox applies the write and the stand-in
in front of it (tests/helpers/stand_in.py, 127.0.0.1 only) drops the connection before answering.
The report must match the server, and the next run converge."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import yaml

from tests.helpers.stand_in import Stand, Writer
from tests.sandbox_world import world


def _apply_then_drop(stand: Stand) -> Writer:
    def write(handler: BaseHTTPRequestHandler, _: threading.Event) -> None:
        stand.forward(handler)  # OneLogin applied it ...
        stand.target = None  # ... once; what follows passes through
        handler.close_connection = True  # ... and the answer never comes

    return write


def _is_app_put(method: str, path: str) -> bool:
    return method == "PUT" and re.fullmatch(r"/api/2/apps/\d+", path) is not None


def test_a_lost_answer_to_the_app_put_is_read_back_and_the_report_matches(
    tmp_path: Path, quirks_profile: str
) -> None:
    """A fresh apply creates the app, then PUTs its parameters with their labels (accepted once).
    The answer to that PUT is lost after OneLogin applied it: apply reads the app back, does not
    send the labels again, reports done, and the next plan has nothing left for the app."""
    with world(tmp_path, quirks_profile) as running:
        stand = Stand(running.sandbox.onelogin_url)
        try:
            config = yaml.safe_load(running.config_path.read_text())
            config["onelogin"]["base_url"] = stand.url
            config["onelogin"].pop("subdomain", None)
            running.config_path.write_text(yaml.safe_dump(config))
            stand.hostile("PUT", _is_app_put, _apply_then_drop(stand))
            applied = running.cli("apply", "--auto-approve")
            assert stand.seen.is_set()
            output = applied.stdout + applied.stderr
            assert applied.returncode == 0, output
            assert "Not done" not in output
            puts = [
                r
                for r in running.requests_log()
                if r["method"] == "PUT" and _is_app_put("PUT", str(r["path"]).split("?")[0])
            ]
            assert len(puts) == 1, puts  # the lost PUT only: nothing was left to send again
            app = next(a for a in running.onelogin_state()["apps"] if a["name"] == "SCIM SOE")
            assert {"department", "title"} <= set(app["parameters"]), app["parameters"]
            again = running.cli("plan", "--detailed-exitcode")
            assert "Plan: 0 to create, 0 to change, 0 to delete" in again.stdout, again.stdout
        finally:
            stand.close()
