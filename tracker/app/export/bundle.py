"""Every table, from one snapshot, into a directory or a .zip: the tables in one format, ``_meta.json`` (head,
verification, rows and file of each table), DATA_DICTIONARY.md, data_dictionary.json and a Frictionless
``datapackage.json`` (a Table Schema per table); and a bundle read back."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.app import outfiles
from tracker.app.export import signed
from tracker.app.export.base import (
    BUNDLE_META,
    DATAPACKAGE,
    DICTIONARY_JSON,
    DICTIONARY_MD,
    Progress,
    meta_common,
    os_error,
)
from tracker.app.export.registry import REGISTRY, format_of
from tracker.domain import timepoints
from tracker.domain.merkle import MerkleTree, leaf_hash
from tracker.domain.notes import NoteError, Verifier, open_checkpoint
from tracker.errors import IntegrityError, TrackerError, UserError
from tracker.read.tables import TABLES, Col, TableSpec, data_dictionary
from tracker.words import plural

if TYPE_CHECKING:
    import pandas as pd

    from tracker.app.ledger import Ledger

DATAPACKAGE_SCHEMA = "https://datapackage.org/profiles/2.0/datapackage.json"


def export_bundle(
    ledger: Ledger,
    out: str | os.PathLike[str],
    fmt: str = "parquet",
    *,
    as_of: Any = None,
    run: Any = None,
    progress: Progress | None = None,
    spreadsheet_safe: bool = True,
    key: Verifier | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Every table (one snapshot) into a directory, or a .zip, with DATA_DICTIONARY.md, data_dictionary.json
    and _meta.json (head position and hash, rows and file of each table), and the newest kept checkpoint the
    events cover (with `key`, checked to be signed by it and published beside it: see `signed`). A .zip already
    at ``out`` is replaced only with ``force``; in a folder, a file at a name the bundle writes is replaced only
    with ``force`` and only when an earlier bundle there wrote it (see `_check_folder`)."""
    path = Path(out)
    form = REGISTRY[format_of(fmt, path)]
    as_zip = path.suffix.lower() == ".zip"
    work: Path | None = None
    try:
        with ledger.snapshot(as_of, run) as snap:
            base = meta_common(ledger, snap)
            # the checkpoint (and a wrong --key refused) before the first file is made
            signed_files, signed_meta = signed.choose(ledger, int(base["ledger"]["head_position"]), key)
            work, earlier = _work_directory(path, as_zip, [*_FIXED_FILES, *signed_files, *form.bundle_files()], force)
            tables, extras = form.write_bundle(ledger, snap, work, progress, base, spreadsheet_safe)
        bundle_meta = {
            **base,
            "verification": _verification(ledger),
            "format": form.name,
            "tables": tables,
            **signed_meta,
            **extras,
            **form.meta_extras(spreadsheet_safe),
            **({EARLIER_FILES: earlier} if earlier else {}),
        }
        assert work is not None  # made inside the snapshot, before any table was written
        files = {
            **signed_files,
            BUNDLE_META: json.dumps(bundle_meta, indent=2, ensure_ascii=False) + "\n",
            DICTIONARY_JSON: json.dumps(data_dictionary(), indent=2, ensure_ascii=False) + "\n",
            DICTIONARY_MD: dictionary_markdown(bundle_meta),
            DATAPACKAGE: json.dumps(datapackage(bundle_meta), indent=2, ensure_ascii=False) + "\n",
        }
        for name, text in files.items():
            # in a folder, `_check_folder` let only an earlier bundle's files stand at these names, and only with force
            with outfiles.atomic_path(work / name, overwrite=True) as tmp:
                tmp.write_text(text, encoding="utf-8")
        if as_zip:
            with (
                outfiles.atomic_path(path, overwrite=force) as tmp_zip,
                zipfile.ZipFile(tmp_zip, "w", zipfile.ZIP_DEFLATED) as archive,
            ):
                for name in [*files, *sorted({t["file"] for t in tables.values()})]:
                    archive.write(work / name, arcname=name)
    except OSError as e:
        raise os_error(path, e) from None
    finally:
        if as_zip and work is not None:
            shutil.rmtree(work, ignore_errors=True)
    return bundle_meta


def _work_directory(path: Path, as_zip: bool, names: list[str], force: bool) -> tuple[Path, list[str]]:
    """Where the bundle's files are written (a temporary directory beside a .zip, else the directory itself), and
    the files of earlier bundles in that directory this one leaves in place (see `_check_folder`)."""
    if as_zip:
        outfiles.check_file_target(path, overwrite=force)
        return Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else ".")), []
    outfiles.check_directory_target(path)
    earlier = _check_folder(path, names, force)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise os_error(path, e) from None
    outfiles.writable_directory(path)
    return path, earlier


_FIXED_FILES = (BUNDLE_META, DICTIONARY_JSON, DICTIONARY_MD, DATAPACKAGE)
# _meta.json's list of the files earlier bundles wrote in the folder that this one did not replace (another format's
# tables): left in place, never deleted, and still known as a bundle's to the next export there.
EARLIER_FILES = "earlier_files"


def _check_folder(path: Path, names: list[str], force: bool) -> list[str]:
    """A bundle written into an existing folder replaces only what an earlier bundle there wrote (the files its
    _meta.json lists), and only with ``force``. Before anything is written, refused: a link, a folder, a FIFO or a
    device at one of ``names`` (what this bundle writes), --force or not, as everywhere; a file there that the user
    put there, --force or not; an earlier bundle's file there without ``force``. Returns the earlier bundles' files
    this one leaves in place: those at other names, still regular files."""
    earlier = _earlier_bundle_files(path)
    there = [name for name in names if os.path.lexists(path / name)]
    for name in there:  # (the kind refused first: --force would not help)
        outfiles.check_file_target(path / name, overwrite=True)
    foreign = [name for name in there if name not in earlier]
    if foreign:
        raise UserError(
            f"{str(path / foreign[0])!r} is not a file an earlier export wrote there: a bundle never replaces a "
            "file it did not make; give a new or empty folder (or move the file)",
            "out",
        )
    if there and not force:
        more = f" and {plural(len(there) - 1, 'other file')} of an earlier bundle" if len(there) > 1 else ""
        raise UserError(
            f"{str(path / there[0])!r}{more} already exist: give --force to replace an earlier bundle's files, "
            "or another --out",
            "out",
        )
    return sorted(name for name in earlier - set(names) if _plain_name(name) and _is_regular(path / name))


def _earlier_bundle_files(path: Path) -> set[str]:
    """The files the bundle whose _meta.json is in ``path`` wrote, with those it left in place from earlier ones;
    none when there is no readable _meta.json (nothing in the folder is then known to be a bundle's)."""
    if not os.path.lexists(path / BUNDLE_META):
        return set()
    try:
        previous = json.loads(_member_file(path, BUNDLE_META).read_text(encoding="utf-8"))
        kept = previous.get("checkpoint")
        signed_files = [str(kept[f]) for f in ("file", "key_file") if isinstance(kept, dict) and kept.get(f)]
        left = previous.get(EARLIER_FILES, [])
        return {
            *_FIXED_FILES,
            *(str(t["file"]) for t in previous["tables"].values()),
            *signed_files,
            *(str(n) for n in (left if isinstance(left, list) else [])),
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return set()  # no earlier bundle's meta there: nothing in the folder is a bundle's


def _plain_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and os.sep not in name


def _is_regular(path: Path) -> bool:
    try:
        return outfiles.is_regular_file(path)
    except OSError:
        return False


def _verification(ledger: Ledger) -> dict[str, Any]:
    """Whether the chain, the projections and the scores were verified, and when: a reader of the files alone can
    see what was proven about them."""
    verification = ledger.verify()
    return {
        "ok": verification["ok"],
        "scores_verified": verification["ok"],
        "verified_at": timepoints.utc_now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "head_position": verification["head_position"],
        "problem": verification.get("problem"),
    }


def schema_field(col: Col, fmt: str) -> dict[str, Any]:
    """A Frictionless Table Schema field for a column as written in ``fmt``. Times are ``datetime`` (in CSV and
    JSON lines ISO 8601 with fractional seconds and ``Z``); in xlsx a date column holds Excel dates: ``date``."""
    return REGISTRY[fmt].schema_field(col)


def datapackage(bundle_meta: dict[str, Any]) -> dict[str, Any]:
    """A Frictionless Data Package (v2) descriptor of a bundle: one tabular resource per table, its file, format and
    Table Schema (types from the table specs); in an xlsx bundle each resource names its sheet, and the sheet of
    texts longer than a cell is a resource too."""
    form = REGISTRY[bundle_meta["format"]]
    led = bundle_meta["ledger"]
    tables: list[tuple[str, TableSpec, dict[str, Any]]] = [(t, TABLES[t], i) for t, i in bundle_meta["tables"].items()]
    tables += form.extra_resources(bundle_meta)
    return {
        "$schema": DATAPACKAGE_SCHEMA,
        "name": "forecast-tracker-ledger",
        "title": "forecast-tracker ledger export",
        "description": f"Every table of the ledger at position {led['head_position']}, hash {led['head_hash']}.",
        "created": bundle_meta["exported_at"],
        "version": str(led["head_position"]),
        "resources": [form.resource(table, spec, info) for table, spec, info in tables],
    }


def dictionary_markdown(bundle_meta: dict[str, Any] | None = None, level: int = 1) -> str:
    """DATA_DICTIONARY.md: every table, every column with its dtype and meaning (``level``: the title's heading
    level; the tables are one below it)."""
    lines = ["#" * level + " Data dictionary", ""]
    if bundle_meta is not None:
        led = bundle_meta["ledger"]
        lines += [
            f"Exported {bundle_meta['exported_at']} by forecast-tracker {bundle_meta['tracker_version']} from "
            f"`{led['database']}`.",
            "",
            f"- Ledger head: position {led['head_position']}, hash `{led['head_hash']}`"
            + (f" (as of {json.dumps(led['as_of'])})" if led.get("as_of") else ""),
            f"- Scores: scoring run {led['scores_run_id']}, through position {led['scores_through_position']}"
            if led.get("scores_run_id")
            else "- Scores: no scoring run yet",
            f"- Format: {bundle_meta['format']}",
            "",
        ]
    lines += [
        "Reading the files: Parquet keeps every dtype (`pandas.read_parquet`). CSV, JSON lines and xlsx read back "
        "with these dtypes through `tracker.app.export.read_csv(path, table)`, `read_jsonl` and `read_xlsx`, or "
        "the whole bundle with `read_bundle(path)`.",
        "",
        "Dtypes: `datetime64[ns, UTC]` are tz-aware UTC times (a date is midnight UTC of that day; in CSV and JSON "
        "lines ISO 8601 with `Z`); `category` columns repeat a few values (their categories are the values "
        "present, sorted); `float64` probabilities and scores are NaN where undefined; `boolean` and `Int64` "
        "can be missing; `string` is text (JSON-valued columns hold JSON text); `int64` is never missing.",
        "",
    ]
    for name, spec in TABLES.items():
        lines += ["#" * (level + 1) + f" {name}", "", spec.description, ""]
        if bundle_meta is not None and name in bundle_meta.get("tables", {}):
            t = bundle_meta["tables"][name]
            lines += [f"File `{t['file']}`, {t['rows']} rows. Order: {spec.order}.", ""]
        else:
            lines += [f"Order: {spec.order}.", ""]
        lines += ["| column | dtype | meaning |", "|---|---|---|"]
        for c in spec.columns:
            lines.append(f"| `{c.name}` | `{c.dtype}` | {c.meaning.replace('|', '&#124;')} |")
        lines.append("")
    return "\n".join(lines)


def read_bundle(path: str | os.PathLike[str], only: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    """Every table of a bundle (directory or .zip), typed, or the tables named in `only`; the bundle's
    _meta.json is not a frame, so it is returned separately by `bundle_meta`."""
    import io

    p = Path(path)
    meta = bundle_meta(p)
    form = REGISTRY[meta["format"]]
    out: dict[str, pd.DataFrame] = {}
    members: dict[str, bytes] = {}  # an xlsx bundle's tables share one workbook: unzip it once
    for table, info in meta["tables"].items():
        if only is not None and table not in only:
            continue
        if p.is_dir():
            source: Any = _member_file(p, info["file"])
        else:
            if info["file"] not in members:
                with zipfile.ZipFile(p) as archive:
                    members = {info["file"]: archive.read(info["file"])}
            data = members[info["file"]]
            source = io.BytesIO(data) if form.binary else io.StringIO(data.decode("utf-8"))
        out[table] = form.read(source, table, meta)
    return out


def bundle_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    return dict(json.loads(_member(Path(path), BUNDLE_META)))


def is_bundle(path: str | os.PathLike[str]) -> bool:
    """A directory or .zip that holds a bundle's _meta.json."""
    p = Path(path)
    # os.path's tests, not Path's: they answer False where Path's raise (a name too long, a folder not searchable)
    if os.path.isdir(p):
        return os.path.isfile(p / BUNDLE_META)
    if os.path.isfile(p) and zipfile.is_zipfile(p):
        try:
            with zipfile.ZipFile(p) as archive:
                return BUNDLE_META in archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):  # a damaged zip is no bundle it could read
            return False
    return False


def _member(path: Path, name: str) -> str:
    """The text of the bundle's file `name`, from a directory or a .zip."""
    if path.is_dir():
        return _member_file(path, name).read_text(encoding="utf-8")
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode("utf-8")


def _member_file(folder: Path, name: Any) -> Path:
    """A file a bundle folder's _meta.json names: a regular file in the folder itself, never a path out of it, a
    link, or a FIFO that would block the read (a bundle is a file someone else may have made)."""
    if not isinstance(name, str) or not _plain_name(name):
        raise ValueError(f"{name!r} is not the name of a file in the bundle")
    file = folder / name
    if not outfiles.is_regular_file(file):
        raise ValueError(f"{name!r} is not a regular file in the bundle")
    return file


def _stored_rows(events: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """The bundle's events rows with the values the chain hashed: whole numbers and Python times."""
    for row in events.to_dict("records"):
        yield row | {
            "position": int(row["position"]),
            "stream_version": int(row["stream_version"]),
            "schema_version": int(row["schema_version"]),
            "occurred_at": row["occurred_at"].to_pydatetime(),
            "recorded_at": row["recorded_at"].to_pydatetime(),
        }


def verify_bundle(path: str | os.PathLike[str], key: Verifier, witnesses: tuple[Verifier, ...] = ()) -> dict[str, Any]:
    """Check a bundle offline: its checkpoint is signed by `key` (and the cosignatures of `witnesses` on it are
    checked and counted, as for a proof file); its events table chains (each row's hash is
    recomputed from its fields and follows the previous one, positions gap-free from 1); and the Merkle root of the
    first tree_size rows is the signed root. `IntegrityError` ("not verified: ...") naming the first failure, also
    when what it must read of the bundle cannot be read (a damaged zip, a table its format's reader refuses)."""
    try:
        return _verify_bundle(path, key, witnesses)
    except TrackerError:
        raise
    except _UNREADABLE as e:
        raise IntegrityError(f"not verified: the bundle cannot be read: {type(e).__name__}: {e}") from None


# What reading a damaged bundle raises: the zip's and zlib's errors, the table readers' (pandas' and pyarrow's
# parser errors are ValueErrors, pyarrow's I/O ones OSErrors), and a _meta.json without the keys it must have.
_UNREADABLE = (
    zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, IndexError, TypeError, RecursionError
)  # fmt: skip


def _verify_bundle(path: str | os.PathLike[str], key: Verifier, witnesses: tuple[Verifier, ...]) -> dict[str, Any]:
    from tracker.app.proofs import verified
    from tracker.store.eventstore import check_chain

    p = Path(path)
    meta = bundle_meta(p)
    info = meta.get("checkpoint")
    if not info:
        raise IntegrityError("not verified: the bundle carries no checkpoint (it was exported before one was signed)")
    try:
        opened = open_checkpoint(_member(p, str(info["file"])), key, witnesses)
    except (NoteError, KeyError, OSError) as e:
        raise IntegrityError(f"not verified: the bundle's checkpoint: {e}") from None
    cp = opened.checkpoint
    if meta.get("format") == "xlsx":
        # Excel keeps a time to the millisecond; the chain hashes the microseconds
        raise UserError(
            "an Excel bundle keeps times to the millisecond, so its rows cannot be re-hashed: verify the same "
            "export as csv, parquet or jsonl",
            "file",
        )
    if "events" not in meta.get("tables", {}):
        raise IntegrityError("not verified: the bundle holds no events table")
    events = read_bundle(p, only=("events",))["events"].sort_values("position")
    tree = MerkleTree()

    def leaf(hash_: str) -> None:  # the first tree_size hashes are the leaves of the signed tree
        if tree.size < cp.size:
            tree.append(leaf_hash(bytes.fromhex(hash_)))

    chain = check_chain(_stored_rows(events), on_hash=leaf)
    if chain.gap:
        raise IntegrityError(f"not verified: position {chain.first_bad_position} is missing from the events table")
    if not chain.ok:
        raise IntegrityError(
            f"not verified: the events table's row at position {chain.first_bad_position} is not the one hashed"
        )
    if tree.size < cp.size:
        raise IntegrityError(f"not verified: the checkpoint signs {cp.size} events, the bundle holds {tree.size}")
    if tree.root(cp.size) != cp.root:
        raise IntegrityError(f"not verified: the first {cp.size} events do not have the signed root")
    return verified(opened, key) | {"events": len(events), "cosignatures": opened.cosignatures}
