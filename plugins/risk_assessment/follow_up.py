"""Follow-up of the letters: each expects a response by its due day; a response
is recorded only for a delivered letter, and flagged late when received after
the due day; a delivered letter without a response past its due day is overdue."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from core import clock
from core.audit import services as audit
from core.documents.models import Document
from core.errors import ValidationError
from core.extensions import db
from core.text import clean_text
from core.tickets.deadlines import local_date
from plugins.risk_assessment import letters
from plugins.risk_assessment.models import Letter, Response

RESULTS = {"rectified": _l("Rectified"), "in_progress": _l("Rectification under way"),
           "accepted": _l("Advice accepted"), "disputed": _l("Disputed")}
STATES = {"drafting": _l("Being drafted"), "issued": _l("Issued, not yet delivered"),
          "awaiting": _l("Awaiting response"), "overdue": _l("Response overdue"),
          "answered": _l("Answered"), "answered_late": _l("Answered late")}
DELIVERED = "delivered"


def state(letter: Letter, today: date | None = None) -> str:
    today = today or local_date(clock.now())
    if letter.responses:
        return "answered_late" if any(r.late for r in letter.responses) and not any(
            not r.late for r in letter.responses) else "answered"
    status = letter.document.status if letter.document is not None else "draft"
    if status == DELIVERED:
        return "overdue" if today > letter.due_on else "awaiting"
    return "issued" if status == "issued" else "drafting"


def record_response(actor, letter_id, received_on: date | None, result: str, content: str) -> Response:
    letter = letters.get(actor, letter_id)
    actor.require("risk_assessment.assess")
    errors = {}
    if letter.document is None or letter.document.status != DELIVERED:
        errors["letter"] = [_l("This letter has not been delivered yet: a response can only answer a delivered "
                               "letter.")]
    today = local_date(clock.now())
    if received_on is None:
        errors["received_on"] = [_l("Give the day the response was received.")]
    elif received_on > today:
        errors["received_on"] = [_l("The response cannot be received after today.")]
    elif letter.document is not None and letter.document.deliveries and \
            received_on < local_date(letter.document.deliveries[0].received_at):
        errors["received_on"] = [_l("The response cannot be received before the letter was delivered.")]
    if result not in RESULTS:
        errors["result"] = [_l("Choose what the response says.")]
    content = clean_text(content, 5000)
    if not content:
        errors["content"] = [_l("Write what the response says.")]
    elif len(content) > 5000:
        errors["content"] = [_l("Keep this under %(n)d characters.", n=5000)]
    if errors:
        audit.record_failure(actor, "risk_assessment.response", object_type="risk_assessment_letter",
                             object_id=letter.id, detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    response = Response(letter=letter, received_on=received_on, result=result, content=content,
                        late=received_on > letter.due_on, recorded_by_id=actor.user_id)
    db.session.add(response)
    db.session.flush()
    audit.record(actor, "risk_assessment.response", response, detail={
        "letter_id": letter.id, "result": result, "late": response.late})
    db.session.commit()
    return response


def awaiting(actor) -> dict[str, int]:
    """Delivered letters of the actor's units without a response: in time and overdue."""
    today = local_date(clock.now())
    answered = exists().where(Response.letter_id == Letter.id)
    in_time, overdue = db.session.execute(
        select(func.count().filter(Letter.due_on >= today), func.count().filter(Letter.due_on < today))
        .select_from(Letter).join(Document, Document.id == Letter.document_id)
        .where(actor.scope.filter(Letter.unit_id), Document.status == DELIVERED, ~answered)).one()
    return {"awaiting": in_time, "overdue": overdue}
