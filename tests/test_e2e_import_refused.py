"""`import` never writes a config the tool then rejects (issue 19): a name read from OneLogin that
the config refuses (here a mapping name holding an escape sequence) stops the import cleanly,
naming it, and writes nothing."""

from __future__ import annotations

import time
from pathlib import Path

from tests.sandbox_world import world

SCIM_ENTERPRISE = 130179


def test_import_of_a_name_the_config_refuses_writes_nothing(
    tmp_path: Path, quirks_profile: str
) -> None:
    with world(tmp_path, quirks_profile) as tenant:
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
        action = None
        deadline = time.monotonic() + 30
        while action is None and time.monotonic() < deadline:
            listed = tenant.api("GET", "/api/2/mappings/actions")
            # Labelled "Set <name>", or by the name alone (the documented profile).
            labels = ("Set SOE user type", "SOE user type")
            action = next((a["value"] for a in listed if a["name"] in labels), None)
            time.sleep(0.1)
        assert action is not None
        tenant.api(
            "POST",
            "/api/2/mappings",
            {
                "name": "Moderators\u0007 in SOE",
                "enabled": True,
                "match": "all",
                "conditions": [{"source": "has_role", "operator": "ri", "value": str(roles[1])}],
                "position": None,
                "actions": [{"action": action, "value": ["Moderator"]}],
            },
        )
        result = tenant.cli(
            "import",
            "imported.yaml",
            "--base-url",
            tenant.sandbox.onelogin_url,
            "--soe-scim-url",
            tenant.sandbox.soe_scim_url,
            "--app",
            "SOE (hand-made)",
        )
        output = result.stdout + result.stderr
        assert result.returncode == 1, output
        assert "holds values the config refuses, so nothing was written" in output
        assert "control or invisible characters" in output
        assert "Traceback" not in output
        assert "This is a bug" not in output
        assert not (tenant.folder / "imported.yaml").exists()
