"""Execute a plan's API changes in dependency order, reading back what must stick.

On a failure apply stops and reports what was done and what was not; every step is idempotent against
the state it reads, so running apply again picks up from there.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from onelogin_scim_setup.engine.computed import ComputedPlan, WireValues
from onelogin_scim_setup.engine.interrupt import deferred
from onelogin_scim_setup.engine.plan import Action, Change, FieldChange, Kind, Plan
from onelogin_scim_setup.engine.tenant import Tenant, UserMapping
from onelogin_scim_setup.errors import (
    ApplyError,
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
) -> ApplyResult:
    """See `engine.run.apply_plan`."""
    plan = computed.plan
    refuse_conflicts(plan)
    result = ApplyResult()
    changes = list(plan.api_changes)
    if not changes:
        return result
    if confirm is not None and not confirm(plan):
        raise Refused("apply cancelled; nothing was changed")
    # The snapshot stays as it was read; apply keeps its own copy of the ids it fills in.
    ids = copy.deepcopy(computed.snapshot.ids)
    runner = _Runner(client, computed.desired, ids, computed.wire, computed.action_wait)
    for change in changes:
        try:
            # A change is the unit apply never cuts: a signal inside it is raised when it is done.
            with deferred():
                runner.run(change, result)
                result.done.append(change)
            if on_change:
                on_change(change)
        except SetupError as error:
            raise _stopped(
                f"apply stopped at {change.action.value} {change.title}", result, changes, error
            ) from error
        except Interrupted as signal:
            raise _stopped(
                f"apply stopped after {len(result.done)} of {len(changes)} changes",
                result,
                changes,
                signal,
            ) from signal
    return result


def _stopped(
    message: str, result: ApplyResult, changes: list[Change], cause: SetupError | Interrupted
) -> ApplyError:
    return ApplyError(
        message,
        done=[f"{c.action.value} {c.title}" for c in result.done],
        not_done=[f"{c.action.value} {c.title}" for c in changes[len(result.done) :]],
        cause=cause,
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

    def run(self, change: Change, result: ApplyResult) -> None:
        handlers: dict[Kind, Callable[[Change, ApplyResult], None]] = {
            Kind.CUSTOM_FIELD: self._custom_field,
            Kind.APP: self._app,
            Kind.PARAMETER: self._parameter,
            Kind.PROVISIONING: self._provisioning,
            Kind.ROLE: self._role,
            Kind.MAPPING: self._mapping,
            Kind.USER: self._user,
        }
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

    def _app(self, change: Change, result: ApplyResult) -> None:
        if self.desired.app is None:  # a plan has app changes only when an app is desired
            raise SetupError("internal: an app change in a plan that desires no app")
        configuration = {
            f.name.removeprefix("configuration."): self.wire.configuration[
                f.name.removeprefix("configuration.")
            ]
            for f in change.fields
            if f.name.startswith("configuration.")
        }
        if change.action is Action.CREATE:
            body: dict[str, Any] = {
                "connector_id": self.ids.connector_id,
                "name": self.desired.app.name,
            }
            if configuration:
                body["configuration"] = configuration
            name, connector_id = self.desired.app.name, self.ids.connector_id
            created = self.client.create_app(
                body,
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
        elif configuration:
            self.client.update_app(self._app_id(), {"configuration": configuration})
        if configuration:
            self._check_configuration(configuration)

    def _check_configuration(self, sent: dict[str, str]) -> None:
        """OneLogin drops `configuration` keys a connector does not know, so read them back."""
        kept = self.client.get_app(self._app_id()).get("configuration") or {}
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

    def _parameter(self, change: Change, result: ApplyResult) -> None:
        wanted = self.desired.parameters[change.key]
        flag = wanted.include_in_saml_assertion
        # Existence is decided by the app as read now: a plan made before the app existed calls the
        # connector's own parameters "create", but the new app already has them.
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
        # Only a managed flag is sent, and only when it differs: a tenant may refuse any change to a
        # connector-defined parameter's flag (docs/onelogin-api.md Op 3).
        if flag is not None and (
            existing is None or bool(existing.get("include_in_saml_assertion")) is not flag
        ):
            body["include_in_saml_assertion"] = flag
        if not body:
            return
        self.client.update_app(self._app_id(), {"parameters": {wanted.name: body}})
        self.ids.app_parameters[wanted.name] = {**(existing or {}), **body}

    def _provisioning(self, change: Change, result: ApplyResult) -> None:
        wanted = bool(self.desired.provisioning)
        app_id = self._app_id()
        self.client.update_app(app_id, {"provisioning": {"enabled": wanted}})
        # The API has been seen to accept provisioning.enabled and not keep it
        # (terraform-provider-onelogin#85), so read it back.
        kept = bool((self.client.get_app(app_id).get("provisioning") or {}).get("enabled"))
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
        if not self.desired.roles[change.key].has_app:
            return
        role_id, app_id = self.ids.roles[change.key], self._app_id()
        # Role apps PUT replaces the whole list: read, union, write, so other apps stay.
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
            created = self.client.create_mapping(body)
            self.ids.mappings[wanted.name] = int(created["id"])
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

    def _user(self, change: Change, result: ApplyResult) -> None:
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
