"""Evidence, without a test user, that OneLogin's pushes reach SOE (docs/rotation.md §4).

OneLogin's users carry `updated_at` and the user list filters on `updated_since`, `updated_until`
and `app_id` (docs/onelogin-api.md Op 7); SOE's SCIM records carry `meta.lastModified` where SOE
sends it (docs/soe-scim.md §1.3). A user of the app that OneLogin changed more than `GRACE` ago
(OneLogin's job system may take minutes, docs/onelogin-api.md §1) whose pushed values SOE does
not show, and whose SOE record was last modified before that change, is a push that did not
arrive. A record modified at or after the change shows that a push arrived. Neither fact alone
(`updated_at` moves on changes never pushed; a value may differ for a ticked admin-approval box or
an SOE promotion switch that is off) is taken as proof: a change counts as lost only when both
hold.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from onelogin_scim_setup.config.attributes import field_source
from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.errors import OneLoginError, ScimError
from onelogin_scim_setup.onelogin.answers import check_users
from onelogin_scim_setup.onelogin.client import USERS, OneLoginClient
from onelogin_scim_setup.ops.check import PUSH_EVIDENCE_CHECK, Check
from onelogin_scim_setup.soe.client import ScimClient
from onelogin_scim_setup.soe.users import department_of, title_of, user_type_of

log = logging.getLogger(__name__)

GRACE = timedelta(minutes=15)  # a change younger than this may still be on its way
LOOKBACK = timedelta(days=1)  # the changes read: one listing page per 100 changed users
SAMPLE = 10  # the most recent changes compared (one SCIM lookup each, one OneLogin read at most)
SKEW = timedelta(seconds=2)  # SOE's whole seconds, and the two servers' clocks
ACTIVE = 1  # OneLogin's user status "Active"
CUSTOM = "user.custom_fields."
COMPARED: tuple[Literal["user_type", "department", "title"], ...] = (
    "user_type",
    "department",
    "title",
)
FIELDS = "id,email,username,status,updated_at,department,title,custom_attributes"
BUILTIN = ("department", "title")  # the built-in pushed values compared, checked as plain values
STALE_HINT = (
    "The SCIM token OneLogin holds may be stale (every push a 401): `verify --e2e --test-user "
    "EMAIL` proves the push path; `apply` writes the token from your token source into OneLogin "
    "(settle an unfinished `token rotate` with `--resume` or `--rollback` first). Also check the "
    "admin-approval boxes on the app's Provisioning tab (Update user)."
)
USER_TYPE_ONLY_HINT = (
    " Where only userType differs, SOE's promotion switches (Admin Settings > SCIM: allow "
    "Moderator / Admin promotion) may be off: SOE then ignores the value."
)


@dataclass(frozen=True)
class Compared:
    """One changed OneLogin user against its SOE record."""

    email: str
    changed_at: datetime
    arrived: bool | None  # True: SOE changed since; False: a pushed value did not arrive; None: ?
    differences: tuple[str, ...] = ()


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time from a server (`Z` or an offset); None for anything else."""
    if not isinstance(value, str) or not value or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def expected_values(config: Config, raw: Mapping[str, Any]) -> dict[str, str | None] | None:
    """What OneLogin pushes for this user, as SOE would show it, for the attributes compared; None
    when the user list left a compared key out (then the user is read by id)."""
    values: dict[str, str | None] = {}
    custom = raw.get("custom_attributes")
    for attribute in COMPARED:
        source = field_source(config, attribute)
        if source is None:
            continue
        if source.startswith(CUSTOM):
            if not isinstance(custom, Mapping):
                return None
            value = custom.get(source.removeprefix(CUSTOM))
        else:
            key = source.removeprefix("user.")
            if key not in raw:
                return None
            value = raw.get(key)
        text = None if value in (None, "") else str(value)
        # SOE ignores an empty or unknown userType (docs/soe-scim.md §1.3): nothing to expect.
        if attribute == "user_type" and text not in ("Registered", "Moderator", "Admin"):
            continue
        values[attribute] = text
    return values


SCIM_NAMES = {"user_type": "userType", "department": "department", "title": "title"}


def differences(expected: Mapping[str, str | None], record: Mapping[str, Any]) -> list[str]:
    shown = {
        "user_type": user_type_of(record),
        "department": department_of(record),
        "title": title_of(record),
    }
    found = [
        f"{SCIM_NAMES[name]} {value!r} in OneLogin, {shown[name]!r} in SOE"
        for name, value in expected.items()
        if shown[name] != value
    ]
    if record.get("active") is False:
        found.append("active in OneLogin, inactive in SOE")
    return found


def compare(
    config: Config,
    raw: Mapping[str, Any],
    record: Mapping[str, Any] | None,
    changed_at: datetime,
    read_user: Callable[[], Mapping[str, Any] | None],
) -> Compared:
    email = str(raw.get("email") or raw.get("username") or raw.get("id"))
    if record is None:
        # Not in SOE at all: a create that did not arrive, or a userName the lookup missed.
        return Compared(email, changed_at, None, ("not found in SOE",))
    meta = record.get("meta")
    modified = parse_time(meta.get("lastModified")) if isinstance(meta, Mapping) else None
    if modified is not None and modified + SKEW >= changed_at:
        return Compared(email, changed_at, True)
    expected = expected_values(config, raw)
    if expected is None:
        # The list left a compared key out (a tenant ignoring `fields=`); a read by id has it (Op 7).
        whole = read_user()
        expected = expected_values(config, {**raw, **whole}) if whole is not None else None
    found = tuple(differences(expected or {}, record))
    if found and modified is not None:
        return Compared(email, changed_at, False, found)
    return Compared(email, changed_at, None, found)


def push_evidence_check(
    client: OneLoginClient,
    scim: ScimClient,
    config: Config,
    *,
    app_id: int,
    user_name_source: str = "email",
    now: datetime | None = None,
) -> Check:
    """The check: lost pushes fail it, an arrived push passes it, anything else is a skip."""
    now = now or datetime.now(timezone.utc)
    since, until = now - LOOKBACK, now - GRACE
    try:
        listed = client.list_users(
            app_id=app_id,
            updated_since=stamp(since),
            updated_until=stamp(until),
            fields=FIELDS,
        )
        # Checked like every reader of users (a value of the wrong type is an error, never a
        # "lost push" read from its text form).
        check_users(listed, USERS, BUILTIN)
    except OneLoginError as error:
        return Check(PUSH_EVIDENCE_CHECK, "skip", f"not checked: {error.message}")
    changed = []
    for raw in listed:
        at = parse_time(raw.get("updated_at"))
        # The filter is trusted only as far as the answer shows it kept.
        if at is not None and since <= at <= until and raw.get("status") == ACTIVE:
            changed.append((at, raw))
    changed.sort(key=lambda item: item[0], reverse=True)
    results: list[Compared] = []
    for at, raw in changed[:SAMPLE]:
        user_name = str(raw.get(user_name_source) or raw.get("email") or "")
        try:
            record = scim.find_user(user_name) if user_name else None
        except ScimError as error:
            return Check(PUSH_EVIDENCE_CHECK, "skip", f"not checked: {error.message}")
        results.append(compare(config, raw, record, at, reader(client, raw.get("id"))))
    return verdict(results, since=since, until=until)


def reader(client: OneLoginClient, user_id: Any) -> Callable[[], Mapping[str, Any] | None]:
    def read() -> Mapping[str, Any] | None:
        if isinstance(user_id, bool) or not isinstance(user_id, int):
            return None
        try:
            return client.get_user(user_id)
        except OneLoginError as error:
            log.debug("reading user %s: %s", user_id, error.message)
            return None

    return read


def verdict(results: list[Compared], *, since: datetime, until: datetime) -> Check:
    lost = [r for r in results if r.arrived is False]
    arrived = [r for r in results if r.arrived]
    if lost:
        oldest = min(r.changed_at for r in lost)
        named = "; ".join(f"{r.email}: {', '.join(r.differences)}" for r in lost[:3])
        more = f"; and {len(lost) - 3} more" if len(lost) > 3 else ""
        return Check(
            PUSH_EVIDENCE_CHECK,
            "fail",
            f"pushes are not reaching SOE: {len(lost)} user(s) changed in OneLogin since "
            f"{stamp(oldest)} are unchanged in SOE ({named}{more})",
            STALE_HINT
            + (
                USER_TYPE_ONLY_HINT
                if all(d.startswith("userType ") for r in lost for d in r.differences)
                else ""
            ),
        )
    if arrived:
        newest = max(r.changed_at for r in arrived)
        return Check(
            PUSH_EVIDENCE_CHECK,
            "pass",
            f"{len(arrived)} of the {len(results)} latest change(s) in OneLogin reached SOE "
            f"(the newest made {stamp(newest)})",
        )
    why = (
        f"no user of the app changed in OneLogin between {stamp(since)} and {stamp(until)}"
        if not results
        else f"SOE's records of the {len(results)} user(s) changed in OneLogin since "
        f"{stamp(since)} do not tell (no meta.lastModified, or no pushed value differs)"
    )
    return Check(PUSH_EVIDENCE_CHECK, "skip", f"not checked: {why}")
