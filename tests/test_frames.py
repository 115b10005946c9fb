"""The Python API's DataFrames: documented dtypes, the CLI's filters, as_of, and agreement with the scoring
surfaces, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from review_fixtures import AWKWARD, DUE_QUESTION, OPEN_QUESTION, WITHDRAWN, copy_prefix, grow, scored_catalog, without

from tracker.app.ledger import AsOf, Ledger
from tracker.errors import UserError
from tracker.read import tables as fr
from tracker.read.snapshot import to_as_of
from tracker.read.tables import TABLES, leaderboard_spec
from tracker.scoring import compute

ALL = list(TABLES)


def frame_of(led: Ledger, table: str, **kw: object) -> pd.DataFrame:
    return getattr(led, table)(**kw)


def assert_documented(frame: pd.DataFrame, table: str) -> None:
    spec = TABLES[table]
    assert list(frame.columns) == spec.names
    for col in spec.columns:
        dtype = frame[col.name].dtype
        if col.dtype == fr.CATEGORY:
            assert isinstance(dtype, pd.CategoricalDtype), (table, col.name, dtype)
            cats = list(dtype.categories)
            assert cats == sorted(cats), (table, col.name)
        else:
            assert str(dtype) == col.dtype, (table, col.name, str(dtype), col.dtype)
    assert isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0


@pytest.fixture
def scored(ledger: Ledger) -> Ledger:
    scored_catalog(ledger)
    return ledger


def test_every_frame_has_its_documented_columns_and_dtypes(scored: Ledger) -> None:
    for table in ALL:
        frame = frame_of(scored, table)
        assert_documented(frame, table)
        if table not in ("due", "runs", "calibration"):
            assert len(frame) > 0, table


def test_empty_ledger_gives_typed_empty_frames(ledger: Ledger) -> None:
    for table in ALL:
        frame = frame_of(ledger, table)
        assert_documented(frame, table)
    assert frame_of(ledger, "calibration")["count"].sum() == 0


def test_dtypes_the_brief_names(scored: Ledger) -> None:
    f = scored.forecasts()
    assert str(f["made_at"].dtype) == "datetime64[ns, UTC]"
    assert f["made_at"].dt.tz is not None and str(f["made_at"].dt.tz) == "UTC"
    assert isinstance(f["forecaster_id"].dtype, pd.CategoricalDtype)
    assert isinstance(f["method"].dtype, pd.CategoricalDtype)
    assert f["p_yes"].dtype == np.float64
    assert str(f["quote_verified"].dtype) == "boolean"
    assert str(f["withdrawn"].dtype) == "boolean"
    assert str(scored.events()["recorded_at"].dtype) == "datetime64[ns, UTC]"
    assert isinstance(scored.questions()["status"].dtype, pd.CategoricalDtype)
    assert isinstance(scored.scores()["status"].dtype, pd.CategoricalDtype)
    # a date is midnight UTC of that day
    made = scored.forecasts(question="osaka-trump-putin-meeting-2019")["made_at"]
    assert (made.dt.hour == 0).all() and (made.dt.minute == 0).all()


def test_every_table_has_its_method_named_as_the_table(scored: Ledger) -> None:
    for table in TABLES:
        method = getattr(Ledger, table)
        assert method.__name__ == table and TABLES[table].description in (method.__doc__ or "")
    pd.testing.assert_frame_equal(
        scored.leaderboard("source", sort="n_scored"), scored.frame("leaderboard", by="source", sort="n_scored")
    )
    pd.testing.assert_frame_equal(scored.calibration(None, 5), scored.frame("calibration", bins=5))
    with pytest.raises(TypeError, match="multiple values for argument 'by'"):
        scored.leaderboard("source", by="outlet")
    with pytest.raises(TypeError, match="takes 1 positional arguments but 2 were given"):
        scored.leaderboard("source", "n_scored")
    with pytest.raises(UserError, match="nowhere"):
        scored.frame("nowhere")


def test_frames_agree_with_the_projections(scored: Ledger) -> None:
    rows = scored.rows("questions", parse_json=True)[0]
    q = scored.questions()
    assert sorted(q["question_id"]) == sorted(r["question_id"] for r in rows)
    assert q["opened_position"].is_monotonic_increasing
    by_id = {r["question_id"]: r for r in rows}
    for r in q.itertuples(index=False):
        assert r.n_forecasts == by_id[r.question_id]["n_forecasts"]
        assert bool(r.due) == by_id[r.question_id]["due"]
        assert str(r.status) == by_id[r.question_id]["status"]
    events = scored.events()
    assert events["position"].tolist() == list(range(1, scored.info()["head_position"] + 1))
    assert events["hash"].iloc[-1] == scored.info()["head_hash"]


def test_filters(scored: Ledger) -> None:
    f = scored.forecasts()
    frolov = scored.forecasts(forecaster="Vladimir Frolov")  # a name works like its id
    assert len(frolov) and set(frolov["forecaster_id"].astype(str)) == {"vladimir-frolov"}
    assert len(frolov) == (f["forecaster_id"] == "vladimir-frolov").sum()
    two = scored.forecasts(forecaster=["vladimir-frolov", "mikhail-alexandrov"])
    assert set(two["forecaster_id"].astype(str)) == {"vladimir-frolov", "mikhail-alexandrov"}
    outlet = str(f["outlet"].dropna().iloc[0])
    assert (scored.forecasts(outlet=outlet)["outlet"] == outlet).all()
    source = str(f["source_id"].dropna().iloc[0])
    assert (scored.forecasts(source=source)["source_id"] == source).all()
    tagged = scored.questions(tag="venezuela")
    assert len(tagged) and all("venezuela" in t for t in tagged["tags"])
    assert set(scored.forecasts(tag="venezuela")["question_id"]) <= set(tagged["question_id"])
    resolved = scored.forecasts(status="resolved")
    statuses = scored.questions().set_index("question_id")["status"]
    assert (statuses[resolved["question_id"]] == "resolved").all()
    due = scored.questions(status="due")
    assert due["due"].all() and len(due) == len(scored.due())
    assert set(scored.questions(forecaster="vladimir-frolov")["question_id"]) == set(frolov["question_id"])
    hindsight = scored.scores(status="hindsight")
    assert len(hindsight) >= 1 and (hindsight["status"] == "hindsight").all()
    assert (scored.scores(forecaster="vladimir-frolov")["forecaster_id"] == "vladimir-frolov").all()
    assert (scored.question_scores(tag="venezuela")["question_id"].isin(tagged["question_id"])).all()
    assert set(scored.events(type="QuestionOpened")["event_type"].astype(str)) == {"QuestionOpened"}
    assert set(scored.events(question=OPEN_QUESTION)["stream_id"]) == {f"question-{OPEN_QUESTION}"}
    assert len(scored.resolutions(question="osaka-trump-putin-meeting-2019")) == 1


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda led: led.forecasts(status="maybe"), "status"),
        (lambda led: led.scores(status="open"), "status"),
        (lambda led: led.runs(status="done"), "status"),
        (lambda led: led.events(type="Nope"), "type"),
        (lambda led: led.leaderboard(by="planet"), "by"),
        (lambda led: led.leaderboard(sort="height"), "sort"),
        (lambda led: led.leaderboard(run=0), "run"),
        (lambda led: led.leaderboard(run=99), "run"),
        (lambda led: led.calibration(bins=0), "bins"),
        (lambda led: led.forecasts(as_of="last tuesday"), "as_of"),
        (lambda led: led.forecasts(as_of=-1), "as_of"),
    ],
)
def test_bad_arguments_are_user_errors(scored: Ledger, call, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError) as err:
        call(scored)
    assert err.value.field == field


def test_chunked_reads_equal_one_read(scored: Ledger) -> None:
    for table in ("events", "forecasts", "scores", "question_scores", "questions", "resolutions"):
        with scored.snapshot() as snap:
            reader = scored.table(snap, table)
            whole = reader.frame()
            parts = list(reader.chunks(size=7))
        assert len(whole) > 7 or table == "resolutions"
        assert len(parts) == max(1, -(-len(whole) // 7)), table  # a full last page is followed by no empty one
        pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)


def test_a_narrowed_read_selects_only_its_columns(scored: Ledger) -> None:
    """`narrow` gives the same rows with fewer columns, and asks the database for those alone (an events read
    without the payloads reads a fraction of the log's bytes)."""
    for table, names in (
        ("events", ["position", "stream_id", "hash"]),
        ("question_scores", ["question_id", "forecaster_id", "brier"]),
        ("forecasts", ["forecast_id", "p_yes"]),
    ):
        with scored.snapshot() as snap:
            reader = scored.table(snap, table)
            narrowed = reader.narrow(names)
            assert narrowed.query is not None
            assert sorted(c.key for c in narrowed.query.selected_columns) == sorted(names), table
            whole = reader.frame()
            part = narrowed.frame()
            rows = narrowed.rows(3)
        assert list(part.columns) == [c for c in whole.columns if c in names]
        pd.testing.assert_frame_equal(part, whole[list(part.columns)], check_categorical=False)
        assert [list(r) for r in rows] == [list(part.columns)] * len(rows) and len(rows) == 3


def test_as_of_values_are_normalised() -> None:
    assert to_as_of(None) is None
    assert to_as_of(12) == AsOf(position=12)
    assert to_as_of("12") == AsOf(position=12)
    day = to_as_of(date(2026, 1, 3))
    assert day is not None and day.recorded_until == datetime(2026, 1, 3, 23, 59, 59, 999999, tzinfo=UTC)
    assert to_as_of("2026-01-03") == day
    naive = to_as_of(datetime(2026, 1, 3, 12, 0))
    assert naive is not None and naive.recorded_until == datetime(2026, 1, 3, 12, 0, tzinfo=UTC)
    with pytest.raises(UserError):
        to_as_of(True)
    with pytest.raises(UserError):
        to_as_of(3.5)


def test_as_of_position_equals_a_ledger_of_the_first_n_events(ledger: Ledger, tmp_path) -> None:  # type: ignore[no-untyped-def]
    g = grow(ledger)
    prefix = Ledger(f"sqlite:///{tmp_path}/prefix.sqlite", actor="tester")
    prefix.init()
    copy_prefix(ledger, prefix, g.second)
    for table in ALL:
        past = frame_of(ledger, table, as_of=g.second)
        fresh = frame_of(prefix, table)
        if table in ("runs", "score_history"):
            # the runs themselves differ (two runs there, one here); what they scored must not
            last_past = past[past["run_id"] == past["run_id"].max()]
            last_fresh = fresh[fresh["run_id"] == fresh["run_id"].max()]
            if table == "runs":
                assert int(last_past["through_position"].iloc[0]) == int(last_fresh["through_position"].iloc[0])
            continue
        if table in ("scores", "question_scores"):
            past, fresh = without(past, "run_id"), without(fresh, "run_id")
        pd.testing.assert_frame_equal(past, fresh, obj=table)
    # and by time: the last event's recording time selects the same state
    recorded = ledger.events()["recorded_at"].iloc[g.second - 1].to_pydatetime()
    pd.testing.assert_frame_equal(ledger.forecasts(as_of=recorded), prefix.forecasts())
    prefix.close()


def test_as_of_sees_the_past_not_the_present(ledger: Ledger) -> None:
    g = grow(ledger)
    now = ledger.forecasts()
    then = ledger.forecasts(as_of=g.imported)
    assert g.forecast_id in set(now["forecast_id"]) and g.forecast_id not in set(then["forecast_id"])
    assert not then.set_index("forecast_id").loc[WITHDRAWN, "withdrawn"]
    assert now.set_index("forecast_id").loc[WITHDRAWN, "withdrawn"]
    assert now.set_index("forecast_id").loc[g.forecast_id, "quote"] == AWKWARD
    q_then = ledger.questions(as_of=g.imported).set_index("question_id")
    q_now = ledger.questions().set_index("question_id")
    assert q_then.loc[DUE_QUESTION, "status"] == "open" and q_now.loc[DUE_QUESTION, "outcome"] == "yes"
    assert len(ledger.events(as_of=g.imported)) == g.imported
    # the score frames as of a point are those of the last run by then
    assert len(ledger.runs()) == 3
    assert ledger.runs(as_of=g.second)["run_id"].tolist() == [1, 2]
    assert ledger.runs(as_of=g.imported - 1).empty  # no run had scored only events up to there
    assert ledger.scores(as_of=g.imported - 1).empty
    assert set(ledger.score_history(as_of=g.second)["run_id"]) <= {1, 2}
    qs_then = ledger.question_scores(as_of=g.second).set_index(["question_id", "forecaster_id"])
    qs_now = ledger.question_scores().set_index(["question_id", "forecaster_id"])
    key = (DUE_QUESTION, "jamie-dettmer")
    assert qs_then.loc[key, "outcome"] == "no" and qs_now.loc[key, "outcome"] == "yes"
    assert (ledger.scores(as_of=g.second)["run_id"] == 2).all()


def test_leaderboard_matches_the_cli_surface_and_the_recorded_history(ledger: Ledger) -> None:
    grow(ledger)
    mine = ledger.leaderboard()
    # per forecaster, the leaderboard reads the aggregates the last run recorded; computed afresh from the
    # question_scores rows (as every other grouping is) it is the same
    qs = ledger.question_scores()
    work = pd.DataFrame(
        {
            "question_id": qs["question_id"].astype(str),
            "forecaster_id": qs["forecaster_id"].astype(str),
            "kind": qs["kind"],
            "outcome": qs["outcome"],
        }
    )
    for col in fr.AGGREGATE_INPUT[6:]:
        work[col] = qs[col].to_numpy(float)
    theirs = compute.aggregate(work, "forecaster_id").set_index("forecaster_id").loc[mine["forecaster_id"]]
    for col in fr.AGGREGATE_NAMES:
        np.testing.assert_allclose(mine[col].to_numpy(float), theirs[col].to_numpy(float), rtol=1e-12, err_msg=col)
    # live (recomputed from question_scores) equals what run 3 recorded in score_history
    recorded = ledger.leaderboard(run=3)
    pd.testing.assert_frame_equal(mine, recorded, check_exact=False, rtol=1e-12)
    # as of run 2's point equals what run 2 recorded
    runs = ledger.runs()
    through2 = int(runs.loc[runs["run_id"] == 2, "through_position"].iloc[0])
    pd.testing.assert_frame_equal(
        ledger.leaderboard(as_of=through2), ledger.leaderboard(run=2), check_exact=False, rtol=1e-12
    )
    for by in ("source", "outlet", "tag"):
        board = ledger.leaderboard(by=by)
        assert list(board.columns) == leaderboard_spec(by).names
        assert board["n_scored"].sum() >= len(qs) if by == "tag" else board["n_scored"].sum() == len(qs)
    by_log = ledger.leaderboard(sort="mean_log_score")
    ranked = by_log["rank"].notna()
    # ranked rows first, best first; then the rows with too few questions, in the same order
    assert ranked.to_numpy().tolist() == sorted(ranked.to_numpy().tolist(), reverse=True)
    assert by_log.loc[ranked, "mean_log_score"].is_monotonic_decreasing
    assert by_log.loc[~ranked, "mean_log_score"].is_monotonic_decreasing
    assert ledger.leaderboard(sort="mean_log_score", min_scored=0)["mean_log_score"].is_monotonic_decreasing


def test_calibration(scored: Ledger) -> None:
    qs = scored.question_scores()
    binary = qs[qs["kind"] == "binary"]
    everyone = scored.calibration()
    assert set(everyone["forecaster_id"].astype(str)) == {fr.ALL_FORECASTERS}
    assert everyone["count"].sum() == len(binary) and len(everyone) == 10
    p = binary["p_yes"].to_numpy(float)
    expected = np.histogram(p, bins=10, range=(0, 1))[0]
    assert everyone["count"].sum() == expected.sum()
    several = scored.calibration(forecaster=["vladimir-frolov", "Mikhail Alexandrov"], bins=5)
    assert several["forecaster_id"].astype(str).tolist()[::5] == ["vladimir-frolov", "mikhail-alexandrov"]
    for fid in ("vladimir-frolov", "mikhail-alexandrov"):
        rows = several[several["forecaster_id"] == fid]
        assert rows["count"].sum() == (binary["forecaster_id"] == fid).sum()
        ok = rows["count"] > 0
        assert (rows.loc[ok, "wilson_low"] <= rows.loc[ok, "observed_frequency"]).all()


def test_due_and_runs(scored: Ledger) -> None:
    due = scored.due()
    today = scored.today()
    for r in due.itertuples(index=False):
        assert r.resolve_by.date() < today
        assert r.days_overdue == (today - r.resolve_by.date()).days
    runs = scored.runs()
    assert runs["status"].astype(str).tolist() == ["ok"]
    assert int(runs["through_position"].iloc[0]) == scored.info()["head_position"]
    assert runs["seconds"].iloc[0] >= 0
