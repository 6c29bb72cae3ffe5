"""Everything a command checks offline before the first API call: config, template, token. No network I/O, so all bad input is caught before any write."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from onelogin_scim_setup.config.attributes import custom_fields, field_source
from onelogin_scim_setup.config.load import LoadedConfig, load, load_collecting
from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.config.problems import Problem
from onelogin_scim_setup.errors import SecretError, SetupError, TemplateError
from onelogin_scim_setup.secrets.redact import Redactor
from onelogin_scim_setup.secrets.sources import (
    checked_token,
    read_token_from_command,
    read_token_from_env,
    read_token_from_file,
)
from onelogin_scim_setup.secrets.token import check_token_strength, fingerprint
from onelogin_scim_setup.template.lint import lint_scim_template
from onelogin_scim_setup.template.render import TemplateOptions, render_scim_template


@dataclass(frozen=True)
class Prepared:
    loaded: LoadedConfig
    template: str
    token: str | None
    # Every secret of the run (the token; the API credential and access tokens once connected),
    # shared with whatever prints, so no output path can carry one.
    redactor: Redactor = field(default_factory=Redactor, compare=False)

    @property
    def config(self) -> Config:
        return self.loaded.config

    @property
    def token_fingerprint(self) -> str | None:
        return fingerprint(self.token) if self.token else None

    def require_token(self) -> str:
        """The SCIM token, for commands that prepared with `token_required=True`."""
        if self.token is None:
            raise SecretError("the SCIM token is needed for this command but none was read")
        return self.token

    @property
    def secrets(self) -> list[str]:
        return [self.token] if self.token else []


def template_options(config: Config) -> TemplateOptions:
    return TemplateOptions(
        syntax=config.template.syntax,
        user_type_source=field_source(config, "user_type"),
        department_source=field_source(config, "department"),
        title_source=field_source(config, "title"),
        path=config.template.path,
    )


def render_and_lint(loaded: LoadedConfig) -> str:
    text, problems = template_problems(loaded)
    if problems or text is None:
        raise TemplateError("the rendered SCIM JSON template has problems:", problems=problems)
    return text


def template_problems(loaded: LoadedConfig) -> tuple[str | None, list[str]]:
    """The rendered template (None if it cannot be rendered) and every problem in it, each naming
    the template."""
    config = loaded.config
    source = config.template.path or "the built-in template"
    try:
        text = render_scim_template(template_options(config))
    except TemplateError as error:
        message = f"{error.message} ({error.hint})" if error.hint else error.message
        file = str(config.template.path) if config.template.path else None
        return None, [Problem(file, None, "template", message, text=message)]
    parameters = {"scimusername", "department", "title", "external_manager_id"}
    parameters.update(name for name, _ in custom_fields(config))
    problems = lint_scim_template(
        text,
        syntax=config.template.syntax,
        custom_fields=[name for name, _ in custom_fields(config)],
        parameters=parameters,
    )
    file = str(config.template.path) if config.template.path else None
    return text, [
        Problem(file, None, "template", problem.message, text=f"{source}: {problem.message}")
        for problem in problems
    ]


def read_token(
    config: Config, environ: Mapping[str, str], *, required: bool, run_command: bool = True
) -> str | None:
    """The SCIM token from its configured source. A missing env var is None unless `required`.

    Without `run_command`, a `command` source is not run and the token is None: offline commands
    (validate, render) never execute anything the config names.
    """
    settings = config.token
    if settings.value is not None:
        return checked_token(settings.value.get_secret_value(), "token.value in the config")
    if settings.source == "file" and settings.file:
        return read_token_from_file(settings.file)
    if settings.source == "command" and settings.command:
        return read_token_from_command(settings.command) if run_command else None
    try:
        return read_token_from_env(settings.env, environ)
    except SecretError:
        if required:
            raise
        return None


def prepare(
    config_path: Path,
    environ: Mapping[str, str],
    *,
    token_required: bool = False,
    run_token_command: bool = True,
    redactor: Redactor | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> Prepared:
    """Load and check everything offline: config, template, token.

    `run_token_command` False (validate, render): run no command, so a `token.command` source is
    not read. Every secret of the run so far goes into `redactor`, so no output can carry one;
    `on_warning` is told what deserves a warning before anything else is done (`warnings`).
    """
    loaded = load(config_path)
    template = render_and_lint(loaded)
    token = read_token(
        loaded.config, environ, required=token_required, run_command=run_token_command
    )
    refuse_shared_secret(loaded.config, environ, token)
    return _prepared(loaded, template, token, environ, redactor, on_warning)


def _prepared(
    loaded: LoadedConfig,
    template: str,
    token: str | None,
    environ: Mapping[str, str],
    redactor: Redactor | None,
    on_warning: Callable[[str], None] | None,
) -> Prepared:
    """The Prepared of a config that passed, its secrets registered and its warnings told."""
    redactor = redactor if redactor is not None else Redactor()
    onelogin = loaded.config.onelogin
    inline = onelogin.client_secret.get_secret_value() if onelogin.client_secret else ""
    redactor.add(token, inline, environ.get(onelogin.client_secret_env, ""))
    prepared = Prepared(loaded, template, token, redactor)
    if on_warning is not None:
        for warning in warnings(prepared, environ):
            on_warning(warning)
    return prepared


def warnings(prepared: Prepared, environ: Mapping[str, str]) -> list[str]:
    """What a command says before it starts: the runs that stopped part-way on this tenant and
    app, the config's warnings, and a weak token's."""
    found = unfinished_runs(prepared, environ) + list(prepared.loaded.warnings)
    if prepared.token:
        source = prepared.config.token.source
        found += [
            f"the SCIM token from token.source {source} is weak: {weakness}"
            for weakness in check_token_strength(prepared.token)
        ]
    return found


def unfinished_runs(prepared: Prepared, environ: Mapping[str, str]) -> list[str]:
    """Runs that stopped part-way on this tenant and app (ops.journal), said before anything
    else: a test user `verify --e2e` left changed, a token rotation neither finished nor undone."""
    # Here, not at the top: ops.lock and ops.journal build on Prepared.
    from onelogin_scim_setup.ops.journal import (
        ROTATION,
        ROUND_TRIP,
        journal,
        unfinished,
        unfinished_round_trip,
    )
    from onelogin_scim_setup.ops.lock import default_lock_dir

    config = prepared.config
    try:
        lock_dir = default_lock_dir(environ)
    except SetupError:  # no home folder: a command that takes the lock reports it
        return []
    found = []
    for kind, say, fix in (
        (ROUND_TRIP, unfinished_round_trip, "`verify --e2e --test-user EMAIL` restores it"),
        (ROTATION, unfinished, "`token rotate --resume` finishes it, `--rollback` undoes it"),
    ):
        book = journal(
            lock_dir, api_url=config.onelogin.api_url, app_name=config.app.name, kind=kind
        )
        try:
            record = book.read()
        except SetupError as error:
            found.append(error.message)
            continue
        if record is not None:
            found.append(f"{say(record)}: {fix} (journal {book.path}).")
    return found


def refuse_shared_secret(config: Config, environ: Mapping[str, str], token: str | None) -> None:
    """The SCIM token is never the OneLogin client secret, whatever sources they came from: the
    token goes to SOE, so the OneLogin secret would leave for another service."""
    onelogin = config.onelogin
    inline = onelogin.client_secret.get_secret_value() if onelogin.client_secret else ""
    client_secret = inline or environ.get(onelogin.client_secret_env, "")
    if token and client_secret and token.strip() == client_secret.strip():
        raise SecretError(
            f"the SCIM token (token.source {config.token.source}) is the OneLogin client secret "
            f"(onelogin.client_secret_env {onelogin.client_secret_env})",
            hint="Give the SCIM token its own source: SOE issues it under Admin settings > SCIM.",
        )


@dataclass(frozen=True)
class Validation:
    """What `validate` found: every problem of every stage that could run, in one list; and, when
    there is none, the Prepared that `prepare(..., run_token_command=False)` would have built (so
    nothing is loaded or rendered twice: a 10,000-row users_file is read once)."""

    loaded: LoadedConfig | None
    problems: list[str]
    prepared: Prepared | None = None

    @property
    def notes(self) -> list[str]:
        """What a passing validation did not check, and why."""
        token = self.loaded.config.token if self.loaded is not None else None
        if token is not None and token.source == "command" and token.value is None:
            return [
                "token.command was not run: validate runs nothing the config names "
                "(`token show` runs it and checks the token)"
            ]
        return []


def validate_all(
    config_path: Path,
    environ: Mapping[str, str],
    *,
    redactor: Redactor | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> Validation:
    """Schema, cross-field rules, template lint and token source, each run when it can run: a
    stage is skipped only when a config to run it on could not be built. Offline: a `command`
    token source is not run. `redactor` and `on_warning` as for `prepare`, once all passed."""
    loaded, problems = load_collecting(config_path)
    if loaded is None:
        return Validation(None, problems)
    template, template_found = template_problems(loaded)
    problems += template_found
    token = None
    try:
        token = read_token(loaded.config, environ, required=False, run_command=False)
        refuse_shared_secret(loaded.config, environ, token)
    except SecretError as error:
        problems.append(
            Problem(loaded.path, loaded.document.line_of(("token",)), "token", error.message)
        )
    if problems or template is None:
        return Validation(loaded, problems)
    return Validation(
        loaded, problems, _prepared(loaded, template, token, environ, redactor, on_warning)
    )


def reread_token(prepared: Prepared, environ: Mapping[str, str]) -> Prepared:
    """`prepared` with the SCIM token read again from its source. Every command that writes the
    token calls it once it holds the lock (ops.lock), so no run writes back a token that
    another run replaced while it waited."""
    token = read_token(prepared.config, environ, required=prepared.token is not None)
    if token == prepared.token:
        return prepared
    prepared.redactor.add(token)
    return replace(prepared, token=token)
