"""Writing output files safely: `--out` of export, report, plot and backup.

- The target must be a regular file or absent. A symbolic link, a FIFO, a character or block device, a socket
  or a directory at the path is refused (naming the field, ``out`` by default) and left untouched: writing
  "through" them would replace a device node, write somewhere the user did not name, or block on a pipe.
- The content goes to a temporary file in the target's directory (so the final rename stays on one file
  system), is flushed to disk (fsync), and is renamed over the target. A failure removes the temporary file;
  a kill leaves at most the hidden ``.NAME.*.tmp`` file, never a partial target, and never touches an
  existing target.

The standard library has every piece (`os.lstat`, `os.fsync`, `os.replace`); the checks are what it lacks.
"""

from __future__ import annotations

import contextlib
import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

from tracker.errors import UserError

_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str | None:
    for test, name in _KINDS:
        if test(mode):
            return name
    return None


def _parent(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def writable_directory(directory: Path, field: str = "out") -> None:
    """An existing directory (not a symlink to one) that this process may create files in."""
    try:
        mode = os.lstat(directory).st_mode
    except FileNotFoundError:
        raise UserError(f"directory {str(directory)!r} does not exist", field) from None
    except OSError as e:
        raise UserError(f"cannot use {str(directory)!r}: {e.strerror or e}", field) from None
    if stat.S_ISLNK(mode) and directory != _parent(directory) and str(directory) not in (".", "/"):
        # A symlinked directory named as the output directory could point anywhere; parents of a file are
        # followed as usual (the user chose them through their shell).
        raise UserError(f"{str(directory)!r} is a symbolic link, not a directory", field)
    if not Path(directory).is_dir():
        raise UserError(f"{str(directory)!r} is not a directory", field)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UserError(f"cannot write in {str(directory)!r}: permission denied", field)


def check_file_target(path: Path, field: str = "out", *, overwrite: bool = True) -> None:
    """``path`` may be written: absent, or (when ``overwrite``) a regular file; its directory is writable."""
    parent = _parent(path)
    if not parent.exists():
        raise UserError(f"directory {str(parent)!r} does not exist", field)
    if not parent.is_dir():
        raise UserError(f"{str(parent)!r} is not a directory", field)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as e:
        raise UserError(f"cannot use {str(path)!r}: {e.strerror or e}", field) from None
    if mode is not None:
        kind = _kind(mode)
        if kind is not None:
            raise UserError(f"{str(path)!r} is {kind}, not a regular file: give another path", field)
        if not overwrite:
            raise UserError(f"{str(path)!r} already exists", field)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot write in {str(parent)!r}: permission denied", field)


def check_directory_target(path: Path, field: str = "out") -> None:
    """``path`` may be used as an output directory: absent (it will be created) or a real directory."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as e:
        raise UserError(f"cannot use {str(path)!r}: {e.strerror or e}", field) from None
    if not stat.S_ISDIR(mode):
        raise UserError(f"{str(path)!r} is {_kind(mode) or 'a file'}, not a directory: give another path", field)
    writable_directory(path, field)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is; some file systems refuse fsync on a directory.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], field: str = "out", *, overwrite: bool = True) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed over ``path`` when the block succeeds, removed
    when it fails. ``overwrite=False``: an existing file is refused too (backups never replace a file)."""
    target = Path(path)
    check_file_target(target, field, overwrite=overwrite)
    tmp = temporary_name(target)
    try:
        yield tmp
        _fsync_file(tmp)
        check_file_target(target, field, overwrite=overwrite)  # still a file (or absent) at the last moment
        os.replace(tmp, target)
        _fsync_directory(_parent(target))
    except OSError as e:
        raise UserError(f"cannot write {str(target)!r}: {e.strerror or e}", field) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def write_text(path: str | os.PathLike[str], text: str, field: str = "out") -> Path:
    with atomic_path(path, field) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
