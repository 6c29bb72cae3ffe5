"""A corpus of hostile configs, templates, samples and options (issue 8).

Each case goes through the real CLI entry point: it must exit 1 with one message naming the place,
show no traceback, and reach no network. The base URLs point at a listening socket on 127.0.0.1,
so any connection attempt is caught as well as any request through requests. Cases that used to
hang (FIFOs, /dev/zero, deep nesting, endless template loops) run in a subprocess with a generous
timeout, so a regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import copy
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.conftest import Result
from tests.helpers import cli_forks

CLIENT_SECRET = "hostile-client-secret-0123456789abcdef"
SCIM_TOKEN = "hostile-scim-token-" + "Q" * 40
PASSWORD = "hunter2-in-url"

BASE: dict[str, Any] = {
    "onelogin": {"base_url": "http://127.0.0.1:{port}"},
    "soe": {
        "scim_base_url": "http://127.0.0.1:{port}/api/scim/v2",
        "allow_moderator_promotion": True,
    },
    "app": {"roles": ["Engineering", "SOE Moderators"]},
    "promotions": {"roles": [{"role": "SOE Moderators", "user_type": "Moderator"}]},
}


@dataclass(frozen=True)
class Case:
    """One hostile input. `config` edits the base config (dotted key -> value), or replaces its
    text; `files` are written beside it ("fifo", "dir" and "zero" make special files)."""

    id: str
    where: str  # the place the message must name
    config: dict[str, Any] | str = field(default_factory=dict)
    files: dict[str, str | bytes] = field(default_factory=dict)
    args: tuple[str, ...] = ("plan",)
    also_validate: bool = True  # a bad config or template is also refused by `validate`
    hangs: bool = False  # used to hang or crash: run in a subprocess with a timeout


def url_cases(key: str) -> list[Case]:
    dotted = ("onelogin." if key == "base_url" else "soe.") + key
    bad = {
        "backslash-at (issue 8 reproduction)": "http://127.0.0.2:{port}\\@127.0.0.1",
        "userinfo": f"https://admin:{PASSWORD}@acme.example.com",
        "empty userinfo": "https://@acme.example.com",
        "query": "https://acme.example.com?x=1",
        "fragment": "https://acme.example.com#x",
        "port too large": "https://acme.example.com:99999",
        "port zero": "https://acme.example.com:0",
        "port not a number": "https://acme.example.com:https",
        "dot segments": "https://acme.example.com/%2e%2e/admin",
        "path parameter": "https://acme.example.com/api;x=1",
        "control character": "https://acme.example.com/\x07",
        "space": "https://acme .example.com",
        "IDN look-alike": "https://\u0430cme.example.com",
        "plain http to a remote host": "http://acme.example.com",
        "ftp": "ftp://127.0.0.1",
        "no scheme": "acme.example.com",
        "very long": "https://acme.example.com/" + "a" * 3000,
        "not a string": 443,
    }
    return [Case(f"{dotted}: {name}", dotted, {dotted: value}) for name, value in bad.items()]


DEEP_YAML = "onelogin: " + "[" * 5000 + "]" * 5000 + "\n"
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(7)
)

CONFIG_CASES = [
    *url_cases("base_url"),
    *url_cases("scim_base_url"),
    Case("role with a control character", "app.roles.0", {"app.roles": ["Eng\x07"]}),
    Case("role of 100 KB", "app.roles.0", {"app.roles": ["E" * 100_000]}),
    Case("role with a zero-width space", "app.roles.0", {"app.roles": ["Eng\u200bineering"]}),
    Case("blank role", "app.roles.0", {"app.roles": ["   "]}),
    Case("role with a trailing space", "app.roles.0", {"app.roles": ["Engineering "]}),
    Case("app name with a newline", "app.name", {"app.name": "SCIM\nSOE"}),
    Case("blank mapping_prefix", "app.mapping_prefix", {"app.mapping_prefix": ""}),
    Case("spaces as mapping_prefix", "app.mapping_prefix", {"app.mapping_prefix": "   "}),
    Case(
        "bidi override in a field name",
        "fields.user_type.name",
        {"fields.user_type.name": "user\u202eType"},
    ),
    Case(
        "promotion role with an escape",
        "promotions.roles.0.role",
        {"promotions.roles.0.role": "SOE\x1b[2J"},
    ),
    Case(
        "department of 300 characters",
        "promotions.users.0.department",
        {
            "fields.department": {"enabled": True},
            "promotions.users": [{"email": "a@example.com", "department": "D" * 300}],
        },
    ),
    Case(
        "userType and usertype",
        "fields",
        {
            "fields.department": {
                "enabled": True,
                "source": "custom",
                "shortname": "usertype",
                "name": "d",
            }
        },
    ),
    Case("max_retries: true", "onelogin.max_retries", {"onelogin.max_retries": True}),
    Case("timeout as text", "onelogin.timeout", {"onelogin.timeout": "30"}),
    Case("timeout infinite", "soe.timeout", {"soe.timeout": float("inf")}),
    Case("backoff not a number", "onelogin.backoff", {"onelogin.backoff": float("nan")}),
    Case("verify_tls as text", "soe.verify_tls", {"soe.verify_tls": "no"}),
    Case("a promotion switch as 1", "soe.allow_admin_promotion", {"soe.allow_admin_promotion": 1}),
    Case("version 2", "version", {"version": 2}),
    Case(
        "NUL in token.command",
        "token.command.1",
        {"token": {"source": "command", "command": ["echo", "a\x00b"]}},
    ),
    Case("NUL in template.path", "template.path", {"template.path": "t\x00.j2"}),
    Case(
        "configuration key with a newline",
        "app.configuration_keys.bearer_token",
        {"app.configuration_keys": {"bearer_token": "scim\ntoken"}},
    ),
    Case("unknown key", "onelogin.subdomian", {"onelogin.subdomian": "acme"}),
    Case(
        "integer of 5,000 digits", "config.yaml", "onelogin:\n  max_retries: " + "9" * 5000 + "\n"
    ),
    Case("YAML nested 5,000 deep", "config.yaml", DEEP_YAML, hangs=True),
    Case("YAML alias bomb", "config.yaml", ALIAS_BOMB),
    Case("python tag", "config.yaml", "onelogin: !!python/object/apply:os.system ['id']\n"),
    Case("duplicate keys", "config.yaml", "onelogin: {}\nonelogin: {}\n"),
    Case("a list, not a mapping", "config.yaml", "- onelogin\n"),
    Case("not UTF-8", "config.yaml", "\udcff"),
    Case("50 MB config", "config.yaml", "@sparse-50MB"),
    Case("config is /dev/zero", "zero", "@zero", hangs=True),
    Case("config is a FIFO", "fifo", "@fifo", hangs=True),
    Case("config is a directory", "dir", "@dir"),
    Case(
        "token file is a FIFO",
        "fifo",
        {"token": {"source": "file", "file": "fifo"}},
        {"fifo": "@fifo"},
        args=("token", "show"),
        hangs=True,
    ),
    Case(
        "token file is /dev/zero",
        "/dev/zero",
        {"token": {"source": "file", "file": "/dev/zero"}},
        args=("token", "show"),
        hangs=True,
    ),
]

TEMPLATE_CASES = [
    Case(f"template: {name}", "t.j2", {"template.path": "t.j2"}, {"t.j2": text}, hangs=hangs)
    for name, text, hangs in [
        (
            "code via __globals__",
            '{{ placeholder.__globals__.__builtins__.__import__("os").popen("id").read() }}',
            False,
        ),
        ("code via __subclasses__", "{{ ''.__class__.__mro__[1].__subclasses__() }}", False),
        ("mutating a list", "{% set x = [] %}{{ x.append(1) }}", False),
        ("range(10**12)", "{% for i in range(10**12) %}x{% endfor %}", False),
        (
            "nested loops",
            "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
            True,
        ),
        ("string bomb", '{{ "x" * 10**10 }}', False),
        ("huge exponent", "{{ 7 ** 100000000 }}", False),
        ("output bomb", '{% for i in range(99999) %}{{ "x" * 1000 }}{% endfor %}', False),
        ("lipsum bomb", "{{ lipsum(n=10**8) }}", True),
        ("recursive macro", '{% macro d(s) %}{{ d(s ~ s) }}{% endmacro %}{{ d("ab") }}', True),
        ("syntax error", "{% for %}", False),
    ]
] + [
    Case("template is a FIFO", "fifo", {"template.path": "fifo"}, {"fifo": "@fifo"}, hangs=True),
    Case("template is /dev/zero", "/dev/zero", {"template.path": "/dev/zero"}, hangs=True),
    Case("template is a directory", "dir", {"template.path": "dir"}, {"dir": "@dir"}),
    Case("template of 300 KiB", "t.j2", {"template.path": "t.j2"}, {"t.j2": "{}" + " " * 300_000}),
    Case("template not UTF-8", "t.j2", {"template.path": "t.j2"}, {"t.j2": b"\xff\xfe{}"}),
]

USERS_FILE = "promotions.users_file"
USERS_FILE_CASES = [
    Case("users_file is a FIFO", "fifo", {USERS_FILE: "fifo"}, {"fifo": "@fifo"}, hangs=True),
    Case("users_file is /dev/zero", "/dev/zero", {USERS_FILE: "/dev/zero"}, hangs=True),
    Case("users_file is a directory", "dir", {USERS_FILE: "dir"}, {"dir": "@dir"}),
    Case("users_file of 50 MB", "u.csv", {USERS_FILE: "u.csv"}, {"u.csv": "@sparse-50MB"}),
    Case("users_file not UTF-8", "u.csv:2", {USERS_FILE: "u.csv"}, {"u.csv": b"email\n\xff\n"}),
]

PREVIEW = ("render", "--preview", "--sample")
SAMPLE_CASES = [
    Case(
        f"sample: {name}",
        name_file,
        files={name_file: text},
        args=(*PREVIEW, name_file),
        also_validate=False,
        hangs=hangs,
    )
    for name, name_file, text, hangs in [
        ("FIFO", "s.yaml", "@fifo", True),
        ("directory", "s.yaml", "@dir", False),
        ("over 1 MiB", "s.yaml", "user: {}\n" + "#" * (1024 * 1024 + 10), False),
        ("JSON nested 5,000 deep", "s.json", '{"user": ' + "[" * 5000 + "]" * 5000 + "}", False),
        ("YAML nested 5,000 deep", "s.yaml", "user: " + "[" * 5000 + "]" * 5000, True),
        (
            "JSON integer of 5,000 digits",
            "s.json",
            '{"user": {"firstname": ' + "9" * 5000 + "}}",
            False,
        ),
        ("JSON integer of 50 digits", "s.json", '{"user": {"firstname": ' + "9" * 50 + "}}", False),
        (
            "YAML hex integer of 5,000 digits",
            "s.yaml",
            "user:\n  firstname: 0x" + "f" * 5000 + "\n",
            False,
        ),
        ("invalid JSON", "s.json", '{"user": ', False),
        ("not a mapping", "s.yaml", "- a\n", False),
        ("user not a mapping", "s.yaml", "user: [1]\n", False),
        ("python tag", "s.yaml", "user: !!python/name:os.system\n", False),
    ]
] + [
    Case(
        "sample: /dev/zero",
        "/dev/zero",
        args=(*PREVIEW, "/dev/zero"),
        also_validate=False,
        hangs=True,
    )
]

OPTION_CASES = [
    Case(f"option: {' '.join(args)}", args[-2], args=args, also_validate=False)
    for args in [
        ("verify", "--interval", "-1"),
        ("verify", "--interval", "0"),
        ("verify", "--interval", "nan"),
        ("verify", "--timeout", "-5"),
        ("verify", "--timeout", "1e9"),
        ("verify", "--timeout", "inf"),
        ("token", "rotate", "--interval", "0"),
        ("token", "rotate", "--timeout", "-1"),
        ("apply", "--auto-approve", "--lock-timeout", "inf"),
    ]
]

CASES = CONFIG_CASES + TEMPLATE_CASES + USERS_FILE_CASES + SAMPLE_CASES + OPTION_CASES


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A socket the config's base URLs point at: any connection to it is a failure."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.setblocking(False)
    yield server
    server.close()


def connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = server.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


@pytest.fixture
def requests_sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    sent: list[str] = []

    def refuse(self: object, request: requests.PreparedRequest, **_: object) -> None:
        sent.append(str(request.url))
        raise requests.ConnectionError("the hostile-input tests allow no network")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", refuse)
    return sent


def set_key(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(parts[-1])] = value
    else:
        node[parts[-1]] = value


def special(path: Path, kind: str) -> None:
    if kind == "@fifo":
        os.mkfifo(path)
    elif kind == "@dir":
        path.mkdir()
    elif kind == "@sparse-50MB":
        with path.open("wb") as handle:
            handle.truncate(50 * 1024 * 1024)


def materialise(case: Case, folder: Path, port: int) -> Path:
    """Write the case's config and files into `folder`; the path to pass as --config."""
    for name, content in case.files.items():
        target = folder / name
        if isinstance(content, str) and content.startswith("@"):
            special(target, content)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    if isinstance(case.config, str):
        if case.config == "@zero":
            return Path("/dev/zero")
        target = folder / ("config.yaml" if not case.config.startswith("@") else case.where)
        if case.config.startswith("@"):
            special(target, case.config)
        else:
            target.write_bytes(case.config.encode("utf-8", "surrogateescape"))
        return target
    data = copy.deepcopy(BASE)
    for key, value in case.config.items():
        set_key(data, key, value)
    text = yaml.safe_dump(data, allow_unicode=True).replace("{port}", str(port))
    target = folder / "config.yaml"
    target.write_text(text, encoding="utf-8")
    return target


def environment() -> dict[str, str]:
    return {
        "ONELOGIN_CLIENT_ID": "hostile-client-id",
        "ONELOGIN_CLIENT_SECRET": CLIENT_SECRET,
        "SOE_SCIM_TOKEN": SCIM_TOKEN,
    }


def assert_refused(result: Result, case: Case, args: tuple[str, ...]) -> None:
    output = result.output
    # A bad option value is a usage error (exit 64); bad input in a file is an error (exit 1).
    expected = 64 if case.id.startswith("option:") else 1
    assert result.exit_code == expected, f"{args}: exit {result.exit_code}\n{output}"
    assert case.where in output, f"{args}: the message does not name {case.where!r}\n{output}"
    assert "Traceback" not in output
    assert "This is a bug" not in output
    for secret in (PASSWORD, CLIENT_SECRET, SCIM_TOKEN):
        assert secret not in output


def commands(case: Case) -> list[tuple[str, ...]]:
    return [case.args, ("validate",)] if case.also_validate else [case.args]


@pytest.mark.parametrize("case", [c for c in CASES if not c.hangs], ids=lambda c: c.id)
def test_refused_in_process_before_any_network(
    case: Case,
    tmp_path: Path,
    listener: socket.socket,
    requests_sent: list[str],
    monkeypatch: pytest.MonkeyPatch,
    run_cli: Callable[..., Result],
) -> None:
    port = listener.getsockname()[1]
    for name, value in environment().items():
        monkeypatch.setenv(name, value)
    config = materialise(case, tmp_path, port)
    for args in commands(case):
        assert_refused(run_cli("-c", str(config), *args), case, args)
    assert requests_sent == []
    assert connections(listener) == 0


@pytest.mark.e2e
@pytest.mark.parametrize("case", [c for c in CASES if c.hangs], ids=lambda c: c.id)
def test_refused_in_a_subprocess_without_hanging(
    case: Case, tmp_path: Path, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    config = materialise(case, tmp_path, port)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("ONELOGIN_", "SOE_"))}}
    env.update(environment(), COLUMNS="200")
    for args in commands(case):
        # A process of its own, forked with the CLI loaded (tests/helpers/cli_forks.py); the
        # timeout guards against hanging (a busy machine is slow), it is not a speed assertion.
        done = cli_forks.run(["-c", str(config), *args], env, tmp_path, timeout=120)
        assert_refused(Result(done.returncode, done.stdout, done.stderr), case, args)
    assert connections(listener) == 0
