"""Saved plans, the terraform way: `plan --out plan.json` records the plan and what it was computed
from; `apply plan.json` recomputes and refuses, naming the differences, unless nothing changed.

The basis is two digests: one of the config as loaded (with the template and the token's fingerprint;
secrets serialise masked), one of the OneLogin snapshot (per section, so a refusal can say what moved).
The file holds fingerprints and digests only, never a secret.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from onelogin_scim_setup import __version__
from onelogin_scim_setup.errors import StalePlanError, UsageError
from onelogin_scim_setup.files import InputFileError, read_text_input
from onelogin_scim_setup.ops.prepare import Prepared
from onelogin_scim_setup.plan.changes import (
    PLAN_FORMAT_VERSION,
    Plan,
    PlanShapeError,
    checksum,
    plan_from_dicts,
)
from onelogin_scim_setup.plan.computed import ComputedPlan

REPLAN_HINT = "Run `plan --out` again, review it, and apply the new plan."
# A plan of 50,000 per-user changes is some 30 MB; more is not a plan this tool wrote (`plan --out`
# or `plan -o json`).
MAX_SAVED_PLAN_BYTES = 64 * 1024 * 1024
# What `plan` prints as the checksum (plan.changes.checksum): --checksum must be all of it.
CHECKSUM_FORM = re.compile(r"sha256:[0-9a-f]{16}")


def valid_checksum(value: str) -> str:
    """`value` if it has the form of a plan checksum, else a UsageError naming --checksum."""
    if not CHECKSUM_FORM.fullmatch(value):
        raise UsageError(
            f"--checksum {value!r} is not a plan checksum: give the whole sha256:<16 hex digits> "
            "that `plan --output json` prints"
        )
    return value


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Basis:
    """What a plan was computed from, as digests."""

    config: str
    onelogin: dict[str, str]  # section of the snapshot -> digest
    # The config file as given to `plan` (-c), to name in a refusal; not part of the check (CI
    # plans and applies in different checkouts). None in plans saved before 0.2.0.
    config_file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "config_digest": self.config,
            "onelogin_digests": dict(self.onelogin),
            "config_file": self.config_file,
        }


def basis_of(prepared: Prepared, computed: ComputedPlan) -> Basis:
    config = {
        # SecretStr values serialise as asterisks, so no secret reaches the digest's input.
        "config": prepared.config.model_dump(mode="json"),
        "template": prepared.template,
        "token": prepared.token_fingerprint,
    }
    tenant = computed.snapshot.tenant
    sections = {item.name: _digest(asdict(tenant)[item.name]) for item in fields(tenant)}
    # The wire ids too: an app deleted and re-created by hand is another app, even if it looks alike.
    sections["ids"] = _digest(asdict(computed.snapshot.ids))
    return Basis(_digest(config), sections, str(prepared.loaded.path))


def saved_document(prepared: Prepared, computed: ComputedPlan) -> dict[str, Any]:
    """The plan JSON (`--output json`'s shape) plus the basis apply checks it against."""
    document = computed.plan.to_dict()
    document["basis"] = basis_of(prepared, computed).to_dict()
    document["tool_version"] = __version__
    if computed.target is not None:
        document["target"] = str(computed.target)
    return document


@dataclass(frozen=True)
class SavedPlan:
    path: Path
    checksum: str
    changes: list[dict[str, Any]]
    basis: Basis
    target: str | None = None  # saved by `plan --target --out`: apply recomputes the same target
    document: dict[str, Any] | None = None  # the whole file as read (for `show`)


def load(path: Path) -> SavedPlan:
    """Read a file written by `plan --out`; anything else is refused with what is wrong."""
    try:
        data = json.loads(read_text_input(path, MAX_SAVED_PLAN_BYTES))
    except InputFileError as error:
        raise UsageError(f"the saved plan {path} {error}", hint=REPLAN_HINT) from None
    except OSError as error:
        raise UsageError(f"cannot read the saved plan {path}: {error.strerror or error}") from None
    except ValueError as error:
        raise UsageError(f"{path} is not JSON: {error}", hint=REPLAN_HINT) from None
    except RecursionError:
        raise UsageError(
            f"{path} is not a saved plan: nested too deeply", hint=REPLAN_HINT
        ) from None
    if not isinstance(data, dict) or "basis" not in data:
        raise UsageError(
            f"{path} is not a saved plan (no `basis`; `plan --output json` output cannot be "
            "applied, `plan --out FILE` writes one)",
            hint=REPLAN_HINT,
        )
    if data.get("format_version") != PLAN_FORMAT_VERSION:
        raise UsageError(
            f"{path} has plan format_version {data.get('format_version')!r}; this version of the "
            f"tool applies format_version {PLAN_FORMAT_VERSION}",
            hint=REPLAN_HINT,
        )
    target = data.get("target")
    if target is not None and not isinstance(target, str):
        raise UsageError(f"{path}: `target` is not a string", hint=REPLAN_HINT)
    try:
        basis = data["basis"]
        saved = SavedPlan(
            path,
            str(data["checksum"]),
            list(data["changes"]),
            Basis(
                str(basis["config_digest"]),
                dict(basis["onelogin_digests"]),
                str(basis["config_file"]) if basis.get("config_file") is not None else None,
            ),
            target=target,
            document=data,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise UsageError(
            f"{path} is not a complete saved plan: {error}", hint=REPLAN_HINT
        ) from None
    # The checksum binds the whole list of changes: a change deleted, altered or added by hand
    # makes another checksum, and the file is refused before anything is read or applied.
    if checksum(saved.changes) != saved.checksum:
        raise UsageError(
            f"{path} was edited after `plan --out` wrote it: its changes have checksum "
            f"{checksum(saved.changes)}, not the {saved.checksum!r} it records",
            hint=REPLAN_HINT,
        )
    return saved


def differences(saved: list[dict[str, Any]], now: list[dict[str, Any]]) -> list[str]:
    """The changes that differ between two plans, one line each, keyed by kind and key."""

    def keyed(changes: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
        return {(str(c.get("kind")), str(c.get("key"))): c for c in changes}

    before, after = keyed(saved), keyed(now)
    lines = []
    for item in [*before, *(k for k in after if k not in before)]:
        kind, key = item
        old, new = before.get(item), after.get(item)
        if old == new:
            continue
        if new is None and old is not None:
            lines.append(f"no longer planned: {old.get('action')} {kind} {key!r}")
        elif old is None and new is not None:
            lines.append(f"newly planned: {new.get('action')} {kind} {key!r}")
        elif old is not None and new is not None:
            lines.append(f"differs: {kind} {key!r} ({_what_differs(old, new)})")
    return lines


def _what_differs(old: dict[str, Any], new: dict[str, Any]) -> str:
    if old.get("action") != new.get("action"):
        return f"{old.get('action')} in the saved plan, {new.get('action')} now"
    old_fields = {f.get("name"): f for f in old.get("fields") or []}
    new_fields = {f.get("name"): f for f in new.get("fields") or []}
    names = [n for n in {**old_fields, **new_fields} if old_fields.get(n) != new_fields.get(n)]
    if names:
        return "fields " + ", ".join(str(n) for n in names)
    return "notes"


def _config_changed(planned_with: str | None, used: str | None) -> str:
    """Which config the plan was made with and which this apply read, when they differ."""
    if planned_with is not None and planned_with != used:
        return (
            f"the plan was made with the config {planned_with}, and this apply reads {used} "
            f"(-c), which differs from it (or its template or token does); apply with "
            f"`-c {planned_with}`, or plan again with {used}"
        )
    return f"the config {used} (or its template or token) changed since the plan was saved" + (
        " with it" if planned_with is not None else ""
    )


def check(saved: SavedPlan, prepared: Prepared, computed: ComputedPlan) -> None:
    """Refuse unless the config and OneLogin are as they were when the plan was saved."""
    now = basis_of(prepared, computed)
    reasons = []
    if now.config != saved.basis.config:
        reasons.append(_config_changed(saved.basis.config_file, now.config_file))
    moved = sorted(
        section
        for section in {**saved.basis.onelogin, **now.onelogin}
        if saved.basis.onelogin.get(section) != now.onelogin.get(section)
    )
    if moved:
        reasons.append(f"OneLogin changed since the plan was saved ({', '.join(moved)})")
    document = computed.plan.to_dict()
    if not reasons and document["changes"] != saved.changes:
        reasons.append("the changes computed now are not the changes in the file")
    if not reasons and document["checksum"] != saved.checksum:
        # Same inputs, another plan: a different version of the tool computed it.
        reasons.append(f"the plan computed now has checksum {document['checksum']}")
    if not reasons:
        return
    changed = differences(saved.changes, document["changes"])
    detail = "; ".join(changed) if changed else "the planned changes are the same, the basis is not"
    raise StalePlanError(
        f"the saved plan {saved.path} is stale, nothing was applied: {'; '.join(reasons)}. "
        f"Differences: {detail}",
        hint=REPLAN_HINT,
    )


def check_checksum(expected: str, computed: ComputedPlan) -> None:
    """`apply --checksum`: refuse unless the recomputed plan is the one that was reviewed (the
    whole checksum: an empty or shortened one is refused, never taken as a prefix)."""
    document = computed.plan.to_dict()
    if not CHECKSUM_FORM.fullmatch(expected) or document["checksum"] != expected:
        raise StalePlanError(
            f"the plan computed now has checksum {document['checksum']}, not {expected}; nothing "
            "was applied",
            hint="Run `plan` again and review it: OneLogin or the config changed since the "
            "checksum was taken.",
        )


@dataclass(frozen=True)
class ShownPlan:
    """A plan file read back for `show`: the plan, its checksum, its target, whether it is a saved
    plan (`plan --out`, with a basis) or `plan -o json` output."""

    plan: Plan
    checksum: str
    target: str | None
    saved: bool
    tool_version: str | None


def read_plan_file(path: Path) -> ShownPlan:
    """`show FILE`: a plan written by `plan --out` (or `plan -o json`), every value checked, and
    refused when its changes do not match its checksum (edited since it was written)."""
    try:
        data = json.loads(read_text_input(path, MAX_SAVED_PLAN_BYTES))
    except OSError as error:
        raise UsageError(f"cannot read the plan {path}: {error.strerror or error}") from None
    except InputFileError as error:
        raise UsageError(f"the plan {path} {error}") from None
    except ValueError as error:
        raise UsageError(f"{path} is not JSON: {error}") from None
    if not isinstance(data, dict) or "changes" not in data:
        raise UsageError(f"{path} is not a plan (no `changes`); `plan --out FILE` writes one")
    if data.get("format_version") != PLAN_FORMAT_VERSION:
        raise UsageError(
            f"{path} has plan format_version {data.get('format_version')!r}; this version of the "
            f"tool reads format_version {PLAN_FORMAT_VERSION}",
            hint=REPLAN_HINT,
        )
    try:
        plan = plan_from_dicts(data["changes"])
    except PlanShapeError as error:
        raise UsageError(f"{path} is not a plan this tool wrote: {error}") from None
    recorded, target, version = data.get("checksum"), data.get("target"), data.get("tool_version")
    if plan.to_dict()["checksum"] != recorded:
        raise UsageError(
            f"{path}: its changes do not match its checksum {recorded!r}: the file was edited "
            "after it was written, so it is not the plan that was computed",
            hint=REPLAN_HINT,
        )
    if target is not None and not isinstance(target, str):
        raise UsageError(f"{path}: `target` is not a string")
    return ShownPlan(
        plan,
        str(recorded),
        target,
        saved="basis" in data,
        tool_version=version if isinstance(version, str) else None,
    )
