"""`tracker rescale`: re-derive verbal forecasts from another scale version, as new events.

What each forecaster said (the phrase, the reading, the scale it was first read with) stays in its
ForecastRecorded event; a ForecastRescaled event records the new number and why. The next scoring
run rescores the questions those events touched.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tracker.domain import commands as c
from tracker.domain import fields
from tracker.domain.verbal import Reading, derive
from tracker.errors import UserError
from tracker.store.ids import catalog_event_id
from tracker.store.schema import forecasts


def rescale(ledger: Any, scale_version: int, reason: str, dry_run: bool = False) -> list[dict[str, Any]]:
    from tracker.app.verbal import load

    fields.text(reason, "reason")
    scale = load(scale_version)
    with ledger.view() as conn:
        rows = conn.execute(
            select(
                forecasts.c.forecast_id,
                forecasts.c.question_id,
                forecasts.c.phrase,
                forecasts.c.reading,
                forecasts.c.p_yes,
                forecasts.c.scale_version,
            ).where(forecasts.c.method == "verbal", forecasts.c.withdrawn.is_(False))
        ).all()
    # Check every phrase before writing anything: a scale that lacks one is refused as a whole.
    plan = []
    for r in rows:
        if r.scale_version == scale.version:
            continue
        if r.phrase not in scale:
            raise UserError(f"scale v{scale.version} has no phrase {r.phrase!r} (forecast {r.forecast_id})", "scale")
        reading: Reading = "negates" if r.reading == "negates" else "affirms"
        p, low, high = derive(scale.lookup(r.phrase), reading)
        plan.append(
            {
                "forecast_id": r.forecast_id,
                "question_id": r.question_id,
                "phrase": r.phrase,
                "from_version": r.scale_version,
                "to_version": scale.version,
                "p_before": r.p_yes,
                "p_after": p,
                "p_low": low,
                "p_high": high,
            }
        )
    if dry_run:
        return plan
    ledger._same_scale_content({"method": "verbal", "scale_version": scale.version, "scale_digest": scale.digest})
    for item in plan:
        ledger.question_command(
            c.RescaleForecast(
                item["question_id"],
                item["forecast_id"],
                scale.version,
                item["p_after"],
                item["p_low"],
                item["p_high"],
                reason,
                ledger.now(),
                event_id=catalog_event_id("rescale", item["forecast_id"], str(scale.version)),
                scale_digest=scale.digest,
            )
        )
    return plan
