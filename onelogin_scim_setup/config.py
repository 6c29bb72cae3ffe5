"""The config file: one pydantic model tree, loaded once, with file:line: key in every error."""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic import model_validator as model_check

from onelogin_scim_setup.errors import ConfigError, SecretError
from onelogin_scim_setup.yaml_source import YamlDocument, read_yaml

UserType = Literal["Registered", "Moderator", "Admin"]
DEFAULT_CONNECTOR = "SCIM Provisioner with SAML (SCIM v2 Enterprise)"
DEFAULT_CONFIG_FILE = "onelogin-scim-setup.yaml"
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
Shortname = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_url(url: str) -> str:
    """https everywhere; plain http only for loopback hosts (the sandbox, local tests)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL with a host")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError(
            f"{url!r} uses plain http; only https is allowed except for loopback hosts"
        )
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OneLoginSettings(_Model):
    subdomain: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")] | None = None
    base_url: str | None = None
    client_id_env: EnvName = "ONELOGIN_CLIENT_ID"
    client_secret_env: EnvName = "ONELOGIN_CLIENT_SECRET"  # noqa: S105 (a variable name)
    client_id: str | None = None
    client_secret: SecretStr | None = None
    timeout: Annotated[float, Field(gt=0, le=300)] = 30.0
    max_retries: Annotated[int, Field(ge=0, le=10)] = 5
    backoff: Annotated[float, Field(ge=0, le=60)] = 0.5

    @field_validator("base_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @model_check(mode="after")
    def _needs_a_host(self) -> OneLoginSettings:
        if not self.subdomain and not self.base_url:
            raise ValueError("set onelogin.subdomain (e.g. acme) or onelogin.base_url")
        return self

    @property
    def api_url(self) -> str:
        return self.base_url or f"https://{self.subdomain}.onelogin.com"


class SoeSettings(_Model):
    site: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")] | None = None
    scim_base_url: str | None = None
    allow_moderator_promotion: bool = False
    allow_admin_promotion: bool = False
    verify_tls: bool = True
    timeout: Annotated[float, Field(gt=0, le=300)] = 30.0

    @field_validator("scim_base_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @model_check(mode="after")
    def _needs_a_site(self) -> SoeSettings:
        if not self.site and not self.scim_base_url:
            raise ValueError("set soe.site (e.g. acme) or soe.scim_base_url")
        return self

    @property
    def scim_url(self) -> str:
        return self.scim_base_url or f"https://{self.site}.stackenterprise.co/api/scim/v2"


class TokenSettings(_Model):
    source: Literal["env", "file", "command"] = "env"
    env: EnvName = "SOE_SCIM_TOKEN"
    file: Path | None = None
    command: list[str] | None = None
    value: SecretStr | None = None
    delivery: Literal["manual", "command", "file"] = "manual"
    delivery_command: list[str] | None = None
    delivery_file: Path | None = None

    @model_check(mode="after")
    def _complete(self) -> TokenSettings:
        needs = {
            ("source", "file"): ("file", self.file),
            ("source", "command"): ("command", self.command),
            ("delivery", "command"): ("delivery_command", self.delivery_command),
            ("delivery", "file"): ("delivery_file", self.delivery_file),
        }
        for (key, kind), (needed, value) in needs.items():
            if getattr(self, key) == kind and not value:
                raise ValueError(f"token.{key} is {kind!r}, so token.{needed} must be set")
        return self


class ConfigurationKeys(_Model):
    """The app `configuration` keys for the SCIM connection, if the tenant exposes them (see `discover`)."""

    base_url: str | None = None
    bearer_token: str | None = None
    json_template: str | None = None


class AppSettings(_Model):
    name: Annotated[str, Field(min_length=1)] = "SCIM SOE"
    connector: Annotated[str, Field(min_length=1)] = DEFAULT_CONNECTOR
    provisioning: bool = True
    # SOE cannot delete users through SCIM by default, so Suspend is the only action we set up.
    deprovision_action: Literal["suspend"] = "suspend"
    roles: list[Annotated[str, Field(min_length=1)]] = []
    create_missing_roles: bool = False
    mapping_prefix: Annotated[str, Field(min_length=1)] = "onelogin-scim-setup"
    configuration_keys: ConfigurationKeys = ConfigurationKeys()


class TemplateSettings(_Model):
    syntax: Literal["onelogin", "dollar-brace"] = "onelogin"
    path: Path | None = None


class UserTypeField(_Model):
    enabled: bool = True
    shortname: Shortname = "userType"
    name: Annotated[str, Field(min_length=1)] = "userType"


class ProfileField(_Model):
    enabled: bool = False
    source: Literal["builtin", "custom"] = "builtin"
    shortname: Shortname | None = None
    name: str | None = None


class FieldSettings(_Model):
    user_type: UserTypeField = UserTypeField()
    department: ProfileField = ProfileField()
    title: ProfileField = ProfileField()


class RolePromotion(_Model):
    role: Annotated[str, Field(min_length=1)]
    user_type: UserType


class UserValues(_Model):
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]
    user_type: UserType | None = None
    department: str | None = None
    title: str | None = None


class Promotions(_Model):
    roles: list[RolePromotion] = []
    users: list[UserValues] = []


class Config(_Model):
    version: Literal[1] = 1
    onelogin: OneLoginSettings
    soe: SoeSettings
    token: TokenSettings = TokenSettings()
    app: AppSettings = AppSettings()
    template: TemplateSettings = TemplateSettings()
    fields: FieldSettings = FieldSettings()
    promotions: Promotions = Promotions()


@dataclass(frozen=True)
class LoadedConfig:
    """A valid config plus where it came from and the warnings worth showing."""

    config: Config
    path: Path
    warnings: tuple[str, ...]
    document: YamlDocument

    def where(self, *key_path: str | int) -> str:
        return self.document.where(key_path)


def load(path: Path) -> LoadedConfig:
    """Read, validate and cross-check the config at `path`. Raises ConfigError listing every problem."""
    document = read_yaml(path)
    if document.data is None:
        raise ConfigError(
            f"{path}: the config file is empty", hint="Run `onelogin-scim-setup init`."
        )
    if not isinstance(document.data, dict):
        raise ConfigError(f"{path}:1: the config must be a mapping of keys (onelogin:, soe:, ...)")
    try:
        config = Config.model_validate(document.data)
    except ValidationError as error:
        problems = [_describe(document, item) for item in error.errors()]
        raise ConfigError(f"{path}: invalid config", problems=problems) from None
    config = _resolve_paths(config, path.parent)
    problems = [
        f"{document.where(key)}: {'.'.join(map(str, key))}: {msg}" for key, msg in _rules(config)
    ]
    if problems:
        raise ConfigError(f"{path}: invalid config", problems=problems)
    return LoadedConfig(config, path, tuple(_warnings(config, document)), document)


def _resolve_paths(config: Config, base: Path) -> Config:
    """Relative paths in the config are relative to the config file, not to the current folder."""

    def resolve(value: Path | None) -> Path | None:
        return value if value is None or value.is_absolute() else base / value

    template = config.template.model_copy(update={"path": resolve(config.template.path)})
    token = config.token.model_copy(
        update={
            "file": resolve(config.token.file),
            "delivery_file": resolve(config.token.delivery_file),
        }
    )
    return config.model_copy(update={"template": template, "token": token})


def _describe(document: YamlDocument, item: Any) -> str:
    loc = tuple(part for part in item["loc"] if not str(part).startswith("function-after"))
    dotted = ".".join(str(part) for part in loc) or "(top level)"
    message = str(item["msg"]).removeprefix("Value error, ")
    if item["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        message = f"unknown key {str(loc[-1])!r}" + (
            f"; did you mean {close[0]!r}?" if close else ""
        )
        if not close and allowed:
            message += f" (allowed: {', '.join(sorted(allowed))})"
    elif item["type"] == "literal_error" or item["type"] == "enum":
        message += f" (got {item.get('input')!r})"
    return f"{document.where(loc)}: {dotted}: {message}"


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: Any = Config
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = (
            model.model_fields[str(part)].annotation if part in model.model_fields else None
        )
        inner = getattr(annotation, "__args__", (annotation,))
        model = next(
            (arg for arg in inner if isinstance(arg, type) and issubclass(arg, BaseModel)), None
        )
        if model is None:
            return []
    return list(model.model_fields)


def _rules(config: Config) -> list[tuple[tuple[str | int, ...], str]]:
    """Cross-field rules pydantic cannot see field by field; each names the key at fault."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    switches = {
        "Moderator": (config.soe.allow_moderator_promotion, "soe.allow_moderator_promotion"),
        "Admin": (config.soe.allow_admin_promotion, "soe.allow_admin_promotion"),
    }
    promotions: list[tuple[tuple[str | int, ...], str | None]] = [
        (("promotions", "roles", i, "user_type"), p.user_type)
        for i, p in enumerate(config.promotions.roles)
    ]
    promotions += [
        (("promotions", "users", i, "user_type"), u.user_type)
        for i, u in enumerate(config.promotions.users)
    ]
    for key, user_type in promotions:
        if user_type is None:
            continue
        if not config.fields.user_type.enabled:
            found.append((key, "userType is set but fields.user_type.enabled is false"))
        elif user_type in switches and not switches[user_type][0]:
            found.append(
                (
                    key,
                    f"promotes to {user_type} but {switches[user_type][1]} is false, "
                    "so SOE would silently ignore it",
                )
            )
    for index, user in enumerate(config.promotions.users):
        for name in ("department", "title"):
            if getattr(user, name) is not None and not getattr(config.fields, name).enabled:
                found.append(
                    (("promotions", "users", index, name), f"fields.{name}.enabled is false")
                )
    found += _duplicates([p.role for p in config.promotions.roles], ("promotions", "roles"), "role")
    found += _duplicates(
        [u.email.lower() for u in config.promotions.users], ("promotions", "users"), "email"
    )
    found += _duplicates(config.app.roles, ("app", "roles"), None)
    shortnames = [name for name, _ in custom_fields(config)]
    if len(set(shortnames)) != len(shortnames):
        found.append((("fields",), f"two fields use the same custom field shortname: {shortnames}"))
    return found


def _duplicates(
    values: list[str], prefix: tuple[str, ...], attribute: str | None
) -> list[tuple[tuple[str | int, ...], str]]:
    seen: set[str] = set()
    found: list[tuple[tuple[str | int, ...], str]] = []
    for index, value in enumerate(values):
        if value in seen:
            key: tuple[str | int, ...] = (*prefix, index, *((attribute,) if attribute else ()))
            found.append((key, f"{value!r} appears twice"))
        seen.add(value)
    return found


def _warnings(config: Config, document: YamlDocument) -> list[str]:
    warnings = []
    for inline in (("onelogin", "client_id"), ("onelogin", "client_secret"), ("token", "value")):
        if inline in document.lines:
            warnings.append(
                f"{document.where(inline)}: {'.'.join(inline)} is written inline in the config file; "
                "keep secrets in environment variables or a secret store instead"
            )
    for index, promotion in enumerate(config.promotions.roles):
        if promotion.role not in config.app.roles:
            where = document.where(("promotions", "roles", index, "role"))
            warnings.append(
                f"{where}: role {promotion.role!r} gets a userType mapping but is "
                "not in app.roles; its users reach SOE only if another role gives them the app"
            )
    return warnings


def custom_fields(config: Config) -> list[tuple[str, str]]:
    """The custom user fields the config needs: (shortname, display name), userType first."""
    fields: list[tuple[str, str]] = []
    if config.fields.user_type.enabled:
        fields.append((config.fields.user_type.shortname, config.fields.user_type.name))
    for attribute in ("department", "title"):
        field_settings: ProfileField = getattr(config.fields, attribute)
        if field_settings.enabled and field_settings.source == "custom":
            shortname = field_settings.shortname or attribute
            fields.append((shortname, field_settings.name or shortname))
    return fields


def field_source(
    config: Config, attribute: Literal["user_type", "department", "title"]
) -> str | None:
    """The OneLogin placeholder source an optional SCIM attribute is filled from (None: not sent)."""
    if attribute == "user_type":
        settings = config.fields.user_type
        return f"user.custom_fields.{settings.shortname}" if settings.enabled else None
    profile: ProfileField = getattr(config.fields, attribute)
    if not profile.enabled:
        return None
    if profile.source == "custom":
        return f"user.custom_fields.{profile.shortname or attribute}"
    return f"user.{attribute}"


@dataclass(frozen=True)
class OneLoginCredentials:
    client_id: str
    client_secret: SecretStr


def onelogin_credentials(config: Config, environ: Mapping[str, str]) -> OneLoginCredentials:
    """Read the API credentials once, at the edge. Inline values win over the environment."""
    settings = config.onelogin
    client_id = settings.client_id or environ.get(settings.client_id_env, "")
    secret = (
        settings.client_secret.get_secret_value()
        if settings.client_secret
        else environ.get(settings.client_secret_env, "")
    )
    missing = [
        name
        for name, value in (
            (settings.client_id_env, client_id),
            (settings.client_secret_env, secret),
        )
        if not value
    ]
    if missing:
        raise SecretError(
            f"OneLogin API credentials missing: set {' and '.join(missing)}",
            hint="Create an API credential with the 'Manage All' scope in OneLogin "
            "(Developers > API Credentials) and export its client id and secret.",
        )
    return OneLoginCredentials(client_id=client_id, client_secret=SecretStr(secret))
