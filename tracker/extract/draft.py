"""A draft forecasts file (the ``predictions/forecasts/`` format) from the candidates of one article.

Every entry carries a ``draft:`` mark with the extractor's confidence, its reasons and what a person must
check; `tracker import` refuses an entry while the mark is there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import yaml

from tracker.domain.fields import slug
from tracker.visible import unsafe, visible

from .core import Candidate, Extraction
from .segment import wordset

__all__ = ["DRAFT_KEY", "draft_document", "draft_yaml", "entry_id"]

DRAFT_KEY = "draft"
_STOP = wordset(
    """the a an of to in on at for by and or but that this these those is are was were be been will would shall
    may might can could it its their his her they he she we i you not no there which who what as with from
    than then so also very just only"""
)


def entry_id(candidate: Candidate, taken: set[str]) -> str:
    """A readable id: the speaker's last name and a few words of the hedged clause, unique in the draft."""
    who = candidate.speaker.name.split()[-1] if candidate.speaker.kind != "author" else "author"
    words = [w for w in re.findall(r"[A-Za-z0-9]+", candidate.statement.lower()) if w not in _STOP][:5]
    base = slug(" ".join([who, *words]))[:80].strip("-") or f"candidate-{candidate.index + 1}"
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    taken.add(ident)
    return ident


def _forecaster(candidate: Candidate, source_id: str | None) -> str:
    if candidate.speaker.kind == "author" and candidate.speaker.name == "the author":
        return f"Unnamed author ({source_id})" if source_id else "Unnamed author"
    return candidate.speaker.name


def _entry(candidate: Candidate, ident: str, source_id: str | None, made_at: date | None) -> dict[str, Any]:
    reading = candidate.reading
    hedge = reading.hedge
    entry: dict[str, Any] = {"id": ident}
    best = candidate.suggestions[0] if candidate.suggestions else None
    if candidate.recorded_question is not None:
        entry["question"] = candidate.recorded_question
    elif candidate.new_question is not None or best is None:
        entry["question"] = "new-" + (slug(candidate.statement)[:56].strip("-") or "question")
    else:
        entry["question"] = best.question
    entry["forecaster"] = _forecaster(candidate, source_id)
    if candidate.speaker.role:
        entry["role"] = candidate.speaker.role
    entry["made_at"] = made_at.isoformat() if made_at else None
    entry["quote"] = candidate.quote
    entry["hedge"] = hedge.words
    if hedge.via == "stated":
        # A number the text states: the forecast's p is that number (of the event, negations taken out).
        entry["p"] = reading.p_event
        entry["method"] = "stated"
        entry["rationale"] = f"{hedge.words!r} states p {hedge.p} of the hedged clause" + (
            f"; negation left in the clause ({', '.join(reading.negations)}): P(event) = {reading.p_event}"
            if reading.negations
            else ""
        )
    elif hedge.flip:
        # The construction reverses the scale entry, which the format cannot say: the number is given instead.
        entry["p"] = reading.p_event
        entry["method"] = "judgement"
        entry["rationale"] = (
            f"{hedge.words!r} read as the reverse of the scale's {hedge.entry.phrase!r}: P(event) = {reading.p_event}"
        )
    else:
        entry["says"] = hedge.entry.phrase
        entry["reading"] = "affirms" if reading.polarity == "positive" else "negates"
        entry["rationale"] = f"{hedge.words!r} read as {hedge.entry.phrase!r} (p {hedge.p} of the hedged clause)" + (
            f"; negation left in the clause ({', '.join(reading.negations)})" if reading.negations else ""
        )
    check = list(candidate.uncertain)
    if made_at is None:
        check.append("made_at: the source's publication date (unknown to the extractor)")
    mark: dict[str, Any] = {}
    if candidate.recorded:
        mark["recorded"] = list(candidate.recorded)
    mark |= {
        "confidence": candidate.confidence,
        **({"clause": candidate.clause} if candidate.clause and candidate.clause != candidate.quote else {}),
        "reasons": list(candidate.reasons),
        "check": check,
        "speaker": {
            "name": candidate.speaker.name,
            "confidence": candidate.speaker.confidence,
            "basis": candidate.speaker.basis,
        },
        "hedge": {
            "scale_phrase": hedge.entry.phrase,
            "p": hedge.p,
            "interval": list(hedge.interval),
            "polarity": reading.polarity,
            "p_event": reading.p_event,
            "interval_event": list(reading.interval_event),
        },
        "questions": [{"id": s.question, "score": s.score, "title": s.title} for s in candidate.suggestions],
    }
    if candidate.new_question is not None:
        mark["new_question"] = {"id": entry["question"], "title": candidate.new_question}
    entry[DRAFT_KEY] = mark
    return entry


def draft_document(extraction: Extraction, source_id: str | None, made_at: date | None = None) -> dict[str, Any]:
    taken: set[str] = set()
    entries = [_entry(c, entry_id(c, taken), source_id, made_at) for c in extraction.candidates]
    return {"schema": 1, "source": source_id or "new-source", "forecasts": entries}


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, except that a text holding a character a terminal acts on or that reorders what is
    shown (`tracker.visible.unsafe`: bidi overrides and isolates, C1 controls, ...) is written double-quoted with
    every such character, and every other non-ASCII one, as an escape (``\\u202e``). The text loads back the same,
    and the draft, printed or opened in an editor, shows what is there. PyYAML escapes C0 controls itself but
    writes the others as they are once ``allow_unicode`` is on; the emitter reads ``allow_unicode`` both when it
    analyses a scalar and when it writes it, and a scalar is written right after its analysis."""

    def analyze_scalar(self, scalar: str) -> Any:
        self.allow_unicode = _UNSAFE.search(scalar) is None
        return super().analyze_scalar(scalar)


_UNSAFE = unsafe("\n\t")


def draft_yaml(document: dict[str, Any], header: Sequence[str] = ()) -> str:
    lines = [
        "# Draft from `tracker extract`: candidate forecasts, NOT reviewed. For each entry, check the quote,",
        "# speaker, hedge, reading and question (draft.check lists what the extractor was unsure of); fix or",
        "# delete it; then delete its `draft:` block. `tracker import` refuses every entry that still has one.",
        "# Format: predictions/README.md. Save the file as predictions/forecasts/<source-id>.yaml.",
        *(f"# {visible(line)}" for line in header),  # a file name may hold a newline: never a line of YAML
    ]
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)
    return "\n".join(lines) + "\n" + body
