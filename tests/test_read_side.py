"""One read side: the CLI (every format), the Python API and the exports give the same rows, at every point of
time travel (--as-of POSITION|DATE|TIME, --run N); every read command takes both options; unknown filter values
and bad points are one-line errors; output fits an 80-column terminal and reads back when piped."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import random
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import tracker as cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.app import export as ex
from tracker.app.ledger import Ledger
from tracker.errors import NotFound, UserError
from tracker.read.records import records

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ptyrun import run_in_pty  # noqa: E402

BOX_DRAWING = {chr(c) for c in range(0x2500, 0x2580)}
D0 = date(2024, 1, 1)


def cli_json(url: str, *args: str) -> Any:
    res = cli(url, *args, "--format", "json")
    assert res.exit_code == 0, (args, res.output)
    return json.loads(res.stdout)


def build(led: Ledger, seed: int, n_questions: int, n_forecasts: int) -> list[int]:
    """A random small ledger: binary and multiple-choice questions, forecasts by a few people, resolutions,
    an annulment, a correction, and scoring runs in between; returns the positions after each run."""
    rnd = random.Random(seed)
    people = ["Ann Example", "Bob Roberts", "Дмитрий Тренин", "Cy"]
    led.add_source("src-a", "A source", outlet="The Daily", text="It will rain. It may not.")
    led.add_source("src-b", "B source", outlet="Evening Post")
    qids = []
    for i in range(n_questions):
        mc = rnd.random() < 0.3
        qid = f"q{i}"
        led.open_question(
            f"Question {i}?",
            "criteria",
            question_id=qid,
            kind="multiple_choice" if mc else "binary",
            options=("a", "b", "c") if mc else (),
            opened=D0,
            resolve_by=D0 + timedelta(days=rnd.choice([5, 30, 4000])),
            tags=tuple(rnd.sample(["weather", "politics", "sport"], rnd.randint(0, 2))),
        )
        qids.append((qid, mc))
    runs = []
    for j in range(n_forecasts):
        qid, mc = rnd.choice(qids)
        made = D0 + timedelta(days=rnd.randint(0, 8))
        p: Any
        if mc:
            w = [rnd.random() + 0.01 for _ in range(3)]
            p = {k: v / sum(w) for k, v in zip("abc", w, strict=True)}
            p["c"] = 1.0 - p["a"] - p["b"]
        else:
            p = round(rnd.random(), 2)
        with contextlib.suppress(UserError):  # e.g. a forecast on a question resolved meanwhile
            led.record_forecast(qid, rnd.choice(people), p, made, source_id=rnd.choice(["src-b", None]))
        if rnd.random() < 0.25:
            led.score()
            runs.append(int(led.info()["head_position"]))
        if j == n_forecasts // 2:
            for qid, mc in qids[: max(1, n_questions // 2)]:
                led.resolve(qid, rnd.choice(["a", "b"]) if mc else rnd.choice(["yes", "no"]), D0 + timedelta(days=6))
    if len(qids) > 2:
        led.correct(qids[0][0], "b" if qids[0][1] else "no", D0 + timedelta(days=7), reason="misread")
        led.annul(qids[-1][0], reason="condition failed")
    led.score()
    runs.append(int(led.info()["head_position"]))
    return runs


def same(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> None:
    """Row for row, floats to the last bit, missing as None."""
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.keys() == y.keys()
        for k in x:
            u, v = x[k], y[k]
            if isinstance(u, float) and isinstance(v, float):
                assert u == v or (u != u and v != v), (k, u, v)
            else:
                assert u == v, (k, u, v)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n_questions=st.integers(1, 5), n_forecasts=st.integers(1, 14), data=st.data())
def test_cli_api_and_exports_agree_at_every_point(
    tmp_path_factory: pytest.TempPathFactory, seed: int, n_questions: int, n_forecasts: int, data: st.DataObject
) -> None:
    tmp = tmp_path_factory.mktemp("ledger")
    url = f"sqlite:///{tmp}/ledger.sqlite"
    led = Ledger(url, actor="tester")
    led.init()
    build(led, seed, n_questions, n_forecasts)
    head = int(led.info()["head_position"])
    n_runs = len(led.runs())
    point = data.draw(st.one_of(st.none(), st.integers(0, head)), label="as_of")
    run = data.draw(st.one_of(st.none(), st.integers(1, n_runs)), label="run") if point is None else None
    opts = ([] if point is None else ["--as-of", str(point)]) + ([] if run is None else ["--run", str(run)])
    for table, command, extra in (
        ("leaderboard", ["scores"], {}),
        ("leaderboard", ["scores", "--by", "tag"], {"by": "tag"}),
        ("calibration", ["calibration", "--bins", "4"], {"bins": 4}),
        ("due", ["due"], {}),
        ("runs", ["runs"], {}),
        ("questions", ["list"], {}),
        ("hindsight", ["hindsight"], {}),
    ):
        api = records(getattr(led, ex_method(table))(as_of=point, run=run, **extra))
        shown = cli_json(url, *command, *opts)
        if table == "calibration":
            shown = shown["bins"]
        same(shown, api)
        out = tmp / f"{table}-{'-'.join(command)}.jsonl"  # a name of its own: an export never replaces a file
        ex.export_table(led, table, out, "jsonl", as_of=point, run=run, **extra)
        same(records(ex.read_jsonl(out, table)), api)
        # CSV and TSV carry the same rows too (as text)
        for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
            res = cli(url, *command, *opts, "--format", fmt)
            assert res.exit_code == 0, res.output
            assert len(list(csv.DictReader(io.StringIO(res.stdout), delimiter=delimiter))) == len(api)
    led.close()


def ex_method(table: str) -> str:
    return {"questions": "questions", "leaderboard": "leaderboard"}.get(table, table)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    from review_fixtures import scored_catalog

    tmp = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{tmp}/ledger.sqlite"
    led = Ledger(url, actor="tester")
    led.init()
    scored_catalog(led)
    led.resolve("russia-ukraine-ceasefire-2026", "no", date(2026, 1, 20))
    led.score()
    led.close()
    return url


# What a read command needs beyond its read options (every command made with `read_options` is here by itself).
ARGUMENTS = {"show": ["osaka-trump-putin-meeting-2019"], "compare": ["--all"], "phrases": ["--observed"]}


def read_commands() -> list[tuple[list[str], dict[str, Any]]]:
    """Every read command of the CLI, with its arguments, and what `read_options` gave it."""
    import typer

    from tracker.cli.examples import all_commands, is_read_command
    from tracker.cli.main import app

    return [
        ([path, *ARGUMENTS.get(path, [])], command.callback.read_options)
        for path, command in all_commands(typer.main.get_command(app))
        if is_read_command(command)
    ]


READ_COMMANDS = [command for command, _ in read_commands()] + [["scores", "--by", "outlet"]]
TAKEN = {command[0]: how["options"] for command, how in read_commands()}
# the read commands that print rows (not one record, as `show` and `info` do)
LISTINGS = [command for command, how in read_commands() if not how["record"]]


def test_compare_all_has_its_columns_with_or_without_a_pair(demo: str) -> None:
    from tracker.read.scores import COMPARE_ALL_COLUMNS

    led = Ledger(demo)
    pairs, none = led.compare_all(), led.compare_all(as_of=1)
    led.close()
    assert len(pairs) > 0 and list(pairs.columns) == list(COMPARE_ALL_COLUMNS)
    assert len(none) == 0 and list(none.columns) == list(COMPARE_ALL_COLUMNS)
    assert cli_json(demo, "compare", "--all", "--as-of", "1") == []
    assert cli(demo, "compare", "--all", "--as-of", "1", "--format", "csv").stdout.startswith("a,b,n_shared,")


def test_the_read_commands_are_found() -> None:
    assert {"list", "show", "info", "scores", "calibration", "hindsight"} <= {c[0] for c in READ_COMMANDS}
    assert {"list", "scores", "calibration", "hindsight"} <= {c[0] for c in LISTINGS}
    assert not {"show", "info", "score", "verify"} & {c[0] for c in LISTINGS}


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c))
def test_every_read_command_takes_as_of_and_run(demo: str, command: list[str]) -> None:
    for opts in (["--as-of", "40"], ["--as-of", "2999-01-01"], ["--run", "1"], ["--run", "2"], ["--as-of", "94"]):
        if "--run" in opts and "run" not in TAKEN[command[0]]:
            continue
        res = cli(demo, *command, *opts, "--format", "json")
        assert res.exit_code == 0, (command, opts, res.output)
        json.loads(res.stdout)
    # the past differs from the present where it should
    assert cli_json(demo, "list", "--as-of", "40") != cli_json(demo, "list")
    assert cli_json(demo, "scores", "--run", "1") != cli_json(demo, "scores")
    assert cli_json(demo, "runs", "--run", "1")[-1]["run_id"] == 1


@pytest.mark.parametrize(
    ("args", "code", "field"),
    [
        (["scores", "--forecaster", "Nobody At All"], NotFound.exit_code, "forecaster"),
        (["calibration", "--forecaster", "Nobody"], NotFound.exit_code, "forecaster"),
        (["list", "--tag", "no-such-tag"], NotFound.exit_code, "tag"),
        (["due", "--source", "no-such-source"], NotFound.exit_code, "source"),
        (["hindsight", "--outlet", "No Such Outlet"], NotFound.exit_code, "outlet"),
        (["scores", "--question", "no-such-question"], NotFound.exit_code, "question"),
        (["list", "--as-of", "yesterday"], UserError.exit_code, "as_of"),
        (["list", "--as-of", "²"], UserError.exit_code, "as_of"),
        (["list", "--as-of", "9999-12-31"], UserError.exit_code, "as_of"),
        (["list", "--as-of", "9999-12-31T23:59:59-05:00"], UserError.exit_code, "as_of"),
        (["scores", "--as-of", "99999999999999999999"], UserError.exit_code, "as_of"),
        (["scores", "--as-of", "100000"], UserError.exit_code, "as_of"),
        (["scores", "--run", "99"], NotFound.exit_code, "run"),
        (["scores", "--run", "1", "--as-of", "1"], UserError.exit_code, "run"),
        (["scores", "--format", "xml"], UserError.exit_code, "format"),
        (["scores", "--metric", "luck"], UserError.exit_code, "sort"),
        (["scores", "--by", "planet"], UserError.exit_code, "by"),
        (["list", "--status", "maybe"], UserError.exit_code, "status"),
        (["runs", "--status", "maybe"], UserError.exit_code, "status"),
        (["hindsight", "--forecaster", "[/x] nobody"], NotFound.exit_code, "forecaster"),
        # the scale alone does not change with the ledger: narrowing it is a mistake, not ignored
        (["phrases", "--as-of", "40"], UserError.exit_code, "as_of"),
        (["phrases", "--run", "1"], UserError.exit_code, "run"),
        (["phrases", "--forecaster", "Leonid Bershidsky"], UserError.exit_code, "forecaster"),
        (["phrases", "--observed", "--as-of", "yesterday"], UserError.exit_code, "as_of"),
    ],
)
def test_bad_filters_and_points_are_one_line_errors(demo: str, args: list[str], code: int, field: str) -> None:
    res = cli(demo, *args)
    assert res.exit_code == code, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}: "), res.stderr
    assert res.stdout == "" and "Traceback" not in res.output


def test_piped_output_is_tsv_without_box_drawing_and_reads_back(demo: str) -> None:
    for command in LISTINGS:
        res = cli(demo, *command)
        assert res.exit_code == 0, res.output
        assert not BOX_DRAWING & set(res.stdout), command
        rows = list(csv.reader(io.StringIO(res.stdout), delimiter="\t"))
        assert len({len(r) for r in rows}) == 1 and len(rows[0]) > 1, command  # a header and rectangular rows
        assert all("\n" not in cell for r in rows for cell in r)


def test_limit_says_what_was_left_out(demo: str) -> None:
    res = cli(demo, "list", "--limit", "2")
    assert len(res.stdout.strip().splitlines()) == 3  # header + 2
    assert "more questions not shown" in res.stderr
    res = cli(demo, "list", "--limit", "2", "--format", "table")
    assert "more questions not shown" in res.stdout
    total = len(cli_json(demo, "list"))
    assert len(cli_json(demo, "list", "--limit", "0")) == total
    one = cli(demo, "list", "--limit", str(total - 1))
    assert "1 more question not shown" in one.stderr


@pytest.mark.skipif(not shutil.which("tracker", path=str(Path(sys.executable).parent)), reason="no tracker script")
@pytest.mark.parametrize(
    "command",
    [["scores"], ["list"], ["due"], ["phrases"], ["show", "osaka-trump-putin-meeting-2019"], ["runs"], ["hindsight"]],
    ids=lambda c: c[0],
)
def test_every_line_fits_an_80_column_terminal(demo: str, command: list[str]) -> None:
    from rich.cells import cell_len

    tracker = str(Path(sys.executable).with_name("tracker"))
    code, out = run_in_pty([tracker, "--db", demo, *command], columns=80)
    assert code == 0, out
    lines = out.splitlines()
    assert len(lines) > 2
    assert max(cell_len(line) for line in lines) <= 80, max(lines, key=cell_len)
    assert "1 questions" not in out and "1 forecasts" not in out


# ----------------------------------------------------------------------------------- how sure the scores are


def test_leaderboard_rows_carry_intervals_and_verdicts_in_words(demo: str) -> None:
    rows = {r["forecaster_id"]: r for r in cli_json(demo, "scores")}
    alexandrov = rows["mikhail-alexandrov"]
    assert alexandrov["n_questions"] == alexandrov["n_scored"] == 7
    assert alexandrov["brier_ci_low"] < alexandrov["mean_brier"] < alexandrov["brier_ci_high"]
    assert alexandrov["vs_coin"].startswith("not distinguishable from a coin flip (p = ")
    assert 0 < alexandrov["vs_coin_p"] < 1
    trenin = rows["dmitri-trenin"]  # one forecast: nothing can be said, and the row says so
    assert trenin["brier_ci_low"] is None and trenin["vs_coin_p"] is None
    assert trenin["precision"].startswith("too few questions to say (1;")
    # the same figures again (seeded), and the same through the API
    assert cli_json(demo, "scores") == cli_json(demo, "scores")
    shown = cli(demo, "scores", "--format", "table")
    assert "90% interval" in shown.stdout and "too few" in shown.stdout
    kept = cli_json(demo, "scores", "--min-scored", "5")
    assert [r["forecaster_id"] for r in kept if r["rank"] is not None] == [r["forecaster_id"] for r in kept[:2]]
    assert {r["forecaster_id"] for r in kept[:2]} == {"mikhail-alexandrov", "leonid-bershidsky"}
    assert [r["rank"] for r in kept[:2]] == [1, 2]


def test_low_n_rows_are_listed_apart_after_the_ranked_ones_and_min_scored_0_ranks_all(demo: str) -> None:
    default = cli_json(demo, "scores")
    ranks = [r["rank"] for r in default]
    first_unranked = ranks.index(None)
    assert all(r is not None for r in ranks[:first_unranked]) and all(r is None for r in ranks[first_unranked:])
    for r in default:
        assert (r["n_questions"] >= 5) == (r["rank"] is not None)
        assert (r["unranked"] is None) == (r["rank"] is not None)
    last = default[-1]["n_questions"]
    assert default[-1]["unranked"] == f"unranked: {last} scored question{'' if last == 1 else 's'}, 5 needed to rank"
    everyone = cli_json(demo, "scores", "--min-scored", "0")
    assert [r["rank"] for r in everyone] == list(range(1, len(everyone) + 1))
    briers = [r["mean_brier"] for r in everyone]
    assert briers == sorted(briers)  # the old order: best mean Brier first, whatever the count
    assert any(r["n_questions"] < 5 for r in everyone[:3])  # ...which is why it is not the default


def test_groups_count_distinct_questions_and_pool_forecasters(demo: str) -> None:
    rows = {r["tag"]: r for r in cli_json(demo, "scores", "--by", "tag", "--min-scored", "0")}
    military = rows["us-military"]
    assert military["n_questions"] == 4 and military["n_scored"] > 4
    assert military["n_forecasters"] > 1
    assert (
        military["vs_coin"] == "too few questions to say (4; 5 needed, and at least 12 binary ones to beat a coin flip)"
        and military["vs_coin_p"] is None
    )
    for r in rows.values():
        assert r["n_questions"] <= r["n_scored"]


def test_compare_says_what_can_and_cannot_be_said(demo: str) -> None:
    res = cli(demo, "compare", "Mikhail Alexandrov", "Vladimir Frolov", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["n_shared"] >= 1 and data["verdict"].startswith("not distinguishable")
    assert data["a_wins"] + data["b_wins"] + data["ties"] == data["n_shared"]
    text = cli(demo, "compare", "Mikhail Alexandrov", "Vladimir Frolov").stdout
    assert "Mikhail Alexandrov vs Vladimir Frolov: not distinguishable" in text
    pairs = cli_json(demo, "compare", "--all")
    assert pairs and all(p["p_adjusted"] is None or p["p_adjusted"] >= (p["p_value"] or 0) for p in pairs)
    for args, field in (
        (["compare", "Mikhail Alexandrov"], "forecasters"),
        (["compare", "Mikhail Alexandrov", "Nobody"], "forecaster"),
        (["compare", "Mikhail Alexandrov", "mikhail-alexandrov"], "forecaster"),
        (["compare", "--all", "--correction", "bonferroni"], "correction"),
    ):
        bad = cli(demo, *args)
        assert bad.exit_code in (3, 4) and bad.stderr.startswith(f"error: {field}: "), (args, bad.output)


def test_phrases_observed_separates_readings(demo: str) -> None:
    rows = cli_json(demo, "phrases", "--observed")
    unlikely = {r["reading"]: r for r in rows if r["phrase"] == "unlikely"}
    assert unlikely["all"]["count"] == sum(r["count"] for k, r in unlikely.items() if k != "all")
    assert unlikely["all"]["scale_p"] == pytest.approx(0.2)
    probably = {r["reading"]: r for r in rows if r["phrase"] == "probably"}
    assert {"affirms", "negates", "all"} <= set(probably)  # 'probably X' and 'probably not X' kept apart
    for r in rows:
        assert 0 <= r["wilson_low"] <= r["observed_frequency"] <= r["wilson_high"] <= 1
    mine = cli_json(demo, "phrases", "--observed", "--forecaster", "Mikhail Alexandrov")
    assert mine and {r["forecaster_id"] for r in mine} == {"mikhail-alexandrov"}
    assert "what the verbal phrases turned out to mean" in cli(demo, "phrases", "--observed", "-f", "table").stdout


def test_calibration_edges_and_the_discrimination_view(demo: str) -> None:
    left = cli_json(demo, "calibration", "--bins", "5")["bins"]
    right = cli_json(demo, "calibration", "--bins", "5", "--edges", "right")["bins"]
    assert sum(b["count"] for b in left) == sum(b["count"] for b in right)
    # the verbal scale puts forecasts exactly on edges (0.2, 0.4, ...): the two rules bin them differently
    assert [b["count"] for b in left] != [b["count"] for b in right]
    view = cli_json(demo, "calibration", "--discrimination", "--bins", "5")
    assert sum(r["n_yes"] + r["n_no"] for r in view) == sum(b["count"] for b in left)
    assert sum(r["share_yes"] for r in view) == pytest.approx(1.0)
    bad = cli(demo, "calibration", "--edges", "middle")
    assert bad.exit_code == 3 and bad.stderr.startswith("error: edges: ")


def test_an_export_bundle_states_what_was_verified(demo: str, tmp_path: Path) -> None:
    res = cli(demo, "export", "all", "--out", str(tmp_path / "b"), "--format", "jsonl")
    assert res.exit_code == 0, res.output
    meta = json.loads((tmp_path / "b" / "_meta.json").read_text(encoding="utf-8"))
    assert meta["verification"]["ok"] is True and meta["verification"]["scores_verified"] is True
    assert meta["verification"]["verified_at"].endswith("Z")


def test_scores_under_another_scale_say_how_the_ranking_moves(demo: str) -> None:
    shift = json.loads(cli(demo, "scores", "--scale", "capphrase", "--json").stdout)
    assert shift["scale"] == "capphrase" and "10.5281/zenodo.18750055" in shift["source"]
    assert shift["licence"].startswith("CC-BY 4.0") and shift["retrieved"] == "2026-12-06"
    rows = {r["forecaster_id"]: r for r in shift["rows"]}
    published = {r["forecaster_id"]: r for r in cli_json(demo, "scores", "--min-scored", "0")}
    assert rows.keys() == published.keys()
    for fid, r in rows.items():
        assert r["mean_brier"] == pytest.approx(published[fid]["mean_brier"])
        if r["n_rescaled"] == 0:  # no verbal forecast on a phrase the survey has: the same score
            assert r["mean_brier_scale"] == pytest.approx(r["mean_brier"])
    assert shift["forecasts_rescaled"] == sum(r["n_rescaled"] for r in rows.values()) > 0
    assert any(r["mean_brier_scale"] != pytest.approx(r["mean_brier"]) for r in rows.values())
    assert shift["ranked"] == sum(1 for r in rows.values() if r["rank"] is not None) == 2
    assert -1.0 <= shift["kendall_tau"] <= 1.0
    text = cli(demo, "scores", "--scale", "uk-phia", "--format", "table").stdout
    assert "Kendall's tau between the two rankings" in text and "UK PHIA" in text
    for args, field in ((["--scale", "icd-999"], "scale"), (["--scale", "capphrase", "--by", "tag"], "scale")):
        res = cli(demo, "scores", *args)
        assert res.exit_code != 0 and res.exit_code != 70
        assert f"{field}:" in res.output and "Traceback" not in res.output
