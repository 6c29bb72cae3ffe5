"""onelogin/vocabulary.py: the mapping action of each custom field and the `has_role` operator,
discovered from the tenant; a just-created field's action is waited for with a growing pause."""

from __future__ import annotations

import pytest
import responses

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.vocabulary import (
    MappingVocabulary,
    discover_vocabulary,
    match_actions,
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


def test_the_first_of_two_label_matches_wins() -> None:
    listed = [{"name": "Set Level", "value": "ca_1"}, {"name": "Set Level", "value": "ca_2"}]
    assert match_actions(listed, ["level"], {"level": "Level"}) == {"level": "ca_1"}


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
