"""Execute a plan's API changes in dependency order, reading back only what the answers do not prove.

On a failure apply stops and reports what was done and what was not; every step is idempotent against
the state it reads, so running apply again picks up from there (re-reading only the listings).

Call budget per step (writes, plus the reads a write cannot do without):

| step | calls |
| --- | --- |
| custom field, create | 1 POST, 1 GET of the fields (the shortname's case is checked) |
| app, update: configuration, parameters and provisioning together | 1 PUT; +1 GET only when the answer does not show the app (to check the configuration keys and provisioning.enabled were kept) |
| app, create | 1 POST (configuration, provisioning); +1 PUT of the parameters, decided against the connector's own parameters the new app came with; +1 GET as above |
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

from onelogin_scim_setup.engine import safety
from onelogin_scim_setup.engine.computed import ComputedPlan, WireValues
from onelogin_scim_setup.engine.interrupt import deferred
from onelogin_scim_setup.engine.plan import Action, Change, FieldChange, Kind, Plan
from onelogin_scim_setup.engine.tenant import Tenant, UserMapping
from onelogin_scim_setup.errors import (
    ApplyError,
    BudgetError,
    Interrupted,
    OneLoginError,
    Refused,
    SetupError,
    ShortnameChanged,
)
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.read import (
    ROLE_CONDITION,
    Ids,
    MappingVocabulary,
    discover_vocabulary,
    parameter_states,
)
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
        raise Refused(f"apply refused before any write: {listed}")


def estimate_calls(changes: tuple[Change, ...] | list[Change], ids: Ids) -> int:
    """The API calls carrying out `changes` costs at most (the table in the module docstring)."""
    calls = 0
    if any(c.kind in APP_KINDS for c in changes):
        calls += 3  # a create and a parameter PUT (or one PUT), and a read-back if needed
    for change in changes:
        if change.kind is Kind.CUSTOM_FIELD:
            calls += 2
        elif change.kind is Kind.USER or change.kind is Kind.MAPPING:
            calls += 1
        elif change.kind is Kind.ROLE:
            calls += (change.action is Action.CREATE) + 1 + (ids.role_apps is None)
    if any(c.kind is Kind.MAPPING and c.action is not Action.DELETE for c in changes):
        calls += 2  # the mapping vocabulary, discovered once
    return calls


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
        safety.check(plan, computed.desired, computed.safety)
    check_budget(client, estimate_calls(changes, computed.snapshot.ids), rate_reserve)
    if confirm is not None and not confirm(plan):
        raise Refused("apply cancelled; nothing was changed")
    if on_start:
        on_start(len(changes))
    # The snapshot stays as it was read; apply keeps its own copy of the ids it fills in.
    ids = copy.deepcopy(computed.snapshot.ids)
    runner = _Runner(client, computed.desired, ids, computed.wire, computed.action_wait)
    for step in _steps(changes):
        try:
            if step[0].kind is Kind.USER:
                _users_in_parallel(runner, step, result, on_change, client.concurrency)
                continue
            # A step is the unit apply never cuts: a signal inside it is raised when it is done.
            with deferred():
                runner.run_step(step, result)
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
    runner: _Runner,
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
                    runner.user(change)
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
            runner.user(change)
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


def _shows_app(answer: dict[str, Any], configuration: dict[str, str], provisioning: bool) -> bool:
    """Whether a write's answer is the app itself, so no read-back is needed."""
    return (not configuration or "configuration" in answer) and (
        not provisioning or "provisioning" in answer
    )


class _Runner:
    def __init__(
        self,
        client: OneLoginClient,
        desired: Tenant,
        ids: Ids,
        wire: WireValues,
        action_wait: float,
    ):
        self.client, self.desired, self.ids, self.wire = client, desired, ids, wire
        self.action_wait = action_wait

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
            raise SetupError("the app does not exist yet; its create step did not run")
        return self.ids.app_id

    def _custom_field(self, change: Change, result: ApplyResult) -> None:
        wanted = self.desired.custom_fields[change.key]
        field_id = self.client.create_custom_attribute(wanted.name, wanted.shortname)
        # Whether OneLogin keeps a shortname's case is undocumented (docs/onelogin-api.md Op 4 [U]);
        # the template, parameter and mappings name the field by it, so check before using it.
        stored = next(
            (
                str(f.get("shortname"))
                for f in self.client.list_custom_attributes()
                if str(f.get("id")) == str(field_id)
            ),
            wanted.shortname,
        )
        if stored != wanted.shortname:
            raise ShortnameChanged(wanted.shortname, stored)

    def _app(self, step: list[Change], result: ApplyResult) -> None:
        """Configuration, parameters and provisioning in one write (PUT merges, §4.3); a new app
        is created with configuration and provisioning, then gets its parameters in one PUT."""
        configuration: dict[str, str] = {}
        for change in step:
            for item in change.fields if change.kind is Kind.APP else ():
                if item.name.startswith("configuration."):
                    key = item.name.removeprefix("configuration.")
                    configuration[key] = self.wire.configuration[key]
        provisioning = any(change.kind is Kind.PROVISIONING for change in step)
        body: dict[str, Any] = {}
        if configuration:
            body["configuration"] = configuration
        if provisioning:
            body["provisioning"] = {"enabled": bool(self.desired.provisioning)}
        answer: dict[str, Any] = {}
        if any(c.kind is Kind.APP and c.action is Action.CREATE for c in step):
            answer = self._create_app(body)
            body = {}
        parameters = self._parameters([c for c in step if c.kind is Kind.PARAMETER])
        if parameters:
            body["parameters"] = parameters
        if body:
            answer = self.client.update_app(self._app_id(), body)
            for name, sent in parameters.items():
                self.ids.app_parameters[name] = {**self.ids.app_parameters.get(name, {}), **sent}
        if configuration or provisioning:
            if not _shows_app(answer, configuration, provisioning):
                answer = self.client.get_app(self._app_id())
            self._check_configuration(answer, configuration)
        if provisioning:
            self._check_provisioning(answer, result)

    def _create_app(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.desired.app is None:  # a plan has app changes only when an app is desired
            raise SetupError("internal: an app change in a plan that desires no app")
        name, connector_id = self.desired.app.name, self.ids.connector_id
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
        # The connector's own parameters come with the new app (docs/onelogin-api.md Op 3).
        self.ids.app_parameters = parameter_states(created)
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

    def _parameters(self, changes: list[Change]) -> dict[str, dict[str, Any]]:
        """The `parameters` object for the changes: per parameter only what differs from the app
        as read (or as just created)."""
        found: dict[str, dict[str, Any]] = {}
        for change in changes:
            wanted = self.desired.parameters[change.key]
            flag = wanted.include_in_saml_assertion
            # Existence is decided by the app as read now: a plan made before the app existed calls
            # the connector's own parameters "create", but the new app already has them.
            existing = self.ids.app_parameters.get(wanted.name)
            body: dict[str, Any] = {}
            if existing is None:
                # `label` can only be set when the parameter is created (docs/onelogin-api.md Op 3).
                body["label"] = wanted.name
            if (
                existing is None
                or existing.get("user_attribute_mappings") != wanted.user_attribute_mappings
            ):
                body["user_attribute_mappings"] = wanted.user_attribute_mappings
            # Only a managed flag is sent, and only when it differs: a tenant may refuse any change
            # to a connector-defined parameter's flag (docs/onelogin-api.md Op 3).
            if flag is not None and (
                existing is None or bool(existing.get("include_in_saml_assertion")) is not flag
            ):
                body["include_in_saml_assertion"] = flag
            if body:
                found[wanted.name] = body
        return found

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
                    "it; tick it in the app's Provisioning tab (with app.provisioning_via_api: auto "
                    "later plans show it as this manual step, not as an API change)",
                    verify_by="plan shows no provisioning change",
                )
            )

    def _role(self, change: Change, result: ApplyResult) -> None:
        if change.action is Action.CREATE:
            self.ids.roles[change.key] = self.client.create_role(change.key)
        role_id = self.ids.roles[change.key]
        if change.action is Action.DELETE:
            # app.exclusive_roles: read, remove only our app, write; the role's other apps stay.
            ours = self._app_id()
            held = [int(app["id"]) for app in self.client.list_role_apps(role_id)]
            if ours in held:
                self.client.set_role_apps(role_id, [a for a in held if a != ours])
            return
        if not self.desired.roles[change.key].has_app:
            return
        app_id = self._app_id()
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
        vocabulary = self.ids.vocabulary
        if vocabulary is None or not vocabulary.has_action(wanted.field):
            vocabulary = self._discover_action(wanted)
        if wanted.role not in self.ids.roles:
            # Matched here: a tenant may ignore the name filter and answer every role (Op 6 [U]).
            self.ids.roles.update(
                {
                    str(r["name"]): int(r["id"])
                    for r in self.client.list_roles(wanted.role)
                    if r.get("name") == wanted.role
                }
            )
        body = {
            "name": wanted.name,
            "enabled": wanted.enabled,
            "match": "all",
            "position": None,
            "conditions": [
                {
                    "source": ROLE_CONDITION,
                    "operator": vocabulary.role_operator,
                    "value": str(self.ids.roles[wanted.role]),
                }
            ],
            "actions": [{"action": vocabulary.action_for(wanted.field), "value": [wanted.value]}],
        }
        if change.action is Action.CREATE:
            self.ids.mappings[wanted.name] = self.client.create_mapping(body)
        else:
            # Sending a position on update could reorder the mapping (docs/onelogin-api.md Op 5).
            del body["position"]
            self.client.update_mapping(self.ids.mappings[wanted.name], body)

    def _discover_action(self, wanted: UserMapping) -> MappingVocabulary:
        """Find the field's mapping action, waiting up to `action_wait` for a just-created field;
        without it, stop before this (and any later) mapping is written."""
        names = {s: f.name for s, f in self.desired.custom_fields.items()}
        vocabulary = discover_vocabulary(self.client, [wanted.field], names, wait=self.action_wait)
        self.ids.vocabulary = vocabulary
        if vocabulary.has_action(wanted.field):
            return vocabulary
        name = names.get(wanted.field, wanted.field)
        raise OneLoginError(
            f"OneLogin listed no mapping action for the custom field {wanted.field!r} within "
            f"{self.action_wait:g} s (looked for the value set_{wanted.field.lower()} or the label "
            f"'Set {name}'); no mapping was written",
            hint="OneLogin's background jobs can take minutes: run apply again later (it picks up "
            "from here), or raise onelogin.action_wait. If the action never appears, create the "
            f"mapping in OneLogin: Users > Mappings > New Mapping, name {wanted.name!r}, "
            f"condition 'Roles' includes {wanted.role!r}, action 'Set {name}' = {wanted.value!r}, "
            "then Save.",
        )

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
