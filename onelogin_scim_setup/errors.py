"""The exception tree and exit codes. Only `cli.main()` turns these into messages and exit statuses."""

from __future__ import annotations

import signal
from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    """What CI can rely on. 2 means only "changes pending", so a usage error has its own code."""

    OK = 0
    ERROR = 1
    CHANGES_PENDING = 2  # only with --detailed-exitcode
    USAGE = 64  # EX_USAGE from sysexits.h: the command line itself is wrong
    INTERRUPTED = 130  # SIGINT (Ctrl-C): 128 + 2, as shells report it
    TERMINATED = 143  # SIGTERM: 128 + 15


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived (see `ops.interrupt`).

    A BaseException like KeyboardInterrupt, so no `except Exception` (ours or a library's) swallows
    it; only `cli.main()` turns it into a message and exit code 130 or 143. `report` collects what the
    interrupted command did about it (e.g. "test user restored"), for that message.
    """

    code: ClassVar[str] = "interrupted"

    def __init__(self, signum: int):
        self.signum = signum
        self.report: list[str] = []
        super().__init__(self.signal_name)

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.TERMINATED if self.signum == signal.SIGTERM else ExitCode.INTERRUPTED

    def __str__(self) -> str:
        return f"interrupted by {self.signal_name}"


class SetupError(Exception):
    """Base of every error the user should see as one clear paragraph (never a traceback).

    `hint` says what to do about it. `code` is the error's stable name in `-o json` output
    (`error.code`, docs/cli-contract.md): programs match on it, never on the class name, so a
    class may be renamed or moved without breaking them. Each subclass names its own.
    """

    code: ClassVar[str] = "error"

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self) -> list[str]:
        """The paragraph's lines: what went wrong (`body`), then the hint. The line breaks between
        them are the tool's own; a line break inside one (e.g. in a server's message) is shown
        escaped (render.safe)."""
        return [*self.body(), f"Hint: {self.hint}"] if self.hint else self.body()

    def body(self) -> list[str]:
        """What went wrong, without the hint; a subclass with more to say overrides this."""
        return [self.message]

    def __str__(self) -> str:
        return "\n".join(self.lines())


class _WithProblems(SetupError):
    """An error that may carry several problems, each shown indented under the message. Private:
    never raised itself, so it has no code of its own (its subclasses name theirs)."""

    def __init__(self, message: str, *, problems: list[str] | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.problems = problems or []

    def body(self) -> list[str]:
        return [self.message, *(f"  {problem}" for problem in self.problems)]


class ConfigError(_WithProblems):
    """The config file is missing, unreadable or invalid. May carry several problems."""

    code: ClassVar[str] = "config_invalid"


class TemplateError(_WithProblems):
    """The SCIM JSON template cannot be rendered or fails its lint. May carry several problems."""

    code: ClassVar[str] = "template_invalid"


class SecretError(SetupError):
    """A secret (credential or SCIM token) is missing, unsafe to read, or cannot be delivered."""

    code: ClassVar[str] = "secret_unavailable"


class OneLoginError(SetupError):
    """An error answer, or no answer, from OneLogin's admin API."""

    code: ClassVar[str] = "onelogin_api_error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        hint: str | None = None,
    ):
        super().__init__(message, hint=hint)
        self.status = status
        self.request_id = request_id
        self.method = method
        self.path = path

    def body(self) -> list[str]:
        where = f"{self.method} {self.path}" if self.method and self.path else "OneLogin API"
        status = f" answered {self.status}" if self.status is not None else " failed"
        request_id = f" (x-request-id {self.request_id})" if self.request_id else ""
        return [f"{where}{status}: {self.message}{request_id}"]


class ShortnameChanged(OneLoginError):
    """OneLogin created a custom user field under another shortname than the one sent (e.g.
    lower-cased); whether it keeps the case is undocumented (docs/onelogin-api.md Op 4 [U])."""

    code: ClassVar[str] = "onelogin_shortname_changed"

    def __init__(self, wanted: str, stored: str):
        super().__init__(
            f"OneLogin created the custom user field as {stored!r}, not {wanted!r}",
            hint=f"Set the field's shortname in the config to {stored!r} (for userType: "
            f"fields.user_type.shortname: {stored}; SOE still receives the attribute userType), "
            "re-enter the template `render` prints, then plan and apply again.",
        )
        self.wanted = wanted
        self.stored = stored


class ScimError(SetupError):
    """An error answer, or no answer, from a SCIM endpoint (SOE's or another server's)."""

    code: ClassVar[str] = "scim_error"

    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.status = status


class ApplyError(SetupError):
    """Apply stopped part-way. `done` and `not_done` describe the changes on each side of the failure;
    `unknown`, a change whose answer was lost and could not be read back (the cause says what to
    check)."""

    code: ClassVar[str] = "apply_incomplete"

    def __init__(
        self,
        message: str,
        *,
        done: list[str],
        not_done: list[str],
        cause: SetupError | Interrupted,
        unknown: list[str] | None = None,
    ):
        hint = (
            "Run apply again: it picks up from here."
            if isinstance(cause, Interrupted)
            else "Fix the cause and run apply again: it picks up from here."
        )
        super().__init__(message, hint=hint)
        self.done = done
        self.not_done = not_done
        self.unknown = unknown or []
        self.cause = cause

    @property
    def exit_code(self) -> ExitCode:
        code = getattr(self.cause, "exit_code", None)  # Interrupted, or a request abandoned
        return code if isinstance(code, ExitCode) else ExitCode.ERROR

    def body(self) -> list[str]:
        cause = self.cause.lines() if isinstance(self.cause, SetupError) else [str(self.cause)]
        lines = [f"{self.message}: {cause[0]}", *cause[1:]]
        lines.append(f"Done ({len(self.done)}): " + _listed(self.done))
        lines.append(f"Not done ({len(self.not_done)}): " + _listed(self.not_done))
        if self.unknown:
            lines.append(f"Unknown ({len(self.unknown)}): " + _listed(self.unknown))
        return lines


class Refused(SetupError):
    """The tool declined to go on although the command line was fine: conflicts in the plan, a "no"
    at the prompt. Exits 1 (an error), never the usage code."""

    code: ClassVar[str] = "refused"


class BudgetError(SetupError):
    """OneLogin's hourly API budget, less the reserve for other integrations, cannot cover a run."""

    code: ClassVar[str] = "rate_budget_insufficient"


def _listed(items: list[str], shown: int = 10) -> str:
    """Items in full up to a screenful; thousands of users are summarized (JSON output has all)."""
    if not items:
        return "nothing"
    if len(items) <= 2 * shown:
        return ", ".join(items)
    return ", ".join(items[:shown]) + f", ... and {len(items) - shown} more"


class UsageError(SetupError):
    """The command line asks for something that cannot be done (e.g. apply without a TTY or
    --auto-approve, --e2e without --test-user). Exits with ExitCode.USAGE, like Click's own usage
    errors: only raise it when changing the command line is the fix."""

    code: ClassVar[str] = "usage"


class SafetyError(SetupError):
    """Apply would pass a safety threshold (safety.* in the config); refused before any write."""

    code: ClassVar[str] = "safety_threshold"


class StalePlanError(SetupError):
    """A saved plan (or a pinned checksum) no longer matches what OneLogin and the config give."""

    code: ClassVar[str] = "stale_plan"


class LockTimeout(SetupError):
    """Another apply on the same tenant and app held the lock for longer than --lock-timeout."""

    code: ClassVar[str] = "lock_timeout"
