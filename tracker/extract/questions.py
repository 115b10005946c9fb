"""Suggest the ledger's questions a candidate forecast may bear on: TF-IDF cosine similarity between the
candidate's sentence and each question's title (counted twice) and criteria.
scikit-learn is imported only when there is something to rank."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .hedges import Hedge

__all__ = ["NEW_QUESTION_BELOW", "NEW_QUESTION_TEMPLATE", "QuestionDoc", "Suggestion", "statement", "suggest"]

# A drafted new question: the reviewer writes the event and the date (README, "Adding an article").
NEW_QUESTION_TEMPLATE = "Will <event> by <date>?"
# Below this cosine similarity nothing fits: no existing question is proposed, a new one is drafted. Tuned on
# the development corpus's tune half (`python -m tracker.extract.evaluate --questions`: each labelled event a
# question; 0.35 gives the best mean of "right when the question exists" 0.48 and "right when it does not"
# 0.71; the old 0.12 was right 0.69 and 0.08: it almost never drafted a new question).
NEW_QUESTION_BELOW = 0.35


@dataclass(frozen=True)
class QuestionDoc:
    id: str
    title: str
    criteria: str = ""


@dataclass(frozen=True)
class Suggestion:
    question: str | None  # None for a new question
    title: str
    score: float

    @property
    def new(self) -> bool:
        return self.question is None


_SUFFIX = re.compile(r"(?:ing|ed|s)$")
# "U.S." and "US" are a country, not the pronoun "us" (a stop word).
_US = re.compile(r"\bU\.S\.(?:A\.)?|\bUS\b|\bUSA\b")
# Words are cut to this many letters: a crude stemmer that makes "Venezuela"/"Venezuelan",
# "intervene"/"intervention" and "sanction"/"sanctions" one term.
_PREFIX = 6


def _analyzer() -> Callable[[str], list[str]]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    def words(text: str) -> list[str]:
        out = []
        for w in re.findall(r"[a-z0-9]+", _US.sub(" usa ", text).lower()):
            if w in ENGLISH_STOP_WORDS or len(w) < 2:
                continue
            if len(w) > 4:
                w = _SUFFIX.sub("", w)
            out.append(w[:_PREFIX])
        return out

    return words


def suggest(queries: Sequence[str], questions: Sequence[QuestionDoc], k: int = 3) -> list[list[Suggestion]]:
    """For each sentence, the ``k`` best questions with their scores, best first."""
    if not queries:
        return []
    if not questions:
        return [[] for _ in queries]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    docs = [f"{q.title} {q.title} {q.criteria}" for q in questions]
    texts = list(queries)
    vectorizer = TfidfVectorizer(analyzer=_analyzer(), sublinear_tf=True)
    vectorizer.fit(docs + texts)
    sims = cosine_similarity(vectorizer.transform(texts), vectorizer.transform(docs))
    out: list[list[Suggestion]] = []
    for row in sims:
        order = sorted(range(len(questions)), key=lambda i: (-row[i], questions[i].id))[:k]
        out.append([Suggestion(questions[i].id, questions[i].title, round(float(row[i]), 3)) for i in order])
    return out


def statement(sentence: str, clause: tuple[int, int], hedge: Hedge) -> str:
    """The statement a hedge bears on: what follows "believe that", "it is possible that", "unclear whether";
    otherwise the hedged clause with the hedge's own words taken out (the words a gapped phrase spans stay:
    "the risk [of X] is low" bears on "of X")."""
    after = sentence[hedge.end : clause[1]]
    if re.match(r"\s*(?:that|whether|if)\b", after, re.I) or re.search(r"\b(?:that|whether|if)$", hedge.words, re.I):
        text = re.sub(r"^\s*(?:that|whether|if)\b", "", after, flags=re.I)
    else:
        inside = " ".join(sentence[a:b] for a, b in hedge.gaps)
        text = f"{sentence[clause[0] : hedge.start]} {inside} {after}"
    return " ".join(text.split())
