"""The steps every command shares: check everything offline, then read OneLogin and compute the plan.

`prepare` does no network I/O, so all bad input is caught before the first API call (and long before
the first write).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from onelogin_scim_setup import desired as desired_state
from onelogin_scim_setup import manual
from onelogin_scim_setup.config import (
    Config,
    LoadedConfig,
    custom_fields,
    field_source,
    load,
    onelogin_credentials,
)
from onelogin_scim_setup.errors import OneLoginError, SecretError, TemplateError
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.read import Snapshot, find_app, read
from onelogin_scim_setup.plan import Plan, diff
from onelogin_scim_setup.scim_token import (
    deliver_to_command,
    deliver_to_file,
    fingerprint,
    read_token_from_command,
    read_token_from_env,
    read_token_from_file,
)
from onelogin_scim_setup.template import TemplateOptions, lint_scim_template, render_scim_template
from onelogin_scim_setup.tenant import Tenant


@dataclass(frozen=True)
class Prepared:
    loaded: LoadedConfig
    template: str
    token: str | None

    @property
    def config(self) -> Config:
        return self.loaded.config

    @property
    def token_fingerprint(self) -> str | None:
        return fingerprint(self.token) if self.token else None

    @property
    def secrets(self) -> list[str]:
        return [self.token] if self.token else []


@dataclass(frozen=True)
class Computed:
    plan: Plan
    desired: Tenant
    snapshot: Snapshot


def template_options(config: Config) -> TemplateOptions:
    return TemplateOptions(
        syntax=config.template.syntax,
        user_type_source=field_source(config, "user_type"),
        department_source=field_source(config, "department"),
        title_source=field_source(config, "title"),
        path=config.template.path,
    )


def render_and_lint(loaded: LoadedConfig) -> str:
    config = loaded.config
    text = render_scim_template(template_options(config))
    parameters = {"scimusername", "department", "title", "external_manager_id"}
    parameters.update(name for name, _ in custom_fields(config))
    problems = lint_scim_template(
        text,
        syntax=config.template.syntax,
        custom_fields=[name for name, _ in custom_fields(config)],
        parameters=parameters,
    )
    if problems:
        source = config.template.path or "the built-in template"
        listed = "\n".join(f"  {problem.message}" for problem in problems)
        raise TemplateError(f"{source}: the rendered SCIM JSON template has problems:\n{listed}")
    return text


def read_token(config: Config, environ: Mapping[str, str], *, required: bool) -> str | None:
    """The SCIM token from its configured source. A missing env var is None unless `required`."""
    settings = config.token
    if settings.value is not None:
        return settings.value.get_secret_value()
    if settings.source == "file" and settings.file:
        return read_token_from_file(settings.file)
    if settings.source == "command" and settings.command:
        return read_token_from_command(settings.command)
    try:
        return read_token_from_env(settings.env, environ)
    except SecretError:
        if required:
            raise
        return None


def prepare(
    config_path: Path, environ: Mapping[str, str], *, token_required: bool = False
) -> Prepared:
    loaded = load(config_path)
    template = render_and_lint(loaded)
    token = read_token(loaded.config, environ, required=token_required)
    return Prepared(loaded, template, token)


def client_for(prepared: Prepared, environ: Mapping[str, str]) -> OneLoginClient:
    config = prepared.config
    credentials = onelogin_credentials(config, environ)
    return OneLoginClient(
        config.onelogin.api_url,
        credentials.client_id,
        credentials.client_secret.get_secret_value(),
        timeout=(min(10.0, config.onelogin.timeout), config.onelogin.timeout),
        max_retries=config.onelogin.max_retries,
        backoff_factor=config.onelogin.backoff,
    )


def sensitive_keys(config: Config) -> frozenset[str]:
    key = config.app.configuration_keys.bearer_token
    return frozenset({key} if key else set())


def compute(prepared: Prepared, client: OneLoginClient) -> Computed:
    config = prepared.config
    wanted = desired_state.build(
        config, template=prepared.template, token_fingerprint=prepared.token_fingerprint
    )
    snapshot = read(
        client,
        wanted,
        mapping_prefix=config.app.mapping_prefix,
        sensitive_keys=sensitive_keys(config),
    )
    api = diff(
        snapshot.tenant,
        wanted,
        create_roles=config.app.create_missing_roles,
        sensitive=sensitive_keys(config),
    )
    steps = manual.steps(
        config, template=prepared.template, token_fingerprint=prepared.token_fingerprint
    )
    return Computed(Plan(api.changes + tuple(steps)), wanted, snapshot)


def wire_configuration(prepared: Prepared) -> dict[str, str]:
    """The raw values for the app `configuration` keys the config manages (token in clear)."""
    keys = prepared.config.app.configuration_keys
    values = {}
    if keys.base_url:
        values[keys.base_url] = prepared.config.soe.scim_url
    if keys.bearer_token and prepared.token:
        values[keys.bearer_token] = prepared.token
    if keys.json_template:
        values[keys.json_template] = prepared.template
    return values


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


class OneLoginToken:
    """The app's SCIM Bearer Token through the `configuration` key the config names (see discover)."""

    def __init__(self, client: OneLoginClient, config: Config):
        key = config.app.configuration_keys.bearer_token
        if not key:
            raise SecretError("app.configuration_keys.bearer_token is not set")
        self.client, self.config, self.key = client, config, key
        self._app_id: int | None = None

    def app_id(self) -> int:
        if self._app_id is None:
            _, app, _ = find_app(self.client, self.config.app.name, self.config.app.connector)
            if app is None:
                raise OneLoginError(
                    f"the app {self.config.app.name!r} does not exist; run apply first"
                )
            self._app_id = int(app["id"])
        return self._app_id

    def set(self, token: str) -> None:
        self.client.update_app(self.app_id(), {"configuration": {self.key: token}})

    def fingerprint(self) -> str | None:
        value = (self.client.get_app(self.app_id()).get("configuration") or {}).get(self.key)
        return fingerprint(str(value)) if value and str(value).strip("*") else None


def offline_plan(prepared: Prepared) -> Plan:
    """The manual steps alone, without reading OneLogin (for `runbook --offline`)."""
    steps = manual.steps(
        prepared.config,
        template=prepared.template,
        token_fingerprint=prepared.token_fingerprint,
    )
    return Plan(tuple(steps))
