"""End to end: `import` adopts a setup made by hand in the (sandbox) tenant, and `plan` right after
shows no change. The hand-made setup is built through OneLogin's public API, as an admin would."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import yaml

from onelogin_scim_setup.sandbox import Quirks
from tests.helpers.requests_log import api_writes
from tests.sandbox_world import CLIENT_ID, CLIENT_SECRET, World, world

SCIM_ENTERPRISE = 130179
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def tenant(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    with world(tmp_path, quirks_profile) as running:
        yield running


def listed_action(tenant: World, label: str) -> str:
    """The action the admin picks in the mapping editor by its label: a tenant may list a new
    field's action only after a while, under a value nobody can guess (the pessimistic profile)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        actions = tenant.api("GET", "/api/2/mappings/actions")
        # Labelled "Set <name>", by the name alone (the documented profile), or "Set custom
        # attribute <name>" (a naming no rule of the tool matches).
        name = label.removeprefix("Set ")
        labels = {label, name, f"Set custom attribute {name}"}
        found = [a["value"] for a in actions if a["name"] in labels]
        if found:
            return str(found[0])
        time.sleep(0.1)
    raise AssertionError(f"the tenant never listed the mapping action {label!r}")


def hand_made(tenant: World, *, mapping_name: str = "Moderators in SOE") -> None:
    """The setup a team clicked together before adopting the tool."""
    tenant.api(
        "POST",
        "/api/2/users/custom_attributes",
        {"user_field": {"name": "SOE user type", "shortname": "userType"}},
    )
    roles = [tenant.role_id("Engineering"), tenant.role_id("SOE Moderators")]
    parameter = {
        "label": "userType",
        "user_attribute_mappings": "custom_attribute_userType",
        "include_in_saml_assertion": True,
    }
    tenant.api(
        "POST",
        "/api/2/apps",
        {
            "connector_id": SCIM_ENTERPRISE,
            "name": "SOE (hand-made)",
            "provisioning": {"enabled": True},
            "role_ids": roles,
            "parameters": {"userType": parameter},
        },
    )
    tenant.api(
        "POST",
        "/api/2/mappings",
        {
            "name": mapping_name,
            "enabled": True,
            "match": "all",
            "conditions": [{"source": "has_role", "operator": "ri", "value": str(roles[1])}],
            "position": None,
            "actions": [
                {"action": listed_action(tenant, "Set SOE user type"), "value": ["Moderator"]}
            ],
        },
    )


def run_import(tenant: World, *extra: str) -> Path:
    result = tenant.cli(
        "import",
        "imported.yaml",
        "--base-url",
        tenant.sandbox.onelogin_url,
        "--soe-scim-url",
        tenant.sandbox.soe_scim_url,
        "--app",
        "SOE (hand-made)",
        *extra,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return tenant.folder / "imported.yaml"


def test_import_then_plan_shows_no_changes(tenant: World) -> None:
    hand_made(tenant)
    imported = run_import(tenant)
    planned = tenant.cli("-c", str(imported), "plan", "--detailed-exitcode")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "No changes. OneLogin matches the configuration." in planned.stdout
    assert "unmanaged" not in planned.stdout


def test_import_adopts_the_hand_made_mapping_by_its_name(tenant: World) -> None:
    hand_made(tenant)
    config = yaml.safe_load(run_import(tenant).read_text())
    assert config["promotions"]["roles"] == [
        {"role": "SOE Moderators", "user_type": "Moderator", "mapping": "Moderators in SOE"}
    ]
    assert config["app"]["roles"] == ["Engineering", "SOE Moderators"]
    assert config["fields"]["user_type"] == {
        "enabled": True,
        "shortname": "userType",
        "name": "SOE user type",
    }
    assert config["soe"]["allow_moderator_promotion"] is True


def test_import_only_reads(tenant: World) -> None:
    hand_made(tenant)
    tenant.clear_requests_log()
    run_import(tenant)
    assert api_writes(tenant.requests_log()) == []


def test_import_writes_no_secret_and_a_valid_commented_config(tenant: World) -> None:
    hand_made(tenant)
    text = run_import(tenant).read_text()
    assert CLIENT_SECRET not in text
    assert CLIENT_ID not in text
    assert "# Each hand-made mapping keeps its name" in text
    assert tenant.cli("-c", "imported.yaml", "validate").returncode == 0
    # Editors validate it: the first line names the schema written beside it, which it matches.
    assert text.startswith("# yaml-language-server: $schema=onelogin-scim-setup.schema.json\n")
    schema = json.loads((tenant.folder / "onelogin-scim-setup.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(text))


def test_import_refuses_to_overwrite_without_force(tenant: World) -> None:
    hand_made(tenant)
    (tenant.folder / "imported.yaml").write_text("# mine\n")
    refused = tenant.cli(
        "import",
        "imported.yaml",
        "--base-url",
        tenant.sandbox.onelogin_url,
        "--soe-scim-url",
        tenant.sandbox.soe_scim_url,
    )
    assert refused.returncode not in (0, 2)
    assert "already exists; use --force" in refused.stderr
    assert (tenant.folder / "imported.yaml").read_text() == "# mine\n"
    run_import(tenant, "--force")


def test_import_without_the_app_says_so(tenant: World) -> None:
    result = tenant.cli(
        "import",
        "imported.yaml",
        "--base-url",
        tenant.sandbox.onelogin_url,
        "--soe-scim-url",
        tenant.sandbox.soe_scim_url,
    )
    assert result.returncode == 1
    assert "no app named 'SCIM SOE'" in result.stderr
    assert not (tenant.folder / "imported.yaml").exists()


@pytest.mark.one_profile("the action naming under test is set by its own switches")
def test_import_explains_each_hand_made_mapping_golden(tmp_path: Path) -> None:
    """Under a label no rule matches ('Set custom attribute <name>'): the action is read from the
    hand-made mappings, each mapping is explained (adopted, or why not), a disabled Admin mapping
    keeps the Admin box true, and plan then shows no change."""
    quirks = Quirks.optimistic().with_overrides(
        {
            "custom_field_action_value": "opaque",
            "custom_field_action_label": "set_custom_attribute_name",
        }
    )
    with world(tmp_path, quirks) as running:
        hand_made(running)
        action = listed_action(running, "Set SOE user type")
        admins = str(running.role_id("SOE Admins"))
        base = {"match": "all", "position": None}
        running.api(
            "POST",
            "/api/2/mappings",
            {
                **base,
                "name": "Admins in SOE (off)",
                "enabled": False,
                "conditions": [{"source": "has_role", "operator": "ri", "value": admins}],
                "actions": [{"action": action, "value": ["Admin"]}],
            },
        )
        running.api(
            "POST",
            "/api/2/mappings",
            {
                **base,
                "name": "Two conditions",
                "enabled": True,
                "conditions": [
                    {"source": "has_role", "operator": "ri", "value": admins},
                    {"source": "email", "operator": "~", "value": "@example.com"},
                ],
                "actions": [{"action": action, "value": ["Admin"]}],
            },
        )
        result = running.cli(
            "import",
            "imported.yaml",
            "--base-url",
            running.sandbox.onelogin_url,
            "--soe-scim-url",
            running.sandbox.soe_scim_url,
            "--app",
            "SOE (hand-made)",
        )
        assert result.returncode == 0, result.stdout + result.stderr
        written = (running.folder / "imported.yaml").read_text()
        text = result.stdout + result.stderr + "---\n" + written
        text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text).replace(str(tmp_path), "<dir>")
        text = text.replace(action, "<action>")
        golden = GOLDEN / "documented" / "import-explained.txt"
        if os.environ.get("UPDATE_GOLDEN"):
            golden.parent.mkdir(exist_ok=True)
            golden.write_text(text, encoding="utf-8")
        assert text == golden.read_text(encoding="utf-8")
        config = yaml.safe_load(written)
        assert config["soe"]["allow_admin_promotion"] is True  # a disabled mapping promotes to it
        assert config["fields"]["user_type"]["mapping_action"] == action
        planned = running.cli(
            "-c", str(running.folder / "imported.yaml"), "plan", "--detailed-exitcode"
        )
        assert planned.returncode == 0, planned.stdout + planned.stderr
