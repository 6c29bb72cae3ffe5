"""The plan grouped for people: by kind in dependency order, with per-kind totals, and a kind with
many changes (per-user values, typically) summarised as counts and its first names; promotions and
demotions (userType changes with a `cause`) are summarised per role or cause. Pure: the text
and Markdown renderings (render.plan, render.markdown) share it; `-o json` keeps every change.

A group can carry `remarks`: lines a renderer prints under the group's header (for instance how many
members a role change reaches), so what another part of the engine learns about a kind has one place
to go.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from onelogin_scim_setup.plan.changes import Action, Change, FieldChange, Kind

# A kind with more changes than this is summarised (counts, the first FIRST_NAMES), unless -v.
SUMMARISE_AFTER = 20
FIRST_NAMES = 10

LABELS = {
    Kind.CUSTOM_FIELD: "custom user fields",
    Kind.APP: "app",
    Kind.PARAMETER: "app parameters",
    Kind.PROVISIONING: "provisioning",
    Kind.ROLE: "roles",
    Kind.MAPPING: "user mappings",
    Kind.USER: "per-user values",
    Kind.SOE: "Stack Overflow for Teams",
    Kind.ONELOGIN_UI: "OneLogin admin console",
}
# How each action is counted in a header ("3 to create").
VERBS = {
    Action.CREATE: "to create",
    Action.UPDATE: "to change",
    Action.DELETE: "to delete",
    Action.CONFLICT: "conflict(s) to resolve first",
    Action.UNMANAGED: "unmanaged (shown, not changed)",
    Action.MANUAL: "manual step(s)",
}
ORDER = (
    Action.CONFLICT,
    Action.CREATE,
    Action.UPDATE,
    Action.DELETE,
    Action.UNMANAGED,
    Action.MANUAL,
)


@dataclass(frozen=True)
class ActionSummary:
    """The changes of one action within a summarised group."""

    action: Action
    count: int
    first: tuple[Change, ...]  # the first FIRST_NAMES, in plan order
    # For updates: how many changes touch each field name, most touched first.
    fields: tuple[tuple[str, int], ...] = ()
    # userType changes: the role or cause they share (Change.cause), and how many go from which
    # type to which ("Moderator -> Registered", 12), most first. "" for the other changes.
    cause: str = ""
    transitions: tuple[tuple[str, int], ...] = ()

    @property
    def more(self) -> int:
        return self.count - len(self.first)


@dataclass(frozen=True)
class KindGroup:
    kind: Kind
    changes: tuple[Change, ...]
    summarised: bool = False
    remarks: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def counts(self) -> dict[Action, int]:
        found = Counter(c.action for c in self.changes)
        return {action: found[action] for action in ORDER if found[action]}

    def totals(self) -> str:
        """ "1 to create, 2 to change": the group's header."""
        return ", ".join(f"{n} {VERBS[action]}" for action, n in self.counts().items())

    def summaries(self, first: int = FIRST_NAMES) -> tuple[ActionSummary, ...]:
        """Per action: the changes without a cause, then one summary per cause (a promotion or
        demotion's role, or why nothing implies the type any more), in plan order."""
        found = []
        for action in self.counts():
            changes = [c for c in self.changes if c.action is action]
            plain = [c for c in changes if not c.cause]
            if plain:
                touched = Counter(f.name for c in plain for f in c.fields)
                fields = tuple(touched.most_common()) if action is Action.UPDATE else ()
                found.append(ActionSummary(action, len(plain), tuple(plain[:first]), fields))
            by_cause: dict[str, list[Change]] = {}
            for change in changes:
                if change.cause:
                    by_cause.setdefault(change.cause, []).append(change)
            for cause, shared in by_cause.items():
                moves = Counter(_transition(c) for c in shared)
                found.append(
                    ActionSummary(
                        action,
                        len(shared),
                        tuple(shared[:first]),
                        cause=cause,
                        transitions=tuple((m, n) for m, n in moves.most_common() if m),
                    )
                )
        return tuple(found)


USER_TYPES = ("Registered", "Moderator", "Admin")


def is_user_type_move(item: FieldChange) -> bool:
    """A field of a change with a cause that moves a userType (the others are shown by name)."""
    return item.after in USER_TYPES and (item.before is None or item.before in USER_TYPES)


def _transition(change: Change) -> str:
    """ "Moderator -> Registered": the userType field's move ("" when none is found)."""
    for item in change.fields:
        if is_user_type_move(item):
            return f"{item.before or '(none)'} -> {item.after}"
    return ""


def group(
    changes: Iterable[Change],
    *,
    detail: bool = False,
    summarise_after: int = SUMMARISE_AFTER,
    remarks: Mapping[Kind, Sequence[str]] | None = None,
) -> list[KindGroup]:
    """`changes` by kind, in the plan's (dependency) order of kinds; `detail` (-v) summarises none."""
    by_kind: dict[Kind, list[Change]] = {}
    for change in changes:
        by_kind.setdefault(change.kind, []).append(change)
    extra = remarks or {}
    return [
        KindGroup(
            kind,
            tuple(items),
            summarised=not detail and len(items) > summarise_after,
            remarks=tuple(extra.get(kind, ())),
        )
        for kind in Kind
        if (items := by_kind.get(kind))
    ]
