"""The project officers' pages: thin views over the plugin's services."""
from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import AnqiError, Forbidden, NotFound, ValidationError
from core.plugins.toolkit import plugin_blueprint
from core.registry import services as registry
from core.web import current_actor, flash_done, flash_refusal, form_date, id_arg, permission_required, see_other
from plugins.project_officer import (analysis, dossier, meetings, monthly, plan_versions, projects, risks, rules,
                                     team, visits)

bp = plugin_blueprint("project_officer", __name__)


def _int(name):
    return id_arg(name, request.form)



def _project_input(form) -> projects.ProjectInput:
    return projects.ProjectInput(
        name=form.get("name", ""), enterprise_id=id_arg("enterprise_id", form),
        enterprise_code=form.get("enterprise_code", ""), location=form.get("location", ""),
        investment=form.get("investment", ""), stage=form.get("stage", ""), starts_on=form_date("starts_on"),
        ends_on=form_date("ends_on"), officer_id=id_arg("officer_id", form), leader_id=id_arg("leader_id", form),
        visit_interval_months=id_arg("visit_interval_months", form))


# --- the register ---------------------------------------------------------------------------

@bp.route("/")
@permission_required("project_officer.read")
def index():
    actor = current_actor()
    rows = projects.projects(actor)
    return render_template("project_officer/index.html", projects=rows, schedules=visits.schedules(rows),
                           stages=projects.STAGES, can_manage=actor.can("project_officer.manage"),
                           can_draft=actor.can("document.draft"), today=visits.today())


@bp.route("/projects/new", methods=["GET", "POST"])
@permission_required("project_officer.manage")
def new_project():
    actor = current_actor()
    errors, values = {}, request.form
    if request.method == "POST":
        try:
            project = projects.create(actor, _project_input(request.form))
            flash_done(_("The project “%(name)s” has been created.", name=project.name))
            return see_other("project_officer.project", project_id=project.id)
        except ValidationError as error:
            errors = error.errors or {error.field or "name": [error.message]}
    chosen = id_arg("enterprise_id", values) or id_arg("enterprise")
    try:
        enterprise = registry.get(actor, chosen) if chosen else None
    except NotFound:
        enterprise = None
    unit = actor.user.unit
    return render_template("project_officer/project_form.html", errors=errors, values=values, enterprise=enterprise,
                           officers=projects.people(unit), leaders=projects.people(unit, roles=("leader",)),
                           stages=projects.STAGES), 400 if errors else 200


@bp.route("/projects/<int:project_id>")
@permission_required("project_officer.read")
def project(project_id):
    return _project_page(current_actor(), project_id)


def _project_page(actor, project_id, revealed=None):
    item = projects.get(actor, project_id)
    return render_template(
        "project_officer/project.html", project=item, schedule=visits.schedule(actor, item.id),
        visits=visits.of_project(item.id), meetings=meetings.of_project(item.id), risks=risks.of_project(item.id),
        plan=plan_versions.current(item.id), stages=projects.STAGES, posts=team.POSTS, meeting_kinds=meetings.KINDS,
        risk_types=risks.TYPES, levels=rules.LEVELS, risk_statuses=risks.STATUSES,
        manages=projects.may_manage(actor, item), records=projects.may_record(actor, item),
        can_draft=actor.can("document.draft"), colleagues=projects.people(item.unit, roles=("officer", "leader", "desk")),
        leaders=projects.people(item.unit, roles=("leader",)), team=projects.current_team(item), revealed=revealed,
        today=visits.today())


@bp.route("/projects/<int:project_id>/edit", methods=["POST"])
@permission_required("project_officer.manage")
def edit_project(project_id):
    try:
        projects.update(current_actor(), project_id, _project_input(request.form))
        flash_done(_("The project has been saved."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("project_officer.project", project_id=project_id)


@bp.route("/projects/<int:project_id>/schedule", methods=["POST"])
@permission_required("project_officer.manage")
def schedule(project_id):
    try:
        visits.set_interval(current_actor(), project_id, _int("visit_interval_months"))
        flash_done(_("The visit schedule has been saved."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("project_officer.project", project_id=project_id)


# --- the team --------------------------------------------------------------------------------

@bp.route("/projects/<int:project_id>/members", methods=["POST"])
@permission_required("project_officer.manage")
def add_member(project_id):
    actor = current_actor()
    try:
        if request.form.get("kind") == "contact":
            team.add_contact(actor, project_id, request.form.get("name", ""), request.form.get("title", ""),
                             request.form.get("phone", ""))
        else:
            team.add_police(actor, project_id, _int("user_id"), request.form.get("title", ""))
        flash_done(_("The member has been added to the team."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("project_officer.project", project_id=project_id)


@bp.route("/members/<int:member_id_po>/remove", methods=["POST"])
@permission_required("project_officer.manage")
def remove_member(member_id_po):
    actor = current_actor()
    member = team.get_member(actor, member_id_po)
    try:
        team.remove(actor, member_id_po)
        flash_done(_("The member has left the team."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("project_officer.project", project_id=member.project_id)


@bp.route("/members/<int:member_id_po>/reveal", methods=["POST"])
@permission_required("project_officer.read")
def reveal_member(member_id_po):
    actor = current_actor()
    member = team.reveal_phone(actor, member_id_po)
    return _project_page(actor, member.project_id, revealed=member.id)


@bp.route("/projects/<int:project_id>/handovers", methods=["POST"])
@permission_required("project_officer.manage")
def handover(project_id):
    try:
        team.handover(current_actor(), project_id, request.form.get("post", ""), _int("to_user_id"),
                      request.form.get("notes", ""), from_member_id=_int("from_member_id"),
                      handed_on=form_date("handed_on"))
        flash_done(_("The handover has been recorded."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("project_officer.project", project_id=project_id)


# --- the plan --------------------------------------------------------------------------------

@bp.route("/projects/<int:project_id>/plan")
@permission_required("project_officer.read")
def plan(project_id):
    actor = current_actor()
    item = projects.get(actor, project_id)
    return render_template("project_officer/plan.html", project=item, versions=plan_versions.versions(actor, item.id),
                           sections=plan_versions.SECTIONS, statuses=plan_versions.STATUSES,
                           manages=projects.may_manage(actor, item))


@bp.route("/projects/<int:project_id>/plan/versions", methods=["POST"])
@permission_required("project_officer.manage")
def start_plan(project_id):
    try:
        version = plan_versions.start(current_actor(), project_id)
    except ValidationError as error:
        flash_refusal(error)
        return see_other("project_officer.plan", project_id=project_id)
    flash_done(_("Draft version %(n)d of the plan has been started.", n=version.number))
    return see_other("project_officer.plan_version", plan_version_id=version.id)


@bp.route("/plan-versions/<int:plan_version_id>", methods=["GET", "POST"])
@permission_required("project_officer.read")
def plan_version(plan_version_id):
    actor = current_actor()
    version = plan_versions.get(actor, plan_version_id)
    errors = {}
    if request.method == "POST":
        actor.require("project_officer.manage")
        try:
            plan_versions.save(actor, plan_version_id, {code: request.form.get(code, "") for code in plan_versions.SECTIONS})
            flash_done(_("The plan has been saved."))
            return see_other("project_officer.plan_version", plan_version_id=plan_version_id)
        except ValidationError as error:
            errors = error.errors or {"form": [error.message]}
    return render_template("project_officer/plan_version.html", version=version, project=version.project,
                           sections=plan_versions.SECTIONS, statuses=plan_versions.STATUSES, errors=errors,
                           values=request.form if errors else version.sections,
                           editable=version.status == "draft" and projects.may_manage(actor, version.project),
                           approves=version.status == "draft" and actor.user_id == version.project.leader_id
                           and actor.can("project_officer.approve")), 400 if errors else 200


@bp.route("/plan-versions/<int:plan_version_id>/approve", methods=["POST"])
@permission_required("project_officer.approve")
def approve_plan(plan_version_id):
    try:
        plan_versions.approve(current_actor(), plan_version_id)
        flash_done(_("The plan has been approved: it is now the plan in force."))
    except (ValidationError, Forbidden) as error:
        flash_refusal(error)
    return see_other("project_officer.plan_version", plan_version_id=plan_version_id)


# --- visits and meetings ------------------------------------------------------------------------

@bp.route("/projects/<int:project_id>/visits", methods=["POST"])
@permission_required("project_officer.record")
def record_visit(project_id):
    try:
        visits.record(current_actor(), project_id, form_date("visited_on"), request.form.get("visitors", ""),
                      request.form.get("raised", ""), request.form.get("actions", ""), request.form.get("follow_up", ""))
        flash_done(_("The visit has been recorded."))
    except (ValidationError, Forbidden) as error:
        flash_refusal(error)
    return see_other("project_officer.project", project_id=project_id)


@bp.route("/visits/<int:project_visit_id>")
@permission_required("project_officer.read")
def visit(project_visit_id):
    item = visits.get(current_actor(), project_visit_id)
    return render_template("project_officer/visit.html", visit=item, project=item.project)


@bp.route("/projects/<int:project_id>/meetings", methods=["POST"])
@permission_required("project_officer.record")
def record_meeting(project_id):
    try:
        meetings.record(current_actor(), project_id, request.form.get("kind", ""), form_date("held_on"),
                        request.form.get("participants", ""), request.form.get("topics", ""),
                        request.form.get("outcome", ""))
        flash_done(_("The meeting has been recorded."))
    except (ValidationError, Forbidden) as error:
        flash_refusal(error)
    return see_other("project_officer.project", project_id=project_id)


@bp.route("/meetings/<int:project_meeting_id>")
@permission_required("project_officer.read")
def meeting(project_meeting_id):
    item = meetings.get(current_actor(), project_meeting_id)
    return render_template("project_officer/meeting.html", meeting=item, project=item.project, kinds=meetings.KINDS)


# --- risks and disputes ---------------------------------------------------------------------------

@bp.route("/projects/<int:project_id>/risks", methods=["POST"])
@permission_required("project_officer.record")
def new_risk(project_id):
    try:
        risk = risks.create(current_actor(), project_id, risks.RiskInput(
            risk_type=request.form.get("risk_type", ""), level=request.form.get("level", ""),
            title=request.form.get("title", ""), description=request.form.get("description", ""),
            found_on=form_date("found_on")))
        flash_done(_("The risk has been recorded and assigned by its level."))
        return see_other("project_officer.risk", project_risk_id=risk.id)
    except (ValidationError, Forbidden) as error:
        flash_refusal(error)
    return see_other("project_officer.project", project_id=project_id)


@bp.route("/risks/<int:project_risk_id>")
@permission_required("project_officer.read")
def risk(project_risk_id):
    actor = current_actor()
    item = risks.get(actor, project_risk_id)
    return render_template("project_officer/risk.html", risk=item, project=item.project, types=risks.TYPES,
                           levels=rules.LEVELS, statuses=risks.STATUSES, action_kinds=risks.ACTION_KINDS,
                           records=projects.may_record(actor, item.project) and item.status == "open",
                           crime=item.risk_type in risks.CRIME_TYPES, can_register=actor.can("ticket.register"))


@bp.route("/risks/<int:project_risk_id>/actions", methods=["POST"])
@permission_required("project_officer.record")
def risk_action(project_risk_id):
    try:
        risks.add_action(current_actor(), project_risk_id, request.form.get("kind", ""), request.form.get("text", ""),
                         form_date("acted_on"))
        flash_done(_("The action has been recorded."))
    except (ValidationError, Forbidden) as error:
        flash_refusal(error)
    return see_other("project_officer.risk", project_risk_id=project_risk_id)


@bp.route("/risks/<int:project_risk_id>/level", methods=["POST"])
@permission_required("project_officer.record")
def risk_level(project_risk_id):
    try:
        risk = risks.regrade(current_actor(), project_risk_id, request.form.get("level", ""))
        flash_done(_("The risk is now “%(level)s”.", level=rules.LEVELS[risk.level]))
    except (ValidationError, Forbidden) as error:
        flash_refusal(error)
    return see_other("project_officer.risk", project_risk_id=project_risk_id)


@bp.route("/risks/<int:project_risk_id>/resolve", methods=["POST"])
@permission_required("project_officer.record")
def resolve_risk(project_risk_id):
    try:
        risks.resolve(current_actor(), project_risk_id, request.form.get("outcome", ""))
        flash_done(_("The risk has been resolved."))
    except (ValidationError, Forbidden) as error:
        flash_refusal(error)
    return see_other("project_officer.risk", project_risk_id=project_risk_id)


@bp.route("/risks/<int:project_risk_id>/ticket", methods=["POST"])
@permission_required("ticket.register")
def risk_ticket(project_risk_id):
    try:
        ticket = risks.register_ticket(current_actor(), project_risk_id)
        flash_done(_("Ticket %(number)s registered.", number=ticket.number))
        return see_other("tickets.detail", ticket_id=ticket.id)
    except (ValidationError, Forbidden) as error:
        flash_refusal(error)
    return see_other("project_officer.risk", project_risk_id=project_risk_id)


# --- the file and the monthly letter ---------------------------------------------------------------

@bp.route("/projects/<int:project_id>/dossier", methods=["POST"])
@permission_required("document.draft")
def make_dossier(project_id):
    try:
        dossier.make(current_actor(), project_id)
        flash_done(_("The project file has been made."))
    except ValidationError as error:
        flash_refusal(error)
    return see_other("project_officer.project", project_id=project_id)


@bp.route("/projects/<int:project_id>/dossier.pdf")
@permission_required("project_officer.read")
def dossier_pdf(project_id):
    actor = current_actor()
    try:
        document_id, preview = dossier.prepare(actor, project_id)
    except NotFound:
        abort(404)
    except AnqiError as error:          # beyond the render budget: the reason, on the project's page
        flash_refusal(error)
        return see_other("project_officer.project", project_id=project_id)
    if preview.state != "ready":        # a long file: core's page waits for the workers and shows the reason
        return redirect(url_for("documents.preview", document_id=document_id))
    response = Response(preview.content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"attachment; filename=project-{project_id}-file.pdf"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/monthly", methods=["POST"])
@permission_required("document.draft")
def make_monthly():
    month = (request.form.get("month") or "").strip()      # YYYY-MM, from <input type="month">
    try:
        year, number = (int(part) for part in month.split("-"))
    except ValueError:
        year, number = 0, 0
    try:
        document = monthly.make(current_actor(), year, number)
    except ValidationError as error:
        flash_refusal(error)
        return see_other("project_officer.index")
    flash_done(_("The monthly letter has been drafted: check it, then submit it for sign-off."))
    return see_other("documents.detail", document_id=document.id)


# --- queues, analysis, rules ------------------------------------------------------------------

@bp.route("/queue")
@permission_required("project_officer.read")
def queue():
    actor = current_actor()
    return render_template("project_officer/queue.html", mine=visits.overdue(actor, mine_only=True),
                           risks=risks.responsible_for(actor), levels=rules.LEVELS, types=risks.TYPES,
                           units=visits.overdue(actor) if actor.can("project_officer.manage") else [])


@bp.route("/analysis")
@permission_required("project_officer.read")
def analysis_page():
    start, end = form_date("start", request.args), form_date("end", request.args)
    if not (start and end and start <= end):
        start, end = analysis.default_period()
    return render_template("project_officer/analysis.html", result=analysis.analyse(current_actor(), start, end),
                           types=risks.TYPES, levels=rules.LEVELS)


@bp.route("/rules", methods=["GET", "POST"])
@permission_required("project_officer.read")
def rules_page():
    actor = current_actor()
    if request.method == "POST":
        actor.require("project_officer.rules")
        try:
            rules.save(actor, request.form.get("level", ""), _int("responsible_unit_id"), _int("leader_id"))
            flash_done(_("The rule has been saved."))
        except ValidationError as error:
            flash_refusal(error)
        return see_other("project_officer.rules_page")
    units, leaders = rules.choices(actor)
    return render_template("project_officer/rules.html", table=rules.table(actor), levels=rules.LEVELS, units=units,
                           leaders=leaders, can_edit=actor.can("project_officer.rules"))


@bp.route("/rules/<int:rule_id>/reset", methods=["POST"])
@permission_required("project_officer.rules")
def reset_rule(rule_id):
    rules.reset(current_actor(), rule_id)
    flash_done(_("The rule is back to the default."))
    return see_other("project_officer.rules_page")


# --- what the hooks render ---------------------------------------------------------------------

def enterprise_panel(enterprise) -> str:
    actor = current_actor()
    rows = projects.for_enterprise(actor, enterprise.id)
    return render_template("project_officer/panel.html", enterprise=enterprise, projects=rows,
                           schedules=visits.schedules(rows), stages=projects.STAGES,
                           can_manage=actor.can("project_officer.manage"))


def dashboard_widget() -> str:
    """Projects, visits and risks; nothing (no widget on the home page) while the units have no project."""
    figures = analysis.dashboard(current_actor())
    if not any(figures["stages"].values()) and not figures["visits_this_month"]:
        return ""
    return render_template("project_officer/widget.html", figures=figures, stages=projects.STAGES,
                           levels=rules.LEVELS)


def ticket_panel(ticket) -> str:
    found = risks.for_ticket(current_actor(), ticket.id)
    if not found:
        return ""
    return render_template("project_officer/ticket_panel.html", risks=found, types=risks.TYPES, levels=rules.LEVELS,
                           statuses=risks.STATUSES)
