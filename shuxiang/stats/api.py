"""JSON API of the operations platform under ``/api/v1/stats/``: figures, heartbeats, trainings.

Every figure endpoint is scoped: the caller must administer the library (or one above it).
"""

from __future__ import annotations

from ninja import Query, Router

from shuxiang.core.api import AUTH, ErrorOut
from shuxiang.stats import indicators, monitoring, services
from shuxiang.stats.schemas import (
    ComparisonRow,
    FigureOut,
    HeartbeatIn,
    HeartbeatOut,
    PeriodIn,
    TotalsOut,
    TrainingIn,
    TrainingOut,
    TrendPoint,
)

router = Router(tags=["stats"], auth=AUTH)
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _scoped(request, code: str, period: PeriodIn):
    library = services.scoped(request.auth, code)
    first, last = services.period(period.begin, period.end)
    return library, first, last


@router.get("/stats/{code}/totals", response={200: TotalsOut, **ERRORS})
def totals(request, code: str, period: Query[PeriodIn]):
    library, first, last = _scoped(request, code, period)
    data = services.totals(request.auth, library, first, last)
    return {**data, "library": library.code}


@router.get("/stats/{code}/comparison", response={200: list[ComparisonRow], **ERRORS})
def comparison(request, code: str, period: Query[PeriodIn]):
    library, first, last = _scoped(request, code, period)
    rows = services.comparison(request.auth, library, first, last)
    return [
        {
            "library": r["library"].code,
            "name": r["library"].name,
            "events": r["events"],
            "by_kind": r["by_kind"],
        }
        for r in rows
    ]


@router.get("/stats/{code}/trend", response={200: list[TrendPoint], **ERRORS})
def trend(request, code: str, period: Query[PeriodIn]):
    library, first, last = _scoped(request, code, period)
    return [{"day": d, "events": n} for d, n in services.trend(request.auth, library, first, last)]


@router.get("/stats/{code}/heatmap", response={200: list[list[int]], **ERRORS})
def heatmap(request, code: str, period: Query[PeriodIn]):
    library, first, last = _scoped(request, code, period)
    return services.heatmap(request.auth, library, first, last)


@router.get("/stats/{code}/indicators", response={200: list[FigureOut], **ERRORS})
def headline(
    request, code: str, year: int = Query(..., ge=indicators.FIRST_YEAR, le=indicators.LAST_YEAR)
):
    library = services.scoped(request.auth, code)
    rows = indicators.headline(request.auth, library, year)
    return [{**row, "label": str(row["label"])} for row in rows]


@router.post("/stats/{code}/heartbeat", response={200: HeartbeatOut, **ERRORS})
def heartbeat(request, code: str, payload: HeartbeatIn):
    from shuxiang.stats.permissions import library_named

    beat = monitoring.record_heartbeat(request.auth, library_named(code), payload.model_dump())
    return {"library": code, "node": beat.node, "at": beat.at.isoformat()}


@router.post("/stats/{code}/trainings", response={201: TrainingOut, **ERRORS})
def add_training(request, code: str, payload: TrainingIn):
    from shuxiang.stats.permissions import library_named

    session = services.record_training(request.auth, library_named(code), payload.model_dump())
    return 201, {
        "id": session.pk,
        "library": code,
        "title": session.title,
        "held_on": session.held_on,
        "attendees": session.attendees,
    }
