"""The scheduled scoring job (APScheduler 3.x with its SQLAlchemy job store in the ledger's database).

No timed assertions: the tests wait for conditions with generous timeouts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select
from typer.testing import CliRunner

from tracker.app import scheduler
from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.errors import UserError
from tracker.scoring import compute
from tracker.scoring.job import HOLD_ENV
from tracker.store.schema import scoring_runs

TRACKER = str(Path(sys.executable).with_name("tracker"))
D0 = date(2020, 1, 1)
TIMEOUT = 90.0


def wait_for(condition: Callable[[], Any], what: str, timeout: float = TIMEOUT, pause: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(pause)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def runs(led: Ledger) -> list[dict[str, Any]]:
    with led.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(scoring_runs).order_by(scoring_runs.c.run_id)).mappings()]


def statuses(led: Ledger) -> list[str]:
    return [r["status"] for r in runs(led)]


@pytest.fixture(autouse=True)
def _dispose_engines() -> Iterator[None]:
    yield
    scheduler.dispose_engines()


def seed(led: Ledger, n: int = 2) -> None:
    for i in range(n):
        led.open_question(f"Question {i}?", "criteria", question_id=f"q{i}", opened=D0)
        led.record_forecast(f"q{i}", "Ann", 0.3, D0)
        led.resolve(f"q{i}", "yes", D0 + timedelta(days=3))


# ---------------------------------------------------------------------------------------------- configuration


def test_parse_every_and_triggers() -> None:
    assert scheduler.parse_every("90s") == 90
    assert scheduler.parse_every("30m") == 1800
    assert scheduler.parse_every("1h") == 3600
    assert scheduler.parse_every("1h30m") == 5400
    assert scheduler.parse_every("2d") == 172800
    for bad in ("", "1", "h", "1x", "0s", "-1h", "367d", "9" * 30 + "s"):
        with pytest.raises(UserError):
            scheduler.parse_every(bad)
    assert type(scheduler.build_trigger(cron="*/15 * * * *")).__name__ == "CronTrigger"
    assert type(scheduler.build_trigger(every="1h")).__name__ == "IntervalTrigger"
    with pytest.raises(UserError, match="exactly one"):
        scheduler.build_trigger()
    with pytest.raises(UserError, match="exactly one"):
        scheduler.build_trigger(every="1h", cron="* * * * *")
    with pytest.raises(UserError, match="crontab"):
        scheduler.build_trigger(cron="every tuesday")
    with pytest.raises(UserError, match="time zone"):
        scheduler.build_trigger(cron="* * * * *", timezone="Mars/Olympus")


def test_schedule_run_refuses_bad_options_in_one_line(sqlite_url: str) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["--db", sqlite_url, "schedule", "run"])
    assert res.exit_code == 3 and res.output.startswith("error: schedule: give exactly one")
    res = runner.invoke(app, ["--db", sqlite_url, "schedule", "run", "--every", "soon"])
    assert res.exit_code == 3 and res.output.count("\n") == 1
    res = runner.invoke(app, ["--db", sqlite_url, "schedule", "run", "--every", "9" * 30 + "h"])  # no 70
    assert res.exit_code == 3 and res.output.count("\n") == 1 and res.output.startswith("error: every: "), res.output
    res = runner.invoke(app, ["--db", sqlite_url, "schedule", "run", "--every", "1h"])  # no ledger there yet
    assert res.exit_code == 8 and "tracker init" in res.output


def test_stored_url_has_no_password() -> None:
    stored = scheduler.stored_url("postgresql+psycopg://scorer:s3cret@db.example:5432/ledger")
    assert "s3cret" not in stored and stored == "postgresql+psycopg://scorer@db.example:5432/ledger"
    assert scheduler.stored_url("sqlite:////tmp/x.sqlite") == "sqlite:////tmp/x.sqlite"


# ------------------------------------------------------------------------------------ the job store persists


def test_job_store_table_created_by_another_process_at_the_same_moment(db_url: str, monkeypatch) -> None:
    """Two schedulers starting together on a fresh database: both see no job-store table, one CREATE fails."""
    from sqlalchemy import exc as sa_exc

    store = scheduler.make_jobstore(db_url)
    create = store.jobs_t.create

    def create_then_lose_the_race(bind: Any, checkfirst: bool = False) -> None:
        create(bind, checkfirst=checkfirst)  # "the other process" creates it...
        raise sa_exc.ProgrammingError("CREATE TABLE apscheduler_jobs", {}, Exception("already exists"))

    monkeypatch.setattr(store.jobs_t, "create", create_then_lose_the_race)
    scheduler.ensure_jobstore_table(store)  # ...and this one carries on
    monkeypatch.undo()
    assert inspect(store.engine).has_table(store.jobs_t.name)
    sched = scheduler.make_scheduler(db_url, blocking=False)
    sched.start(paused=True)
    scheduler.add_scoring_job(sched, db_url, scheduler.build_trigger(every="1h"), run_now=False)
    assert sched.get_job(scheduler.JOB_ID) is not None  # the table the race left behind holds jobs
    sched.shutdown()
    store.shutdown()


def test_a_failed_create_that_left_no_table_is_raised(sqlite_url: str, monkeypatch) -> None:
    """Only the lost race is tolerated: a CREATE that fails and leaves no table is the error it was."""
    from sqlalchemy import exc as sa_exc

    store = scheduler.make_jobstore(sqlite_url)

    def fail(bind: Any, checkfirst: bool = False) -> None:
        raise sa_exc.OperationalError("CREATE TABLE apscheduler_jobs", {}, Exception("disk I/O error"))

    monkeypatch.setattr(store.jobs_t, "create", fail)
    with pytest.raises(sa_exc.OperationalError):
        scheduler.ensure_jobstore_table(store, attempts=2)
    assert not inspect(store.engine).has_table(store.jobs_t.name)
    store.shutdown()


def test_job_survives_a_restart_of_the_scheduler(ledger: Ledger) -> None:
    first = scheduler.make_scheduler(ledger.url, blocking=False)
    scheduler.add_scoring_job(first, ledger.url, scheduler.build_trigger(every="1h"), run_now=False)
    first.start(paused=True)
    assert first.get_job(scheduler.JOB_ID) is not None
    first.shutdown(wait=True)

    second = scheduler.make_scheduler(ledger.url, blocking=False)  # nothing added: only what the store kept
    second.start(paused=True)
    try:
        job = second.get_job(scheduler.JOB_ID)
        assert job is not None
        assert job.func_ref == scheduler.JOB_REF
        assert job.args == (scheduler.stored_url(ledger.url),)
        assert job.trigger.interval == timedelta(hours=1)
        assert job.coalesce is True and job.max_instances == 1
        assert job.misfire_grace_time == scheduler.MISFIRE_GRACE_SECONDS
        # a restart with another schedule replaces the stored job instead of adding a second one
        scheduler.add_scoring_job(second, ledger.url, scheduler.build_trigger(every="30m"), run_now=False)
        assert [j.id for j in second.get_jobs()] == [scheduler.JOB_ID]
        assert second.get_job(scheduler.JOB_ID).trigger.interval == timedelta(minutes=30)
    finally:
        second.shutdown(wait=True)


def test_a_run_that_raises_is_recorded_and_the_scheduler_keeps_running(ledger: Ledger, monkeypatch) -> None:
    seed(ledger, 1)
    real = compute.score
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("first run breaks")
        return real(*args, **kwargs)

    monkeypatch.setattr(compute, "score", flaky)
    sched = scheduler.make_scheduler(ledger.url, blocking=False)
    scheduler.add_scoring_job(sched, ledger.url, scheduler.build_trigger(every="1s"))
    sched.start()
    try:
        wait_for(lambda: "ok" in statuses(ledger), "a successful run after the failed one")
        assert sched.running
    finally:
        sched.shutdown(wait=True)
    recorded = runs(ledger)
    assert [r["status"] for r in recorded][:2] == ["failed", "ok"]
    assert "RuntimeError: first run breaks" in recorded[0]["error"]
    assert recorded[1]["previous_position"] == 0  # the failed run did not move the checkpoint


def test_each_tick_says_what_it_did_in_one_line(ledger: Ledger, monkeypatch, caplog) -> None:
    import logging

    from tracker.scoring import job

    seed(ledger, 1)
    ledger.open_question("Overdue?", "criteria", question_id="late", opened=D0, resolve_by=D0 + timedelta(days=1))
    caplog.set_level(logging.DEBUG, logger="tracker")

    def tick() -> str:
        caplog.clear()
        scheduler.scheduled_run(ledger.url)
        lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
        assert len(lines) == 1, lines
        return lines[0]

    assert tick() == (
        "tick: scoring run 1: 2 questions rescored through position 4 (1 score added, 0 changed, 0 removed); "
        "1 question due: late"
    )
    assert tick() == "tick: nothing new to score (through position 4); 1 question due (unchanged)"
    ledger.resolve("late", "no", D0 + timedelta(days=2))
    real = compute.score
    monkeypatch.setattr(compute, "score", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("it broke")))
    failed = tick()
    assert failed.startswith("tick: scoring failed: scoring run 2 failed and was recorded") and "it broke" in failed
    assert failed.endswith("; no question due")
    monkeypatch.setattr(compute, "score", real)
    skipped = job.RunResult("skipped", 9, job.now_utc(), job.now_utc(), False, 4, None, error="another run holds it")
    monkeypatch.setattr(job, "run_scoring", lambda *a, **k: skipped)
    assert tick() == "tick: scoring run 9 skipped: another run holds it; no question due"


# ------------------------------------------------------------------------------------------ processes


def start_scheduler(url: str, log: Path, every: str = "1s", hold: float | None = None) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.pop(HOLD_ENV, None)
    if hold is not None:
        env[HOLD_ENV] = str(hold)
    return subprocess.Popen(
        [TRACKER, "--db", url, "schedule", "run", "--every", every],
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        env=env,
    )


def started(log: Path) -> bool:
    return "stop with Ctrl-C or SIGTERM" in log.read_text(errors="replace")


def stop(proc: subprocess.Popen[bytes], log: Path) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"the scheduler did not stop on SIGTERM:\n{log.read_text()}") from None
    assert code == 0, log.read_text()
    assert "scheduler stopped" in log.read_text()


def test_sigterm_stops_schedule_run_cleanly_after_the_running_job(ledger: Ledger, tmp_path: Path) -> None:
    seed(ledger, 1)
    log = tmp_path / "scheduler.log"
    # every hour, but it runs once at start; that run holds the lock for 2 s, and SIGTERM arrives during it
    proc = start_scheduler(ledger.url, log, every="1h", hold=2.0)
    try:
        wait_for(lambda: started(log), "the scheduler to start")
        wait_for(lambda: _signal_when_running(ledger, proc), "the first run to take the lock, then SIGTERM")
        stop(proc, log)  # a second SIGTERM while stopping is harmless
    finally:
        if proc.poll() is None:
            proc.kill()
    assert statuses(ledger) == ["ok"]  # the run in progress finished and was recorded
    messages = [line.split(" ", 3)[-1] for line in log.read_text().splitlines() if " INFO " in line]
    assert len(messages) == len(set(messages)), messages  # no line logged twice
    assert [m for m in messages if "tick: scoring run 1:" in m], messages


def _signal_when_running(led: Ledger, proc: subprocess.Popen[bytes]) -> bool:
    """Send SIGTERM once the scoring run holds its lock (SQLite: the lease row exists)."""
    from tracker.store.db import is_postgres

    with led.engine.connect() as conn:
        if is_postgres(conn):
            from sqlalchemy import text

            held = conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")).scalar()
        else:
            from tracker.store.schema import scoring_lease

            held = conn.execute(select(scoring_lease.c.holder)).scalar()
    if held:
        proc.send_signal(signal.SIGTERM)
        return True
    return False


def test_two_scheduler_processes_never_score_at_the_same_time(ledger: Ledger, tmp_path: Path) -> None:
    """Two `tracker schedule run --every 1s` on one database (the shape APScheduler's FAQ warns against), while
    forecasts keep arriving: the run history shows no two runs overlapping in time, and some runs skipped."""
    seed(ledger, 3)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [start_scheduler(ledger.url, log, hold=0.3) for log in logs]
    try:
        for log in logs:
            wait_for(lambda log=log: started(log), "both schedulers to start")
        n = 0

        def busy() -> bool:
            nonlocal n
            n += 1
            ledger.record_forecast(f"q{n % 3}", f"Forecaster {n % 5}", (n % 10) / 10, D0 + timedelta(days=1))
            s = statuses(ledger)
            return s.count("ok") >= 6 and s.count("skipped") >= 1

        try:
            wait_for(busy, "several runs, and at least one skipped because the other process held the lock")
        except AssertionError as e:
            raise AssertionError(
                f"{e}: {statuses(ledger)}\n{logs[0].read_text()[-3000:]}\n{logs[1].read_text()[-3000:]}"
            ) from None
        for p in procs:
            assert p.poll() is None, "a scheduler died"
    finally:
        for p, log in zip(procs, logs, strict=True):
            if p.poll() is None:
                stop(p, log)
    recorded = [r for r in runs(ledger) if r["status"] in ("ok", "failed")]
    assert all(r["status"] == "ok" for r in recorded), [r["error"] for r in recorded]
    intervals = sorted((r["started_at"], r["finished_at"]) for r in recorded)
    for (_, end), (start, _) in zip(intervals, intervals[1:], strict=False):
        assert end <= start, "two scoring runs overlapped"
    holders = {r["holder"].rsplit(":", 1)[0] for r in runs(ledger)}
    assert len(holders) == 2  # both processes took part (ran or were skipped)
    # the positions scored through never go backwards, and a full rescore afterwards changes nothing
    through = [r["through_position"] for r in sorted(recorded, key=lambda r: r["run_id"])]
    assert through == sorted(through)
    assert ledger.score().status in ("ok", "noop")  # what arrived after the last scheduled run
    full = ledger.score(full=True)
    assert (full.changed["scores_added"], full.changed["scores_changed"], full.changed["scores_removed"]) == (0, 0, 0)
