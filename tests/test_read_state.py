"""The read snapshot file (ops.read_state, docs/incremental.md): used only when it is ours (same
credential, tenant, app and config), intact and young enough; written 0600, atomically, never
through a symbolic link; and the pure merge of what changed (plan.incremental)."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from onelogin_scim_setup.errors import SetupError
from onelogin_scim_setup.model.snapshot import Holder
from onelogin_scim_setup.ops import read_state
from onelogin_scim_setup.ops.read_state import StateFile, load, save, snapshot_file
from onelogin_scim_setup.plan.incremental import (
    Malformed,
    ReadReport,
    SavedUsers,
    holder_suspects,
    membership_suspects,
    merge,
    why_not_incremental,
)

NOW = datetime(2026, 12, 7, 20, 0, tzinfo=timezone.utc)
IDENTITY = {"tenant": "https://acme.onelogin.com", "app": "SCIM SOE", "config": "c0ffee"}
SAVED = SavedUsers(
    anchor="2026-12-07T19:00:00.000Z",
    count=3,
    users={"ann@example.com": {"id": 1, "email": "ann@example.com", "department": "Ops"}},
    role_members={"Engineering": [1, 2]},
    custom_fields=("userType",),
    mappings="digest",
)


def state(tmp_path: Path, **changes: object) -> StateFile:
    base = StateFile(tmp_path / "snapshot.json", b"k" * 32, dict(IDENTITY))
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_saved_snapshot_loads_back_and_holds_no_secret(tmp_path: Path) -> None:
    own = state(tmp_path)
    save(own, SAVED)
    assert load(own, NOW) == (SAVED, "")
    assert stat.S_IMODE(os.stat(own.path).st_mode) == 0o600
    assert "k" * 32 not in own.path.read_text()


def test_no_snapshot_is_a_full_read_saying_so(tmp_path: Path) -> None:
    assert load(state(tmp_path), NOW) == (None, "no snapshot yet")


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("tenant", "https://other.onelogin.com", "another tenant"),
        ("app", "Another app", "another app"),
        ("config", "feed", "another config"),
    ],
)
def test_a_snapshot_of_another_tenant_app_or_config_is_not_used(
    tmp_path: Path, key: str, value: str, reason: str
) -> None:
    save(state(tmp_path), SAVED)
    saved, why = load(state(tmp_path, identity={**IDENTITY, key: value}), NOW)
    assert saved is None
    assert reason in why


def test_a_snapshot_made_with_another_credential_is_not_used(tmp_path: Path) -> None:
    save(state(tmp_path, key=b"x" * 32), SAVED)
    saved, why = load(state(tmp_path), NOW)
    assert saved is None
    assert "integrity check" in why


def test_a_tampered_snapshot_is_not_used(tmp_path: Path) -> None:
    own = state(tmp_path)
    save(own, SAVED)
    document = json.loads(own.path.read_text())
    document["body"]["users"]["ann@example.com"]["department"] = "Forged"
    own.path.write_text(json.dumps(document))
    saved, why = load(own, NOW)
    assert saved is None
    assert "integrity check" in why


@pytest.mark.parametrize(
    "text", ["", "{not json", "[]", '{"body": 1}', "\x00\x01", "[" * 100_000 + "]" * 100_000]
)
def test_a_corrupted_snapshot_is_not_used(tmp_path: Path, text: str) -> None:
    own = state(tmp_path)
    own.path.write_text(text)
    saved, why = load(own, NOW)
    assert saved is None
    assert "corrupted" in why or "integrity" in why


def test_a_signed_snapshot_with_a_malformed_field_is_not_used(tmp_path: Path) -> None:
    own = state(tmp_path)
    save(own, replace(SAVED, anchor="yesterday"))
    saved, why = load(own, NOW)
    assert saved is None
    assert "malformed" in why


def test_a_snapshot_older_than_the_limit_is_not_used(tmp_path: Path) -> None:
    own = state(tmp_path)
    save(own, SAVED)
    assert load(own, NOW + read_state.MAX_AGE - timedelta(hours=1))[0] == SAVED
    saved, why = load(own, NOW + read_state.MAX_AGE)
    assert saved is None
    assert "older than 24 hours" in why


def test_a_snapshot_from_the_future_is_not_used(tmp_path: Path) -> None:
    own = state(tmp_path)
    save(own, SAVED)
    saved, why = load(own, NOW - timedelta(hours=2))
    assert saved is None
    assert "future" in why


def test_a_symbolic_link_is_never_written_through(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    own = state(tmp_path)
    own.path.symlink_to(target)
    with pytest.raises(Exception, match="symbolic link"):
        save(own, SAVED)
    assert target.read_text() == "keep"


def test_a_lower_count_means_a_deletion_and_a_full_read() -> None:
    checks = {"custom_fields": ["userType"], "mappings": "digest", "role_members": {}}
    assert why_not_incremental(SAVED, count_now=3, **checks) is None  # type: ignore[arg-type]
    assert "deleted" in str(why_not_incremental(SAVED, count_now=2, **checks))  # type: ignore[arg-type]
    assert "Total-Count" in str(why_not_incremental(SAVED, count_now=None, **checks))  # type: ignore[arg-type]


def test_changed_fields_mappings_or_unlisted_members_mean_a_full_read() -> None:
    base = {"count_now": 3, "custom_fields": ["userType"], "mappings": "digest"}
    assert "custom user fields" in str(
        why_not_incremental(SAVED, **{**base, "custom_fields": []}, role_members={})  # type: ignore[arg-type]
    )
    assert "mappings" in str(
        why_not_incremental(SAVED, **{**base, "mappings": "other"}, role_members={})  # type: ignore[arg-type]
    )
    assert "members" in str(why_not_incremental(SAVED, **base, role_members=None))  # type: ignore[arg-type]


def test_the_merge_places_changed_users_by_id() -> None:
    saved = {
        "ann@example.com": {"id": 1, "email": "ann@example.com", "department": "Ops"},
        "bob@example.com": {"id": 2, "email": "bob@example.com", "department": "Ops"},
    }
    changed = [
        {"id": 1, "email": "ann@example.com", "department": "Sales"},  # changed value
        {"id": 2, "email": "robert@example.com", "department": "Ops"},  # email changed away
        {"id": 3, "email": "cat@example.com", "department": "Ops"},  # created
        {"id": 4, "email": "nobody@example.com"},  # not named by the config
    ]
    wanted = ["ann@example.com", "bob@example.com", "cat@example.com"]
    merged = merge(saved, changed, wanted)
    assert merged == {
        "ann@example.com": changed[0],
        "cat@example.com": changed[2],
    }
    with pytest.raises(Malformed):
        merge(saved, [{"id": "1", "email": "ann@example.com"}], wanted)


def test_suspects_are_membership_changes_and_contradicted_user_types() -> None:
    assert membership_suspects({"A": [1, 2], "B": [3]}, {"A": [2, 4], "C": [5]}) == {1, 3, 4, 5}
    users = {
        "ann@example.com": {"id": 1, "custom_attributes": {"userType": "Moderator"}},
        "bob@example.com": {"id": 2, "custom_attributes": {"userType": ""}},
        "cat@example.com": {"id": 3, "custom_attributes": {"userType": "Admin"}},
    }
    holders = [
        Holder(2, "bob@example.com", "Moderator", None, None),  # promoted, snapshot says not
        Holder(3, "cat@example.com", "Admin", None, None),  # agrees
    ]
    # ann shows a promoted type the holders' listing does not list her under
    assert holder_suspects(users, holders, "userType", ("Moderator", "Admin")) == {1, 2}


def test_plan_without_a_state_folder_reads_in_full_instead_of_failing(tmp_path: Path) -> None:
    def no_home(_: object) -> Path:
        raise SetupError("cannot place the apply lock: HOME is empty")

    assert snapshot_file(None, {}, None, no_home) is None  # type: ignore[arg-type]


def test_the_report_says_the_mode_why_and_the_calls() -> None:
    report = ReadReport("incremental", "users changed since 2026-12-07 19:00 UTC", 16, saved=True)
    assert report.sentence() == (
        "Read OneLogin in incremental (users changed since 2026-12-07 19:00 UTC): 16 API calls; "
        "snapshot saved."
    )
    assert report.to_json() == {
        "mode": "incremental",
        "reason": "users changed since 2026-12-07 19:00 UTC",
        "calls": 16,
        "saved": True,
    }
    unsaved = ReadReport("full", "--refresh", 46, not_saved="no state folder")
    assert unsaved.sentence().endswith("no snapshot saved: no state folder.")
