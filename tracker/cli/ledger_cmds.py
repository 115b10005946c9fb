"""Commands that write: init, source, question, forecast, resolve, annul, reopen."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from tracker.cli import render
from tracker.cli.common import DefaultSubcommandGroup, ledger, parse_date, parse_ps, require_date, say
from tracker.domain.fields import MAX_DOCUMENT
from tracker.domain.state import ForecastState
from tracker.errors import UserError

MAX_SOURCE_FILE = MAX_DOCUMENT  # bytes: a file larger than this cannot hold a document within the limit


def read_document(path: Path) -> str:
    """A source's file as the catalog reads it: its bytes as UTF-8, line endings as they are, a leading
    byte-order mark dropped. The text's digest is then the same whether the source is registered here or in
    seeds/sources.yaml, and (without a byte-order mark) the file's own, by which `tracker extract` finds it."""
    try:
        size = path.stat().st_size if path.is_file() else None
    except OSError as e:  # a name too long, a folder this process may not search
        raise UserError(f"cannot read {str(path)!r}: {e.strerror or e}", "file") from None
    if size is None:
        raise UserError(f"{str(path)!r} is not a readable file", "file")
    if size > MAX_SOURCE_FILE:
        raise UserError(f"{str(path)!r} is larger than {MAX_SOURCE_FILE} bytes", "file")
    try:
        raw = path.read_bytes()
    except OSError as e:  # permissions, a failing disk: a regular file can still refuse to be read
        raise UserError(f"cannot read {str(path)!r}: {e.strerror or e}", "file") from None
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        raise UserError(f"{str(path)!r} is not UTF-8 text (byte {e.start})", "file") from None


def _say_hindsight(cases: tuple[ForecastState, ...], known_on: date) -> None:
    """Name the forecasts a resolution leaves unscored (made on or after the day the outcome was known)."""
    if not cases:
        return
    were, cases_word = ("was", "a hindsight case") if len(cases) == 1 else ("were", "hindsight cases")
    say(
        f"{render.plural(len(cases), 'forecast')} {were} made on or after {known_on.isoformat()}, when the outcome "
        f"was known: {cases_word}, never scored ('tracker hindsight' lists them)"
    )
    for f in cases:
        say(f"  {f.forecast_id} by {f.forecaster_id}, made {f.made_at}")


def init(ctx: typer.Context) -> None:
    """Create the ledger, or upgrade it to this version's schema (Alembic migrations)."""
    led = ledger(ctx)
    before, after = led.init()
    if before == after:
        say(f"ledger at {led.database} is up to date (schema {after})")
    elif before is None:
        say(f"created ledger at {led.database} (schema {after})")
    else:
        say(f"upgraded ledger at {led.database} from schema {before} to {after}")


def source_add(
    ctx: typer.Context,
    source_id: str = typer.Argument(..., help="A readable id, e.g. politico-2026-01-14-dettmer."),
    title: str = typer.Option(..., "--title"),
    outlet: str = typer.Option(None, "--outlet"),
    author: list[str] = typer.Option([], "--author", help="Repeat for several authors."),
    published: str = typer.Option(None, "--published", help="YYYY-MM-DD"),
    date_basis: str = typer.Option(None, "--date-basis", help="How the date was established."),
    url: str = typer.Option(None, "--url"),
    file: Path = typer.Option(None, "--file", help="The document's text; quotes citing it are checked."),
    notes: str = typer.Option(None, "--notes"),
) -> None:
    """Register a source document."""
    text = read_document(file) if file is not None else None
    led = ledger(ctx)
    (e,) = led.add_source(
        source_id, title, outlet, tuple(author), parse_date(published, "published"), date_basis, url, text, notes
    )
    sha = e.data.get("sha256")
    say(f"source {source_id} registered at position {e.position}" + (f" (sha256 {sha[:12]}…)" if sha else ""))


def question_add(
    ctx: typer.Context,
    question_id: str = typer.Argument(None, help="A readable slug; generated from the title when left out."),
    title: str = typer.Option(..., "--title"),
    criteria: str = typer.Option(..., "--criteria", help="How the question resolves."),
    kind: str = typer.Option("binary", "--type", help="binary or multiple_choice."),
    option: list[str] = typer.Option([], "--option", help="An option of a multiple-choice question (repeat)."),
    resolve_by: str = typer.Option(None, "--resolve-by", help="YYYY-MM-DD"),
    opened: str = typer.Option(
        None, "--opened", help="YYYY-MM-DD (default: the --source's publication day, else today)."
    ),
    tag: list[str] = typer.Option([], "--tag"),
    condition: str = typer.Option(None, "--condition", help="For a conditional question: its condition."),
    source: str = typer.Option(
        None, "--source", help="The source whose forecasts bear on it: the question opens on its date."
    ),
) -> None:
    """Open a question. Forecasts on it may not be dated before it opened: for a question taken from an
    article, give --source (or --opened) so that it opens no later than the article."""
    kind = kind.replace("-", "_")
    qid = ledger(ctx).open_question(
        title,
        criteria,
        question_id,
        kind,
        tuple(option),
        parse_date(resolve_by, "resolve_by"),
        parse_date(opened, "opened"),
        tuple(tag),
        condition,
        source,
    )
    say(f"question {qid} opened")


def question_clarify(
    ctx: typer.Context,
    question_id: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    criteria: str = typer.Option(None, "--criteria"),
    resolve_by: str = typer.Option(None, "--resolve-by"),
    title: str = typer.Option(None, "--title"),
    opened: str = typer.Option(
        None,
        "--opened",
        help="Correct the day it opened, YYYY-MM-DD: not after a forecast on it or its outcome.",
    ),
) -> None:
    """Change a question's criteria, deadline, title or opening day, with a reason (a new event)."""
    ledger(ctx).clarify(
        question_id, reason, criteria, parse_date(resolve_by, "resolve_by"), title, parse_date(opened, "opened")
    )
    say(f"question {question_id} clarified")


def forecast_record(
    ctx: typer.Context,
    question_id: str = typer.Argument(..., metavar="QUESTION"),
    forecaster: str = typer.Option(..., "--forecaster", help="Who made the forecast, in any script."),
    forecaster_id: str = typer.Option(
        None, "--forecaster-id", help="The forecaster's id (default: made from the name, e.g. dmitrii-trenin)."
    ),
    role: str = typer.Option(None, "--role"),
    p: list[str] = typer.Option([], "--p", help="0.2 (binary) or option=0.3, repeated (multiple choice)."),
    says: str = typer.Option(None, "--says", help="A phrase on the verbal scale, e.g. 'unlikely'."),
    reading: str = typer.Option(
        "affirms", "--reading", help="With --says: the phrase hedges the question's YES (affirms) or its NO."
    ),
    scale: int = typer.Option(None, "--scale", help="With --says: the scale version (default: the latest)."),
    made_at: str = typer.Option(..., "--made-at", help="When it was made (the source's date), YYYY-MM-DD."),
    source: str = typer.Option(None, "--source", help="Source id."),
    quote: str = typer.Option(None, "--quote", help="The verbatim quote."),
    hedge: str = typer.Option(None, "--hedge", help="The hedge phrase as written."),
    method: str = typer.Option(None, "--method", help="stated or judgement (with --p)."),
    unverified_quote: bool = typer.Option(False, "--unverified-quote", help="Record a quote not found in the file."),
    forecast_id: str = typer.Option(None, "--id", help="A forecast id (default: generated)."),
) -> None:
    """Record a forecast on QUESTION: a probability (--p) or a phrase of the verbal scale (--says).

    To withdraw a recorded forecast: tracker forecast withdraw FORECAST_ID --reason TEXT."""
    led = ledger(ctx)
    made = require_date(made_at, "made_at")
    if says is not None and p:
        raise UserError("give either --p or --says, not both", "says")
    if says is not None:
        from tracker.app.verbal import verbal_forecast

        probabilities, derivation = verbal_forecast(says, reading, scale)
        hedge = hedge or says
    else:
        probabilities = parse_ps(p)
        derivation = {"method": method or "stated"}
    fid = led.record_forecast(
        question_id,
        forecaster,
        probabilities,
        made,
        role,
        source,
        quote,
        hedge,
        derivation,
        unverified_quote,
        forecast_id,
        forecaster_id,
    )
    say(f"forecast {fid} recorded on {question_id}")


def forecast_withdraw(
    ctx: typer.Context,
    forecast_id: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
) -> None:
    """Withdraw a forecast (a data-entry error); it stays in the log, unscored."""
    ledger(ctx).withdraw_forecast(forecast_id, reason)
    say(f"forecast {forecast_id} withdrawn")


def resolve_record(
    ctx: typer.Context,
    question_id: str = typer.Argument(..., metavar="QUESTION"),
    outcome: str = typer.Argument(..., help="yes / no, or an option."),
    on: str = typer.Option(..., "--on", help="When the outcome became known, YYYY-MM-DD."),
    evidence: str = typer.Option(None, "--evidence", help="A URL or text."),
    known_before_opened: bool = typer.Option(
        False, "--known-before-opened", help="--on is before the question opened, and that is what happened."
    ),
) -> None:
    """Resolve QUESTION with OUTCOME (yes or no, or one of its options).

    To correct a resolution: tracker resolve correct QUESTION OUTCOME --on DATE --reason TEXT."""
    on_day = require_date(on, "on")
    cases = ledger(ctx).resolve(question_id, outcome.lower(), on_day, evidence, known_before_opened=known_before_opened)
    say(f"question {question_id} resolved: {outcome.lower()}")
    _say_hindsight(cases, on_day)


def resolve_correct(
    ctx: typer.Context,
    question_id: str = typer.Argument(...),
    outcome: str = typer.Argument(...),
    on: str = typer.Option(..., "--on"),
    reason: str = typer.Option(..., "--reason"),
    evidence: str = typer.Option(None, "--evidence"),
    known_before_opened: bool = typer.Option(
        False, "--known-before-opened", help="--on is before the question opened, and that is what happened."
    ),
) -> None:
    """Correct a resolution (a new event; the old one stays in the log)."""
    on_day = require_date(on, "on")
    cases = ledger(ctx).correct(
        question_id, outcome.lower(), on_day, reason, evidence, known_before_opened=known_before_opened
    )
    say(f"question {question_id} resolution corrected: {outcome.lower()}")
    _say_hindsight(cases, on_day)


def annul(
    ctx: typer.Context,
    question_id: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    on: str = typer.Option(None, "--on", help="YYYY-MM-DD"),
) -> None:
    """Void a question (a failed condition, an ambiguous outcome): it is not scored."""
    ledger(ctx).annul(question_id, reason, parse_date(on, "on"))
    say(f"question {question_id} annulled")


def reopen(
    ctx: typer.Context,
    question_id: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
) -> None:
    """Reopen a resolved or annulled question."""
    ledger(ctx).reopen(question_id, reason)
    say(f"question {question_id} reopened")


def register(app: typer.Typer) -> None:
    app.command()(init)
    source = typer.Typer(help="Documents that contain forecasts.", no_args_is_help=True)
    app.add_typer(source, name="source")
    source.command("add")(source_add)
    question = typer.Typer(help="Questions that will resolve.", no_args_is_help=True)
    app.add_typer(question, name="question")
    question.command("add")(question_add)
    question.command("clarify")(question_clarify)
    forecast = typer.Typer(
        cls=DefaultSubcommandGroup,
        help="Record a forecast (tracker forecast QUESTION ...) or withdraw one.",
        no_args_is_help=False,
    )
    app.add_typer(forecast, name="forecast")
    forecast.command("record", hidden=True)(forecast_record)
    forecast.command("withdraw")(forecast_withdraw)
    resolve = typer.Typer(
        cls=DefaultSubcommandGroup, help="Resolve a question (tracker resolve QUESTION OUTCOME), or correct."
    )
    app.add_typer(resolve, name="resolve")
    resolve.command("record", hidden=True)(resolve_record)
    resolve.command("correct")(resolve_correct)
    app.command()(annul)
    app.command()(reopen)
