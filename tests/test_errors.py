"""The exception tree: each error is one paragraph with its context and hint, as `main` prints it."""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest

from onelogin_scim_setup.errors import (
    ApplyError,
    ConfigError,
    ExitCode,
    Interrupted,
    OneLoginError,
    ScimError,
    SetupError,
    ShortnameChanged,
)


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (lambda: SetupError("bad"), "bad"),
        (lambda: SetupError("bad", hint="fix it"), "bad\nHint: fix it"),
        (lambda: ConfigError("invalid config"), "invalid config"),
        (
            lambda: ConfigError(
                "invalid config", problems=["a.yaml:3: app.name: missing"], hint="see docs"
            ),
            "invalid config\n  a.yaml:3: app.name: missing\nHint: see docs",
        ),
    ],
)
def test_a_setup_error_reads_as_message_problems_and_hint(
    error: Callable[[], SetupError], text: str
) -> None:
    # Built inside the test, so mutation testing sees the test run the constructor.
    assert str(error()) == text


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (lambda: OneLoginError("boom"), "OneLogin API failed: boom"),
        (
            lambda: OneLoginError(
                "boom", status=404, request_id="r-1", method="GET", path="/api/2/apps"
            ),
            "GET /api/2/apps answered 404: boom (x-request-id r-1)",
        ),
        (lambda: OneLoginError("boom", method="GET"), "OneLogin API failed: boom"),
        (lambda: OneLoginError("boom", path="/api/2/apps"), "OneLogin API failed: boom"),
        (
            lambda: OneLoginError("boom", status=0, hint="retry"),
            "OneLogin API answered 0: boom\nHint: retry",
        ),
    ],
)
def test_a_onelogin_error_names_the_call_status_and_request_id(
    error: Callable[[], OneLoginError], text: str
) -> None:
    assert str(error()) == text


def test_a_onelogin_error_keeps_its_fields() -> None:
    error = OneLoginError("boom", status=429, request_id="r-2", method="PUT", path="/x", hint="h")
    assert (
        error.message,
        error.status,
        error.request_id,
        error.method,
        error.path,
        error.hint,
    ) == (
        "boom",
        429,
        "r-2",
        "PUT",
        "/x",
        "h",
    )


def test_a_scim_error_keeps_message_status_and_hint() -> None:
    error = ScimError("unauthorized", status=401, hint="check the token")
    assert (error.message, error.status, str(error)) == (
        "unauthorized",
        401,
        "unauthorized\nHint: check the token",
    )


@pytest.mark.parametrize(
    ("done", "not_done", "lines"),
    [
        (
            ["create role 'A'"],
            ["update user 'b'", "delete mapping 'c'"],
            ["create role 'A'", "update user 'b', delete mapping 'c'"],
        ),
        ([], [], ["nothing", "nothing"]),
    ],
)
def test_an_apply_error_lists_what_was_done_and_not_done(
    done: list[str], not_done: list[str], lines: list[str]
) -> None:
    error = ApplyError("apply stopped", done=done, not_done=not_done, cause=SetupError("boom"))
    assert str(error) == (
        f"apply stopped: boom\nDone ({len(done)}): {lines[0]}\nNot done ({len(not_done)}): {lines[1]}\n"
        "Hint: Fix the cause and run apply again: it picks up from here."
    )
    assert (error.message, error.done, error.not_done, str(error.cause)) == (
        "apply stopped",
        done,
        not_done,
        "boom",
    )


def test_a_setup_error_carries_its_message_as_its_argument() -> None:
    assert SetupError("bad input").args == ("bad input",)


def test_a_config_error_keeps_its_hint_and_problems() -> None:
    error = ConfigError("invalid config", problems=["a.yaml:1: x: bad"], hint="see docs")
    assert (error.hint, error.problems) == ("see docs", ["a.yaml:1: x: bad"])


@pytest.mark.parametrize(
    ("signum", "name", "code"),
    [
        (signal.SIGINT, "SIGINT", ExitCode.INTERRUPTED),
        (signal.SIGTERM, "SIGTERM", ExitCode.TERMINATED),
    ],
)
def test_an_interruption_names_its_signal_and_exit_code(
    signum: signal.Signals, name: str, code: ExitCode
) -> None:
    interrupted = Interrupted(signum)
    assert (interrupted.signum, interrupted.report, interrupted.args) == (signum, [], (name,))
    assert (interrupted.exit_code, str(interrupted)) == (code, f"interrupted by {name}")


def test_an_apply_error_stopped_by_a_signal_exits_with_its_code_and_says_run_again() -> None:
    cause = Interrupted(signal.SIGTERM)
    error = ApplyError("apply stopped", done=[], not_done=["create role 'A'"], cause=cause)
    assert (error.exit_code, error.hint) == (143, "Run apply again: it picks up from here.")


def test_an_apply_error_stopped_by_an_error_exits_1() -> None:
    error = ApplyError("apply stopped", done=[], not_done=[], cause=SetupError("boom"))
    assert error.exit_code == ExitCode.ERROR


def test_a_changed_shortname_names_both_and_says_what_to_set() -> None:
    error = ShortnameChanged("userType", "usertype")
    assert (error.wanted, error.stored, error.message, error.hint) == (
        "userType",
        "usertype",
        "OneLogin created the custom user field as 'usertype', not 'userType'",
        "Set the field's shortname in the config to 'usertype' (for userType: "
        "fields.user_type.shortname: usertype; SOE still receives the attribute userType), "
        "re-enter the template `render` prints, then plan and apply again.",
    )


@pytest.mark.parametrize(
    ("count", "listed"),
    [
        (20, ", ".join(f"u{n}" for n in range(20))),
        (21, ", ".join(f"u{n}" for n in range(10)) + ", ... and 11 more"),
        (35, ", ".join(f"u{n}" for n in range(10)) + ", ... and 25 more"),
    ],
)
def test_an_apply_error_lists_up_to_twenty_changes_and_summarizes_more(
    count: int, listed: str
) -> None:
    done = [f"u{n}" for n in range(count)]
    error = ApplyError("apply stopped", done=done, not_done=[], cause=SetupError("boom"))
    assert str(error).splitlines()[1] == f"Done ({count}): {listed}"
