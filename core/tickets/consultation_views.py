"""The consultation's pages (专家会诊): the invitations of the user's unit
(/consultations/), and the section of the ticket page with the forms to ask
other units and to give an opinion. Thin: the rules are in core.tickets.consultations."""
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from core import clock
from core.errors import AnqiError, Forbidden, NotFound, ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.tickets import consultations, queues
from core.tickets import services as tickets
from core.tickets.consultation_forms import InviteForm, OpinionForm
from core.web import current_actor, permission_required

bp = Blueprint("consultations", __name__, url_prefix="/consultations")


@bp.app_context_processor
def _helpers():
    return {"consultation_panel": ticket_panel}


def _labels() -> dict:
    return {"invitation_statuses": consultations.INVITATION_STATUSES, "close_reasons": consultations.CLOSE_REASONS}


@bp.route("/")
@permission_required("ticket.read")
def index():
    actor = current_actor()
    return render_template("tickets/consultations.html", invitations=consultations.invitations(actor),
                           asked=consultations.asked_by(actor), now=clock.now(), countdown_to=queues.countdown_to,
                           **_labels())


# --- the ticket page's section ------------------------------------------------------------

@dataclass
class TicketPanel:
    consultations: list = field(default_factory=list)
    invite_form: object = None                         # the handling unit may ask
    opinion_forms: dict = field(default_factory=dict)  # consultation id → the form of the user's unit
    countdowns: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)


def ticket_panel(ticket) -> TicketPanel:
    actor = current_actor()
    now = clock.now()
    bound = g.get("consultation_forms") or {}
    panel = TicketPanel(consultations=consultations.of_ticket(ticket.id), labels=_labels())
    for consultation in panel.consultations:
        if consultation.status == "open":
            panel.countdowns[consultation.id] = queues.countdown_to(consultation.due_at, now)
            if consultations.may_answer(actor, consultation):
                panel.opinion_forms[consultation.id] = bound.get(("opinion", consultation.id)) or OpinionForm(
                    prefix=f"opinion{consultation.id}", formdata=None)
    if consultations.may_invite(actor, ticket):
        form = bound.get("invite") or InviteForm(prefix="consult", formdata=None)
        form.set_choices(consultations.candidate_units(ticket))
        panel.invite_form = form
    return panel


def _failed(actor, ticket_id, key, form, exc):
    """Show the ticket page again with the form and its errors."""
    from core.tickets.views import _render

    db.session.rollback()
    if isinstance(exc, ValidationError) and exc.errors:
        apply_errors(form, exc)
    flash(str(exc.message), "error")
    g.consultation_forms = {key: form}
    try:
        ticket = tickets.get(actor, ticket_id)
    except NotFound:
        return redirect(url_for(".index"))
    return _render(ticket, status=exc.status)


@bp.route("/tickets/<int:ticket_id>/invite", methods=["POST"])
@permission_required("ticket.handle")
def invite(ticket_id):
    actor = current_actor()
    form = InviteForm(prefix="consult")
    try:
        consultations.invite(actor, ticket_id, form.unit_ids.data or [], form.question.data or "",
                             (form.working_days.data or "").strip())
    except NotFound:
        db.session.rollback()
        abort(404)
    except Forbidden:
        db.session.rollback()
        abort(403)
    except AnqiError as exc:
        return _failed(actor, ticket_id, "invite", form, exc)
    flash(_("The units have been asked for their opinion (专家会诊)."), "success")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id) + "#consultations")


@bp.route("/<int:consultation_id>/opinion", methods=["POST"])
@permission_required("ticket.handle")
def opinion(consultation_id):
    actor = current_actor()
    form = OpinionForm(prefix=f"opinion{consultation_id}")
    try:
        consultation = consultations.give_opinion(actor, consultation_id, form.opinion.data or "")
    except NotFound:
        db.session.rollback()
        abort(404)
    except Forbidden:
        db.session.rollback()
        abort(403)
    except AnqiError as exc:
        db.session.rollback()
        try:
            ticket_id = consultations.get(actor, consultation_id).ticket_id
        except NotFound:  # closed meanwhile, and the ticket is not of the user's area
            flash(str(exc.message), "error")
            return redirect(url_for(".index"))
        return _failed(actor, ticket_id, ("opinion", consultation_id), form, exc)
    flash(_("Your unit's opinion has been recorded on the ticket's timeline."), "success")
    ticket_id = consultation.ticket_id
    try:
        tickets.get(actor, ticket_id)
    except NotFound:  # the consultation closed with this opinion, and the ticket is not of the user's area
        db.session.rollback()
        return redirect(url_for(".index"))
    return redirect(url_for("tickets.detail", ticket_id=ticket_id) + "#consultations")
