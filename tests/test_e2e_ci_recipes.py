"""The CI recipes in examples/ run as written: every `onelogin-scim-setup ...` line of their plan,
apply and audit jobs, in that order, through a shell, against the sandbox on 127.0.0.1 (the
pull request's plan, the merge's apply of that saved plan, then, once the admin did the manual
steps, the scheduled audit). Only the CI services' own steps (checkout, comments, artifacts) are
left to them."""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from onelogin_scim_setup.cli.helptext import PROG
from tests.sandbox_world import World, world

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RECIPES = ["github-actions.yml", "gitlab-ci.yml"]
JOBS = ("plan", "apply", "audit")

# Commands the recipes use that cannot run here, with the reason (none today).
PENDING: dict[str, str] = {}


def job_commands(recipe: str) -> dict[str, list[str]]:
    """The tool's command lines of the recipe's plan, apply and audit jobs, in order."""
    data = yaml.safe_load((EXAMPLES / recipe).read_text(encoding="utf-8"))
    jobs = data.get("jobs", data)
    found: dict[str, list[str]] = {}
    for name, job in jobs.items():
        if not isinstance(job, dict) or ("steps" not in job and "script" not in job):
            continue
        role = next(role for role in JOBS if role in name)
        scripts = [step.get("run", "") for step in job.get("steps", [])] + job.get("script", [])
        lines = [line.strip() for script in scripts for line in str(script).splitlines()]
        found[role] = [line for line in lines if line.startswith(f"{PROG} ")]
    assert set(found) == set(JOBS), f"{recipe}: jobs {sorted(found)}"
    return found


def pending(line: str) -> str | None:
    command = shlex.split(line)[1]
    return PENDING.get(command)


@pytest.mark.one_profile("reads the recipe files only")
def test_the_recipes_plan_apply_and_audit() -> None:
    for recipe in RECIPES:
        commands = job_commands(recipe)
        assert any("plan --out plan.json --detailed-exitcode" in c for c in commands["plan"])
        assert any("-o markdown" in c for c in commands["plan"]), "the plan as a comment"
        assert f"{PROG} apply plan.json" in commands["apply"]
        assert f"{PROG} audit --detailed-exitcode" in commands["audit"]


@pytest.fixture
def tenant(tmp_path: Path, quirks_profile: str) -> Iterator[World]:
    with world(tmp_path, quirks_profile) as running:
        yield running


def shell_env(tenant: World, folder: Path) -> dict[str, str]:
    """The CI job's environment: the credentials as secrets, and the tool on PATH (this checkout's
    code, whichever Python runs the tests)."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    tool = bin_dir / PROG
    tool.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m onelogin_scim_setup "$@"\n')
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    env = tenant.env()
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", NO_COLOR="1")
    return env


def run_line(line: str, folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", line],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("recipe", RECIPES)
def test_recipe_commands_run_as_written(tenant: World, recipe: str) -> None:
    repository = tenant.folder / "repository"
    repository.mkdir()
    # The repository's config, at the default path the recipes rely on.
    (repository / "onelogin-scim-setup.yaml").write_text(tenant.config_path.read_text())
    env = shell_env(tenant, tenant.folder)
    commands = job_commands(recipe)
    skipped = []

    def run_job(role: str) -> list[subprocess.CompletedProcess[str]]:
        results = []
        for line in commands[role]:
            if pending(line):
                skipped.append(line)
                continue
            result = run_line(line, repository, env)
            assert result.returncode == 0, f"{recipe}: {line}\n{result.stdout}{result.stderr}"
            results.append(result)
        return results

    run_job("plan")  # the pull request
    saved = repository / "plan.json"
    assert saved.is_file()
    applied = run_job("apply")  # the merge, with the pull request's saved plan
    assert re.search(r"Apply complete: [1-9]\d* change", "".join(r.stdout for r in applied))
    # The admin does the manual steps (SOE's SCIM page, OneLogin's SCIM fields); then the schedule.
    tenant.play_admin(template=tenant.cli("render").stdout)
    run_job("audit")
    assert all(pending(line) for line in skipped)
