"""`doctor`: ask the tenant every uncertain fact it can answer (docs/uncertain-facts.md), and say what
the tool will do with that answer. Read-only, and a fixed number of calls (`CALLS`).

Each answer goes through the detection plan and apply use (`onelogin.vocabulary.resolve_actions`
and `role_operator_of`, `onelogin.apps.secret_reading`, the user list's keys as
`onelogin.listing.users_by_email` completes them), so what doctor says is what they do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.onelogin.api import objects
from onelogin_scim_setup.onelogin.apps import find_app, secret_reading
from onelogin_scim_setup.onelogin.client import CONNECTORS, ROLES, USERS, OneLoginClient
from onelogin_scim_setup.onelogin.vocabulary import (
    ROLE_CONDITION,
    describe_actions,
    resolve_actions,
    role_operator_of,
)

DOCTOR_FORMAT_VERSION = 1
# The calls doctor makes: the token, custom fields, mapping actions, has_role operators, one page of
# users, the role filter twice (name, role_name), the connector filter, then the connector, the
# app by name and the app itself. Pinned by tests/test_e2e_doctor.py.
CALLS = 11
# The keys the tool asks the user list for (onelogin.listing.USER_FIELDS and audit's).
LIST_KEYS = ("id", "email", "role_ids", "department", "title", "custom_attributes")
PROBE_ROLE = "onelogin-scim-setup doctor probe (no such role)"


@dataclass(frozen=True)
class Fact:
    """One uncertain fact: what this tenant answered, and what the tool will do (row: its row in
    docs/uncertain-facts.md)."""

    row: int
    fact: str
    answered: str
    will_do: str


@dataclass(frozen=True)
class Diagnosis:
    facts: list[Fact]
    calls: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": DOCTOR_FORMAT_VERSION,
            "calls": self.calls,
            "facts": [asdict(f) for f in self.facts],
        }


def diagnose(client: OneLoginClient, config: Config) -> Diagnosis:
    facts = [*_vocabulary(client, config)]
    facts += _user_list(client)
    facts.append(_role_filter(client))
    facts.append(_connector_filter(client, config.app.connector))
    facts += _app(client, config)
    return Diagnosis(facts, CALLS)


def _vocabulary(client: OneLoginClient, config: Config) -> list[Fact]:
    fields_ = {
        str(f.get("shortname")): str(f.get("name") or "") for f in client.list_custom_attributes()
    }
    listed = client.list_mapping_actions()
    operators = client.list_condition_operators(ROLE_CONDITION)
    facts = []
    user_type = config.fields.user_type
    if user_type.enabled:
        shortname = user_type.shortname
        explicit = {shortname: user_type.mapping_action} if user_type.mapping_action else {}
        every = sorted({shortname, *fields_})
        names = {**fields_, shortname: fields_.get(shortname, user_type.name)}
        match = resolve_actions(listed, every, names, explicit)[shortname]
        answered = (
            f"candidates: {describe_actions(match.candidates)}"
            if match.candidates
            else "no listed action fits"
        )
        if shortname not in fields_:
            will_do = (
                "apply creates the field, then waits for its action (onelogin.action_wait) and "
                "stops as soon as the answer cannot change"
            )
        elif match.value is not None:
            will_do = f"writes mappings with {match.value} (found by {match.how})"
        else:
            will_do = f"plan shows a conflict and apply refuses: {match.problem}"
        facts.append(
            Fact(23, f"mapping action for the custom field {shortname!r}", answered, will_do)
        )
    chosen = role_operator_of(operators)
    shown = ", ".join(f"{op.get('value')} ({op.get('name')})" for op in operators) or "none"
    facts.append(
        Fact(
            24,
            "has_role operators",
            shown,
            f"uses {chosen!r}" if chosen else "stops before any mapping write: no 'includes'",
        )
    )
    return facts


def _user_list(client: OneLoginClient) -> list[Fact]:
    answer, headers = client.get_with_headers(USERS, {"fields": ",".join(LIST_KEYS), "limit": 1})
    users = objects(answer, "GET", USERS)
    keys = set(users[0]) if users else set()
    if not users:
        answered, will_do = "no user to look at", "cannot tell; plan and audit check each answer"
    else:
        missing = [k for k in LIST_KEYS if k not in keys]
        honoured = keys <= set(LIST_KEYS)
        answered = ("fields= honoured" if honoured else "fields= ignored") + (
            f"; no {', '.join(missing)}" if missing else "; every key asked for"
        )
        steps = []
        if {"department", "title", "custom_attributes"} & set(missing):
            steps.append("plan reads by id each configured user the list leaves a key out of")
        if "role_ids" in missing:
            steps.append("audit reads each promoted role's user list")
        if {"department", "title"} & set(missing):
            steps.append("audit marks department/title 'not checked'")
        if "custom_attributes" in missing:
            steps.append("audit asks one filtered listing per userType value")
        will_do = "; ".join(steps) or "uses the list as it is"
    rate = "X-RateLimit-Remaining" in headers
    return [
        Fact(30, "the user list honours fields=", answered, will_do),
        Fact(
            5,
            "rate-limit headers on v2 answers",
            "sent" if rate else "not sent",
            "reads the budget from them"
            if rate
            else "asks GET /auth/rate_limit when it needs the budget",
        ),
    ]


def _role_filter(client: OneLoginClient) -> Fact:
    honoured = []
    for key in ("name", "role_name"):
        answer, _ = client.get_with_headers(ROLES, {key: PROBE_ROLE, "limit": 1})
        if not objects(answer, "GET", ROLES):
            honoured.append(key)
    answered = f"filters by {' and '.join(honoured)}" if honoured else "neither name filter works"
    return Fact(27, "the role list's name filter", answered, "sends both; exact-matches names")


def _connector_filter(client: OneLoginClient, connector: str) -> Fact:
    partial = connector.split(" ")[0]
    answer, _ = client.get_with_headers(CONNECTORS, {"name": partial})
    names = [str(c.get("name")) for c in objects(answer, "GET", CONNECTORS)]
    if connector in names:
        answered = f"a partial name ({partial!r}) matches"
    elif names:
        answered = f"a partial name ({partial!r}) answers other connectors"
    else:
        answered = f"a partial name ({partial!r}) needs a '*'"
    return Fact(7, "the connector name filter", answered, "sends the exact name; exact-matches")


def _app(client: OneLoginClient, config: Config) -> list[Fact]:
    _, summary, _ = find_app(client, config.app.name, config.app.connector)
    if summary is None:
        missing = f"no app named {config.app.name!r} yet"
        return [
            Fact(10, "the app's configuration keys", missing, "apply creates the app"),
            Fact(11, "how the SCIM token reads back", missing, "cannot tell before apply"),
        ]
    raw = client.get_app(int(summary["id"]))
    configuration = raw.get("configuration") or {}
    keys = ", ".join(sorted(configuration)) or "none"
    wanted = config.app.configuration_keys
    named = [k for k in (wanted.base_url, wanted.bearer_token, wanted.json_template) if k]
    absent = [k for k in named if k not in configuration]
    will_do = (
        "manual steps in the plan (set app.configuration_keys to write them)"
        if not named
        else f"writes {', '.join(named)}"
        + (f"; {', '.join(absent)} not shown by the app" if absent else "")
    )
    facts = [Fact(10, "the app's configuration keys", keys, will_do)]
    if wanted.bearer_token is None:
        facts.append(
            Fact(11, "how the SCIM token reads back", "not read", "app.configuration_keys unset")
        )
        return facts
    reading = secret_reading(configuration.get(wanted.bearer_token))
    facts.append(
        Fact(
            11,
            "how the SCIM token reads back",
            reading,
            "compares its fingerprint"
            if reading == "clear"
            else "never re-sends it; the plan says so once",
        )
    )
    return facts
