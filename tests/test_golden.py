"""Golden files: the demo tenant's full plan (JSON and text), apply report and runbook, byte for byte;
a 500-user plan as text and Markdown, a targeted plan, `show` of a saved plan, manual-step states.

A change to what users read must change these files on purpose: regenerate them with
`UPDATE_GOLDEN=1 pytest tests/test_golden.py` and review the diff like any other change.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from onelogin_scim_setup.cli.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, demo_config
from onelogin_scim_setup.ops.apply import apply_plan
from onelogin_scim_setup.ops.plan import compute_plan, connect
from onelogin_scim_setup.ops.prepare import Prepared, prepare
from onelogin_scim_setup.ops.saved import saved_document
from onelogin_scim_setup.plan import manual
from onelogin_scim_setup.plan.changes import Plan
from onelogin_scim_setup.plan.computed import ComputedPlan
from onelogin_scim_setup.plan.target import parse
from onelogin_scim_setup.render.console import Out
from onelogin_scim_setup.render.markdown import plan_markdown
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
    text = re.sub(
        r"Checksum: `sha256:[0-9a-f]+`", "Checksum: `sha256:(varies with the port)`", text
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


# A tenant of 500 more users, each given a department by the config: 512 changes, as a big rollout.
USERS = 500
# A role whose name would break Markdown (a table cell, a code span, HTML, an @mention).
HOSTILE_ROLE = "Ops | <b>bold</b> `tick` @team"
MODERATORS_MAPPING = "onelogin-scim-setup/SCIM SOE: userType for role SOE Moderators"


@pytest.fixture(scope="module")
def big(
    tmp_path_factory: pytest.TempPathFactory, quirks_profile: str
) -> Iterator[tuple[Prepared, ComputedPlan, ComputedPlan, Path]]:
    """The demo tenant with USERS more users, the config setting each one's department, and a
    role with a hostile name in app.roles: (prepared, the plan, the plan --target'ed at the
    moderators' mapping, folder)."""
    folder = tmp_path_factory.mktemp("golden-big")
    token_file = folder / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    token_file.chmod(0o600)
    options = sandbox_options(
        quirks_profile, users=USERS, **E2E_PROFILE_OVERRIDES.get(quirks_profile, {})
    )
    with Sandbox(options) as sandbox:
        config = demo_config(sandbox.onelogin_url, sandbox.soe_scim_url, token_file)
        config["app"]["roles"].append(HOSTILE_ROLE)
        config["promotions"]["users"] += [
            {"email": f"user{i:05d}@example.com", "department": "Scaled"}
            for i in range(1, USERS + 1)
        ]
        config_path = folder / "onelogin-scim-setup.yaml"
        config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        prepared = prepare(config_path, ENVIRON)
        with connect(prepared, ENVIRON) as client:
            client.create_role(HOSTILE_ROLE)
            computed = compute_plan(prepared, client)
            targeted = compute_plan(prepared, client, target=parse(f"mapping:{MODERATORS_MAPPING}"))
        yield prepared, computed, targeted, folder


def test_big_plan_text_is_grouped_and_summarised(
    big: tuple[Prepared, ComputedPlan, ComputedPlan, Path], quirks_profile: str
) -> None:
    _, computed, _, folder = big
    assert len(computed.plan.api_changes) > USERS
    text = captured(render_plan, computed.plan)
    # Grouped and summarised, it fits a screen or two instead of 1,500 lines.
    assert len(text.splitlines()) < 90
    assert "per-user values: 501 to change (summarised;" in text
    check("big-plan.txt", normalised(text, folder), quirks_profile)


def test_big_plan_markdown(
    big: tuple[Prepared, ComputedPlan, ComputedPlan, Path], quirks_profile: str
) -> None:
    _, computed, _, folder = big
    text = plan_markdown(computed.plan)
    assert len(text) < 10_000  # far below a pull-request comment's 65,536 characters
    assert f"`` {HOSTILE_ROLE} ``" in text  # a code span the backticks inside cannot close
    assert "<b>" not in text.replace(f"`` {HOSTILE_ROLE} ``", "")
    check("big-plan.md", normalised(text, folder), quirks_profile)


def test_targeted_plan_text(
    big: tuple[Prepared, ComputedPlan, ComputedPlan, Path], quirks_profile: str
) -> None:
    _, _, targeted, folder = big
    text = captured(
        lambda out, plan: render_plan(out, plan, target=str(targeted.target)), targeted.plan
    )
    check("target-plan.txt", normalised(text, folder), quirks_profile)


def test_show_renders_a_saved_plan_without_a_config_or_a_tenant(
    big: tuple[Prepared, ComputedPlan, ComputedPlan, Path], quirks_profile: str
) -> None:
    """`show` of a saved targeted plan: the same text as the plan, and its Markdown; the CLI runs
    with no config and no credentials, so it cannot read anything but the file."""
    prepared, _, targeted, folder = big
    plan_file = folder / "targeted.json"
    plan_file.write_text(json.dumps(saved_document(prepared, targeted), indent=2, default=str))

    def show(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "onelogin_scim_setup", "show", str(plan_file), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=folder.parent,
            env={"PATH": os.environ.get("PATH", ""), "NO_COLOR": "1"},
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    plan_text = captured(
        lambda out, plan: render_plan(out, plan, target=str(targeted.target)), targeted.plan
    )
    assert show() == plan_text
    assert json.loads(show("-o", "json"))["changes"] == targeted.plan.to_dict()["changes"]
    check("show-target.md", normalised(show("-o", "markdown"), folder), quirks_profile)


def test_manual_step_states(demo: tuple[Prepared, ComputedPlan, Path], quirks_profile: str) -> None:
    """The manual steps as verify knows them after an --e2e round trip (SOE accepted the token, the
    user arrived as Moderator), as text and Markdown: one proven done, counted, not listed. (As
    plan knows them, they are in demo-plan.txt and the runbook's states in demo-runbook.md.)"""
    prepared, _, folder = demo
    steps = manual.steps(
        prepared.config,
        template=prepared.template,
        token_fingerprint=prepared.token_fingerprint,
        planned=(),
        evidence=manual.Evidence(token_accepted=True, round_trip="Moderator"),
    )
    text = captured(render_plan, Plan(tuple(steps)))
    text += "-----\n" + plan_markdown(Plan(tuple(steps)))
    check("manual-states.txt", normalised(text, folder), quirks_profile)
