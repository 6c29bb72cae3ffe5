"""Releases: one version number everywhere it is read, and a CHANGELOG.md entry for it in the Keep
a Changelog format (https://keepachangelog.com/en/1.1.0/)."""

from __future__ import annotations

import re
from pathlib import Path

from onelogin_scim_setup import __version__

ROOT = Path(__file__).resolve().parent.parent
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", re.M)


def test_the_package_and_pyproject_agree_on_the_version() -> None:
    # tomllib is Python 3.11+; the project runs on 3.10: the one `version = ` line of [project].
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.findall(r'^version = "([^"]+)"$', pyproject, re.M) == [__version__]
    assert __version__ == "0.2.0"


def test_the_changelog_has_an_entry_for_this_version_first() -> None:
    assert CHANGELOG.startswith("# Changelog\n")
    assert "## [Unreleased]" in CHANGELOG
    releases = RELEASE.findall(CHANGELOG)
    assert releases[0][0] == __version__
    assert [version for version, _ in releases] == sorted(
        (version for version, _ in releases),
        key=lambda v: tuple(int(part) for part in v.split(".")),
        reverse=True,
    )
    dates = [date for _, date in releases]
    assert dates == sorted(dates, reverse=True)


def test_this_versions_entry_lists_added_changed_and_fixed() -> None:
    entry = CHANGELOG.split(f"## [{__version__}]", 1)[1].split("\n## [", 1)[0]
    sections = re.findall(r"^### (\w+)$", entry, re.M)
    assert sections == ["Added", "Changed", "Fixed"]
    assert all(re.search(rf"^### {section}\n\n- ", entry, re.M) for section in sections), (
        "each section lists at least one change"
    )
