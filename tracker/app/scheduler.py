"""`tracker schedule run`: the scoring job on a schedule, with APScheduler 3.x.

Shape:

- A `BlockingScheduler` with a `SQLAlchemyJobStore` in the ledger's own database (table ``apscheduler_jobs``,
  created by APScheduler, ignored by the migrations' ``alembic check``).
- One job, ``JOB_ID``, referenced by text (``JOB_REF``) with the database URL as its argument, so that the stored
  job survives a restart of the scheduler; it is added with ``replace_existing=True`` so a restart with a new
  interval replaces it. ``coalesce=True`` (missed runs collapse into one), ``misfire_grace_time`` of
  `MISFIRE_GRACE_SECONDS`, ``max_instances=1``. It runs once at start, then on the trigger.
- The URL is stored without its password (the job store's rows are readable by anyone who can read the ledger);
  the process that added the job maps it back to its full URL, and libpq's PGPASSWORD / ~/.pgpass still apply.
- SIGINT and SIGTERM stop it cleanly: the running scoring run (if any) finishes, then the process exits 0.
- A run that raises is recorded by `run_scoring` (status "failed" in ``scoring_runs``), logged in one line, and
  the scheduler carries on; the next run starts again from the last good checkpoint.
- Each tick logs one line (logger ``tracker.schedule``): what scoring did (a run, nothing new, skipped, failed)
  and the due check (the open questions past their resolve-by date, named when the list changes).

The constraint this is built around: APScheduler 3 cannot share a job store between processes. Its FAQ ("How do
I share a single job store among one or more worker processes?") answers "Short answer: You can't": each
scheduler keeps its own idea of when jobs are due, and nothing stops two of them from running the same job, while
``max_instances`` only counts runs inside one process. So the supported shape is **one scheduler process per
database**. What makes a second one (started by mistake, or on another machine, or a `tracker score` run by hand)
harmless is not APScheduler but the scoring job itself: every run first takes the database-wide exclusion of
`tracker.scoring.job` (a PostgreSQL advisory lock, or the lease row on SQLite) and is skipped, and recorded as
skipped, when another run holds it. Two schedulers on one database therefore never score at the same time; at
worst they both tick, and one of the two runs is skipped.

APScheduler is imported inside the functions, so `tracker --help` and the other commands do not pay for it.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
from datetime import UTC
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from tracker.domain import timepoints
from tracker.errors import TrackerError, UserError
from tracker.words import plural

if TYPE_CHECKING:
    from apscheduler.job import Job
    from apscheduler.schedulers.base import BaseScheduler
    from apscheduler.triggers.base import BaseTrigger

log = logging.getLogger("tracker.schedule")

JOB_ID = "tracker-scoring"
JOB_REF = "tracker.app.scheduler:scheduled_run"
MISFIRE_GRACE_SECONDS = 300

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVERY = re.compile(r"^(?:\d{1,12}[smhd])+$")
MAX_EVERY = 366 * 86400  # seconds: scoring less often than yearly is no schedule

# This process's engines (one per database) and full URLs (stored URL -> URL with its password).
_engines: dict[str, Engine] = {}
_full_urls: dict[str, str] = {}
_lock = threading.Lock()


def stored_url(url: str) -> str:
    """The URL as kept in the job store: without a password."""
    u = make_url(url)
    if u.password is not None:
        u = u._replace(password=None)  # URL.set(password=None) would mean "leave it as it is"
    return u.render_as_string(hide_password=False)


def _engine_for(url: str) -> Engine:
    from tracker.store.db import make_engine

    full = _full_urls.get(url, url)
    with _lock:
        engine = _engines.get(full)
        if engine is None:
            engine = _engines[full] = make_engine(full)
        return engine


def dispose_engines() -> None:
    """Close this process's scoring engines (the scheduler does it when it stops)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def scheduled_run(url: str) -> dict[str, Any] | None:
    """The scheduled job: one scoring run, then the due check; logs one line saying what the tick did. Never
    raises (a failure is recorded by `run_scoring` and logged)."""
    from tracker.scoring.job import run_scoring

    result: Any = None
    failure: str | None = None
    try:
        result = run_scoring(_engine_for(url))
    except TrackerError as e:
        failure = str(e)
    except Exception as e:  # a bug: keep the scheduler alive, say what happened
        log.exception("scoring run raised %s: %s", type(e).__name__, e)
        failure = f"{type(e).__name__}: {e}"
    due = _due_ids(url)
    line = tick_line(result, failure, due, _last_due)
    _remember_due(due)
    log.log(logging.ERROR if failure else logging.INFO, "%s", line)
    return None if result is None else dict(result.to_dict())


def tick_line(result: Any, failure: str | None, due: set[str] | None, last_due: set[str] | None) -> str:
    """One line for a tick: what scoring did, and the due check (the ids when the list changed)."""
    from tracker.scoring.job import NOOP, OK

    if failure is not None:
        scoring = f"scoring failed: {failure}"
    elif result.status == OK:
        c = result.changed
        scoring = (
            f"scoring run {result.run_id}: {plural(result.questions_rescored, 'question')} rescored through "
            f"position {result.through_position} ({plural(c.get('scores_added') or 0, 'score')} added, "
            f"{c.get('scores_changed')} changed, {c.get('scores_removed')} removed)"
        )
    elif result.status == NOOP:
        scoring = f"nothing new to score (through position {result.through_position})"
    else:
        scoring = f"scoring run {result.run_id} {result.status}: {result.error}"
    if due is None:
        check = "due check failed (see the warning above)"
    elif not due:
        check = "no question due"
    elif due != last_due:
        check = f"{plural(len(due), 'question')} due: {', '.join(sorted(due))}"
    else:
        check = f"{plural(len(due), 'question')} due (unchanged)"
    return f"tick: {scoring}; {check}"


_last_due: set[str] | None = None


def _remember_due(ids: set[str] | None) -> None:
    global _last_due
    if ids is not None:
        _last_due = ids


def _due_ids(url: str) -> set[str] | None:
    """Open questions past their resolve-by date (what `tracker due` lists), or None when they cannot be read."""
    from tracker.read.reader import Reader

    try:
        rows, _, _ = Reader(_engine_for(url), lambda: timepoints.utc_now().date(), lambda: None).rows("due")
    except TrackerError as e:
        log.warning("could not list due questions: %s", e)
        return None
    return {str(r["question_id"]) for r in rows}


# --------------------------------------------------------------------------------------------- configuration


def parse_every(value: str) -> int:
    """``1h``, ``30m``, ``90s``, ``1d``, or combinations such as ``1h30m``: seconds (at least 1)."""
    v = value.strip().lower()
    if not _EVERY.match(v):
        raise UserError(f"{value!r} is not an interval: write e.g. 90s, 30m, 1h, 1d or 1h30m", "every")
    seconds = sum(int(n) * _UNITS[u] for n, u in re.findall(r"(\d+)([smhd])", v))
    if seconds < 1:
        raise UserError("the interval must be at least 1s", "every")
    if seconds > MAX_EVERY:  # (a huge one overflows the scheduler's clock arithmetic)
        raise UserError(f"the interval must be at most {MAX_EVERY // 86400}d", "every")
    return seconds


def build_trigger(every: str | None = None, cron: str | None = None, timezone: str = "UTC") -> BaseTrigger:
    """An IntervalTrigger (``every``) or a CronTrigger from a crontab line (``cron``, in ``timezone``)."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if (every is None) == (cron is None):
        raise UserError("give exactly one of --every (e.g. 1h) or --cron (e.g. '*/15 * * * *')", "schedule")
    try:
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(timezone)
    except Exception:
        raise UserError(f"{timezone!r} is not a time zone (e.g. UTC, Europe/Paris)", "tz") from None
    if every is not None:
        return IntervalTrigger(seconds=parse_every(every), timezone=tz)
    assert cron is not None
    try:
        return CronTrigger.from_crontab(cron, timezone=tz)
    except ValueError as e:
        raise UserError(f"{cron!r} is not a crontab line (minute hour day month weekday): {e}", "cron") from None


def make_jobstore(url: str) -> Any:
    """APScheduler's SQLAlchemy job store in the ledger's database, on an engine configured like the ledger's
    (SQLite: WAL and the busy timeout, so the store waits for a writer instead of failing at once)."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    from tracker.store.db import make_engine

    return SQLAlchemyJobStore(engine=make_engine(url))


def ensure_jobstore_table(store: Any, attempts: int = 5) -> None:
    """Create the job store's table unless it exists, tolerating another process creating it at the same moment.

    APScheduler's own start() checks for the table and then creates it; two schedulers starting together on a
    fresh database can both see it missing, and the second CREATE TABLE fails (PostgreSQL: a unique violation in
    pg_type; SQLite: "table already exists"). After this, start() finds the table and creates nothing.
    """
    from sqlalchemy import exc as sa_exc
    from sqlalchemy import inspect

    for attempt in range(attempts):
        try:
            store.jobs_t.create(store.engine, checkfirst=True)
            return
        except sa_exc.DBAPIError:
            if inspect(store.engine).has_table(store.jobs_t.name):
                return
            if attempt == attempts - 1:
                raise
            time.sleep(0.1 * (attempt + 1))


def make_scheduler(url: str, blocking: bool = True) -> BaseScheduler:
    """A scheduler whose default job store is the ledger's database (BackgroundScheduler when not blocking)."""
    from apscheduler.executors.pool import ThreadPoolExecutor

    if blocking:
        from apscheduler.schedulers.blocking import BlockingScheduler as Scheduler
    else:
        from apscheduler.schedulers.background import BackgroundScheduler as Scheduler
    store = make_jobstore(url)
    ensure_jobstore_table(store)
    return Scheduler(
        jobstores={"default": store},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
        timezone=UTC,
    )


def add_scoring_job(scheduler: BaseScheduler, url: str, trigger: BaseTrigger, run_now: bool = True) -> Job:
    """Add (or replace) the scoring job: a textual reference and the password-less URL, so it survives restarts."""
    key = stored_url(url)
    _full_urls[key] = url
    kwargs: dict[str, Any] = {}
    if run_now:
        kwargs["next_run_time"] = timepoints.utc_now()
    return scheduler.add_job(
        JOB_REF,
        trigger=trigger,
        args=[key],
        id=JOB_ID,
        name="tracker scoring",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=MISFIRE_GRACE_SECONDS,
        max_instances=1,
        **kwargs,
    )


def run_forever(url: str, trigger: BaseTrigger, announce: Any = None) -> None:
    """Run the scheduler in the foreground until SIGINT or SIGTERM; then let a running job finish and return."""
    from apscheduler.schedulers import SchedulerNotRunningError

    from tracker.store.db import translate_errors

    with translate_errors():
        scheduler = make_scheduler(url, blocking=True)
    add_scoring_job(scheduler, url, trigger)
    stopping = threading.Event()
    stopper: list[threading.Thread] = []

    def shutdown() -> None:
        # From a thread, not from the signal handler: shutdown() takes the scheduler's locks, which the main
        # thread may hold at the moment the signal arrives.
        while True:
            try:
                scheduler.shutdown(wait=True)
                return
            except SchedulerNotRunningError:  # the signal came before start() finished starting
                if started_and_returned.is_set():
                    return
                time.sleep(0.05)

    def on_signal(signum: int, _frame: Any) -> None:
        if stopping.is_set():
            return
        stopping.set()
        log.info("received %s: stopping after the running job", signal.Signals(signum).name)
        thread = threading.Thread(target=shutdown, name="tracker-scheduler-stop", daemon=True)
        stopper.append(thread)
        thread.start()

    started_and_returned = threading.Event()
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        if announce is not None:
            announce()
        with translate_errors():
            scheduler.start()  # blocks until shutdown
    finally:
        started_and_returned.set()
        for thread in stopper:  # start() returns as soon as the state is "stopped": wait for the running job
            thread.join()
        for s, handler in previous.items():
            signal.signal(s, handler)
        if scheduler.running:
            scheduler.shutdown(wait=True)
        dispose_engines()
    log.info("scheduler stopped")
