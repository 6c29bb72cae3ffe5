"""The wheel (not the source tree) renders, reports its version and runs the demo: templates ship inside."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What the wheel ships does not depend on the tenant; the demo under each profile runs from source
# (test_e2e_quirks.py).
pytestmark = pytest.mark.one_profile("tests what the wheel ships, not OneLogin's behaviour")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A non-editable install of a freshly built wheel into its own folder (dependencies come from the
    test environment, so no network is needed). It is built from a copy of the source: setuptools
    writes `build/` into the tree it builds, and two test workers building one tree can clash."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".*", "build", "dist", "*.egg-info", "__pycache__", "tests", "venv"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(work),
            str(source),
        ],
        check=True,
        cwd=work,
    )
    (wheel,) = work.glob("onelogin_scim_setup-*.whl")
    target = work / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    return target


def run_installed(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-m", "onelogin_scim_setup", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_installed_copy_is_the_one_imported(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(installed)}
    where = subprocess.run(
        [sys.executable, "-c", "import onelogin_scim_setup; print(onelogin_scim_setup.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    ).stdout
    assert where.startswith(str(installed))


def test_installed_wheel_renders_the_example(installed: Path, tmp_path: Path) -> None:
    result = run_installed(
        installed, "-c", str(ROOT / "templates" / "config.example.yaml"), "render", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:User"]


def test_installed_wheel_reports_its_version_and_help(installed: Path, tmp_path: Path) -> None:
    version = run_installed(installed, "--version", cwd=tmp_path)
    assert version.stdout.startswith("onelogin-scim-setup ")
    assert "plan" in run_installed(installed, "--help", cwd=tmp_path).stdout


def test_installed_wheel_init_writes_the_example(installed: Path, tmp_path: Path) -> None:
    result = run_installed(installed, "init", "fresh.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = (tmp_path / "fresh.yaml").read_text()
    assert written.split("\n", 1)[1] == (ROOT / "templates" / "config.example.yaml").read_text()
    assert (tmp_path / "onelogin-scim-setup.schema.json").is_file()


def test_installed_wheel_runs_the_demo(installed: Path, tmp_path: Path) -> None:
    result = run_installed(installed, "demo", "--dir", str(tmp_path / "demo"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bob@example.com: userType Moderator" in result.stdout
