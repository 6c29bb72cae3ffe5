"""Files the user asked the tool to write."""

from __future__ import annotations

from pathlib import Path

from onelogin_scim_setup.errors import SetupError


def write_file(path: Path, text: str) -> None:
    """Write a file the user asked for; a failure is one clear error, not a traceback."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise SetupError(f"cannot write {path}: {error.strerror or error}") from None
