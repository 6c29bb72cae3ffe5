"""The config file's schema: one frozen pydantic model tree (extra keys forbidden)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic import model_validator as model_check

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
    # true: a role that has the app but is not in `roles` loses it; false: shown as unmanaged drift.
    exclusive_roles: bool = False
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
    # The exact name of an existing (hand-made) mapping the tool adopts and owns; written by
    # `import`. None: the tool's own name, `<app.mapping_prefix>: <shortname> for role <role>`.
    mapping: Annotated[str, Field(min_length=1)] | None = None


class UserPromotion(_Model):
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]
    user_type: UserType | None = None
    department: str | None = None
    title: str | None = None


class Promotions(_Model):
    roles: list[RolePromotion] = []
    users: list[UserPromotion] = []


class SafetySettings(_Model):
    """Apply refuses without --force past these limits (octoDNS's update/delete thresholds)."""

    max_mapping_deletes: Annotated[int, Field(ge=0)] = 3
    # Overwrites of existing per-user values (setting an empty value is not counted), as a percentage
    # of the per-user values the config manages; checked only from `min_user_changes` overwrites up.
    max_user_change_percent: Annotated[float, Field(ge=0, le=100)] = 20.0
    min_user_changes: Annotated[int, Field(ge=1)] = 5


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
