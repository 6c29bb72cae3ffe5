"""The words `--help` shows after the options: examples per command, environment, exit codes."""

from __future__ import annotations

from rich.markup import escape

from onelogin_scim_setup.config import CONFIG_ENV
from onelogin_scim_setup.errors import ExitCode

PROG = "onelogin-scim-setup"

EXAMPLES: dict[str, tuple[str, ...]] = {
    "init": ("init", "init -c prod.yaml", "init team.yaml --force"),
    "validate": ("validate", "validate -c prod.yaml -o json"),
    "render": (
        "render > template.json",
        "render --preview",
        "render --sample alice.yaml --out payload.json",
    ),
    "schema": ("schema --out onelogin-scim-setup.schema.json",),
    "plan": (
        "plan",
        "plan --out plan.json --detailed-exitcode   # 2: changes",
        "plan --out plan.json -o markdown > plan.md  # for a PR",
        "plan --target role:Engineering",
    ),
    "show_plan": ("show plan.json", "show plan.json -o markdown > plan.md"),
    "apply": ("apply", "apply --auto-approve -o json   # CI, after review"),
    "verify": ("verify", "verify --e2e --test-user you@example.com"),
    "discover": ("discover", "discover -o yaml"),
    "doctor": ("doctor", "doctor -o json   # what this tenant answered"),
    "import_": (
        "import --subdomain acme --soe-site acme",
        "import new.yaml --subdomain acme --soe-site acme --force",
    ),
    "runbook": ("runbook --out steps.md", "runbook --offline"),
    "audit": (
        "audit",
        "audit -o csv > audit.csv",
        "audit --fix --auto-approve --detailed-exitcode   # CI",
    ),
    "sandbox": ("sandbox", "sandbox --latency 0.5 --error-rate 0.1"),
    "demo": ("demo", "demo --dir ./demo   # keeps the files"),
    "token": ("token generate --deliver", "token show", "token rotate"),
    "generate": (
        "token generate --deliver",
        f"$ export SOE_SCIM_TOKEN=$({PROG} token generate --reveal)",
    ),
    "show": ("token show", "token show --reveal | pbcopy"),
    "deliver": ("token deliver",),
    "rotate": ("token rotate",),
}

ENVIRONMENT = (
    (CONFIG_ENV, "the config file when -c is not given"),
    ("ONELOGIN_CLIENT_ID", "the OneLogin API client id (onelogin.client_id_env)"),
    ("ONELOGIN_CLIENT_SECRET", "its secret (onelogin.client_secret_env)"),
    ("SOE_SCIM_TOKEN", "the SCIM bearer token (token.source: env, token.env)"),
    ("NO_COLOR", "set to anything: no colour"),
    ("FORCE_COLOR", "set to anything: colour even when piped (NO_COLOR wins)"),
)

EXIT_CODES = (
    (ExitCode.OK, "success (--detailed-exitcode: no changes pending)"),
    (ExitCode.ERROR, "error: bad input, API failure, failed check, apply refused"),
    (ExitCode.CHANGES_PENDING, "changes pending (only with --detailed-exitcode)"),
    (ExitCode.USAGE, "usage error: the command line is wrong (see its --help)"),
    (ExitCode.INTERRUPTED, "interrupted (Ctrl-C)"),
    (ExitCode.TERMINATED, "terminated (SIGTERM)"),
)


# The libraries whose behaviour shows in the tool's output, as their distributions are named.
KEY_DEPENDENCIES = ("typer", "requests", "rich", "jinja2", "pyyaml", "pydantic")


def version_text(version: str) -> str:
    """`--version`: the tool's, Python's and the key dependencies' versions, for bug reports.

    Read from the installed distributions' metadata (importlib.metadata), so nothing is imported.
    """
    import platform
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    def of(name: str) -> str:
        try:
            return installed(name)
        except PackageNotFoundError:
            return "not installed"

    libraries = ", ".join(f"{name} {of(name)}" for name in KEY_DEPENDENCIES)
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{PROG} {version}\nPython {python}\n{libraries}"


def _block(title: str, lines: list[str]) -> str:
    # Rich markup reads [..] as styles; the help text is plain.
    return f"[bold]{title}[/]\n" + "\n".join(escape(line) for line in lines)


def example_lines(name: str) -> list[str]:
    """A command's examples as typed at a shell prompt: each on one line of at most 78 columns
    (80 less the help's margin), so it can be copied whole. An example written with its own
    prompt (`$ export X=$(onelogin-scim-setup ...)`) is shown as written."""
    return [
        example if example.startswith("$ ") else f"$ {PROG} {example}" for example in EXAMPLES[name]
    ]


def examples(name: str) -> str:
    return _block("Examples:", example_lines(name))


def root_epilog() -> str:
    environment = [f"{name}: {meaning}" for name, meaning in ENVIRONMENT]
    codes = [f"{int(code):>3}  {meaning}" for code, meaning in EXIT_CODES]
    return "\n\n".join(
        [
            _block("Examples:", [f"$ {PROG} init", f"$ {PROG} plan", f"$ {PROG} demo"]),
            _block("Environment:", environment),
            _block("Exit codes:", codes),
            f"Shell completion: {PROG} --install-completion",
        ]
    )


SAMPLE_FORMAT = (
    "YAML (JSON if the name ends in .json); each placeholder the template uses",
    "needs a value (docs/cli-contract.md, Sample user file), e.g.:",
    "user:",
    "  firstname: Ada",
    "  lastname: Lovelace",
    "  email: ada@example.com",
    "  custom_fields: {userType: Moderator}",
    "parameters: {scimusername: ada@example.com}",
)


def render_epilog() -> str:
    return examples("render") + "\n\n" + _block("Sample user file (--sample):", list(SAMPLE_FORMAT))


def sandbox_epilog() -> str:
    endpoints = [
        "OneLogin: GET /_sandbox/state (the tenant); PUT /_sandbox/apps/<id>/scim (the SCIM",
        "  connection: base_url, bearer_token, json_template, api_connection_enabled,",
        "  deprovision_action, provisioning_enabled); POST /_sandbox/mappings/reapply;",
        "  PUT /_sandbox/users/<id>/status; PUT /_sandbox/users/<id>/roles; GET|PUT /_sandbox/rate_limit",
        "SOE: GET|PUT /_sandbox/settings (scim_enabled, bearer_token, allow_moderator_promotion,",
        "  allow_admin_promotion, allow_deletion); GET /_sandbox/users; POST /_sandbox/users (a",
        "  first SAML sign-in: a SCIM user body, created outside SCIM)",
        "Both: GET|DELETE /_sandbox/requests (request log); GET|PUT /_sandbox/faults",
        "Details: docs/sandbox.md (Control endpoints)",
    ]
    return examples("sandbox") + "\n\n" + _block("Control endpoints (manual steps):", endpoints)
