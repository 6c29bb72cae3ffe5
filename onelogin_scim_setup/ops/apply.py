"""`apply`: the whole command (`apply_config`: under the lock, read and plan, hold the plan to a saved
one or a checksum, show it, ask) and `apply_plan`, which executes a plan's API changes in dependency
order, one step at a time, and reports what was done.

A step is what apply never cuts: one change, except the app's changes (one write) and the users
(written `onelogin.concurrency` at once). Each step is carried out by its writer (`ops.writes`);
the calls they cost are `plan.budget`, and `check_budget` below refuses when the hourly budget
cannot cover them.

On a failure apply stops and reports what was done and what was not; every step is idempotent against
the state it reads, so running apply again picks up from there (re-reading only the listings).
"""

from __future__ import annotations

import copy
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from onelogin_scim_setup.errors import ApplyError, BudgetError, Interrupted, Refused, SetupError
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.ops import LOCK_TIMEOUT, journal
from onelogin_scim_setup.ops.interrupt import deferred
from onelogin_scim_setup.ops.lock import locked
from onelogin_scim_setup.ops.plan import compute_plan, connect
from onelogin_scim_setup.ops.prepare import Prepared, reread_token
from onelogin_scim_setup.ops.read_state import ReadRequest, state_file
from onelogin_scim_setup.ops.saved import SavedPlan, check, check_checksum
from onelogin_scim_setup.ops.writes.app import write_app
from onelogin_scim_setup.ops.writes.context import WriteContext
from onelogin_scim_setup.ops.writes.fields import write_custom_field
from onelogin_scim_setup.ops.writes.lost import READ_BACK, UnknownOutcome
from onelogin_scim_setup.ops.writes.mappings import write_mapping
from onelogin_scim_setup.ops.writes.roles import write_role
from onelogin_scim_setup.ops.writes.users import write_user
from onelogin_scim_setup.plan import safety
from onelogin_scim_setup.plan.budget import DEFAULT_RESERVE, estimate_calls
from onelogin_scim_setup.plan.changes import APP_KINDS, Change, Kind, Plan
from onelogin_scim_setup.plan.computed import ComputedPlan
from onelogin_scim_setup.plan.target import Target

logger = logging.getLogger("onelogin_scim_setup.ops")

# One writer per kind of change that is its own step (the app's kinds are one step, the users one).
WRITERS: dict[Kind, Callable[[WriteContext, Change], None]] = {
    Kind.CUSTOM_FIELD: write_custom_field,
    Kind.ROLE: write_role,
    Kind.MAPPING: write_mapping,
}


@dataclass
class ApplyResult:
    done: list[Change] = field(default_factory=list)
    # Steps the API did not keep (e.g. provisioning.enabled ignored), now for a person to do.
    manual: list[Change] = field(default_factory=list)
    # Of `done`: those whose write's answer was lost, found done by reading back (ops.writes.lost).
    read_back: list[Change] = field(default_factory=list)


def refuse_conflicts(plan: Plan) -> None:
    if plan.conflicts:
        listed = "; ".join(f"{c.title}: {c.note}" for c in plan.conflicts)
        raise Refused(f"apply refused before any write: {listed}")


def apply_plan(
    computed: ComputedPlan,
    client: OneLoginClient,
    *,
    confirm: Callable[[Plan], bool] | None = None,
    on_change: Callable[[Change], None] | None = None,
    rate_reserve: float = DEFAULT_RESERVE,
    on_start: Callable[[int], None] | None = None,
    force: bool = False,
) -> ApplyResult:
    """Carry out the plan's API changes in dependency order.

    Conflicts refuse the whole plan before anything else, then the safety thresholds (unless
    `force`; plan.safety), both before `confirm`; so does an hourly API budget that, less
    `rate_reserve` (a share of the limit kept for other integrations), cannot cover the calls the
    changes need (BudgetError). `confirm` (None: approved) is asked only when there is something to
    write; a "no" raises UsageError with nothing changed. `on_start(total)` is called before the
    first write, `on_change` after each change, in plan order. On a failure part-way, ApplyError
    lists what was done and what was not; apply again picks up from there.
    """
    plan = computed.plan
    refuse_conflicts(plan)
    result = ApplyResult()
    changes = list(plan.api_changes)
    if not changes:
        return result
    if not force:
        safety.check(plan, computed.desired, computed.safety, computed.user_type_attribute)
    # The snapshot stays as it was read; apply keeps its own copy of the ids it fills in.
    ids = copy.deepcopy(computed.snapshot.ids)
    if confirm is not None:
        # A role apps PUT replaces the role's whole list, and a person may take minutes to
        # approve: each role's apps are then read again just before its write, so an app given
        # to the role meanwhile stays. Approved up front, the listing is seconds old.
        ids.role_apps = None
    check_budget(client, estimate_calls(changes, ids), rate_reserve)
    if confirm is not None and not confirm(plan):
        raise Refused("apply cancelled; nothing was changed")
    if on_start:
        on_start(len(changes))
    ctx = WriteContext(client, computed.desired, ids, computed.wire, computed.action_wait)
    for step in _steps(changes):
        try:
            if step[0].kind is Kind.USER:
                _users_in_parallel(ctx, step, result, on_change, client.concurrency)
                continue
            # A step is the unit apply never cuts: a signal inside it is raised when it is done.
            with deferred():
                _run_step(ctx, step, result)
                result.done.extend(step)
            if on_change:
                for change in step:
                    on_change(change)
        except _StoppedAt as stopped:
            message = f"apply stopped at {stopped.change.action.value} {stopped.change.title}"
            unknown = [stopped.change] if isinstance(stopped.cause, UnknownOutcome) else []
            raise _stopped(message, result, changes, stopped.cause, ctx, unknown) from stopped.cause
        except SetupError as error:
            message = f"apply stopped at {step[0].action.value} {step[0].title}"
            unknown = step if isinstance(error, UnknownOutcome) else []
            raise _stopped(message, result, changes, error, ctx, unknown) from error
        except Interrupted as signal:
            message = f"apply stopped after {len(result.done)} of {len(changes)} changes"
            raise _stopped(message, result, changes, signal, ctx) from signal
    result.read_back = [c for c in result.done if ctx.was_read_back(c)]
    return result


def _run_step(ctx: WriteContext, step: list[Change], result: ApplyResult) -> None:
    if step[0].kind in APP_KINDS:
        result.manual.extend(write_app(ctx, step))
        return
    for change in step:
        WRITERS[change.kind](ctx, change)


def _steps(changes: list[Change]) -> list[list[Change]]:
    """One step per change, except: every app change is one step (one write), and the users are
    one step (written in parallel). The diff's dependency order keeps each group together."""
    steps: list[list[Change]] = []
    for change in changes:
        previous = steps[-1][0].kind if steps else None
        if (change.kind in APP_KINDS and previous in APP_KINDS) or (
            change.kind is Kind.USER and previous is Kind.USER
        ):
            steps[-1].append(change)
        else:
            steps.append([change])
    return steps


def _stopped(
    message: str,
    result: ApplyResult,
    changes: list[Change],
    cause: SetupError | Interrupted,
    ctx: WriteContext,
    unknown: list[Change] | None = None,
) -> ApplyError:
    """The report of a stop: done (a change read back after a lost answer says so), not done, and
    unknown (a lost answer that could not be read back: its cause says what to check)."""
    done = {id(c) for c in result.done}
    unsure = {id(c) for c in unknown or []}

    def named(change: Change) -> str:
        lost = f" ({READ_BACK})" if ctx.was_read_back(change) else ""
        return f"{change.action.value} {change.title}{lost}"

    return ApplyError(
        message,
        done=[named(c) for c in result.done],
        not_done=[named(c) for c in changes if id(c) not in done | unsure],
        unknown=[named(c) for c in changes if id(c) in unsure and id(c) not in done],
        cause=cause,
    )


class _StoppedAt(Exception):
    """A user write failed; apply stops (the cause is reported)."""

    def __init__(self, change: Change, cause: SetupError | Interrupted) -> None:
        super().__init__(change.title)
        self.change, self.cause = change, cause


class _Skipped(Exception):
    """A user write not started because the run is stopping."""


def _users_in_parallel(
    ctx: WriteContext,
    step: list[Change],
    result: ApplyResult,
    on_change: Callable[[Change], None] | None,
    workers: int,
) -> None:
    """One PUT per user, `workers` at once. Results are reported in plan order whatever order the
    answers come in. After a failure or a signal no further user is started; those in flight
    finish (each is one idempotent PUT, never cut) and count as done before the stop is raised."""
    if workers <= 1:
        for change in step:
            try:
                with deferred():
                    write_user(ctx, change)
                    result.done.append(change)
            except SetupError as error:
                raise _StoppedAt(change, error) from error
            if on_change:
                on_change(change)
        return
    stop = threading.Event()

    def write(change: Change) -> None:
        if stop.is_set():
            raise _Skipped
        try:
            write_user(ctx, change)
        except SetupError:
            stop.set()
            raise

    failure: _StoppedAt | None = None
    signal: Interrupted | None = None
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures: list[Future[None]] = [pool.submit(write, change) for change in step]
        for change, future in zip(step, futures, strict=True):
            try:
                future.result()
            except _Skipped:
                continue
            except SetupError as error:
                failure = failure or _StoppedAt(change, error)
                continue
            except Interrupted as caught:
                # The main thread was waiting: stop starting writes, let those in flight finish.
                stop.set()
                signal = signal or caught
                try:
                    future.result()
                except (SetupError, _Skipped):
                    continue
            result.done.append(change)
            if on_change:
                on_change(change)
    if signal is not None:
        raise signal
    if failure is not None:
        raise failure


def check_budget(client: OneLoginClient, needed: int, reserve: float) -> None:
    """Refuse, before any write, when the hourly budget less the reserve cannot cover `needed`.

    The budget comes from the answers' `X-RateLimit-*` headers, else `GET /auth/rate_limit`; when
    OneLogin reports neither, apply goes ahead (a 429 then stops it cleanly)."""
    rate = client.budget()
    if rate is None:
        logger.debug("OneLogin reports no rate limit; not checking the budget")
        return
    kept = math.ceil(rate.limit * reserve)
    usable = rate.remaining - kept
    logger.debug(
        "rate budget: %d of %d left, %d kept in reserve, %d needed",
        rate.remaining,
        rate.limit,
        kept,
        needed,
    )
    if usable >= needed:
        return
    resets_in = rate.resets_in(time.monotonic())
    at = time.strftime("%H:%M:%S UTC", time.gmtime(time.time() + resets_in))
    raise BudgetError(
        f"apply refused before any write: it needs about {needed:,} OneLogin API calls, but only "
        f"{rate.remaining:,} of the account's {rate.limit:,} are left this hour and {kept:,} "
        f"({reserve:.0%}, onelogin.rate_reserve) are kept for other integrations; the window "
        f"resets in {resets_in:.0f} s (at {at}). Nothing was written.",
        hint="Run apply again after the reset (it re-reads only the listings), or lower "
        "onelogin.rate_reserve if the other integrations can spare the calls.",
    )


class ApplyProgress(Protocol):
    def started(self, total: int) -> None: ...

    def done(self, change: Change) -> None: ...


class ApplyView(Protocol):
    """What `apply_config` shows while it runs (render.apply.ApplyConsole on a console)."""

    def reading(self) -> AbstractContextManager[None]: ...

    def review(self, plan: Plan) -> None: ...

    def applying(self) -> AbstractContextManager[ApplyProgress]: ...


@dataclass(frozen=True)
class ApplyRequest:
    """What `apply` was asked: a saved plan or a pinned checksum to hold the plan to, --force."""

    saved_plan: SavedPlan | None = None
    checksum: str | None = None
    force: bool = False
    lock_timeout: float = LOCK_TIMEOUT
    target: Target | None = None  # `--target`, or the one a saved plan was made with
    # `--state`: where the read snapshot is saved (None: beside the lock); apply reads in full
    # and saves what it read, with the read's start time, for the next plan (ops.read_state).
    state: Path | None = None

    @property
    def approved(self) -> bool:
        """A saved plan was reviewed when it was saved (terraform's rule), and a pinned checksum
        names the exact plan that was reviewed: either is the approval, so neither needs a prompt."""
        return self.saved_plan is not None or self.checksum is not None


def apply_config(
    prepared: Prepared,
    environ: Mapping[str, str],
    request: ApplyRequest,
    *,
    lock_dir: Path,
    view: ApplyView,
    confirm: Callable[[Plan], bool] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> tuple[ComputedPlan, ApplyResult]:
    """`apply`: under the lock, read and plan, hold the plan to the saved one or the checksum, show
    it (`view.review`), then `apply_plan` (with `confirm`, None: approved). An interruption before
    the first write says nothing was changed; after it, apply_plan's done/not-done report."""
    with (
        locked(prepared, lock_dir, timeout=request.lock_timeout, on_wait=on_wait),
        connect(prepared, environ) as client,
    ):
        # The token written is the one the source holds now, under the lock: a `token rotate`
        # that held the lock while this run waited has replaced the one read at start.
        prepared = reread_token(prepared, environ)
        try:
            reading = ReadRequest(
                state_file(prepared, environ, lock_dir=lock_dir, path=request.state),
                refresh=True,
                refresh_reason="apply reads in full before it writes",
            )
            with view.reading():
                computed = compute_plan(prepared, client, target=request.target, reading=reading)
            refuse_token_write_during_rotation(prepared, computed.plan, lock_dir)
            if request.saved_plan is not None:
                check(request.saved_plan, prepared, computed)
            if request.checksum is not None:
                check_checksum(request.checksum, computed)
            view.review(computed.plan)
            with view.applying() as progress:
                result = apply_plan(
                    computed,
                    client,
                    confirm=confirm,
                    on_start=progress.started,
                    on_change=progress.done,
                    rate_reserve=prepared.config.onelogin.rate_reserve,
                    force=request.force,
                )
        except Interrupted as interrupted:
            # Once writing has begun apply_plan reports an interruption as ApplyError (done / not
            # done); one that gets here came while reading or at the prompt.
            interrupted.report.append("Nothing was changed in OneLogin.")
            raise
    return computed, result


def refuse_token_write_during_rotation(prepared: Prepared, plan: Plan, lock_dir: Path) -> None:
    """A `token rotate` that stopped part-way (its journal, ops.journal) leaves SOE and the
    token source possibly holding different tokens; apply writing the source's token into OneLogin
    then could leave no side agreeing. Refused until the rotation is resumed or rolled back."""
    config = prepared.config
    key = config.app.configuration_keys.bearer_token
    if not key or not any(
        f.name == f"configuration.{key}" for change in plan.changes for f in change.fields
    ):
        return
    record = journal.journal(
        lock_dir, api_url=config.onelogin.api_url, app_name=config.app.name, kind=journal.ROTATION
    ).read()
    if record is not None:
        raise Refused(
            journal.unfinished(record) + "; apply would write OneLogin's SCIM token now, which "
            "could leave SOE and OneLogin on different tokens; nothing was changed",
            hint="Settle the rotation first: `token rotate --resume` or `token rotate --rollback`.",
        )
