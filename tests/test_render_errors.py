"""render/errors.py: an error as one paragraph on stderr, or as JSON on stdout."""

from __future__ import annotations

import json

from onelogin_scim_setup.errors import ConfigError
from onelogin_scim_setup.render.errors import render_error
from onelogin_scim_setup.secrets.redact import Redactor
from tests.helpers.render import capture


def test_error_goes_to_stderr_and_json_error_to_stdout() -> None:
    out, stdout, stderr = capture(json_output=True)
    render_error(
        out, ConfigError("c.yaml: invalid config", problems=["c.yaml:3: a.b: bad"]), Redactor()
    )
    assert "c.yaml:3: a.b: bad" in stderr.getvalue()
    document = json.loads(stdout.getvalue())
    assert document["format_version"] == 2
    payload = document["error"]
    assert payload["code"] == "config_invalid"
    assert "type" not in payload  # a stable code, never the Python class name
    assert payload["problems"] == [{"file": "c.yaml", "line": 3, "key": "a.b", "message": "bad"}]
