"""The pages of liaison work (助企联络): the coverage of 一企一警 and its assignment
in bulk, the visits (走访纳谏) with the demands heard on them, and the visit plans.
Thin: the rules are in core.liaison.coverage, visits and visit_plans."""
import re
import secrets

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.liaison import coverage, visit_plans, visits
from core.liaison.forms import DemandForm, PlanForm, VisitEditForm, VisitForm
from core.liaison.models import VisitPlan
from core.org.models import User
from core.privacy import masking
from core.registry import services as registry
from core.registry.chooser import enterprise_chooser
from core.registry.models import Enterprise
from core.tickets import attachments
from core.tickets import services as tickets
from core.tickets.vocabulary import CHANNELS, STATUSES
from core.uploads import held
from core.web import current_actor, flash_done, flash_refusal, id_arg, permission_required, see_other

SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
PLAN_CHOICES = 50      # the officer's enterprises offered for a plan of one enterprise
DUE_ROWS = 20          # the visits due shown on the plan page, soonest first (a list page's 20)

bp = Blueprint("liaison", __name__, url_prefix="/liaison")


@bp.route("/coverage")
@permission_required("enterprise.read")
def coverage_page():
    actor = current_actor()
    unit_id = request.args.get("unit_id", type=int)
    return render_template(
        "liaison/coverage.html", minimum=coverage.minimum(), thin=coverage.thin_officers(actor),
        units=coverage.by_unit(actor), unit_id=unit_id, officers=registry.officers(actor),
        page=coverage.without_officer(actor, unit_id=unit_id, cursor=request.args.get("cursor")))


@bp.route("/coverage/assign", methods=["POST"])
@permission_required("enterprise.write")
def assign():
    actor = current_actor()
    unit_id = request.form.get("unit_id", type=int)
    try:
        result = coverage.assign(actor, request.form.getlist("enterprise_ids"),
                                 request.form.get("officer_id", type=int))
    except ValidationError as exc:
        flash_refusal(exc)
        return see_other(".coverage_page", unit_id=unit_id)
    if result.done:
        officer = result.done[0].liaison_officer
        flash_done(ngettext("%(num)d enterprise now has %(officer)s as its liaison officer.",
                            "%(num)d enterprises now have %(officer)s as their liaison officer.",
                            len(result.done), officer=officer.name if officer else ""))
    for _enterprise_id, why in result.refused:
        flash_refusal(ValidationError(why))
    return see_other(".coverage_page", unit_id=unit_id)


# --- visits (走访纳谏) -------------------------------------------------------------

def _uploads(name: str):
    return [(f.filename, f.stream) for f in request.files.getlist(name) if f and f.filename]


def _demand(form) -> visits.DemandInput:
    return visits.DemandInput(category=form.demand_category.data or "",
                              description=form.demand_description.data or "",
                              contact_name=form.demand_contact_name.data or "",
                              contact_phone=form.demand_contact_phone.data or "")


def _key(value):
    value = value or ""
    return value if SUBMISSION_KEY.match(value) else None


@bp.route("/visits/new", methods=["GET", "POST"])
@permission_required("visit.record")
def new_visit():
    actor = current_actor()
    form = VisitForm()
    form.set_choices(_officers(actor), tickets.categories(actor))
    held_files = []
    chooser = enterprise_chooser(actor, request.args, field=form.enterprise_id)
    enterprise = chooser.chosen
    if request.method == "GET":
        form.submission_key.data = secrets.token_urlsafe(24)
        form.visited_on.data = visits.today().isoformat()
        form.officer_id.data = str(actor.user_id)
        if enterprise is not None and enterprise.contacts:
            form.demand_contact_name.data = enterprise.contacts[0].name
            form.demand_contact_phone.data = masking.mask("phone", enterprise.contacts[0].phone)
    else:
        data = visits.VisitInput(enterprise_id=id_arg("enterprise_id", request.form), visited_on=form.visited_on.data,
                                 heard=form.heard.data or "", done=form.done.data or "",
                                 officer_id=_int(form.officer_id.data), submission_key=_key(form.submission_key.data))
        demand = None
        if form.with_demand.data:
            demand = _demand(form)
            demand.description = demand.description or data.heard
        chosen = held.gather(actor, request.form.getlist(held.FORM_FIELD), _uploads(form.photos.name))
        try:
            if chosen.problems:
                raise ValidationError.of({**visits.check(actor, data, demand), form.photos.name: chosen.problems})
            data.photos = chosen.files
            if demand is None:
                result = visits.Recorded(visits.record(actor, data))
            else:
                result = visits.record_with_demand(actor, data, demand)
        except (ValidationError, NotFound) as exc:
            db.session.rollback()
            apply_errors(form, exc)
            held_files = held.keep(actor, chosen)
        else:
            held.release(actor, chosen)
            if result.ticket is not None:
                flash_done(_("Visit recorded; the demand is registered as ticket %(number)s.",
                             number=result.ticket.number))
            else:
                flash_done(_("Visit recorded."))
            return see_other(".visit_page", liaison_visit_id=result.visit.id)
    status = 400 if request.method == "POST" else 200
    return render_template("liaison/visit_new.html", form=form, chooser=chooser, enterprise=enterprise,
                           held_files=held_files,
                           max_attachment=attachments.size_text(attachments.max_bytes())), status


def _officers(actor):
    officers = registry.officers(actor)
    if actor.user is not None and actor.user.id not in {o.id for o in officers}:
        officers.insert(0, actor.user)
    return officers


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@bp.route("/visits/<int:liaison_visit_id>")
@permission_required("enterprise.read")
def visit_page(liaison_visit_id):
    visit_id = liaison_visit_id
    actor = current_actor()
    try:
        visit = visits.get(actor, visit_id)
    except NotFound:
        abort(404)
    form = None
    if actor.can("visit.record"):
        form = DemandForm()
        form.set_demand_choices(tickets.categories(actor))
        form.submission_key.data = secrets.token_urlsafe(24)
        form.demand_description.data = visit.heard
        if visit.enterprise.contacts:
            form.demand_contact_name.data = visit.enterprise.contacts[0].name
            form.demand_contact_phone.data = masking.mask("phone", visit.enterprise.contacts[0].phone)
    return _render_visit(visit, form)


def _render_visit(visit, form, status=200):
    return render_template("liaison/visit.html", visit=visit, form=form, channels=CHANNELS,
                           statuses=STATUSES), status


@bp.route("/visits/<int:liaison_visit_id>/demand", methods=["POST"])
@permission_required("visit.record")
def register_demand(liaison_visit_id):
    visit_id = liaison_visit_id
    actor = current_actor()
    try:
        visit = visits.get(actor, visit_id)
    except NotFound:
        abort(404)
    form = DemandForm()
    form.set_demand_choices(tickets.categories(actor))
    try:
        ticket = visits.register_demand(actor, visit.id, _demand(form), submission_key=_key(form.submission_key.data))
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc)
        return _render_visit(visits.get(actor, visit_id), form, status=400)
    flash_done(_("The demand is registered as ticket %(number)s.", number=ticket.number))
    return see_other(".visit_page", liaison_visit_id=visit.id)


@bp.route("/visits/<int:liaison_visit_id>/edit", methods=["GET", "POST"])
@permission_required("visit.record")
def edit_visit(liaison_visit_id):
    actor = current_actor()
    try:
        visit = visits.get(actor, liaison_visit_id)
    except NotFound:
        abort(404)
    form = VisitEditForm()
    form.set_officers(_officers(actor))
    held_files, conflict = [], None
    if request.method == "GET":
        form.officer_id.data, form.version.data = str(visit.officer_id), str(visit.version)
        form.visited_on.data, form.heard.data, form.done.data = visit.visited_on.isoformat(), visit.heard, visit.done
    else:
        chosen = held.gather(actor, request.form.getlist(held.FORM_FIELD), _uploads(form.photos.name))
        data = visits.VisitInput(enterprise_id=visit.enterprise_id, visited_on=form.visited_on.data,
                                 heard=form.heard.data or "", done=form.done.data or "",
                                 officer_id=_int(form.officer_id.data), photos=chosen.files)
        try:
            if chosen.problems:
                raise ValidationError.of({**visits.check(actor, data), form.photos.name: chosen.problems})
            visits.update(actor, visit.id, data, form.version.data)
        except Conflict as exc:
            db.session.rollback()
            conflict = visit = visits.get(actor, liaison_visit_id)
            form.version.data = str(visit.version)     # saving again applies these entries over theirs
            form.form_errors.append(str(exc.message))
            held_files = held.keep(actor, chosen)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
            held_files = held.keep(actor, chosen)
            visit = visits.get(actor, liaison_visit_id)
        else:
            held.release(actor, chosen)
            flash_done(_("The visit's record has been corrected."))
            return see_other(".visit_page", liaison_visit_id=visit.id)
    status = 200 if request.method == "GET" else 409 if conflict is not None else 400
    return render_template("liaison/visit_edit.html", form=form, visit=visit, conflict=conflict,
                           held_files=held_files,
                           max_attachment=attachments.size_text(attachments.max_bytes())), status


@bp.route("/visits/<int:liaison_visit_id>/photos/<int:visit_photo_id>")
@permission_required("enterprise.read")
def visit_photo(liaison_visit_id, visit_photo_id):
    visit_id, photo_id = liaison_visit_id, visit_photo_id
    actor = current_actor()
    try:
        row, path = visits.photo(actor, visit_id, photo_id)
    except NotFound:
        abort(404)
    response = send_file(path, mimetype=row.content_type, as_attachment=False, download_name=row.original_name,
                         max_age=0, conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/visits")
@permission_required("enterprise.read")
def visit_list():
    """An officer's visits (the user's own unless ``officer`` names another of their units)."""
    actor = current_actor()
    officer_id = id_arg("officer") or actor.user_id
    officer = db.session.get(User, officer_id) if officer_id else None
    if officer is None or (officer.id != actor.user_id and officer.id not in registry.officer_ids(actor)):
        abort(404)
    return render_template("liaison/visits.html", officer=officer, officers=registry.officers(actor),
                           page=visits.of_officer(actor, officer.id, cursor=request.args.get("cursor")))


# --- visit plans --------------------------------------------------------------------

@bp.route("/plan", methods=["GET", "POST"])
@permission_required("visit.record")
def plan_page():
    actor = current_actor()
    officer_id = id_arg("officer") or id_arg("officer", request.form) or actor.user_id
    try:
        officer = visit_plans._officer(actor, officer_id)
    except NotFound:
        abort(404)
    form = PlanForm()
    served = list(db.session.scalars(select(Enterprise).where(Enterprise.liaison_officer_id == officer.id)
                                     .order_by(Enterprise.name_pinyin, Enterprise.id).limit(PLAN_CHOICES)).unique())
    form.set_choices(served)
    status = 200
    if request.method == "POST":
        try:
            visit_plans.add(actor, officer.id, form.interval.data or "", _int(form.enterprise_id.data))
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
            status = 400
        else:
            flash_done(_("Visit plan added."))
            return see_other(".plan_page", officer=officer.id)
    due = visit_plans.due(actor, officer.id, shown=DUE_ROWS)
    return render_template("liaison/plan.html", officer=officer, form=form, plans=visit_plans.plans(actor, officer.id),
                           due=due[:DUE_ROWS], due_count=len(due), overdue_count=sum(d.overdue for d in due),
                           intervals=visit_plans.INTERVALS,
                           officers=registry.officers(actor), today=visits.today()), status


@bp.route("/plan/<int:visit_plan_id>/delete", methods=["POST"])
@permission_required("visit.record")
def delete_plan(visit_plan_id):
    plan_id = visit_plan_id
    actor = current_actor()
    plan = db.session.get(VisitPlan, plan_id)
    officer_id = plan.officer_id if plan is not None else None
    try:
        visit_plans.remove(actor, plan_id)
    except NotFound:
        abort(404)
    flash_done(_("Visit plan removed."))
    return see_other(".plan_page", officer=officer_id)
