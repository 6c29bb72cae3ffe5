"""Journals of runs that change something in more than one step and must be finished or undone if
cut short (`token rotate`, `verify --e2e`'s round trip): a small JSON file, mode 0600 and never
holding a secret, beside the apply lock (ops.lock) and keyed like it on the tenant and app.

A journal that exists is an unfinished run: the command that wrote it removes it when it is done,
so after a SIGKILL, a power cut or a timeout the next run finds it and says so first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onelogin_scim_setup.errors import SetupError
from onelogin_scim_setup.files import InputFileError, read_text_input, write_file
from onelogin_scim_setup.ops.lock import lock_path

MAX_JOURNAL_BYTES = 64 * 1024  # a journal is a few lines; anything larger is not ours

ROTATION = "rotation"  # token rotate (ops.rotate)
ROUND_TRIP = "e2e"  # verify --e2e (ops.roundtrip)


@dataclass(frozen=True)
class Journal:
    path: Path

    def read(self) -> dict[str, Any] | None:
        """The record, or None when there is no unfinished run."""
        try:
            text = read_text_input(self.path, MAX_JOURNAL_BYTES)
        except FileNotFoundError:
            return None
        except (OSError, InputFileError) as error:
            reason = error.strerror if isinstance(error, OSError) else str(error)
            raise SetupError(
                f"cannot read the journal of an unfinished run {self.path}: {reason}",
                hint="Look at it, then remove it if it is not this tool's.",
            ) from None
        try:
            record = json.loads(text)
        except ValueError:
            record = None
        if not isinstance(record, dict):
            raise SetupError(
                f"the journal {self.path} is not this tool's JSON record",
                hint="Look at it, then remove it if it is not this tool's.",
            )
        return record

    def write(self, record: Mapping[str, Any]) -> None:
        """Write (or replace) the record atomically, 0600, in a folder only its owner reads."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as error:
            raise SetupError(
                f"cannot create the folder {self.path.parent} for the journal: "
                f"{error.strerror or error}",
                hint="Set ONELOGIN_SCIM_LOCK_DIR to a writable folder of your own.",
            ) from None
        write_file(self.path, json.dumps(dict(record), indent=2, sort_keys=True) + "\n", mode=0o600)

    def clear(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as error:
            raise SetupError(
                f"cannot remove the finished journal {self.path}: {error.strerror or error}",
                hint="Remove it by hand; the run it describes is finished.",
            ) from None


def journal(lock_dir: Path, *, api_url: str, app_name: str, kind: str) -> Journal:
    """The journal of `kind` for a tenant and app, named after its lock file."""
    lock = lock_path(lock_dir, api_url, app_name)
    return Journal(lock.with_name(f"{lock.stem}.{kind}.json"))


def unfinished(record: Mapping[str, Any]) -> str:
    """One sentence on a rotation's journal: what it was doing and where each copy is."""
    return (
        f"a token rotation from {record.get('from')} to {record.get('to')} did not finish "
        f"(started {record.get('started')}, stopped at step {record.get('step')!r}); the old "
        f"token is kept: {record.get('kept')}; the token {record.get('to')} went to SOE's side "
        f"by {record.get('delivery')}"
    )


def unfinished_round_trip(record: Mapping[str, Any]) -> str:
    """One sentence on a round trip's journal: who was changed, from what to what."""
    original = record.get("original") or "(empty)"
    return (
        f"verify --e2e (started {record.get('started')}) changed the custom user field "
        f"{record.get('field')!r} of {record.get('email')} (OneLogin user id "
        f"{record.get('user_id')}) from {original} to {record.get('target')} and did not finish "
        "putting it back"
    )
