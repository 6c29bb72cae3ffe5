"""Reading only what changed, the pure part (docs/incremental.md): when a saved read of the users
may not be used, which users must be read again although `updated_at` may not say so, and the
merge of what changed over what was saved. No I/O: ops.read_state reads and writes the file and
makes the calls.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from onelogin_scim_setup.model.snapshot import Holder

Raw = dict[str, Any]


@dataclass(frozen=True)
class SavedUsers:
    """What a read saved: the users the config names as OneLogin listed them (email -> item),
    and what tells whether anything they depend on changed since.

    `anchor` is the instant the read started (ISO 8601, UTC); `count` how many users created
    before it existed then (`created_until`); `role_members` each role's member ids;
    `custom_fields` the custom field shortnames; `mappings` the digest of the mapping listing."""

    anchor: str
    count: int
    users: dict[str, Raw]
    role_members: dict[str, list[int]]
    custom_fields: tuple[str, ...]
    mappings: str


@dataclass(frozen=True)
class ReadReport:
    """How the plan read OneLogin: `mode` "full" or "incremental", `reason` why, `calls` spent,
    `saved` whether a snapshot was saved for the next run and, if not, why (`not_saved`)."""

    mode: str
    reason: str
    calls: int
    saved: bool = False
    not_saved: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "reason": self.reason,
            "calls": self.calls,
            "saved": self.saved,
        }

    def sentence(self) -> str:
        saved = "snapshot saved" if self.saved else f"no snapshot saved: {self.not_saved}"
        return f"Read OneLogin in {self.mode} ({self.reason}): {self.calls} API calls; {saved}."


def mappings_digest(listed: Iterable[Mapping[str, Any]]) -> str:
    """One digest of the whole mapping listing, in any order."""
    items = sorted(json.dumps(dict(m), sort_keys=True, default=str) for m in listed)
    return hashlib.sha256("\n".join(items).encode()).hexdigest()


def why_not_incremental(
    saved: SavedUsers,
    *,
    count_now: int | None,
    custom_fields: Iterable[str],
    mappings: str,
    role_members: Mapping[str, list[int]] | None,
) -> str | None:
    """Why the saved users cannot be brought up to date by `updated_since` (None: they can)."""
    if count_now is None:
        return "the user list answers no Total-Count, so a deleted user could not be seen"
    if count_now != saved.count:
        return (
            f"{saved.count} users created before the snapshot existed then, {count_now} now: "
            "users were deleted (or the count is unreliable)"
        )
    if tuple(sorted(custom_fields)) != saved.custom_fields:
        return "the custom user fields changed since the snapshot"
    if mappings != saved.mappings:
        return (
            "the user mappings changed since the snapshot (a mapping run may not bump updated_at)"
        )
    if role_members is None:
        return "the role listing does not show members, so role changes could not be seen"
    return None


def membership_suspects(
    before: Mapping[str, Sequence[int]], now: Mapping[str, Sequence[int]]
) -> set[int]:
    """The users who joined or left a role since the snapshot (a membership change need not bump
    `updated_at`, and mappings run on it may change a value)."""
    changed: set[int] = set()
    for name in set(before) | set(now):
        changed |= set(before.get(name, ())) ^ set(now.get(name, ()))
    return changed


def holder_suspects(
    users: Mapping[str, Raw], holders: Sequence[Holder], shortname: str, promoted: Iterable[str]
) -> set[int]:
    """Users whose userType the holders' listing (read in full) contradicts: listed as holding a
    type the merged user does not show, or showing a promoted type it is not listed under."""
    types = set(promoted)
    held = {holder.email: holder.user_type for holder in holders}
    suspects: set[int] = set()
    for email, raw in users.items():
        custom = raw.get("custom_attributes")
        value = str(custom.get(shortname) or "") if isinstance(custom, dict) else ""
        listed = held.get(email)
        if (listed is not None and listed != value) or (listed is None and value in types):
            suspects.add(int(raw["id"]))
    return suspects


class Malformed(ValueError):
    """A changed user without a usable id or email: the merge cannot place it."""


def merge(
    saved: Mapping[str, Raw], changed: Iterable[Raw], wanted: Iterable[str]
) -> dict[str, Raw]:
    """`saved` with every changed user put in its place: matched by id (an email may have changed),
    kept only when its email is one the config names."""
    emails = set(wanted)
    merged = dict(saved)
    by_id = {int(raw["id"]): email for email, raw in saved.items()}
    for raw in changed:
        user_id, email = raw.get("id"), str(raw.get("email") or "").lower()
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise Malformed(f"a changed user without an integer id: {str(user_id)[:40]!r}")
        old = by_id.pop(user_id, None)
        if old is not None:
            merged.pop(old, None)
        if email in emails:
            merged[email] = raw
            by_id[user_id] = email
    return merged


def forget(saved: Mapping[str, Raw], gone: Iterable[int]) -> dict[str, Raw]:
    """`saved` without the users of these ids (read again by id and not found: deleted)."""
    ids = set(gone)
    return {email: raw for email, raw in saved.items() if int(raw["id"]) not in ids}


def kept_keys(raw: Mapping[str, Any], builtin: Iterable[str]) -> Raw:
    """The keys of a listed user a snapshot keeps: what the plan reads, nothing else."""
    keys = {"id", "email", "created_at", "custom_attributes", *builtin}
    return {key: value for key, value in raw.items() if key in keys}
