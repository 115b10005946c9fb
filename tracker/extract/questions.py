"""Suggest the ledger's questions a candidate forecast may bear on: TF-IDF cosine similarity between the
candidate (its sentence, and its paragraph with less weight) and each question's title and criteria.
scikit-learn is imported only when there is something to rank."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["NEW_QUESTION_BELOW", "QuestionDoc", "Suggestion", "draft_title", "suggest"]

# Below this cosine similarity nothing fits, and a new question is proposed as well. Chosen on the seeds
# (docs/extract.md): a right question scored 0.15 and up there; unrelated ones mostly below 0.10.
NEW_QUESTION_BELOW = 0.12


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


_STEM = re.compile(r"(?:ing|ed|es|s|ian|an)$")


def _analyzer():  # type: ignore[no-untyped-def]
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    def words(text: str) -> list[str]:
        out = []
        for w in re.findall(r"[a-z0-9]+", text.lower()):
            if w in ENGLISH_STOP_WORDS or len(w) < 2:
                continue
            # A crude stem so that "meeting"/"meet" and "Russian"/"Russia" share a term.
            out.append(_STEM.sub("", w) if len(w) > 5 else w)
        return out

    return words


def suggest(
    queries: Sequence[tuple[str, str]], questions: Sequence[QuestionDoc], k: int = 3
) -> list[list[Suggestion]]:
    """For each ``(sentence, context)``, the ``k`` best questions with their scores, best first."""
    if not queries:
        return []
    if not questions:
        return [[] for _ in queries]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    docs = [f"{q.title} {q.title} {q.criteria}" for q in questions]
    texts = [f"{s} {s} {c}" for s, c in queries]
    vectorizer = TfidfVectorizer(analyzer=_analyzer(), sublinear_tf=True)
    vectorizer.fit(docs + texts)
    sims = cosine_similarity(vectorizer.transform(texts), vectorizer.transform(docs))
    out: list[list[Suggestion]] = []
    for row in sims:
        order = sorted(range(len(questions)), key=lambda i: (-row[i], questions[i].id))[:k]
        out.append([Suggestion(questions[i].id, questions[i].title, round(float(row[i]), 3)) for i in order])
    return out


_LEADERS = re.compile(
    r"^(?:(?:and|but|so|therefore|thus|indeed|however|besides|plus|moreover|of course|by the way|true|"
    r"in general|in addition|at the same time|for example|similarly|overall|now|then|still)\b[,\s]*)+",
    re.I,
)


def draft_title(clause: str, hedge_words: str) -> str:
    """A new question's title drafted from the hedged clause: the hedge taken out, made a question."""
    text = " ".join(clause.split())
    for part in re.split(r"\s*\.\.\.\s*|…", hedge_words):
        if part and part in text:
            text = text.replace(part, " ", 1)
    text = re.sub(r"\b(?:will|would|shall|to)\s+(?=\s*$)", "", text)
    text = re.sub(r"^\W+|[\s.,;:!?”\"’]+$", "", " ".join(text.split()))
    text = _LEADERS.sub("", text).strip(" ,")
    text = re.sub(r"^(?:that|whether|if)\s+", "", text, flags=re.I)
    if not text:
        return "(draft a question)"
    words = text.split()
    if len(words) > 22:
        text = " ".join(words[:22]) + " …"
    return f"Will {text[0].lower() + text[1:] if not text[:2].isupper() else text}?"
