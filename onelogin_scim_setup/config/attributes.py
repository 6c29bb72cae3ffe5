"""Where each managed attribute lives: config fields -> OneLogin custom fields, user attributes, app parameter sources and template placeholder sources. The one place that knows these names."""

from __future__ import annotations

from typing import Literal

from onelogin_scim_setup.config.models import Config, ProfileField


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
