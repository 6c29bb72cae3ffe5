"""What a read of OneLogin answers: the current `Tenant`, plus the wire ids apply needs to address it,
the mapping vocabulary the tenant offers (found by `onelogin.vocabulary`) and the users holding a
promoted userType (listed by `onelogin.holders`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.model.tenant import Tenant


@dataclass(frozen=True)
class ActionMatch:
    """How one custom field's mapping action was found (or why it was not).

    `how` is "mapping_action" (named by the config), "value", "label", "hand-made mapping" (read
    from a mapping with the tool's name, made by hand as a hint said) or "" (unresolved).
    `candidates` are the (value, label) of every listed action that fits the field; `problem` says
    why none was chosen ("" when one was)."""

    shortname: str
    value: str | None
    how: str
    candidates: tuple[tuple[str, str], ...] = ()
    problem: str = ""


@dataclass(frozen=True)
class MappingVocabulary:
    """The mapping action per custom field and the `has_role` operator, discovered, not guessed
    (docs/onelogin-api.md Op 5: the action value for a custom attribute is undocumented)."""

    actions: dict[str, str]
    role_operator: str
    # What the tenant answered: every listed action (value, label), each field's match, and the
    # has_role operators (value, name). Not compared: two vocabularies with the same actions agree.
    listed: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    matches: dict[str, ActionMatch] = field(default_factory=dict, compare=False)
    operators: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def action_for(self, shortname: str) -> str:
        if shortname not in self.actions:
            match = self.matches.get(shortname)
            raise OneLoginError(
                match.problem
                if match is not None and match.problem
                else f"OneLogin offers no mapping action for the custom field {shortname!r}",
                hint="Check that the field exists (Users > Custom User Fields); "
                "GET /api/2/mappings/actions lists the actions.",
            )
        return self.actions[shortname]

    def has_action(self, shortname: str) -> bool:
        return shortname in self.actions


@dataclass(frozen=True)
class Holder:
    """A OneLogin user holding a userType other than the default, as the filtered listing shows it.
    `custom` is the user's whole custom attribute map, or None where the list leaves it out."""

    id: int
    email: str  # lower-cased
    user_type: str
    role_ids: tuple[int, ...] | None  # None: the listing left `role_ids` out
    custom: dict[str, Any] | None


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
    # A mapping the plan would create -> a hand-made mapping (not the tool's) that already has its
    # exact shape (role -> field = value): the plan says so, so the two are not left side by side.
    lookalikes: dict[str, str] = field(default_factory=dict)
    # The mapping listing as read (every mapping, the tool's or not): an incremental read
    # (ops.read_state) compares its digest with the snapshot's.
    listed_mappings: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Snapshot:
    tenant: Tenant
    ids: Ids
    # The users holding a promoted userType (onelogin.holders), when the config manages userType.
    holders: tuple[Holder, ...] = ()
