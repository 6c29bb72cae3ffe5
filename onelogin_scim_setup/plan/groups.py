"""The plan grouped for people: by kind in dependency order, with per-kind totals, and a kind with
many changes (per-user values, typically) summarised as counts and its first names. Pure: the text
and Markdown renderings (render.plan, render.markdown) share it; `-o json` keeps every change.

A group can carry `remarks`: lines a renderer prints under the group's header (for instance how many
members a role change reaches), so what another part of the engine learns about a kind has one place
to go.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from onelogin_scim_setup.plan.changes import Action, Change, Kind

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
        found = []
        for action in self.counts():
            changes = [c for c in self.changes if c.action is action]
            touched = Counter(f.name for c in changes for f in c.fields)
            fields = tuple(touched.most_common()) if action is Action.UPDATE else ()
            found.append(ActionSummary(action, len(changes), tuple(changes[:first]), fields))
        return tuple(found)


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
