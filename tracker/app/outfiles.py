"""Writing output files safely: every path a user names as an output (`--out` of export, report, plot, site and
extract, the backup's path) is written here and nowhere else.

- The target must be absent, unless the command was told to replace it (``overwrite``: the user's ``--force``):
  a file already at a user-named path is the user's (their notes, a draft they have since reviewed), so it is
  refused, naming the option that would replace it; backups and keys (``forceable=False``) are never replaced.
  With ``overwrite`` the target must be a regular file. A symbolic link, a FIFO, a character or block device, a socket
  or a directory at the path is refused (naming the field, ``out`` by default) and left untouched: writing
  "through" them would replace a device node, write somewhere the user did not name, or block on a pipe.
- The content goes to a temporary file in the target's directory (so the final rename stays on one file
  system), is flushed to disk (fsync), and is renamed over the target. A failure removes the temporary file;
  a kill leaves at most the hidden ``.NAME.*.tmp`` file, never a partial target, and never touches an
  existing target.

- Never over an input: the ledger's own files (a SQLite file and its -wal, -shm and -journal files, registered
  by `protect` when a `Ledger` opens one) and the inputs a command names (`inputs=`, e.g. the article `tracker
  extract` reads) are refused as targets, whatever the link or hard link they are reached through.
- Folders: `real_directories` makes the folders under an output folder without passing through a link.

The standard library has every piece (`os.lstat`, `os.fsync`, `os.replace`); the checks are what it lacks.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from tracker.errors import UserError

_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


# Real paths of the files no output may replace: the ledgers this process opened (see `protect`).
_PROTECTED: set[str] = set()
LEDGER_SUFFIXES = ("", "-wal", "-shm", "-journal")


def protect(database: str | os.PathLike[str]) -> None:
    """Never write over this SQLite ledger or its -wal, -shm and -journal files (for the life of the process)."""
    real = os.path.realpath(database)
    _PROTECTED.update(real + suffix for suffix in LEDGER_SUFFIXES)


def protected_within(folder: Path) -> list[Path]:
    """The protected files (the ledger's) that exist inside ``folder``, at any depth."""
    root = os.path.realpath(folder)
    return sorted(Path(p) for p in _PROTECTED if p.startswith(root + os.sep) and os.path.lexists(p))


def _same_file(a: Path, b: str | os.PathLike[str]) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_not_input(path: Path, field: str = "out", inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """``path`` is neither the ledger (or one of its side files) nor one of ``inputs``."""
    real = os.path.realpath(path)
    if real in _PROTECTED or any(_same_file(path, p) for p in _PROTECTED if os.path.lexists(p)):
        raise UserError(f"{str(path)!r} is the ledger's own file: give another path", field)
    for given in inputs:
        if real == os.path.realpath(given) or _same_file(path, given):
            raise UserError(f"{str(path)!r} is this command's own input ({str(given)!r}): give another path", field)


def _kind(mode: int) -> str | None:
    for test, name in _KINDS:
        if test(mode):
            return name
    return None


def is_regular_file(path: str | os.PathLike[str], *, follow_links: bool = False) -> bool:
    """``path`` is a regular file: not a folder, a device, a socket or a FIFO (a read of one blocks or never ends),
    and, unless ``follow_links``, not a symbolic link even to a regular file (a file someone else made, a bundle's or
    a site folder's, could lead anywhere). What keeps it from being examined (absent, a folder that cannot be
    searched) is raised as the OSError: each caller words that, and the refusal, for its own field."""
    return stat.S_ISREG((os.stat if follow_links else os.lstat)(path).st_mode)


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


def already_exists(path: Path, field: str = "out", *, forceable: bool = True) -> UserError:
    """The refusal of an existing file at ``path``: the command's --force would replace it (``forceable``), or
    nothing ever does (a backup, a key)."""
    if forceable:
        return UserError(f"{str(path)!r} already exists: give --force to replace it, or another --{field}", field)
    return UserError(f"{str(path)!r} already exists: this never overwrites a file", field)


def check_file_target(
    path: Path,
    field: str = "out",
    *,
    overwrite: bool = False,
    forceable: bool = True,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> None:
    """``path`` may be written: absent, or (when ``overwrite``) a regular file that is no input; its directory is
    writable. ``forceable``: whether the refusal of an existing file names --force."""
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
        if kind is not None:  # named as such (before "already exists"): --force would not replace it either
            raise UserError(f"{str(path)!r} is {kind}, not a regular file: give another path", field)
        if not overwrite and not forceable:
            raise already_exists(path, field, forceable=False)
    check_not_input(path, field, inputs)
    if mode is not None and not overwrite:
        raise already_exists(path, field)
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
def atomic_path(
    path: str | os.PathLike[str],
    field: str = "out",
    *,
    overwrite: bool = False,
    forceable: bool = True,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; published at ``path`` when the block succeeds, removed
    when it fails. Without ``overwrite`` an existing file is refused (see `check_file_target`), and the file is
    published with link(2), which fails if the name was taken meanwhile where rename(2) would replace it; with
    ``overwrite`` (the user's --force) it is renamed over a regular file. ``inputs``: files this command reads,
    never to be written over."""
    target = Path(path)
    given = tuple(inputs)
    check_file_target(target, field, overwrite=overwrite, forceable=forceable, inputs=given)
    tmp = temporary_name(target)
    try:
        yield tmp
        _fsync_file(tmp)
        # still a file (or absent), and no input, at the last moment
        check_file_target(target, field, overwrite=overwrite, forceable=forceable, inputs=given)
        _publish(tmp, target, field, overwrite=overwrite, forceable=forceable)
        _fsync_directory(_parent(target))
    except OSError as e:
        raise UserError(f"cannot write {str(target)!r}: {e.strerror or e}", field) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _publish(src: Path, target: Path, field: str, *, overwrite: bool, forceable: bool = True) -> None:
    """``src`` at ``target``: renamed over it with ``overwrite``; else linked there, which fails if the name was
    taken since it was checked, where a rename would replace what took it."""
    if overwrite:
        os.replace(src, target)
        return
    try:
        os.link(src, target)
    except FileExistsError:
        raise already_exists(target, field, forceable=forceable) from None
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK):
            raise
        # no hard links here (a FAT or SMB file system): claim the name with an empty file first, then rename over
        # that claim, so that a file that took the name meanwhile is still refused rather than replaced
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise already_exists(target, field, forceable=forceable) from None
        try:
            os.replace(src, target)
        except OSError:
            with contextlib.suppress(OSError):
                target.unlink()
            raise
    else:
        with contextlib.suppress(OSError):  # the target is in place; the extra name is only tidied away
            src.unlink()


def write_text(
    path: str | os.PathLike[str],
    text: str,
    field: str = "out",
    *,
    overwrite: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    with atomic_path(path, field, overwrite=overwrite, inputs=inputs) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def real_directories(root: Path, rel: PurePosixPath, field: str = "out") -> Path:
    """``root / rel`` as real directories, making the missing ones: a link, a file or a device on the way is refused
    (a folder replaced by a link must not carry the files written into it somewhere else)."""
    current = root
    for part in rel.parts:
        if part in ("", ".", "..") or "/" in part or os.sep in part:
            raise UserError(f"{str(rel)!r} leaves {str(root)!r}", field)
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            try:
                current.mkdir()
            except OSError as e:
                raise UserError(f"cannot make {str(current)!r}: {e.strerror or e}", field) from None
            continue
        if not stat.S_ISDIR(mode):
            raise UserError(f"{str(current)!r} is {_kind(mode) or 'a file'}, not a directory", field)
    return current


def move_into_place(
    src: Path, target: Path, field: str = "out", *, synced: bool = False, overwrite: bool = False
) -> None:
    """Put a finished file this process wrote (``src``, on the same file system) at ``target``, which must be
    absent (or, with ``overwrite``, a regular file) and no input: fsync (unless ``synced``: the caller flushed it
    already), then rename(2)."""
    check_file_target(target, field, overwrite=overwrite)
    try:
        if not synced:
            _fsync_file(src)
        _publish(src, target, field, overwrite=overwrite)
    except OSError as e:
        raise UserError(f"cannot write {str(target)!r}: {e.strerror or e}", field) from None
