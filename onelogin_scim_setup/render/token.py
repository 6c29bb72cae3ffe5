"""What `token rotate` reports: a line per step as it starts and, on a terminal, how long SOE has
been awaited (stderr); then each step's result, and a reminder when the token source lags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape

from onelogin_scim_setup.render.progress import live

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


class RotationProgress:
    """`step(line)`: one line on stderr as each step starts (terminal or not, so a piped log shows
    what the rotation is waiting for); `waiting(elapsed, timeout)`: on a terminal, a status line
    with the seconds waited out of the limit, replaced by the next step."""

    def __init__(self, out: Out) -> None:
        self.out = out
        self.status: Any = None

    def step(self, line: str) -> None:
        self.stop()
        self.out.note(line)

    def waiting(self, elapsed: float, timeout: float) -> None:
        if not live(self.out):
            return
        text = escape(f"waiting for SOE to accept the new token: {elapsed:.0f} s of {timeout:g} s")
        if self.status is None:
            self.status = self.out.stderr.status(text)
            self.status.start()
        else:
            self.status.update(text)

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None
