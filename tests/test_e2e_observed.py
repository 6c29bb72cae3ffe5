"""End to end under the readings of issue 20 that the two older profiles never exercised: every naming
of a custom field's mapping action, two fields with one display name, the hinted manual fix, a
masked token read-back and a user list that ignores `fields=` (the `documented` profile)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from onelogin_scim_setup.sandbox import Quirks
from tests.sandbox_world import World, world

E2E = ("--e2e", "--test-user", "alice@example.com", "--timeout", "3", "--interval", "0.1")
OPT = Quirks.optimistic()
PREFIX = "onelogin-scim-setup/SCIM SOE"
NAMING = "the switches under test set the action's naming; the rest of each profile cannot matter"


def naming(value: str, label: str, **more: Any) -> Quirks:
    return OPT.with_overrides(
        {"custom_field_action_value": value, "custom_field_action_label": label, **more}
    )


def field_action(running: World, shortname: str = "userType") -> str:
    """The action value the sandbox gave the field: ends with its id or its shortname."""
    fields = running.onelogin_state()["custom_attributes"]
    (field_id,) = [f["id"] for f in fields if f["shortname"] == shortname]
    for item in running.api("GET", "/api/2/mappings/actions"):
        value = str(item["value"])
        if value.endswith(f"_{field_id}") or value.lower().endswith(f"_{shortname.lower()}"):
            return value
    raise AssertionError(f"no action for {shortname}")


def mapping_actions(running: World) -> dict[str, str]:
    return {
        m["name"]: m["actions"][0]["action"]
        for m in running.onelogin_state()["mappings"]
        if m["name"].startswith(PREFIX)
    }


def converged(running: World) -> None:
    """apply's result, played through by the admin, plans nothing more and verifies end to end."""
    running.play_admin(template=running.cli("render").stdout)
    planned = running.cli("plan", "--detailed-exitcode")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    verified = running.cli("verify", *E2E)
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.one_profile(NAMING)
@pytest.mark.parametrize(
    ("value", "label"),
    [
        pytest.param("custom_attribute", "name", id="custom_attribute_<shortname> / <name>"),
        pytest.param("opaque", "name", id="set_custom_attribute_<id> / <name>"),
        pytest.param("guessable", "set_custom_attribute_name", id="set_<shortname> / other label"),
        pytest.param("opaque", "set_name", id="set_custom_attribute_<id> / Set <name>"),
    ],
)
def test_each_matchable_naming_applies_by_itself(tmp_path: Path, value: str, label: str) -> None:
    with world(tmp_path, naming(value, label)) as running:
        applied = running.cli("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        wanted = field_action(running)
        assert set(mapping_actions(running).values()) == {wanted}
        converged(running)


@pytest.mark.one_profile(NAMING)
def test_an_unmatchable_label_refuses_within_seconds_naming_the_actions_then_mapping_action_works(
    tmp_path: Path,
) -> None:
    quirks = naming("opaque", "set_custom_attribute_name", custom_field_action_delay=0.5)
    with world(tmp_path, quirks) as running:
        started = time.monotonic()
        stopped = running.cli("apply", "--auto-approve")
        took = time.monotonic() - started
        assert stopped.returncode != 0
        assert took < 15, f"waited {took:.1f} s (onelogin.action_wait is 60 s)"
        action = field_action(running)
        assert f"'Set custom attribute userType' ({action})" in stopped.stderr
        assert "'Set Role' (add_role)" in stopped.stderr
        assert "fields.user_type.mapping_action" in stopped.stderr
        assert "action 'Set userType'" not in stopped.stderr  # the old hint's invented label
        assert mapping_actions(running) == {}
        # plan says the same, at once, as a conflict
        planned = running.cli("plan")
        assert f"'Set custom attribute userType' ({action})" in planned.stdout + planned.stderr
        running.write_config(fields={"user_type": {"mapping_action": action}})
        applied = running.cli("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert set(mapping_actions(running).values()) == {action}
        converged(running)


@pytest.mark.one_profile(NAMING)
def test_a_mapping_action_the_tenant_does_not_list_is_a_conflict_at_plan_time(
    tmp_path: Path,
) -> None:
    with world(tmp_path, naming("custom_attribute", "name")) as running:
        applied = running.cli("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        running.write_config(fields={"user_type": {"mapping_action": "set_nothing"}})
        planned = running.cli("plan")
        out = planned.stdout + planned.stderr
        assert "1 conflict(s) to resolve first" in out
        assert running.cli("apply", "--auto-approve").returncode != 0
        assert "'set_nothing'" in out
        assert "'userType' (custom_attribute_userType)" in out


@pytest.mark.one_profile(NAMING)
def test_the_hinted_manual_fix_converges(tmp_path: Path) -> None:
    quirks = naming("opaque", "set_custom_attribute_name")
    with world(tmp_path, quirks) as running:
        stopped = running.cli("apply", "--auto-approve")
        assert stopped.returncode != 0
        action = field_action(running)
        # The operator does what the hint says: each mapping by hand, with the tool's name and the
        # action the tenant lists (named in the hint).
        assert f"({action})" in stopped.stderr
        for promotion in running.config["promotions"]["roles"]:
            role, user_type = promotion["role"], promotion["user_type"]
            body = {
                "name": f"{PREFIX}: userType for role {role}",
                "enabled": True,
                "match": "all",
                "position": None,
                "conditions": [
                    {"source": "has_role", "operator": "ri", "value": str(running.role_id(role))}
                ],
                "actions": [{"action": action, "value": [user_type]}],
            }
            running.api("POST", "/api/2/mappings", body)
        applied = running.cli("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert len(mapping_actions(running)) == len(running.config["promotions"]["roles"])
        converged(running)


@pytest.mark.one_profile(NAMING)
@pytest.mark.parametrize(
    ("value", "label", "applies"),
    [
        pytest.param("guessable", "set_name", True, id="values tell them apart"),
        pytest.param("opaque", "set_name", False, id="only the shared label"),
    ],
)
def test_two_fields_with_one_display_name_never_get_the_others_action(
    tmp_path: Path, value: str, label: str, applies: bool
) -> None:
    with world(tmp_path, naming(value, label)) as running:
        other = {"user_field": {"name": "userType", "shortname": "legacyType"}}
        running.api("POST", "/api/2/users/custom_attributes", other)
        legacy = field_action(running, "legacyType")
        applied = running.cli("apply", "--auto-approve")
        assert legacy not in mapping_actions(running).values()
        if not applies:
            assert applied.returncode != 0
            assert "more than one mapping action" in applied.stderr
            assert f"({legacy})" in applied.stderr
            running.write_config(fields={"user_type": {"mapping_action": field_action(running)}})
            applied = running.cli("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert set(mapping_actions(running).values()) == {field_action(running)}
        converged(running)


KEYS = {
    "configuration_keys": {
        "base_url": "scim_base_url",
        "bearer_token": "scim_bearer_token",
        "json_template": "scim_json_template",
    }
}


@pytest.mark.one_profile("the documented profile is the one under test, with each masked form")
@pytest.mark.parametrize("shown", ["stars", "bullets", "last4", "omitted"])
def test_a_masked_token_converges_and_is_never_resent(tmp_path: Path, shown: str) -> None:
    quirks = Quirks.documented().with_overrides(
        {"expose_scim_configuration": True, "bearer_read_back": shown}
    )
    with world(tmp_path, quirks) as running:
        running.write_config(app=KEYS)
        applied = running.cli("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        running.clear_requests_log()
        for _ in range(2):
            again = running.cli("apply", "--auto-approve")
            assert again.returncode == 0, again.stdout + again.stderr
        writes = [r for r in running.requests_log() if r["method"] in ("PUT", "POST")]
        assert not [r for r in writes if "/api/2/apps" in r["path"]], writes
        planned = running.cli("plan", "--detailed-exitcode")
        assert planned.returncode == 0, planned.stdout + planned.stderr
        assert planned.stdout.count("does not send it again") == 1


@pytest.mark.one_profile("the documented profile's user list is the one under test")
def test_a_user_list_that_ignores_fields_gives_no_false_change_or_finding(tmp_path: Path) -> None:
    with world(tmp_path, Quirks.documented()) as running:
        applied = running.cli("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        running.play_admin(template=running.cli("render").stdout)
        planned = running.cli("plan", "--detailed-exitcode")
        assert planned.returncode == 0, planned.stdout + planned.stderr
        # A role given without its mapping reapplied: found through the per-role listing.
        erin = running.user_id("erin@example.com")
        roles = [running.role_id("Engineering"), running.role_id("SOE Moderators")]
        url = f"{running.sandbox.onelogin_url}/_sandbox/users/{erin}/roles"
        requests.put(url, json={"role_ids": roles}, timeout=10).raise_for_status()
        audited = running.cli("audit")
        out = audited.stdout + audited.stderr
        assert "so department is not checked" in out
        assert "so title is not checked" in out
        counts = dict(re.findall(r"^(\w+) .*?(\d+)\s*$", out, flags=re.M))
        assert (counts["attribute_mismatch"], counts["mapping_not_applied"]) == ("0", "1"), out


@pytest.mark.one_profile("the documented profile's HTML 429 on the token endpoint is under test")
def test_an_html_429_on_the_token_endpoint_is_a_clear_error(tmp_path: Path) -> None:
    with world(tmp_path, Quirks.documented()) as running:
        url = f"{running.sandbox.onelogin_url}/_sandbox/rate_limit"
        requests.put(url, json={"remaining": 0, "reset": 1800}, timeout=10).raise_for_status()
        started = time.monotonic()
        planned = running.cli("plan")
        took = time.monotonic() - started
    assert planned.returncode != 0
    assert "Traceback" not in planned.stderr
    assert "429" in planned.stderr, planned.stderr
    assert "<html>" not in planned.stderr  # the page is not dumped at the operator
    assert took < 30, f"took {took:.1f} s"
