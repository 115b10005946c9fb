"""Crash safety: `tracker import` of a large catalog is SIGKILLed at 20 random points, `tracker score --full` at
several; after every kill the ledger holds none or all of the import, `tracker verify` passes, and running the
command again converges to the same state as a run that was never interrupted.

To compare head hashes across runs, the processes run with a frozen clock (recorded_at is in every event's hash,
so two real imports of one catalog differ in their hashes by design); everything else is the real CLI in a real
process, killed with SIGKILL while it holds the write transaction or anywhere before. SQLite, where a crash
leaves a hot WAL behind for the next connection to recover.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select
from typer.testing import CliRunner

from tracker.cli.main import app

SEED = 20261124
KILLS = 20
SCORE_KILLS = 6
N_QUESTIONS, N_SOURCES, PER_SOURCE = 200, 8, 250  # 2000 forecasts
N_EVENTS = N_SOURCES + N_QUESTIONS + N_QUESTIONS // 2 + N_SOURCES * PER_SOURCE  # opened, resolved, recorded
FROZEN = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)
PRELOAD = ["tracker.cli.main", "tracker.app.importer", "tracker.app.ledger", "tracker.catalog.load",
           "tracker.scoring.job", "tracker.scoring.compute", "pandas"]  # fmt: skip


# --------------------------------------------------------------------------------------------- the catalog


def generate_catalog(root: Path) -> Path:
    """seeds/sources.yaml and predictions/ in the curated catalog's format: 8 sources, 200 questions (half of
    them resolved), 250 forecasts per source."""
    (root / "seeds").mkdir(parents=True)
    (root / "predictions" / "forecasts").mkdir(parents=True)
    sources = ["schema: 1", "sources:"]
    for s in range(N_SOURCES):
        sources += [f"  - id: src-{s}", f'    title: "Source {s}"', "    published: 2024-01-10",
                    f"    url: https://example.org/{s}"]  # fmt: skip
    (root / "seeds" / "sources.yaml").write_text("\n".join(sources) + "\n", encoding="utf-8")
    questions = ["schema: 1", "questions:"]
    for q in range(N_QUESTIONS):
        questions += [f"  - id: q-{q}", f'    title: "Question {q}?"', '    criteria: "YES if it happens"',
                      "    type: binary", "    opened: 2024-01-01", "    resolve_by: 2025-01-01"]  # fmt: skip
        if q % 2 == 0:
            outcome = "yes" if q % 4 == 0 else "no"
            questions += ["    resolution:", f'      outcome: "{outcome}"', "      known_on: 2024-06-01",
                          '      evidence: "reported"']  # fmt: skip
    (root / "predictions" / "questions.yaml").write_text("\n".join(questions) + "\n", encoding="utf-8")
    for s in range(N_SOURCES):
        lines = ["schema: 1", f"source: src-{s}", "forecasts:"]
        for i in range(PER_SOURCE):
            lines += [f"  - id: f-{s}-{i}", f"    question: q-{(s * PER_SOURCE + i) % N_QUESTIONS}",
                      f"    forecaster: Person {i % 37}", f"    made_at: 2024-0{1 + i % 5}-1{i % 10}",
                      f'    quote: "words {s}-{i}"', f"    p: 0.{i % 9 + 1}", "    method: stated"]  # fmt: skip
        (root / "predictions" / "forecasts" / f"src-{s}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root / "predictions"


# ------------------------------------------------------------------------------- the clock and the children


def freeze_clock(setattr_: Any = setattr) -> None:
    """recorded_at (in every hash) and the ledger's "now" (command times, "today" for date checks)."""
    from tracker.domain import timepoints

    setattr_(timepoints, "utc_now", lambda: FROZEN)  # the one clock


def signal_on(module: Any, name: str, event: Any) -> None:
    """Wrap module.name (a transaction context manager or a function) so that `event` is set once inside it."""
    original = getattr(module, name)

    @contextmanager
    def wrapped_cm(*args: Any, **kwargs: Any) -> Iterator[Any]:
        with original(*args, **kwargs) as value:
            event.set()
            yield value

    def wrapped_fn(*args: Any, **kwargs: Any) -> Any:
        event.set()
        return original(*args, **kwargs)

    setattr(module, name, wrapped_cm if name.endswith("transaction") else wrapped_fn)


def run_cli(url: str, args: list[str], inside: Any, module: str, name: str) -> None:
    """The child: the real `tracker` CLI, with the frozen clock and a signal once it is inside `name`."""
    import importlib
    import sys

    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the child's output is not under test
    freeze_clock()
    signal_on(importlib.import_module(module), name, inside)
    from tracker.cli.main import app as cli_app

    cli_app(["--db", url, *args], prog_name="tracker")


@pytest.fixture(scope="module")
def ctx() -> Any:
    context = mp.get_context("forkserver")  # children fork from a process that has imported the tracker already
    context.set_forkserver_preload(PRELOAD)
    return context


def kill_at(ctx: Any, url: str, args: list[str], module: str, name: str, rng: random.Random, span: float,
            from_start: bool) -> int:  # fmt: skip
    """Start the command, wait until it is inside `name` (or not, `from_start`), sleep a random part of `span`,
    SIGKILL it. Returns its exit code (-9 when the kill landed, 0 when it had finished)."""
    inside = ctx.Event()
    proc = ctx.Process(target=run_cli, args=(url, args, inside, module, name))
    proc.start()
    if not from_start:
        assert inside.wait(120), "the command never got that far"
    time.sleep(rng.uniform(0, span))
    if proc.exitcode is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.join(60)
    return int(proc.exitcode)


# ------------------------------------------------------------------------------------------------- helpers


def state(db: Path) -> tuple[int, str | None]:
    """(events, head hash), through a plain sqlite3 connection, which recovers a WAL left by a crash."""
    conn = sqlite3.connect(db)
    try:
        n = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        row = conn.execute("SELECT hash FROM events ORDER BY position DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    return int(n), None if row is None else str(row[0])


def verify(url: str) -> None:
    result = CliRunner().invoke(app, ["--db", url, "verify"])
    assert result.exit_code == 0, result.output


def copy_ledger(src: Path, dst: Path) -> None:
    """A fresh copy of a ledger (with sqlite3's backup API, so what is still in the source's WAL comes along)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


@contextmanager
def timed(module: Any, name: str, out: list[float]) -> Iterator[None]:
    """Measure how long the process spends inside module.name (a transaction)."""
    original = getattr(module, name)

    @contextmanager
    def wrapped(*args: Any, **kwargs: Any) -> Iterator[Any]:
        t0 = time.monotonic()
        with original(*args, **kwargs) as value:
            yield value
        out.append(time.monotonic() - t0)

    setattr(module, name, wrapped)
    try:
        yield
    finally:
        setattr(module, name, original)


def score_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    from tracker.store.schema import forecast_scores, question_scores

    out = {}
    with engine.connect() as conn:
        for table in (forecast_scores, question_scores):
            cols = [c for c in table.columns if c.name != "run_id"]
            out[table.name] = sorted((tuple(r) for r in _all(conn, cols)), key=repr)
    return out


def _all(conn: Connection, cols: list[Any]) -> list[Any]:
    return list(conn.execute(select(*cols)))


# --------------------------------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The generated catalog, an empty initialised ledger, and a reference import never interrupted."""
    from tracker.app import importer

    root = tmp_path_factory.mktemp("crash")
    catalog = generate_catalog(root / "catalog")
    empty = root / "empty.sqlite"
    assert CliRunner().invoke(app, ["--db", f"sqlite:///{empty}", "init"]).exit_code == 0
    reference = root / "reference.sqlite"
    copy_ledger(empty, reference)
    mp_ = pytest.MonkeyPatch()
    freeze_clock(mp_.setattr)
    spans: list[float] = []
    try:
        t0 = time.monotonic()
        with timed(importer, "write_transaction", spans):
            result = CliRunner().invoke(app, ["--db", f"sqlite:///{reference}", "import", str(catalog)])
        total = time.monotonic() - t0
    finally:
        mp_.undo()
    assert result.exit_code == 0, result.output
    n, head = state(reference)
    assert n == N_EVENTS
    return {"root": root, "catalog": catalog, "empty": empty, "reference": reference, "head": head,
            "txn": spans[0], "total": total}  # fmt: skip


def test_import_killed_at_20_random_points(world: dict[str, Any], ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(SEED)
    db = world["root"] / "work.sqlite"
    url = f"sqlite:///{db}"
    copy_ledger(world["empty"], db)
    args = ["import", str(world["catalog"])]
    outcomes = {"none": 0, "all": 0}
    # At least KILLS kills, and more (up to 3 * KILLS) until half of them have interrupted an import: on a loaded
    # machine the parent wakes late and more kills land after the commit, which are valid but test less.
    k = -1
    while k + 1 < KILLS or (outcomes["none"] < KILLS // 2 and k + 1 < 3 * KILLS):
        k += 1
        # Most kills land while the import holds its write transaction (that is where a crash could leave half
        # an import); every fifth anywhere from the start (reading and validating the catalog).
        from_start = k % 5 == 0
        span = world["total"] if from_start else 1.2 * world["txn"]
        code = kill_at(ctx, url, args, "tracker.app.importer", "write_transaction", rng, span, from_start)
        n, head = state(db)
        assert n in (0, N_EVENTS), f"kill {k}: {n} events: part of the import survived"
        verify(url)
        if n == N_EVENTS:
            # The kill came after the commit: the whole import is there, exactly as in the uninterrupted run.
            assert head == world["head"], f"kill {k}: a different ledger"
            outcomes["all"] += 1
            copy_ledger(world["empty"], db)  # start over, so that the next kill again hits an import
        else:
            assert code == -signal.SIGKILL
            outcomes["none"] += 1
        # Otherwise the next iteration is the re-run of this one, from the same (empty) ledger.
    assert outcomes["none"] >= KILLS // 2, outcomes  # most kills did interrupt an import
    # Re-running after the last kill converges to the uninterrupted run's ledger; once more changes nothing.
    freeze_clock(monkeypatch.setattr)
    for _ in range(2):
        result = CliRunner().invoke(app, ["--db", url, "import", str(world["catalog"])])
        assert result.exit_code == 0, result.output
        assert state(db) == (N_EVENTS, world["head"])
    verify(url)
    print(f"import killed {k + 1} times: {outcomes['none']} left nothing, {outcomes['all']} left everything; "
          f"0 events lost; transaction {world['txn']:.1f} s of {world['total']:.1f} s")  # fmt: skip


def test_scoring_killed_mid_run_then_completes(
    world: dict[str, Any], ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.scoring import job
    from tracker.store.db import make_engine

    rng = random.Random(SEED + 1)
    # The reference: one uninterrupted full run on a copy of the imported ledger.
    reference = world["root"] / "scored.sqlite"
    copy_ledger(world["reference"], reference)
    freeze_clock(monkeypatch.setattr)
    t0 = time.monotonic()
    assert job.run_scoring(f"sqlite:///{reference}", full=True).status == "ok"
    span = time.monotonic() - t0
    ref_engine = make_engine(f"sqlite:///{reference}")
    expected = score_rows(ref_engine)
    ref_engine.dispose()
    assert len(expected["forecast_scores"]) == N_SOURCES * PER_SOURCE

    db = world["root"] / "scoring.sqlite"
    url = f"sqlite:///{db}"
    copy_ledger(world["reference"], db)
    engine = make_engine(url)
    killed = 0
    k = -1
    # As for the import: more attempts (up to 3 * SCORE_KILLS) while fewer than half have landed mid-run.
    while k + 1 < SCORE_KILLS or (killed < SCORE_KILLS // 2 and k + 1 < 3 * SCORE_KILLS):
        k += 1
        # Half the kills anywhere in the run, half while it writes the scores.
        from_start = k % 2 == 0
        code = kill_at(ctx, url, ["score", "--full"], "tracker.scoring.job", "_write", rng, span, from_start)
        killed += code == -signal.SIGKILL
        verify(url)
        rows = score_rows(engine)
        assert rows == expected or rows["forecast_scores"] == [] or code == 0, f"kill {k}: half-written scores"
        # The next run completes (a lease left by the killed process does not block it) and equals the reference.
        result = job.run_scoring(url, full=True)
        assert result.status == "ok", f"kill {k}: the next run was {result.status}: {result.error}"
        assert score_rows(engine) == expected
    engine.dispose()
    assert killed >= SCORE_KILLS // 2
    print(f"scoring killed {killed} times mid-run; each next run completed and equals an uninterrupted one")


def test_only_a_lease_of_a_process_gone_from_this_host_is_taken_over() -> None:
    import socket
    import subprocess
    import sys

    from tracker.store.sqlite import holder_is_gone as _holder_is_gone

    host = socket.gethostname()
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(done.stdout)
    assert _holder_is_gone(f"{host}:{dead}:abcd1234")
    assert not _holder_is_gone(f"{host}:{os.getpid()}:abcd1234")  # this process: another run in it
    assert not _holder_is_gone(f"{host}:{os.getppid()}:abcd1234")  # alive
    assert not _holder_is_gone(f"other-host:{dead}:abcd1234")  # cannot tell: wait for the expiry
    for odd in (None, "", "nonsense", f"{host}:x:y", f"{host}:{2**80}:y"):
        assert not _holder_is_gone(odd)


OUTPUT_KILLS = 12


def test_export_report_and_verify_killed_leave_no_partial_file(world: dict[str, Any], ctx: Any) -> None:
    """SIGKILL during `export`, `report` and `verify`: the output is the old file or the complete new one (never a
    part), no event is lost, and the ledger still verifies."""
    from tracker.app import export as ex

    rng = random.Random(SEED + 2)
    db = world["root"] / "outputs.sqlite"
    url = f"sqlite:///{db}"
    copy_ledger(world["reference"], db)
    out_dir = world["root"] / "out"
    out_dir.mkdir()
    commands = {
        "export": (
            ["export", "forecasts", "--out", str(out_dir / "f.csv"), "--force"],  # over the OLD file each round
            "tracker.app.export.single",
            "write_table",
        ),
        "report": (["report", "--out", str(out_dir / "r.html"), "--force"], "tracker.app.report", "build_report"),
        "verify": (["verify"], "tracker.app.ledger", "_compare_projections"),
    }
    spans = {}
    for name, (args, _, _) in commands.items():
        t0 = time.monotonic()
        result = CliRunner().invoke(app, ["--db", url, *args])
        assert result.exit_code == 0, result.output
        spans[name] = time.monotonic() - t0
    complete = {"export": (out_dir / "f.csv").read_bytes(), "report": None}
    landed = {name: 0 for name in commands}
    for k in range(OUTPUT_KILLS):
        name = list(commands)[k % len(commands)]
        args, module, function = commands[name]
        for target in (out_dir / "f.csv", out_dir / "r.html"):
            target.write_text("OLD\n", encoding="utf-8")
        code = kill_at(ctx, url, args, module, function, rng, spans[name], from_start=False)
        landed[name] += code == -signal.SIGKILL
        assert state(db) == (N_EVENTS, world["head"]), f"kill {k} ({name}): the ledger changed"
        visible = sorted(p.name for p in out_dir.iterdir() if not p.name.startswith("."))
        assert visible == ["f.csv", "f.csv.meta.json", "r.html"], visible
        csv_out, html_out = (out_dir / "f.csv").read_bytes(), (out_dir / "r.html").read_text(encoding="utf-8")
        if name == "export":
            assert csv_out in (b"OLD\n", complete["export"]), f"kill {k}: a partial export"
            if csv_out != b"OLD\n":
                assert len(ex.read_csv(out_dir / "f.csv")) == N_SOURCES * PER_SOURCE
        if name == "report":
            assert html_out == "OLD\n" or html_out.rstrip().endswith("</html>"), f"kill {k}: a partial report"
        for p in out_dir.iterdir():  # what a kill may leave: hidden temporary files, never the target's name
            if p.name.startswith("."):
                assert p.name.endswith(".tmp"), p.name
                p.unlink()
        verify(url)
    assert sum(landed.values()) >= OUTPUT_KILLS // 2, landed
    print(f"outputs killed {sum(landed.values())} times ({landed}); 0 partial files, 0 events lost")
