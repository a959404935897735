"""Figures for the dashboard widget: the year's volume by document type, the
median and 90th-percentile processing time (receipt to ready, in working days)
against the target, and the talent targets."""
import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core import clock
from core.extensions import db
from core.tickets.deadlines import end_of_local_day, local_date
from plugins.exit_entry.applications import working_days_between
from plugins.exit_entry.models import Applicant, Application
from plugins.exit_entry.vocabulary import DOC_TYPES, TARGET_DAYS


@dataclass(frozen=True)
class DocTypeFigures:
    doc_type: str
    volume: int
    ready: int
    median_days: float | None
    p90_days: float | None
    target_normal: int
    target_urgent: int
    overdue: int


def percentile(values: list, share: float) -> float | None:
    """The ``share`` quantile by linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 1)


def by_doc_type(actor, year: int | None = None) -> list[DocTypeFigures]:
    year = year or local_date(clock.now()).year
    start = end_of_local_day(datetime(year - 1, 12, 31).date())
    end = end_of_local_day(datetime(year, 12, 31).date())
    rows = db.session.execute(
        select(Applicant.doc_type, Applicant.received_at, Applicant.ready_at, Applicant.target_at)
        .join(Application).where(actor.scope.filter(Application.unit_id), Applicant.received_at > start,
                                 Applicant.received_at <= end)).all()
    now = clock.now()
    found = []
    for code in DOC_TYPES:
        mine = [r for r in rows if r.doc_type == code]
        taken = [working_days_between(local_date(r.received_at), local_date(r.ready_at)) for r in mine if r.ready_at]
        late = sum(1 for r in mine if (r.ready_at or now) > r.target_at)
        found.append(DocTypeFigures(code, len(mine), len(taken),
                                    round(statistics.median(taken), 1) if taken else None, percentile(taken, 0.9),
                                    TARGET_DAYS[code]["normal"], TARGET_DAYS[code]["urgent"], late))
    return found
