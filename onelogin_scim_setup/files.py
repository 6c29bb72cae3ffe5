"""Files the user hands the tool (read: regular files only, size-capped) and files the user asked the
tool to write (atomic, never through a symlink)."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import ClassVar

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
    """The UTF-8 text of a regular file of at most `max_bytes` bytes (see `read_input`)."""
    data = read_input(path, max_bytes)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputFileError(f"is not UTF-8 text (byte {error.start})") from None


def read_input(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes` bytes.

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
    return data


class WriteError(SetupError):
    """A file could not be written. `reason` says why; `opening`: the temporary file beside it could
    not even be created (a missing or read-only folder)."""

    code: ClassVar[str] = "write_failed"

    def __init__(self, path: Path, reason: str, *, opening: bool = False, hint: str | None = None):
        super().__init__(f"cannot write {path}: {reason}", hint=hint)
        self.reason, self.opening = reason, opening


def write_file(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write a file atomically; never through a symlink. The one writer of every file the tool
    writes: plans, runbooks, configs and the SCIM token.

    The text goes to a new temporary file beside `path`, flushed to disk, then replaces it with
    `os.replace`, so a failure leaves the old file or the new one, never half of one, and no
    temporary file. A symlink at `path` is refused: replacing it could surprise whoever made it.

    `mode` None keeps the mode of the file being replaced (a new file is 0644 less the umask). A
    given mode (0600 for a secret) holds from the moment the temporary file exists, whatever the
    umask, so the text is never readable by others, even for a moment.
    """
    try:
        existing: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        existing = None
    except OSError as error:
        raise WriteError(path, error.strerror or str(error), opening=True) from None
    if existing is not None and stat.S_ISLNK(existing.st_mode):
        raise WriteError(
            path, "it is a symbolic link", hint="Name the real file, or remove the link first."
        )
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        # Replacing /dev/null or a FIFO with a regular file would break whatever else uses it.
        kind = next((name for test, name in _KINDS if test(existing.st_mode)), "not a regular file")
        raise WriteError(
            path,
            f"it exists and is {kind}; only a regular file is ever replaced",
            hint="Name a new or regular file.",
        )
    if mode is None and existing is not None:  # keep the mode of the file being replaced (0600)
        mode = stat.S_IMODE(existing.st_mode)
    temp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        # O_EXCL: never write through a file (or symlink) that someone else planted.
        fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644 if mode is None else mode)
    except OSError as error:
        raise WriteError(
            path, error.strerror or str(error), opening=True, hint=environment_hint(error)
        ) from None
    try:
        try:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(fd, mode)  # the umask can only remove bits; this makes the mode exact
            data = text.encode("utf-8")
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise WriteError(path, error.strerror or str(error), hint=environment_hint(error)) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def environment_hint(error: OSError) -> str | None:
    """What to do about an error of the machine rather than of the tool: a full disk, a file size
    limit, a quota, a read-only file system, a permission."""
    import errno

    hints = {
        errno.ENOSPC: "The disk is full: free some space there, or write elsewhere.",
        errno.EDQUOT: "Your disk quota is used up: free some space, or write elsewhere.",
        errno.EFBIG: "The file size limit (ulimit -f) is too small for this file: raise it, or "
        "write elsewhere.",
        errno.EROFS: "That file system is read-only: write elsewhere.",
        errno.EACCES: "You may not write there: check the folder's permissions, or write elsewhere.",
        errno.EPERM: "You may not write there: check the folder's permissions, or write elsewhere.",
    }
    return hints.get(error.errno or 0)


def _size(count: int) -> str:
    return f"{count // 1024 // 1024} MiB" if count >= 1024 * 1024 else f"{count // 1024} KiB"
