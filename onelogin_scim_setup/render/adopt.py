"""What `import` tells the user: the notes on what it left out, and what it wrote."""

from __future__ import annotations

from pathlib import Path

from onelogin_scim_setup.ops.adopt import Adopted
from onelogin_scim_setup.render.console import Out


def render_imported(out: Out, adopted: Adopted, target: Path) -> None:
    for note in adopted.notes:
        out.note(f"Note: {note}.")
    out.text(
        f"Wrote {target}: app {adopted.app_name!r}, {len(adopted.roles)} role(s), "
        f"{len(adopted.promotions)} mapping(s) adopted. Run `onelogin-scim-setup plan -c {target}`."
    )
