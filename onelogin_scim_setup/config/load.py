"""Load the config once: YAML with line marks -> pydantic -> cross-field rules, file:line: key in every error."""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from onelogin_scim_setup.config.attributes import custom_fields
from onelogin_scim_setup.config.models import Config, UserEntry
from onelogin_scim_setup.config.problems import Problem, error_message
from onelogin_scim_setup.config.users_csv import read_users_csv
from onelogin_scim_setup.config.yaml_source import YamlDocument, read_yaml
from onelogin_scim_setup.errors import ConfigError


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
    loaded, problems = load_collecting(path)
    if problems or loaded is None:
        raise ConfigError(f"{path}: invalid config", problems=problems)
    return loaded


def load_collecting(path: Path) -> tuple[LoadedConfig | None, list[str]]:
    """Every problem the schema and the cross-field rules find, at once, and the config when one
    could be built.

    Unknown keys do not stop the rules: they are set aside and the rest is validated again, so a
    typo in one key does not hide a wrong promotion in another (the config returned then is what
    the file says without the unknown keys). A wrong value does stop them: a rule checked against
    a default the user did not choose would report nonsense. Unreadable YAML raises ConfigError.
    """
    document = read_yaml(path)
    if document.data is None:
        raise ConfigError(
            f"{path}: the config file is empty", hint="Run `onelogin-scim-setup init`."
        )
    if not isinstance(document.data, dict):
        raise ConfigError(f"{path}:1: the config must be a mapping of keys (onelogin:, soe:, ...)")
    try:
        config = Config.model_validate(document.data)
        problems: list[str] = []
    except ValidationError as error:
        problems = [_describe(document, item) for item in error.errors()]
        if any(item["type"] != "extra_forbidden" for item in error.errors()):
            return None, problems
        known = _without(document.data, [_location(item) for item in error.errors()])
        try:
            config = Config.model_validate(known)
        except ValidationError:  # a rule of the model itself failed once the keys were gone
            return None, problems
    config = _resolve_paths(config, path.parent)
    problems += [
        Problem(path, document.line_of(key), ".".join(map(str, key)), msg)
        for key, msg in _rules(config)
    ]
    warnings = tuple(_warnings(config, document))
    if not problems:  # the CSV's rows are checked against a config that holds
        config = _with_users_file(config)
    # The parsed YAML is not kept: the config holds what it says (one copy of each per-user entry
    # for the rest of the run); the lines stay for messages that name file:line.
    return LoadedConfig(config, path, warnings, replace(document, data=None)), problems


def _with_users_file(config: Config) -> Config:
    """`promotions.users` plus the rows of `promotions.users_file`, every row checked first."""
    users_file = config.promotions.users_file
    if users_file is None:
        return config
    yaml_emails = {u.email.lower() for u in config.promotions.users}
    rows, problems = read_users_csv(users_file, yaml_emails)
    for user, line in zip(rows.users, rows.lines, strict=True):
        problems += [
            Problem(users_file, line, attribute, message)
            for attribute, message in _user_rules(config, user)
        ]
    if problems:
        raise ConfigError(f"{users_file}: invalid promotions.users_file", problems=problems)
    users = [*config.promotions.users, *rows.users]
    promotions = config.promotions.model_copy(update={"users": users})
    return config.model_copy(update={"promotions": promotions})


def _without(data: Any, locations: list[tuple[Any, ...]]) -> Any:
    """A copy of `data` without the keys at `locations` (pydantic error locations)."""
    copied = copy.deepcopy(data)
    for loc in locations:
        parent = copied
        for part in loc[:-1]:
            parent = parent[part]
        del parent[loc[-1]]
    return copied


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
    promotions = config.promotions.model_copy(
        update={"users_file": resolve(config.promotions.users_file)}
    )
    return config.model_copy(
        update={"template": template, "token": token, "promotions": promotions}
    )


def _location(item: Any) -> tuple[Any, ...]:
    return tuple(part for part in item["loc"] if not str(part).startswith("function-after"))


def _describe(document: YamlDocument, item: Any) -> Problem:
    loc = _location(item)
    dotted = ".".join(str(part) for part in loc) or "(top level)"
    message = error_message(item)
    if item["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        message = f"unknown key {str(loc[-1])!r}" + (
            f"; did you mean {close[0]!r}?" if close else ""
        )
        if not close and allowed:
            message += f" (allowed: {', '.join(sorted(allowed))})"
    return Problem(document.path, document.line_of(loc), dotted, message)


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
    for index, promotion in enumerate(config.promotions.roles):
        message = _user_type_rule(config, promotion.user_type)
        if message:
            found.append((("promotions", "roles", index, "user_type"), message))
    for index, user in enumerate(config.promotions.users):
        found += [
            (("promotions", "users", index, attribute), message)
            for attribute, message in _user_rules(config, user)
        ]
    found += _duplicates([p.role for p in config.promotions.roles], ("promotions", "roles"), "role")
    found += _duplicates(
        [u.email.lower() for u in config.promotions.users], ("promotions", "users"), "email"
    )
    found += _duplicates(config.app.roles, ("app", "roles"), None)
    found += _secret_sources(config)
    shortnames = [name for name, _ in custom_fields(config)]
    if len({name.casefold() for name in shortnames}) != len(shortnames):
        # OneLogin and SOE match userType case-sensitively, but two fields differing only in case
        # (userType, usertype) are the very typo this tool exists to catch.
        found.append(
            (
                ("fields",),
                f"two fields use the same custom field shortname (ignoring case): {shortnames}",
            )
        )
    return found


def _secret_sources(config: Config) -> list[tuple[tuple[str | int, ...], str]]:
    """One environment variable is the source of one credential: `token.env:
    ONELOGIN_CLIENT_SECRET` would send the OneLogin secret to SOE as its bearer token. And the SCIM
    token is never the OneLogin client secret."""
    onelogin, token = config.onelogin, config.token
    found: list[tuple[tuple[str | int, ...], str]] = []
    if onelogin.client_id_env == onelogin.client_secret_env:
        found.append(
            (
                ("onelogin", "client_secret_env"),
                f"{onelogin.client_secret_env!r} is also onelogin.client_id_env; each credential "
                "needs its own environment variable",
            )
        )
    if token.source == "env":
        for key in ("client_secret_env", "client_id_env"):
            if token.env == getattr(onelogin, key):
                found.append(
                    (
                        ("token", "env"),
                        f"{token.env!r} is also onelogin.{key}; the SCIM token needs its own "
                        "environment variable (default SOE_SCIM_TOKEN)",
                    )
                )
    inline_secret = onelogin.client_secret.get_secret_value() if onelogin.client_secret else ""
    if (
        token.value is not None
        and inline_secret
        and token.value.get_secret_value() == inline_secret
    ):
        found.append(
            (("token", "value"), "the SCIM token is the OneLogin client secret; they must differ")
        )
    return found


def _user_type_rule(config: Config, user_type: str | None) -> str | None:
    switches = {
        "Moderator": (config.soe.allow_moderator_promotion, "soe.allow_moderator_promotion"),
        "Admin": (config.soe.allow_admin_promotion, "soe.allow_admin_promotion"),
    }
    if user_type is None:
        return None
    if not config.fields.user_type.enabled:
        return "userType is set but fields.user_type.enabled is false"
    if user_type in switches and not switches[user_type][0]:
        return (
            f"promotes to {user_type} but {switches[user_type][1]} is false, "
            "so SOE would silently ignore it"
        )
    return None


def _user_rules(config: Config, user: UserEntry) -> list[tuple[str, str]]:
    """(attribute, problem) for one per-user promotion, from the YAML or the CSV alike."""
    found = []
    message = _user_type_rule(config, user.user_type)
    if message:
        found.append(("user_type", message))
    for name in ("department", "title"):
        if getattr(user, name) is not None and not getattr(config.fields, name).enabled:
            found.append((name, f"fields.{name}.enabled is false"))
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
