"""Under injected faults apply succeeds or fails cleanly, and re-running converges without duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest

from onelogin_scim_setup.sandbox import FaultSpec
from tests.sandbox_world import world

# With retries most faults are absorbed; with one retry some runs fail and must fail cleanly.
CASES = [(seed, 4) for seed in range(6)] + [(seed, 1) for seed in range(100, 106)]


@pytest.mark.parametrize(("seed", "retries"), CASES)
def test_apply_under_faults_converges_without_duplicates(
    tmp_path: Path, quirks_profile: str, seed: int, retries: int
) -> None:
    faults = FaultSpec(seed=seed, error_rate=0.1, rate_limit_rate=0.05, drop_rate=0.05)
    with world(tmp_path, quirks_profile, faults=faults, page_size=2) as running:
        url = running.sandbox.onelogin_url
        running.write_config(onelogin={"base_url": url, "max_retries": retries, "backoff": 0.01})
        outcomes = []
        for _ in range(12):
            result = running.cli("apply", "--auto-approve")
            outcomes.append(result)
            assert "Traceback" not in result.stderr
            if result.returncode == 0:
                break
            assert "Error:" in result.stderr
        assert outcomes[-1].returncode == 0, outcomes[-1].stderr
        running.set_faults(error_rate=0.0, rate_limit_rate=0.0, drop_rate=0.0)
        settled = running.cli("plan", "--detailed-exitcode")
        assert settled.returncode == 0, settled.stdout + settled.stderr
        state = running.onelogin_state()
    names = [a["name"] for a in state["apps"]]
    assert names.count("SCIM SOE") == 1
    assert [f["shortname"] for f in state["custom_attributes"]].count("userType") == 1
    owned = [m["name"] for m in state["mappings"] if m["name"].startswith("onelogin-scim-setup")]
    assert len(owned) == len(set(owned)) == 2
    roles = [r["name"] for r in state["roles"]]
    assert len(roles) == len(set(roles))
