"""The config file's schema: one frozen pydantic model tree (extra keys forbidden)."""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    SecretStr,
    field_validator,
)
from pydantic import model_validator as model_check
from pydantic_core import core_schema

from onelogin_scim_setup.config import DEFAULT_APP_NAME, DEFAULT_CONFIG_FILE, DEFAULT_CONNECTOR
from onelogin_scim_setup.config.urls import check_url

__all__ = ["DEFAULT_APP_NAME", "DEFAULT_CONFIG_FILE", "DEFAULT_CONNECTOR"]

UserType = Literal["Registered", "Moderator", "Admin"]


EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


Shortname = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]


MAX_NAME_LENGTH = 255
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def _plain_name(value: str) -> str:
    """A name OneLogin stores and people read: printable, no invisible or control characters."""
    if not value.strip():
        raise ValueError("must not be blank")
    if value != value.strip():
        raise ValueError(f"{value!r} starts or ends with whitespace, which OneLogin would keep")
    # Cc: control characters (newlines, escapes); Cf: invisible format characters such as
    # zero-width spaces and bidi overrides, which make two different names look the same;
    # Zl/Zp: the Unicode line and paragraph separators (U+2028, U+2029), line breaks in all but name.
    # isprintable() is False for all of these (and a few allowed ones, such as a no-break
    # space): the C-speed test spares a 10,000-row users_file a category lookup per character.
    if value.isprintable():
        return value
    bad = sorted({f"U+{ord(c):04X}" for c in value if unicodedata.category(c) in _INVISIBLE})
    if bad:
        raise ValueError(f"contains control or invisible characters ({', '.join(bad)})")
    return value


# Names written to OneLogin (roles, fields, app, mapping prefix, user values).
Name = Annotated[str, Field(max_length=MAX_NAME_LENGTH), AfterValidator(_plain_name)]


class _Model(BaseModel):
    # strict: `max_retries: true` or `verify_tls: "no"` is a mistake, not a value to coerce.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# An argument of a command the tool runs (no shell): a NUL byte cannot be passed to a process.
Argument = Annotated[str, Field(min_length=1, pattern=r"^[^\x00]*$")]


def _no_nul(value: Path) -> Path:
    if "\x00" in str(value):
        raise ValueError("a file path cannot contain a NUL character")
    return value


# YAML gives a string; strict would want a Path.
FilePath = Annotated[Path, Field(strict=False), AfterValidator(_no_nul)]
Secret = Annotated[SecretStr, Field(strict=False)]
# Seconds one HTTP request may wait on its connection and its answer (onelogin.timeout, soe.timeout).
RequestTimeout = Annotated[float, Field(gt=0, le=300)]


_HOST_LABEL = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _host_label(value: object, *, key: str, domain: str, url_key: str) -> object:
    """A site or subdomain name (`acme`), with a message that says what to write instead of the
    pattern when it is not one: a full URL or host name gets the name it holds, if any, and the
    key that takes a URL."""
    if not isinstance(value, str) or _HOST_LABEL.match(value):
        return value  # the type and pattern checks of the field say the rest
    host = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", value.strip()).split("/")[0].lower()
    name = host.removesuffix("." + domain) if host.endswith("." + domain) else None
    if name is not None and _HOST_LABEL.match(name):
        suggestion = f"write {key}: {name}"
    else:
        suggestion = f"write the name before .{domain} (e.g. acme)"
    raise ValueError(
        f"is the name in https://<name>.{domain} only, not a URL or host name ({value!r}): "
        f"{suggestion}, or set {url_key} to the full URL instead"
        if "." in value or "/" in value or ":" in value
        else f"must be lower-case letters, digits and hyphens, as in https://<name>.{domain} "
        f"(got {value!r})"
    )


class OneLoginSettings(_Model):
    subdomain: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")] | None = None
    base_url: str | None = None
    client_id_env: EnvName = "ONELOGIN_CLIENT_ID"
    client_secret_env: EnvName = "ONELOGIN_CLIENT_SECRET"  # noqa: S105 (a variable name)
    client_id: str | None = None
    client_secret: Secret | None = None
    timeout: RequestTimeout = 30.0
    max_retries: Annotated[int, Field(ge=0, le=10)] = 5
    backoff: Annotated[float, Field(ge=0, le=60)] = 0.5
    # Most calls in flight at once, over all parallel reads and per-user writes (1: one at a time).
    concurrency: Annotated[int, Field(ge=1, le=16)] = 8
    # Share of the hourly limit left for the account's other integrations: apply refuses up front
    # when the calls it needs would eat into it.
    rate_reserve: Annotated[float, Field(ge=0, lt=1)] = 0.2
    # Seconds apply waits for a just-created custom field's mapping action (docs/onelogin-api.md
    # Op 5: OneLogin's background jobs can take minutes).
    action_wait: Annotated[float, Field(ge=0, le=3600)] = 60.0

    @field_validator("base_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @field_validator("subdomain", mode="before")
    @classmethod
    def _subdomain(cls, value: object) -> object:
        return _host_label(
            value, key="onelogin.subdomain", domain="onelogin.com", url_key="onelogin.base_url"
        )

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
    timeout: RequestTimeout = 30.0

    @field_validator("scim_base_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @field_validator("site", mode="before")
    @classmethod
    def _site(cls, value: object) -> object:
        return _host_label(
            value, key="soe.site", domain="stackenterprise.co", url_key="soe.scim_base_url"
        )

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
    file: FilePath | None = None
    command: list[Argument] | None = None
    value: Secret | None = None
    delivery: Literal["manual", "command", "file"] = "manual"
    delivery_command: list[Argument] | None = None
    delivery_file: FilePath | None = None

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

    base_url: Name | None = None
    bearer_token: Name | None = None
    json_template: Name | None = None


class AppSettings(_Model):
    name: Name = DEFAULT_APP_NAME
    connector: Name = DEFAULT_CONNECTOR
    provisioning: bool = True
    provisioning_via_api: Literal["auto", "api", "manual"] = "auto"
    # SOE cannot delete users through SCIM by default, so Suspend is the only action we set up.
    deprovision_action: Literal["suspend"] = "suspend"
    roles: list[Name] = []
    create_missing_roles: bool = False
    # true: a role that has the app but is not in `roles` loses it; false: shown as unmanaged drift.
    exclusive_roles: bool = False
    # None: "onelogin-scim-setup/<name>", one per app (plan.desired.mapping_prefix).
    mapping_prefix: Name | None = None
    configuration_keys: ConfigurationKeys = ConfigurationKeys()


class TemplateSettings(_Model):
    syntax: Literal["onelogin", "dollar-brace"] = "onelogin"
    path: FilePath | None = None


class UserTypeField(_Model):
    enabled: bool = True
    shortname: Shortname = "userType"
    name: Name = "userType"
    # The value of the OneLogin mapping action that sets this field (GET /api/2/mappings/actions,
    # shown by `discover` and `doctor`), for a tenant whose naming the tool cannot match; checked
    # against the tenant's list at plan time. None: found by value or label (docs/uncertain-facts.md).
    mapping_action: Name | None = None


class ProfileField(_Model):
    enabled: bool = False
    source: Literal["builtin", "custom"] = "builtin"
    shortname: Shortname | None = None
    name: Name | None = None


class FieldSettings(_Model):
    user_type: UserTypeField = UserTypeField()
    department: ProfileField = ProfileField()
    title: ProfileField = ProfileField()


class RolePromotion(_Model):
    role: Name
    user_type: UserType
    # The exact name of an existing (hand-made) mapping the tool adopts and owns; written by
    # `import`. None: the tool's own name (plan.desired.mapping_name).
    mapping: Name | None = None


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


# The email a user signs in with: a Name (so no invisible characters either) with one @.
Email = Annotated[Name, AfterValidator(_email)]


# The rules of one per-user entry (a `promotions.users` item or a `promotions.users_file` row) and
# its JSON Schema (no docstring: it would become the schema's description). Only validation builds
# one: the run holds each entry as a `UserEntry`.
class UserPromotion(_Model):
    email: Email
    user_type: UserType | None = None
    department: Name | None = None
    title: Name | None = None


@dataclass(frozen=True, slots=True)
class UserEntry:
    """One per-user entry as the run holds it, from the config to the plan: 64 bytes and the
    strings, where a pydantic `UserPromotion` costs about 540 (k = 50,000 entries, docs/scale.md).
    Validated by `UserPromotion`, so its rules, messages and `file:line: key` are the model's.
    The values (department, title, userType) repeat across users and are kept once each."""

    email: str
    user_type: str | None = None
    department: str | None = None
    title: str | None = None

    @classmethod
    def of(cls, promotion: UserPromotion) -> UserEntry:
        return cls(
            promotion.email,
            _shared(promotion.user_type),
            _shared(promotion.department),
            _shared(promotion.title),
        )

    def as_dict(self) -> dict[str, str | None]:
        """What the pydantic model would dump (every key, None included): the saved plan's
        config digest is the same whichever type held the entry."""
        return {
            "email": self.email,
            "user_type": self.user_type,
            "department": self.department,
            "title": self.title,
        }

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # Validated as the model (its errors, locations and JSON Schema), then kept lean: the
        # model instance is garbage as soon as the entry exists.
        return core_schema.no_info_after_validator_function(
            cls.of,
            handler(UserPromotion),
            serialization=core_schema.plain_serializer_function_ser_schema(cls.as_dict),
        )


def _shared(value: str | None) -> str | None:
    # One string per distinct value for the whole run (a department is shared by thousands).
    return None if value is None else sys.intern(value)


class Promotions(_Model):
    roles: list[RolePromotion] = []
    users: list[UserEntry] = []
    # A CSV (email,user_type,department,title) of more per-user promotions; relative to the config.
    users_file: FilePath | None = None
    # The userType of everyone nothing above promotes: apply writes it on each user OneLogin shows
    # holding another type that no rule implies (demotion, docs/demotion.md).
    default_user_type: UserType = "Registered"


class SafetySettings(_Model):
    """Apply refuses without --force past these limits (octoDNS's update/delete thresholds)."""

    max_mapping_deletes: Annotated[int, Field(ge=0)] = 3
    # Roles app.exclusive_roles would take the app from: each role's members may lose the app (and
    # be deprovisioned from SOE), so a mass removal is refused like a mass deletion.
    max_role_removals: Annotated[int, Field(ge=0)] = 3
    # Overwrites of existing per-user values (setting an empty value is not counted), as a percentage
    # of the per-user values the config manages; checked only from `min_user_changes` overwrites up.
    max_user_change_percent: Annotated[float, Field(ge=0, le=100)] = 20.0
    min_user_changes: Annotated[int, Field(ge=1)] = 5
    # Promotions and demotions one apply may cause, directly (per-user writes) or through the
    # members of the roles whose promotion mapping it creates, changes or deletes.
    max_user_type_changes: Annotated[int, Field(ge=0)] = 25


class Config(_Model):
    version: Literal[1] = 1
    onelogin: OneLoginSettings
    soe: SoeSettings
    token: TokenSettings = TokenSettings()
    app: AppSettings = AppSettings()
    template: TemplateSettings = TemplateSettings()
    fields: FieldSettings = FieldSettings()
    promotions: Promotions = Promotions()
    safety: SafetySettings = SafetySettings()
