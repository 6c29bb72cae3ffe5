"""audit end to end: the real CLI against the sandbox's drift scenario (docs/sandbox.md, "drift"),
a clean tenant after the normal flow, and a SCIM server that is not ours."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from onelogin_scim_setup.audit.findings import Category
from onelogin_scim_setup.sandbox import Quirks
from onelogin_scim_setup.sandbox.seed.drift import DRIFT_SCIM_TOKEN
from onelogin_scim_setup.secrets.sources import deliver_to_file
from tests.helpers.scim2 import start_scim2_server, wait_until_up
from tests.sandbox_world import CLIENT_SECRET, TOKEN, World, world

SEEDED = {
    "should_be_inactive": ["suspended.user@example.com", "unassigned.user@example.com"],
    "orphan": ["orphan.user@example.com"],
    "should_be_active": ["returning.user@example.com"],
    "user_type_mismatch": ["type.mismatch@example.com"],
    "mapping_not_applied": ["mapping.pending@example.com"],
    "attribute_mismatch": ["attribute.mismatch@example.com", "attribute.mismatch@example.com"],
    "literal_placeholder": ["literal.placeholder@example.com"],
    "not_signed_in": ["new.hire@example.com"],
}


def seeded(profile: str) -> dict[str, list[str]]:
    """The seeded findings a profile's audit can see: a user list without department and title
    (the documented list keys, `fields=` ignored) leaves them not checked, said in a note, and so
    never a finding (issue 20: never a false one)."""
    if Quirks.profile(profile).users_list_keys == "documented":
        return {**SEEDED, "attribute_mismatch": []}
    return SEEDED


FINDING_KEYS = [
    "category",
    "severity",
    "user",
    "attribute",
    "expected",
    "actual",
    "cause",
    "fix",
    "onelogin_id",
    "soe_id",
]
LEAVERS = {"suspended.user@example.com", "unassigned.user@example.com", "orphan.user@example.com"}


def drift_world(folder: Path, profile: str, **options: Any) -> Iterator[World]:
    with world(folder, profile, scenario="drift", **options) as running:
        deliver_to_file(running.token_file, DRIFT_SCIM_TOKEN)
        # The drift tenant has no per-user values; the demo config's dave@ entry would be drift too.
        running.write_config(promotions={"users": []})
        yield running


@pytest.fixture
def drift(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    yield from drift_world(tmp_path, quirks_profile)


def by_category(findings: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in findings:
        found.setdefault(finding["category"], []).append(finding["user"])
    return {category: sorted(users) for category, users in found.items()}


def audit_json(running: World, *args: str) -> dict[str, Any]:
    result = running.cli("audit", "--output", "json", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(json.loads(result.stdout))


def test_each_category_is_found_exactly_for_its_seeded_users(
    drift: World, quirks_profile: str
) -> None:
    wanted = {k: v for k, v in seeded(quirks_profile).items() if v}
    assert by_category(audit_json(drift)["findings"]) == wanted


def test_json_shape_is_pinned(drift: World, quirks_profile: str) -> None:
    report = audit_json(drift)
    assert list(report) == ["format_version", "users", "summary", "has_problems", "findings"]
    assert report["format_version"] == 1
    assert report["users"] == {"onelogin": 13, "soe": 12}
    # Every category is counted, the ones the drift scenario does not seed as 0.
    seeded_here = seeded(quirks_profile)
    assert report["summary"] == {c.value: len(seeded_here.get(c.value, [])) for c in Category}
    assert all(list(finding) == FINDING_KEYS for finding in report["findings"])
    orphan = next(f for f in report["findings"] if f["category"] == "orphan")
    assert (orphan["severity"], orphan["attribute"], orphan["expected"], orphan["actual"]) == (
        "security",
        "active",
        "inactive",
        "active",
    )
    assert orphan["onelogin_id"] is None
    assert isinstance(orphan["soe_id"], str)


def test_csv_has_a_header_and_one_row_per_finding(drift: World, quirks_profile: str) -> None:
    result = drift.cli("audit", "--output", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == FINDING_KEYS
    assert sorted(row[0] for row in rows[1:]) == sorted(
        category for category, users in seeded(quirks_profile).items() for _ in users
    )


def test_category_filter_keeps_only_the_named_categories(drift: World) -> None:
    report = audit_json(drift, "--category", "orphan", "--category", "should_be_inactive")
    assert by_category(report["findings"]) == {
        "orphan": SEEDED["orphan"],
        "should_be_inactive": SEEDED["should_be_inactive"],
    }


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((), 0),
        (("--detailed-exitcode",), 2),
        (("--detailed-exitcode", "--category", "not_signed_in"), 0),
        (("--category", "no_such_category"), 64),  # a usage error
        (("--fix", "--auto-approve"), 64),  # --fix reports as text only: a usage error
    ],
)
def test_exit_codes(drift: World, args: tuple[str, ...], code: int) -> None:
    assert drift.cli("audit", "--output", "json", *args).returncode == code


def test_terminal_output_has_the_summary_and_worst_findings_and_no_secret(
    drift: World, quirks_profile: str
) -> None:
    result = drift.cli("audit")
    assert result.returncode == 0, result.stderr
    assert "should_be_inactive" in result.stdout
    count = sum(len(users) for users in seeded(quirks_profile).values())
    assert f"Worst findings ({count} of {count})" in result.stdout
    assert result.stdout.index("suspended.user@") < result.stdout.index("new.hire@")
    for secret in (DRIFT_SCIM_TOKEN, CLIENT_SECRET):
        assert secret not in result.stdout + result.stderr


def test_calls_are_the_listing_pages_plus_a_constant(tmp_path: Path, quirks_profile: str) -> None:
    # Pages of 5: 13 users are 3 pages, the app's 11 users 3 pages, 12 SOE users 1 page of 100.
    for running in drift_world(tmp_path, quirks_profile, page_size=5):
        running.clear_requests_log()
        requests.delete(f"{running.sandbox.soe_url}/_sandbox/requests", timeout=10)
        assert running.cli("audit", "--output", "json").returncode == 0
        onelogin = running.requests_log()
        soe = requests.get(f"{running.sandbox.soe_url}/_sandbox/requests", timeout=10).json()
    app_users = [c for c in onelogin if re.fullmatch(r"/api/2/apps/\d+/users", c["path"])]
    users = [c for c in onelogin if c["path"] == "/api/2/users"]
    by_type = sorted(c["query"].pop("custom_attributes.userType", "") for c in users)
    assert (len(users) - len(TYPE_LOOKUPS[quirks_profile]), len(app_users)) == (3, 3)
    assert [t for t in by_type if t] == TYPE_LOOKUPS[quirks_profile]
    # A list without role_ids: one listing per promoted role (2 roles, one page each).
    role_users = [c for c in onelogin if re.fullmatch(r"/api/2/roles/\d+/users", c["path"])]
    documented = Quirks.profile(quirks_profile).users_list_keys == "documented"
    assert len(role_users) == (2 if documented else 0)
    # The constant: token, connectors, apps, the app, roles.
    assert len(onelogin) - len(users) - len(app_users) - len(role_users) == 5
    assert [(c["method"], c["path"]) for c in soe] == [("GET", "/api/scim/v2/Users")]


# A tenant whose user lists lack custom attributes (pessimistic) is asked, once per user type, who
# holds it: one filtered listing each, never a read per user.
TYPE_LOOKUPS = {
    "optimistic": [],
    "pessimistic": ["Admin", "Moderator", "Registered"],
    "documented": ["Admin", "Moderator", "Registered"],
}


def soe_active(running: World) -> dict[str, bool]:
    return {u["userName"]: u["active"] for u in running.soe_users()}


def test_fix_deactivates_only_the_leavers_and_orphans(drift: World) -> None:
    before = soe_active(drift)
    requests.delete(f"{drift.sandbox.soe_url}/_sandbox/requests", timeout=10)
    result = drift.cli("audit", "--fix", "--auto-approve")
    after = soe_active(drift)
    assert result.returncode == 0, result.stdout + result.stderr
    soe_calls = requests.get(f"{drift.sandbox.soe_url}/_sandbox/requests", timeout=10).json()
    # (the mapping re-evaluation makes OneLogin push mapping.pending@ too: more GETs and a PUT)
    assert "DELETE" not in {c["method"] for c in soe_calls}
    assert {name for name in before if before[name] != after[name]} == LEAVERS
    assert not any(after[name] for name in LEAVERS)
    assert len(drift.soe_users()) == len(before)  # nothing deleted
    for name in LEAVERS:
        assert f"  done: deactivate in SOE {name}" in result.stdout


def test_fix_reevaluates_mappings_and_reads_back(tmp_path: Path, quirks_profile: str) -> None:
    # The switch under test is set in both profiles (pessimistic's own side is the next test).
    for running in drift_world(tmp_path, quirks_profile, empty_user_put_runs_mappings=True):
        result = running.cli(
            "audit", "--fix", "--auto-approve", "--category", "mapping_not_applied"
        )
        state = running.onelogin_state()
        puts = [c for c in running.requests_log() if c["method"] == "PUT"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "  done: re-evaluate mappings in OneLogin mapping.pending@example.com" in result.stdout
    user = next(u for u in state["users"] if u["email"] == "mapping.pending@example.com")
    assert user["custom_attributes"]["userType"] == "Admin"
    assert [(c["query"], c["body_keys"]) for c in puts] == [({"mappings": "sync"}, [])]


def test_fix_falls_back_to_the_manual_reapply_when_the_update_runs_no_mapping(
    tmp_path: Path, quirks_profile: str
) -> None:
    for running in drift_world(tmp_path, quirks_profile, empty_user_put_runs_mappings=False):
        result = running.cli(
            "audit", "--fix", "--auto-approve", "--category", "mapping_not_applied"
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "manual step needed: re-evaluate mappings" in result.stdout
    assert "Reapply All Mappings" in result.stdout


def test_fix_refuses_a_mass_deactivation(drift: World) -> None:
    # The connection breaks (so OneLogin cannot deprovision) and three more users lose the app.
    app_id = drift.app_id()
    requests.put(
        f"{drift.sandbox.onelogin_url}/_sandbox/apps/{app_id}/scim",
        json={"bearer_token": "broken-token-0000000000"},
        timeout=10,
    ).raise_for_status()
    for email in ("alice@example.com", "bob@example.com", "carol@example.com"):
        requests.put(
            f"{drift.sandbox.onelogin_url}/_sandbox/users/{drift.user_id(email)}/roles",
            json={"role_ids": []},
            timeout=10,
        ).raise_for_status()
    before = soe_active(drift)
    result = drift.cli("audit", "--fix", "--auto-approve")
    assert result.returncode == 1
    assert "would deactivate 6 of SOE's 11 active users" in result.stderr
    assert "--force" in result.stderr
    assert soe_active(drift) == before


def test_fix_without_a_terminal_needs_auto_approve(drift: World) -> None:
    before = soe_active(drift)
    result = drift.cli("audit", "--fix")
    assert result.returncode == 64  # a usage error: the fix is --auto-approve (or a terminal)
    assert "not a terminal" in result.stderr
    assert soe_active(drift) == before


def test_clean_tenant_after_apply_and_the_manual_steps_has_no_findings(
    tmp_path: Path, quirks_profile: str
) -> None:
    with world(tmp_path, quirks_profile) as running:
        applied = running.cli("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        running.play_admin(template=running.cli("render").stdout)
        result = running.cli("audit", "--output", "json", "--detailed-exitcode")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["findings"] == []
    assert report["users"]["soe"] > 0


def test_audit_pages_a_scim_server_that_is_not_ours(tmp_path: Path, quirks_profile: str) -> None:
    """scim2-server answers standard ListResponses; 150 users take two pages of 100."""
    with (tmp_path / "scim2.log").open("wb") as log:
        server, base = start_scim2_server(TOKEN, log)
    try:
        wait_until_up(base + "/ServiceProviderConfig", server)
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}
        with requests.Session() as session:
            session.trust_env = False
            for i in range(150):
                body = {
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": f"stranger{i:03d}@example.com",
                }
                session.post(
                    base + "/Users", json=body, headers=headers, timeout=5
                ).raise_for_status()
        with world(tmp_path, quirks_profile) as running:
            assert running.cli("apply", "--auto-approve").returncode == 0
            running.write_config(soe={"scim_base_url": base})
            result = running.cli("audit", "--output", "json", "--category", "orphan")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["users"]["soe"] == 150
    assert len({f["user"] for f in report["findings"]}) == 150


def test_interrupted_fix_reports_what_was_done(
    drift: World, monkeypatch: pytest.MonkeyPatch, run_cli: Any
) -> None:
    """Ctrl-C during the second deactivation: the first is reported done, the rest not done."""
    from onelogin_scim_setup.soe.client import ScimClient

    real = ScimClient.set_active
    calls: list[str] = []

    def interrupted_on_second(self: ScimClient, user_id: str | int, active: bool) -> Any:
        calls.append(str(user_id))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, user_id, active)

    monkeypatch.setattr(ScimClient, "set_active", interrupted_on_second)
    for name, value in drift.env().items():
        if name.startswith("ONELOGIN_"):
            monkeypatch.setenv(name, value)
    before = soe_active(drift)
    result = run_cli("-c", str(drift.config_path), "audit", "--fix", "--auto-approve")
    after = soe_active(drift)
    assert result.exit_code == 130
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"suspended.user@example.com"}
    assert "  done: deactivate in SOE suspended.user@example.com" in result.stdout
    assert "interrupted (outcome unknown): deactivate in SOE unassigned.user@example.com" in (
        result.stdout
    )
    assert "not done: deactivate in SOE orphan.user@example.com" in result.stdout


def test_sandbox_drift_scenario_serves_a_config_that_audit_can_use(
    tmp_path: Path, quirks_profile: str
) -> None:
    command = [sys.executable, "-m", "onelogin_scim_setup", "sandbox", "--scenario", "drift"]
    command += ["--quirks", quirks_profile]
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        assert server.stdout is not None
        lines = []
        for line in server.stdout:
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        config = next(line.split()[-1] for line in lines if line.startswith("Ready config:"))
        secret = next(
            line.split("=", 1)[1].split()[0]
            for line in lines
            if "export ONELOGIN_CLIENT_SECRET=" in line
        )
        env = {**os.environ, "ONELOGIN_CLIENT_ID": "sandbox-client-id"}
        env["ONELOGIN_CLIENT_SECRET"] = secret
        audited = subprocess.run(
            [sys.executable, "-m", "onelogin_scim_setup", "-c", config, "audit", "-o", "json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=10)
    assert f"onelogin-scim-setup -c {config} audit\n" in lines
    assert audited.returncode == 0, audited.stderr
    wanted = {k: v for k, v in seeded(quirks_profile).items() if v}
    assert by_category(json.loads(audited.stdout)["findings"]) == wanted


def test_sigint_during_fix_reports_what_was_done(drift: World) -> None:
    """A real Ctrl-C (SIGINT) once the first deactivation is reported; SOE answers each
    deactivation 3 s late, so the signal lands while the second one waits for its answer: that
    one finishes (a step is never cut in half), the third is not started."""
    drift.set_faults(per_endpoint={"/api/scim/v2/Users/": {"latency": 3.0}})
    command = [sys.executable, "-m", "onelogin_scim_setup", "-c", str(drift.config_path)]
    command += ["audit", "--fix", "--auto-approve", "--category", "orphan"]
    command += ["--category", "should_be_inactive"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=drift.env(),
        cwd=drift.folder,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("done: deactivate in SOE"):
            # The "done" line comes before the next request is sent; a second later that request
            # is surely waiting on its 3 s answer, whatever the machine's load.
            time.sleep(1.0)
            process.send_signal(signal.SIGINT)
            break
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "  done: deactivate in SOE suspended.user@example.com" in stdout
    assert "  done: deactivate in SOE unassigned.user@example.com" in stdout
    assert "not done: deactivate in SOE orphan.user@example.com" in stdout
    drift.set_faults()
    after = soe_active(drift)
    assert not after["suspended.user@example.com"]
    assert not after["unassigned.user@example.com"]
    assert after["orphan.user@example.com"]


def test_every_page_of_both_sides_is_asked_once_when_read_in_parallel(
    tmp_path: Path, quirks_profile: str
) -> None:
    # 250 more SOE users: three SCIM pages after the first page's totalResults, asked in parallel
    # by startIndex; OneLogin's user list in pages of 50, by page number where Total-Pages says.
    for running in drift_world(tmp_path, quirks_profile, users=300, soe_users=250, page_size=50):
        running.clear_requests_log()
        requests.delete(f"{running.sandbox.soe_url}/_sandbox/requests", timeout=10)
        report = audit_json(running)
        onelogin = running.requests_log()
        soe = requests.get(f"{running.sandbox.soe_url}/_sandbox/requests", timeout=10).json()
        soe_count = len(running.soe_users())
        onelogin_count = len(running.onelogin_state()["users"])
    starts = sorted(int(c["query"]["startIndex"]) for c in soe)
    assert starts == list(range(1, soe_count + 1, 100))
    assert report["users"] == {"onelogin": onelogin_count, "soe": soe_count}
    listings = [
        json.dumps([c["path"], c["query"]], sort_keys=True)
        for c in onelogin
        if c["path"].endswith("/users")
    ]
    assert len(listings) == len(set(listings))  # no page asked twice
