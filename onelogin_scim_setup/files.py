"""Files the user hands the tool (read: regular files only, size-capped) and files the user asked the
tool to write (atomic, never through a symlink)."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from onelogin_scim_setup.errors import SetupError

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class InputFileError(ValueError):
    """A file given as input is not a regular file, is too large or is not UTF-8 text."""


def read_text_input(path: Path, max_bytes: int) -> str:
    """The UTF-8 text of a regular file of at most `max_bytes` bytes.

    Opened without blocking and checked with fstat before any read, so a FIFO, /dev/zero or a
    directory is refused at once instead of hanging or filling memory. OSError (e.g. not found)
    passes through; everything else wrong is an InputFileError saying why.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        kind = next((name for test, name in _KINDS if test(mode)), None)
        if kind or not stat.S_ISREG(mode):
            raise InputFileError(f"is {kind or 'not a regular file'}, not a regular file")
        data = b""
        while len(data) <= max_bytes:
            chunk = os.read(fd, max_bytes + 1 - len(data))
            if not chunk:
                break
            data += chunk
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise InputFileError(f"is larger than the limit of {_size(max_bytes)}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputFileError(f"is not UTF-8 text (byte {error.start})") from None


def write_file(path: Path, text: str) -> None:
    """Write a file the user asked for, atomically; never through a symlink.

    The text goes to a new temporary file beside `path`, then replaces it with `os.replace`, so a
    failure leaves the old file or the new one, never half of one. A symlink at `path` is refused:
    following it could overwrite a file the user never named.
    """
    if path.is_symlink():
        raise SetupError(
            f"cannot write {path}: it is a symbolic link",
            hint="Name the real file, or remove the link first.",
        )
    temp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        # O_EXCL: never write through a file (or symlink) that someone else planted.
        fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        try:
            data = text.encode("utf-8")
            while data:
                data = data[os.write(fd, data) :]
            if path.exists():  # keep the mode of the file being replaced (e.g. 0600)
                os.chmod(temp, stat.S_IMODE(path.stat().st_mode))
        finally:
            os.close(fd)
        os.replace(temp, path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise SetupError(f"cannot write {path}: {error.strerror or error}") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _size(count: int) -> str:
    return f"{count // 1024 // 1024} MiB" if count >= 1024 * 1024 else f"{count // 1024} KiB"
