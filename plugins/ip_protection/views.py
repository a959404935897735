"""The IP officers' pages: thin views over the plugin's services."""
from flask import abort, render_template, request, send_file
from flask_babel import gettext as _

from core import clock
from core.errors import Forbidden, NotFound, ValidationError
from core.plugins.toolkit import plugin_blueprint
from core.submissions import services as submissions
from core.tickets import attachments
from core.tickets.deadlines import local_date
from core.tickets.vocabulary import INTAKE_CHANNELS
from core.uploads import held
from core.web import (current_actor, flash_done, flash_refusal, form_date, id_arg, permission_required, portal_actor,
                      portal_required, see_other)
from plugins.ip_protection import (access, brands, cases, charts, checks, consultations, files, letters, officers,
                                   outreach, stats)

bp = plugin_blueprint("ip_protection", __name__)


@bp.context_processor
def _permissions():
    return {"ip_can": lambda permission: current_actor().can(permission)}


def _int(name):
    return id_arg(name, request.form)


def _pairs(name):
    return [(f.filename, f.stream) for f in request.files.getlist(name) if f.filename]


def _download(row, stored_name):
    path = files.path_of(stored_name)
    if path is None:
        abort(404)
    response = send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.original_name)
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    return response


def _errors(error: ValidationError) -> dict:
    return error.errors or {error.field or "form": [error.message]}


def _chosen_files(actor, name):
    """The files held from a failed submit and those sent now in field ``name``, checked
    together (core.uploads.held): their problems go to the service with the other fields'."""
    return held.gather(actor, request.form.getlist(held.FORM_FIELD), _pairs(name))


# --- start page ------------------------------------------------------------------------

@bp.route("/")
@permission_required("ip_protection.read")
def index():
    actor = current_actor()
    return render_template("ip_protection/index.html", mine=consultations.listing(actor, mine=True, limit=20),
                           waiting=consultations.listing(actor, status="waiting", limit=20),
                           cases=cases.listing(actor, limit=10), now=clock.now(), figures=stats.summary(actor),
                           follow_ups=checks.follow_ups_due(actor),
                           statuses=consultations.STATUSES, case_statuses=cases.STATUSES, kinds=cases.KINDS)


# --- consultations -----------------------------------------------------------------------

@bp.route("/consultations")
@permission_required("ip_protection.read")
def consultation_list():
    actor = current_actor()
    status = request.args.get("status", "")
    rows = consultations.listing(actor, status=status, mine=request.args.get("mine") == "1",
                                 late=request.args.get("late") == "1")
    return render_template("ip_protection/consultations.html", rows=rows, now=clock.now(), status=status,
                           statuses=consultations.STATUSES, topics=consultations.TOPICS,
                           channels=consultations.CHANNELS)


@bp.route("/consultations/new", methods=["GET", "POST"])
@permission_required("ip_protection.consult")
def new_consultation():
    actor = current_actor()
    errors, values, held_files = {}, request.form, []
    enterprise_id = id_arg("enterprise_id") or _int("enterprise_id")
    if request.method == "POST":
        data = consultations.Question(
            question=request.form.get("question", ""), subject=request.form.get("subject", ""),
            topic=request.form.get("topic", "other"), contact_name=request.form.get("contact_name", ""),
            unit_id=_int("unit_id"), submission_key=submissions.valid(request.form.get("submission_key")))
        # The files held from a failed submit and those sent now, checked with the fields in one pass.
        chosen = held.gather(actor, request.form.getlist(held.FORM_FIELD), _pairs("files"))
        data.files, data.file_problems = chosen.files, chosen.problems
        try:
            row = consultations.register(actor, enterprise_id, data)
        except ValidationError as error:
            errors = _errors(error)
            held_files = held.keep(actor, chosen)
        else:
            held.release(actor, chosen)
            flash_done(_("The consultation has been registered and sent to %(name)s.", name=row.officer.name))
            return see_other("ip_protection.consultation", consultation_id=row.id)
    enterprise = _chosen(actor, enterprise_id)
    return render_template("ip_protection/consultation_form.html", enterprise=enterprise, errors=errors,
                           values=values, held_files=held_files, topics=consultations.TOPICS,
                           units=access.handling_units(actor),
                           found=access.search(actor, request.args.get("q", "")), q=request.args.get("q", ""),
                           key=submissions.new_key()), 400 if errors else 200


def _chosen(actor, enterprise_id):
    if not enterprise_id:
        return None
    try:
        return access.enterprise(actor, enterprise_id)
    except NotFound:
        return None


@bp.route("/consultations/<int:consultation_id>")
@permission_required("ip_protection.read")
def consultation(consultation_id):
    return _consultation_page(current_actor(), consultation_id)


def _consultation_page(actor, consultation_id, errors=None, status=200, bound=None, held_files=()):
    """The thread and its forms; after a failed submit, form ``bound`` shows its
    errors by field, the user's entries and the files held for the next submit."""
    row = consultations.get(actor, consultation_id)
    may_reassign = actor.can("ip_protection.designate") and actor.scope.allows(row.unit_id) and row.status != "closed"
    return render_template("ip_protection/consultation.html", row=row, now=clock.now(),
                           candidates=officers.unit_members(actor, row.unit_id) if may_reassign else [],
                           candidate_ids=officers.candidate_ids(row.unit_id) if may_reassign else [],
                           may_answer=consultations.may_answer(actor, row), statuses=consultations.STATUSES,
                           topics=consultations.TOPICS, errors=errors or {}, values=request.form,
                           channels=consultations.CHANNELS, bound=bound, held_files=held_files,
                           published={m.id for m in row.messages if m.publishable}), status


@bp.route("/consultations/<int:consultation_id>/answer", methods=["POST"])
@permission_required("ip_protection.answer")
def answer(consultation_id):
    actor = current_actor()
    chosen = _chosen_files(actor, "files")
    try:
        consultations.answer(actor, consultation_id, request.form.get("body", ""), chosen.files,
                             publishable=request.form.get("publishable") == "1", file_problems=chosen.problems)
    except ValidationError as error:
        return _consultation_page(actor, consultation_id, _errors(error), 400, "answer", held.keep(actor, chosen))
    held.release(actor, chosen)
    flash_done(_("Your answer has been sent to the enterprise."))
    return see_other("ip_protection.consultation", consultation_id=consultation_id)


@bp.route("/consultations/<int:consultation_id>/follow-up", methods=["POST"])
@permission_required("ip_protection.consult")
def follow_up(consultation_id):
    actor = current_actor()
    chosen = _chosen_files(actor, "files")
    try:
        consultations.follow_up(actor, consultation_id, request.form.get("body", ""), chosen.files,
                                file_problems=chosen.problems)
    except ValidationError as error:
        return _consultation_page(actor, consultation_id, _errors(error), 400, "follow_up",
                                  held.keep(actor, chosen))
    held.release(actor, chosen)
    flash_done(_("The follow-up question has been added; the IP officer will answer it."))
    return see_other("ip_protection.consultation", consultation_id=consultation_id)


@bp.route("/consultations/<int:consultation_id>/reassign", methods=["POST"])
@permission_required("ip_protection.designate")
def reassign(consultation_id):
    try:
        row = consultations.reassign(current_actor(), consultation_id, _int("user_id"))
        flash_done(_("The consultation has been handed to %(name)s.", name=row.officer.name))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("ip_protection.consultation", consultation_id=consultation_id)


@bp.route("/consultations/<int:consultation_id>/close", methods=["POST"])
@permission_required("ip_protection.consult")
def close_consultation(consultation_id):
    try:
        consultations.close(current_actor(), consultation_id)
        flash_done(_("The consultation has been closed."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("ip_protection.consultation", consultation_id=consultation_id)


@bp.route("/consultations/<int:consultation_id>/reply-letter", methods=["POST"])
@permission_required("document.draft")
def reply_letter(consultation_id):
    try:
        document = letters.reply(current_actor(), consultation_id)
    except ValidationError as error:
        flash_refusal(error)
        return see_other("ip_protection.consultation", consultation_id=consultation_id)
    flash_done(_("The letter has been drafted: check it, then submit it for sign-off."))
    return see_other("documents.detail", document_id=document.id)


@bp.route("/messages/<int:message_id>/publish", methods=["POST"])
@permission_required("ip_protection.answer")
def publish(message_id):
    actor = current_actor()
    try:
        entry = consultations.publish(actor, message_id)
        flash_done(_("The answer is in the FAQ, with the enterprise's names removed."))
        return see_other("ip_protection.consultation", consultation_id=entry.consultation_id)
    except ValidationError as error:
        flash_refusal(error)
    return see_other("ip_protection.faq_page")


@bp.route("/messages/<int:message_id>/withdraw", methods=["POST"])
@permission_required("ip_protection.answer")
def withdraw(message_id):
    entry = consultations.withdraw(current_actor(), message_id)
    flash_done(_("The answer has been taken out of the FAQ."))
    return see_other("ip_protection.consultation", consultation_id=entry.consultation_id)


@bp.route("/files/<int:file_id>")
@permission_required("ip_protection.read")
def message_file(file_id):
    row = consultations.message_file(current_actor(), file_id)
    return _download(row, row.stored_name)


@bp.route("/faq")
@permission_required("ip_protection.read")
def faq_page():
    q, topic = request.args.get("q", ""), request.args.get("topic", "")
    return render_template("ip_protection/faq.html", entries=consultations.faq(q, topic), q=q, topic=topic,
                           topics=consultations.TOPICS)


# --- the enterprise on the portal (mobile first, portal/base.html) --------------------------

def _portal_thread(actor, consultation_id, errors=None, status=200, held_files=()):
    try:
        row, messages = consultations.read_own(actor, consultation_id)
    except NotFound:
        abort(404)                  # another enterprise's: the service audited the attempt
    return render_template("ip_protection/portal/question.html", row=row, messages=messages,
                           statuses=consultations.STATUSES, topics=consultations.TOPICS, errors=errors or {},
                           held_files=held_files, max_size=attachments.size_text(attachments.max_bytes())), status


@bp.route("/portal/questions")
@portal_required
def portal_questions():
    return render_template("ip_protection/portal/questions.html",
                           rows=consultations.of_own_enterprise(portal_actor()), statuses=consultations.STATUSES,
                           topics=consultations.TOPICS)


@bp.route("/portal/questions/new", methods=["GET", "POST"])
@portal_required
def portal_ask():
    actor = portal_actor()
    errors, values, held_files = {}, {}, []
    if request.method == "POST":
        form = request.form
        values = {"topic": form.get("topic", ""), "subject": form.get("subject", ""),
                  "question": form.get("question", "")}
        data = consultations.Question(question=values["question"], subject=values["subject"], topic=values["topic"],
                                      submission_key=submissions.valid(form.get("submission_key")))
        # The files held from a failed submit and those sent now, checked with the fields in one pass.
        chosen = held.gather(actor, form.getlist(held.FORM_FIELD), _pairs("files"))
        data.files, data.file_problems = chosen.files, chosen.problems
        try:
            row = consultations.ask(actor, data)
        except ValidationError as error:
            errors = _errors(error)
            held_files = held.keep(actor, chosen)
        else:
            held.release(actor, chosen)
            flash_done(_("Your question has been sent to the IP officer."))
            return see_other("ip_protection.portal_question", consultation_id=row.id)
    return render_template("ip_protection/portal/ask.html", errors=errors, values=values, held_files=held_files,
                           topics=consultations.TOPICS, submission_key=submissions.new_key(),
                           max_size=attachments.size_text(attachments.max_bytes())), 400 if errors else 200


@bp.route("/portal/questions/<int:consultation_id>")
@portal_required
def portal_question(consultation_id):
    return _portal_thread(portal_actor(), consultation_id)


@bp.route("/portal/questions/<int:consultation_id>/follow-up", methods=["POST"])
@portal_required
def portal_follow_up(consultation_id):
    actor = portal_actor()
    chosen = _chosen_files(actor, "files")
    try:
        consultations.follow_up_own(actor, consultation_id, request.form.get("body", ""), chosen.files,
                                    file_problems=chosen.problems)
    except NotFound:
        abort(404)
    except ValidationError as error:
        return _portal_thread(actor, consultation_id, _errors(error), 400, held.keep(actor, chosen))
    held.release(actor, chosen)
    flash_done(_("Your message has been added; the IP officer will answer it."))
    return see_other("ip_protection.portal_question", consultation_id=consultation_id)


@bp.route("/portal/files/<int:file_id>")
@portal_required
def portal_file(file_id):
    try:
        row = consultations.own_file(portal_actor(), file_id)
    except NotFound:
        abort(404)
    response = _download(row, row.stored_name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- IP officers ---------------------------------------------------------------------------

@bp.route("/officers")
@permission_required("ip_protection.read")
def officers_page():
    actor = current_actor()
    units = access.handling_units(actor)
    rows = [(unit, officers.designated(unit.id), officers.candidate_ids(unit.id),
             officers.unit_members(actor, unit.id) if actor.can("ip_protection.designate") else [])
            for unit in units]
    return render_template("ip_protection/officers.html", rows=rows, can_designate=actor.can("ip_protection.designate"),
                           counts=outreach.per_officer(actor))


@bp.route("/officers", methods=["POST"])
@permission_required("ip_protection.designate")
def designate():
    try:
        officer = officers.designate(current_actor(), _int("user_id"), _int("unit_id"))
        flash_done(_("%(name)s is now an IP officer.", name=officer.user.name))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("ip_protection.officers_page")


@bp.route("/officers/withdraw", methods=["POST"])
@permission_required("ip_protection.designate")
def withdraw_officer():
    try:
        officers.withdraw(current_actor(), _int("user_id"), _int("unit_id"))
        flash_done(_("The designation has been withdrawn."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("ip_protection.officers_page")


# --- enterprises and health checks -----------------------------------------------------------

@bp.route("/enterprises/<int:enterprise_id>")
@permission_required("ip_protection.read")
def enterprise(enterprise_id):
    actor = current_actor()
    item = access.enterprise(actor, enterprise_id)
    history = checks.history(actor, item.id)
    points = [(f"{c.checked_on.year}.{c.checked_on.month}.{c.checked_on.day}", c.overall) for c in history]
    return render_template("ip_protection/enterprise.html", enterprise=item, trend=checks.trend(history),
                           chart=charts.trend_svg(points) if points else "", areas=checks.AREAS,
                           consultations=consultations.of_enterprise(actor, item.id), cases=cases.of_enterprise(actor, item.id),
                           memberships=brands.memberships(actor, item.id), outreach=outreach.per_enterprise(actor, item.id),
                           in_registry=access.in_registry(actor, item.id), statuses=consultations.STATUSES,
                           case_statuses=cases.STATUSES, kinds=cases.KINDS, now=clock.now())


@bp.route("/enterprises/<int:enterprise_id>/checks/new", methods=["GET", "POST"])
@permission_required("ip_protection.check")
def new_check(enterprise_id):
    actor = current_actor()
    item = access.enterprise(actor, enterprise_id)
    errors, values = {}, request.form
    if request.method == "POST":
        data = checks.CheckInput(
            checked_on=form_date("checked_on"), scores={a: request.form.get(f"score_{a}", "") for a in checks.AREAS},
            notes={a: request.form.get(f"note_{a}", "") for a in checks.AREAS},
            trademark_count=request.form.get("trademark_count", "0"),
            trademark_classes=request.form.get("trademark_classes", ""),
            patents={s: request.form.get(f"patents_{s}", "0") for s in checks.PATENT_STATUSES},
            findings=request.form.get("findings", ""), recommendations=request.form.get("recommendations", ""),
            follow_up_on=form_date("follow_up_on"), unit_id=_int("unit_id"))
        try:
            check = checks.record(actor, item.id, data)
            flash_done(_("The health check has been recorded."))
            return see_other("ip_protection.check", check_id=check.id)
        except ValidationError as error:
            errors = _errors(error)
    return render_template("ip_protection/check_form.html", enterprise=item, areas=checks.AREAS, errors=errors,
                           values=values, patent_statuses=checks.PATENT_STATUSES, units=access.handling_units(actor),
                           today=local_date(clock.now()).isoformat()), 400 if errors else 200


@bp.route("/checks/<int:check_id>")
@permission_required("ip_protection.read")
def check(check_id):
    actor = current_actor()
    row = checks.get(actor, check_id)
    return render_template("ip_protection/check.html", row=row, areas=checks.AREAS, low=checks.LOW_SCORE,
                           patent_statuses=checks.PATENT_STATUSES)


@bp.route("/checks/<int:check_id>/report", methods=["POST"])
@permission_required("document.draft")
def check_report(check_id):
    document = letters.check_report(current_actor(), check_id)
    flash_done(_("The report has been drafted: check it, then submit it for sign-off."))
    return see_other("documents.detail", document_id=document.id)


# --- cases --------------------------------------------------------------------------------

@bp.route("/cases")
@permission_required("ip_protection.read")
def case_list():
    actor = current_actor()
    status = request.args.get("status", "")
    return render_template("ip_protection/cases.html", rows=cases.listing(actor, status=status), status=status,
                           statuses=cases.STATUSES, kinds=cases.KINDS)


@bp.route("/cases/new", methods=["GET", "POST"])
@permission_required("ip_protection.case")
def new_case():
    actor = current_actor()
    errors, values, held_files = {}, request.form, []
    enterprise_id = id_arg("enterprise_id") or _int("enterprise_id")
    alert_id = id_arg("alert_id") or _int("alert_id")
    if request.method == "POST":
        data = cases.Report(kind=request.form.get("kind", ""), rights=request.form.get("rights", ""),
                            infringer=request.form.get("infringer", ""),
                            infringer_details=request.form.get("infringer_details", ""),
                            description=request.form.get("description", ""),
                            channel=request.form.get("channel", "walk_in"), unit_id=_int("unit_id"), alert_id=alert_id,
                            submission_key=submissions.valid(request.form.get("submission_key")))
        chosen = _chosen_files(actor, "evidence")
        data.evidence, data.evidence_problems = chosen.files, chosen.problems
        try:
            row = cases.report(actor, enterprise_id, data)
        except ValidationError as error:
            errors = _errors(error)
            held_files = held.keep(actor, chosen)
        else:
            held.release(actor, chosen)
            flash_done(_("The case has been registered."))
            return see_other("ip_protection.case", ip_case_id=row.id)
    return render_template("ip_protection/case_form.html", enterprise=_chosen(actor, enterprise_id), errors=errors,
                           values=values, held_files=held_files, kinds=cases.KINDS, channels=INTAKE_CHANNELS,
                           units=access.handling_units(actor),
                           found=access.search(actor, request.args.get("q", "")), q=request.args.get("q", ""),
                           alert_id=alert_id, key=submissions.new_key()), 400 if errors else 200


@bp.route("/cases/<int:ip_case_id>")
@permission_required("ip_protection.read")
def case(ip_case_id):
    return _case_page(current_actor(), ip_case_id)


def _case_page(actor, ip_case_id, errors=None, status=200, held_files=()):
    """The case; after a failed evidence submit, its errors by field, the
    description typed and the files held for the next submit."""
    row = cases.get(actor, ip_case_id)
    from core.tickets import services as tickets

    try:
        ticket = tickets.get(actor, row.ticket_id)
    except (NotFound, Forbidden):          # a ticket the reader's units neither registered nor handle
        ticket = None
    return render_template("ip_protection/case.html", row=row, ticket=ticket, kinds=cases.KINDS,
                           statuses=cases.STATUSES, next_statuses=cases.NEXT[row.status],
                           alerts=brands.alerts_of_case(actor, row.id), may_handle=actor.can("ip_protection.handle"),
                           errors=errors or {}, values=request.form, held_files=held_files), status


@bp.route("/cases/<int:ip_case_id>/status", methods=["POST"])
@permission_required("ip_protection.handle")
def case_status(ip_case_id):
    try:
        row = cases.move(current_actor(), ip_case_id, request.form.get("status", ""), request.form.get("note", ""))
        flash_done(_("The case is now “%(status)s”.", status=cases.STATUSES[row.status]))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("ip_protection.case", ip_case_id=ip_case_id)


@bp.route("/cases/<int:ip_case_id>/evidence", methods=["POST"])
@permission_required("ip_protection.handle")
def case_evidence(ip_case_id):
    actor = current_actor()
    cases.get(actor, ip_case_id)
    chosen = _chosen_files(actor, "evidence")
    try:
        cases.add_evidence(actor, ip_case_id, chosen.files, request.form.get("description", ""),
                           problems=chosen.problems)
    except ValidationError as error:
        return _case_page(actor, ip_case_id, _errors(error), 400, held.keep(actor, chosen))
    held.release(actor, chosen)
    flash_done(_("The evidence has been added."))
    return see_other("ip_protection.case", ip_case_id=ip_case_id)


@bp.route("/evidence/<int:evidence_id>")
@permission_required("ip_protection.read")
def evidence(evidence_id):
    row = cases.evidence_file(current_actor(), evidence_id)
    return _download(row, row.stored_name)


# --- regional brands --------------------------------------------------------------------------

def _brand_data():
    return {"name": request.form.get("name", ""), "industry": request.form.get("industry", ""),
            "association": request.form.get("association", ""), "status": request.form.get("status", "planned"),
            "registration_number": request.form.get("registration_number", ""),
            "classes": request.form.get("classes", ""), "registered_on": form_date("registered_on"),
            "valid_until": form_date("valid_until"), "unit_id": _int("unit_id")}


@bp.route("/brands")
@permission_required("ip_protection.read")
def brand_list():
    return _brands_page(current_actor())


def _brands_page(actor, errors=None):
    return render_template("ip_protection/brands.html", rows=brands.listing(actor), statuses=brands.STATUSES,
                           can_edit=actor.can("ip_protection.brand"), errors=errors or {}, values=request.form,
                           units=access.handling_units(actor)), 400 if errors else 200


@bp.route("/brands/new", methods=["POST"])
@permission_required("ip_protection.brand")
def new_brand():
    actor = current_actor()
    try:
        row = brands.save(actor, _brand_data())
    except ValidationError as error:
        return _brands_page(actor, _errors(error))
    flash_done(_("The brand “%(name)s” has been added.", name=row.name))
    return see_other("ip_protection.brand", brand_id=row.id)


@bp.route("/brands/plan", methods=["POST"])
@permission_required("ip_protection.brand")
def brand_plan():
    try:
        made = brands.load_plan(current_actor(), _int("unit_id"))
        flash_done(_("%(n)d brands of the plan have been added.", n=len(made)))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("ip_protection.brand_list")


@bp.route("/brands/<int:brand_id>")
@permission_required("ip_protection.read")
def brand(brand_id):
    return _brand_page(current_actor(), brand_id)


def _brand_page(actor, brand_id, errors=None):
    row = brands.get(actor, brand_id)
    return render_template("ip_protection/brand.html", row=row, statuses=brands.STATUSES, errors=errors or {},
                           can_edit=actor.can("ip_protection.brand"), can_report=actor.can("ip_protection.case"),
                           found=access.search(actor, request.args.get("q", "")), q=request.args.get("q", ""),
                           cases=cases.listing(actor, limit=50), kinds=cases.KINDS), 400 if errors else 200


@bp.route("/brands/<int:brand_id>/edit", methods=["POST"])
@permission_required("ip_protection.brand")
def edit_brand(brand_id):
    actor = current_actor()
    try:
        brands.save(actor, _brand_data(), brand_id)
    except ValidationError as error:
        return _brand_page(actor, brand_id, _errors(error))
    flash_done(_("The brand has been saved."))
    return see_other("ip_protection.brand", brand_id=brand_id)


@bp.route("/brands/<int:brand_id>/members", methods=["POST"])
@permission_required("ip_protection.brand")
def add_member(brand_id):
    try:
        brands.add_member(current_actor(), brand_id, _int("enterprise_id"), request.form.get("note", ""),
                          form_date("joined_on"))
        flash_done(_("The enterprise has joined the brand."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("ip_protection.brand", brand_id=brand_id)


@bp.route("/members/<int:member_id>/remove", methods=["POST"])
@permission_required("ip_protection.brand")
def remove_member(member_id):
    brand_id = brands.remove_member(current_actor(), member_id)
    flash_done(_("The enterprise has been removed from the brand."))
    return see_other("ip_protection.brand", brand_id=brand_id)


@bp.route("/brands/<int:brand_id>/alerts", methods=["POST"])
@permission_required("ip_protection.brand")
def add_alert(brand_id):
    try:
        brands.raise_alert(current_actor(), brand_id, request.form.get("description", ""),
                           request.form.get("source", ""), form_date("reported_on"))
        flash_done(_("The infringement alert has been recorded."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("ip_protection.brand", brand_id=brand_id)


@bp.route("/alerts/<int:alert_id>/case", methods=["POST"])
@permission_required("ip_protection.brand")
def alert_case(alert_id):
    actor = current_actor()
    alert = brands.get_alert(actor, alert_id)
    try:
        brands.link_case(actor, alert_id, _int("ip_case_id"))
        flash_done(_("The alert has been linked to the case."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("ip_protection.brand", brand_id=alert.brand_id)


# --- outreach ----------------------------------------------------------------------------------

@bp.route("/outreach")
@permission_required("ip_protection.read")
def outreach_list():
    return _outreach_page(current_actor())


def _outreach_page(actor, errors=None):
    return render_template("ip_protection/outreach.html", rows=outreach.listing(actor), kinds=outreach.KINDS,
                           per_officer=outreach.per_officer(actor), per_enterprise=outreach.per_enterprise(actor),
                           can_record=actor.can("ip_protection.outreach"),
                           found=access.search(actor, request.args.get("q", "")), q=request.args.get("q", ""),
                           errors=errors or {}, values=request.form, units=access.handling_units(actor)), \
        400 if errors else 200


@bp.route("/outreach/new", methods=["POST"])
@permission_required("ip_protection.outreach")
def new_outreach():
    actor = current_actor()
    data = outreach.OutreachInput(
        kind=request.form.get("kind", ""), held_on=form_date("held_on"), topic=request.form.get("topic", ""),
        audience=request.form.get("audience", ""), attendance=request.form.get("attendance", ""),
        enterprise_ids=request.form.getlist("enterprise_ids"), officer_ids=request.form.getlist("officer_ids"),
        unit_id=_int("unit_id"))
    try:
        row = outreach.record(actor, data)
    except ValidationError as error:
        return _outreach_page(actor, _errors(error))
    flash_done(_("The outreach activity has been recorded."))
    return see_other("ip_protection.outreach_detail", outreach_id=row.id)


@bp.route("/outreach/<int:outreach_id>")
@permission_required("ip_protection.read")
def outreach_detail(outreach_id):
    return render_template("ip_protection/outreach_detail.html", row=outreach.get(current_actor(), outreach_id),
                           kinds=outreach.KINDS)


# --- what the hooks render ----------------------------------------------------------------------

def enterprise_panel(enterprise) -> str:
    actor = current_actor()
    return render_template("ip_protection/panel.html", enterprise=enterprise,
                           consultations=consultations.of_enterprise(actor, enterprise.id, limit=5),
                           latest=checks.latest(actor, enterprise.id), cases=cases.of_enterprise(actor, enterprise.id),
                           memberships=brands.memberships(actor, enterprise.id), statuses=consultations.STATUSES,
                           case_statuses=cases.STATUSES, kinds=cases.KINDS, now=clock.now(),
                           can_consult=actor.can("ip_protection.consult"), can_check=actor.can("ip_protection.check"),
                           can_report=actor.can("ip_protection.case"))


def ticket_panel(ticket) -> str:
    row = cases.of_ticket(current_actor(), ticket.id)
    if row is None:
        return ""
    return render_template("ip_protection/ticket_panel.html", row=row, kinds=cases.KINDS, statuses=cases.STATUSES)


def dashboard_widget() -> str:
    """The year's figures; nothing (no widget on the home page) while there is no answer, check or case."""
    figures = stats.summary(current_actor())
    if not figures["answered"] and not figures["checks"] and not any(n for _code, _label, n in figures["cases"]):
        return ""
    return render_template("ip_protection/widget.html", figures=figures)
