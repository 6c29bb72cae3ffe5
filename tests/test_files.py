"""files.write_file: the one atomic writer (plans, runbooks, configs and the SCIM token)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from onelogin_scim_setup.files import WriteError, write_file

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@posix_only
def test_a_given_mode_holds_from_the_moment_the_file_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes: list[int] = []
    real_write = os.write

    def spying_write(fd: int, data: bytes) -> int:
        modes.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", spying_write)
    old = os.umask(0)
    try:
        write_file(tmp_path / "secret", "text", mode=0o600)
    finally:
        os.umask(old)
    assert modes == [0o600]
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600


@posix_only
def test_a_given_mode_replaces_the_old_files_mode(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("old")
    path.chmod(0o644)
    write_file(path, "new", mode=0o600)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.md"
    path.write_text("old")

    def broken_write(fd: int, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", broken_write)
    with pytest.raises(WriteError, match="No space left on device"):
        write_file(path, "new")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


def test_a_missing_folder_fails_when_opening(tmp_path: Path) -> None:
    with pytest.raises(WriteError) as caught:
        write_file(tmp_path / "absent" / "out.md", "text")
    assert (caught.value.opening, caught.value.message) == (
        True,
        f"cannot write {tmp_path / 'absent' / 'out.md'}: No such file or directory",
    )
