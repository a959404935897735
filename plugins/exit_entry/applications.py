"""Green-channel applications: an enterprise applies for one or many staff at
once; each applicant's document goes received → materials checked → submitted
→ ready → collected, strictly in order, against a target time counted in
working days per document type and urgency.

ID numbers are checked with core's personal-data service, stored encrypted
with a lookup hash, and never put in a message, a log line or an audit detail.
"""
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.audit import services as audit
from core.calendar.services import is_workday
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.privacy import services as privacy
from core.privacy import validation as personal
from core.registry import services as registry
from core.text import clean_text
from core.tickets.deadlines import Deadline, after_working_days, local_date
from plugins.exit_entry.models import Applicant, Application
from plugins.exit_entry.vocabulary import DOC_TYPES, RELATIONS, STATUSES, STEP_COLUMNS, STEPS, TARGET_DAYS, URGENCIES

BATCH_LIMIT = 50          # larger batches are served on site (上门帮办)


@dataclass
class ApplicantInput:
    name: str = ""
    id_number: str = ""
    relation: str = ""
    doc_type: str = ""
    purpose: str = ""
    destination: str = ""
    travel_from: date | None = None
    travel_to: date | None = None
    urgency: str = "normal"

    def is_blank(self) -> bool:
        return not any((clean_text(self.name, 50), str(self.id_number or "").strip(), self.destination.strip(),
                        self.purpose.strip(), self.travel_from, self.travel_to))


def target(doc_type: str, urgency: str, received_at: datetime) -> tuple[Deadline, int]:
    """The end of the n-th working day after the day of receipt (that day does
    not count), n by document type and urgency."""
    days = TARGET_DAYS[doc_type][urgency]
    return after_working_days(received_at, days), days


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``: how long a
    document took, in the units its target is counted in."""
    count, day = 0, start
    while day < end:
        day = date.fromordinal(day.toordinal() + 1)
        count += is_workday(day)
    return count


# --- reading ------------------------------------------------------------------------------

def get(actor, application_id) -> Application:
    actor.require("exit_entry.read")
    application = db.session.get(Application, application_id) if application_id else None
    if application is None or not actor.scope.allows(application.unit_id):
        raise NotFound(_l("There is no such application."))
    return application


def get_applicant(actor, applicant_id) -> Applicant:
    actor.require("exit_entry.read")
    applicant = db.session.get(Applicant, applicant_id) if applicant_id else None
    if applicant is None or not actor.scope.allows(applicant.application.unit_id):
        raise NotFound(_l("There is no such applicant."))
    return applicant


def recent(actor, limit: int = 50) -> list[Application]:
    actor.require("exit_entry.read")
    return list(db.session.scalars(select(Application).where(actor.scope.filter(Application.unit_id))
                                   .order_by(Application.id.desc()).limit(limit)))


def for_enterprise(actor, enterprise_id, limit: int = 20) -> list[Application]:
    actor.require("exit_entry.read")
    return list(db.session.scalars(select(Application).where(actor.scope.filter(Application.unit_id),
                                                             Application.enterprise_id == enterprise_id)
                                   .order_by(Application.id.desc()).limit(limit)))


def overdue(actor, limit: int = 100) -> list[Applicant]:
    """Applicants not ready by their target time, oldest target first."""
    actor.require("exit_entry.read")
    stmt = (select(Applicant).join(Application)
            .where(actor.scope.filter(Application.unit_id), Applicant.ready_at.is_(None),
                   Applicant.target_at < clock.now())
            .order_by(Applicant.target_at).limit(limit))
    return list(db.session.scalars(stmt))


def reveal_id(actor, applicant_id) -> Applicant:
    """The applicant whose ID number ``actor`` asks to see in full; audited
    (Forbidden, also audited, for a role that may not)."""
    applicant = get_applicant(actor, applicant_id)
    privacy.reveal(actor, applicant, "id_number", detail={"application_id": applicant.application_id})
    return applicant


# --- registering a batch ------------------------------------------------------------------

def _check_row(n: int, row: ApplicantInput, today: date, errors: dict) -> dict:
    """The row's clean values; problems go to ``errors`` under ``<field>_<n>``."""
    label = n + 1
    name = clean_text(row.name, 50)
    if not name:
        errors[f"name_{n}"] = [_l("Row %(n)d: give the applicant's name.", n=label)]
    elif len(name) > 50:
        errors[f"name_{n}"] = [_l("Row %(n)d: the name is too long.", n=label)]
    number = ""
    try:
        number = personal.citizen_id(row.id_number)
        if not number:
            errors[f"id_number_{n}"] = [_l("Row %(n)d: give the citizen ID number.", n=label)]
    except ValidationError as error:
        errors[f"id_number_{n}"] = [_l("Row %(n)d: %(problem)s", n=label, problem=error.message)]
    if row.relation not in RELATIONS:
        errors[f"relation_{n}"] = [_l("Row %(n)d: choose the applicant's relation to the enterprise.", n=label)]
    if row.doc_type not in DOC_TYPES:
        errors[f"doc_type_{n}"] = [_l("Row %(n)d: choose the document applied for.", n=label)]
    if row.urgency not in URGENCIES:
        errors[f"urgency_{n}"] = [_l("Row %(n)d: choose normal or urgent.", n=label)]
    destination = clean_text(row.destination, 100)
    if not destination:
        errors[f"destination_{n}"] = [_l("Row %(n)d: give the destination.", n=label)]
    purpose = clean_text(row.purpose, 200)
    if not purpose:
        errors[f"purpose_{n}"] = [_l("Row %(n)d: give the purpose of the travel.", n=label)]
    if row.travel_from is None:
        errors[f"travel_from_{n}"] = [_l("Row %(n)d: give the planned date of travel.", n=label)]
    elif row.travel_from < today:
        errors[f"travel_from_{n}"] = [_l("Row %(n)d: the planned travel date is in the past.", n=label)]
    elif row.travel_to is not None and row.travel_to < row.travel_from:
        errors[f"travel_to_{n}"] = [_l("Row %(n)d: the return comes before the departure.", n=label)]
    return {"name": name[:50], "id_number": number, "relation": row.relation, "doc_type": row.doc_type,
            "urgency": row.urgency, "destination": destination[:100], "purpose": purpose[:200],
            "travel_from": row.travel_from, "travel_to": row.travel_to}


def register(actor, enterprise_id, rows: list[ApplicantInput], note: str = "", appointment_id=None,
             submission_key: str | None = None) -> Application:
    """受理: one application for ``rows`` (blank rows are left out). Everything
    is checked before anything is written; one transaction."""
    actor.require("exit_entry.handle")
    if submission_key:
        existing = db.session.scalar(select(Application).where(Application.submission_key == submission_key))
        if existing is not None:
            return get(actor, existing.id)
    errors = {}
    enterprise = None
    try:
        enterprise = registry.get(actor, enterprise_id) if enterprise_id else None
    except NotFound:
        pass
    if enterprise is None:
        errors["enterprise"] = [_l("Choose an enterprise of your units' area.")]
    if appointment_id is not None:
        from plugins.exit_entry import appointments

        try:
            booked = appointments.get(actor, appointment_id)
            if enterprise is not None and booked.enterprise_id != enterprise.id:
                errors["appointment_id"] = [_l("The appointment is another enterprise's.")]
            elif booked.status == appointments.CANCELLED:
                errors["appointment_id"] = [_l("The appointment has been cancelled: receive the application "
                                               "without it.")]
        except NotFound:
            errors["appointment_id"] = [_l("There is no such appointment.")]
    now = clock.now()
    today = local_date(now)
    given = [(n, row) for n, row in enumerate(rows) if not row.is_blank()]
    if not given:
        errors["rows"] = [_l("Enter at least one applicant.")]
    elif len(given) > BATCH_LIMIT:
        errors["rows"] = [_l("At most %(n)d applicants at the window; ask for on-site service for a larger batch.",
                             n=BATCH_LIMIT)]
    clean, seen = [], {}
    for n, row in given[:BATCH_LIMIT]:
        values = _check_row(n, row, today, errors)
        number = values["id_number"]
        if number:
            if number in seen:
                errors[f"id_number_{n}"] = [_l("Row %(n)d is the same person as row %(m)d (the same ID number).",
                                               n=n + 1, m=seen[number] + 1)]
            else:
                seen[number] = n
        clean.append(values)
    if errors:
        audit.record_failure(actor, "exit_entry.apply", object_type="exit_entry_application",
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    application = Application(unit_id=actor.unit_id or enterprise.unit_id, enterprise_id=enterprise.id,
                              appointment_id=appointment_id, note=clean_text(note, 500)[:500], received_at=now,
                              created_by_id=actor.user_id, submission_key=submission_key)
    for values in clean:
        due, days = target(values["doc_type"], values["urgency"], now)
        application.applicants.append(Applicant(**values, status="received", received_at=now, target_at=due.at,
                                                target_days=days))
    db.session.add(application)
    db.session.flush()
    audit.record(actor, "exit_entry.apply", application,
                 detail={"enterprise_id": enterprise.id, "applicants": len(clean),
                         "doc_types": sorted({v["doc_type"] for v in clean})})
    db.session.commit()
    return application


# --- the steps ----------------------------------------------------------------------------

def next_step(applicant: Applicant) -> str | None:
    position = STEPS.index(applicant.status)
    return STEPS[position + 1] if position + 1 < len(STEPS) else None


def advance(actor, applicant_id, to_status: str) -> Applicant:
    """Move the applicant's document to ``to_status``, which must be the next step."""
    applicant = get_applicant(actor, applicant_id)
    actor.require("exit_entry.handle")
    expected = next_step(applicant)
    if to_status != expected:
        audit.record_failure(actor, "exit_entry.step", object_type="exit_entry_applicant", object_id=applicant.id,
                             detail={"from": applicant.status, "to": str(to_status)[:30]})
        if expected is None:
            raise ValidationError(_l("The document has been collected: there is no further step."))
        if to_status not in STATUSES:
            raise ValidationError(_l("There is no such step."))
        raise ValidationError(_l("Steps are taken in order: the next step is “%(step)s”, not “%(wanted)s”.",
                                 step=STATUSES[expected], wanted=STATUSES[to_status]))
    previous = applicant.status
    applicant.status = to_status
    setattr(applicant, STEP_COLUMNS[to_status], clock.now())
    audit.record(actor, "exit_entry.step", applicant, detail={"from": previous, "to": to_status,
                                                              "application_id": applicant.application_id})
    db.session.commit()
    return applicant
