"""What `token rotate` reports: each step's line, then a reminder when the token source lags."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from onelogin_scim_setup.ops.rotate import Rotated
    from onelogin_scim_setup.render.console import Out


def render_rotation(out: Out, rotated: Rotated) -> None:
    for line in rotated.lines:
        out.text(line)
    if not rotated.stored:
        out.note(
            f"Warning: your token source (token.source = {rotated.source}) does not hold the new "
            f"token {rotated.new_fingerprint} yet; store it there before the next run."
        )
