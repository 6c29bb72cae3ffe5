"""The words `--help` shows after the options: examples per command, environment, exit codes."""

from __future__ import annotations

from rich.markup import escape

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
    "plan": ("plan", "plan -o json --detailed-exitcode > plan.json   # 2: changes"),
    "apply": ("apply", "apply --auto-approve -o json   # CI, after review"),
    "verify": ("verify", "verify --e2e --test-user you@example.com"),
    "discover": ("discover", "discover -o yaml"),
    "doctor": ("doctor", "doctor -o json   # what this tenant answered, and what the tool does"),
    "import_": ("import", "import -c adopted.yaml --force   # then: plan --detailed-exitcode"),
    "runbook": ("runbook --out steps.md", "runbook --offline"),
    "audit": (
        "audit",
        "audit -o csv > audit.csv",
        "audit --fix --auto-approve --detailed-exitcode   # CI",
    ),
    "sandbox": ("sandbox", "sandbox --latency 0.5 --error-rate 0.1"),
    "demo": ("demo", "demo --dir ./demo   # keeps the files"),
    "generate": (
        "token generate --deliver",
        "export SOE_SCIM_TOKEN=$(onelogin-scim-setup token generate --reveal)",
    ),
    "show": ("token show", "token show --reveal | pbcopy"),
    "deliver": ("token deliver",),
    "rotate": ("token rotate",),
}

ENVIRONMENT = (
    ("ONELOGIN_SCIM_CONFIG", "the config file when -c is not given"),
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


def _block(title: str, lines: list[str]) -> str:
    # Rich markup reads [..] as styles; the help text is plain.
    return f"[bold]{title}[/]\n" + "\n".join(escape(line) for line in lines)


def examples(name: str) -> str:
    return _block("Examples:", [f"$ {PROG} {example}" for example in EXAMPLES[name]])


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
