"""Golden files: the demo tenant's full plan (JSON and text), apply report and runbook, byte for byte.

A change to what users read must change these files on purpose: regenerate them with
`UPDATE_GOLDEN=1 pytest tests/test_golden.py` and review the diff like any other change.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from onelogin_scim_setup.cli.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, demo_config
from onelogin_scim_setup.ops.apply import apply_plan
from onelogin_scim_setup.ops.plan import compute_plan, connect
from onelogin_scim_setup.ops.prepare import Prepared, prepare
from onelogin_scim_setup.plan.computed import ComputedPlan
from onelogin_scim_setup.render.console import Out
from onelogin_scim_setup.render.plan import render_applied, render_plan
from onelogin_scim_setup.render.runbook import runbook_markdown
from onelogin_scim_setup.sandbox import Sandbox
from tests.sandbox_conftest_fixtures import sandbox_options
from tests.sandbox_world import E2E_PROFILE_OVERRIDES

GOLDEN = Path(__file__).parent / "golden"
# A fixed token, so its fingerprint (all the plan ever shows of it) is stable.
TOKEN = "golden-token-" + "x" * 51
ENVIRON = {"ONELOGIN_CLIENT_ID": DEMO_CLIENT_ID, "ONELOGIN_CLIENT_SECRET": DEMO_CLIENT_SECRET}


def normalised(text: str, folder: Path) -> str:
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    # The checksum covers the sandbox's (random) port too.
    text = re.sub(
        r'"checksum": "sha256:[0-9a-f]+"', '"checksum": "sha256:(varies with the port)"', text
    )
    return text.replace(str(folder), "<dir>")


def check(name: str, text: str, profile: str) -> None:
    # The optimistic files keep their first names; the pessimistic tenant's sit in a subfolder.
    path = GOLDEN / name if profile == "optimistic" else GOLDEN / profile / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; see the module docstring"


def captured(render: object, *args: object, json_output: bool = False) -> str:
    stdout, stderr = io.StringIO(), io.StringIO()
    out = Out.create(color="never", json_output=json_output, stdout=stdout, stderr=stderr)
    render(out, *args)  # type: ignore[operator]
    return stdout.getvalue()


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, quirks_profile: str
) -> Iterator[tuple[Prepared, ComputedPlan, Path]]:
    folder = tmp_path_factory.mktemp("golden")
    token_file = folder / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    token_file.chmod(0o600)
    options = sandbox_options(quirks_profile, **E2E_PROFILE_OVERRIDES.get(quirks_profile, {}))
    with Sandbox(options) as sandbox:
        config = demo_config(sandbox.onelogin_url, sandbox.soe_scim_url, token_file)
        config_path = folder / "onelogin-scim-setup.yaml"
        config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        prepared = prepare(config_path, ENVIRON)
        with connect(prepared, ENVIRON) as client:
            computed = compute_plan(prepared, client)
            yield prepared, computed, folder
            # Applied last: the plan fixtures above describe the fresh tenant.


def test_plan_json(demo: tuple[Prepared, ComputedPlan, Path], quirks_profile: str) -> None:
    _, computed, folder = demo
    text = json.dumps(computed.plan.to_dict(), indent=2, sort_keys=True) + "\n"
    check("demo-plan.json", normalised(text, folder), quirks_profile)


def test_plan_text(demo: tuple[Prepared, ComputedPlan, Path], quirks_profile: str) -> None:
    _, computed, folder = demo
    check("demo-plan.txt", normalised(captured(render_plan, computed.plan), folder), quirks_profile)


def test_runbook(demo: tuple[Prepared, ComputedPlan, Path], quirks_profile: str) -> None:
    prepared, computed, folder = demo
    text = runbook_markdown(
        computed.plan, app_name=prepared.config.app.name, config_path=str(prepared.loaded.path)
    )
    check("demo-runbook.md", normalised(text, folder), quirks_profile)


def test_apply_report(demo: tuple[Prepared, ComputedPlan, Path], quirks_profile: str) -> None:
    prepared, computed, folder = demo
    with connect(prepared, ENVIRON) as client:
        result = apply_plan(computed, client)
    check(
        "demo-apply.txt",
        normalised(captured(render_applied, computed.plan, result), folder),
        quirks_profile,
    )
