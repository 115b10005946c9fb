"""`tracker extract`: propose the forecasts in an article as a draft to review (never writes to the ledger)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from tracker.cli.common import FORCE, ledger, say, warn
from tracker.cli.render import Column
from tracker.errors import UserError


def extract(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Article files (UTF-8 text or HTML), or folders of them."),
    source: str = typer.Option(None, "--source", help="The article's source id (one article only)."),
    out: Path = typer.Option(
        None, "--out", help="Draft file to write (a folder for several articles). Default: the draft on stdout."
    ),
    min_confidence: float = typer.Option(
        None,
        "--min-confidence",
        help="Leave out candidates below this confidence (default 0.3, or the learned model's cut-off with "
        "--learned-confidence; 0 keeps all).",
    ),
    learned_confidence: bool = typer.Option(
        False,
        "--learned-confidence",
        help="Score candidates with the learned model (a probability; docs/extract.md) instead of the hand rules.",
    ),
    force: bool = FORCE,
    json_out: bool = typer.Option(False, "--json", help="The candidates as JSON instead of a table."),
    rules_only: bool = typer.Option(
        False, "--rules-only", help="Every learned part off: speakers and confidence by the hand rules alone."
    ),
    learned_speakers: bool = typer.Option(
        False,
        "--learned-speakers",
        help="Choose each speaker by the learned model among the rules' pick and the sources named near it "
        "(off by default: it did not beat the rules on held-out corpus files).",
    ),
) -> None:
    """Propose the forecasts in an article: quote, hedge and its reading, speaker, suggested questions.

    Writes a draft in the predictions/forecasts/ format, every entry marked `draft:` for review (a draft already
    at its name, which may hold your review, is replaced only with --force);
    `tracker import` refuses marked entries. Candidates already in the ledger are marked `recorded`.
    Reads the ledger (questions, sources, forecasts) and never writes to it.
    """
    from rich.console import Console
    from rich.progress import Progress

    from tracker.app.extract import article_paths, extract_articles, write_drafts

    if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:
        raise UserError(f"{min_confidence!r} is not between 0 and 1", "min_confidence")
    inputs = article_paths(paths)
    several = len(inputs) > 1
    if several and out is not None and os.path.lexists(out) and not out.is_dir():
        raise UserError(f"{out}: for several articles, --out names a folder", "out")
    if several and out is None and not json_out:
        raise UserError("several articles: give --out FOLDER for their drafts (or --json)", "out")
    led = ledger(ctx)
    # The progress bar is drawn on stderr: stdout carries only the listing (or the json).
    bar = Console(stderr=True)
    with Progress(console=bar, transient=True, disable=not several or json_out or not bar.is_terminal) as progress:
        task = progress.add_task("extracting", total=None)
        drafts = extract_articles(
            led,
            paths,
            source=source,
            min_confidence=min_confidence,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
            rules_only=rules_only,
            learned_speakers=learned_speakers,
            learned_confidence=learned_confidence,
        )
    if json_out:
        from tracker.cli.render import json_dumps

        typer.echo(json_dumps([_as_json(d) for d in drafts], indent=2))
    # a link named as --out is a file target (and refused), never a folder to write into
    into_folder = out is not None and (several or _real_directory(out))
    targets: list[Path | None] = [None] * len(drafts)
    if out is not None:
        targets = list(write_drafts(drafts, out, into_folder, inputs, force=force))
    piped: list[dict[str, object]] = []  # tsv rows of every article, printed once
    for d, target in zip(drafts, targets, strict=True):
        if target is None and not json_out:
            typer.echo(d.draft, nl=False)
        if not json_out:
            piped += _summary(d, target)
    if piped:
        from tracker.cli.render import render_rows

        render_rows(piped, [_SOURCE_COLUMN, *_COLUMNS], "tsv")


def _real_directory(path: Path) -> bool:
    """A directory at ``path``, not a link to one (a link named as --out is a file target, and refused); False when
    it cannot be looked at (a name too long: the writer then says so)."""
    import stat

    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _summary(d: object, target: Path | None) -> list[dict[str, object]]:
    """The article's summary line and its candidates: a table on a terminal; piped, the line goes to
    stderr and the candidates are returned, to be printed as one tsv listing as the read commands do."""
    from tracker.app.extract import ArticleDraft
    from tracker.cli.render import pick_format, plural, render_rows, safe_text

    assert isinstance(d, ArticleDraft)
    cands = d.extraction.candidates
    recorded = sum(1 for c in cands if c.recorded)
    line = safe_text(
        f"{d.path}: {plural(len(cands), 'candidate')} ({recorded} already recorded) from "
        f"{plural(d.extraction.sentences, 'sentence')}; source {d.source_id}"
        f"{'' if d.source_known else ' (not in the ledger)'}"
    )
    if target is None:
        warn(line)  # the draft itself went to stdout
        return []
    fmt = pick_format(None)
    note = say if fmt == "table" else warn
    note(line)
    note(f"draft: {safe_text(target)}")
    rows: list[dict[str, object]] = [
        {
            "source": d.source_id,
            "n": c.index + 1,
            "confidence": c.confidence,
            "speaker": c.speaker.name,
            "hedge": c.hedge_words,
            "p_event": c.reading.p_event,
            "question": "recorded: " + ", ".join(c.recorded)
            if c.recorded
            else (
                f"new: {c.new_question}"
                if c.new_question
                else f"{c.suggestions[0].question} ({c.suggestions[0].score:.2f})"
            ),
            "quote": c.quote if fmt != "table" or len(c.quote) <= 90 else c.quote[:87] + "...",
        }
        for c in cands
    ]
    if fmt != "table":
        return rows
    render_rows(rows, _COLUMNS, fmt, empty_message="no candidates")
    return []


def register(app: typer.Typer) -> None:
    app.command()(extract)


_COLUMNS = [
    Column("n", "#", kind="int"),
    Column("confidence", "conf", kind="number", digits=2),
    Column("speaker"),
    Column("hedge"),
    Column("p_event", "p(event)", kind="number", digits=2),
    Column("question", "question (score)"),
    Column("quote"),
]
_SOURCE_COLUMN = Column("source")


def _as_json(d: object) -> dict[str, object]:
    from tracker.app.extract import ArticleDraft

    assert isinstance(d, ArticleDraft)
    return {
        "file": str(d.path),
        "source_id": d.source_id,
        "source_in_ledger": d.source_known,
        "made_at": d.made_at.isoformat() if d.made_at else None,
        "sentences": d.extraction.sentences,
        "candidates": [
            {
                "quote": c.quote,
                "confidence": c.confidence,
                "reasons": list(c.reasons),
                "check": list(c.uncertain),
                "speaker": {
                    "name": c.speaker.name,
                    "role": c.speaker.role,
                    "confidence": c.speaker.confidence,
                    "basis": c.speaker.basis,
                },
                "hedge": {
                    "words": c.hedge_words,
                    "scale_phrase": c.reading.hedge.entry.phrase,
                    "p": c.reading.hedge.p,
                    "interval": list(c.reading.hedge.interval),
                    "polarity": c.reading.polarity,
                    "p_event": c.reading.p_event,
                },
                "questions": [{"id": s.question, "score": s.score} for s in c.suggestions],
                "new_question": c.new_question,
                "recorded": list(c.recorded),
            }
            for c in d.extraction.candidates
        ],
    }
