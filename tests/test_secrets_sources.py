"""secrets/sources.py: where the SCIM token is read from (env, file, command) and delivered to (file,
command), with real files and processes."""

from __future__ import annotations

import os
import selectors
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from onelogin_scim_setup.errors import Interrupted, SecretError
from onelogin_scim_setup.secrets.sources import (
    deliver_to_command,
    deliver_to_file,
    read_token_from_command,
    read_token_from_env,
    read_token_from_file,
)

SECRET = "s3cret-token-VALUE-" + "x" * 30
PY = sys.executable
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def py(code: str) -> list[str]:
    # -S: no site-packages, so a child under the suite's coverage does not start coverage too.
    return [PY, "-S", "-c", code]


# --- sources -------------------------------------------------------------------------------------


def test_env_source_returns_the_value() -> None:
    assert read_token_from_env("SOE_SCIM_TOKEN", {"SOE_SCIM_TOKEN": SECRET}) == SECRET


@pytest.mark.parametrize("environ", [{}, {"SOE_SCIM_TOKEN": ""}, {"SOE_SCIM_TOKEN": "  \n"}])
def test_env_source_missing_or_empty_names_the_variable(environ: dict[str, str]) -> None:
    with pytest.raises(SecretError, match="SOE_SCIM_TOKEN"):
        read_token_from_env("SOE_SCIM_TOKEN", environ)


def write_token_file(path: Path, text: str, mode: int) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@posix_only
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SECRET, SECRET),
        (SECRET + "\n", SECRET),
        (SECRET + "\r\n", SECRET),
    ],
)
def test_file_source_accepts_0600_and_drops_one_newline(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write_token_file(tmp_path / "token", text, 0o600)
    assert read_token_from_file(path) == expected


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_file_source_refuses_a_file_others_can_read(tmp_path: Path, mode: int) -> None:
    path = write_token_file(tmp_path / "token", SECRET, mode)
    with pytest.raises(SecretError) as caught:
        read_token_from_file(path)
    assert caught.value.hint is not None
    assert f"chmod 600 {path}" in caught.value.hint
    assert SECRET not in str(caught.value)


def test_file_source_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="does not exist"):
        read_token_from_file(tmp_path / "absent")


@posix_only
def test_file_source_refuses_an_empty_file(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="empty"):
        read_token_from_file(write_token_file(tmp_path / "token", "\n", 0o600))


def test_command_source_drops_one_trailing_newline() -> None:
    assert read_token_from_command(py(f"print('{SECRET}')")) == SECRET


# What `export T=$(tool --reveal)` captures when a tool mixes labels into stdout, and its cousins.
MALFORMED = [
    ("two lines", f"new token: sha256:1a2b3c4d\n{SECRET}", "line break"),
    ("label and token", f"token: {SECRET}", "spaces"),
    ("leading space", f" {SECRET}", "spaces"),
    ("tab inside", f"{SECRET}\tx", "spaces"),
    ("two trailing newlines", f"{SECRET}\n\n", "line break"),
]


@pytest.mark.parametrize(("case", "value", "says"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_env_source_refuses_whitespace_inside(case: str, value: str, says: str) -> None:
    with pytest.raises(SecretError, match=says) as caught:
        read_token_from_env("SOE_SCIM_TOKEN", {"SOE_SCIM_TOKEN": value})
    assert "SOE_SCIM_TOKEN" in str(caught.value)
    assert SECRET not in str(caught.value)


@posix_only
@pytest.mark.parametrize(("case", "value", "says"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_file_source_refuses_whitespace_inside(
    tmp_path: Path, case: str, value: str, says: str
) -> None:
    with pytest.raises(SecretError, match=says) as caught:
        read_token_from_file(write_token_file(tmp_path / "token", value, 0o600))
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(("case", "value", "says"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_command_source_refuses_whitespace_inside(case: str, value: str, says: str) -> None:
    argv = py(f"import sys; sys.stdout.write({value!r})")
    with pytest.raises(SecretError, match=says) as caught:
        read_token_from_command(argv)
    assert SECRET not in str(caught.value)


def test_command_source_nonzero_exit_names_code_but_not_stdout() -> None:
    argv = py(f"import sys; print('{SECRET}'); sys.exit(3)")
    with pytest.raises(SecretError) as caught:
        read_token_from_command(argv)
    assert "exited with code 3" in str(caught.value)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "stdout",
    [f"print('{SECRET}')", "pass"],
    ids=["token on stdout", "token only on stderr"],
)
def test_command_source_never_shows_its_stderr(stdout: str) -> None:
    # A token only on stderr was never received, so it could not be redacted: stderr is not shown.
    argv = py(
        f"import sys; {stdout}; sys.stderr.write('bad {SECRET[:20]}' + '{SECRET[20:]}'); sys.exit(1)"
    )
    with pytest.raises(SecretError) as caught:
        read_token_from_command(argv)
    message = str(caught.value)
    assert "exited with code 1" in message
    assert SECRET not in message
    assert SECRET[:8] not in message


def test_command_sink_redacts_the_whole_stderr_before_cutting_it() -> None:
    # The token straddles the 200-character cut: redacting after the cut would leak its head.
    argv = py("import sys; sys.stderr.write('x' * 190 + sys.stdin.read()); sys.exit(4)")
    with pytest.raises(SecretError) as caught:
        deliver_to_command(argv, SECRET)
    assert SECRET[:8] not in str(caught.value)
    assert "[redacted]" in str(caught.value)


def test_command_source_not_found_names_the_command(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-secret-tool")
    with pytest.raises(SecretError, match="no-such-secret-tool was not found"):
        read_token_from_command([missing, "get"])


def test_command_source_empty_output_is_an_error() -> None:
    with pytest.raises(SecretError, match="printed nothing"):
        read_token_from_command(py("print('   ')"))


def test_command_source_timeout_never_shows_partial_stdout() -> None:
    argv = py(f"import sys, time; print('{SECRET}', flush=True); time.sleep(10)")
    with pytest.raises(SecretError, match="did not finish") as caught:
        read_token_from_command(argv, timeout=0.5)
    assert SECRET not in str(caught.value)
    assert caught.value.__cause__ is None


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_command_source_endless_output_is_refused_at_the_cap(stream: str) -> None:
    # Without a cap, `yes`-like output fills memory for the whole timeout.
    argv = py(f"import sys\nwhile True: sys.{stream}.write('{SECRET}' * 100)")
    with pytest.raises(SecretError, match="printed more than 64 KiB") as caught:
        read_token_from_command(argv, timeout=20)
    assert SECRET not in str(caught.value)


def test_command_source_output_just_under_the_cap_is_read() -> None:
    padding = 64 * 1024 - len(SECRET) - 1
    argv = py(f"import sys; sys.stderr.write('x' * {padding}); print('{SECRET}')")
    assert read_token_from_command(argv) == SECRET


# --- sinks ---------------------------------------------------------------------------------------


def test_command_sink_gets_the_token_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "received"
    deliver_to_command(py(f"import sys; open({str(out)!r}, 'w').write(sys.stdin.read())"), SECRET)
    assert out.read_text() == SECRET


def test_command_sink_nonzero_exit_names_code_without_the_token() -> None:
    argv = py("import sys; sys.stderr.write('rejected ' + sys.stdin.read()); sys.exit(4)")
    with pytest.raises(SecretError, match="exited with code 4") as caught:
        deliver_to_command(argv, SECRET)
    assert SECRET not in str(caught.value)


def test_command_sink_not_found_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="was not found"):
        deliver_to_command([str(tmp_path / "no-such-store")], SECRET)


def test_file_sink_round_trips_through_the_file_source(tmp_path: Path) -> None:
    path = tmp_path / "token"
    deliver_to_file(path, SECRET)
    assert read_token_from_file(path) == SECRET


@posix_only
def test_file_sink_creates_the_file_0600_even_with_a_lax_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        deliver_to_file(tmp_path / "token", SECRET)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "token").stat().st_mode) == 0o600


@posix_only
def test_file_sink_overwrite_makes_an_open_file_0600(tmp_path: Path) -> None:
    path = write_token_file(tmp_path / "token", "old", 0o644)
    deliver_to_file(path, SECRET)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == SECRET + "\n"


def test_file_sink_failure_keeps_the_old_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "token"
    path.write_text("old\n")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(SecretError, match="No space left"):
        deliver_to_file(path, SECRET)
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["token"]


def test_file_sink_failure_while_writing_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_write(fd: int, data: bytes) -> int:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "write", broken_write)
    with pytest.raises(SecretError):
        deliver_to_file(tmp_path / "token", SECRET)
    assert list(tmp_path.iterdir()) == []


def test_file_sink_refuses_a_symlink_like_every_written_file(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("keep me\n")
    (tmp_path / "token").symlink_to(target)
    with pytest.raises(SecretError, match="symbolic link"):
        deliver_to_file(tmp_path / "token", SECRET)
    assert target.read_text() == "keep me\n"
    assert (tmp_path / "token").is_symlink()


def test_file_sink_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="cannot write") as caught:
        deliver_to_file(tmp_path / "absent" / "token", SECRET)
    assert SECRET not in str(caught.value)


# --- the exact words of refusals: each names the variable or file and says what to do -----------


def test_env_source_missing_says_how_to_provide_it() -> None:
    with pytest.raises(SecretError) as caught:
        read_token_from_env("SOE_SCIM_TOKEN", {})
    assert (caught.value.message, caught.value.hint) == (
        "the SCIM token environment variable SOE_SCIM_TOKEN is not set or empty",
        "Export SOE_SCIM_TOKEN, or run `token generate` to create a token.",
    )


def test_file_source_missing_file_says_where_it_is_configured(tmp_path: Path) -> None:
    with pytest.raises(SecretError) as caught:
        read_token_from_file(tmp_path / "absent")
    assert (
        caught.value.hint == "Check token.file in the config, or run `token generate` to create it."
    )


@posix_only
def test_file_source_names_the_file_and_its_mode_when_others_can_read(tmp_path: Path) -> None:
    path = write_token_file(tmp_path / "token", SECRET, 0o640)
    with pytest.raises(SecretError) as caught:
        read_token_from_file(path)
    assert (
        caught.value.message == f"the SCIM token file {path} is readable by other users (mode 0640)"
    )


def test_file_source_refuses_a_folder_by_name(tmp_path: Path) -> None:
    with pytest.raises(SecretError) as caught:
        read_token_from_file(tmp_path)
    assert caught.value.message == f"the SCIM token file {tmp_path} is not a regular file"


@posix_only
def test_file_source_that_cannot_be_reached_names_the_file_and_why(tmp_path: Path) -> None:
    path = write_token_file(tmp_path / "token", SECRET, 0o600) / "inside"
    with pytest.raises(SecretError) as caught:
        read_token_from_file(path)
    assert caught.value.message == f"cannot read the SCIM token file {path}: Not a directory"


@posix_only
def test_file_sink_temp_file_is_0600_from_the_moment_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes: list[int] = []
    real_fchmod = os.fchmod

    def spying_fchmod(fd: int, mode: int) -> None:
        modes.append(stat.S_IMODE(os.fstat(fd).st_mode))
        real_fchmod(fd, mode)

    monkeypatch.setattr(os, "fchmod", spying_fchmod)
    old = os.umask(0)
    try:
        deliver_to_file(tmp_path / "token", SECRET)
    finally:
        os.umask(old)
    assert modes == [0o600]


@posix_only
def test_file_sink_is_0600_even_when_the_umask_removes_owner_bits(tmp_path: Path) -> None:
    old = os.umask(0o277)
    try:
        deliver_to_file(tmp_path / "token", SECRET)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "token").stat().st_mode) == 0o600


def test_file_sink_missing_folder_says_which_folder(tmp_path: Path) -> None:
    with pytest.raises(SecretError) as caught:
        deliver_to_file(tmp_path / "absent" / "token", SECRET)
    assert (
        caught.value.hint == f"Check that the folder {tmp_path / 'absent'} exists and is writable."
    )


@posix_only
def test_file_source_that_is_not_text_names_the_file_and_why(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_bytes(b"\xff\xfe" + SECRET.encode())
    path.chmod(0o600)
    with pytest.raises(SecretError) as caught:
        read_token_from_file(path)
    assert caught.value.message == f"the SCIM token file {path} is not UTF-8 text (byte 0)"


def test_command_source_failing_silently_says_only_the_exit_code() -> None:
    with pytest.raises(SecretError) as caught:
        read_token_from_command(py("import sys; sys.exit(3)"))
    assert caught.value.message == f"the token command {PY} exited with code 3"


def test_command_source_empty_command_says_how_to_give_one() -> None:
    with pytest.raises(SecretError) as caught:
        read_token_from_command([])
    assert (caught.value.message, caught.value.hint) == (
        "token.command is empty",
        "Give the command as a list of arguments.",
    )


# --- exact refusals (each message and hint as the user reads it) ----------------------------------

MALFORMED_HINT = (
    "Was a label captured with it? `token generate --reveal` and `token show --reveal` print only "
    "the token on stdout (labels go to stderr)."
)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (f"label\n{SECRET}", "has a line break in it (only one trailing newline is dropped)"),
        (f"{SECRET}\rx", "has a line break in it (only one trailing newline is dropped)"),
        (f"token: {SECRET}", "contains spaces, tabs or control characters"),
    ],
    ids=["newline inside", "carriage return inside", "space inside"],
)
def test_env_source_refusal_says_what_is_wrong_and_where(value: str, problem: str) -> None:
    with pytest.raises(SecretError) as caught:
        read_token_from_env("SOE_SCIM_TOKEN", {"SOE_SCIM_TOKEN": value})
    assert (caught.value.message, caught.value.hint) == (
        f"the SCIM token from the environment variable SOE_SCIM_TOKEN {problem}; "
        "a token is one line without spaces",
        MALFORMED_HINT,
    )


@posix_only
def test_file_source_refusal_names_the_file(tmp_path: Path) -> None:
    path = write_token_file(tmp_path / "token", f"token: {SECRET}", 0o600)
    with pytest.raises(SecretError) as caught:
        read_token_from_file(path)
    assert caught.value.message == (
        f"the SCIM token from the file {path} contains spaces, tabs or control characters; "
        "a token is one line without spaces"
    )


@posix_only
def test_file_source_unreadable_after_its_checks_names_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_token_file(tmp_path / "token", SECRET, 0o600)

    def denied(*_: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("onelogin_scim_setup.secrets.sources.read_text_input", denied)
    with pytest.raises(SecretError) as caught:
        read_token_from_file(path)
    assert caught.value.message == f"cannot read the SCIM token file {path}: PermissionError"


def test_command_source_refusal_names_the_command() -> None:
    argv = py(f"print('token: {SECRET}')")
    with pytest.raises(SecretError) as caught:
        read_token_from_command(argv)
    assert caught.value.message == (
        f"the SCIM token from the command {PY} contains spaces, tabs or control characters; "
        "a token is one line without spaces"
    )


def test_command_source_not_found_says_where_to_look(tmp_path: Path) -> None:
    with pytest.raises(SecretError) as caught:
        read_token_from_command([str(tmp_path / "no-such-tool")])
    assert caught.value.hint == "Check token.command in the config and the PATH."


@posix_only
def test_command_source_that_cannot_run_names_the_command_and_why(tmp_path: Path) -> None:
    tool = tmp_path / "not-executable"
    tool.write_text("#!/bin/sh\necho token\n")
    tool.chmod(0o600)
    with pytest.raises(SecretError) as caught:
        read_token_from_command([str(tool)])
    assert caught.value.message == f"cannot run the token command {tool}: Permission denied"


def test_command_source_failure_hint_says_why_its_output_is_hidden() -> None:
    with pytest.raises(SecretError) as caught:
        read_token_from_command(py("import sys; sys.exit(2)"))
    assert caught.value.hint == (
        "Its output is not shown, as it may hold the token: run the command yourself to see why "
        "it failed."
    )


def timing_out(calls: list[float]) -> object:
    """A stand-in for running a command that records its timeout and times out at once."""

    def run(argv: list[str], **options: object) -> None:
        calls.append(float(str(options["timeout"])))
        raise subprocess.TimeoutExpired(argv, float(str(options["timeout"])))

    return run


def test_command_source_waits_30_seconds_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    timeouts: list[float] = []
    monkeypatch.setattr("onelogin_scim_setup.secrets.sources._run_capped", timing_out(timeouts))
    with pytest.raises(SecretError) as caught:
        read_token_from_command(["secret-tool"])
    assert (timeouts, caught.value.message) == (
        [30.0],
        "the token command secret-tool did not finish within 30s",
    )


def test_command_sink_waits_30_seconds_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    timeouts: list[float] = []
    monkeypatch.setattr("onelogin_scim_setup.secrets.sources._run_capped", timing_out(timeouts))
    with pytest.raises(SecretError) as caught:
        deliver_to_command(["secret-store"], SECRET)
    assert (timeouts, caught.value.message) == (
        [30.0],
        "the delivery command secret-store did not finish within 30s",
    )


def test_command_sink_is_stopped_at_its_timeout() -> None:
    with pytest.raises(SecretError) as caught:
        deliver_to_command(py("import time; time.sleep(10)"), SECRET, timeout=0.5)
    assert caught.value.message == f"the delivery command {PY} did not finish within 0.5s"


def test_command_sink_empty_command_is_named() -> None:
    with pytest.raises(SecretError) as caught:
        deliver_to_command([], SECRET)
    assert caught.value.message == "token.delivery_command is empty"


def test_command_sink_not_found_says_where_to_look(tmp_path: Path) -> None:
    store = tmp_path / "no-such-store"
    with pytest.raises(SecretError) as caught:
        deliver_to_command([str(store)], SECRET)
    assert (caught.value.message, caught.value.hint) == (
        f"the delivery command {store} was not found",
        "Check token.delivery_command in the config and the PATH.",
    )


@posix_only
def test_command_sink_that_cannot_run_names_the_command_and_why(tmp_path: Path) -> None:
    store = tmp_path / "not-executable"
    store.write_text("#!/bin/sh\ncat\n")
    store.chmod(0o600)
    with pytest.raises(SecretError) as caught:
        deliver_to_command([str(store)], SECRET)
    assert caught.value.message == f"cannot run the delivery command {store}: Permission denied"


def test_command_sink_failing_silently_says_only_the_exit_code() -> None:
    with pytest.raises(SecretError) as caught:
        deliver_to_command(py("import sys; sys.stdin.read(); sys.exit(5)"), SECRET)
    assert (caught.value.message, caught.value.hint) == (
        f"the delivery command {PY} exited with code 5",
        "What it did before it stopped is unknown: check SOE's SCIM settings and where it "
        "stores the token.",
    )


@posix_only
def test_a_delivery_killed_by_a_signal_says_so_and_that_its_effect_is_unknown() -> None:
    with pytest.raises(SecretError) as caught:
        deliver_to_command(py("import os, signal; os.kill(os.getpid(), signal.SIGKILL)"), SECRET)
    assert caught.value.message == f"the delivery command {PY} was killed by signal 9"
    assert "unknown: check" in (caught.value.hint or "")


@posix_only
def test_the_delivery_command_runs_in_its_own_session() -> None:
    """A Ctrl-C on the terminal signals the foreground process group; the delivery is not in it."""
    import os

    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"sid-{os.getpid()}"
    deliver_to_command(
        py(f"import os, sys; sys.stdin.read(); open({str(out)!r}, 'w').write(str(os.getsid(0)))"),
        SECRET,
    )
    sid = int(out.read_text())
    out.unlink()
    assert sid != os.getsid(0)


def test_command_sink_failure_shows_the_first_line_of_its_stderr() -> None:
    argv = py("import sys; sys.stderr.write('\\n  store locked\\nmore\\n'); sys.exit(5)")
    with pytest.raises(SecretError) as caught:
        deliver_to_command(argv, SECRET)
    assert caught.value.message == f"the delivery command {PY} exited with code 5: store locked"


@posix_only
def test_command_source_reads_nothing_from_our_stdin() -> None:
    # Whatever is waiting on this process's stdin (a terminal, a piped secret) is not the
    # command's: it gets an empty stdin, so a prompt fails at once instead of reading ours.
    read_end, write_end = os.pipe()
    os.write(write_end, b"typed-at-the-terminal\n")
    os.close(write_end)
    saved = os.dup(0)
    os.dup2(read_end, 0)
    try:
        argv = py(f"import sys; print(sys.stdin.read().strip() or '{SECRET}')")
        assert read_token_from_command(argv) == SECRET
    finally:
        os.dup2(saved, 0)
        os.close(saved)
        os.close(read_end)


def test_command_source_output_of_exactly_the_cap_is_read() -> None:
    argv = py(f"import sys; sys.stderr.write('x' * {64 * 1024}); print('{SECRET}')")
    assert read_token_from_command(argv) == SECRET


def test_command_source_too_much_output_is_refused_with_what_to_check() -> None:
    with pytest.raises(SecretError) as caught:
        read_token_from_command(py("import sys; sys.stdout.write('x' * 70000)"))
    assert (caught.value.message, caught.value.hint) == (
        f"the token command {PY} printed more than 64 KiB; a token is one line",
        "Check token.command: it should print only the token.",
    )


def test_command_source_that_closes_its_output_and_lingers_is_stopped_at_its_timeout() -> None:
    argv = py("import os, time; os.close(1); os.close(2); time.sleep(10)")
    with pytest.raises(SecretError) as caught:
        read_token_from_command(argv, timeout=0.5)
    assert caught.value.message == f"the token command {PY} did not finish within 0.5s"


def test_command_source_output_that_is_not_utf8_is_refused_not_a_crash() -> None:
    argv = py("import sys; sys.stdout.buffer.write(b'\\xff\\xfe not a token')")
    with pytest.raises(SecretError) as caught:
        read_token_from_command(argv)
    assert "contains spaces, tabs or control characters" in caught.value.message


def test_file_sink_failure_after_opening_does_not_blame_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(SecretError) as caught:
        deliver_to_file(tmp_path / "token", SECRET)
    assert (caught.value.message, caught.value.hint) == (
        f"cannot write the SCIM token file {tmp_path / 'token'}: No space left on device",
        "The disk is full: free some space there, or write elsewhere.",  # the disk, not the folder
    )


def test_a_signal_while_the_token_command_runs_kills_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGINT/SIGTERM arrive as Interrupted (a BaseException): the command must not be left
    running, nor the tool left waiting for it to end on its own."""
    killed: list[int] = []
    real_kill = subprocess.Popen.kill

    def kill(process: subprocess.Popen[bytes]) -> None:
        killed.append(process.pid)
        real_kill(process)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise Interrupted(signal.SIGTERM)

    monkeypatch.setattr(subprocess.Popen, "kill", kill)
    monkeypatch.setattr(selectors.DefaultSelector, "select", interrupted)
    with pytest.raises(Interrupted):
        read_token_from_command([sys.executable, "-c", "import time; time.sleep(60)"])
    assert len(killed) == 1


# --- the one runner on the delivery path (issue 17) -----------------------------------------------


def test_command_sink_output_is_capped_in_memory_and_the_rest_drained() -> None:
    """A delivery that prints far past the cap is neither refused nor blocked on a full pipe: the
    first 64 KiB of each stream is kept, the rest read and dropped, and the delivery finishes."""
    from onelogin_scim_setup.secrets.sources import MAX_TOKEN_FILE_BYTES, _run_capped

    code = (
        "import sys; token = sys.stdin.read(); sys.stdout.write('o' * 1000000); "
        "sys.stderr.write(token + 'e' * 1000000); sys.exit(3)"
    )
    finished = _run_capped(
        py(code), timeout=20, limit=MAX_TOKEN_FILE_BYTES, stdin=SECRET, kill_over_limit=False
    )
    assert (finished.returncode, len(finished.stdout), len(finished.stderr)) == (
        3,
        MAX_TOKEN_FILE_BYTES,
        MAX_TOKEN_FILE_BYTES,
    )
    assert finished.stderr.startswith(SECRET + "eee")  # the token arrived whole on stdin


def test_command_sink_printing_past_the_cap_still_delivers(tmp_path: Path) -> None:
    out = tmp_path / "received"
    code = (
        f"import sys; open({str(out)!r}, 'w').write(sys.stdin.read()); "
        "sys.stdout.write('progress ' * 200000); sys.stderr.write('warn ' * 200000)"
    )
    deliver_to_command(py(code), SECRET, timeout=20)
    assert out.read_text() == SECRET


def test_command_sink_failure_past_the_cap_shows_its_first_line_without_the_token() -> None:
    code = (
        "import sys; token = sys.stdin.read(); "
        "sys.stderr.write('store refused ' + token + '\\n' + 'x' * 1000000); sys.exit(6)"
    )
    with pytest.raises(SecretError) as caught:
        deliver_to_command(py(code), SECRET, timeout=20)
    assert caught.value.message == (
        f"the delivery command {PY} exited with code 6: store refused [redacted]"
    )


def test_command_sink_endless_output_is_stopped_at_its_deadline() -> None:
    code = f"import sys\nsys.stdin.read()\nwhile True: sys.stderr.write('{SECRET}' * 100)"
    with pytest.raises(SecretError) as caught:
        deliver_to_command(py(code), SECRET, timeout=1)
    assert (caught.value.message, caught.value.hint) == (
        f"the delivery command {PY} did not finish within 1s",
        "What it did before it stopped is unknown: check SOE's SCIM settings and where it "
        "stores the token.",
    )
    assert caught.value.__cause__ is None


def test_command_sink_that_closes_its_output_and_lingers_is_stopped_at_its_deadline() -> None:
    argv = py("import os, sys, time; sys.stdin.read(); os.close(1); os.close(2); time.sleep(10)")
    with pytest.raises(SecretError) as caught:
        deliver_to_command(argv, SECRET, timeout=0.5)
    assert caught.value.message == f"the delivery command {PY} did not finish within 0.5s"


def test_command_sink_that_never_reads_a_large_token_is_stopped_at_its_deadline() -> None:
    """A token larger than the pipe's buffer, to a command that never reads: the write waits on
    the selector, not in a blocking `write`, so the deadline still holds."""
    import time

    started = time.monotonic()
    with pytest.raises(SecretError, match=r"did not finish within 0\.5s"):
        deliver_to_command(py("import time; time.sleep(10)"), "t" * 1_000_000, timeout=0.5)
    assert time.monotonic() - started < 5


def test_command_sink_that_exits_without_reading_its_stdin_is_judged_by_its_exit_code() -> None:
    deliver_to_command(py("pass"), "t" * 1_000_000)  # a broken pipe on our side is not a failure
    with pytest.raises(SecretError, match="exited with code 7"):
        deliver_to_command(py("import sys; sys.exit(7)"), "t" * 1_000_000)
