"""A seeded generator of realistic synthetic ledgers, for the benchmarks.

The shapes follow what the tracker holds: questions with 1 to 20 forecasters (most have a few, some many),
each forecaster updating a forecast a few times as the question runs, about 80% of questions resolved, a few
corrected, annulled, clarified or reopened, a few forecasts withdrawn, about 10% multiple-choice questions and
about 5% verbal forecasts ("likely", with the scale's interval). Forecasts cite sources registered earlier.

Every event is made by the domain's own `decide` from a command, so every event is one the tracker would accept,
and the same seed gives the same ledger (event ids are name-based, as an import's are).

    ds = generate(100_000, seed=7)
    ds.batches      # [(stream_id, [Event, ...], expected_version)], sources first, then one batch per question
    ds.n_events     # >= the number asked for (the last question is completed)
    ds.extra_forecasts(k)   # k RecordForecast commands on open questions, for the one-append-per-transaction case
    ds.frames(n)    # the scoring input frames (forecasts, questions) of the first n forecasts, built without a DB
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tracker.domain import commands as c
from tracker.domain import events as ev
from tracker.domain.decide import decide, decide_source
from tracker.domain.state import QuestionState, SourceState, evolve_question
from tracker.domain.verbal import derive, load_scale
from tracker.store.ids import catalog_event_id

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
FIRST_DAY = date(2018, 1, 1)
LAST_DAY = date(2025, 12, 1)

TOPICS = ("election", "economy", "climate", "sport", "technology", "health", "war", "markets", "science", "law")
# Phrases of the published verbal scale v1, with the number and interval it gives them (as `tracker forecast
# --says` records them: `tracker verify` holds every verbal forecast to its scale's content).
VERBAL = tuple(
    (phrase, *derive(load_scale(1).lookup(phrase), "affirms"))
    for phrase in ("almost certain", "likely", "roughly even chance", "unlikely", "almost certainly not")
)
FIRST_NAMES = ("Ann", "Bob", "Carla", "Dev", "Eva", "Farid", "Greta", "Hiro", "Ines", "Jon", "Kemal", "Lena")
LAST_NAMES = ("Adler", "Baptiste", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova", "Jones")


@dataclass
class QuestionMeta:
    question_id: str
    kind: str
    options: tuple[str, ...]
    status: str = "open"
    outcome: str | None = None
    known_on: date | None = None


@dataclass
class ForecastMeta:
    forecast_id: str
    question_id: str
    forecaster_id: str
    made_at: date
    probabilities: dict[str, float]
    p_low: float | None
    p_high: float | None
    source_id: str | None
    withdrawn: bool = False


@dataclass
class Dataset:
    seed: int
    batches: list[tuple[str, list[ev.Event], int]] = field(default_factory=list)
    questions: list[QuestionMeta] = field(default_factory=list)
    forecasts: list[ForecastMeta] = field(default_factory=list)
    forecasters: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    sources: list[str] = field(default_factory=list)
    states: dict[str, QuestionState] = field(default_factory=dict)  # final state of each question stream

    @property
    def n_events(self) -> int:
        return sum(len(evs) for _, evs, _ in self.batches)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for _, evs, _ in self.batches:
            for e in evs:
                out[e.type] = out.get(e.type, 0) + 1
        return out

    def extra_forecasts(self, k: int, seed: int = 0) -> list[c.RecordForecast]:
        """k new binary forecasts on open binary questions (ids not in the dataset), in a fixed order."""
        rng = random.Random(self.seed * 1_000_003 + seed)
        open_binary = [q for q in self.questions if q.status == "open" and q.kind == "binary"]
        out = []
        for i in range(k):
            q = open_binary[rng.randrange(len(open_binary))]
            fid, name = self.forecasters[rng.randrange(len(self.forecasters))]
            p = round(rng.uniform(0.02, 0.98), 2)
            out.append(
                c.RecordForecast(
                    question_id=q.question_id,
                    forecast_id=f"x{seed}-{i}",
                    forecaster=name,
                    forecaster_id=fid,
                    probabilities={"yes": p, "no": 1.0 - p},
                    made_at=LAST_DAY,
                    now=NOW,
                    quote=f"I'd put it at {round(p * 100)} percent.",
                )
            )
        return out

    def frames(self, n_forecasts: int | None = None) -> tuple[Any, Any]:
        """(forecasts, questions) frames as `tracker.scoring.job.load_forecasts/load_questions` give them."""
        import numpy as np
        import pandas as pd

        fs = self.forecasts if n_forecasts is None else self.forecasts[:n_forecasts]
        qids = {f.question_id for f in fs}
        qs = [q for q in self.questions if q.question_id in qids]
        questions = pd.DataFrame(
            {
                "question_id": [q.question_id for q in qs],
                "kind": [q.kind for q in qs],
                "options": [list(q.options) for q in qs],
                "status": [q.status for q in qs],
                "outcome": [q.outcome for q in qs],
                "known_on": [q.known_on for q in qs],
            }
        )
        binary = [set(f.probabilities) == {"yes", "no"} for f in fs]
        forecasts = pd.DataFrame(
            {
                "forecast_id": [f.forecast_id for f in fs],
                "question_id": [f.question_id for f in fs],
                "forecaster_id": [f.forecaster_id for f in fs],
                "made_at": [f.made_at for f in fs],
                "withdrawn": np.array([f.withdrawn for f in fs], dtype=bool),
                "p_yes": np.array(
                    [f.probabilities["yes"] if b else math.nan for f, b in zip(fs, binary, strict=True)],
                    dtype="float64",
                ),
                "p_low": np.array([math.nan if f.p_low is None else f.p_low for f in fs], dtype="float64"),
                "p_high": np.array([math.nan if f.p_high is None else f.p_high for f in fs], dtype="float64"),
                "probabilities": [None if b else f.probabilities for f, b in zip(fs, binary, strict=True)],
                "source_id": [f.source_id for f in fs],
                "position": np.arange(1, len(fs) + 1, dtype=np.int64),
            }
        )
        return forecasts, questions


def _day(rng: random.Random, lo: date, hi: date) -> date:
    span = (hi - lo).days
    return lo + timedelta(days=rng.randint(0, max(span, 0)))


def _distribution(rng: random.Random, options: tuple[str, ...], lean: int) -> dict[str, float]:
    """A multiple-choice distribution in whole percent (sums to exactly 1 as floats of hundredths)."""
    weights = [rng.random() + (2.0 if i == lean else 0.0) for i in range(len(options))]
    total = sum(weights)
    cents = [int(100 * w / total) for w in weights]
    cents[lean] += 100 - sum(cents)
    return {o: ct / 100 for o, ct in zip(options, cents, strict=True)}


class _Gen:
    def __init__(self, seed: int, n_target: int, count: str) -> None:
        self.rng = random.Random(seed)
        self.ds = Dataset(seed=seed)
        self.n_target = n_target
        self.count = count
        scale = max(n_target, 1000)
        n_forecasters = max(30, scale // 500)
        for i in range(n_forecasters):
            name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)} {i}"
            self.ds.forecasters.append((f"{name.lower().replace(' ', '-')}", name))
        # Zipf-like popularity: a few pundits appear everywhere, most rarely
        weights = [1.0 / (i + 1) ** 0.8 for i in range(n_forecasters)]
        self.cum_popularity = list(itertools.accumulate(weights))
        self.forecaster_range = range(n_forecasters)
        self.n_events = 0
        self.n_sources = 0

    # ---- sources --------------------------------------------------------------------------------------------
    def source(self, published: date) -> str:
        rng = self.rng
        sid = f"src-{self.n_sources:07d}"
        self.n_sources += 1
        outlet = rng.choice(("The Daily Ledger", "Politico", "The Economist", "Le Monde", "Die Zeit", "Substack"))
        cmd = c.RegisterSource(
            source_id=sid,
            title=f"{rng.choice(TOPICS).title()} outlook: what comes next ({sid})",
            now=NOW,
            outlet=outlet,
            authors=(f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",),
            published=published,
            date_basis="byline",
            url=f"https://example.org/{sid}",
            notes=None,
            event_id=catalog_event_id("source", sid),
        )
        events = decide_source(SourceState(source_id=sid), cmd)
        self.ds.batches.append((ev.source_stream(sid), events, 0))
        self.ds.sources.append(sid)
        self.n_events += len(events)
        return sid

    # ---- one question's whole life ----------------------------------------------------------------------------
    def question(self, qn: int) -> None:
        rng = self.rng
        qid = f"q-{qn:07d}"
        multiple = rng.random() < 0.10
        options: tuple[str, ...] = ("yes", "no")
        if multiple:
            options = tuple(f"opt-{i}" for i in range(rng.randint(3, 5)))
        opened = _day(rng, FIRST_DAY, LAST_DAY - timedelta(days=60))
        resolve_by = opened + timedelta(days=rng.randint(30, 720))
        topic = rng.choice(TOPICS)
        state = QuestionState(question_id=qid)
        events: list[ev.Event] = []
        meta = QuestionMeta(qid, "multiple_choice" if multiple else "binary", options)

        def run(cmd: Any) -> None:
            nonlocal state
            for e in decide(state, cmd):
                state = evolve_question(state, e.type, e.data)
                events.append(e)

        run(
            c.OpenQuestion(
                qid,
                f"Will the {topic} question number {qn} resolve YES by {resolve_by.isoformat()}?",
                f"Resolves YES if the {topic} event happens before {resolve_by.isoformat()}, as reported by two "
                "major outlets; otherwise NO.",
                NOW,
                "multiple_choice" if multiple else "binary",
                options if multiple else (),
                resolve_by,
                opened,
                (topic, rng.choice(TOPICS)) if rng.random() < 0.5 else (topic,),
                None,
                catalog_event_id("question", qid, "opened"),
            )
        )
        resolves = rng.random() < 0.80
        end = min(resolve_by, LAST_DAY) if resolves else LAST_DAY
        known_on = _day(rng, opened + timedelta(days=10), end) if resolves else None
        last_forecast_day = (known_on - timedelta(days=1)) if known_on else LAST_DAY
        truth = rng.randrange(len(options))
        # forecasters: 1..20, skewed to few
        n_f = min(20, 1 + int(19 * rng.random() ** 2.5))
        chosen = set()
        while len(chosen) < n_f:
            chosen.add(rng.choices(self.forecaster_range, cum_weights=self.cum_popularity)[0])
        planned: list[tuple[date, int, int]] = []  # (made_at, forecaster index, update number)
        for fi in sorted(chosen):
            n_updates = 1
            while n_updates < 6 and rng.random() < 0.4:
                n_updates += 1
            days = sorted(_day(rng, opened, last_forecast_day) for _ in range(n_updates))
            planned.extend((d, fi, k) for k, d in enumerate(days))
        planned.sort()
        recorded: list[str] = []
        for made_at, fi, k in planned:
            fid_, name = self.ds.forecasters[fi]
            forecast_id = f"{qid}-{fi}-{k}"
            source_id = None
            if rng.random() < 0.7:
                if not self.ds.sources or rng.random() < 0.08:
                    source_id = self.source(made_at)
                else:
                    source_id = self.ds.sources[rng.randrange(max(0, len(self.ds.sources) - 200), len(self.ds.sources))]
            derivation: dict[str, Any] = {"method": "stated"}
            p_low = p_high = None
            skill = 0.15 + 0.25 * rng.random()
            if multiple:
                lean = truth if rng.random() < 0.5 + skill else rng.randrange(len(options))
                probs = _distribution(rng, options, lean)
                quote = f"My odds: {', '.join(f'{o} {round(p * 100)}%' for o, p in probs.items())}."
            elif rng.random() < 0.05:
                phrase, p, p_low, p_high = VERBAL[rng.randrange(len(VERBAL))]
                derivation = {
                    "method": "verbal",
                    "phrase": phrase,
                    "scale_version": 1,
                    "scale_digest": load_scale(1).digest,
                    "reading": "affirms",
                    "p_low": p_low,
                    "p_high": p_high,
                }
                probs = {"yes": p, "no": 1.0 - p}
                quote = f"It is {phrase} that this happens."
            else:
                target = 1.0 if truth == 0 else 0.0
                p = min(0.99, max(0.01, round(rng.gauss(0.5 + (target - 0.5) * skill * 2, 0.2), 2)))
                probs = {"yes": p, "no": 1.0 - p}
                quote = f"I'd put it at about {round(p * 100)} percent."
            run(
                c.RecordForecast(
                    question_id=qid,
                    forecast_id=forecast_id,
                    forecaster=name,
                    forecaster_id=fid_,
                    probabilities=probs,
                    made_at=made_at,
                    now=NOW,
                    role=rng.choice((None, "columnist", "economist", "politician", "analyst")),
                    source_id=source_id,
                    quote=quote,
                    hedge="unless something changes" if rng.random() < 0.1 else None,
                    quote_verified=None,
                    derivation=derivation,
                    event_id=catalog_event_id("forecast", forecast_id),
                )
            )
            recorded.append(forecast_id)
            self.ds.forecasts.append(ForecastMeta(forecast_id, qid, fid_, made_at, probs, p_low, p_high, source_id))
            if rng.random() < 0.02:
                run(c.WithdrawForecast(qid, forecast_id, "misattributed quote", NOW))
                self.ds.forecasts[-1].withdrawn = True
        if rng.random() < 0.03:
            run(c.ClarifyQuestion(qid, "sharper wording", NOW, criteria="Resolves YES on the official figure."))
        if resolves:
            if rng.random() < 0.025:
                run(c.AnnulQuestion(qid, "the premise turned out false", NOW, known_on))
                meta.status = "annulled"
            else:
                run(c.ResolveQuestion(qid, options[truth], known_on, NOW, "https://example.org/evidence"))
                meta.status, meta.outcome, meta.known_on = "resolved", options[truth], known_on
                if rng.random() < 0.03:
                    truth = (truth + 1) % len(options)
                    run(c.CorrectResolution(qid, options[truth], known_on, "misread the report", NOW))
                    meta.outcome = options[truth]
                elif rng.random() < 0.01:
                    run(c.ReopenQuestion(qid, "the result was overturned", NOW))
                    meta.status, meta.outcome, meta.known_on = "open", None, None
        elif rng.random() < 0.01:
            run(c.AnnulQuestion(qid, "the question was ill-posed", NOW))
            meta.status = "annulled"
        self.ds.batches.append((ev.question_stream(qid), events, 0))
        self.ds.questions.append(meta)
        self.ds.states[qid] = state
        self.n_events += len(events)

    def done(self) -> bool:
        have = self.n_events if self.count == "events" else len(self.ds.forecasts)
        return have >= self.n_target


def generate(n: int, seed: int = 7, count: str = "events") -> Dataset:
    """A ledger of at least `n` events (count="events") or at least `n` forecasts (count="forecasts")."""
    if count not in ("events", "forecasts"):
        raise ValueError("count is 'events' or 'forecasts'")
    g = _Gen(seed, n, count)
    qn = 0
    while not g.done():
        g.question(qn)
        qn += 1
    # sources register before the forecasts citing them: put the source streams first
    g.ds.batches.sort(key=lambda b: 0 if b[0].startswith("source-") else 1)
    return g.ds


if __name__ == "__main__":  # a quick look: python benchmarks/generator.py 10000
    import sys
    import time

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    t = time.perf_counter()
    ds = generate(n)
    took = time.perf_counter() - t
    print(f"{ds.n_events} events, {len(ds.questions)} questions, {len(ds.forecasts)} forecasts in {took:.1f}s")
    for k, v in sorted(ds.counts().items()):
        print(f"  {k:22} {v}")
