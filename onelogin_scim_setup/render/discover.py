"""What `discover` found on the app: YAML, JSON, or text whose values are written as JSON."""

from __future__ import annotations

import json
from typing import Any

from onelogin_scim_setup.render.console import Out

SECTIONS = ("app", "provisioning", "configuration", "parameters")
# `discover -o json` (and `-o yaml`)'s document version (docs/schemas/discover.schema.json).
DISCOVER_FORMAT_VERSION = 1
# Shown when read: the mapping vocabulary (docs/uncertain-facts.md rows 23 and 24).
VOCABULARY = ("mapping_actions", "has_role_operators", "custom_field_actions")


def render_discovered(out: Out, described: dict[str, Any], output: str) -> None:
    if output in ("json", "yaml"):  # the same document in either spelling
        document = {"format_version": DISCOVER_FORMAT_VERSION, **described}
        (out.data if output == "json" else out.data_yaml)(document)
        return
    for section in (*SECTIONS, *(v for v in VOCABULARY if v in described)):
        out.text(f"{section}:", style="bold")
        for key, value in described[section].items():
            # JSON spelling (true, null, {"id": 1}) is what the API sends and what people paste.
            out.text(f"  {key}: {json.dumps(value, default=str)}")
    out.note(
        "Set app.configuration_keys in the config to the keys that hold the SCIM Base URL, Bearer "
        "Token and JSON Template, if your tenant shows them, so apply can set them."
    )
    if described.get("custom_field_actions"):
        out.note(
            "If the tool cannot tell which mapping action sets a custom field, set "
            "fields.user_type.mapping_action to its value (one of mapping_actions)."
        )
