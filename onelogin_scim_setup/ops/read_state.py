"""Reading only what changed (issue 22; docs/incremental.md): the snapshot of the last read of the
users, kept in a file, and the read that brings it up to date with `updated_since`.

The file is JSON, 0600, written atomically and never through a symbolic link (files.write_file),
beside the apply lock (ops.lock) unless `--state PATH` names one. It holds no secret: the users the
config names as OneLogin listed them (id, email and the attributes the plan compares), the read's
start time and the checks below. It carries an HMAC-SHA256 keyed by a key derived from the OneLogin
client secret and id, over the tenant, the app, a digest of the config and the body; a file that is
foreign (another credential, tenant, app or config), tampered with, unreadable, of another format or
older than `MAX_AGE` is never used: the read is full and the plan says why in one line.

A warm read lists, besides what every plan lists in full (custom fields, apps, roles with their
members, mappings, the userType holders): one `created_until` count at the snapshot's start (a
deleted user never shows up in `updated_since`: a lower count means a deletion, and a full read),
one at this read's start (for the next snapshot), one that proves the filter honoured (users
created before 2000 must count 0), the users updated since the snapshot's start less
`SKEW`, and by id the users whose role membership changed or whose userType the holders' listing
contradicts (neither need bump `updated_at`). Anything else that could have changed users without
bumping `updated_at` (a custom field deleted, a mapping edited) makes the read full.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from onelogin_scim_setup.config.credentials import onelogin_credentials
from onelogin_scim_setup.errors import SetupError
from onelogin_scim_setup.files import InputFileError, read_text_input, write_file
from onelogin_scim_setup.model.snapshot import Snapshot
from onelogin_scim_setup.model.tenant import Tenant
from onelogin_scim_setup.onelogin import changed
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.listing import LOOKUP_MAX, USER_FIELDS, gather, users_by_email
from onelogin_scim_setup.onelogin.read import current_users, user_keys
from onelogin_scim_setup.ops.lock import lock_path, tenant_key
from onelogin_scim_setup.ops.prepare import Prepared
from onelogin_scim_setup.plan.incremental import (
    Malformed,
    ReadReport,
    SavedUsers,
    forget,
    holder_suspects,
    kept_keys,
    mappings_digest,
    membership_suspects,
    merge,
    why_not_incremental,
)

FORMAT = 1
MAX_AGE = timedelta(hours=24)  # older snapshots are not used (docs/incremental.md)
SKEW = timedelta(minutes=10)  # updated_since starts this much before the snapshot's start
MAX_BYTES = 64 * 1024 * 1024  # 50,000 users of a few hundred bytes each, with room
KEY_LABEL = b"onelogin-scim-setup read snapshot v1\n"
# Any user created before this instant would be older than OneLogin: a tenant that answers a
# non-zero count for it ignores `created_until`, and its counts prove nothing.
PROBE = "2000-01-01T00:00:00Z"


@dataclass(frozen=True)
class StateFile:
    """Where the snapshot lives and what it must match: `identity` (tenant, app, config digest)
    and the HMAC `key` (derived from the API credential, never stored)."""

    path: Path
    key: bytes
    identity: dict[str, str]


def state_file(
    prepared: Prepared, environ: Mapping[str, str], *, lock_dir: Path, path: Path | None = None
) -> StateFile:
    """The snapshot file for the config's tenant and app: `path`, else beside the apply lock."""
    config = prepared.config
    credentials = onelogin_credentials(config, environ)
    key = derive_key(credentials.client_id, credentials.client_secret.get_secret_value())
    where = path
    if where is None:
        lock = lock_path(lock_dir, config.onelogin.api_url, config.app.name)
        where = lock.with_name(f"{lock.stem}.read.json")
    identity = {
        "tenant": tenant_key(config.onelogin.api_url),
        "app": config.app.name,
        "config": hashlib.sha256(config.model_dump_json().encode()).hexdigest(),
    }
    return StateFile(where, key, identity)


def snapshot_file(
    prepared: Prepared,
    environ: Mapping[str, str],
    path: Path | None,
    lock_dir: Callable[[Mapping[str, str]], Path],
) -> StateFile | None:
    """`plan`'s snapshot file, or None (a full read) when no state folder can be placed (no HOME):
    plan never needed the lock folder, and must not fail for the lack of one."""
    try:
        folder = lock_dir(environ) if path is None else Path()
    except SetupError:
        return None
    return state_file(prepared, environ, lock_dir=folder, path=path)


def derive_key(client_id: str, client_secret: str) -> bytes:
    """The snapshot's HMAC key: HMAC-SHA256 of a fixed label and the client id under the secret
    (the secret itself is never used as a key elsewhere, and never stored)."""
    return hmac.new(client_secret.encode(), KEY_LABEL + client_id.encode(), hashlib.sha256).digest()


def sign(key: bytes, body: Mapping[str, Any]) -> str:
    """The HMAC-SHA256 of the canonical JSON of `body`."""
    return _mac(key, body)


def _mac(key: bytes, body: Mapping[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def load(state: StateFile, now: datetime) -> tuple[SavedUsers | None, str]:
    """The saved users, or None and the reason the snapshot is not used."""
    try:
        text = read_text_input(state.path, MAX_BYTES)
    except FileNotFoundError:
        return None, "no snapshot yet"
    except (OSError, InputFileError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        return None, f"the snapshot {state.path} cannot be read: {reason}"
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("body"), dict):
        return None, f"the snapshot {state.path} is corrupted (not this tool's JSON)"
    body, mac = document["body"], document.get("mac")
    if not isinstance(mac, str) or not hmac.compare_digest(mac, _mac(state.key, body)):
        return None, (
            f"the snapshot {state.path} fails its integrity check (changed by hand, corrupted, or "
            "made with another OneLogin credential)"
        )
    if body.get("format") != FORMAT:
        return None, f"the snapshot is of another format ({body.get('format')!r})"
    identity = body.get("identity")
    for key, what in (("tenant", "tenant"), ("app", "app"), ("config", "config")):
        if not isinstance(identity, dict) or identity.get(key) != state.identity[key]:
            return None, f"the snapshot is of another {what}"
    try:
        saved = _saved(body)
        anchor = _instant(saved.anchor)
    except (KeyError, TypeError, ValueError):
        return None, f"the snapshot {state.path} is corrupted (a field is missing or malformed)"
    if anchor > now + SKEW:
        return None, "the snapshot's start time is in the future (a clock changed)"
    if now - anchor > MAX_AGE:
        hours = int(MAX_AGE.total_seconds() // 3600)
        return None, f"the snapshot is older than {hours} hours"
    return saved, ""


def _saved(body: Mapping[str, Any]) -> SavedUsers:
    users = body["users"]
    members = body["role_members"]
    if not isinstance(users, dict) or not isinstance(members, dict):
        raise TypeError("users and role_members must be objects")
    for email, raw in users.items():
        if (
            not isinstance(raw, dict)
            or not isinstance(raw.get("id"), int)
            or email != email.lower()
        ):
            raise TypeError("a saved user must be an object with an integer id")
    return SavedUsers(
        anchor=str(body["anchor"]),
        count=int(body["count"]),
        users=users,
        role_members={str(k): [int(i) for i in v] for k, v in members.items()},
        custom_fields=tuple(str(f) for f in body["custom_fields"]),
        mappings=str(body["mappings"]),
    )


def save(state: StateFile, saved: SavedUsers) -> None:
    """Write the snapshot: atomically, 0600, never through a symbolic link."""
    body = {
        "format": FORMAT,
        "identity": state.identity,
        "anchor": saved.anchor,
        "count": saved.count,
        "users": saved.users,
        "role_members": saved.role_members,
        "custom_fields": list(saved.custom_fields),
        "mappings": saved.mappings,
    }
    try:
        state.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise SetupError(
            f"cannot create the folder {state.path.parent} for the read snapshot: "
            f"{error.strerror or error}",
            hint="Give --state a writable path, or set ONELOGIN_SCIM_LOCK_DIR.",
        ) from None
    text = json.dumps({"body": body, "mac": _mac(state.key, body)}, separators=(",", ":"))
    write_file(state.path, text + "\n", mode=0o600)


def iso(instant: datetime) -> str:
    return (
        instant.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def _instant(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("an instant without a time zone")
    return parsed


@dataclass(frozen=True)
class ReadRequest:
    """What the plan asks of the read: the state file (None: read in full, save nothing) and
    whether to ignore a snapshot (`refresh`: `--refresh`, and apply, which reads cold)."""

    state: StateFile | None
    refresh: bool = False
    refresh_reason: str = "--refresh"  # what the report says of a refresh


def read_current(
    client: OneLoginClient,
    wanted: Tenant,
    request: ReadRequest,
    *,
    user_type: tuple[str, tuple[str, ...]] | None,
    read_rest: Callable[[Tenant], Snapshot],
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> tuple[Snapshot, ReadReport]:
    """The current state, its users read in full or brought up to date from the snapshot.

    `read_rest(desired)` is onelogin.read.read with the plan's arguments; it is given `wanted`
    without users, whose listing is done here. `user_type` is the userType shortname and the
    promoted types (the holders' listing), None when the config does not manage userType."""
    sent = client.calls_sent
    started = clock()
    anchor = iso(started)
    need_custom, builtin = user_keys(wanted)
    keys = {*builtin, *(["custom_attributes"] if need_custom else [])}
    workers = client.concurrency
    no_users = replace(wanted, users={})
    saved: SavedUsers | None = None
    snapshot: Snapshot
    listed: dict[str, dict[str, Any]] | None
    count: int | None
    probe: int | None
    reason = "no state folder: set HOME, ONELOGIN_SCIM_LOCK_DIR or --state to keep a snapshot"
    if len(wanted.users) <= LOOKUP_MAX:
        # A few per-email lookups (onelogin.listing) cost less than the counts of a warm read:
        # no snapshot is read or kept.
        request = replace(request, state=None)
        reason = f"the config names at most {LOOKUP_MAX} users: looked up by email, no snapshot"
    elif request.state is not None:
        saved, reason = (
            (None, request.refresh_reason) if request.refresh else load(request.state, started)
        )
    if saved is None:
        # In this order: the count before the users are listed, so a user deleted between the
        # two is missing from the snapshot (harmless) rather than counted out of it and kept (a
        # deletion the next count would not see).
        snapshot = read_rest(no_users)
        count = probe = None
        if request.state is not None and snapshot.ids.role_members is not None:
            # Only for a snapshot that can be kept (a role listing without members cannot: no
            # call is spent on counts it would not use).
            # The proof that `created_until` is honoured waits for the warm read that would rely
            # on it: a cold plan spends one count, not two.
            count, probe = changed.count_created_until(client, anchor), 0
        listed = _full_users(client, wanted, need_custom, builtin)
        mode, why = "full", reason
    else:
        since = iso(_instant(saved.anchor) - SKEW)
        from_snapshot = saved
        # The count for the next snapshot first: a user deleted after it is seen by the next
        # read's count check, one deleted before it by this read's (the old count is lower).
        count = changed.count_created_until(client, anchor)
        warm: list[Callable[[], Any]] = [
            lambda: read_rest(no_users),
            lambda: changed.count_created_until(client, from_snapshot.anchor),
            lambda: changed.count_created_until(client, PROBE),
            lambda: changed.updated_since(client, since, workers=workers),
        ]
        results: list[Any] = gather(workers, warm)
        snapshot, old_count, probe, updated = results
        blocker = (
            None
            if probe == 0
            else "the user list ignores created_until, so deletions could not be seen"
        ) or why_not_incremental(
            saved,
            count_now=old_count,
            custom_fields=snapshot.tenant.custom_fields,
            mappings=mappings_digest(snapshot.ids.listed_mappings),
            role_members=snapshot.ids.role_members,
        )
        listed = None
        if blocker is None:
            try:
                listed = _bring_up_to_date(
                    client, saved, updated, snapshot, wanted, user_type, keys
                )
            except Malformed as error:
                blocker = f"the changed users cannot be merged ({error})"
        if listed is None:
            listed = _full_users(client, wanted, need_custom, builtin)
            mode, why = "full", str(blocker)
        else:
            when = saved.anchor.replace("T", " ")[:16]
            mode, why = "incremental", f"users changed since {when} UTC, over the snapshot"
    users = current_users(listed, wanted, snapshot.ids)
    current = Snapshot(replace(snapshot.tenant, users=users), snapshot.ids, snapshot.holders)
    few = len(wanted.users) <= LOOKUP_MAX
    not_saved = _save(request, listed, snapshot, anchor, count, probe, builtin, few=few)
    calls = client.calls_sent - sent
    report = ReadReport(mode, why, calls, saved=not not_saved, not_saved=not_saved)
    return current, report


def _full_users(
    client: OneLoginClient, wanted: Tenant, need_custom: bool, builtin: list[str]
) -> dict[str, dict[str, Any]]:
    return users_by_email(
        client,
        wanted.users,
        need_custom_attributes=need_custom,
        workers=client.concurrency,
        fields=USER_FIELDS + ",created_at",
        need_keys=builtin,
    )


def _bring_up_to_date(
    client: OneLoginClient,
    saved: SavedUsers,
    updated: list[dict[str, Any]],
    snapshot: Snapshot,
    wanted: Tenant,
    user_type: tuple[str, tuple[str, ...]] | None,
    keys: set[str],
) -> dict[str, dict[str, Any]]:
    workers = client.concurrency
    emails = {email.lower() for email in wanted.users}
    # Only a user the config names is completed (read by id where the list leaves a key out);
    # the others are merged for their id alone (an email changed away from a named one).
    named = [raw for raw in updated if str(raw.get("email") or "").lower() in emails]
    others = [raw for raw in updated if str(raw.get("email") or "").lower() not in emails]
    completed = changed.complete(client, named, keys, workers=workers)
    merged = merge(saved.users, [*others, *completed], emails)
    known = {int(raw["id"]) for raw in merged.values()}
    suspects = membership_suspects(saved.role_members, snapshot.ids.role_members or {})
    if user_type is not None and "custom_attributes" in keys:
        # Only where the plan compares custom attributes (userType among them) per user.
        suspects |= holder_suspects(merged, snapshot.holders, user_type[0], user_type[1])
    suspects &= known
    if suspects:
        again = changed.complete(
            client, changed.by_ids(client, suspects, workers=workers), keys, workers=workers
        )
        merged = merge(forget(merged, suspects), again, emails)
    return merged


def _save(
    request: ReadRequest,
    listed: Mapping[str, Mapping[str, Any]],
    snapshot: Snapshot,
    anchor: str,
    count: int | None,
    probe: int | None,
    builtin: list[str],
    *,
    few: bool,
) -> str:
    """Save the snapshot when asked and sound; "" when saved, else why not."""
    if request.state is None:
        return "none needed" if few else "no state folder"
    if snapshot.ids.role_members is None:
        return "the role listing does not show members, so role changes could not be seen"
    if count is None:
        return "the user list answers no Total-Count, so deletions could not be seen"
    if probe != 0:
        return "the user list ignores created_until, so deletions could not be seen"
    late = [
        email
        for email, raw in listed.items()
        if not isinstance(raw.get("created_at"), str) or not _before(raw["created_at"], anchor)
    ]
    if late:
        return f"{len(late)} user(s) were created during the read (or show no created_at)"
    users = {email.lower(): kept_keys(raw, builtin) for email, raw in listed.items()}
    saved = SavedUsers(
        anchor=anchor,
        count=count,
        users=users,
        role_members=dict(snapshot.ids.role_members),
        custom_fields=tuple(sorted(snapshot.tenant.custom_fields)),
        mappings=mappings_digest(snapshot.ids.listed_mappings),
    )
    try:
        save(request.state, saved)
    except SetupError as error:
        return str(error)
    return ""


def _before(created: str, anchor: str) -> bool:
    try:
        return _instant(created) < _instant(anchor)
    except ValueError:
        return False
