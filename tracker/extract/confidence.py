"""The learned confidence of a candidate (issue 22): how likely a careful reader labels it a forecast.

The hand rules (core._confidence) give each hedged part a confidence and the reasons for it; rounds of them did
not carry over to fresh articles. This module turns what the rules saw, and a few cheap cues of the sentence, into
features, and scores them with a logistic regression trained on the labelled corpus by
``python -m tracker.extract.train_confidence`` (scikit-learn at training time only). The weights ship as
``confidence_weights.json`` beside this module; scoring is a dot product in pure Python.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.errors import InvalidData

from .hedges import Reading
from .speakers import Speaker

__all__ = [
    "WEIGHTS_FILE",
    "ConfidenceModel",
    "ConfidenceModelError",
    "features",
    "load_model",
    "reason_kind",
]

WEIGHTS_FILE = Path(__file__).with_name("confidence_weights.json")
# Bumped when the features change: weights trained on other features are refused, not misread.
FEATURES_VERSION = 2


class ConfidenceModelError(InvalidData):
    """The shipped weights cannot be used (missing, not JSON, trained on other features)."""


# Wider than core's _FUTURE_TIME and _COUNTERFACTUAL on purpose: those move the rules' confidence by fixed steps,
# where a cue here only gets the weight training gives it (a bare year, "until", a season; "would have" with no
# participle). The weights were trained on these: changing one means retraining.
_FUTURE_TIME = re.compile(
    r"\b(?:next|soon|future|upcoming|coming|forthcoming|tomorrow|later|until|by (?:the end of )?(?:19|20)\d\d|"
    r"in (?:the )?(?:short|long|medium|near) term|this (?:year|month|week|quarter|spring|summer|autumn|fall|winter)|"
    r"within (?:a|the|\d+)|(?:19|20)\d\d)\b",
    re.I,
)
_PAST_WORDS = re.compile(r"\b(?:was|were|had|did|been|[a-z]{3,}ed)\b", re.I)
_WOULD_HAVE = re.compile(r"\b(?:would|could|might|should|must)(?:\s+not)?\s+have\b", re.I)
_NUMBER = re.compile(r"\d")
_PERCENT = re.compile(r"%|\bper\s?cent\b|\bpercent\b", re.I)
_QUOTES = re.compile(r"[\"“”]")
_FIRST_PERSON = re.compile(r"\b(?:I|we|our|us|my|I['’]m|we['’]re)\b")
_IF = re.compile(r"\b(?:if|unless|provided|assuming)\b", re.I)
_SAYS = re.compile(r"\b(?:said|says|say|told|according to|added|warned|predicted|wrote)\b", re.I)
_PAST_SAID = re.compile(r"\b(?:said|told|added|warned|wrote)\b", re.I)
_ABOUT_PAST = re.compile(r"\b(?:ago|last (?:year|month|week)|yesterday|previously|earlier this)\b", re.I)


def reason_kind(reason: str) -> str:
    """A reason's kind, without what it quotes: "a counterfactual ('would have ...'): about the past" and the
    same reason for another sentence share one."""
    bare = re.sub(r"\([^)]*\)|'[^']*'|\"[^\"]*\"", " ", reason)
    words = re.findall(r"[a-z]+", bare.lower())
    return "_".join(words[:6])


def features(
    sentence: str,
    reading: Reading,
    confidence: float,
    reasons: Sequence[str],
    *,
    role: str,
    rules_keep: bool,
    position: float,
    paragraph: int,
    speaker: Speaker,
) -> dict[str, float]:
    """The cues of one hedged part: what the rules saw (their confidence, each reason's kind, whether they keep
    it and as which part of the sentence; the kind of speaker they give it and how sure they are of it), the hedge,
    and plain cues of tense, quotation, number and length."""
    hedge = reading.hedge
    clause = sentence[reading.clause[0] : reading.clause[1]]
    words = len(sentence.split())
    f: dict[str, float] = {
        "rule_confidence": confidence,
        "rules_keep": float(rules_keep),
        f"role={role}": 1.0,
        f"strength={hedge.strength}": 1.0,
        f"phrase={hedge.entry.phrase}": 1.0,
        "stated": float(hedge.via == "stated"),
        "flip": float(hedge.flip),
        "hedge_p_extremity": abs(hedge.p - 0.5) * 2,
        "hedge_tokens": min(hedge.tokens, 4) / 4,
        "hedges_in_part": min(len(reading.others), 3) / 3,
        "negations": float(len(reading.negations) % 2),
        "conditional": float(reading.conditional),
        "future_time": float(_FUTURE_TIME.search(sentence) is not None),
        "future_time_in_clause": float(_FUTURE_TIME.search(clause) is not None),
        "past_words": min(len(_PAST_WORDS.findall(clause)), 4) / 4,
        "would_have": float(_WOULD_HAVE.search(sentence) is not None),
        "number": float(_NUMBER.search(sentence) is not None),
        "percent": float(_PERCENT.search(sentence) is not None),
        "quotation": float(_QUOTES.search(sentence) is not None),
        "first_person": float(_FIRST_PERSON.search(sentence) is not None),
        "if": float(_IF.search(sentence) is not None),
        "says": float(_SAYS.search(sentence) is not None),
        "past_said": float(_PAST_SAID.search(sentence) is not None),
        "about_past": float(_ABOUT_PAST.search(sentence) is not None),
        "log_words": math.log1p(words) / 5,
        "clause_share": len(clause) / max(1, len(sentence)),
        "position": position,
        "first_paragraph": float(paragraph == 0),
        "hedge_at": hedge.start / max(1, len(sentence)),
        # The author's own hedges are labelled less often than a quoted source's (leave-one-file-out, pooled F1
        # 0.850 without the speaker's kind, 0.857 with it: docs/extract.md).
        f"speaker={speaker.kind}": 1.0,
        "speaker_confidence": speaker.confidence,
    }
    for reason in reasons[1:]:  # the first names the hedge, read above
        f[f"reason={reason_kind(reason)}"] = 1.0
    return f


@dataclass(frozen=True)
class ConfidenceModel:
    """A logistic regression over named features: P(forecast) = sigmoid(bias + sum(weight * value)). ``means``
    are the training set's feature means, so that a feature's contribution is told against a typical candidate.
    ``cut`` is the default drop cut-off, chosen by leave-one-corpus-file-out cross-validation."""

    weights: Mapping[str, float]
    means: Mapping[str, float]
    bias: float
    cut: float

    def score(self, feats: Mapping[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in feats.items())
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def contributions(self, feats: Mapping[str, float], n: int = 3) -> list[str]:
        """The ``n`` features that moved this candidate's score most from a typical one's, signed (log-odds)."""
        names = set(feats) | {k for k in self.means if k in self.weights}
        moves = [(self.weights.get(k, 0.0) * (feats.get(k, 0.0) - self.means.get(k, 0.0)), k) for k in names]
        moves = [m for m in moves if abs(m[0]) >= 0.05]
        moves.sort(key=lambda m: (-abs(m[0]), m[1]))
        return [f"{k} {d:+.2f}" for d, k in moves[:n]]


def model_from_dict(data: Any, where: str) -> ConfidenceModel:
    """The model a weights document holds; ConfidenceModelError naming ``where`` and what is wrong otherwise."""
    if not isinstance(data, dict):
        raise ConfidenceModelError(f"{where}: not a weights document (a JSON object)")
    if data.get("features_version") != FEATURES_VERSION:
        raise ConfidenceModelError(
            f"{where}: features_version {data.get('features_version')!r}, this code computes {FEATURES_VERSION}: "
            "retrain (python -m tracker.extract.train_confidence)"
        )
    try:
        weights = {str(k): float(v) for k, v in data["weights"].items()}
        means = {str(k): float(v) for k, v in data["means"].items()}
        bias, cut = float(data["bias"]), float(data["cut"])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ConfidenceModelError(f"{where}: weights, means, bias or cut missing or not numbers ({e})") from None
    if not all(math.isfinite(x) for x in (bias, cut, *weights.values(), *means.values())) or not 0.0 <= cut <= 1.0:
        raise ConfidenceModelError(f"{where}: a weight that is not a finite number, or a cut outside 0..1")
    return ConfidenceModel(weights, means, bias, cut)


_LOADED: dict[Path, ConfidenceModel] = {}


def load_model(path: Path | None = None) -> ConfidenceModel:
    """The shipped weights (read once), or those at ``path``. A missing or corrupt file is one error naming it;
    the rules alone (``rules_only``) need no weights."""
    path = path or WEIGHTS_FILE
    if path in _LOADED:
        return _LOADED[path]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfidenceModelError(
            f"{path}: the learned confidence's weights are missing (the rules alone: --rules-only)"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ConfidenceModelError(f"{path}: the learned confidence's weights cannot be read ({e})") from None
    model = model_from_dict(data, str(path))
    _LOADED[path] = model
    return model
