"""The folder `tracker site --out` writes: which files in it are the site's, and how a build puts its files there.

A build owns only the files it wrote itself. It lists them, with their SHA-256 and size, in a manifest inside the
folder (MANIFEST, JSON); a file is the site's when the manifest lists it and its content still has the listed
hash. Everything else in the folder is someone else's: the ledger, a host's ``CNAME``, a ``.git/`` folder, a page
edited by hand, a file of an older site that kept no manifest. Such a folder is refused (one line naming what is
in it) unless ``force``; with ``force`` the build writes its own files and leaves every other file where it is,
and the ledger's files are never written over, whatever the flag (`outfiles.protect`).

The pages are first written into a hidden build folder inside the target (BUILD_PREFIX + 8 hex digits), then
moved over the old ones one by one (rename(2) on one file system), and the old site's pages that the new build no
longer has are removed. Before the first move the manifest lists both the old files and the new ones (``pending``),
so that a build killed half-way leaves a folder the next build still recognises as its own. Build folders left by
a killed build are removed by the next one: those inside the target (they hold BUILD_LOCK, locked while their
build runs) and those the earlier versions of the tracker left beside it (``.NAME.tmp-`` + 8 hex digits, holding
nothing but site files).

The manifest's hashes also tell which pages changed between two builds; unchanged pages are not rewritten.

A folder of 100,000 pages is gigabytes, so a build does not hash every file it finds. The manifest also records
each file's size, mtime (nanoseconds) and inode as they were when it was written; a file whose lstat still shows all
three is taken to have the listed hash, and any other file is hashed. A file edited by hand gets a new mtime (and,
saved through a new file, a new inode), so it is hashed and, its hash differing, is someone else's. A file whose
mtime is within STAT_MARGIN_NS of the manifest's own mtime is hashed whatever its stat says: a coarse file-system
clock could give an edit made right after the build the same mtime (git's "racily clean" entries). What this does
not catch: an edit that keeps the size and puts back the old mtime on the same inode (``cp -p`` over the file,
``touch -r``); `tracker site` hashes every file again when the manifest is removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from tracker.app import outfiles
from tracker.errors import UserError

MANIFEST = ".tracker-site.json"
MANIFEST_FORMAT = 1
GENERATOR = "tracker site"
OLD_MARKER = ".tracker-site"  # what sites built before the manifest held instead
BUILD_PREFIX = ".tracker-site-build-"
BUILD_LOCK = ".lock"
_BUILD_NAME = re.compile(re.escape(BUILD_PREFIX) + r"[0-9a-f]{8}")
# A page or asset of a site (the shapes `tracker.app.site` writes), for recognising an older version's build folders.
_SITE_FILE = re.compile(
    r"(?:(?:questions|forecasters|sources|tags|outlets)/)?[a-z0-9_~-]+\.html|style\.css|search(?:-index)?\.js|scroll\.js"
    r"|\.tracker-site(?:\.json)?|verify\.js|checkpoints/(?:[0-9]+|key)\.txt"
)
SHOWN = 3  # names quoted in a refusal
STAT_MARGIN_NS = 2_000_000_000  # 2 s: the coarsest mtime a common file system keeps (FAT)
STAT_KEYS = ("mtime_ns", "ino")  # recorded beside "bytes" (the size)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Manifest:
    """The site's files: relative POSIX path -> {"sha256", "bytes"}; ``pending``: a build's files not yet all
    moved into place."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    # what the last build was made from (a digest, `tracker.app.site`) and what it counted: a build whose inputs
    # are the same keeps every file
    state: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    # the manifest file's own mtime when read: a file's stat is trusted only when older (see the module's doc)
    written_ns: int | None = None

    def text(self) -> str:
        body: dict[str, Any] = {"generator": GENERATOR, "format": MANIFEST_FORMAT, "files": self.files}
        if self.pending:
            body["pending"] = self.pending
        if self.state:
            body["state"] = self.state
            body["summary"] = self.summary
        # a line per file, each encoded by json's C encoder: with ``indent`` json encodes in Python, which was
        # most of a rebuild's writing of the manifest (twice: pending, then final) at 100,000 files
        parts = []
        for key in sorted(body):
            value = body[key]
            if key in ("files", "pending") and value:
                lines = ",\n".join(
                    f"  {json.dumps(rel)}: {json.dumps(value[rel], sort_keys=True)}" for rel in sorted(value)
                )
                parts.append(f" {json.dumps(key)}: {{\n{lines}\n }}")
            else:
                parts.append(f" {json.dumps(key)}: {json.dumps(value, sort_keys=True)}")
        return "{\n" + ",\n".join(parts) + "\n}\n"

    def hashes(self, rel: str) -> set[str]:
        return {e["sha256"] for e in (self.files.get(rel), self.pending.get(rel)) if e}

    def by_stat(self, rel: str, st: os.stat_result) -> str | None:
        """The listed hash of ``rel`` when its lstat is the one recorded with it and not too recent to trust;
        None when the file must be hashed."""
        if self.written_ns is None or st.st_mtime_ns >= self.written_ns - STAT_MARGIN_NS:
            return None
        for e in (self.files.get(rel), self.pending.get(rel)):
            if e and e.get("bytes") == st.st_size and e.get("mtime_ns") == st.st_mtime_ns and e.get("ino") == st.st_ino:
                return str(e["sha256"])
        return None


def stat_entry(st: os.stat_result) -> dict[str, int]:
    """What the manifest records of a file's lstat (`Manifest.by_stat`)."""
    return {"bytes": st.st_size, "mtime_ns": st.st_mtime_ns, "ino": st.st_ino}


# the digests a build records with a page (`tracker.app.site`): what the page was made from, and for a tag or
# outlet leaderboard the question scores under its filter and what its leaderboard section was made from
# (`tracker.app.site.SiteBuilder.kept_board`), for the search index its quotes' part
# (`tracker.app.site.SiteBuilder.kept_quotes`)
DIGESTS = ("inputs", "rows", "board", "quotes")


def read_manifest(out: Path) -> Manifest | None:
    """The manifest in ``out``, or None when there is none (or it is not one: then every file is foreign)."""
    path = out / MANIFEST
    try:
        if not outfiles.is_regular_file(path):
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # (nested too deeply for the JSON parser: not one either)
        return None
    if not isinstance(data, dict) or data.get("generator") != GENERATOR or data.get("format") != MANIFEST_FORMAT:
        return None
    entries = []
    for key in ("files", "pending"):
        part = data.get(key) or {}
        if not isinstance(part, dict):
            return None
        clean = {}
        for rel, entry in part.items():
            if isinstance(rel, str) and _SITE_FILE.fullmatch(rel) and isinstance(entry, dict) and "sha256" in entry:
                size = entry.get("bytes")
                clean[rel] = {"sha256": str(entry["sha256"]), "bytes": size if type(size) is int else None}
                for k in DIGESTS:
                    if isinstance(entry.get(k), str):
                        clean[rel][k] = entry[k]
                for k in STAT_KEYS:
                    if isinstance(entry.get(k), int) and not isinstance(entry.get(k), bool):
                        clean[rel][k] = entry[k]
        entries.append(clean)
    state, summary = data.get("state"), data.get("summary")
    if not isinstance(state, str) or not isinstance(summary, dict):
        state, summary = None, {}
    return Manifest(entries[0], entries[1], state, summary, os.lstat(path).st_mtime_ns)


@dataclass
class Survey:
    """What is in the target folder: the site's own files (verified against the manifest) and the rest."""

    exists: bool
    manifest: Manifest
    owned: dict[str, str] = field(default_factory=dict)  # rel -> sha256 on disk
    foreign: list[str] = field(default_factory=list)
    ledger: list[str] = field(default_factory=list)
    # each owned file's lstat as the survey saw it (size, mtime, inode), and when the survey began: `recheck` takes
    # a file whose stat is still that one, and older than the margin, for unchanged without walking the folder
    seen: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    began_ns: int = 0


def _walk(out: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Every entry under ``out`` (relative POSIX path, lstat), links never followed, build folders skipped."""
    # paths as strings, not PurePosixPath: a path object per file was most of a survey of 100,000 files
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        with os.scandir(os.path.join(out, rel_dir) if rel_dir else out) as entries:
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                if not rel_dir and (_BUILD_NAME.fullmatch(entry.name) or entry.name == MANIFEST):
                    continue
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    stack.append(rel)
                else:
                    yield rel, st


def survey(out: Path) -> Survey:
    try:
        mode = os.lstat(out).st_mode
    except FileNotFoundError:
        return Survey(False, Manifest())
    except OSError as e:  # a name too long, a parent this process may not search
        raise UserError(f"cannot use {str(out)!r}: {e.strerror or e}", "out") from None
    if not stat.S_ISDIR(mode):
        outfiles.check_directory_target(out)  # says what it is instead (a link, a file, a FIFO...)
    outfiles.writable_directory(out)
    manifest = read_manifest(out) or Manifest()
    result = Survey(True, manifest, began_ns=time.time_ns())
    ledger = {str(p.relative_to(os.path.realpath(out))) for p in outfiles.protected_within(out)}
    try:
        walked = sorted(_walk(out))
    except OSError as e:  # a folder inside it this process may not list: what it holds cannot be told
        raise UserError(f"cannot read {str(e.filename or out)!r}: {e.strerror or e}", "out") from None
    for rel, st in walked:
        if rel in ledger:
            result.ledger.append(rel)
            continue
        if stat.S_ISREG(st.st_mode):
            # the recorded stat first: a listed hash, without making the set of the listed ones for every file
            digest = manifest.by_stat(rel, st)
            if digest is None and (known := manifest.hashes(rel)):
                try:
                    digest = file_sha256(out / rel)
                except OSError as e:
                    raise UserError(f"cannot read {str(out / rel)!r}: {e.strerror or e}", "out") from None
                digest = digest if digest in known else None
            if digest is not None:
                result.owned[rel] = digest
                result.seen[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
                continue
        result.foreign.append(rel)
    return result


def recheck(out: Path, found: Survey, names: Iterable[str]) -> Survey:
    """The survey ``found`` brought up to date before a build publishes ``names`` (its files), without walking the
    folder again (at 100,000 files a second walk was a large part of a rebuild). Each of the site's files ``found``
    holds is still the site's when its lstat is the one the survey saw and not too recent to trust (else it is
    hashed again); each of ``names`` the survey did not find as the site's is looked at again, and anything now in
    its place is someone else's. A file put elsewhere in the folder since is not seen: the build touches nothing
    there, and the next build's survey finds it."""
    result = Survey(found.exists, found.manifest, began_ns=found.began_ns)
    result.ledger = list(found.ledger)
    trusted_before = found.began_ns - STAT_MARGIN_NS
    base = os.fspath(out)
    for rel, digest in found.owned.items():
        path = f"{base}/{rel}"  # a string, not a Path: a path object per file was half of this loop
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue  # gone since: no longer the site's (`publish` puts the build's file there, if it has one)
        now = (st.st_size, st.st_mtime_ns, st.st_ino)
        if stat.S_ISREG(st.st_mode) and (
            (now == found.seen.get(rel) and st.st_mtime_ns < trusted_before) or file_sha256(Path(path)) == digest
        ):
            result.owned[rel] = digest
            result.seen[rel] = now
        else:
            result.foreign.append(rel)
    for rel in names:
        if rel not in found.owned and os.path.lexists(out / rel):
            result.foreign.append(rel)
    result.foreign.sort()
    return result


def refusal(out: Path, found: Survey) -> str | None:
    """Why a build without ``force`` must not write into ``out``; None when the folder is the site's alone."""
    if found.ledger:
        return (
            f"{str(out)!r} holds the ledger ({found.ledger[0]}): refusing to build a site there; give another folder "
            "(with --force the site's files are written beside it and the ledger is left as it is)"
        )
    if found.foreign:
        names = ", ".join(found.foreign[:SHOWN]) + (
            f" and {len(found.foreign) - SHOWN} more" if len(found.foreign) > SHOWN else ""
        )
        older = " (a site built by an earlier version, which kept no manifest: remove it and build again)"
        return (
            f"{str(out)!r} holds files the site did not write ({names}){older if OLD_MARKER in found.foreign else ''}"
            ": refusing to build there; give an empty or new folder, or --force to write the site's files and leave "
            "the others in place"
        )
    return None


# ------------------------------------------------------------------------------------------ stale build folders


@contextlib.contextmanager
def build_folder(out: Path) -> Iterator[Path]:
    """A fresh hidden build folder inside ``out``, locked while the build runs, removed afterwards."""
    tmp = out / f"{BUILD_PREFIX}{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        fd = os.open(tmp / BUILD_LOCK, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield tmp
        finally:
            os.close(fd)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _only_site_files(folder: Path) -> bool:
    for root, dirs, names in os.walk(folder):  # os.walk never follows links by default
        rel_root = PurePosixPath(Path(root).relative_to(folder).as_posix())
        for name in [*names, *(d for d in dirs if os.path.islink(os.path.join(root, d)))]:
            rel = str(rel_root / name) if rel_root.parts else name
            if os.path.islink(os.path.join(root, name)) or not _SITE_FILE.fullmatch(rel):
                return False
    return True


def stale_build_folders(out: Path) -> list[Path]:
    """The build folders a killed build left: inside ``out``, those whose lock no running build holds; beside it,
    the ones earlier versions named ``.NAME.tmp-XXXXXXXX`` when they hold nothing but site files."""
    found: list[Path] = []
    if out.is_dir() and not out.is_symlink():
        for entry in out.iterdir():
            if _BUILD_NAME.fullmatch(entry.name) and entry.is_dir() and not entry.is_symlink() and _unlocked(entry):
                found.append(entry)
    parent = out.parent if str(out.parent) else Path(".")
    old = re.compile(re.escape(f".{out.name}.tmp-") + r"[0-9a-f]{8}")
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            if old.fullmatch(entry.name) and entry.is_dir() and not entry.is_symlink() and _only_site_files(entry):
                found.append(entry)
    return sorted(found)


def _unlocked(folder: Path) -> bool:
    try:
        fd = os.open(folder / BUILD_LOCK, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return _only_site_files(folder)  # killed before its lock was made: an empty (or site-only) folder
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a build is running in it
    finally:
        os.close(fd)
    return True


# ------------------------------------------------------------------------------------------ publishing


def previous_files(found: Survey) -> dict[str, dict[str, Any]]:
    """The manifest's entry of each of the site's files in the folder, the one whose hash its bytes have."""
    out = {}
    for rel, digest in found.owned.items():
        for entry in (found.manifest.files.get(rel), found.manifest.pending.get(rel)):
            if entry and entry["sha256"] == digest:
                out[rel] = entry
                break
    return out


def unchanged(found: Survey, state: str) -> bool:
    """The folder holds the whole site the last build made, and that build was made from ``state``."""
    m = found.manifest
    return (
        m.state == state
        and not m.pending
        and set(found.owned) == set(m.files)
        and all(m.files[rel]["sha256"] == digest for rel, digest in found.owned.items())
    )


def publish(
    out: Path,
    tmp: Path,
    written: dict[str, dict[str, Any]],
    found: Survey,
    state: str | None = None,
    summary: dict[str, Any] | None = None,
) -> int:
    """Move the build's files (``written``: rel -> sha256 and bytes, all under ``tmp`` unless already in ``out``
    with those bytes) into ``out`` and remove the site's files the build no longer has; the manifest records
    ``state`` and ``summary``. Returns how many files were moved (unchanged ones are left)."""
    # a file the survey found to be the site's with these bytes stays where it is: only the others move
    to_move = [rel for rel, entry in written.items() if found.owned.get(rel) != entry["sha256"]]
    gone = sorted(set(found.owned) - set(written))
    # every target checked before the first move: a link or a device at a page's place, or the ledger, stops it
    for rel in to_move:
        if _all_real_dirs(out, PurePosixPath(rel).parent):
            outfiles.check_file_target(out / rel, overwrite=True)  # the survey found each to be the site's
    manifest_path = out / MANIFEST
    if to_move or gone:
        files = previous_files(found)  # each of the site's files with the hash its bytes have
        # pending: the build's files the files part does not already list with these bytes (a rebuild's few new
        # pages, not the whole site a second time: the pending manifest was as long as two)
        news = {rel: e for rel, e in written.items() if files.get(rel, {}).get("sha256") != e["sha256"]}
        pending = Manifest(files=files, pending=news)
        outfiles.write_text(manifest_path, pending.text(), overwrite=True)
    moved = 0
    if to_move:
        # every new file on disk before the first rename, in one sync rather than one fsync per file (a site of
        # 100,000 pages spent minutes in fsync)
        os.sync()
    for rel in to_move:
        target = outfiles.real_directories(out, PurePosixPath(rel).parent) / PurePosixPath(rel).name
        outfiles.move_into_place(tmp / rel, target, synced=True, overwrite=True)
        moved += 1
    for rel in gone:
        path = out / rel
        with contextlib.suppress(FileNotFoundError):
            if outfiles.is_regular_file(path) and file_sha256(path) == found.owned[rel]:
                path.unlink()
        _remove_empty_parents(out, PurePosixPath(rel).parent)
    # each file's stat as it is now in place (a move keeps a file's mtime and inode); one left in place has the stat
    # the survey saw (`recheck`: taken after the build, and a later edit then gets a new one, and is hashed)
    moving = set(to_move)
    files = {}
    for rel, entry in written.items():
        seen = found.seen.get(rel) if rel not in moving else None
        st = {"bytes": seen[0], "mtime_ns": seen[1], "ino": seen[2]} if seen else stat_entry(os.lstat(out / rel))
        files[rel] = entry | st
    outfiles.write_text(manifest_path, Manifest(files=files, state=state, summary=summary or {}).text(), overwrite=True)
    return moved


def _all_real_dirs(out: Path, rel: PurePosixPath) -> bool:
    """The folders of ``rel`` under ``out`` are real folders or absent (a missing one is made at the move)."""
    current = out
    for part in rel.parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            return False
        if not stat.S_ISDIR(mode):
            kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a directory"
            raise UserError(f"{str(current)!r} is {kind}: the site's pages go in a folder of their own", "out")
    return True


def _remove_empty_parents(out: Path, rel: PurePosixPath) -> None:
    while rel.parts:
        try:
            (out / rel).rmdir()  # only an empty folder: rmdir(2) never removes content
        except OSError:
            return
        rel = rel.parent
