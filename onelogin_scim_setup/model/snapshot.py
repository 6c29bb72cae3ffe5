"""What a read of OneLogin answers: the current `Tenant`, plus the wire ids apply needs to address it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from onelogin_scim_setup.model.tenant import Tenant
from onelogin_scim_setup.onelogin.holders import Holder
from onelogin_scim_setup.onelogin.vocabulary import MappingVocabulary


@dataclass
class Ids:
    """What apply needs to address the objects of a `Tenant` on the wire."""

    connector_id: int | None = None
    app_id: int | None = None
    app_role_ids: list[int] = field(default_factory=list)
    # The app's parameters by name as last read: a name here exists, so `label` is never sent for it.
    app_parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)
    role_names: dict[int, str] = field(default_factory=dict)  # every listed role's name by id
    # Each role's app ids, from the role listing with `fields=apps`; None where the tenant ignores
    # `fields` (apply then reads the role's apps before replacing them).
    role_apps: dict[int, list[int]] | None = None
    mappings: dict[str, int] = field(default_factory=dict)
    # Each role's member ids by role name, from the role listing with `fields=users`; None where
    # the tenant ignores `fields` (the plan then cannot count the members a change reaches).
    role_members: dict[str, list[int]] | None = None
    users: dict[str, int] = field(default_factory=dict)
    user_custom_attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Filled on first use by `MappingVocabulary`; the custom field may not exist at read time.
    vocabulary: MappingVocabulary | None = None


@dataclass(frozen=True)
class Snapshot:
    tenant: Tenant
    ids: Ids
    # The users holding a promoted userType (onelogin.holders), when the config manages userType.
    holders: tuple[Holder, ...] = ()
