"""Read the SCIM token from its configured source, and deliver it to SOE's side through a command
or a file (SOE has no API for it). Both kinds of command run through one capped runner, with a
deadline and no shell. No error raised here contains the token, nor the output of a command that
produced it."""

from __future__ import annotations

import os
import select
import selectors
import stat
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.errors import SecretError
from onelogin_scim_setup.files import InputFileError, WriteError, read_text_input, write_file
from onelogin_scim_setup.secrets.redact import redact, shorten

_STDERR_LIMIT = 200
MAX_TOKEN_FILE_BYTES = 64 * 1024  # a token is a line; anything larger is the wrong file
COMMAND_TIMEOUT = 30.0  # seconds a token or delivery command may take
_UNKNOWN_EFFECT = (
    "What it did before it stopped is unknown: check SOE's SCIM settings and where it stores the "
    "token."
)


def checked_token(value: str, where: str) -> str:
    """`value` less one trailing newline, refused if anything else in it is whitespace.

    A bearer token is one line without spaces. Whitespace inside means something else was captured
    with it (a label, a second line), and SOE would reject it, or worse, OneLogin would store it.
    The error says what is wrong and where, never the value.
    """
    token = value.removesuffix("\n").removesuffix("\r")
    if not token.strip():  # nothing but whitespace: the caller reports it as empty
        return ""
    if "\n" in token or "\r" in token:
        problem = "has a line break in it (only one trailing newline is dropped)"
    elif any(char.isspace() or not char.isprintable() for char in token):
        problem = "contains spaces, tabs or control characters"
    else:
        return token
    raise SecretError(
        f"the SCIM token from {where} {problem}; a token is one line without spaces",
        hint="Was a label captured with it? `token generate --reveal` and `token show --reveal` "
        "print only the token on stdout (labels go to stderr).",
    )


def read_token_from_env(var: str, environ: Mapping[str, str]) -> str:
    """The token from an environment variable. The error names the variable, never a value."""
    value = checked_token(environ.get(var, ""), f"the environment variable {var}")
    if not value:
        raise SecretError(
            f"the SCIM token environment variable {var} is not set or empty",
            hint=f"Export {var}, or run `token generate` to create a token.",
        )
    return value


def read_token_from_file(path: Path) -> str:
    """The token from a file that only its owner can read; one trailing newline is dropped."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SecretError(
            f"the SCIM token file {path} does not exist",
            hint="Check token.file in the config, or run `token generate` to create it.",
        ) from None
    except OSError as exc:
        raise SecretError(f"cannot read the SCIM token file {path}: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise SecretError(f"the SCIM token file {path} is not a regular file")
    # Group- or world-readable means someone else may already have the token.
    if os.name == "posix" and mode & 0o077:
        raise SecretError(
            f"the SCIM token file {path} is readable by other users (mode {stat.S_IMODE(mode):04o})",
            hint=f"chmod 600 {path}  (and consider rotating the token)",
        )
    try:
        text = read_text_input(path, MAX_TOKEN_FILE_BYTES)
    except InputFileError as exc:
        raise SecretError(f"the SCIM token file {path} {exc}") from None
    except OSError as exc:
        raise SecretError(f"cannot read the SCIM token file {path}: {type(exc).__name__}") from None
    token = checked_token(text, f"the file {path}")
    if not token:
        raise SecretError(f"the SCIM token file {path} is empty")
    return token


def _first_stderr_line(stderr: str | bytes | None, secret: str) -> str:
    """At most the first line of stderr, with the secret cut out of the whole text first."""
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", "replace")
    lines = redact(stderr or "", secret).strip().splitlines()
    text = shorten(lines[0], _STDERR_LIMIT) if lines else ""
    return f": {text}" if text else ""


class _OutputTooLarge(Exception):
    """The command wrote more than the limit on stdout or stderr."""


@dataclass(frozen=True)
class _Finished:
    """A command that ended by itself: its exit code (negative: the signal that killed it) and at
    most the limit of each output stream."""

    returncode: int
    stdout: str
    stderr: str


def _run_capped(
    argv: list[str],
    *,
    timeout: float,
    limit: int,
    stdin: str | None = None,
    own_session: bool = False,
    kill_over_limit: bool = True,
) -> _Finished:
    """Run `argv` without a shell, keeping at most `limit` bytes of each of stdout and stderr.

    The one way this tool runs a command the config names (the token source, the delivery).
    `subprocess.run` buffers all output in memory until the timeout: a misconfigured command
    (`yes`, a `cat` of a large file) would take the memory with it. Past `limit` on either pipe the
    command is killed (`kill_over_limit`), else the rest is read and dropped, so a talkative command
    is neither blocked on a full pipe nor stopped half-way. `stdin` is written to the command's
    standard input and closed (no input: an empty stdin, never ours). Whatever happens, the command
    is killed at `timeout` seconds, or when a signal (`Interrupted`) stops the wait.
    `own_session`: outside the terminal's process group, so a Ctrl-C there does not reach it.
    """
    deadline = time.monotonic() + timeout
    with subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=own_session,
    ) as process:
        received = {"stdout": bytearray(), "stderr": bytearray()}
        unsent = memoryview((stdin or "").encode("utf-8"))
        try:
            with selectors.DefaultSelector() as selector:
                for name in received:
                    selector.register(getattr(process, name), selectors.EVENT_READ, name)
                if process.stdin is not None:
                    if unsent:
                        selector.register(process.stdin, selectors.EVENT_WRITE, "stdin")
                    else:
                        process.stdin.close()
                while selector.get_map():
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise subprocess.TimeoutExpired(argv, timeout)
                    for key, _ in selector.select(remaining):
                        if key.data == "stdin":
                            try:  # at most PIPE_BUF: a write the selector saw room for never blocks
                                unsent = unsent[os.write(key.fd, unsent[: select.PIPE_BUF]) :]
                            except BrokenPipeError:  # it exited, or closed its stdin unread
                                unsent = unsent[:0]
                            if not unsent:
                                selector.unregister(key.fileobj)
                                key.fileobj.close()  # type: ignore[union-attr]
                            continue
                        chunk = os.read(key.fd, 65536)
                        if not chunk:
                            selector.unregister(key.fileobj)
                            continue
                        kept = received[key.data]
                        if len(kept) + len(chunk) > limit and kill_over_limit:
                            raise _OutputTooLarge
                        kept += chunk[: max(limit - len(kept), 0)]
            returncode = process.wait(max(deadline - time.monotonic(), 0.001))
        except BaseException:  # also a signal (Interrupted): Popen's exit would wait for the child
            process.kill()
            raise
    return _Finished(
        returncode,
        bytes(received["stdout"]).decode("utf-8", "replace"),
        bytes(received["stderr"]).decode("utf-8", "replace"),
    )


def read_token_from_command(argv: Sequence[str], *, timeout: float = COMMAND_TIMEOUT) -> str:
    """The token from a command's stdout (e.g. a secret manager's CLI), run without a shell.

    Errors name the command and exit code, never stdout nor stderr: either may hold the token (a
    failing secret manager may echo what it was given), and a token we never received cannot be
    redacted.
    """
    name = argv[0] if argv else "(empty command)"
    if not argv:
        raise SecretError("token.command is empty", hint="Give the command as a list of arguments.")
    try:
        finished = _run_capped(list(argv), timeout=timeout, limit=MAX_TOKEN_FILE_BYTES)
    except FileNotFoundError:
        raise SecretError(
            f"the token command {name} was not found",
            hint="Check token.command in the config and the PATH.",
        ) from None
    except subprocess.TimeoutExpired:
        # `from None`: TimeoutExpired carries the partial stdout.
        raise SecretError(f"the token command {name} did not finish within {timeout:g}s") from None
    except _OutputTooLarge:
        raise SecretError(
            f"the token command {name} printed more than {MAX_TOKEN_FILE_BYTES // 1024} KiB; "
            "a token is one line",
            hint="Check token.command: it should print only the token.",
        ) from None
    except OSError as exc:
        raise SecretError(f"cannot run the token command {name}: {exc.strerror}") from None
    if finished.returncode != 0:
        raise SecretError(
            f"the token command {name} exited with code {finished.returncode}",
            hint="Its output is not shown, as it may hold the token: run the command yourself "
            "to see why it failed.",
        )
    token = checked_token(finished.stdout, f"the command {name}")
    if not token:
        raise SecretError(f"the token command {name} printed nothing on stdout")
    return token


def deliver_to_command(
    argv: Sequence[str], token: str, *, timeout: float = COMMAND_TIMEOUT
) -> None:
    """Run a command (no shell) with the token on stdin, without a trailing newline.

    Its own session: a Ctrl-C on the terminal goes to the whole foreground group, and would kill a
    delivery half-way (the token stored, SOE not told). The CLI's signal handling lets the delivery
    finish, then stops (ops.interrupt). Its output is kept up to the cap and the rest dropped, not
    refused: it is only read for the first line of stderr, and stopping a delivery for talking
    would leave it half-done.
    """
    if not argv:
        raise SecretError("token.delivery_command is empty")
    name = argv[0]
    try:
        finished = _run_capped(
            list(argv),
            timeout=timeout,
            limit=MAX_TOKEN_FILE_BYTES,
            stdin=token,
            own_session=True,
            kill_over_limit=False,
        )
    except FileNotFoundError:
        raise SecretError(
            f"the delivery command {name} was not found",
            hint="Check token.delivery_command in the config and the PATH.",
        ) from None
    except subprocess.TimeoutExpired:
        raise SecretError(
            f"the delivery command {name} did not finish within {timeout:g}s",
            hint=_UNKNOWN_EFFECT,
        ) from None
    except OSError as exc:
        raise SecretError(f"cannot run the delivery command {name}: {exc.strerror}") from None
    if finished.returncode != 0:
        how = (
            f"was killed by signal {-finished.returncode}"
            if finished.returncode < 0
            else f"exited with code {finished.returncode}"
        )
        raise SecretError(
            f"the delivery command {name} {how}" + _first_stderr_line(finished.stderr, token),
            hint=_UNKNOWN_EFFECT,
        )


def deliver_to_file(path: Path, token: str) -> None:
    """Write the token to `path` with mode 0600 from the moment the file exists, atomically
    (`files.write_file`): a failure leaves either the old file or the new one, never a partial
    token."""
    try:
        write_file(path, token + "\n", mode=0o600)
    except WriteError as error:
        hint = f"Check that the folder {path.parent} exists and is writable."
        raise SecretError(
            f"cannot write the SCIM token file {path}: {error.reason}",
            hint=hint if error.opening else error.hint,
        ) from None


def deliver_token(config: Config, token: str) -> None:
    """Hand the token to SOE's side through the configured delivery (SOE itself has no API)."""
    settings = config.token
    if settings.delivery == "command" and settings.delivery_command:
        deliver_to_command(settings.delivery_command, token)
    elif settings.delivery == "file" and settings.delivery_file:
        deliver_to_file(settings.delivery_file, token)
    else:
        raise SecretError(
            "token.delivery is manual: there is nothing to run",
            hint="Paste the token from `token show --reveal` into SOE's Admin Settings > SCIM, or set "
            "token.delivery to command or file.",
        )
