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
    payload = json.loads(stdout.getvalue())["error"]
    assert payload["type"] == "ConfigError"
    assert payload["problems"] == ["c.yaml:3: a.b: bad"]
