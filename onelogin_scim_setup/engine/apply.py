"""Execute a plan's API changes in dependency order, reading back only what the answers do not prove.

On a failure apply stops and reports what was done and what was not; every step is idempotent against
the state it reads, so running apply again picks up from there (re-reading only the listings).

Call budget per step (writes, plus the reads a write cannot do without):

| step | calls |
| --- | --- |
| custom field, create | 1 POST |
| app: configuration, parameters and provisioning together | 1 POST (create) or 1 PUT (update); +1 GET only when the answer does not show the app (to check the configuration keys and provisioning.enabled were kept) |
| role, create | 1 POST (+1 PUT of its apps) |
| role, give it the app | 1 PUT of the role's apps (the whole set); +1 GET of them when the role listing lacked `apps` |
| mappings, first one needing it | 2 GETs (the mapping actions and the has_role operators), once per apply |
| mapping create / update / delete | 1 POST / PUT / DELETE; nothing is read back |
| user values | 1 PUT per user, `onelogin.concurrency` at once |

OneLogin has no bulk form for roles, mappings or users, so those stay one call each. `estimate_calls`
adds this up; `check_budget` refuses before the first write when the account's hourly budget, less the
reserve for other integrations, cannot cover it.
"""

from __future__ import annotations

import copy
import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from onelogin_scim_setup.engine.computed import ComputedPlan, WireValues
from onelogin_scim_setup.engine.plan import Action, Change, FieldChange, Kind, Plan
from onelogin_scim_setup.engine.tenant import Tenant
from onelogin_scim_setup.errors import (
    ApplyError,
    BudgetError,
    OneLoginError,
    SetupError,
    UsageError,
)
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.read import ROLE_CONDITION, Ids, discover_vocabulary
from onelogin_scim_setup.secrets.redact import is_masked

logger = logging.getLogger("onelogin_scim_setup.engine")

APP_KINDS = frozenset({Kind.APP, Kind.PARAMETER, Kind.PROVISIONING})
DEFAULT_RESERVE = 0.2


@dataclass
class ApplyResult:
    done: list[Change] = field(default_factory=list)
    # Steps the API did not keep (e.g. provisioning.enabled ignored), now for a person to do.
    manual: list[Change] = field(default_factory=list)


def refuse_conflicts(plan: Plan) -> None:
    if plan.conflicts:
        listed = "; ".join(f"{c.title}: {c.note}" for c in plan.conflicts)
        raise UsageError(f"apply refused before any write: {listed}")


def estimate_calls(changes: tuple[Change, ...] | list[Change], ids: Ids) -> int:
    """The API calls carrying out `changes` costs at most (the table in the module docstring)."""
    calls = 0
    if any(c.kind in APP_KINDS for c in changes):
        calls += 2  # one write, and a read-back should the answer not show the app
    for change in changes:
        if change.kind is Kind.CUSTOM_FIELD or change.kind is Kind.USER:
            calls += 1
        elif change.kind is Kind.ROLE:
            calls += (change.action is Action.CREATE) + 1 + (ids.role_apps is None)
        elif change.kind is Kind.MAPPING:
            calls += 1
    if any(c.kind is Kind.MAPPING and c.action is not Action.DELETE for c in changes):
        calls += 2  # the mapping vocabulary, discovered once
    return calls


def check_budget(client: OneLoginClient, needed: int, reserve: float) -> None:
    """Refuse, before any write, when the hourly budget less the reserve cannot cover `needed`.

    The budget comes from the answers' `X-RateLimit-*` headers, else `GET /auth/rate_limit`; when
    OneLogin reports neither, apply goes ahead (a 429 then stops it cleanly)."""
    rate = client.read_rate_limit()
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


def execute(
    computed: ComputedPlan,
    client: OneLoginClient,
    *,
    confirm: Callable[[Plan], bool] | None = None,
    on_change: Callable[[Change], None] | None = None,
    rate_reserve: float = DEFAULT_RESERVE,
    on_start: Callable[[int], None] | None = None,
) -> ApplyResult:
    """See `engine.run.apply_plan`."""
    plan = computed.plan
    refuse_conflicts(plan)
    result = ApplyResult()
    changes = list(plan.api_changes)
    if not changes:
        return result
    check_budget(client, estimate_calls(changes, computed.snapshot.ids), rate_reserve)
    if confirm is not None and not confirm(plan):
        raise UsageError("apply cancelled; nothing was changed")
    if on_start:
        on_start(len(changes))
    # The snapshot stays as it was read; apply keeps its own copy of the ids it fills in.
    ids = copy.deepcopy(computed.snapshot.ids)
    runner = _Runner(client, computed.desired, ids, computed.wire)
    for step in _steps(changes):
        try:
            if step[0].kind is Kind.USER:
                _users_in_parallel(runner, step, result, on_change, client.concurrency)
            else:
                runner.run_step(step, result)
                _done(step, result, on_change)
        except _StoppedAt as stopped:
            raise _stopped(changes, result, stopped.change, stopped.cause) from stopped.cause
        except SetupError as error:
            raise _stopped(changes, result, step[0], error) from error
    return result


def _steps(changes: list[Change]) -> list[list[Change]]:
    """One step per change, except: every app change is one step (one write), and the users are
    one step (written in parallel). The diff's dependency order keeps each group together."""
    steps: list[list[Change]] = []
    for change in changes:
        group = "app" if change.kind in APP_KINDS else "user" if change.kind is Kind.USER else None
        previous = steps[-1][0].kind if steps else None
        same = (group == "app" and previous in APP_KINDS) or (
            group == "user" and previous is Kind.USER
        )
        if same:
            steps[-1].append(change)
        else:
            steps.append([change])
    return steps


def _done(
    step: list[Change], result: ApplyResult, on_change: Callable[[Change], None] | None
) -> None:
    for change in step:
        result.done.append(change)
        if on_change:
            on_change(change)


class _StoppedAt(Exception):
    def __init__(self, change: Change, cause: SetupError) -> None:
        super().__init__(change.title)
        self.change, self.cause = change, cause


def _stopped(
    changes: list[Change], result: ApplyResult, at: Change, cause: SetupError
) -> ApplyError:
    done = {id(c) for c in result.done}
    return ApplyError(
        f"apply stopped at {at.action.value} {at.title}",
        done=[f"{c.action.value} {c.title}" for c in result.done],
        not_done=[f"{c.action.value} {c.title}" for c in changes if id(c) not in done],
        cause=cause,
    )


def _users_in_parallel(
    runner: _Runner,
    step: list[Change],
    result: ApplyResult,
    on_change: Callable[[Change], None] | None,
    workers: int,
) -> None:
    """One PUT per user, `workers` at once. Results are reported in plan order whatever order the
    answers come in; after a failure no further user is started, and those already in flight
    finish (each is one idempotent PUT) before the failure is raised."""
    if workers <= 1:
        for change in step:
            try:
                runner.user(change)
            except SetupError as error:
                raise _StoppedAt(change, error) from error
            _done([change], result, on_change)
        return
    stop = threading.Event()

    def write(change: Change) -> None:
        if stop.is_set():
            raise _Skipped
        try:
            runner.user(change)
        except SetupError:
            stop.set()
            raise

    failure: _StoppedAt | None = None
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
            _done([change], result, on_change)  # in flight when another failed: still done
    if failure is not None:
        raise failure


class _Skipped(Exception):
    """A user write not started because an earlier one failed."""


def _shows_app(answer: dict[str, Any], configuration: dict[str, str], provisioning: bool) -> bool:
    """Whether a write's answer is the app itself, so no read-back is needed."""
    return (not configuration or "configuration" in answer) and (
        not provisioning or "provisioning" in answer
    )


class _Runner:
    def __init__(self, client: OneLoginClient, desired: Tenant, ids: Ids, wire: WireValues):
        self.client, self.desired, self.ids, self.wire = client, desired, ids, wire

    def run_step(self, step: list[Change], result: ApplyResult) -> None:
        if step[0].kind in APP_KINDS:
            self._app(step, result)
            return
        handlers: dict[Kind, Callable[[Change, ApplyResult], None]] = {
            Kind.CUSTOM_FIELD: self._custom_field,
            Kind.ROLE: self._role,
            Kind.MAPPING: self._mapping,
        }
        for change in step:
            handlers[change.kind](change, result)

    def _app_id(self) -> int:
        if self.ids.app_id is None:
            raise UsageError("the app does not exist yet; its create step did not run")
        return self.ids.app_id

    def _custom_field(self, change: Change, result: ApplyResult) -> None:
        wanted = self.desired.custom_fields[change.key]
        self.client.create_custom_attribute(wanted.name, wanted.shortname)

    def _app(self, step: list[Change], result: ApplyResult) -> None:
        """Configuration, parameters and provisioning in ONE write (PUT merges, §4.3)."""
        body: dict[str, Any] = {}
        configuration: dict[str, str] = {}
        for change in step:
            for item in change.fields if change.kind is Kind.APP else ():
                if item.name.startswith("configuration."):
                    key = item.name.removeprefix("configuration.")
                    configuration[key] = self.wire.configuration[key]
        if configuration:
            body["configuration"] = configuration
        parameters = {
            change.key: self._parameter_body(change)
            for change in step
            if change.kind is Kind.PARAMETER
        }
        if parameters:
            body["parameters"] = parameters
        provisioning = any(change.kind is Kind.PROVISIONING for change in step)
        if provisioning:
            body["provisioning"] = {"enabled": bool(self.desired.provisioning)}
        creating = any(c.kind is Kind.APP and c.action is Action.CREATE for c in step)
        if creating:
            answer = self._create_app(body)
        else:
            answer = self.client.update_app(self._app_id(), body)
        if configuration or provisioning:
            if not _shows_app(answer, configuration, provisioning):
                answer = self.client.get_app(self._app_id())
            self._check_configuration(answer, configuration)
        if provisioning:
            self._check_provisioning(answer, result)

    def _create_app(self, body: dict[str, Any]) -> dict[str, Any]:
        name = self.desired.app.name if self.desired.app else ""
        connector_id = self.ids.connector_id
        created = self.client.create_app(
            {"connector_id": connector_id, "name": name, **body},
            lambda: next(
                (
                    a
                    for a in self.client.list_apps(name=name)
                    if a.get("name") == name and a.get("connector_id") == connector_id
                ),
                None,
            ),
        )
        self.ids.app_id = int(created["id"])
        self.ids.app_role_ids = [int(r) for r in created.get("role_ids") or []]
        return created

    def _check_configuration(self, app: dict[str, Any], sent: dict[str, str]) -> None:
        """OneLogin drops `configuration` keys a connector does not know: the app must show them."""
        kept = app.get("configuration") or {}
        # A value shown only as asterisks is write-only: it cannot be compared, so it is trusted.
        lost = [
            key
            for key, value in sent.items()
            if kept.get(key) != value and not is_masked(kept.get(key))
        ]
        if lost:
            raise OneLoginError(
                f"OneLogin answered the write but did not keep the configuration key(s) {', '.join(lost)}",
                hint="Check app.configuration_keys against `discover`; unset them to make these "
                "manual steps again.",
            )

    def _parameter_body(self, change: Change) -> dict[str, Any]:
        wanted = self.desired.parameters[change.key]
        body: dict[str, Any] = {
            "user_attribute_mappings": wanted.user_attribute_mappings,
            "include_in_saml_assertion": wanted.include_in_saml_assertion,
        }
        if change.action is Action.CREATE:
            # `label` can only be set when the parameter is created (docs/onelogin-api.md Op 3).
            body["label"] = wanted.name
        return body

    def _check_provisioning(self, app: dict[str, Any], result: ApplyResult) -> None:
        # The API has been seen to accept provisioning.enabled and not keep it
        # (terraform-provider-onelogin#85): the app as answered (or read back) must show it.
        wanted = bool(self.desired.provisioning)
        kept = bool((app.get("provisioning") or {}).get("enabled"))
        if kept is not wanted:
            result.manual.append(
                Change(
                    Action.MANUAL,
                    Kind.ONELOGIN_UI,
                    "enable provisioning",
                    (FieldChange("Provisioning > Enable provisioning", kept, wanted),),
                    note="OneLogin accepted provisioning.enabled through the API but did not keep "
                    "it; tick it in the app's Provisioning tab",
                    verify_by="plan shows no provisioning change",
                )
            )

    def _role(self, change: Change, result: ApplyResult) -> None:
        if change.action is Action.CREATE:
            self.ids.roles[change.key] = self.client.create_role(change.key)
        if not self.desired.roles[change.key].has_app:
            return
        role_id, app_id = self.ids.roles[change.key], self._app_id()
        # Role apps PUT replaces the whole list: union with the current apps, so other apps stay.
        # The role listing (`fields=apps`) gave them; a role created just now has none.
        if change.action is Action.CREATE:
            current: list[int] = []
        elif self.ids.role_apps is not None and role_id in self.ids.role_apps:
            current = self.ids.role_apps[role_id]
        else:
            current = [int(app["id"]) for app in self.client.list_role_apps(role_id)]
        if app_id not in current:
            self.client.set_role_apps(role_id, [*current, app_id])

    def _mapping(self, change: Change, result: ApplyResult) -> None:
        if change.action is Action.DELETE:
            self.client.delete_mapping(self.ids.mappings[change.key])
            return
        wanted = self.desired.mappings[change.key]
        if self.ids.vocabulary is None or wanted.field not in self.ids.vocabulary.actions:
            names = {s: f.name for s, f in self.desired.custom_fields.items()}
            self.ids.vocabulary = discover_vocabulary(self.client, sorted(names), names)
        if wanted.role not in self.ids.roles:
            self.ids.roles.update(
                {str(r["name"]): int(r["id"]) for r in self.client.list_roles(wanted.role)}
            )
        body = {
            "name": wanted.name,
            "enabled": wanted.enabled,
            "match": "all",
            "position": None,
            "conditions": [
                {
                    "source": ROLE_CONDITION,
                    "operator": self.ids.vocabulary.role_operator,
                    "value": str(self.ids.roles[wanted.role]),
                }
            ],
            "actions": [
                {"action": self.ids.vocabulary.action_for(wanted.field), "value": [wanted.value]}
            ],
        }
        if change.action is Action.CREATE:
            self.ids.mappings[wanted.name] = self.client.create_mapping(body)
        else:
            # Sending a position on update could reorder the mapping (docs/onelogin-api.md Op 5).
            del body["position"]
            self.client.update_mapping(self.ids.mappings[wanted.name], body)

    def user(self, change: Change) -> None:
        """One user's values in one PUT. Safe from several threads at once: each call touches only
        its own user's entry of `ids.user_custom_attributes`."""
        email = change.key
        body: dict[str, Any] = {}
        custom = dict(self.ids.user_custom_attributes.get(email, {}))
        changed_custom = False
        for item in change.fields:
            if item.name.startswith("custom_attributes."):
                custom[item.name.removeprefix("custom_attributes.")] = item.after
                changed_custom = True
            else:
                body[item.name] = item.after
        if changed_custom:
            # Whether PUT merges custom_attributes is unknown (docs/onelogin-api.md Op 7), so send the
            # user's full map with our keys changed: other values are preserved either way.
            body["custom_attributes"] = custom
        # mappings=disabled: a mapping run on this update must not overwrite the value we set.
        self.client.update_user(self.ids.users[email], body, mappings="disabled")
        self.ids.user_custom_attributes[email] = custom
