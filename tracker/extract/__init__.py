"""From an article to candidate forecasts (`tracker extract`): sentences and clauses, hedges read on the
verbal scale with their polarity, speakers, and the ledger's questions ranked by TF-IDF similarity.

Pure text processing: imports only tracker.domain and tracker.errors. The app layer reads the file and the
ledger and writes the draft; this package never touches the ledger.
"""

from __future__ import annotations

from .core import DEFAULT_MIN_CONFIDENCE, Candidate, Extraction, Recorded, extract, quote_matches
from .hedges import Hedge, HedgeFinder, Reading
from .questions import QuestionDoc, Suggestion
from .reading import MAX_ARTICLE_BYTES, decode_article, read_article
from .speakers import Speaker

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "MAX_ARTICLE_BYTES",
    "Candidate",
    "Extraction",
    "Hedge",
    "HedgeFinder",
    "QuestionDoc",
    "Reading",
    "Recorded",
    "Speaker",
    "Suggestion",
    "decode_article",
    "extract",
    "quote_matches",
    "read_article",
]
