"""The managed OneLogin objects, keyed by natural name. Desired state (from the config) and current
state (read from the API) are both a `Tenant`, so the plan is a plain diff of two values."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum
from types import MappingProxyType

# Field metadata: what only the read side knows, never desired and never shown as a change.
READ_ONLY = MappingProxyType({"read_only": True})


@dataclass(frozen=True)
class CustomField:
    shortname: str
    name: str
    # Read side only: whether OneLogin lists a mapping action for the field (None: not looked up).
    mapping_action: bool | None = None
    # Read side only: why the field's action is unresolved (none fits, several fit, or the
    # configured one is not listed), as a plan note; "" when resolved or not looked up.
    action_note: str = field(default="", metadata=READ_ONLY, compare=False)
    # Desired side only: the action value the config names (fields.user_type.mapping_action).
    configured_action: str | None = field(default=None, metadata=READ_ONLY, compare=False)


# A secret configuration value (the bearer token) OneLogin shows masked or not at all: it cannot be
# compared, so the tool never re-sends it (docs/uncertain-facts.md row 11).
UNREADABLE = "(write-only)"


@dataclass(frozen=True)
class App:
    name: str
    connector: str
    # Only the `configuration` keys the config manages; the token is held as its fingerprint.
    configuration: tuple[tuple[str, str], ...] = ()
    # Read from OneLogin only: the ids when several apps have this name on this connector.
    duplicate_ids: tuple[int, ...] = field(default=(), metadata=READ_ONLY)


@dataclass(frozen=True)
class Parameter:
    """An app parameter. `include_in_saml_assertion` is None where the tool does not manage the
    flag: on the connector's own parameters (department, title), which a tenant may refuse to change
    (docs/onelogin-api.md Op 3, parameters)."""

    name: str
    user_attribute_mappings: str
    include_in_saml_assertion: bool | None


@dataclass(frozen=True)
class RoleAssignment:
    """A role that should give (or gives) the app to its users."""

    role: str
    has_app: bool
    # Read side only: every id with this name when OneLogin holds more than one (names need not be
    # unique, docs/onelogin-api.md Op 6 [U]); the tool cannot tell which is meant.
    duplicate_ids: tuple[int, ...] = field(default=(), metadata=READ_ONLY)


class MappingShape(Enum):
    """The form of a user mapping: the one the tool writes, or anything else (made by hand)."""

    ROLE_TO_FIELD = "role_to_field"
    OTHER = "other"

    @property
    def label(self) -> str:
        """How a plan shows the shape (never the raw enum value)."""
        if self is MappingShape.ROLE_TO_FIELD:
            return "one has_role condition setting the field"
        return "edited by hand (other conditions or actions)"


@dataclass(frozen=True)
class UserMapping:
    """A user mapping in the tool's own vocabulary: users with `role` get `field` = `value`.

    `shape` is ROLE_TO_FIELD when the wire mapping has exactly that form; anything else read from the
    tenant (extra conditions, other actions) is OTHER, which never equals a desired mapping.
    """

    name: str
    enabled: bool
    role: str
    field: str
    value: str
    shape: MappingShape = MappingShape.ROLE_TO_FIELD


@dataclass(frozen=True, slots=True)  # slots: one per per-user entry, up to k = 50,000
class UserValues:
    """The values the config manages on one user (None: not managed). Attribute names are the
    OneLogin user attribute (`department`, `title`) or `custom_attributes.<shortname>`."""

    email: str
    values: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Tenant:
    custom_fields: dict[str, CustomField] = field(default_factory=dict)
    app: App | None = None
    # provisioning.enabled of the app; None when there is no app yet.
    provisioning: bool | None = None
    parameters: dict[str, Parameter] = field(default_factory=dict)
    roles: dict[str, RoleAssignment] = field(default_factory=dict)
    mappings: dict[str, UserMapping] = field(default_factory=dict)
    users: dict[str, UserValues] = field(default_factory=dict)


def as_fields(value: object) -> dict[str, object]:
    """A dataclass's fields as a dict, in declaration order (what the diff compares field by field);
    read-side facts such as duplicate ids are not fields of a change."""
    return {
        item.name: getattr(value, item.name)
        for item in fields(value)  # type: ignore[arg-type]
        if not item.metadata.get("read_only")
    }
