"""The staff pages of the demand tickets: intake, the queues, the ticket page
with the actions the user may take, and attachment downloads. Thin: every
rule is in core.tickets.services (and queues, attachments)."""
import io
import re
import secrets
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from core import clock
from core.audit import services as audit
from core.departments import services as departments
from core.errors import AnqiError, Forbidden, NotFound, ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.meetings import services as meetings
from core.phrases import services as phrases
from core.knowledge import services as knowledge
from core.plugins.services import call_for_unit
from core.privacy import masking
from core.registry import services as registry
from core.registry.chooser import enterprise_chooser
from core.routing import services as routing
from core.search import query as search
from core.tickets import (attachments, bulk, deadlines, duplicates, export, follow, follow_forms, forms, modes,
                          onsite, pausing, pausing_forms, queues, rework, services)
from core.tickets.merge_forms import MergeForm
from core.tickets.vocabulary import CHANNELS, CLASSES, MODES, RATINGS, RESULTS, STATUSES
from core.uploads import held
from core.web import current_actor, id_arg, permission_required

bp = Blueprint("tickets", __name__, url_prefix="/tickets")

SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
EVENT_LABELS = {
    "registered": _l("Registered"), "dispatched": _l("Dispatched"), "signed": _l("Signed for"),
    "returned": _l("Returned"), "answered": _l("Answered"), "transferred": _l("Transferred"),
    "transfer_replied": _l("Department's reply recorded"), "escalated": _l("Escalated"), "closed": _l("Closed"),
    "rated": _l("Rated"), "reopened": _l("Reopened for rework"), "flagged": _l("Marked for the leader"),
    "supervised": _l("Supervised"), "extension_requested": _l("Extension requested"),
    "extension_approved": _l("Extension approved"), "extension_refused": _l("Extension refused"),
    "progress": _l("Progress report"), "complaint": _l("Complaint"), "note": _l("Note"),
    "attached": _l("Files added"), "overdue": _l("Overdue"), "warned": _l("Deadline warning"),
    "info_requested": _l("More information requested"), "info_supplied": _l("Information added by the enterprise"),
    "rework": _l("Sent back for rework by the centre"),
    # The registers (core/supervision) and the consultation (core/tickets/consultations.py)
    "listed": _l("Listed for supervision (挂牌督办)"), "listing_progress": _l("Weekly progress (挂牌督办)"),
    "listing_reminder": _l("Weekly progress missing"), "listing_overdue": _l("Register deadline passed"),
    "delisted": _l("Taken off the supervision register (销号)"), "backlog_taken_up": _l("Taken up (包案)"),
    "consultation_opened": _l("Opinions asked (专家会诊)"), "consultation_opinion": _l("Opinion given"),
    "consultation_closed": _l("Consultation closed"),
    "follower_set": _l("Follower named"), "onsite_answered": _l("On-site result recorded"),
    "onsite_signed": _l("Visit record signed by the enterprise"),
    "onsite_confirmed": _l("On-site result confirmed by the enterprise"),
    "paused": _l("Clock paused"), "resumed": _l("Clock started again"),
}
VOCABULARY = {"channels": CHANNELS, "classes": CLASSES, "modes": MODES, "statuses": STATUSES,
              "results": RESULTS, "ratings": RATINGS, "event_labels": EVENT_LABELS}


def _page_size() -> int:
    size = request.args.get("size", type=int)
    return size if size in current_app.config["PAGE_SIZE_CHOICES"] else current_app.config["PAGE_SIZE"]


def _uploads(name: str):
    return [(f.filename, f.stream) for f in request.files.getlist(name) if f and f.filename]


# --- queues ---------------------------------------------------------------------

def _list_state(actor):
    """The queue, filters and order the query string asks for (the list page and its export)."""
    filters, problems = queues.parse_filters(request.args)
    available = queues.available(actor)
    queue = request.args.get("queue") or ("all" if filters.active else queues.default_queue(actor))
    if queue not in available:
        queue = "all"
    sort = request.args.get("sort") or available[queue].sort
    if sort not in queues.SORTS:
        sort = available[queue].sort
    return filters, problems, available, queue, sort


@bp.route("/")
@permission_required("ticket.read")
def index():
    actor = current_actor()
    filters, problems, available, queue, sort = _list_state(actor)
    for problem in problems:
        flash(problem, "error")
    try:
        page = queues.page(actor, queue, filters, sort=sort, cursor=request.args.get("cursor"),
                           limit=_page_size())
    except ValidationError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".index", queue=queue))
    categories = services.categories(actor)
    # The desk's queue shows where each ticket would go (core.routing): one query for the page's rows.
    suggestions = (routing.suggest_many(actor, page.items, categories)
                   if queue == "to_dispatch" and actor.can("ticket.dispatch") else None)
    units = registry.units(actor)
    bulk_form = forms.BulkForm(formdata=None)
    bulk_form.set_choices(units)
    bulk_form.return_to.data = request.full_path
    return render_template(
        "tickets/list.html", page=page, queue=queue, queues=available, counts=queues.counts(actor, filters),
        filters=filters, sort=sort, sorts=queues.SORTS, size=page.limit, now=clock.now(),
        countdown=queues.countdown, categories=categories, units=units, suggestions=suggestions,
        bulk_form=bulk_form, passages=search.passages([t.id for t in page.items], filters.q),
        match_limit=format_number(search.MATCH_LIMIT), short_scan=format_number(search.SHORT_SCAN), **VOCABULARY)


# --- export and bulk actions (core/tickets/export.py, core/tickets/bulk.py) ------------------

def _xlsx(content: bytes):
    day = clock.now().strftime("%Y%m%d")
    return send_file(io.BytesIO(content), as_attachment=True, download_name=_("tickets-%(day)s.xlsx", day=day),
                     mimetype=export.MIME, max_age=0)


@bp.route("/export.xlsx")
@permission_required("ticket.read")
def export_list():
    """The list as filtered (the same query string as the list page), as a workbook."""
    actor = current_actor()
    filters, problems, _available, queue, sort = _list_state(actor)
    for problem in problems:
        flash(problem, "error")
    try:
        content, _count = export.queue_workbook(actor, queue, filters, sort)
    except ValidationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for(".index", **request.args))
    return _xlsx(content)


def _back():
    """The list page the bulk form was sent from (a path of this blueprint only)."""
    target = request.form.get("return_to") or ""
    if target.startswith("/tickets/") and not target.startswith("//") and "\\" not in target:
        return redirect(target, code=303)
    return redirect(url_for(".index"), code=303)


@bp.route("/bulk", methods=["POST"])
@permission_required("ticket.read")
def bulk_action():
    """The ticked rows of the list: dispatched, closed or exported; one message for the whole."""
    actor = current_actor()
    form = forms.BulkForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [i for i in (id_arg("id", {"id": raw}) for raw in request.form.getlist("ticket")) if i is not None]
    action = request.form.get("action") or ""
    try:
        if action == "export":
            content, _count = export.chosen_workbook(actor, ids)
            return _xlsx(content)
        if action == bulk.DISPATCH_SUGGESTED:
            outcome = bulk.dispatch(actor, ids)
        elif action == bulk.DISPATCH_TO_UNIT:
            outcome = bulk.dispatch(actor, ids, _int(form.unit_id.data) or "?")
        elif action == bulk.CLOSE:
            outcome = bulk.close(actor, ids)
        else:
            abort(400)
    except (ValidationError, Forbidden) as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _back()
    flash(outcome.summary(), "error" if outcome.refused and not outcome.done else
          "warning" if outcome.refused else "success")
    return _back()


# --- intake ----------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@permission_required("ticket.register")
def new():
    actor = current_actor()
    form = forms.IntakeForm()
    categories = services.categories(actor)
    form.set_choices(categories, departments.choices(actor))
    held_files = []
    chooser = enterprise_chooser(actor, request.args, field=form.enterprise_id)
    if request.method == "GET":
        form.submission_key.data = secrets.token_urlsafe(24)
        form.channel.data, form.ticket_class.data, form.handling_mode.data = "hotline", "general", "follow"
        form.category.data = (request.args.get("category") or "")[:64]
        if chooser.chosen is not None and chooser.chosen.contacts:
            form.contact_name.data = chooser.chosen.contacts[0].name
            # Masked: the service puts the stored number back when it comes back unchanged.
            form.contact_phone.data = masking.mask("phone", chooser.chosen.contacts[0].phone)
    else:
        enterprise_id = _int(form.enterprise_id.data)
        key = form.submission_key.data or ""
        intake = services.Intake(
            enterprise_id=enterprise_id, channel=form.channel.data or "", category=form.category.data or "",
            ticket_class=form.ticket_class.data or "", handling_mode=form.handling_mode.data or "",
            description=form.description.data or "", contact_name=form.contact_name.data or "",
            contact_phone=form.contact_phone.data or "", department_id=_chosen_id(form.department_id.data),
            submission_key=key if SUBMISSION_KEY.match(key) else None, answer=form.answer.data or "",
            result=form.result.data or "", escalation_reason=form.escalation_reason.data or "")
        # The files held from a failed submit and those sent now, checked with the fields in one pass.
        chosen = held.gather(actor, request.form.getlist(held.FORM_FIELD), _uploads(form.attachments.name))
        try:
            if chosen.problems:
                raise ValidationError.of({**services.check_intake(actor, intake),
                                          form.attachments.name: chosen.problems})
            intake.attachments = chosen.files
            ticket = services.register(actor, intake)
        except (ValidationError, NotFound) as exc:
            db.session.rollback()
            apply_errors(form, exc)
            held_files = held.keep(actor, chosen)
        else:
            held.release(actor, chosen)
            flash(_registered_message(ticket), "success")
            return redirect(url_for(".detail", ticket_id=ticket.id))
    enterprise = chooser.chosen
    status = 400 if request.method == "POST" else 200
    # The open and recent tickets this demand may repeat, beside the form (core/tickets/duplicates.py).
    possible = duplicates.find(actor, enterprise, form.category.data or "") if enterprise is not None else None
    return render_template("tickets/new.html", form=form, chooser=chooser, enterprise=enterprise,
                           max_attachment=attachments.size_text(attachments.max_bytes()), held_files=held_files,
                           duplicates=possible, categories=categories, recent_days=duplicates.RECENT_DAYS), status


def _registered_message(ticket) -> str:
    if ticket.status == "closed":  # 立即办
        return _("Ticket %(number)s registered, answered and closed; it now awaits the enterprise's rating.",
                 number=ticket.number)
    if ticket.handling_mode == "escalate" and ticket.handling_unit is not None:
        return _("Ticket %(number)s registered and escalated to %(unit)s, whose leaders dispatch it.",
                 number=ticket.number, unit=ticket.handling_unit.name)
    return _("Ticket %(number)s registered.", number=ticket.number)


def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 2**31 else None


def _chosen_id(value):
    """An optional choice: None when empty, the id, or a value the service refuses."""
    if not (value or "").strip():
        return None
    return _int(value) or "?"


# --- the ticket page --------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    form: type
    title: object
    button: object
    primary: bool = False      # the next step of the loop: shown open
    multipart: bool = False


ACTIONS = {
    "dispatch": Action(forms.DispatchForm, _l("Dispatch to a unit"), _l("Dispatch"), primary=True),
    "transfer": Action(forms.TransferForm, _l("Transfer to another department"), _l("Transfer")),
    "sign": Action(forms.SignForm, _l("Sign for the ticket"), _l("Sign for"), primary=True),
    "answer": Action(forms.AnswerForm, _l("Answer"), _l("Send the answer"), primary=True),
    "progress": Action(forms.TextForm, _l("Progress report"), _l("Report progress")),
    "extension": Action(forms.ExtensionForm, _l("Request an extension"), _l("Request")),
    "return": Action(forms.ReasonForm, _l("Return to the centre"), _l("Return")),
    "escalate": Action(forms.ReasonForm, _l("Escalate to the parent unit"), _l("Escalate")),
    "transfer_reply": Action(forms.TransferReplyForm, _l("Record the department's reply"), _l("Record the reply"),
                             primary=True),
    "close": Action(forms.CloseForm, _l("Confirm and close"), _l("Close the ticket"), primary=True),
    "rework": Action(forms.ReasonForm, _l("Send back for rework (退回重办)"), _l("Send back")),
    "rate": Action(forms.RateForm, _l("Record the enterprise's rating"), _l("Record the rating"), primary=True),
    "decide_extension": Action(forms.DecideExtensionForm, _l("Decide on the extension request"), _l("Approve"),
                               primary=True),
    "supervise": Action(forms.SuperviseForm, _l("Supervise"), _l("Supervise")),
    "complain": Action(forms.TextForm, _l("Record a complaint"), _l("Record the complaint")),
    "request_info": Action(forms.TextForm, _l("Ask the enterprise for more information"), _l("Ask")),
    "pause": Action(pausing_forms.PauseForm, _l("Pause the clock (暂停计时)"), _l("Pause")),
    "resume": Action(pausing_forms.ResumeForm, _l("Start the clock again"), _l("Restart the clock"), primary=True),
    "attach": Action(forms.AttachForm, _l("Add attachments"), _l("Upload"), multipart=True),
    "note": Action(forms.TextForm, _l("Internal note"), _l("Add the note")),
    "follower": Action(follow_forms.FollowerForm, _l("Change the follower (盯办人)"), _l("Save the follower")),
    "onsite": Action(follow_forms.OnsiteResultForm, _l("Record the on-site result (现场办)"),
                     _l("Record the result"), primary=True, multipart=True),
    "onsite_signature": Action(follow_forms.SignatureForm, _l("Record the signed visit record"),
                               _l("Record the signature"), multipart=True),
    # Answered by core.tickets.merge_views.merge (/tickets/<id>/merge), which asks for confirmation.
    "merge": Action(MergeForm, _l("Merge into another ticket (合并)"), _l("Continue")),
}


def _form(name, action, ticket, actor, bound=None):
    form = bound or action.form(prefix=name, formdata=None)
    if name == "dispatch":  # units as their tree, officers by unit, the suggestion pre-selected (core.routing)
        units = routing.units_in_tree(actor)
        form.set_choices(units, routing.officers_by_unit(actor, units))
        suggestion = routing.suggest_many(actor, [ticket])[ticket.id]
        if bound is None:
            form.preselect(suggestion)
            _service_deadline(form, ticket)
        else:
            form.suggestion = suggestion
        default = ticket.follower if ticket.follower_id or ticket.handling_mode != "follow" \
            else follow.default_follower(ticket)
        form.set_followers(follow.candidates(ticket), default.id if default and bound is None else None)
    if name == "follower":
        form.set_choices(follow.candidates(ticket), ticket.follower_id if bound is None else None)
    if name == "transfer":
        form.set_choices(departments.choices(actor))
    if name == "decide_extension" and bound is None:
        pending = services.pending_extension(ticket)
        form.extension_id.data = str(pending.id) if pending else ""
    return form


def _service_deadline(form, ticket) -> None:
    """点单式服务: the dispatch's deadline filled in with the service's 办理时限, within the
    days a deadline set now may fall on (core.service_lists)."""
    from core.service_lists import services as service_lists

    offer = service_lists.offer_for([ticket.id]).get(ticket.id)
    if offer is None or form.due_on.data:
        return
    limits = modes.window(ticket, clock.now())
    if not limits.empty:
        form.due_on.data = min(max(service_lists.due_on(ticket, offer), limits.earliest), limits.latest).isoformat()


def _render(ticket, bound_name=None, bound_form=None, status=200, phone_revealed=False, held_files=()):
    actor = current_actor()
    allowed = services.available_actions(actor, ticket)
    action_forms = [(name, action, _form(name, action, ticket, actor, bound_form if name == bound_name else None))
                    for name, action in ACTIONS.items() if name in allowed]
    now = clock.now()
    sign = (queues.countdown_to(ticket.sign_due_at, now) if ticket.status == "dispatched" else None)
    supervision = (queues.countdown_to(ticket.supervision_due_at, now)
                   if ticket.status in queues.WAITING and ticket.supervision_due_at else None)
    events = list(ticket.events)
    panels = sorted(call_for_unit("anqi_ticket_panels", actor.unit_id, ticket=ticket, user=actor.user),
                    key=lambda p: p.order)
    return render_template(
        "tickets/detail.html", ticket=ticket, events=events, panels=panels, files=list(ticket.attachments),
        visit=onsite.latest_visit(ticket), liaison_visit=_liaison_visit(actor, ticket),
        category=services.category_label(ticket.category), countdown=queues.countdown(ticket, now),
        sign_countdown=sign, supervision_countdown=supervision, pending=services.pending_extension(ticket),
        registered_by=events[0].actor_name if events else "", action_forms=action_forms,
        phone_revealed=phone_revealed, held_files=held_files, bound_name=bound_name,
        escalated_to=modes.escalated_to(ticket), escalation=modes.escalation(ticket),
        paused_clock=pausing.summary(ticket, now), pause_length=pausing.length_text, pause_reasons=pausing.REASONS,
        phrases=phrases.for_ticket(actor, ticket) if allowed & {"answer", "note"} else [],
        articles=knowledge.for_ticket(actor, ticket) if allowed & {"answer", "note"} else [],
        meeting=meetings.for_ticket(actor, ticket.id) if ticket.channel == "meeting" else None, **VOCABULARY), status


def _load(ticket_id):
    try:
        return services.get(current_actor(), ticket_id)
    except NotFound:
        abort(404)


@bp.route("/<int:ticket_id>")
@permission_required("ticket.read")
def detail(ticket_id):
    return _render(_load(ticket_id))


def _liaison_visit(actor, ticket):
    """The liaison visit (走访) the demand was heard on, when the user may read it (core/liaison)."""
    if ticket.channel != "visit" or not actor.can("enterprise.read"):
        return None
    from core.liaison import visits

    found = visits.of_visit_ticket(ticket.id)
    return found if found is not None and actor.scope.allows(found.enterprise.unit_id) else None


@bp.route("/<int:ticket_id>/reveal", methods=["POST"])
@permission_required("ticket.read")
def reveal(ticket_id):
    """The ticket page with the contact's phone shown in full (audited)."""
    try:
        ticket = services.reveal_contact_phone(current_actor(), ticket_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    return _render(ticket, phone_revealed=True)


def _supervision_due(value):
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError(_l("Choose the supervision deadline (YYYY-MM-DD)."), field="due_at") from None
    return deadlines.end_of_local_day(day)


# The actions that take files, and their file field: the files held from a failed submit
# and those sent now are checked with the other fields, in one pass (core.uploads.held).
FILE_FIELDS = {"attach": "attachments", "onsite": "signed_record", "onsite_signature": "signed_record"}


def _files(chosen, field: str, check=None) -> list:
    """The chosen files; when some are refused, every problem at once: the files' and
    those of the other fields (``check``: the service's check, which writes nothing)."""
    if chosen.problems:
        raise ValidationError.of({**(check() if check else {}), field: chosen.problems})
    return chosen.files


def _perform(name, actor, ticket_id, form, chosen=None) -> str:
    """Call the service behind action ``name``; return the success message."""
    if name == "dispatch":
        # Ids beyond any row become None here, so the database never sees an overflowing number.
        ticket = services.dispatch(actor, ticket_id, _int(form.unit_id.data), _chosen_id(form.officer_id.data),
                                   form.note.data or "", due_on=form.due_on.data or "",
                                   follower_id=_chosen_id(form.follower_id.data))
        if follow.missing(ticket):
            return _("The ticket has been dispatched. Its enterprise has no liaison officer, so it has no follower "
                     "(盯办人) yet: name one under “Change the follower”.")
        return _("The ticket has been dispatched.")
    if name == "transfer":
        services.transfer(actor, ticket_id, note=form.note.data or "",
                          department_id=_chosen_id(form.department_id.data))
        return _("The ticket has been transferred.")
    if name == "follower":
        follow.change(actor, ticket_id, _chosen_id(form.follower_id.data), form.note.data or "")
        return _("The follower has been saved and told.")
    if name == "onsite":
        values = (form.visited_on.data or "", form.place.data or "", form.done.data or "", form.result.data or "",
                  form.signer_name.data or "")
        scan = _files(chosen, "signed_record", lambda: onsite.check_result(actor, ticket_id, *values))
        ticket = onsite.record_result(actor, ticket_id, *values, scan)
        if ticket.onsite_confirmed_at is not None:
            return _("The on-site result and the signature on the visit record have been recorded.")
        return _("The on-site result has been recorded; it waits for the enterprise's confirmation.")
    if name == "onsite_signature":
        scan = _files(chosen, "signed_record", lambda: onsite.check_signature(form.signer_name.data or ""))
        onsite.record_signature(actor, ticket_id, form.signer_name.data or "", scan)
        return _("The signature on the visit record has been recorded.")
    if name == "sign":
        services.sign(actor, ticket_id)
        return _("You have signed for the ticket.")
    if name == "answer":
        services.answer(actor, ticket_id, form.reply.data or "", form.result.data or "")
        return _("The answer has been sent to the centre.")
    if name == "progress":
        services.report_progress(actor, ticket_id, form.text.data or "")
        return _("The progress report has been recorded.")
    if name == "extension":
        services.request_extension(actor, ticket_id, (form.days.data or "").strip(), form.reason.data or "")
        return _("The extension request has been sent.")
    if name == "return":
        services.return_ticket(actor, ticket_id, form.reason.data or "")
        return _("The ticket has been returned to the centre.")
    if name == "escalate":
        services.escalate(actor, ticket_id, form.reason.data or "")
        return _("The ticket has been escalated.")
    if name == "transfer_reply":
        services.record_transfer_reply(actor, ticket_id, form.reply.data or "", form.result.data or "")
        return _("The department's reply has been recorded.")
    if name == "close":
        services.close(actor, ticket_id, form.note.data or "")
        return _("The ticket has been closed.")
    if name == "rework":
        rework.rework(actor, ticket_id, form.reason.data or "")
        return _("The ticket has been sent back to the handling unit for rework.")
    if name == "rate":
        ticket = services.rate(actor, ticket_id, form.rating.data or "", form.comment.data or "")
        if ticket.status == "handling":
            return _("The rating has been recorded; the ticket goes back to the unit for rework.")
        return _("The rating has been recorded.")
    if name == "decide_extension":
        extension_id = _int(form.extension_id.data)
        if extension_id is None:
            raise ValidationError(_l("There is no such extension request."))
        approve = request.form.get("decision") == "approve"
        services.decide_extension(actor, extension_id, approve, form.note.data or "")
        return _("The extension has been approved.") if approve else _("The extension has been refused.")
    if name == "supervise":
        services.supervise(actor, ticket_id, _supervision_due(form.due_at.data), form.instruction.data or "")
        return _("The supervision has been recorded and the unit told.")
    if name == "complain":
        services.complain(actor, ticket_id, form.text.data or "")
        return _("The complaint has been recorded.")
    if name == "request_info":
        ticket = services.request_info(actor, ticket_id, form.text.data or "")
        if ticket.paused_at is not None:
            return _("The enterprise has been asked for more information; the clock is paused until it answers.")
        return _("The enterprise has been asked for more information. The clock keeps running: %(why)s",
                 why=pausing.refusal(ticket, clock.now()))
    if name == "pause":
        pausing.pause(actor, ticket_id, form.reason.data or "", form.note.data or "", form.until.data or None)
        return _("The clock is paused until the enterprise's appointment.")
    if name == "resume":
        pausing.resume(actor, ticket_id, form.note.data or "")
        return _("The clock runs again; the deadlines have moved by the time it was paused.")
    if name == "attach":
        services.attach(actor, ticket_id, _files(chosen, "attachments"))
        return _("The files have been added.")
    if name == "note":
        services.add_note(actor, ticket_id, form.text.data or "")
        return _("The note has been added.")
    abort(404)


@bp.route("/<int:ticket_id>/<action>", methods=["POST"])
@permission_required("ticket.read")
def act(ticket_id, action):
    spec = ACTIONS.get(action)
    if spec is None:
        abort(404)
    actor = current_actor()
    _load(ticket_id)
    form = spec.form(prefix=action)
    chosen = None
    if action in FILE_FIELDS:
        chosen = held.gather(actor, request.form.getlist(held.FORM_FIELD),
                             _uploads(getattr(form, FILE_FIELDS[action]).name))
    try:
        message = _perform(action, actor, ticket_id, form, chosen)
    except NotFound:
        db.session.rollback()
        abort(404)
    except StaleDataError:
        # Someone else's change to the ticket committed between reading it and saving: 409, the
        # ticket as it stands now, and the user's entries still in the form to send again.
        db.session.rollback()
        flash(_("Someone else changed this ticket at the same moment. Here is how it stands now; "
                "try again if it still needs doing."), "error")
        held_files = held.keep(actor, chosen) if chosen else []
        return _render(_load(ticket_id), action, form, status=409, held_files=held_files)
    except AnqiError as exc:
        db.session.rollback()
        if isinstance(exc, ValidationError) and exc.errors:
            apply_errors(form, exc)
        flash(str(exc.message), "error")
        held_files = held.keep(actor, chosen) if chosen else []
        return _render(_load(ticket_id), action, form, status=exc.status, held_files=held_files)
    if chosen:
        held.release(actor, chosen)
    flash(message, "success")
    try:
        services.get(actor, ticket_id)
    except NotFound:  # handed on beyond the user's units (提级, 退单): back to their queue, with the notice
        return redirect(url_for(".index"))
    return redirect(url_for(".detail", ticket_id=ticket_id))


# --- attachments ----------------------------------------------------------------

@bp.route("/<int:ticket_id>/attachments/<int:attachment_id>")
@permission_required("ticket.read")
def download(ticket_id, attachment_id):
    actor = current_actor()
    try:
        attachment, path = attachments.get(actor, ticket_id, attachment_id)
    except NotFound:
        abort(404)
    audit.record(actor, "ticket.attachment_download", object_type="ticket_attachment", object_id=attachment.id,
                 detail={"ticket": ticket_id})
    db.session.commit()
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.original_name, max_age=0, conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


from core.tickets import merge_views  # noqa: E402,F401  (duplicates and merging: routes on this blueprint)
