"""A lost answer to a write, end to end (issue 19): the sandbox applies the write and the stand-in
in front of it (tests/helpers/stand_in.py, 127.0.0.1 only) drops the connection before answering.
The report must match the server, and the next run converge."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import yaml

from onelogin_scim_setup.sandbox import Quirks
from onelogin_scim_setup.sandbox.seed.drift import DRIFT_SCIM_TOKEN
from onelogin_scim_setup.secrets.sources import deliver_to_file
from onelogin_scim_setup.secrets.token import fingerprint
from tests.helpers.rotation import converge, rotation_config
from tests.helpers.stand_in import Stand, Writer
from tests.sandbox_world import World, world


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


# --- every write kind, with the sandbox's targeted lost answer (FaultSpec.lose_answers) ---------

ROLES = ["Engineering", "SOE Moderators", "SOE Admins"]
ADMINS_MAPPING = "onelogin-scim-setup/SCIM SOE: userType for role SOE Admins"


def _applied(running: World) -> None:
    first = running.cli("apply", "--auto-approve")
    assert first.returncode == 0, first.stdout + first.stderr


def _new_role(running: World) -> None:
    running.write_config(app={"roles": [*ROLES, "Lost Answer Role"], "create_missing_roles": True})


def _mapping_disabled_by_hand(running: World) -> None:
    _applied(running)
    found = next(m for m in running.api("GET", "/api/2/mappings") if m["name"] == ADMINS_MAPPING)
    body = dict(running.api("GET", f"/api/2/mappings/{found['id']}"))
    body.pop("id", None)
    body.update(enabled=False, position=None)
    running.api("PUT", f"/api/2/mappings/{found['id']}", body)


def _owned_mapping_not_wanted(running: World) -> None:
    """A mapping under the tool's own name for a role no promotion names: plan deletes it."""
    _applied(running)
    found = next(m for m in running.api("GET", "/api/2/mappings") if m["name"] == ADMINS_MAPPING)
    body = dict(running.api("GET", f"/api/2/mappings/{found['id']}"))
    body.pop("id", None)
    body.update(
        name="onelogin-scim-setup/SCIM SOE: userType for role Engineering",
        enabled=False,
        position=None,
    )
    body["conditions"][0]["value"] = str(running.role_id("Engineering"))
    running.api("POST", "/api/2/mappings", body)


def _app_given_to_another_role(running: World) -> None:
    _applied(running)
    running.api("PUT", f"/api/2/roles/{running.role_id('Default')}/apps", [running.app_id()])
    running.write_config(app={"roles": ROLES, "exclusive_roles": True})


@dataclass(frozen=True)
class Kind:
    method: str
    path: str  # a regular expression over the request path
    set_up: Callable[[World], None] | None = None
    # Read back by apply itself (a create is looked for by the client first: reported as done).
    read_back: bool = True
    creates: int = 1  # objects of the kind the apply creates (each loses its answer)


KINDS = {
    "custom-field-create": Kind("POST", "/api/2/users/custom_attributes", read_back=False),
    "app-create": Kind("POST", "/api/2/apps"),
    "app-put-with-labels": Kind("PUT", r"/api/2/apps/\d+"),
    "role-create": Kind("POST", "/api/2/roles", _new_role, read_back=False),
    "role-app-grant": Kind("PUT", r"/api/2/roles/\d+/apps"),
    "role-app-removal": Kind("PUT", r"/api/2/roles/\d+/apps", _app_given_to_another_role),
    "mapping-create": Kind("POST", "/api/2/mappings", read_back=False, creates=2),
    "mapping-update": Kind("PUT", r"/api/2/mappings/\d+", _mapping_disabled_by_hand),
    "mapping-delete": Kind("DELETE", r"/api/2/mappings/\d+", _owned_mapping_not_wanted),
    "user-put": Kind("PUT", r"/api/2/users/\d+"),
}


def _unique_names(state: dict[str, Any]) -> None:
    for part, key in (
        ("apps", "name"),
        ("roles", "name"),
        ("mappings", "name"),
        ("custom_attributes", "shortname"),
    ):
        names = [item[key] for item in state[part]]
        assert len(names) == len(set(names)), (part, names)


@pytest.mark.parametrize("name", list(KINDS))
def test_every_write_kind_whose_answer_is_lost_reports_what_the_server_holds(
    tmp_path: Path, quirks_profile: str, name: str
) -> None:
    """OneLogin applies the first write of the kind and every answer to it is lost, the transport's
    retries included (max_retries + 1 answers): apply reads the resource back, reports it done
    (saying it was read back), never sends it again after the read, creates nothing twice, and the
    next plan has nothing left to do."""
    kind = KINDS[name]
    with world(tmp_path, quirks_profile) as running:
        if kind.set_up is not None:
            kind.set_up(running)
        running.clear_requests_log()
        attempts = int(running.config["onelogin"]["max_retries"]) + 1
        running.set_faults(
            lose_answers=[{"method": kind.method, "path": kind.path, "times": attempts}]
        )
        applied = running.cli("apply", "--auto-approve", "--force")
        output = applied.stdout + applied.stderr
        log = running.requests_log()
        running.set_faults()
        writes = [
            e for e in log if e["method"] == kind.method and re.fullmatch(kind.path, e["path"])
        ]
        assert writes, log
        assert writes[0].get("dropped") == "after", writes  # the fault hit
        assert applied.returncode == 0, output
        assert "Not done" not in output
        if kind.read_back:
            assert "done though the answer was lost (read back)" in applied.stdout, output
        if kind.method == "POST":
            # Each create lost its answer and was found by name: none was sent twice.
            assert len(writes) == kind.creates, writes
            assert all(e.get("dropped") == "after" for e in writes), writes
        else:
            # The transport's own retries of an idempotent write (a label's PUT: none), then the
            # read: never sent again after it.
            same = [e for e in writes if e["path"] == writes[0]["path"]]
            assert all(e.get("dropped") == "after" for e in same), same
            assert len(same) <= attempts, same
        _unique_names(running.onelogin_state())
        again = running.cli("plan", "--detailed-exitcode")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "Plan: 0 to create, 0 to change, 0 to delete" in again.stdout, again.stdout


def _lose_user_puts(running: World) -> int:
    attempts = int(running.config["onelogin"]["max_retries"]) + 1
    running.clear_requests_log()
    running.set_faults(lose_answers=[{"method": "PUT", "path": USER_PUT, "times": attempts}])
    return attempts


USER_PUT = r"/api/2/users/\d+"


def _user_puts(running: World) -> list[dict[str, Any]]:
    return [
        e
        for e in running.requests_log()
        if e["method"] == "PUT" and re.fullmatch(USER_PUT, e["path"])
    ]


def test_audit_fix_reads_back_a_reevaluation_whose_answer_was_lost(
    tmp_path: Path, quirks_profile: str
) -> None:
    """The empty user PUT that runs the mappings is applied and every answer to it lost: the user
    read back shows the new userType, the step is done (read back), the PUT is not sent again after
    the read, and the next audit finds nothing left."""
    with world(
        tmp_path, quirks_profile, scenario="drift", empty_user_put_runs_mappings=True
    ) as running:
        deliver_to_file(running.token_file, DRIFT_SCIM_TOKEN)
        running.write_config(promotions={"users": []})
        attempts = _lose_user_puts(running)
        fixed = running.cli("audit", "--fix", "--auto-approve", "--category", "mapping_not_applied")
        puts = _user_puts(running)
        running.set_faults()
        output = fixed.stdout + fixed.stderr
        assert fixed.returncode == 0, output
        assert puts
        assert all(e.get("dropped") == "after" for e in puts), puts
        assert len(puts) <= attempts
        assert "done: re-evaluate mappings in OneLogin mapping.pending@example.com" in fixed.stdout
        assert "(answer lost, read back)" in fixed.stdout, output
        user = next(
            u
            for u in running.onelogin_state()["users"]
            if u["email"] == "mapping.pending@example.com"
        )
        assert user["custom_attributes"]["userType"] == "Admin"
        again = running.cli("audit", "--output", "json", "--category", "mapping_not_applied")
        assert json.loads(again.stdout)["findings"] == [], again.stdout


def test_audit_fix_reads_back_a_demotion_whose_answer_was_lost(
    tmp_path: Path, quirks_profile: str
) -> None:
    """bob@ leaves the promoting role; audit --fix demotes him in OneLogin and every answer to the
    user PUT is lost: read back, done, not sent again, and plan and audit agree afterwards."""
    with world(tmp_path, quirks_profile) as running:
        _applied(running)
        running.play_admin(template=running.cli("render").stdout)
        role = running.role_id("SOE Moderators")
        running.api("DELETE", f"/api/2/roles/{role}/users", [running.user_id("bob@example.com")])
        attempts = _lose_user_puts(running)
        fixed = running.cli("audit", "--fix", "--auto-approve")
        puts = _user_puts(running)
        running.set_faults()
        output = fixed.stdout + fixed.stderr
        assert fixed.returncode == 0, output
        assert puts
        assert all(e.get("dropped") == "after" for e in puts), puts
        assert len(puts) <= attempts
        assert "done: demote in OneLogin bob@example.com" in fixed.stdout, output
        assert "(answer lost, read back)" in fixed.stdout, output
        state = {u["email"]: u for u in running.onelogin_state()["users"]}
        assert state["bob@example.com"]["custom_attributes"]["userType"] == "Registered"
        converged = running.cli("plan", "--detailed-exitcode")
        assert converged.returncode == 0, converged.stdout + converged.stderr
        again = running.cli("audit", "--output", "json")
        assert json.loads(again.stdout)["findings"] == [], again.stdout


def test_token_rotate_reads_back_a_onelogin_token_write_whose_answer_was_lost(
    tmp_path: Path, quirks_profile: str
) -> None:
    """SOE takes the new token; OneLogin applies the token PUT and every answer to it is lost.
    Where OneLogin shows the token, the read-back proves it and the rotation completes; where it
    shows it masked, the outcome is unknown and said so (never "OneLogin holds the old token"), and
    `token rotate --resume` finishes it."""
    with world(tmp_path, quirks_profile, expose_scim_configuration=True) as running:
        rotation_config(running, update_soe=True)
        converge(running)
        attempts = int(running.config["onelogin"]["max_retries"]) + 1
        running.clear_requests_log()
        running.set_faults(
            lose_answers=[{"method": "PUT", "path": r"/api/2/apps/\d+", "times": attempts}]
        )
        rotated = running.cli(
            "token", "rotate", "--auto-approve", "--timeout", "5", "--interval", "0.1"
        )
        puts = [
            e
            for e in running.requests_log()
            if e["method"] == "PUT" and re.fullmatch(r"/api/2/apps/\d+", e["path"])
        ]
        running.set_faults()
        output = rotated.stdout + rotated.stderr
        new = running.token_file.read_text().strip()
        assert puts
        assert all(e.get("dropped") == "after" for e in puts), puts  # never sent after the read
        app = next(a for a in running.onelogin_state()["apps"] if a["name"] == "SCIM SOE")
        held = "sha256:" + hashlib.sha256(new.encode()).hexdigest()[:8]
        assert app["scim"]["bearer_token"] == held  # OneLogin applied the lost write
        if Quirks.profile(quirks_profile).bearer_read_back == "clear":
            assert rotated.returncode == 0, output
            assert f"rotation complete: both sides hold {fingerprint(new)}" in output
        else:
            assert rotated.returncode == 1, output
            assert "OneLogin holds unknown." in output
            assert "the outcome is unknown: check the SCIM Bearer Token" in output
            resumed = running.cli(
                "token",
                "rotate",
                "--resume",
                "--auto-approve",
                "--timeout",
                "5",
                "--interval",
                "0.1",
            )
            assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        converged = running.cli("plan", "--detailed-exitcode")
        assert converged.returncode == 0, converged.stdout + converged.stderr


def test_verify_e2e_reads_back_a_test_user_write_whose_answer_was_lost(
    tmp_path: Path, quirks_profile: str
) -> None:
    """verify --e2e changes alice@'s userType and every answer to that PUT is lost: the user read
    back shows the change, the round trip goes on (SOE shows it) and puts the user back, and the
    next verify and plan agree."""
    with world(
        tmp_path, quirks_profile, expose_scim_configuration=True, bearer_read_back="clear"
    ) as running:
        converge(running)
        before = _alice(running)
        attempts = int(running.config["onelogin"]["max_retries"]) + 1
        running.clear_requests_log()
        running.set_faults(lose_answers=[{"method": "PUT", "path": USER_PUT, "times": attempts}])
        e2e = ("verify", "--e2e", "--test-user", "alice@example.com", "--interval", "0.1")
        verified = running.cli(*e2e, "--timeout", "5", "--output", "json")
        puts = _user_puts(running)
        running.set_faults()
        assert verified.returncode == 0, verified.stdout + verified.stderr
        checks = {c["name"]: c["status"] for c in json.loads(verified.stdout)["checks"]}
        assert "fail" not in checks.values(), checks
        assert any(name.startswith("e2e: original userType") for name in checks), checks
        lost = [e for e in puts if e.get("dropped") == "after"]
        assert len(lost) == attempts  # the change: every answer lost, never sent after the read
        assert [e for e in puts if not e.get("dropped")]  # the restore went through
        assert _alice(running) == before  # put back on both sides
        again = running.cli("plan", "--detailed-exitcode")
        assert again.returncode == 0, again.stdout + again.stderr


def _alice(running: World) -> tuple[Any, Any]:
    """alice@'s userType in OneLogin (empty and absent alike: the restore clears with "") and in
    SOE."""
    user = next(u for u in running.onelogin_state()["users"] if u["email"] == "alice@example.com")
    soe = running.soe_user("alice@example.com")
    return (user.get("custom_attributes") or {}).get("userType") or None, (soe or {}).get(
        "userType"
    )
