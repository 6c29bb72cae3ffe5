"""An `Out` that captures what a renderer prints."""

from __future__ import annotations

import io

from onelogin_scim_setup.render.console import Out


def capture(json_output: bool = False) -> tuple[Out, io.StringIO, io.StringIO]:
    stdout, stderr = io.StringIO(), io.StringIO()
    return (
        Out.create(color="never", json_output=json_output, stdout=stdout, stderr=stderr),
        stdout,
        stderr,
    )
