"""`doctor`: every uncertain fact this tenant answers, what the tool will do, read-only, and a fixed
number of calls; golden per sandbox profile (before and after apply)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from onelogin_scim_setup.ops.doctor import CALLS, DOCTOR_FORMAT_VERSION
from tests.helpers.requests_log import api_writes
from tests.sandbox_world import world

GOLDEN = Path(__file__).parent / "golden"


def check(name: str, text: str, profile: str) -> None:
    path = GOLDEN / name if profile == "optimistic" else GOLDEN / profile / name
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed (UPDATE_GOLDEN=1 to review)"


def test_doctor_answers_each_fact_reads_only_and_pins_its_calls(
    tmp_path: Path, quirks_profile: str
) -> None:
    with world(tmp_path, quirks_profile, expose_scim_configuration=True) as running:
        keys = {
            "base_url": "scim_base_url",
            "bearer_token": "scim_bearer_token",
            "json_template": "scim_json_template",
        }
        running.write_config(app={"configuration_keys": keys})
        before = running.cli("doctor", "-o", "json")
        assert before.returncode == 0, before.stdout + before.stderr
        applied = running.cli("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        running.clear_requests_log()
        after = running.cli("doctor", "-o", "json")
        text = running.cli("doctor")
        log = running.requests_log()
    assert after.returncode == 0, after.stdout + after.stderr
    assert api_writes(log) == []
    # Every call doctor makes, once per run (two runs here), token included.
    assert len(log) == 2 * CALLS, [entry["path"] for entry in log]
    report = json.loads(after.stdout)
    assert list(report) == ["format_version", "calls", "facts"]
    assert (report["format_version"], report["calls"]) == (DOCTOR_FORMAT_VERSION, CALLS)
    assert all(list(f) == ["row", "fact", "answered", "will_do"] for f in report["facts"])
    assert {f["row"] for f in report["facts"]} == {23, 24, 30, 5, 27, 7, 10, 11}
    check("doctor-before-apply.json", before.stdout, quirks_profile)
    check("doctor-after-apply.json", after.stdout, quirks_profile)
    check("doctor-after-apply.txt", text.stdout, quirks_profile)
