"""The exit-entry pages: thin views over the plugin's services."""
from datetime import timedelta

from flask import Response, abort, render_template, request
from flask_babel import gettext as _

from core import clock
from core.errors import Conflict, Forbidden, NotFound, ValidationError
from core.plugins.toolkit import plugin_blueprint
from core.registry import services as registry
from core.submissions import services as submissions
from core.tickets.deadlines import local_date
from core.web import (current_actor, flash_done, flash_refusal, form_date, id_arg, permission_required,
                      portal_actor, portal_not_found, portal_required, see_other)
from plugins.exit_entry import applications, appointments, exports, frozen, letters, onsite, settings, stats, talent
from plugins.exit_entry.vocabulary import (DOC_TYPES, ONSITE_STATUSES, OUTCOMES, PERMIT_KINDS, PERMIT_STATUSES,
                                           RELATIONS, STATUSES, TALENT_KINDS, TARGET_DAYS, URGENCIES)

bp = plugin_blueprint("exit_entry", __name__)

ROWS_SHOWN, ROWS_MAX = 5, applications.BATCH_LIMIT
WORDS = dict(doc_types=DOC_TYPES, urgencies=URGENCIES, relations=RELATIONS, statuses=STATUSES,
             talent_kinds=TALENT_KINDS, permit_kinds=PERMIT_KINDS, permit_statuses=PERMIT_STATUSES,
             outcomes=OUTCOMES, onsite_statuses=ONSITE_STATUSES, target_days=TARGET_DAYS)


def _int(name):
    return id_arg(name, request.form)


def _enterprise(reference: str):
    """The enterprise a clerk names by its registry number, credit code, name or
    pinyin initials, in their units' area (core's ``registry.named``)."""
    return registry.named(current_actor(), reference)


# --- home: applications ------------------------------------------------------------------

@bp.route("/")
@permission_required("exit_entry.read")
def index():
    actor = current_actor()
    return render_template("exit_entry/index.html", applications=applications.recent(actor),
                           overdue=applications.overdue(actor), can_handle=actor.can("exit_entry.handle"),
                           can_manage=actor.can("exit_entry.manage"), **WORDS)


def _rows_from_form(count: int) -> list[applications.ApplicantInput]:
    form = request.form
    return [applications.ApplicantInput(
        name=form.get(f"name_{n}", ""), id_number=form.get(f"id_number_{n}", ""),
        relation=form.get(f"relation_{n}", ""), doc_type=form.get(f"doc_type_{n}", ""),
        purpose=form.get(f"purpose_{n}", ""), destination=form.get(f"destination_{n}", ""),
        travel_from=form_date(f"travel_from_{n}"), travel_to=form_date(f"travel_to_{n}"),
        urgency=form.get(f"urgency_{n}", "normal")) for n in range(count)]


@bp.route("/applications/new", methods=["GET", "POST"])
@permission_required("exit_entry.handle")
def new_application():
    actor = current_actor()
    source = request.form if request.method == "POST" else request.args
    count = min(max(id_arg("rows", source) or ROWS_SHOWN, 1), ROWS_MAX)
    errors, values = {}, {}
    if request.method == "POST":
        enterprise_problem = None
        try:
            enterprise = _enterprise(request.form.get("enterprise", ""))
        except ValidationError as error:
            enterprise, enterprise_problem = None, error.message
        try:
            application = applications.register(
                actor, enterprise.id if enterprise else None, _rows_from_form(count),
                note=request.form.get("note", ""), appointment_id=_int("appointment_id"),
                submission_key=submissions.valid(request.form.get("submission_key")))
            flash_done(_("The application has been received."))
            return see_other("exit_entry.application", application_id=application.id)
        except ValidationError as error:
            errors = dict(error.errors or {"form": [error.message]})
            if enterprise_problem:          # which enterprise the typed name matched, or that none did
                errors["enterprise"] = [enterprise_problem]
        # Typed values come back, except the ID numbers: the clerk types them again rather than
        # having them written into the page.
        values = {k: v for k, v in request.form.items() if not k.startswith("id_number_")}
    else:
        enterprise_id = id_arg("enterprise_id")
        if enterprise_id:
            try:
                values["enterprise"] = registry.get(actor, enterprise_id).credit_code
            except NotFound:
                abort(404)
        appointment_id = id_arg("appointment_id")
        if appointment_id:
            try:
                booked = appointments.get(actor, appointment_id)
            except NotFound:
                abort(404)
            values.update(enterprise=booked.enterprise.credit_code, appointment_id=str(booked.id))
    return render_template("exit_entry/application_form.html", count=count, errors=errors, values=values,
                           submission_key=request.form.get("submission_key") or submissions.new_key(),
                           **WORDS), 400 if errors else 200


@bp.route("/applications/<int:application_id>")
@permission_required("exit_entry.read")
def application(application_id):
    return _application_page(current_actor(), application_id)


def _application_page(actor, application_id, revealed=None):
    item = applications.get(actor, application_id)
    return render_template("exit_entry/application.html", application=item, revealed=revealed,
                           next_step=applications.next_step, can_handle=actor.can("exit_entry.handle"),
                           can_draft=actor.can("document.draft"), now=clock.now(), **WORDS)


@bp.route("/applications/<int:application_id>/reveal", methods=["POST"])
@permission_required("exit_entry.read")
def reveal(application_id):
    """The application page with one applicant's ID number in full (audited)."""
    actor = current_actor()
    item = applications.get(actor, application_id)
    applicant_id = id_arg("ref", request.form)
    if applicant_id not in {a.id for a in item.applicants}:
        abort(404)
    try:
        applications.reveal_id(actor, applicant_id)
    except Forbidden:
        abort(403)
    return _application_page(actor, application_id, revealed=applicant_id)


@bp.route("/applications/<int:application_id>/applicants.xlsx")
@permission_required("exit_entry.read")
def export(application_id):
    """The applicants as an Excel workbook, ID numbers masked."""
    data = exports.workbook(current_actor(), application_id)
    response = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f"attachment; filename=application-{application_id}.xlsx"
    return response


@bp.route("/applicants/<int:applicant_id>/step", methods=["POST"])
@permission_required("exit_entry.handle")
def step(applicant_id):
    actor = current_actor()
    person = applications.get_applicant(actor, applicant_id)
    try:
        moved = applications.advance(actor, applicant_id, request.form.get("to", ""))
        flash_done(_("%(name)s: the document is now “%(step)s”.", name=moved.name, step=STATUSES[moved.status]))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("exit_entry.application", application_id=person.application_id)


@bp.route("/applications/<int:application_id>/receipt", methods=["POST"])
@permission_required("document.draft")
def receipt(application_id):
    document = letters.receipt(current_actor(), application_id)
    flash_done(_("The receipt has been drafted: check it, then submit it for sign-off."))
    return see_other("documents.detail", document_id=document.id)


@bp.route("/applications/<int:application_id>/recommendation", methods=["POST"])
@permission_required("document.draft")
def recommendation(application_id):
    try:
        document = letters.recommendation(current_actor(), application_id)
    except Forbidden as error:
        flash_refusal(error)
        return see_other("exit_entry.application", application_id=application_id)
    flash_done(_("The letter of recommendation has been drafted: check it, then submit it for sign-off."))
    return see_other("documents.detail", document_id=document.id)


# --- appointments and on-site service -----------------------------------------------------

@bp.route("/appointments")
@permission_required("exit_entry.read")
def appointments_page():
    actor = current_actor()
    today = local_date(clock.now())
    return render_template("exit_entry/appointments.html", windows=appointments.windows(actor),
                           slots=appointments.slots(actor, today), booked=appointments.upcoming(actor),
                           onsite=onsite.open_requests(actor), can_handle=actor.can("exit_entry.handle"),
                           today=today, last_day=today + timedelta(days=13),
                           default_periods=appointments.DEFAULT_PERIODS, **WORDS)


@bp.route("/appointments", methods=["POST"])
@permission_required("exit_entry.handle")
def book():
    actor = current_actor()
    try:
        enterprise = _enterprise(request.form.get("enterprise", ""))
        appointment = appointments.book(actor, enterprise.id, _int("slot_id"), request.form.get("people") or 1,
                                        request.form.get("purpose", ""))
    except (ValidationError, Conflict) as error:
        flash_refusal(error)
        return see_other("exit_entry.appointments_page")
    flash_done(_("The appointment of %(name)s has been booked.", name=appointment.enterprise.name))
    return see_other("exit_entry.slip", appointment_id=appointment.id)


@bp.route("/appointments/<int:appointment_id>/cancel", methods=["POST"])
@permission_required("exit_entry.handle")
def cancel(appointment_id):
    try:
        item = appointments.cancel(current_actor(), appointment_id, request.form.get("reason", ""))
        flash_done(_("The appointment of %(name)s has been cancelled; its place is free again and the enterprise "
                     "sees the reason on the portal.", name=item.enterprise.name))
    except (ValidationError, Conflict) as error:
        flash_refusal(error)
    return see_other("exit_entry.appointments_page")


@bp.route("/appointments/<int:appointment_id>/slip")
@permission_required("exit_entry.read")
def slip(appointment_id):
    """The printable appointment slip (预约单)."""
    item = appointments.get(current_actor(), appointment_id)
    return render_template("exit_entry/slip.html", appointment=item)


@bp.route("/windows", methods=["POST"])
@permission_required("exit_entry.handle")
def add_window():
    try:
        window = appointments.add_window(current_actor(), request.form.get("name", ""))
        flash_done(_("The window “%(name)s” has been added: open its slots below.", name=window.name))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("exit_entry.appointments_page")


@bp.route("/slots", methods=["POST"])
@permission_required("exit_entry.handle")
def open_slots():
    try:
        times = appointments.parse_periods(request.form.get("periods", ""))
        made = appointments.open_slots(current_actor(), _int("window_id"), form_date("first_day"), form_date("last_day"),
                                       times, request.form.get("capacity"))
        flash_done(_("%(n)d slots opened.", n=made) if made else
                   _("No slot opened: those periods are already open on those days."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("exit_entry.appointments_page")


@bp.route("/onsite", methods=["POST"])
@permission_required("exit_entry.handle")
def request_onsite():
    try:
        enterprise = _enterprise(request.form.get("enterprise", ""))
        onsite.request(current_actor(), enterprise.id, request.form.get("people"), request.form.get("address", ""),
                       form_date("wanted_on"), request.form.get("note", ""))
        flash_done(_("The on-site service request has been recorded."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("exit_entry.appointments_page")


@bp.route("/onsite/<int:onsite_id>", methods=["POST"])
@permission_required("exit_entry.handle")
def onsite_progress(onsite_id):
    actor = current_actor()
    onsite.get(actor, onsite_id)
    try:
        if request.form.get("done") == "1":
            onsite.done(actor, onsite_id)
            flash_done(_("The on-site service has been marked done."))
        else:
            onsite.schedule(actor, onsite_id, form_date("scheduled_on"))
            flash_done(_("The on-site service has been scheduled."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("exit_entry.appointments_page")


# --- foreign talent -----------------------------------------------------------------------

@bp.route("/talent")
@permission_required("exit_entry.read")
def talent_page():
    actor = current_actor()
    year = local_date(clock.now()).year
    return render_template("exit_entry/talent.html", talents=talent.talents(actor), events=talent.events(actor, year),
                           progress=talent.progress(actor, year), can_talent=actor.can("exit_entry.talent"),
                           can_manage=actor.can("exit_entry.manage"), **WORDS)


@bp.route("/talent", methods=["POST"])
@permission_required("exit_entry.talent")
def add_talent():
    try:
        enterprise = _enterprise(request.form.get("enterprise", ""))
        item = talent.add(current_actor(), enterprise.id, request.form.get("name", ""),
                          request.form.get("nationality", ""), request.form.get("kind", ""),
                          request.form.get("position", ""), form_date("arrived_on"))
    except ValidationError as error:
        flash_refusal(error)
        return see_other("exit_entry.talent_page")
    flash_done(_("%(name)s has been added to the foreign talent.", name=item.name))
    return see_other("exit_entry.talent_detail", talent_id=item.id)


@bp.route("/talent/<int:talent_id>")
@permission_required("exit_entry.read")
def talent_detail(talent_id):
    actor = current_actor()
    item = talent.get(actor, talent_id)
    return render_template("exit_entry/talent_detail.html", talent=item, pairings=talent.pairings(actor, item.id),
                           officers=talent.officers(actor), can_talent=actor.can("exit_entry.talent"), **WORDS)


@bp.route("/talent/<int:talent_id>/permits", methods=["POST"])
@permission_required("exit_entry.talent")
def apply_permit(talent_id):
    actor = current_actor()
    talent.get(actor, talent_id)
    try:
        talent.apply_permit(actor, talent_id, request.form.get("kind", ""), form_date("applied_on"),
                            request.form.get("note", ""))
        flash_done(_("The permit application has been recorded."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("exit_entry.talent_detail", talent_id=talent_id)


@bp.route("/permits/<int:permit_id>/decide", methods=["POST"])
@permission_required("exit_entry.talent")
def decide_permit(permit_id):
    actor = current_actor()
    permit = talent.get_permit(actor, permit_id)
    try:
        approved = request.form.get("approved") == "1"
        talent.decide_permit(actor, permit_id, approved, form_date("decided_on"))
        flash_done(_("The permit has been recorded as granted.") if approved else
                   _("The permit has been recorded as refused."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("exit_entry.talent_detail", talent_id=permit.talent_id)


@bp.route("/talent/<int:talent_id>/pairings", methods=["POST"])
@permission_required("exit_entry.talent")
def pair(talent_id):
    actor = current_actor()
    talent.get(actor, talent_id)
    try:
        talent.pair(actor, talent_id, _int("officer_id"), form_date("started_on"), request.form.get("note", ""))
        flash_done(_("The officer has been paired with the talent."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("exit_entry.talent_detail", talent_id=talent_id)


@bp.route("/events", methods=["POST"])
@permission_required("exit_entry.talent")
def add_event():
    try:
        talent.add_event(current_actor(), request.form.get("title", ""), form_date("held_on"),
                         request.form.get("place", ""), request.form.get("attendees") or 0)
        flash_done(_("The event has been recorded."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("exit_entry.talent_page")


@bp.route("/targets", methods=["POST"])
@permission_required("exit_entry.manage")
def save_targets():
    try:
        settings.save_targets(current_actor(), request.form.get("year"), request.form.get("events"),
                              request.form.get("pairings"), request.form.get("residences"))
        flash_done(_("The year's targets have been saved."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("exit_entry.talent_page")


# --- frozen accounts ----------------------------------------------------------------------

@bp.route("/frozen")
@permission_required("exit_entry.read")
def frozen_page():
    return _frozen_page(current_actor())


def _frozen_page(actor, errors=None, values=None):
    return render_template("exit_entry/frozen.html", cases=frozen.cases(actor), errors=errors or {},
                           values=values or {}, can_handle=actor.can("exit_entry.handle"),
                           submission_key=(values or {}).get("submission_key") or submissions.new_key(),
                           **WORDS), 400 if errors else 200


@bp.route("/frozen", methods=["POST"])
@permission_required("exit_entry.handle")
def open_frozen():
    actor = current_actor()
    try:
        enterprise = _enterprise(request.form.get("enterprise", ""))
        case = frozen.open_case(actor, enterprise.id, frozen.CaseInput(
            bank=request.form.get("bank", ""), amount=request.form.get("amount", ""),
            reason=request.form.get("reason", ""), authority=request.form.get("authority", ""),
            frozen_on=form_date("frozen_on"), submission_key=submissions.valid(request.form.get("submission_key"))))
    except ValidationError as error:
        return _frozen_page(actor, error.errors or {"form": [error.message]}, request.form)
    flash_done(_("The frozen-account case has been opened."))
    return see_other("exit_entry.frozen_case", frozen_case_id=case.id)


@bp.route("/frozen/<int:frozen_case_id>")
@permission_required("exit_entry.read")
def frozen_case(frozen_case_id):
    actor = current_actor()
    return render_template("exit_entry/frozen_case.html", case=frozen.get(actor, frozen_case_id),
                           can_handle=actor.can("exit_entry.handle"), sees_ticket=actor.can("ticket.read"), **WORDS)


@bp.route("/frozen/<int:frozen_case_id>/steps", methods=["POST"])
@permission_required("exit_entry.handle")
def frozen_step(frozen_case_id):
    actor = current_actor()
    frozen.get(actor, frozen_case_id)
    try:
        frozen.add_step(actor, frozen_case_id, request.form.get("text", ""), form_date("taken_on"))
        flash_done(_("The step has been recorded."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("exit_entry.frozen_case", frozen_case_id=frozen_case_id)


@bp.route("/frozen/<int:frozen_case_id>/close", methods=["POST"])
@permission_required("exit_entry.handle")
def frozen_close(frozen_case_id):
    actor = current_actor()
    frozen.get(actor, frozen_case_id)
    try:
        frozen.close(actor, frozen_case_id, request.form.get("outcome", ""), request.form.get("note", ""))
        flash_done(_("The case has been closed."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("exit_entry.frozen_case", frozen_case_id=frozen_case_id)


# --- settings -----------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@permission_required("exit_entry.manage")
def settings_page():
    actor = current_actor()
    if request.method == "POST":
        settings.save_settings(actor, request.form.get("letter_full_ids") == "1",
                               request.form.get("issuing_authority", ""))
        flash_done(_("The settings have been saved."))
        return see_other("exit_entry.settings_page")
    return render_template("exit_entry/settings.html", settings=settings.settings_of(actor.unit_id),
                           default_authority=settings.DEFAULT_AUTHORITY)


# --- what the hooks render ----------------------------------------------------------------

def enterprise_panel(enterprise) -> str:
    actor = current_actor()
    return render_template("exit_entry/panel.html", enterprise=enterprise,
                           applications=applications.for_enterprise(actor, enterprise.id),
                           appointments=appointments.for_enterprise(actor, enterprise.id),
                           appointment_statuses=appointments.APPOINTMENT_STATUSES,
                           can_handle=actor.can("exit_entry.handle"), now=clock.now(), **WORDS)


def ticket_panel(ticket) -> str:
    case = frozen.for_ticket(current_actor(), ticket.id)
    return render_template("exit_entry/ticket_panel.html", case=case, **WORDS) if case else ""


def dashboard_widget() -> str:
    """The year's applications and talent work; nothing (no widget on the home page) while there is none."""
    actor = current_actor()
    figures, progress = stats.by_doc_type(actor), talent.progress(actor)
    if not any(row.volume for row in figures) and not any(progress.done.values()):
        return ""
    return render_template("exit_entry/widget.html", figures=figures, progress=progress, **WORDS)


# --- the enterprise's own bookings on the portal ------------------------------------------------

def _by_day(slots):
    days = {}
    for slot in slots:
        days.setdefault(slot.day, []).append(slot)
    return list(days.items())


@bp.route("/portal/book", methods=["GET", "POST"])
@portal_required
def portal_book():
    """预约办理: the free slots of the enterprise's unit, and the form to book one."""
    actor = portal_actor()
    errors, values = {}, {}
    if request.method == "POST":
        form = request.form
        values = {"slot_id": form.get("slot_id", ""), "people": form.get("people", ""),
                  "purpose": form.get("purpose", "")}
        try:
            appointment = appointments.book_own(actor, _int("slot_id"), form.get("people") or 1,
                                                form.get("purpose", ""),
                                                submission_key=submissions.valid(form.get("submission_key")))
        except NotFound:
            abort(404)          # a slot of another unit, sent by hand (the refusal is audited)
        except (ValidationError, Conflict) as error:
            errors = {k: [str(m) for m in v] for k, v in getattr(error, "errors", {}).items()} or \
                {error.field or "": [str(error.message)]}
        else:
            flash_done(_("Your appointment is booked. Bring the slip (or its number) to the window."))
            return see_other("exit_entry.portal_slip", appointment_id=appointment.id)
    return render_template("exit_entry/portal_book.html", days=_by_day(appointments.free_slots(actor)),
                           unit_name=actor.enterprise.unit.name,
                           errors=errors, values=values, submission_key=submissions.new_key(),
                           max_people=appointments.MAX_PEOPLE), (400 if errors else 200)


@bp.route("/portal/appointments")
@portal_required
def portal_appointments():
    actor = portal_actor()
    return render_template("exit_entry/portal_appointments.html", items=appointments.own_appointments(actor),
                           today=local_date(clock.now()), statuses=appointments.APPOINTMENT_STATUSES)


@bp.route("/portal/appointments/<int:appointment_id>")
@portal_required
def portal_slip(appointment_id):
    """The enterprise's printable appointment slip (预约单)."""
    actor = portal_actor()
    try:
        item = appointments.own_appointment(actor, appointment_id)
    except NotFound:
        portal_not_found("exit_entry_appointment", appointment_id)
    return render_template("exit_entry/portal_slip.html", appointment=item, may_cancel=appointments.may_cancel(item))


@bp.route("/portal/appointments/<int:appointment_id>/cancel", methods=["POST"])
@portal_required
def portal_cancel(appointment_id):
    """The enterprise cancels its own appointment; the desk is told."""
    actor = portal_actor()
    try:
        appointments.cancel_own(actor, appointment_id, request.form.get("reason", ""))
        flash_done(_("Your appointment has been cancelled; the service centre has been told."))
    except NotFound:
        portal_not_found("exit_entry_appointment", appointment_id)
    except Conflict as error:
        flash_refusal(error)
    return see_other("exit_entry.portal_slip", appointment_id=appointment_id)
