"""The registers' pages: 挂牌督办 (/supervision/) and 积案 (/supervision/backlog),
and the register's section of the ticket page with its forms. Thin: the rules
are in core.supervision.services and backlog."""
from dataclasses import dataclass, field

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from core import clock
from core.errors import AnqiError, Forbidden, NotFound, ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.supervision import backlog, forms
from core.supervision import services as supervision
from core.tickets import queues
from core.tickets import services as tickets
from core.tickets.views import VOCABULARY
from core.web import current_actor, form_date, permission_required

bp = Blueprint("supervision", __name__, url_prefix="/supervision")

def _close_reasons():
    return {"ticket_closed": _("Ticket closed (闭环销号)"), "leader": _("Taken off by a leader")}


@bp.app_context_processor
def _helpers():
    return {"supervision_panel": ticket_panel}


# --- the register's pages -------------------------------------------------------------

@bp.route("/")
@permission_required("ticket.read")
def index():
    actor = current_actor()
    register = supervision.register(actor)
    return render_template("supervision/register.html", register=register, now=clock.now(),
                           countdown_to=queues.countdown_to, close_reasons=_close_reasons(),
                           may_lead=actor.can(supervision.LEAD_PERMISSION), **VOCABULARY)


def _page_size() -> int:
    size = request.args.get("size", type=int)
    return size if size in current_app.config["PAGE_SIZE_CHOICES"] else current_app.config["PAGE_SIZE"]


@bp.route("/backlog")
@permission_required("ticket.supervise")
def backlog_page():
    actor = current_actor()
    now = clock.now()
    limit = backlog.threshold(now)
    try:
        page = backlog.page(actor, request.args.get("cursor"), _page_size(), now=now)
    except ValidationError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".backlog_page"))
    ids = [t.id for t in page.items]
    return render_template("supervision/backlog.html", page=page, size=page.limit, threshold=limit,
                           summaries=backlog.summaries(ids), assignments=backlog.assignments(ids),
                           reasons={t.id: backlog.reasons(t, limit) for t in page.items}, now=now,
                           total=backlog.count(actor, now), **VOCABULARY)


# --- the ticket page's section ------------------------------------------------------------

@dataclass
class TicketPanel:
    entry: object = None                  # the open register entry
    past: list = field(default_factory=list)   # entries taken off
    progress: list = field(default_factory=list)
    lacking: bool = False
    countdown: object = None
    forms: dict = field(default_factory=dict)  # name → form, for what the user may do now
    backlog: bool = False
    backlog_reasons: list = field(default_factory=list)
    threshold: object = None
    assignment: object = None
    close_reasons: dict = field(default_factory=dict)


def _bound(name):
    return (g.get("supervision_forms") or {}).get(name)


def ticket_panel(ticket) -> TicketPanel:
    """What the ticket page shows of the registers and the forms the user may use."""
    actor = current_actor()
    now = clock.now()
    entries = supervision.entries_of(ticket.id)
    panel = TicketPanel(past=[e for e in entries if not e.is_open], close_reasons=_close_reasons())
    panel.entry = next((e for e in entries if e.is_open), None)
    lead = supervision.may_lead(actor, ticket)
    leaders = None
    if panel.entry is not None:
        panel.progress = panel.entry.progress[:10]
        panel.lacking = supervision.lacks_progress(panel.entry, now)
        panel.countdown = queues.countdown_to(panel.entry.due_at, now)
        if supervision.may_report(actor, ticket, panel.entry):
            panel.forms["progress"] = _bound("progress") or forms.ProgressForm(prefix="listing_progress", formdata=None)
        if lead:
            panel.forms["take_off"] = _bound("take_off") or forms.TakeOffForm(prefix="take_off", formdata=None)
    elif lead and ticket.status in supervision.OPEN_STATUSES:
        leaders = supervision.leaders_for(ticket)
        form = _bound("list") or forms.ListingForm(prefix="listing", formdata=None)
        form.set_choices(leaders)
        if form.responsible_id.data is None:
            form.responsible_id.data = str(actor.user_id or "")
        panel.forms["list"] = form
    if ticket.status in supervision.OPEN_STATUSES:
        panel.threshold = backlog.threshold(now)
        panel.backlog = backlog.is_backlog(ticket, panel.threshold)
        if panel.backlog:
            panel.backlog_reasons = backlog.reasons(ticket, panel.threshold)
            panel.assignment = backlog.current_assignment(ticket.id)
            if lead:
                form = _bound("take_up") or forms.TakeUpForm(prefix="take_up", formdata=None)
                form.set_choices(leaders if leaders is not None else supervision.leaders_for(ticket))
                if form.responsible_id.data is None:
                    form.responsible_id.data = str(actor.user_id or "")
                panel.forms["take_up"] = form
    return panel


# --- the actions ------------------------------------------------------------------------------

def _act(ticket_id, name, form, perform, success):
    """Run ``perform``; on success flash and go back to the ticket; on bad input
    show the ticket page again with the form and its errors."""
    from core.tickets.views import _render

    actor = current_actor()
    try:
        tickets.get(actor, ticket_id)
        perform(actor)
    except NotFound:
        db.session.rollback()
        abort(404)
    except Forbidden:
        db.session.rollback()
        abort(403)
    except StaleDataError:
        db.session.rollback()
        flash(_("Someone else changed this ticket at the same moment. Here is how it stands now; "
                "try again if it still needs doing."), "error")
        return redirect(url_for("tickets.detail", ticket_id=ticket_id))
    except AnqiError as exc:
        db.session.rollback()
        if isinstance(exc, ValidationError) and exc.errors:
            apply_errors(form, exc)
        flash(str(exc.message), "error")
        g.supervision_forms = {name: form}
        return _render(tickets.get(actor, ticket_id), status=exc.status)
    flash(success, "success")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id) + "#supervision")


@bp.route("/tickets/<int:ticket_id>/list", methods=["POST"])
@permission_required("ticket.supervise")
def list_ticket(ticket_id):
    form = forms.ListingForm(prefix="listing")
    return _act(ticket_id, "list", form, lambda actor: supervision.list_ticket(
        actor, ticket_id, form_date(form.due_on.name), form.responsible_id.data, form.note.data or ""),
        _("The ticket is on the supervision register (挂牌督办); the responsible leader and the handling unit "
          "have been told."))


@bp.route("/tickets/<int:ticket_id>/progress", methods=["POST"])
@permission_required("ticket.read")
def progress(ticket_id):
    form = forms.ProgressForm(prefix="listing_progress")
    return _act(ticket_id, "progress", form, lambda actor: supervision.record_progress(
        actor, ticket_id, form.text.data or ""), _("The progress has been recorded on the register."))


@bp.route("/tickets/<int:ticket_id>/take-off", methods=["POST"])
@permission_required("ticket.supervise")
def take_off(ticket_id):
    form = forms.TakeOffForm(prefix="take_off")
    return _act(ticket_id, "take_off", form, lambda actor: supervision.take_off(actor, ticket_id, form.note.data or ""),
                _("The ticket has been taken off the supervision register."))


@bp.route("/tickets/<int:ticket_id>/take-up", methods=["POST"])
@permission_required("ticket.supervise")
def take_up(ticket_id):
    form = forms.TakeUpForm(prefix="take_up")
    return _act(ticket_id, "take_up", form, lambda actor: backlog.take_up(
        actor, ticket_id, form.responsible_id.data, form.note.data or ""),
        _("The ticket has been taken up (包案); the responsible leader has been told."))
