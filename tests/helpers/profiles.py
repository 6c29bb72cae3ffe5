"""The rule that every e2e test runs under every sandbox quirk profile (issue 9: the tool must be
right whether OneLogin behaves optimistically or pessimistically; issue 20 added the documented
profile, and `E2E_PROFILES` may narrow the set for one CI job), checked when tests are collected
(tests/conftest.py): a test takes the `quirks_profile` fixture, or carries
`@pytest.mark.one_profile(reason)` saying why the profile cannot matter to it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

# Modules whose tests run the real CLI or the sandbox over HTTP, or build the wheel.
E2E_MODULE_PREFIXES = ("test_e2e_", "test_golden", "test_packaging")


def needs_each_profile(item: Any) -> bool:
    """An e2e test, or any test whose module starts sandbox worlds (`tests.sandbox_world.world`)."""
    from tests import sandbox_world

    uses_world = getattr(getattr(item, "module", None), "world", None) is sandbox_world.world
    return bool(item.path.name.startswith(E2E_MODULE_PREFIXES) or uses_world)


def runs_under_each_profile(item: Any) -> bool:
    """It takes `quirks_profile`, or it says why one profile is enough (a non-empty reason)."""
    if "quirks_profile" in getattr(item, "fixturenames", ()):
        return True
    marker = item.get_closest_marker("one_profile")
    if marker is None:
        return False
    reason = marker.kwargs.get("reason", marker.args[0] if marker.args else "")
    return bool(str(reason).strip())


def check_profiles(items: Iterable[Any]) -> None:
    single = [i.nodeid for i in items if needs_each_profile(i) and not runs_under_each_profile(i)]
    if single:
        raise pytest.UsageError(
            "these tests talk to the sandbox under one quirk profile only: take the "
            "`quirks_profile` fixture (and pass it to `world`), or say why the profile cannot "
            "matter with @pytest.mark.one_profile(reason):\n  " + "\n  ".join(single)
        )
