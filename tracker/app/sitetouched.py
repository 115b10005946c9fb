"""Which files of the site the events after a build can change, named from those events and the scoring runs after
the build's run alone, without reading the tables the pages are made from.

A rebuild today reads every table and a digest of every page's context before it can tell which pages to render
(`tracker.app.site.SiteBuilder.render`); at a million events that reading is most of its time. `touched` is the
part of a cheaper rebuild that bounds the work: the question, forecaster and source pages of the new events, the
top-level pages (index, leaderboard, lists, integrity, search: their counts and the head move with any event), and
the tag and outlet leaderboards when their chips' counts can move. It answers None, for the full path, whenever
the events are of a kind whose pages it cannot bound (see `BOUNDED`) or a new scoring run changed any score.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tracker.app import templating as t
from tracker.domain import events as ev

if TYPE_CHECKING:
    from tracker.app.ledger import Ledger
    from tracker.read.snapshot import Snapshot

# The events whose pages are named here. The others are left to the full path:
# - QuestionClarified: a new title is shown beside every forecast on the question, on each forecaster's and
#   source's page, which only the forecasts table can name;
# - QuestionResolved, ResolutionCorrected, QuestionAnnulled, QuestionReopened: they move the status, outcome and
#   scores of every forecast on the question (all of its forecasters' and sources' pages) and the leaderboards;
# - ForecastWithdrawn, ForecastRescaled: the event names the forecast, not its forecaster or source;
# - a type this code does not know.
BOUNDED = frozenset({ev.FORECAST_RECORDED, ev.QUESTION_OPENED, ev.SOURCE_REGISTERED})
# what a scoring run records of what it changed (`tracker.scoring.job`): any of them moves a leaderboard, and with
# it the rank on every forecaster's page, so a run with one of them non-zero is left to the full path
SCORE_CHANGES = ("scores_added", "scores_removed", "scores_changed", "forecasters_changed")


@dataclass(frozen=True)
class Touched:
    """The subjects of the new events; `covers` says whether a file of the site may change with them."""

    questions: frozenset[str]
    forecasters: frozenset[str]
    sources: frozenset[str]
    filters: bool  # the tag and outlet leaderboards (their chips carry counts of questions and forecasts)

    def covers(self, rel: str) -> bool:
        folder, _, name = rel.rpartition("/")
        if not folder:
            return True  # index, leaderboard, lists, integrity, search, scripts: counts and the head move
        if folder in ("tags", "outlets"):
            return self.filters
        names = self.file_names.get(folder)
        if names is None:
            return True  # proofs, checkpoints: not bounded here
        # a subject's first page is <file id>.html, the next ones <file id>~p<n>.html (a file id never holds
        # "~p": each "~" in it is followed by two hex digits)
        return name.removesuffix(".html").split("~p", 1)[0] in names

    @cached_property
    def file_names(self) -> dict[str, frozenset[str]]:
        """The subjects' file ids by folder, made once (a rebuild asks `covers` of every file of the site)."""
        return {
            folder: frozenset(t.file_id(i) for i in ids)
            for folder, ids in (
                ("questions", self.questions),
                ("forecasters", self.forecasters),
                ("sources", self.sources),
            )
        }


def touched(ledger: Ledger, snap: Snapshot, since: int, since_run: int | None) -> Touched | None:
    """What the events after position ``since`` and the scoring runs after ``since_run`` (the head and run of the
    build in the folder) can change in the site of ``snap``; None when the full path must decide. Reads those
    events and the runs, nothing else. A point in the past (``as_of`` or a pinned run) is left to the full path."""
    if snap.as_of is not None or snap.pinned_run or since < 0 or since > snap.head_position:
        return None
    questions: set[str] = set()
    forecasters: set[str] = set()
    sources: set[str] = set()
    filters = False
    names = ["position", "stream_id", "event_type", "payload"]
    for chunk in ledger.table(snap, "events", after=since).narrow(names).chunks():
        for _pos, stream, etype, payload in chunk[names].itertuples(index=False, name=None):
            if etype not in BOUNDED:
                return None
            qid, sid = ev.stream_question(str(stream)), ev.stream_source(str(stream))
            if qid is not None:
                questions.add(qid)
            if sid is not None:
                sources.add(sid)
            if etype == ev.QUESTION_OPENED:
                filters = True  # the tag counts on every filter's chips
            elif etype == ev.FORECAST_RECORDED:
                data = json.loads(payload) if isinstance(payload, str) else payload
                if not isinstance(data, dict) or not data.get("forecaster_id"):
                    return None
                forecasters.add(str(data["forecaster_id"]))
                if data.get("source_id") is not None:
                    sources.add(str(data["source_id"]))
                    filters = True  # the outlet's count of forecasts on every filter's chips
    if not scores_unchanged(ledger, snap, since_run):
        return None
    return Touched(frozenset(questions), frozenset(forecasters), frozenset(sources), filters)


def scores_unchanged(ledger: Ledger, snap: Snapshot, since_run: int | None) -> bool:
    """Whether every successful scoring run after ``since_run`` recorded that it changed no score."""
    current = snap.run.run_id if snap.run is not None else None
    if current == since_run:
        return True
    if current is None or (since_run is not None and current < since_run):
        return False  # runs gone or not comparable: the full path
    for run in ledger.table(snap, "runs", status="ok").rows():
        if since_run is not None and int(run["run_id"]) <= since_run:
            continue
        changed = changed_of(run.get("changed"))
        if changed is None or any(int(changed.get(k) or 0) for k in SCORE_CHANGES):
            return False
    return True


def changed_of(text: Any) -> dict[str, Any] | None:
    """A run's record of what it changed, or None when it has none to read."""
    try:
        data = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return None
    return data if isinstance(data, dict) and all(k in data for k in SCORE_CHANGES) else None
