"""The inspection pages: thin views over the plugin's services."""
from flask import Response, abort, render_template, request, send_file
from flask_babel import gettext as _

from core.errors import ValidationError
from core.plugins.toolkit import plugin_blueprint
from core.registry import services as registry
from core.uploads import held
from core.web import current_actor, flash_done, flash_refusal, form_date, id_arg, permission_required, public, see_other
from plugins.inspection import catalogue, conflicts, credit, labels, letters, plans, publication, stats, visits

bp = plugin_blueprint("inspection", __name__)


@bp.context_processor
def _labels():
    return labels.for_templates()


def _int(name):
    return id_arg(name, request.form)



# --- plans ----------------------------------------------------------------------------

@bp.route("/")
@permission_required("inspection.read")
def index():
    actor = current_actor()
    chosen_type = request.args.get("type", "")
    try:
        listed = plans.plans(actor, inspection_type=chosen_type)
    except ValidationError as error:
        flash_refusal(error)
        chosen_type, listed = "", plans.plans(actor)
    return render_template("inspection/index.html", plans=listed, chosen_type=chosen_type,
                           by_type=stats.by_type(actor), repairs=credit.pending_for(actor),
                           can_plan=actor.can("inspection.plan"), can_decide=actor.can("inspection.decide"),
                           can_catalogue=actor.can("inspection.catalogue"))


@bp.route("/plans/new", methods=["GET", "POST"])
@permission_required("inspection.plan")
def new_plan():
    actor = current_actor()
    errors, values = {}, request.form
    if request.method == "POST":
        data = plans.PlanInput(
            title=request.form.get("title", ""), form_id=_int("form_id"),
            inspection_type=request.form.get("inspection_type", plans.DEFAULT_INSPECTION_TYPE),
            police_types=request.form.getlist("police_types"), unit_ids=request.form.getlist("unit_ids"),
            period_start=form_date("period_start"), period_end=form_date("period_end"),
            selection=request.form.get("selection", "draw"), district=request.form.get("district", ""),
            industry=request.form.get("industry", ""), draw_count=_int("draw_count"),
            draw_percent=_int("draw_percent"), inspectors_per_target=_int("inspectors_per_target") or 0)
        try:
            plan = plans.create(actor, data)
            flash_done(_("The plan “%(title)s” has been saved as a draft: add targets or run the draw.",
                         title=plan.title))
            return see_other("inspection.plan", plan_id=plan.id)
        except ValidationError as error:
            errors = error.errors or {error.field or "title": [error.message]}
    status = 400 if errors else 200
    return render_template("inspection/plan_form.html", forms=catalogue.forms(actor, active_only=True),
                           units=registry.units(actor), police_types=catalogue.POLICE_TYPES, errors=errors,
                           values=values), status


@bp.route("/plans/<int:plan_id>")
@permission_required("inspection.read")
def plan(plan_id):
    return _plan_page(current_actor(), plan_id)


def _plan_page(actor, plan_id, verification=None):
    item = plans.get(actor, plan_id)
    return render_template("inspection/plan.html", plan=item, manages=plans.may_manage(actor, item),
                           police_types=catalogue.POLICE_TYPES, settings=catalogue.settings_of(item.unit_id),
                           verification=verification)


@bp.route("/plans/<int:plan_id>/targets", methods=["POST"])
@permission_required("inspection.plan")
def add_target(plan_id):
    try:
        visit = plans.add_target(current_actor(), plan_id, _int("enterprise_id"),
                                 request.form.get("override_reason", ""))
        flash_done(_("%(name)s has been added to the plan.", name=visit.enterprise.name))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("inspection.plan", plan_id=plan_id)


@bp.route("/plans/<int:plan_id>/targets/<int:visit_id>/remove", methods=["POST"])
@permission_required("inspection.plan")
def remove_target(plan_id, visit_id):
    try:
        enterprise = plans.remove_target(current_actor(), plan_id, visit_id)
        flash_done(_("%(name)s has been removed from the plan.", name=enterprise.name))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("inspection.plan", plan_id=plan_id)


@bp.route("/plans/<int:plan_id>/draw", methods=["POST"])
@permission_required("inspection.plan")
def draw(plan_id):
    try:
        drawn = plans.run_draw(current_actor(), plan_id)
        flash_done(_("The draw is done: %(n)d enterprises drawn, each with its inspectors.", n=len(drawn.visits)))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("inspection.plan", plan_id=plan_id)


@bp.route("/plans/<int:plan_id>/verify", methods=["POST"])
@permission_required("inspection.read")
def verify(plan_id):
    actor = current_actor()
    try:
        outcome = plans.verify(actor, plan_id)
    except ValidationError as error:
        flash_refusal(error)
        return see_other("inspection.plan", plan_id=plan_id)
    return _plan_page(actor, plan_id, outcome)


@bp.route("/plans/<int:plan_id>/publish", methods=["POST"])
@permission_required("inspection.plan")
def publish(plan_id):
    try:
        publication.publish(current_actor(), plan_id)
        flash_done(_("The results have been published on the public page."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("inspection.plan", plan_id=plan_id)


# --- 一公开: public pages (no login; the plan's lead unit must have the plugin enabled) ------

@bp.route("/results/<int:plan_id>")
@public
def results(plan_id):
    item = publication.public(plan_id)
    return render_template("inspection/results.html", plan=item, rows=item.published_rows)


@bp.route("/results/<int:plan_id>.pdf")
@public
def results_pdf(plan_id):
    item = publication.public(plan_id)
    response = Response(item.published_pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename=results-{item.id}.pdf"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    return response


# --- visits -----------------------------------------------------------------------------

@bp.route("/visits/<int:visit_id>", methods=["GET", "POST"])
@permission_required("inspection.read")
def visit(visit_id):
    actor = current_actor()
    item = visits.get(actor, visit_id)
    errors, held_files = {}, {}
    if request.method == "POST":
        results, chosen = {}, {}
        # Each item's photos held from a failed submit and those sent now, checked with the fields in one pass.
        for form_item in item.plan.form.items:
            name = f"photos_{form_item.id}"
            chosen[form_item.id] = held.gather(actor, request.form.getlist(f"held_{name}"),
                                               [(f.filename, f.stream) for f in request.files.getlist(name)])
            results[form_item.id] = visits.ItemResult(
                result=request.form.get(f"result_{form_item.id}", ""),
                description=request.form.get(f"description_{form_item.id}", ""),
                photos=chosen[form_item.id].files, photo_problems=chosen[form_item.id].problems)
        try:
            visits.record(actor, visit_id, results, due_on=form_date("due_on"))
        except ValidationError as error:
            errors = error.errors or {"form": [error.message]}
            flash_refusal(error)
            held_files = {item_id: held.keep(actor, files) for item_id, files in chosen.items()}
        else:
            for files in chosen.values():
                held.release(actor, files)
            flash_done(_("The visit has been recorded."))
            return see_other("inspection.visit", visit_id=visit_id)
    return render_template("inspection/visit.html", visit=item, may_record=visits.may_record(actor, item),
                           results=visits.RESULTS, errors=errors, values=request.form,
                           held_files=held_files), 400 if errors else 200


@bp.route("/visits/<int:visit_id>/documents/<kind>", methods=["POST"])
@permission_required("document.draft")
def visit_document(visit_id, kind):
    maker = {"notice": letters.notice, "result": letters.result}.get(kind)
    if maker is None:
        abort(404)
    try:
        document = maker(current_actor(), visit_id)
    except ValidationError as error:
        flash_refusal(error)
        return see_other("inspection.visit", visit_id=visit_id)
    flash_done(_("The letter has been drafted: check it, then submit it for sign-off."))
    return see_other("documents.detail", document_id=document.id)


@bp.route("/photos/<int:photo_id>")
@permission_required("inspection.read")
def photo(photo_id):
    row, path = visits.photo(current_actor(), photo_id)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.original_name)
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    return response


@bp.route("/rectifications/<int:rectification_id>/recheck", methods=["POST"])
@permission_required("inspection.inspect")
def recheck(rectification_id):
    actor = current_actor()
    order = visits.get_rectification(actor, rectification_id)
    try:
        passed = request.form.get("passed") == "1"
        visits.recheck(actor, rectification_id, passed, request.form.get("note", ""), due_on=form_date("due_on"))
        flash_done(_("The recheck has been recorded: the rectification is closed.") if passed else
                   _("The recheck has been recorded: the rectification stays open until the new due date."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("inspection.visit", visit_id=order.finding.visit_id)


@bp.route("/rectifications/<int:rectification_id>/document", methods=["POST"])
@permission_required("document.draft")
def rectification_document(rectification_id):
    document = letters.rectification(current_actor(), rectification_id)
    flash_done(_("The letter has been drafted: check it, then submit it for sign-off."))
    return see_other("documents.detail", document_id=document.id)


# --- enterprise: credit repair, conflicts -------------------------------------------------

@bp.route("/enterprises/<int:enterprise_id>/credit-repair", methods=["POST"])
@permission_required("inspection.inspect")
def credit_repair(enterprise_id):
    try:
        credit.request_repair(current_actor(), enterprise_id, request.form.get("reason", ""))
        flash_done(_("The credit repair has been requested; a leader decides on it."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("registry.detail", enterprise_id=enterprise_id)


@bp.route("/credit-repairs/<int:repair_id>/decide", methods=["POST"])
@permission_required("inspection.decide")
def decide_repair(repair_id):
    try:
        approve = request.form.get("approve") == "1"
        credit.decide(current_actor(), repair_id, approve)
        flash_done(_("The credit repair has been approved.") if approve else
                   _("The credit repair has been refused."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("inspection.index")


@bp.route("/enterprises/<int:enterprise_id>/conflict", methods=["POST"])
@permission_required("inspection.inspect")
def conflict(enterprise_id):
    try:
        catalogue.declare_conflict(current_actor(), enterprise_id, request.form.get("reason", ""))
        flash_done(_("Your conflict of interest has been recorded: you will not be drawn for this enterprise."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("registry.detail", enterprise_id=enterprise_id)


@bp.route("/conflicts")
@permission_required("inspection.read")
def conflicts_page():
    actor = current_actor()
    chosen = conflicts.ConflictFilter(plan_id=id_arg("plan_id"), user_id=id_arg("user_id"),
                                      enterprise=request.args.get("enterprise", ""))
    rows = conflicts.listed(actor, chosen)
    return render_template("inspection/conflicts.html", rows=rows, chosen=chosen, plans=plans.plans(actor),
                           inspectors=conflicts.inspectors(actor), truncated=len(rows) >= conflicts.LIMIT,
                           sees_all=actor.can("inspection.plan"))


# --- catalogue, exemptions, settings --------------------------------------------------------

@bp.route("/catalogue")
@permission_required("inspection.read")
def catalogue_page():
    return _catalogue_page(current_actor())


def _catalogue_page(actor, exemption_errors=None):
    """The catalogue; after a refused exemption, its errors by field and the entries typed."""
    return render_template("inspection/catalogue.html", items=catalogue.items(actor), forms=catalogue.forms(actor),
                           police_types=catalogue.POLICE_TYPES, can_edit=actor.can("inspection.catalogue"),
                           settings=catalogue.settings_of(actor.unit_id), exemptions=catalogue.exemptions(actor),
                           exemption_errors=exemption_errors or {},
                           exemption_values=request.form if exemption_errors else {}), 400 if exemption_errors else 200


@bp.route("/catalogue/load", methods=["POST"])
@permission_required("inspection.catalogue")
def load_catalogue():
    try:
        catalogue.load_standard(current_actor())
        flash_done(_("The standard catalogue has been loaded: its items and forms can now be used in plans."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("inspection.catalogue_page")


@bp.route("/catalogue/items", methods=["POST"])
@permission_required("inspection.catalogue")
def save_item():
    try:
        item = catalogue.save_item(current_actor(), request.form.to_dict(), _int("item_id"))
        flash_done(_("The item “%(name)s” has been saved.", name=item.name))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("inspection.catalogue_page")


@bp.route("/catalogue/forms", methods=["POST"])
@permission_required("inspection.catalogue")
def save_form():
    try:
        catalogue.save_form(current_actor(), request.form.get("name", ""), request.form.get("enterprise_type", ""),
                            request.form.getlist("item_ids"), form_id=_int("form_id"),
                            active=request.form.get("active", "1"))
        flash_done(_("The form has been saved."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("inspection.catalogue_page")


@bp.route("/exemptions", methods=["POST"])
@permission_required("inspection.catalogue")
def add_exemption():
    actor = current_actor()
    try:
        row = catalogue.add_exemption(actor, request.form.get("enterprise", ""), request.form.get("reason", ""),
                                      form_date("starts_on"), form_date("ends_on"))
    except ValidationError as error:
        return _catalogue_page(actor, error.errors or {"enterprise": [error.message]})
    flash_done(_("%(name)s is exempt from the draw in that period.", name=row.enterprise.name))
    return see_other("inspection.catalogue_page")


@bp.route("/settings", methods=["POST"])
@permission_required("inspection.catalogue")
def save_settings():
    try:
        catalogue.save_settings(current_actor(), request.form.get("visit_cap"), request.form.get("hide_names") == "1")
        flash_done(_("The settings have been saved."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("inspection.catalogue_page")


# --- what the hooks render ---------------------------------------------------------------

def enterprise_panel(enterprise) -> str:
    from plugins.inspection.models import Visit

    actor = current_actor()
    year = visits.local_date(visits.clock.now()).year
    visible = {p.id for p in plans.plans(actor, limit=1000)}
    own = [v for v in Visit.query.filter_by(enterprise_id=enterprise.id).order_by(Visit.id.desc()).limit(50)
           if v.plan_id in visible]
    return render_template("inspection/panel.html", enterprise=enterprise, visits=own,
                           count=plans.visit_counts([enterprise.id], year).get(enterprise.id, 0),
                           cap=catalogue.settings_of(actor.unit_id).visit_cap,
                           open_orders=visits.open_rectifications(enterprise.id), grade=credit.grade(enterprise.id),
                           grades=credit.GRADES, pending=credit.pending(enterprise.id),
                           may_inspect=actor.can("inspection.inspect"), **labels.for_templates())


def dashboard_widget() -> str:
    """The year's figures; nothing (no widget on the home page) before the first visit is done."""
    actor = current_actor()
    figures = stats.summary(actor)
    if not figures["visits"] and not figures["issues"]:
        return ""
    by_type = [row for row in stats.by_type(actor) if row["plans"] or row["visits"]]
    return render_template("inspection/widget.html", figures=figures, by_type=by_type, **labels.for_templates())
