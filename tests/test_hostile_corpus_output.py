"""The hostile corpus of issue 19 for the output boundary, secrets, config, templates and paths:
each case is refused cleanly or gives the right result, with no traceback and no secret, in any
spelling, in any output or file. Unit level and in-process, so the corpus runs in seconds.

Groups: terminal (what reaches a screen), outputs (CSV, JSON), secrets (every spelling, every
output path), config (one variable per secret), templates (the sample's YAML limits), paths (the
lock, written files, read inputs, saved plans, the environment's errors)."""

from __future__ import annotations

import base64
import csv
import errno
import io
import json
import logging
import os
import re
import socket
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from onelogin_scim_setup.audit.findings import Category, Finding
from onelogin_scim_setup.errors import (
    ApplyError,
    ConfigError,
    OneLoginError,
    ScimError,
    SetupError,
    StalePlanError,
    UsageError,
)
from onelogin_scim_setup.files import WriteError, read_text_input, write_file
from onelogin_scim_setup.ops import saved
from onelogin_scim_setup.ops.check import Check
from onelogin_scim_setup.ops.lock import default_lock_dir, held, lock_path, tenant_key
from onelogin_scim_setup.plan.changes import Action, Change, FieldChange, Kind, Plan, checksum
from onelogin_scim_setup.render.audit import csv_cell, csv_row, render_findings
from onelogin_scim_setup.render.checks import render_check
from onelogin_scim_setup.render.console import Out
from onelogin_scim_setup.render.errors import render_error, render_interrupted
from onelogin_scim_setup.render.logs import configure
from onelogin_scim_setup.render.safe import has_unsafe, neutralise
from onelogin_scim_setup.secrets.redact import REDACTED, Redactor, spellings
from onelogin_scim_setup.template.preview import load_sample

# --- terminal ----------------------------------------------------------------------------------

# Each is a different way to take over a terminal or forge a line.
HOSTILE_TEXT = {
    "csi clear screen": "a\x1b[2Jb",
    "csi cursor home": "a\x1b[Hb",
    "csi cursor up": "a\x1b[3Ab",
    "csi erase line": "a\x1b[2Kb",
    "csi sgr colour": "a\x1b[31mred",
    "csi scroll region": "a\x1b[1;1rb",
    "osc window title": "a\x1b]0;pwned\x07b",
    "osc hyperlink": "a\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\",
    "osc 52 clipboard": "a\x1b]52;c;cm0gLXJmIH4=\x07b",
    "dcs sequence": "a\x1bP1$rq\x1b\\b",
    "esc reset": "a\x1bcb",
    "c1 csi": "a\x9b2Jb",
    "c1 osc": "a\x9d0;t\x9cb",
    "c1 nel": "a\x85b",
    "newline forged line": "busy\nAll checks passed.",
    "crlf forged line": "busy\r\nAll checks passed.",
    "carriage return overwrite": "bad value\rok    ",
    "backspace overwrite": "FAIL\b\b\b\bok  ",
    "bell": "a\x07b",
    "nul": "a\x00b",
    "tab": "a\tb",
    "vertical tab": "a\x0bb",
    "form feed": "a\x0cb",
    "delete": "a\x7fb",
    "bidi override": "user\u202egpj.exe",
    "bidi isolate": "a\u2066b\u2069c",
    "right-to-left mark": "a\u200fb",
    "zero-width space": "ad\u200bmin",
    "line separator": "a\u2028b",
    "paragraph separator": "a\u2029b",
    "byte order mark": "a\ufeffb",
    "lone surrogate": "a\ud800b",
    "tag characters": "a\U000e0041b",
    "rich markup": "[bold red]FAKE[/] [link=http://evil]x[/link]",
    "rich markup closing": "[/] [/bold]",
}
OUTPUT_PATHS = ["text", "note", "error", "log"]


def capture(
    redactor: Redactor | None = None, color: str = "always"
) -> tuple[Out, io.StringIO, io.StringIO]:
    stdout, stderr = io.StringIO(), io.StringIO()
    out = Out.create(
        color=color,  # type: ignore[arg-type]
        json_output=False,
        stdout=stdout,
        stderr=stderr,
        redactor=redactor,
    )
    return out, stdout, stderr


def shown(path: str, value: str, redactor: Redactor | None = None) -> str:
    """What `path` writes for a message holding `value` (colours on, as on a terminal)."""
    redactor = redactor if redactor is not None else Redactor()
    out, stdout, stderr = capture(redactor)
    message = f"user {value} done"
    if path == "text":
        out.text(message)
    elif path == "note":
        out.note(message)
    elif path == "error":
        render_error(out, SetupError(message, hint="run again"), redactor)
    elif path == "log":
        stream = io.StringIO()
        configure(1, stream, redactor)
        logging.getLogger("onelogin_scim_setup.corpus").warning("%s", message)
        return stream.getvalue()
    return stdout.getvalue() + stderr.getvalue()


def without_colours(text: str) -> str:
    """`text` less the SGR sequences the console makes for the tool's own styles."""
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.mark.parametrize("path", OUTPUT_PATHS)
@pytest.mark.parametrize("value", HOSTILE_TEXT.values(), ids=HOSTILE_TEXT.keys())
def test_terminal_hostile_text_is_shown_escaped_on_every_path(path: str, value: str) -> None:
    text = shown(path, value)
    plain = without_colours(text)
    assert not has_unsafe(plain.replace("\n", "")), repr(text)
    # Line structure is the tool's: one line per message (the error adds its hint line).
    assert plain.count("\n") == (2 if path == "error" else 1), repr(text)
    assert ("user " in plain, " done" in plain) == (True, True)
    if value.startswith("["):  # markup shows as text, never as a style or a link
        assert value in plain
    else:
        assert neutralise(value) in plain


def test_neutralise_keeps_plain_text_and_can_keep_line_breaks() -> None:
    assert neutralise("héllo wörld ✓ 日本") == "héllo wörld ✓ 日本"
    assert neutralise("a\nb") == "a\\nb"
    assert neutralise("a\nb\x1b", keep_line_breaks=True) == "a\nb\\x1b"


def test_rich_renderables_built_without_render_str_are_cleaned_too() -> None:
    from rich.text import Text

    out, stdout, _ = capture()
    out.stdout.print(Text("x\x1b]0;t\x07y"))
    # Rich's Text drops BEL by itself; the ESC it keeps is shown escaped at the segment level.
    assert without_colours(stdout.getvalue()) == "x\\x1b]0;ty\n"


@pytest.mark.parametrize(
    "error",
    [
        SetupError("SOE said: busy\nAll checks passed."),
        ScimError("SOE said: busy\nAll checks passed.", status=500),
        OneLoginError("busy\nAll checks passed.", status=400, method="GET", path="/api/2/apps"),
        ConfigError("bad file", problems=["x.yaml:1: busy\nAll checks passed."]),
        ApplyError(
            "apply stopped",
            done=["role busy\nAll checks passed."],
            not_done=[],
            cause=ScimError("busy\nAll checks passed."),
        ),
    ],
    ids=["setup", "scim", "onelogin", "config problem", "apply cause"],
)
def test_terminal_no_error_line_can_be_forged(error: SetupError) -> None:
    out, _, stderr = capture(color="never")
    render_error(out, error, Redactor())
    lines = stderr.getvalue().splitlines()
    assert "All checks passed." not in lines
    assert not any(line.startswith("All checks passed.") for line in lines)
    assert "busy\\nAll checks passed." in stderr.getvalue()


def test_terminal_verify_check_detail_cannot_forge_the_verdict() -> None:
    out, stdout, _ = capture(color="never")
    render_check(out, Check("SOE SCIM token", "fail", "busy\nAll checks passed.\n", "retry"))
    assert "All checks passed." not in stdout.getvalue().splitlines()


def test_terminal_interrupted_report_lines_are_escaped() -> None:
    from onelogin_scim_setup.errors import Interrupted

    interrupted = Interrupted(2)
    interrupted.report.append("restored user x\x1b[2J\nAll done")
    out, _, stderr = capture(color="never")
    render_interrupted(out, interrupted, Redactor())
    assert stderr.getvalue().splitlines() == [
        "Interrupted by SIGINT.",
        "restored user x\\x1b[2J\\nAll done",
    ]


def finding(user: str, **values: Any) -> Finding:
    fields = {
        "attribute": "active",
        "expected": "inactive",
        "actual": "active",
        "cause": "c",
        "fix": "f",
        **values,
    }
    return Finding(Category.ORPHAN, user, **fields)


@pytest.mark.parametrize(
    "user",
    ["evil\x1b[2J\x1b[H@x.io", "evil\x9b2J@x.io", "evil\r\nNo findings@x.io", "evil\u202eoi.x@x"],
    ids=["csi", "c1", "crlf", "bidi"],
)
def test_terminal_audit_table_and_findings_are_escaped(user: str) -> None:
    out, stdout, _ = capture()
    render_findings(out, [finding(user)], "text", users=(1, 1))
    plain = without_colours(stdout.getvalue())
    assert not has_unsafe(plain.replace("\n", ""))
    assert neutralise(user) in plain
    assert plain.splitlines()[0] == "Audited 1 OneLogin users against 1 SOE users."


def test_terminal_document_on_a_terminal_is_escaped_and_exact_when_piped() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    Out.create(color="never", json_output=False, stdout=tty).document("a\x1b[2J\nb\n")
    Out.create(color="never", json_output=False, stdout=pipe).document("a\x1b[2J\nb\n")
    assert (tty.getvalue(), pipe.getvalue()) == ("a\\x1b[2J\nb\n", "a\x1b[2J\nb\n")


# --- outputs: CSV and JSON stay exact, CSV is quoted and formula-safe ----------------------------

CSV_CELLS = {
    "equals": ("=1+1", "'=1+1"),
    "plus": ("+1", "'+1"),
    "minus": ("-1", "'-1"),
    "at": ("@SUM(A1)", "'@SUM(A1)"),
    "tab": ("\t=1", "'\t=1"),
    "cr": ("\r=1", "'\r=1"),
    "lf then equals": ("\n=1", "'\n=1"),
    "spaces then equals": ("   =cmd|' /C calc'!A0", "'   =cmd|' /C calc'!A0"),
    "cr lf then plus": ("\r\n+1", "'\r\n+1"),
    "space then tab": (" \t1", "' \t1"),
    "plain email": ("a@x.io", "a@x.io"),
    "at inside": ("x@x.io\r=1+1+cmd|' /C calc'!A0", "x@x.io\r=1+1+cmd|' /C calc'!A0"),
    "comma": ("a,b", "a,b"),
    "quote": ('say "hi"', 'say "hi"'),
    "empty": ("", ""),
    "number": ("42", "42"),
}


@pytest.mark.parametrize(("value", "cell"), CSV_CELLS.values(), ids=CSV_CELLS.keys())
def test_outputs_csv_cell_is_formula_safe_and_reads_back_as_one_cell(value: str, cell: str) -> None:
    assert csv_cell(value) == cell
    row = csv_row(["before", csv_cell(value), "after"])
    assert list(csv.reader(io.StringIO(row, newline=""))) == [["before", cell, "after"]]


def test_outputs_csv_quotes_a_lone_cr_which_pythons_writer_does_not() -> None:
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\n").writerow(["a\rb"])
    assert stream.getvalue() == "a\rb\n"  # the bug: a reader starts a new row at the CR
    assert csv_row(["a\rb"]) == '"a\rb"\n'


def test_outputs_audit_csv_keeps_one_row_per_finding() -> None:
    out, stdout, _ = capture(color="never")
    hostile = ["x@x.io\r=1+1+cmd|' /C calc'!A0", "y@x.io\n@SUM(1)", '"z",@x.io']
    render_findings(out, [finding(user) for user in hostile], "csv", users=(3, 3))
    rows = list(csv.reader(io.StringIO(stdout.getvalue(), newline="")))
    assert [row[2] for row in rows[1:]] == hostile
    assert len(rows) == 4


def test_outputs_json_stays_exact_and_escaped() -> None:
    out, stdout, _ = capture()
    value = "a\x1b[2J\nb\u202e"
    out.data({"user": value})
    assert "\x1b" not in stdout.getvalue()
    assert json.loads(stdout.getvalue()) == {"user": value}


# --- secrets: every spelling, every output path ---------------------------------------------------

# Its standard and URL-safe base64 differ (+ and / against - and _) at every offset.
SECRET = "~~~?>?>~~~??>>client-secret-9f3b1c"
TOKEN = "scim-TOKEN-3f9e1c7a5b2d4e6f8a0b1c2d"


def b64(data: bytes, urlsafe: bool = False) -> str:
    return (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(data).decode()


def test_secrets_the_test_secret_encodes_differently_in_urlsafe_base64() -> None:
    raw = SECRET.encode()
    for prefix in (b"", b"x", b"xy"):
        assert b64(prefix + raw) != b64(prefix + raw, urlsafe=True)


def echoes(secret: str) -> dict[str, str]:
    raw = secret.encode()
    return {
        "raw": secret,
        "upper": secret.upper(),
        "lower": secret.lower(),
        "swapped case": secret.swapcase(),
        "reversed": secret[::-1],
        "hex": raw.hex(),
        "hex upper": raw.hex().upper(),
        "less last 4": secret[:-4],
        "less first 4": secret[4:],
        "middle 8": secret[5:13],
        "base64": b64(raw),
        "base64 urlsafe": b64(raw, urlsafe=True),
        "base64 unpadded": b64(raw).rstrip("="),
        "base64 at offset 1": b64(b"x" + raw),
        "base64 urlsafe at offset 1": b64(b"x" + raw, urlsafe=True),
        "base64 at offset 2": b64(b"xy" + raw),
        "base64 urlsafe at offset 2": b64(b"xy" + raw, urlsafe=True),
        "url encoded": "".join(f"%{byte:02X}" for byte in raw),
        "json escaped": json.dumps(secret)[1:-1],
        "json unicode escaped": "".join(f"\\u{ord(c):04x}" for c in secret),
    }


def leaked(text: str, secret: str) -> list[str]:
    """Every 8-character window of any spelling of `secret` still in `text` (case ignored)."""
    low = text.lower()
    windows = {
        spelling.lower()[i : i + 8]
        for spelling in spellings(secret)
        for i in range(len(spelling) - 7)
    }
    return sorted(w for w in windows if w in low)


SECRET_CASES = [
    (secret, name, form)
    for secret in (SECRET, TOKEN)
    for name, form in echoes(secret).items()
    if name not in ("url encoded", "json unicode escaped")  # not a spelling we send: see below
]


@pytest.mark.parametrize(
    ("secret", "form"),
    [(secret, form) for secret, _, form in SECRET_CASES],
    ids=[f"{'client' if s == SECRET else 'token'}-{name}" for s, name, _ in SECRET_CASES],
)
def test_secrets_every_echo_is_redacted(secret: str, form: str) -> None:
    text = Redactor([secret]).redact(f"400: invalid client '{form}' (see docs)")
    assert REDACTED in text
    assert text.startswith("400: invalid client '")
    assert text.endswith("' (see docs)")
    assert leaked(text, secret) == []


@pytest.mark.parametrize("name", ["url encoded", "json unicode escaped"])
def test_secrets_whole_encoded_forms_are_redacted(name: str) -> None:
    form = echoes(SECRET)[name]
    text = Redactor([SECRET]).redact(f"echo {form} end")
    # The exact forms we send are cut whole; an escape spelling we never send is cut wherever 8
    # characters of a spelling survive (here: none do, so it is not a leak of the secret).
    assert SECRET.lower() not in text.lower()


def test_secrets_urlsafe_base64_is_its_own_form() -> None:
    # Would survive a redactor without the URL-safe form: it differs from the standard one.
    urlsafe = b64(SECRET.encode(), urlsafe=True)
    assert urlsafe != b64(SECRET.encode())
    assert Redactor([SECRET]).redact(f"x {urlsafe} y") == f"x {REDACTED} y"


@pytest.mark.parametrize("path", OUTPUT_PATHS)
@pytest.mark.parametrize(
    "name", ["raw", "less last 4", "hex upper", "base64 urlsafe at offset 2", "reversed"]
)
def test_secrets_no_output_path_skips_the_redactor(path: str, name: str) -> None:
    form = echoes(SECRET)[name]
    text = shown(path, form, Redactor([SECRET]))
    assert leaked(text, SECRET) == []
    assert REDACTED in text


def test_secrets_json_and_csv_outputs_are_redacted() -> None:
    out, stdout, _ = capture(Redactor([SECRET]))
    out.data({"echo": SECRET[:-4]})
    render_findings(out, [finding(SECRET)], "csv", users=(1, 1))
    assert leaked(stdout.getvalue(), SECRET) == []


def test_secrets_markup_in_the_cut_is_not_read_as_a_tag() -> None:
    out, stdout, _ = capture(Redactor([SECRET]))
    out.stdout.print(f"[bold]key[/] {SECRET}")
    assert without_colours(stdout.getvalue()) == f"key {REDACTED}\n"


def test_secrets_ordinary_text_is_left_alone() -> None:
    text = "GET /api/2/apps answered 200 in 0.2 s; 13 users; sha256:1a2b3c4d5e6f7a8b"
    assert Redactor([SECRET, TOKEN]).redact(text) == text


def test_secrets_traceback_is_redacted(
    run_cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def app(*, args: list[str], obj: Any, prog_name: str, **settings: Any) -> None:
        obj.traceback = True
        obj.redactor.add(TOKEN)
        raise RuntimeError(f"token {TOKEN.upper()} refused")

    monkeypatch.setattr("onelogin_scim_setup.cli._command", lambda: app)
    result = run_cli()
    assert "Traceback" in result.stderr
    assert leaked(result.output, TOKEN) == []


def test_secrets_discover_masks_a_value_equal_to_any_known_secret() -> None:
    from onelogin_scim_setup.onelogin.apps import describe_app

    redactor = Redactor([SECRET])
    redactor.add("access-token-from-onelogin-77")
    raw = {"configuration": {"note": "access-token-from-onelogin-77", "other": SECRET}}
    described = describe_app(raw, sorted(redactor.secrets))
    assert all(v.startswith("(sensitive) ") for v in described["configuration"].values())


# --- config: one variable per secret ---------------------------------------------------------------

BASE_CONFIG: dict[str, Any] = {
    "onelogin": {"subdomain": "acme"},
    "soe": {"site": "acme", "allow_moderator_promotion": True},
    "app": {"roles": ["Engineering", "SOE Moderators"]},
    "promotions": {"roles": [{"role": "SOE Moderators", "user_type": "Moderator"}]},
}
SHARED_SOURCES = {
    "token env is the client secret env": (
        {"token": {"env": "ONELOGIN_CLIENT_SECRET"}},
        "token.env: 'ONELOGIN_CLIENT_SECRET' is also onelogin.client_secret_env",
    ),
    "token env is the client id env": (
        {"token": {"env": "ONELOGIN_CLIENT_ID"}},
        "token.env: 'ONELOGIN_CLIENT_ID' is also onelogin.client_id_env",
    ),
    "token env is a renamed client secret env": (
        {
            "onelogin": {"subdomain": "acme", "client_secret_env": "OL_SECRET"},
            "token": {"env": "OL_SECRET"},
        },
        "token.env: 'OL_SECRET' is also onelogin.client_secret_env",
    ),
    "client id and secret share a variable": (
        {"onelogin": {"subdomain": "acme", "client_id_env": "OL", "client_secret_env": "OL"}},
        "onelogin.client_secret_env: 'OL' is also onelogin.client_id_env",
    ),
    "inline token is the inline client secret": (
        {
            "onelogin": {"subdomain": "acme", "client_id": "id", "client_secret": SECRET},
            "token": {"source": "env", "value": SECRET},
        },
        "token.value: the SCIM token is the OneLogin client secret",
    ),
}


@pytest.mark.parametrize(("changes", "problem"), SHARED_SOURCES.values(), ids=SHARED_SOURCES.keys())
def test_config_one_variable_is_the_source_of_one_secret(
    write_config: Callable[..., Path],
    run_cli: Callable[..., Any],
    changes: dict[str, Any],
    problem: str,
) -> None:
    path = write_config({**BASE_CONFIG, **changes})
    result = run_cli("-c", str(path), "validate")
    assert result.exit_code == 1
    assert f"{path}:" in result.stderr, result.stderr
    assert problem in result.stderr, result.stderr
    assert leaked(result.output, SECRET) == []
    assert "Traceback" not in result.output


def test_config_the_scim_token_from_the_environment_may_not_be_the_client_secret(
    write_config: Callable[..., Path], run_cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONELOGIN_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("SOE_SCIM_TOKEN", SECRET)
    result = run_cli("-c", str(write_config(BASE_CONFIG)), "validate")
    assert result.exit_code == 1
    assert "the SCIM token (token.source env) is the OneLogin client secret" in result.stderr
    assert leaked(result.output, SECRET) == []


# --- templates: a sample holds the config's YAML limits -----------------------------------------


def alias_bomb(levels: int, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    lines.append(f"user: {{firstname: *a{levels - 1}}}")
    return "\n".join(lines) + "\n"


SAMPLES = {
    "alias bomb 9^9": (alias_bomb(9), "too many nodes once YAML aliases are expanded"),
    "alias bomb 4^12": (alias_bomb(12, 4), "too many nodes once YAML aliases are expanded"),
    "merge key bomb": (
        "a: &a {x: 1, y: 2}\n"
        + "".join(
            f"b{i}: &b{i} {{<<: *{'a' if i == 0 else f'b{i - 1}'}, k{i}: [*{'a' if i == 0 else f'b{i - 1}'}, *{'a' if i == 0 else f'b{i - 1}'}]}}\n"
            for i in range(40)
        )
        + "user: *b39\n",
        "too many nodes once YAML aliases are expanded",
    ),
    "deep nesting": ("user: " + "[" * 200 + "]" * 200 + "\n", "nested deeper than"),
    "python tag": ("user: !!python/object/apply:os.system ['echo x']\n", "invalid YAML"),
    "not a mapping": ("- a\n- b\n", "the sample user must be a mapping"),
    "huge integer": ("user: {n: " + "9" * 5000 + "}\n", "cannot read the sample user"),
}


@pytest.mark.parametrize(("text", "problem"), SAMPLES.values(), ids=SAMPLES.keys())
def test_templates_sample_is_refused_fast(tmp_path: Path, text: str, problem: str) -> None:
    import time

    from onelogin_scim_setup.errors import TemplateError

    path = tmp_path / "sample.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(TemplateError, match=problem.replace("(", r"\(")):
        load_sample(path)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("kind", ["fifo", "directory", "dev zero"])
def test_templates_sample_must_be_a_regular_file(tmp_path: Path, kind: str) -> None:
    from onelogin_scim_setup.errors import TemplateError

    path = special(tmp_path, kind)
    with pytest.raises(TemplateError, match=r"not a regular file|is a"):
        load_sample(path)


# --- paths -------------------------------------------------------------------------------------


def special(folder: Path, kind: str) -> Path:
    """A path of `kind` that is not a regular file."""
    if kind == "dev null":
        return Path("/dev/null")
    if kind == "dev zero":
        return Path("/dev/zero")
    path = folder / kind.replace(" ", "-")
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sock.close()
    elif kind == "symlink":
        target = folder / "target"
        target.write_text("keep", encoding="utf-8")
        path.symlink_to(target)
    return path


@pytest.mark.parametrize("kind", ["dev null", "dev zero", "fifo", "directory", "socket", "symlink"])
def test_paths_written_files_refuse_anything_but_a_regular_file(tmp_path: Path, kind: str) -> None:
    path = special(tmp_path, kind)
    before = os.lstat(path)
    with pytest.raises(WriteError, match=r"symbolic link|only a regular file is ever replaced"):
        write_file(path, "plan\n")
    after = os.lstat(path)
    assert (stat.S_IFMT(after.st_mode), after.st_ino) == (
        stat.S_IFMT(before.st_mode),
        before.st_ino,
    )
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_paths_out_dev_null_is_refused_by_the_cli(
    write_config: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    result = run_cli(
        "-c", str(write_config(BASE_CONFIG)), "runbook", "--offline", "--out", "/dev/null"
    )
    assert result.exit_code == 1
    assert "cannot write /dev/null: it exists and is a character device" in result.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize(
    ("code", "fix"),
    [
        (errno.ENOSPC, "The disk is full"),
        (errno.EFBIG, "The file size limit"),
        (errno.EDQUOT, "disk quota"),
        (errno.EROFS, "read-only"),
    ],
    ids=["ENOSPC", "EFBIG", "EDQUOT", "EROFS"],
)
def test_paths_a_full_or_limited_disk_names_the_path_and_the_fix(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_cli: Callable[..., Any],
    write_config: Callable[..., Path],
    code: int,
    fix: str,
) -> None:
    def failing(fd: int, data: bytes) -> int:
        raise OSError(code, os.strerror(code))

    config = write_config(BASE_CONFIG)
    monkeypatch.setattr("onelogin_scim_setup.files.os.write", failing)
    out = tmp_path / "runbook.md"
    result = run_cli("-c", str(config), "runbook", "--offline", "--out", str(out))
    assert result.exit_code == 1
    assert f"cannot write {out}: {os.strerror(code)}" in result.stderr
    assert fix in result.stderr
    assert ("This is a bug" in result.output, "Traceback" in result.output) == (False, False)
    assert (out.exists(), list(tmp_path.glob(".*.tmp"))) == (False, [])


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EFBIG], ids=["ENOSPC", "EFBIG"])
def test_paths_a_lock_that_cannot_be_written_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    import onelogin_scim_setup.ops.lock as lock

    real_open = lock._open

    def full(path: Path) -> Any:
        handle = real_open(path)

        class Full:
            def __getattr__(self, name: str) -> Any:
                return getattr(handle, name)

            def write(self, text: str) -> int:
                raise OSError(code, os.strerror(code))

        return Full()

    monkeypatch.setattr(lock, "_open", full)
    with (
        pytest.raises(
            SetupError, match=f"cannot write the apply lock .*{os.strerror(code)}"
        ) as caught,
        held(tmp_path / "locks", api_url="https://acme.onelogin.com", app_name="A", timeout=0),
    ):
        pytest.fail("held a lock it could not write")
    assert "elsewhere" in str(caught.value.hint)


@pytest.mark.parametrize(
    "environ",
    [{}, {"HOME": ""}, {"HOME": "relative/home"}, {"HOME": "", "XDG_STATE_HOME": "relative"}],
    ids=["no HOME", "empty HOME", "relative HOME", "relative XDG_STATE_HOME"],
)
def test_paths_no_home_is_an_error_never_a_lock_under_root(environ: dict[str, str]) -> None:
    with pytest.raises(SetupError, match="HOME is") as caught:
        default_lock_dir(environ)
    assert "ONELOGIN_SCIM_LOCK_DIR" in str(caught.value.hint)


def test_paths_relative_xdg_state_home_falls_back_to_home() -> None:
    assert default_lock_dir({"HOME": "/h", "XDG_STATE_HOME": "rel"}) == Path(
        "/h/.local/state/onelogin-scim-setup/locks"
    )


@pytest.mark.parametrize("planted", ["symlink", "fifo", "directory"])
def test_paths_a_planted_lock_file_is_refused_and_its_target_untouched(
    tmp_path: Path, planted: str
) -> None:
    folder = tmp_path / "locks"
    folder.mkdir(mode=0o700)
    path = lock_path(folder, "https://acme.onelogin.com", "A")
    target = tmp_path / "precious"
    target.write_text("precious\n", encoding="utf-8")
    if planted == "symlink":
        path.symlink_to(target)
    elif planted == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    with (
        pytest.raises(SetupError, match="cannot create the apply lock"),
        held(folder, api_url="https://acme.onelogin.com", app_name="A", timeout=0),
    ):
        pytest.fail("took a planted lock")
    assert target.read_text(encoding="utf-8") == "precious\n"


@pytest.mark.parametrize(
    ("mode", "owner", "problem"),
    [
        (0o770, None, "others may write to it (mode 0770)"),
        (0o707, None, "others may write to it (mode 0707)"),
        (0o777, None, "others may write to it (mode 0777)"),
        (0o1777, None, "others may write to it (mode 1777)"),
        (0o700, 4242, "it belongs to user id 4242, not to you"),
    ],
    ids=["group writable", "other writable", "world writable", "sticky tmp", "not owned"],
)
def test_paths_the_lock_folder_must_be_the_users_own(
    tmp_path: Path, mode: int, owner: int | None, problem: str
) -> None:
    folder = tmp_path / "locks"
    folder.mkdir()
    os.chmod(folder, mode)
    if owner is not None:
        if os.geteuid() != 0:
            pytest.skip("only root can give a folder to another user")
        os.chown(folder, owner, -1)
    with (
        pytest.raises(SetupError, match=re.escape(problem)) as caught,
        held(folder, api_url="https://acme.onelogin.com", app_name="A", timeout=0),
    ):
        pytest.fail("used a folder others control")
    assert f"chmod 700 {folder}" in str(caught.value.hint)
    assert list(folder.iterdir()) == []


def test_paths_the_lock_file_is_private(tmp_path: Path) -> None:
    with held(tmp_path / "locks", api_url="https://acme.onelogin.com", app_name="A", timeout=0):
        path = lock_path(tmp_path / "locks", "https://acme.onelogin.com", "A")
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


SAME_TENANT = [
    "https://acme.onelogin.com",
    "https://ACME.onelogin.com",
    "https://acme.onelogin.com:443",
    "https://acme.onelogin.com.",
    "https://acme.onelogin.com/",
    "HTTPS://Acme.OneLogin.COM.:443/",
]
OTHER_TENANTS = [
    "https://acme2.onelogin.com",
    "https://acme.onelogin.com:8443",
    "http://acme.onelogin.com",
    "https://acme.onelogin.com/other",
]


@pytest.mark.parametrize("url", SAME_TENANT)
def test_paths_one_tenant_one_lock(tmp_path: Path, url: str) -> None:
    assert lock_path(tmp_path, url, "SCIM SOE") == lock_path(tmp_path, SAME_TENANT[0], "SCIM SOE")
    assert tenant_key(url) == "https://acme.onelogin.com"


@pytest.mark.parametrize("url", OTHER_TENANTS)
def test_paths_other_tenants_other_locks(tmp_path: Path, url: str) -> None:
    assert lock_path(tmp_path, url, "SCIM SOE") != lock_path(tmp_path, SAME_TENANT[0], "SCIM SOE")


@pytest.mark.parametrize("url", SAME_TENANT[1:4])
def test_paths_two_spellings_of_one_tenant_wait_for_each_other(tmp_path: Path, url: str) -> None:
    from onelogin_scim_setup.errors import LockTimeout

    with (
        held(tmp_path, api_url=SAME_TENANT[0], app_name="SCIM SOE", timeout=0),
        pytest.raises(LockTimeout, match=r"another apply on https://acme\.onelogin\.com/SCIM SOE"),
        held(tmp_path, api_url=url, app_name="SCIM SOE", timeout=0),
    ):
        pytest.fail("one tenant, two locks")


def test_paths_the_same_tenant_with_another_app_is_another_lock(tmp_path: Path) -> None:
    assert lock_path(tmp_path, SAME_TENANT[1], "A") != lock_path(tmp_path, SAME_TENANT[1], "B")


@pytest.mark.parametrize("kind", ["fifo", "dev zero", "directory", "dev null"])
def test_paths_read_inputs_are_regular_files(tmp_path: Path, kind: str) -> None:
    from onelogin_scim_setup.files import InputFileError

    with pytest.raises(InputFileError, match="not a regular file"):
        read_text_input(special(tmp_path, kind), 1024)


def test_paths_read_inputs_are_size_capped(tmp_path: Path) -> None:
    from onelogin_scim_setup.files import InputFileError

    path = tmp_path / "big"
    path.write_bytes(b"x" * 2049)
    with pytest.raises(InputFileError, match="larger than the limit"):
        read_text_input(path, 2048)


# --- saved plans: bound whole -------------------------------------------------------------------

CHANGES = Plan(
    (
        Change(
            Action.CREATE,
            Kind.CUSTOM_FIELD,
            "userType",
            (FieldChange("shortname", None, "userType"),),
        ),
        Change(Action.UPDATE, Kind.ROLE, "Engineering", (FieldChange("has_app", False, True),)),
        Change(Action.UPDATE, Kind.ROLE, "SOE Moderators", (FieldChange("has_app", False, True),)),
    )
)


def saved_file(tmp_path: Path, edit: Callable[[dict[str, Any]], None] | None = None) -> Path:
    document = CHANGES.to_dict()
    document["basis"] = {"config_digest": "sha256:c", "onelogin_digests": {"roles": "sha256:r"}}
    if edit is not None:
        edit(document)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "a change deleted": lambda d: d["changes"].pop(1),
    "the last change deleted": lambda d: d["changes"].pop(),
    "every change deleted": lambda d: d["changes"].clear(),
    "a change added": lambda d: d["changes"].append(dict(d["changes"][1], key="Admins")),
    "a change duplicated": lambda d: d["changes"].append(d["changes"][0]),
    "an action altered": lambda d: d["changes"][1].update(action="delete"),
    "a key altered": lambda d: d["changes"][1].update(key="Everyone"),
    "a field value altered": lambda d: d["changes"][1]["fields"][0].update(after=False),
    "two changes swapped": lambda d: d["changes"].reverse(),
    "the checksum altered": lambda d: d.update(checksum="sha256:0000000000000000"),
    "the checksum emptied": lambda d: d.update(checksum=""),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_saved_plan_an_edited_file_is_refused(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None]
) -> None:
    with pytest.raises(UsageError, match="was edited after `plan --out` wrote it"):
        saved.load(saved_file(tmp_path, edit))


def test_saved_plan_an_untouched_file_loads(tmp_path: Path) -> None:
    plan = saved.load(saved_file(tmp_path))
    assert plan.checksum == checksum(plan.changes) == CHANGES.to_dict()["checksum"]


@pytest.mark.parametrize("kind", ["fifo", "dev zero", "directory"])
def test_saved_plan_must_be_a_regular_file(tmp_path: Path, kind: str) -> None:
    with pytest.raises(UsageError, match="not a regular file"):
        saved.load(special(tmp_path, kind))


def test_saved_plan_nested_too_deeply_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(UsageError):
        saved.load(path)


class FakeComputed:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan


@pytest.mark.parametrize(
    "given",
    ["", "sha256:", "sha256:1", "sha256:" + "0" * 15, " ", "SHA256:", "*"],
    ids=["empty", "bare prefix", "one digit", "15 digits", "space", "upper prefix", "glob"],
)
def test_saved_plan_a_partial_checksum_is_never_a_prefix(given: str) -> None:
    whole = CHANGES.to_dict()["checksum"]
    with pytest.raises(UsageError, match="is not a plan checksum"):
        saved.valid_checksum(given)
    with pytest.raises(StalePlanError):
        saved.check_checksum(given, FakeComputed(CHANGES))  # type: ignore[arg-type]
    saved.check_checksum(whole, FakeComputed(CHANGES))  # type: ignore[arg-type]


def test_saved_plan_an_empty_checksum_is_refused_by_apply(
    write_config: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    result = run_cli("-c", str(write_config(BASE_CONFIG)), "apply", "--checksum", "")
    assert result.exit_code == 64
    assert "--checksum '' is not a plan checksum" in result.stderr


@pytest.fixture(autouse=True)
def _no_rich_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)


def test_corpus_size() -> None:
    # The issue asks for at least 120 cases across these groups; parametrisation counts.
    assert len(HOSTILE_TEXT) * len(OUTPUT_PATHS) + len(SECRET_CASES) >= 120
    assert yaml is not None


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal bar", "piped"])
def test_terminal_progress_lines_are_escaped(terminal: bool) -> None:
    from onelogin_scim_setup.render.console import SafeConsole
    from onelogin_scim_setup.render.progress import applying

    stderr = io.StringIO()
    console = SafeConsole(
        file=stderr, force_terminal=terminal, width=100, redactor=Redactor([TOKEN])
    )
    out = Out(SafeConsole(file=io.StringIO()), console)
    change = Change(Action.UPDATE, Kind.USER, f"u\x1b[2J\x1b]0;t\x07@x.io\n{TOKEN}")
    with applying(out) as progress:
        progress.started(1)
        progress.done(change)
    drawn = stderr.getvalue()
    assert "\x1b[2J" not in drawn
    assert "\x1b]" not in drawn
    assert "u\\x1b[2J\\x1b]0;t\\x07@x.io\\n[redacted]" in without_colours(drawn)
    assert leaked(drawn, TOKEN) == []


# A secret full of the characters JSON, YAML and CSV escape or quote.
QUOTED_SECRET = 'q"u\\o,t"e\\d-secret"\\,x'


@pytest.mark.parametrize(
    "echo",
    [QUOTED_SECRET, QUOTED_SECRET[:-4], QUOTED_SECRET[3:], QUOTED_SECRET.upper()],
    ids=["whole", "less last 4", "less first 3", "upper"],
)
def test_secrets_data_outputs_still_parse_after_the_cut(echo: str) -> None:
    redactor = Redactor([QUOTED_SECRET])
    out, stdout, _ = capture(redactor)
    out.data({"message": f"echo {echo}", echo: 1})
    document = json.loads(stdout.getvalue())
    assert leaked(json.dumps(document, ensure_ascii=False), QUOTED_SECRET) == []
    yaml_out, yaml_stdout, _ = capture(redactor)
    yaml_out.data_yaml({"message": f"echo {echo}"})
    assert leaked(str(yaml.safe_load(yaml_stdout.getvalue())), QUOTED_SECRET) == []
    csv_out, csv_stdout, _ = capture(redactor)
    render_findings(csv_out, [finding(f"{echo}@x.io")], "csv", users=(1, 1))
    rows = list(csv.reader(io.StringIO(csv_stdout.getvalue(), newline="")))
    assert len(rows) == 2
    assert len(rows[1]) == len(rows[0])
    assert leaked(rows[1][2], QUOTED_SECRET) == []


def test_secrets_error_json_still_parses_after_the_cut() -> None:
    redactor = Redactor([QUOTED_SECRET])
    stdout, stderr = io.StringIO(), io.StringIO()
    out = Out.create(
        color="never", json_output=True, stdout=stdout, stderr=stderr, redactor=redactor
    )
    render_error(out, SetupError(f"server said {QUOTED_SECRET[:-2]}", hint="x"), redactor)
    payload = json.loads(stdout.getvalue())["error"]
    assert leaked(payload["message"], QUOTED_SECRET) == []
    assert leaked(stderr.getvalue(), QUOTED_SECRET) == []


ONELOGIN_SECRET = "~~~?>?>~~~??>>Xq7vR2mK9pL4wT8z-4d2a"  # random, as real secrets are


@pytest.mark.parametrize("name", list(echoes(ONELOGIN_SECRET)))
def test_secrets_plan_v_never_prints_an_echo_of_the_client_secret(
    write_config: Callable[..., Path],
    run_cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    import responses

    echo = echoes(ONELOGIN_SECRET)[name]
    monkeypatch.setenv("ONELOGIN_CLIENT_ID", "client-id-1")
    monkeypatch.setenv("ONELOGIN_CLIENT_SECRET", ONELOGIN_SECRET)
    monkeypatch.setenv("SOE_SCIM_TOKEN", TOKEN)
    body = {"statusCode": 400, "name": "BadRequest", "message": f"invalid client_secret {echo}"}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post("https://acme.onelogin.com/auth/oauth2/v2/token", status=400, json=body)
        result = run_cli("-c", str(write_config(BASE_CONFIG)), "-v", "plan")
    assert result.exit_code == 1, result.output
    assert ("Traceback" in result.output, "This is a bug" in result.output) == (False, False)
    if name in ("url encoded", "json unicode escaped"):  # spellings we never send: no 8 raw chars
        assert ONELOGIN_SECRET.lower() not in result.output.lower()
    else:
        assert leaked(result.output, ONELOGIN_SECRET) == [], result.output


@pytest.mark.parametrize(
    "args",
    [
        ["-c", "a\x1b[2Jb\nAll checks passed.yaml", "validate"],
        ["plan", "--output", "x\x1b[2J\nAll checks passed."],
        ["apply", "--checksum", "\x1b]0;t\x07\nAll checks passed."],
    ],
    ids=["config path", "option value", "checksum value"],
)
def test_terminal_what_the_user_typed_is_shown_escaped(
    run_cli: Callable[..., Any], args: list[str]
) -> None:
    result = run_cli(*args)
    assert result.exit_code in (1, 64)
    assert "\x1b" not in result.output
    assert "All checks passed." not in result.output.splitlines()
    assert "\\nAll checks passed." in result.output
