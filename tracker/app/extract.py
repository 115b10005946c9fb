"""`tracker extract`: read articles, look up what the ledger already knows (questions, the source, the
forecasts already recorded from it), and turn each article into a draft forecasts file.

Reads the ledger and never writes to it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from tracker.app import outfiles
from tracker.app.templating import file_id
from tracker.domain.fields import slug
from tracker.errors import UserError

if TYPE_CHECKING:
    from tracker.app.ledger import Ledger
    from tracker.extract import Extraction, QuestionDoc, Recorded

__all__ = [
    "ARTICLE_SUFFIXES",
    "ArticleDraft",
    "LedgerContext",
    "article_paths",
    "draft_file_name",
    "extract_articles",
    "write_drafts",
]

ARTICLE_SUFFIXES = (".txt", ".text", ".md", ".html", ".htm")


@dataclass
class LedgerContext:
    """What the ledger holds that the extractor uses; empty when there is no ledger yet."""

    questions: list[QuestionDoc] = field(default_factory=list)
    recorded: list[Recorded] = field(default_factory=list)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    available: bool = False


@dataclass
class ArticleDraft:
    path: Path
    source_id: str
    source_known: bool
    made_at: date | None
    extraction: Extraction
    draft: str
    was_html: bool
    text: str


def article_paths(paths: Sequence[Path]) -> list[Path]:
    """Files as given; a folder gives its articles (``ARTICLE_SUFFIXES``), in name order."""
    out: list[Path] = []
    for path in paths:
        try:
            is_dir = path.is_dir()
        except OSError as exc:  # a name too long, a folder this process may not search
            raise UserError(f"{path}: cannot read: {exc.strerror or exc}", "file") from None
        if is_dir:
            try:
                found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES)
                real = path.resolve()
                # as the catalog reads a folder: a file found in it (not named by the user) is read only when it
                # is really there, never through a link leading out of it
                outside = next((p for p in found if p.is_symlink() and not p.resolve().is_relative_to(real)), None)
            except (OSError, RuntimeError) as exc:  # a folder this process may not list, a loop of links
                raise UserError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}", "file") from None
            if outside is not None:
                raise UserError(f"{outside}: a symbolic link leading outside {path}/: not followed", "file")
            if not found:
                raise UserError(f"{path}: a folder with no articles ({', '.join(ARTICLE_SUFFIXES)})", "file")
            out.extend(found)
        elif os.path.exists(path):
            out.append(path)
        else:
            raise UserError(f"{path}: not found", "file")
    return out


def ledger_context(ledger: Ledger | None) -> LedgerContext:
    from tracker.extract import QuestionDoc, Recorded

    if ledger is None or not ledger.info().get("initialised"):
        return LedgerContext()
    questions = [
        QuestionDoc(str(row.question_id), str(row.title), "" if _missing(row.criteria) else str(row.criteria))
        for row in ledger.questions().itertuples()
    ]
    recorded = [
        Recorded(str(row.forecast_id), str(row.quote), str(row.question_id))
        for row in ledger.forecasts().itertuples()
        if not _missing(row.quote) and not bool(row.withdrawn)
    ]
    sources = {str(s["source_id"]): s for s in ledger.rows("sources", parse_json=True)[0]}
    return LedgerContext(questions, recorded, sources, True)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value) in ("<NA>", "nan", "")


def extract_articles(
    ledger: Ledger | None,
    paths: Sequence[Path],
    *,
    source: str | None = None,
    min_confidence: float | None = None,
    scale_version: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    rules_only: bool = False,
    learned_speakers: bool = False,
    learned_confidence: bool = False,
) -> list[ArticleDraft]:
    """Read every article first (any bad one is an error, and nothing is extracted), then extract each."""
    from tracker.app.verbal import load
    from tracker.extract import HedgeFinder, extract, read_article
    from tracker.extract.draft import draft_document, draft_yaml

    files = article_paths(paths)
    if source is not None and len(files) != 1:
        raise UserError("give --source with one article only (each article is its own source)", "source")
    if source is not None and not slug(source) == source:
        raise UserError(f"{source!r} is not a slug ([a-z0-9] words joined by single hyphens)", "source")
    texts = [(path, *read_article(path)) for path in files]
    context = ledger_context(ledger)
    finder = HedgeFinder(load(scale_version))
    out: list[ArticleDraft] = []
    for n, (path, text, was_html) in enumerate(texts, 1):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        known = context.sources.get(source) if source else _by_digest(context.sources, digest)
        source_id = source or (str(known["source_id"]) if known else slug(path.stem) or f"article-{n}")
        made_at = date.fromisoformat(str(known["published"])[:10]) if known and known.get("published") else None
        authors = tuple(known.get("authors") or ()) if known else ()
        extraction = extract(
            text,
            finder=finder,
            questions=context.questions,
            authors=authors,
            recorded=context.recorded,
            min_confidence=min_confidence,
            rules_only=rules_only,
            learned_confidence=learned_confidence,
            learned_speakers=learned_speakers,
        )
        header = [f"Article: {path}"]
        if was_html:
            header.append("The article was HTML: quotes are cut from its text, saved beside this draft (.txt);")
            header.append("register that text as the source's file, so that the quotes check against it.")
        if not context.available:
            header.append("No ledger: no existing question was suggested.")
        elif known is None:
            header.append(f"Source {source_id!r} is not in the ledger: add it (tracker source add) before importing.")
        document = draft_document(extraction, source_id, made_at)
        out.append(
            ArticleDraft(
                path, source_id, known is not None, made_at, extraction, draft_yaml(document, header), was_html, text
            )
        )
        if progress is not None:
            progress(n, len(texts))
    return out


def _by_digest(sources: dict[str, dict[str, Any]], digest: str) -> dict[str, Any] | None:
    return next((s for s in sources.values() if s.get("sha256") == digest), None)


# ------------------------------------------------------------------------------------------------ writing


def draft_file_name(source_id: str) -> str:
    """The draft's file name in an --out folder: the source id when it is a slug, else a one-to-one safe name (a
    stored id is never a path: ``../../x`` becomes ``~2e~2e~2f~2e~2e~2fx``)."""
    return f"{source_id if slug(source_id) == source_id else file_id(source_id)}.yaml"


def write_drafts(
    drafts: Sequence[ArticleDraft], out: Path, into_folder: bool, inputs: Sequence[Path], *, force: bool = False
) -> list[Path]:
    """Write each draft (into the folder ``out``, or to the file ``out``), and beside a draft of an HTML article
    its text (``.txt``). Every target is checked before the first is written (through the safe writer: no link,
    FIFO, device or folder at the name, never an input or the ledger); a draft already there is replaced only with
    ``force`` (it may hold the user's review), and a ``.txt`` already there is left when it holds this very text and
    refused otherwise. Returns the drafts' paths."""
    if into_folder:
        outfiles.check_directory_target(out)
        if not out.exists():
            outfiles.writable_directory(out.parent if str(out.parent) else Path("."))
    plan: list[tuple[Path, str, bool]] = []  # (target, text, whether it is an article's text)
    drafts_at: list[Path] = []
    for d in drafts:
        target = out / draft_file_name(d.source_id) if into_folder else out
        drafts_at.append(target)
        plan.append((target, d.draft, False))
        if d.was_html:
            plan.append((target.with_suffix(".txt"), d.text, True))
    writes: list[tuple[Path, str, bool]] = []  # (target, text, whether it may replace a file there)
    for target, text, article_text in plan:
        if any(target == other for other, _, _ in writes):
            raise UserError(f"{str(target)!r} would be written twice: give the drafts a folder of their own", "out")
        if not into_folder or out.exists():  # (a folder still to be made holds nothing yet)
            # an article's text may stand there already (its own rule, below); a draft only with --force
            outfiles.check_file_target(target, overwrite=force or article_text, inputs=inputs)
        if article_text and target.is_file() and not target.is_symlink():
            if target.read_text(encoding="utf-8", errors="replace") == text:
                continue  # the same text, from an earlier run
            raise UserError(f"{str(target)!r} already exists and holds another text: give another --out", "out")
        writes.append((target, text, force and not article_text))
    if into_folder and not out.exists():
        outfiles.real_directories(out.parent if str(out.parent) else Path("."), PurePosixPath(out.name))
    for target, text, replace in writes:
        outfiles.write_text(target, text, overwrite=replace, inputs=inputs)
    return drafts_at
