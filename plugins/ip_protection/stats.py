"""Figures for the dashboard widget: this year's consultations answered on
time, health checks done, and cases by type."""
from core import clock
from core.tickets.deadlines import local_date
from plugins.ip_protection import cases, checks, consultations


def summary(actor, year: int | None = None) -> dict:
    year = year or local_date(clock.now()).year
    on_time, answered = consultations.on_time_counts(actor, year)
    by_kind = cases.counts_by_kind(actor)
    return {"year": year, "on_time": on_time, "answered": answered,
            "on_time_rate": round(100 * on_time / answered) if answered else None,
            "checks": checks.done_count(actor, year),
            "cases": [(kind, label, by_kind.get(kind, 0)) for kind, label in cases.KINDS.items()]}
