"""End to end, the way CI runs it: saved plans, pinned checksums, safety thresholds, drift and the
manual steps printed once. The real CLI in its own process against the sandbox on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.helpers.requests_log import api_writes
from tests.sandbox_world import CLIENT_SECRET, TOKEN, World, world


@pytest.fixture
def tenant(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    with world(tmp_path, quirks_profile) as running:
        yield running


def saved_plan(tenant: World, name: str = "plan.json") -> Path:
    result = tenant.cli("plan", "--out", name, "--detailed-exitcode")
    assert result.returncode == 2, result.stdout + result.stderr
    return tenant.folder / name


def test_ci_pipeline_refuses_a_stale_plan_then_applies_a_fresh_one(tenant: World) -> None:
    plan_file = saved_plan(tenant)
    # Between the pull request and the merge, someone creates the custom field by hand.
    tenant.api(
        "POST",
        "/api/2/users/custom_attributes",
        {"user_field": {"name": "userType", "shortname": "userType"}},
    )
    tenant.wait_for_field_actions()  # the merge comes minutes later
    tenant.clear_requests_log()
    refused = tenant.cli("apply", str(plan_file))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "is stale, nothing was applied" in refused.stderr
    assert "OneLogin changed since the plan was saved (custom_fields" in refused.stderr
    assert "no longer planned: create custom_field 'userType'" in refused.stderr
    assert api_writes(tenant.requests_log()) == []

    fresh = saved_plan(tenant)
    applied = tenant.cli("apply", str(fresh))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete" in applied.stdout
    assert tenant.cli("plan", "--detailed-exitcode").returncode == 0


def test_unchanged_saved_plan_applies_without_a_prompt_or_auto_approve(tenant: World) -> None:
    plan_file = saved_plan(tenant)
    applied = tenant.cli("apply", str(plan_file))  # stdin is not a terminal
    assert applied.returncode == 0, applied.stdout + applied.stderr
    planned = json.loads(plan_file.read_text())
    done = [line for line in applied.stderr.splitlines() if line.startswith("done: ")]
    api = [c for c in planned["changes"] if c["action"] in ("create", "update", "delete")]
    assert len(done) == len(api)


def test_saved_plan_is_refused_when_the_config_changed(tenant: World) -> None:
    plan_file = saved_plan(tenant)
    tenant.write_config(app={"roles": ["Engineering", "SOE Moderators"]})
    refused = tenant.cli("apply", str(plan_file))
    assert refused.returncode == 1
    assert (
        f"the config {tenant.config_path} (or its template or token) changed since the plan was "
        "saved with it" in refused.stderr
    )
    assert "no longer planned: update role 'SOE Admins'" in refused.stderr


def test_saved_plan_applied_with_another_config_names_both(tenant: World) -> None:
    plan_file = saved_plan(tenant)
    other = tenant.folder / "other.yaml"
    data = yaml.safe_load(tenant.config_path.read_text())
    data["app"]["roles"] = ["Engineering"]
    other.write_text(yaml.safe_dump(data), encoding="utf-8")
    tenant.clear_requests_log()
    refused = tenant.cli("apply", str(plan_file), "-c", str(other))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    flat = " ".join(refused.stderr.split())
    assert f"the plan was made with the config {tenant.config_path}" in flat
    assert f"this apply reads {other} (-c)" in flat
    assert f"apply with `-c {tenant.config_path}`" in flat
    assert api_writes(tenant.requests_log()) == []


def test_saved_plan_holds_fingerprints_and_digests_never_a_secret(tenant: World) -> None:
    text = saved_plan(tenant).read_text()
    assert TOKEN not in text
    assert CLIENT_SECRET not in text
    data = json.loads(text)
    assert data["format_version"] == 2
    assert data["basis"]["config_digest"].startswith("sha256:")
    assert set(data["basis"]["onelogin_digests"]) >= {"app", "roles", "mappings", "ids"}


def test_plan_output_json_cannot_be_applied_as_a_saved_plan(tenant: World) -> None:
    result = tenant.cli("plan", "--output", "json")
    (tenant.folder / "review.json").write_text(result.stdout)
    refused = tenant.cli("apply", "review.json")
    assert refused.returncode not in (0, 2)
    assert "is not a saved plan" in refused.stderr
    assert api_writes(tenant.requests_log()) == []


def test_checksum_pins_the_reviewed_plan(tenant: World) -> None:
    reviewed = json.loads(tenant.cli("plan", "--output", "json").stdout)["checksum"]
    wrong = tenant.cli("apply", "--auto-approve", "--checksum", "sha256:0000000000000000")
    assert wrong.returncode == 1
    assert f"has checksum {reviewed}, not sha256:0000000000000000" in wrong.stderr
    assert api_writes(tenant.requests_log()) == []
    right = tenant.cli("apply", "--auto-approve", "--checksum", reviewed)
    assert right.returncode == 0, right.stdout + right.stderr


def test_a_matching_checksum_is_the_approval_without_a_terminal(tenant: World) -> None:
    reviewed = json.loads(tenant.cli("plan", "--output", "json").stdout)["checksum"]
    tenant.clear_requests_log()
    applied = tenant.cli("apply", "--checksum", reviewed)  # stdin is /dev/null, no --auto-approve
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply these changes" not in applied.stdout + applied.stderr
    assert api_writes(tenant.requests_log()) != []
    assert tenant.cli("plan", "--detailed-exitcode").returncode == 0


def test_a_wrong_checksum_without_a_terminal_is_refused_with_both_sums(tenant: World) -> None:
    reviewed = json.loads(tenant.cli("plan", "--output", "json").stdout)["checksum"]
    tenant.clear_requests_log()
    wrong = tenant.cli("apply", "--checksum", "sha256:0000000000000000")
    assert wrong.returncode == 1
    assert f"has checksum {reviewed}, not sha256:0000000000000000" in wrong.stderr
    assert api_writes(tenant.requests_log()) == []


def test_deleting_more_owned_mappings_than_allowed_needs_force(tenant: World) -> None:
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    tenant.write_config(promotions={"roles": []}, safety={"max_mapping_deletes": 1})
    tenant.clear_requests_log()
    refused = tenant.cli("apply", "--auto-approve")
    assert refused.returncode == 1
    assert "would delete 2 owned mapping(s), more than safety.max_mapping_deletes (1)" in (
        refused.stderr
    )
    assert api_writes(tenant.requests_log()) == []
    forced = tenant.cli("apply", "--auto-approve", "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert len([w for w in api_writes(tenant.requests_log()) if w.startswith("DELETE")]) == 2


EVERYONE = [
    {"email": f"{name}@example.com", "title": "Engineer II"}
    for name in ("alice", "bob", "carol", "dave", "erin")
]


@pytest.mark.parametrize(
    ("safety", "refused"),
    [
        ({"min_user_changes": 3}, True),  # 3 of 5 titles overwritten (60%) > 20%
        ({}, False),  # fewer than min_user_changes (5) overwrites: a small config is not blocked
        ({"min_user_changes": 3, "max_user_change_percent": 80}, False),
    ],
)
def test_overwriting_too_many_per_user_values_needs_force(
    tenant: World, safety: dict[str, float], refused: bool
) -> None:
    # alice, bob and carol have titles; dave and erin's are set from nothing or already equal.
    users = [*EVERYONE[:3], {"email": "dave@example.com", "title": "SRE"}]
    tenant.write_config(promotions={"roles": [], "users": users}, safety=safety)
    result = tenant.cli("apply", "--auto-approve")
    if refused:
        assert result.returncode == 1
        assert "would overwrite 3 of 4 per-user values (75%)" in result.stderr
        assert api_writes(tenant.requests_log()) == []
    else:
        assert result.returncode == 0, result.stdout + result.stderr


def test_role_with_the_app_outside_app_roles_is_shown_not_pending(tenant: World) -> None:
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    sales = tenant.role_id("Sales")
    tenant.api("PUT", f"/api/2/roles/{sales}/apps", [tenant.app_id()])
    result = tenant.cli("plan", "--detailed-exitcode")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Not managed by this config (shown, never changed):\n  ? role 'Sales'" in result.stdout
    assert "1 unmanaged (shown, not changed)." in result.stdout
    data = json.loads(tenant.cli("plan", "--output", "json").stdout)
    assert data["summary"]["unmanaged"] == 1
    assert data["has_changes"] is False


def test_exclusive_roles_removes_our_app_and_keeps_the_role_s_other_apps(tenant: World) -> None:
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    default = tenant.role_id("Default")
    slack = tenant.app_id("Slack")
    tenant.api("PUT", f"/api/2/roles/{default}/apps", [slack, tenant.app_id()])
    tenant.write_config(app={"exclusive_roles": True})
    planned = tenant.cli("plan", "--detailed-exitcode")
    assert planned.returncode == 2
    assert "  - role 'Default'\n      has_app: true" in planned.stdout
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    role = next(r for r in tenant.onelogin_state()["roles"] if r["id"] == default)
    assert role["apps"] == [slack]


NO_ROLES = {"app": {"roles": []}, "promotions": {"roles": [], "users": []}}


def role_reads(running: World) -> list[str]:
    return [
        f"{r['method']} {r['path']}"
        for r in running.requests_log()
        if r["method"] == "GET" and str(r["path"]).startswith("/api/2/roles")
    ]


@pytest.mark.parametrize("exclusive", [False, True], ids=["unmanaged", "exclusive"])
def test_drift_is_shown_when_the_config_names_no_role(tenant: World, exclusive: bool) -> None:
    tenant.write_config(**NO_ROLES)
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    sales = tenant.role_id("Sales")
    tenant.api("PUT", f"/api/2/roles/{sales}/apps", [tenant.app_id()])
    tenant.write_config(**{**NO_ROLES, "app": {"roles": [], "exclusive_roles": exclusive}})
    tenant.clear_requests_log()
    data = json.loads(tenant.cli("plan", "--output", "json").stdout)
    drift = [(c["action"], c["kind"], c["key"]) for c in data["changes"] if c["kind"] == "role"]
    assert drift == [("delete" if exclusive else "unmanaged", "role", "Sales")]
    # One roles listing (with each role's apps), no lookup per role.
    assert role_reads(tenant) == ["GET /api/2/roles"]


def test_exclusive_roles_with_no_role_configured_removes_the_app(tenant: World) -> None:
    tenant.write_config(**NO_ROLES)
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    sales = tenant.role_id("Sales")
    tenant.api("PUT", f"/api/2/roles/{sales}/apps", [tenant.app_id()])
    tenant.write_config(**{**NO_ROLES, "app": {"roles": [], "exclusive_roles": True}})
    applied = tenant.cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    role = next(r for r in tenant.onelogin_state()["roles"] if r["id"] == sales)
    assert tenant.app_id() not in role["apps"]
    assert tenant.cli("plan", "--detailed-exitcode").returncode == 0


def test_taking_the_app_from_more_roles_than_allowed_needs_force(tenant: World) -> None:
    tenant.write_config(**NO_ROLES)
    assert tenant.cli("apply", "--auto-approve").returncode == 0
    for name in ("Sales", "Default"):
        tenant.api("PUT", f"/api/2/roles/{tenant.role_id(name)}/apps", [tenant.app_id()])
    exclusive = {"roles": [], "exclusive_roles": True}
    tenant.write_config(**{**NO_ROLES, "app": exclusive}, safety={"max_role_removals": 1})
    tenant.clear_requests_log()
    refused = tenant.cli("apply", "--auto-approve")
    assert refused.returncode == 1
    assert "take the app from 2 role(s) (app.exclusive_roles), more than " in refused.stderr
    assert "safety.max_role_removals (1)" in refused.stderr
    assert api_writes(tenant.requests_log()) == []
    forced = tenant.cli("apply", "--auto-approve", "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert tenant.cli("plan", "--detailed-exitcode").returncode == 0


def test_apply_prints_the_manual_steps_once_compact(tenant: World) -> None:
    result = tenant.cli("apply", "--auto-approve")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("! soe 'SCIM settings'") == 1
    assert result.stdout.index("Apply complete") < result.stdout.index("! soe 'SCIM settings'")
    assert "urn:ietf:params:scim:schemas:core:2.0:User" not in result.stdout
    assert "`onelogin-scim-setup runbook` shows the exact values" in result.stdout


def test_plan_verbose_shows_the_manual_values_in_full(tenant: World) -> None:
    result = tenant.cli("-v", "plan")
    assert result.returncode == 0, result.stderr
    assert "urn:ietf:params:scim:schemas:core:2.0:User" in result.stdout
    assert "SCIM authorization bearer token: (sensitive) sha256:" in result.stdout
