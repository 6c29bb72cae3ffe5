"""Execute a plan's API changes in dependency order, one step at a time, and report what was done.

A step is what apply never cuts: one change, except the app's changes (one write) and the users
(written `onelogin.concurrency` at once). Each step is carried out by its writer (`engine.writes`);
the calls they cost, and the refusal when the hourly budget cannot cover them, are `engine.budget`.

On a failure apply stops and reports what was done and what was not; every step is idempotent against
the state it reads, so running apply again picks up from there (re-reading only the listings).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from onelogin_scim_setup.engine import safety
from onelogin_scim_setup.engine.budget import DEFAULT_RESERVE, check_budget, estimate_calls
from onelogin_scim_setup.engine.computed import ComputedPlan
from onelogin_scim_setup.engine.interrupt import deferred
from onelogin_scim_setup.engine.plan import Change, Kind, Plan
from onelogin_scim_setup.engine.writes.app import APP_KINDS, write_app
from onelogin_scim_setup.engine.writes.context import WriteContext
from onelogin_scim_setup.engine.writes.fields import write_custom_field
from onelogin_scim_setup.engine.writes.mappings import write_mapping
from onelogin_scim_setup.engine.writes.roles import write_role
from onelogin_scim_setup.engine.writes.users import write_user
from onelogin_scim_setup.errors import ApplyError, Interrupted, Refused, SetupError
from onelogin_scim_setup.onelogin.client import OneLoginClient

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


def refuse_conflicts(plan: Plan) -> None:
    if plan.conflicts:
        listed = "; ".join(f"{c.title}: {c.note}" for c in plan.conflicts)
        raise Refused(f"apply refused before any write: {listed}")


def execute(
    computed: ComputedPlan,
    client: OneLoginClient,
    *,
    confirm: Callable[[Plan], bool] | None = None,
    on_change: Callable[[Change], None] | None = None,
    rate_reserve: float = DEFAULT_RESERVE,
    on_start: Callable[[int], None] | None = None,
    force: bool = False,
) -> ApplyResult:
    """See `engine.run.apply_plan`."""
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
            raise _stopped(message, result, changes, stopped.cause) from stopped.cause
        except SetupError as error:
            message = f"apply stopped at {step[0].action.value} {step[0].title}"
            raise _stopped(message, result, changes, error) from error
        except Interrupted as signal:
            message = f"apply stopped after {len(result.done)} of {len(changes)} changes"
            raise _stopped(message, result, changes, signal) from signal
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
    message: str, result: ApplyResult, changes: list[Change], cause: SetupError | Interrupted
) -> ApplyError:
    done = {id(c) for c in result.done}
    return ApplyError(
        message,
        done=[f"{c.action.value} {c.title}" for c in result.done],
        not_done=[f"{c.action.value} {c.title}" for c in changes if id(c) not in done],
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
