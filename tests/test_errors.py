"""The exception tree: each error is one paragraph with its context and hint, as `main` prints it."""

from __future__ import annotations

import pytest

from onelogin_scim_setup.errors import (
    ApplyError,
    ConfigError,
    OneLoginError,
    ScimError,
    SetupError,
)


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (SetupError("bad"), "bad"),
        (SetupError("bad", hint="fix it"), "bad\nHint: fix it"),
        (ConfigError("invalid config"), "invalid config"),
        (
            ConfigError(
                "invalid config", problems=["a.yaml:3: app.name: missing"], hint="see docs"
            ),
            "invalid config\n  a.yaml:3: app.name: missing\nHint: see docs",
        ),
    ],
)
def test_a_setup_error_reads_as_message_problems_and_hint(error: SetupError, text: str) -> None:
    assert str(error) == text


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (OneLoginError("boom"), "OneLogin API failed: boom"),
        (
            OneLoginError("boom", status=404, request_id="r-1", method="GET", path="/api/2/apps"),
            "GET /api/2/apps answered 404: boom (x-request-id r-1)",
        ),
        (OneLoginError("boom", method="GET"), "OneLogin API failed: boom"),
        (OneLoginError("boom", path="/api/2/apps"), "OneLogin API failed: boom"),
        (
            OneLoginError("boom", status=0, hint="retry"),
            "OneLogin API answered 0: boom\nHint: retry",
        ),
    ],
)
def test_a_onelogin_error_names_the_call_status_and_request_id(
    error: OneLoginError, text: str
) -> None:
    assert str(error) == text


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
        f"apply stopped: boom\nDone: {lines[0]}\nNot done: {lines[1]}\n"
        "Hint: Fix the cause and run apply again: it picks up from here."
    )
    assert (error.message, error.done, error.not_done, str(error.cause)) == (
        "apply stopped",
        done,
        not_done,
        "boom",
    )
