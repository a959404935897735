"""The risk_assessment pages: thin views over the plugin's services."""
from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import clock
from core.errors import NotFound, ValidationError
from core.plugins.toolkit import plugin_blueprint
from core.registry import services as registry
from core.submissions import services as submissions
from core.tickets.deadlines import local_date
from core.web import current_actor, flash_done, flash_refusal, form_date, id_arg, permission_required, see_other
from plugins.risk_assessment import assessments, follow_up, letters, matrix, quarters, reports, sources
from plugins.risk_assessment.assessments import AREAS, CATEGORIES, OUTCOMES, RiskInput, SourceInput

bp = plugin_blueprint("risk_assessment", __name__)



def _already_done(actor):
    """Where the record this create form already made is, when it is sent again (a double click)."""
    return submissions.seen(actor, request.form.get("submission_key"))


def _done(actor, target: str):
    submissions.remember(actor, request.form.get("submission_key"), target)
    return redirect(target, code=303)


def _common():
    return {"new_key": submissions.new_key, "levels": matrix.LEVELS, "areas": AREAS, "categories": CATEGORIES, "kinds": letters.KINDS,
            "states": follow_up.STATES, "state": follow_up.state, "outcomes": OUTCOMES,
            "source_label": sources.source_label, "results": follow_up.RESULTS}


# --- the start page ------------------------------------------------------------------------

@bp.route("/")
@permission_required("risk_assessment.read")
def index():
    actor = current_actor()
    return render_template("risk_assessment/index.html", assessments=assessments.recent(actor),
                           class_letters=letters.for_classes(actor),
                           risks=assessments.open_risks(actor, limit=50), open_by_level=assessments.open_by_level(actor),
                           awaiting=follow_up.awaiting(actor), can_report=actor.can("risk_assessment.report"),
                           can_assess=actor.can("risk_assessment.assess"),
                           can_configure=actor.can("risk_assessment.configure"), **_common())


# --- assessments -------------------------------------------------------------------------

@bp.route("/assessments/new", methods=["GET", "POST"])
@permission_required("risk_assessment.assess")
def new_assessment():
    actor = current_actor()
    values = request.form if request.method == "POST" else request.args
    enterprise_id = id_arg("enterprise_id", values)
    enterprise = registry.get(actor, enterprise_id) if enterprise_id else None
    errors = {}
    if request.method == "POST":
        if done := _already_done(actor):
            return redirect(done, code=303)
        try:
            if enterprise is None:
                raise ValidationError(_("Choose the enterprise to assess."), field="enterprise_id")
            made = assessments.create(actor, enterprise.id, request.form.get("title", ""),
                                      assessed_on=form_date("assessed_on"),
                                      investment_promotion=request.form.get("investment_promotion") == "1",
                                      summary=request.form.get("summary", ""))
            flash_done(_("The assessment has been opened: add its risks below."))
            return _done(actor, url_for("risk_assessment.assessment", assessment_id=made.id))
        except ValidationError as error:
            errors = error.errors or {error.field or "title": [error.message]}
    return render_template("risk_assessment/assessment_form.html", enterprise=enterprise, errors=errors,
                           values=values, today=local_date(clock.now()), new_key=submissions.new_key), \
        400 if errors else 200


@bp.route("/assessments/<int:assessment_id>", methods=["GET", "POST"])
@permission_required("risk_assessment.read")
def assessment(assessment_id):
    """The assessment, its risks and letters; the risk form, pre-filled from a
    source when one is chosen (``?finding=source:ref`` or ``?ticket_class=…``)."""
    actor = current_actor()
    item = assessments.get(actor, assessment_id)
    errors, given = {}, None
    if request.method == "POST":
        actor.require("risk_assessment.assess")
        if done := _already_done(actor):
            return redirect(done, code=303)
        given = _risk_input(request.form)
        try:
            assessments.add_risk(actor, assessment_id, given)
            flash_done(_("The risk has been added."))
            return _done(actor, url_for("risk_assessment.assessment", assessment_id=assessment_id))
        except ValidationError as error:
            errors = error.errors or {"form": [error.message]}
    elif request.args.get("finding") or request.args.get("ticket_class"):
        try:
            given = _prefill(actor, item)
        except NotFound as error:           # a source gone since the page was shown: the form stays empty
            flash_refusal(ValidationError(error.message))
    can_assess = actor.can("risk_assessment.assess")
    return render_template(
        "risk_assessment/assessment.html", assessment=item, given=given or RiskInput(), errors=errors,
        can_assess=can_assess, can_draft=can_assess and actor.can("document.draft"),
        findings=sources.findings(actor, item) if can_assess else [],
        classes=_classes(actor, item) if can_assess else [], likelihood=matrix.LIKELIHOOD, impact=matrix.IMPACT,
        addressee_kinds=letters.ADDRESSEE_KINDS, allowed=letters.ALLOWED_ADDRESSEES, **_common()), \
        400 if errors else 200


def _classes(actor, item):
    if not actor.can("ticket.stats"):
        return []
    return sources.ticket_classes(actor, item)


def _prefill(actor, item) -> RiskInput:
    finding = request.args.get("finding", "")
    if finding:
        source, _sep, ref = finding.rpartition(":")
        return sources.from_finding(actor, item.id, source, ref)
    category, industry, district = (request.args.get("ticket_class", "").split("|") + ["", "", ""])[:3]
    return sources.from_ticket_class(actor, item.id, category, industry, district)


def _risk_input(form) -> RiskInput:
    kinds, refs = form.getlist("source_type"), form.getlist("source_ref")
    titles, details = form.getlist("source_title"), form.getlist("source_detail")
    linked = [SourceInput(kind, ref, title, detail)
              for kind, ref, title, detail in zip(kinds, refs, titles, details) if kind]
    return RiskInput(area=form.get("area", ""), category=form.get("category", ""), title=form.get("title", ""),
                     description=form.get("description", ""), evidence=form.get("evidence", ""),
                     measures=form.get("measures", ""), likelihood=form.get("likelihood") or None,
                     impact=form.get("impact") or None, sources=linked)


@bp.route("/risks/<int:risk_item_id>/close", methods=["POST"])
@permission_required("risk_assessment.assess")
def close_risk(risk_item_id):
    actor = current_actor()
    risk = assessments.get_risk(actor, risk_item_id)
    try:
        assessments.close_risk(actor, risk_item_id, request.form.get("outcome", ""), request.form.get("note", ""))
        flash_done(_("The risk has been closed."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("risk_assessment.assessment", assessment_id=risk.assessment_id)


# --- letters -----------------------------------------------------------------------------

@bp.route("/assessments/<int:assessment_id>/letters", methods=["POST"])
@permission_required("risk_assessment.assess")
def draft_letter(assessment_id):
    actor = current_actor()
    if done := _already_done(actor):
        return redirect(done, code=303)
    try:
        letter = letters.draft(actor, assessment_id, request.form.get("kind", ""), request.form.getlist("risk_ids"),
                               addressee_kind=request.form.get("addressee_kind", ""),
                               addressee=request.form.get("addressee", ""), due_on=form_date("due_on"))
    except ValidationError as error:
        flash_refusal(error)
        return see_other("risk_assessment.assessment", assessment_id=assessment_id)
    flash_done(_("The letter has been drafted: edit it, then submit it for sign-off."))
    return _done(actor, url_for("documents.detail", document_id=letter.document_id))


@bp.route("/warnings/class", methods=["GET", "POST"])
@permission_required("risk_assessment.assess")
def class_warning():
    """A warning list for one industry in one district: choose the class, see the
    risks it would name, draft it."""
    actor = current_actor()
    values = request.form if request.method == "POST" else request.args
    errors = {}
    if request.method == "POST":
        actor.require("document.draft")
        if done := _already_done(actor):
            return redirect(done, code=303)
        try:
            letter = letters.draft_for_class(actor, values.get("industry", ""), values.get("district", ""),
                                             addressee_kind=values.get("addressee_kind", ""),
                                             addressee=values.get("addressee", ""), due_on=form_date("due_on"))
            flash_done(_("The warning list has been drafted: edit it, then submit it for sign-off."))
            return _done(actor, url_for("documents.detail", document_id=letter.document_id))
        except ValidationError as error:
            errors = error.errors or {"form": [error.message]}
    industries, districts = letters.class_choices(actor)
    industry, district = values.get("industry", ""), values.get("district", "")
    chosen = industry in industries and district in districts
    risks = letters.class_risks(actor, industry, district) if chosen else []
    flagged = sources.flagged_classes(actor)
    similar = next((c["groups"] for c in flagged if (c["industry"], c["district"]) == (industry, district)), [])
    return render_template(
        "risk_assessment/class_warning.html", industries=industries, districts=districts, values=values,
        errors=errors, chosen=chosen, grouped=letters.by_enterprise(risks),
        size=letters.class_size(actor, industry, district) if chosen else 0,
        flagged=flagged, similar=similar, can_draft=actor.can("document.draft"),
        addressee_kinds={k: letters.ADDRESSEE_KINDS[k] for k in letters.ALLOWED_ADDRESSEES["warning"]},
        **_common()), 400 if errors else 200


@bp.route("/letters/<int:letter_id>", methods=["GET", "POST"])
@permission_required("risk_assessment.read")
def letter(letter_id):
    actor = current_actor()
    item = letters.get(actor, letter_id)
    errors = {}
    if request.method == "POST":
        actor.require("risk_assessment.assess")
        if done := _already_done(actor):
            return redirect(done, code=303)
        try:
            follow_up.record_response(actor, letter_id, form_date("received_on"), request.form.get("result", ""),
                                      request.form.get("content", ""))
            flash_done(_("The response has been recorded."))
            return _done(actor, url_for("risk_assessment.letter", letter_id=letter_id))
        except ValidationError as error:
            errors = error.errors or {"form": [error.message]}
            flash_refusal(error)
    return render_template("risk_assessment/letter.html", letter=item, risks=letters.risks_of(item), errors=errors,
                           values=request.form, can_assess=actor.can("risk_assessment.assess"),
                           today=local_date(clock.now()), **_common()), 400 if errors else 200


# --- the level matrix ------------------------------------------------------------------------

@bp.route("/matrix", methods=["GET", "POST"])
@permission_required("risk_assessment.read")
def matrix_page():
    actor = current_actor()
    if request.method == "POST":
        actor.require("risk_assessment.configure")
        cells = [[request.form.get(f"cell_{i}_{j}", "") for j in matrix.SCALE] for i in matrix.SCALE]
        try:
            matrix.save(actor, cells)
            flash_done(_("The level matrix has been saved."))
            return see_other("risk_assessment.matrix_page")
        except ValidationError as error:
            flash_refusal(error)
    return render_template("risk_assessment/matrix.html", cells=matrix.cells_of(actor.unit_id), scale=matrix.SCALE,
                           likelihood=matrix.LIKELIHOOD, impact=matrix.IMPACT,
                           can_configure=actor.can("risk_assessment.configure"), **_common())


# --- quarterly reports -------------------------------------------------------------------------

@bp.route("/reports", methods=["GET", "POST"])
@permission_required("risk_assessment.read")
def reports_page():
    actor = current_actor()
    errors = {}
    if request.method == "POST":
        actor.require("risk_assessment.report")
        if done := _already_done(actor):
            return redirect(done, code=303)
        try:
            report = reports.request(actor, request.form.get("year"), request.form.get("quarter"),
                                     request.form.get("recommendations", ""))
            flash_done(_("The quarterly report has been requested: it is being put together."))
            return _done(actor, url_for("risk_assessment.report", report_id=report.id))
        except ValidationError as error:
            errors = error.errors or {"form": [error.message]}
    today = local_date(clock.now())
    last = quarters.quarter_of(today).previous
    return render_template("risk_assessment/reports.html", reports=reports.recent(actor), errors=errors,
                           values=request.form, default=last, years=range(today.year, today.year - 5, -1),
                           can_report=actor.can("risk_assessment.report"), statuses=reports.STATUSES,
                           new_key=submissions.new_key), \
        400 if errors else 200


@bp.route("/reports/<int:report_id>")
@permission_required("risk_assessment.read")
def report(report_id):
    item = reports.get(current_actor(), report_id)
    return render_template("risk_assessment/report.html", report=item, figures=item.figures or {},
                           statuses=reports.STATUSES)


@bp.route("/reports/<int:report_id>/draft.pdf")
@permission_required("risk_assessment.read")
def report_preview(report_id):
    try:
        content = reports.preview(current_actor(), report_id)
    except ValidationError:
        abort(404)
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename=report-{report_id}-draft.pdf"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the enterprise panel and the dashboard widget ------------------------------------------------

def enterprise_panel(enterprise) -> str:
    actor = current_actor()
    return render_template("risk_assessment/panel.html", enterprise=enterprise,
                           assessments=assessments.of_enterprise(actor, enterprise.id),
                           risks=assessments.open_risks(actor, enterprise.id),
                           letters=letters.of_enterprise(actor, enterprise.id),
                           can_assess=actor.can("risk_assessment.assess"), **_common())


def dashboard_widget() -> str:
    """Open risks and letters awaiting a response; nothing (no widget on the home page) when there is neither."""
    actor = current_actor()
    levels, letters = assessments.open_by_level(actor), follow_up.awaiting(actor)
    if not any(levels.values()) and not any(letters.values()):
        return ""
    return render_template("risk_assessment/widget.html", levels=levels, level_names=matrix.LEVELS, letters=letters)
