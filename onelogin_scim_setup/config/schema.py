"""The config's JSON Schema (draft 2020-12), built from the pydantic models, for editors.

`onelogin-scim-setup schema` prints it; `init` and `import` write it beside the config as
SCHEMA_FILE and start the config with a yaml-language-server modeline naming that file. The path
is relative, and yaml-language-server reads a relative modeline path relative to the YAML file, so
the pair works offline, in any folder, and always matches the installed version's models (a
published URL would have to be versioned and reachable from every editor). `schema --out FILE`
writes it again after an upgrade.
"""

from __future__ import annotations

import json
from typing import Any

SCHEMA_FILE = "onelogin-scim-setup.schema.json"
MODELINE_PREFIX = "# yaml-language-server: $schema="
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def config_schema() -> dict[str, Any]:
    """The JSON Schema of the config file, as the models validate it (draft 2020-12).

    Only keywords draft-07 has too are used ($defs is reached by JSON pointer), so editors whose
    validator stops at draft-07 read it the same way.
    """
    from onelogin_scim_setup import __version__
    from onelogin_scim_setup.config.models import Config

    generated = Config.model_json_schema(mode="validation")
    return {
        "$schema": DRAFT,
        "title": f"onelogin-scim-setup configuration ({__version__})",
        "description": "The YAML config of onelogin-scim-setup; every key is documented in "
        "config.example.yaml (`onelogin-scim-setup init` writes it).",
        **{key: value for key, value in generated.items() if key != "title"},
    }


def schema_text() -> str:
    return json.dumps(config_schema(), indent=2, ensure_ascii=False) + "\n"


def with_modeline(text: str) -> str:
    """`text` (a config) starting with the modeline that names the schema file beside it; an
    existing modeline is replaced."""
    lines = text.splitlines(keepends=True)
    if lines and lines[0].startswith(MODELINE_PREFIX):
        lines = lines[1:]
    return f"{MODELINE_PREFIX}{SCHEMA_FILE}\n" + "".join(lines)
