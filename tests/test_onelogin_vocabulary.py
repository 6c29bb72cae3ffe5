"""onelogin/vocabulary.py: the mapping action of each custom field and the `has_role` operator,
discovered from the tenant; a just-created field's action is waited for with a growing pause."""

from __future__ import annotations

import pytest
import responses

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.model.snapshot import MappingVocabulary
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.vocabulary import (
    discover_vocabulary,
    match_actions,
    resolve_actions,
    wait_for_actions,
)
from tests.helpers.onelogin_stub import BASE, count

ACTIONS = f"{BASE}/api/2/mappings/actions"
OPERATORS = f"{BASE}/api/2/mappings/conditions/has_role/operators"


class Clock:
    """Time that passes only by sleeping."""

    def __init__(self) -> None:
        self.now = 100.0
        self.pauses: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds

    def time(self) -> float:
        return self.now


def test_an_action_that_never_appears_is_asked_for_with_doubling_pauses_until_the_wait_ends(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(ACTIONS, json=[])
    clock = Clock()
    found = wait_for_actions(client, ["userType"], {}, wait=30, sleep=clock.sleep, clock=clock.time)
    assert (found, clock.pauses) == ({}, [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 4.5])
    assert count(api, ACTIONS) == 8


def test_the_last_pause_is_what_is_left_of_the_wait(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(ACTIONS, json=[])
    clock = Clock()
    wait_for_actions(client, ["userType"], {}, wait=1.25, sleep=clock.sleep, clock=clock.time)
    assert clock.pauses == [0.5, 0.75]


def test_without_a_wait_the_actions_are_asked_for_once(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(ACTIONS, json=[])
    clock = Clock()
    found = wait_for_actions(client, ["userType"], {}, wait=0, sleep=clock.sleep, clock=clock.time)
    assert (found, clock.pauses, count(api, ACTIONS)) == ({}, [], 1)


def test_the_wait_goes_on_until_every_field_has_its_action(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(ACTIONS, json=[{"name": "x", "value": "set_a"}])
    api.get(ACTIONS, json=[{"name": "x", "value": "set_a"}, {"name": "y", "value": "set_b"}])
    clock = Clock()
    found = wait_for_actions(client, ["a", "b"], {}, wait=30, sleep=clock.sleep, clock=clock.time)
    assert (found, clock.pauses) == ({"a": "set_a", "b": "set_b"}, [0.5])


def test_discovery_reads_the_actions_once_by_default(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(ACTIONS, json=[])
    api.get(OPERATORS, json=[{"name": "includes", "value": "ri"}])
    assert discover_vocabulary(client, ["userType"], {}) == MappingVocabulary({}, "ri")
    assert count(api, ACTIONS) == 1


def test_the_first_includes_operator_is_chosen(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(ACTIONS, json=[])
    api.get(OPERATORS, json=[{"name": "Includes", "value": "inc"}, {"name": "x", "value": "ri"}])
    assert discover_vocabulary(client, [], {}).role_operator == "inc"


def test_no_includes_operator_names_what_was_answered(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    operators = [{"name": "is not", "value": "nri"}]
    api.get(ACTIONS, json=[])
    api.get(OPERATORS, json=operators)
    with pytest.raises(OneLoginError) as raised:
        discover_vocabulary(client, [], {})
    assert (raised.value.args[0], raised.value.hint) == (
        "OneLogin offers no 'includes' operator for the has_role mapping condition",
        f"GET /api/2/mappings/conditions/has_role/operators answered {operators!r}",
    )


def test_two_label_matches_are_ambiguous_and_named_never_a_silent_pick() -> None:
    listed = [{"name": "Set Level", "value": "ca_1"}, {"name": "Set Level", "value": "ca_2"}]
    assert match_actions(listed, ["level"], {"level": "Level"}) == {}
    match = resolve_actions(listed, ["level"], {"level": "Level"})["level"]
    assert match.candidates == (("ca_1", "Set Level"), ("ca_2", "Set Level"))
    assert "'Set Level' (ca_1), 'Set Level' (ca_2)" in match.problem
    assert "fields.user_type.mapping_action" in match.problem


NAMINGS = [
    pytest.param({"name": "Set userType", "value": "set_usertype"}, "value", id="set_<shortname>"),
    pytest.param(
        {"name": "userType", "value": "custom_attribute_userType"}, "value", id="custom_attribute_"
    ),
    pytest.param({"name": "userType", "value": "set_custom_attribute_7"}, "label", id="<name>"),
    pytest.param({"name": "Set User Type", "value": "x_9"}, "label", id="Set <name>"),
    pytest.param({"name": "Set userType", "value": "x_9"}, "label", id="Set <shortname>"),
]


@pytest.mark.parametrize(("action", "how"), NAMINGS)
def test_each_naming_of_the_action_is_matched(action: dict[str, str], how: str) -> None:
    listed = [{"name": "Set Role", "value": "add_role"}, action]
    match = resolve_actions(listed, ["userType"], {"userType": "User Type"})["userType"]
    assert (match.value, match.how, match.problem) == (action["value"], how, "")


def test_an_unmatched_label_is_no_match_and_names_every_listed_action() -> None:
    listed = [
        {"name": "Set Role", "value": "add_role"},
        {"name": "Set custom attribute userType", "value": "opaque_1"},
    ]
    match = resolve_actions(listed, ["userType"], {"userType": "userType"})["userType"]
    assert (match.value, match.candidates) == (None, ())
    assert "'Set Role' (add_role), 'Set custom attribute userType' (opaque_1)" in match.problem


def test_the_configured_action_wins_and_must_be_listed() -> None:
    listed = [{"name": "Set custom attribute userType", "value": "opaque_1"}]
    named = resolve_actions(listed, ["userType"], {}, {"userType": "opaque_1"})["userType"]
    assert (named.value, named.how) == ("opaque_1", "mapping_action")
    missing = resolve_actions(listed, ["userType"], {}, {"userType": "opaque_2"})["userType"]
    assert missing.value is None
    assert "'opaque_2'" in missing.problem
    assert "'Set custom attribute userType' (opaque_1)" in missing.problem


def test_two_fields_with_one_display_name_never_get_the_others_action() -> None:
    names = {"userType": "User Type", "legacy": "User Type"}
    # Opaque values: the label fits both fields, so neither gets an action.
    opaque = [
        {"name": "Set User Type", "value": "ca_1"},
        {"name": "Set User Type", "value": "ca_2"},
    ]
    assert match_actions(opaque, ["userType", "legacy"], names) == {}
    # Only one of the two listed yet: still not given to either.
    assert match_actions(opaque[:1], ["userType", "legacy"], names) == {}
    # Values that name the shortname decide.
    named = [
        {"name": "Set User Type", "value": "set_legacy"},
        {"name": "Set User Type", "value": "set_usertype"},
    ]
    found = match_actions(named, ["userType", "legacy"], names)
    assert found == {"userType": "set_usertype", "legacy": "set_legacy"}


def test_each_field_gets_its_own_action() -> None:
    listed = [{"name": "Set Level", "value": "ca_1"}, {"name": "n", "value": "SET_TEAM"}]
    found = match_actions(listed, ["level", "team"], {"level": "Level"})
    assert found == {"level": "ca_1", "team": "SET_TEAM"}


def test_a_known_action_is_given_and_an_unknown_one_refused_with_its_hint() -> None:
    vocabulary = MappingVocabulary({"level": "ca_1"}, "ri")
    assert (vocabulary.action_for("level"), vocabulary.has_action("team")) == ("ca_1", False)
    with pytest.raises(OneLoginError) as raised:
        vocabulary.action_for("team")
    assert (raised.value.args[0], raised.value.hint) == (
        "OneLogin offers no mapping action for the custom field 'team'",
        "Check that the field exists (Users > Custom User Fields); "
        "GET /api/2/mappings/actions lists the actions.",
    )


@pytest.mark.parametrize(
    ("later", "before", "pauses"),
    [
        pytest.param(
            [{"name": "Set custom attribute userType", "value": "o_1"}], [], [0.5], id="mentions it"
        ),
        pytest.param(
            [{"name": "Opaque", "value": "o_1"}], ["add_role"], [0.5], id="new since read"
        ),
        pytest.param(
            [{"name": "Set userType", "value": "o_1"}, {"name": "Set userType", "value": "o_2"}],
            [],
            [0.5],
            id="several candidates",
        ),
    ],
)
def test_the_wait_stops_once_the_answer_cannot_change(
    api: responses.RequestsMock,
    client: OneLoginClient,
    later: list[dict[str, str]],
    before: list[str],
    pauses: list[float],
) -> None:
    # First answer: the job has not run. Then an action appears that no rule resolves: waiting the
    # rest of the 60 s cannot help, so the wait ends there (issue 20: within seconds).
    api.get(ACTIONS, json=[{"name": "Set Role", "value": "add_role"}])
    api.get(ACTIONS, json=[{"name": "Set Role", "value": "add_role"}, *later])
    clock = Clock()
    found = wait_for_actions(
        client,
        ["userType"],
        {"userType": "userType"},
        wait=60,
        sleep=clock.sleep,
        clock=clock.time,
        before=before,
    )
    assert (found, clock.pauses) == ({}, pauses)


def test_an_opaque_action_unknown_before_the_read_is_waited_for(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    # Without what the read listed, an action that neither fits nor mentions the field proves
    # nothing: the whole wait is spent.
    api.get(ACTIONS, json=[{"name": "Opaque", "value": "o_1"}])
    clock = Clock()
    wait_for_actions(client, ["userType"], {}, wait=2, sleep=clock.sleep, clock=clock.time)
    assert sum(clock.pauses) == 2
