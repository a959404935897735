"""Meetings as pages: the list, record and edit, the meeting's page with its enterprises
(chosen by search, as on the intake form) and the demands raised there, the minutes file.
Thin: the rules are in core.meetings.services."""
import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from core.audit import services as audit
from core.departments import services as departments
from core.errors import Conflict, Forbidden, NotFound, ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.meetings import forms, services
from core.registry.chooser import enterprise_chooser
from core.tickets import attachments
from core.tickets import services as tickets
from core.tickets.vocabulary import CLASSES, MODES
from core.uploads import held
from core.web import current_actor, id_arg, permission_required

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


def _page_size() -> int:
    size = request.args.get("size", type=int)
    return size if size in current_app.config["PAGE_SIZE_CHOICES"] else current_app.config["PAGE_SIZE"]


@bp.route("/")
@permission_required("meeting.read")
def index():
    actor = current_actor()
    kind = request.args.get("kind") or ""
    kind = kind if kind in services.KINDS else ""
    try:
        page = services.listing(actor, kind, request.args.get("cursor") or None, _page_size())
    except ValidationError as exc:
        flash(str(exc.message), "error")
        page = services.listing(actor, kind, None, _page_size())
    return render_template("meetings/list.html", page=page, kind=kind, kinds=services.KINDS,
                           size=page.limit, may_record=services.may_record(actor))


def _meeting_form(actor, meeting=None):
    form = forms.MeetingForm()
    form.set_choices(services.KINDS, services.units(actor), departments.choices(actor), services.officers(actor))
    if request.method == "GET":
        if meeting is None:
            form.kind.data, form.unit_id.data = "symposium", str(actor.unit_id or "")
            form.submission_key.data = secrets.token_urlsafe(24)
        else:
            form.kind.data, form.title.data, form.place.data = meeting.kind, meeting.title, meeting.place
            form.starts_at.data = services.local_input(meeting.starts_at)
            form.unit_id.data, form.minutes.data = str(meeting.unit_id), meeting.minutes
            form.department_ids.data = [str(o.department_id) for o in meeting.organisations if o.department_id]
            form.organisations.data = "\n".join(o.name for o in meeting.organisations if not o.department_id)
            form.officer_ids.data = [str(o.user_id) for o in meeting.officers]
            form.version.data = str(meeting.version)
    return form


def _save(meeting=None):
    actor = current_actor()
    try:
        services.require_record(actor, "meeting.update" if meeting else "meeting.create",
                                 meeting.id if meeting else None)
    except Forbidden:
        abort(403)
    form = _meeting_form(actor, meeting)
    held_files = []
    if request.method == "POST":
        data = services.MeetingInput(
            kind=form.kind.data or "", title=form.title.data or "", starts_at=form.starts_at.data or "",
            place=form.place.data or "", unit_id=form.unit_id.data, organisations=form.organisations.data or "",
            department_ids=request.form.getlist("department_ids"), officer_ids=request.form.getlist("officer_ids"),
            minutes=form.minutes.data or "", submission_key=(form.submission_key.data or "")[:64] or None)
        uploads = [(f.filename, f.stream) for f in request.files.getlist("minutes_file") if f and f.filename]
        chosen = held.gather(actor, request.form.getlist(held.FORM_FIELD), uploads)
        problems = list(chosen.problems)
        if len(chosen.files) > 1:
            problems = [_("Attach one file of the minutes.")]
        try:
            if problems:
                raise ValidationError.of({**services.check(actor, data), "minutes_file": problems})
            saved = services.save(actor, data, chosen.files[0] if chosen.files else None,
                                  meeting.id if meeting else None, form.version.data)
        except Conflict as exc:
            db.session.rollback()
            theirs = services.get(actor, meeting.id)
            form.version.data = str(theirs.version)     # saving again applies these entries over theirs
            form.form_errors.append(str(exc.message))
            return render_template("meetings/form.html", form=form, meeting=theirs, conflict=theirs,
                                   held_files=held.keep(actor, chosen),
                                   max_attachment=attachments.size_text(attachments.max_bytes())), 409
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
            held_files = held.keep(actor, chosen)
        except NotFound:
            abort(404)
        else:
            held.release(actor, chosen)
            flash(_("The meeting “%(title)s” has been saved.", title=saved.title), "success")
            return redirect(url_for(".detail", meeting_id=saved.id))
    status = 400 if request.method == "POST" else 200
    return render_template("meetings/form.html", form=form, meeting=meeting, held_files=held_files,
                           max_attachment=attachments.size_text(attachments.max_bytes())), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required("meeting.record")
def new():
    return _save()


def _load(meeting_id):
    try:
        return services.get(current_actor(), meeting_id)
    except NotFound:
        abort(404)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@permission_required("meeting.record")
def edit(meeting_id):
    return _save(_load(meeting_id))


def _demand_form(actor, meeting, bound=None):
    form = bound or forms.DemandForm(formdata=None)
    form.enterprise_id.choices = [("", _("— choose —"))] + [
        (str(p.enterprise_id), p.enterprise.name) for p in meeting.enterprises]
    form.category.choices = [("", _("— choose —"))] + list(tickets.categories(actor).items())
    form.ticket_class.choices = list(CLASSES.items())
    form.handling_mode.choices = [(m, MODES[m]) for m in services.DEMAND_MODES]
    if bound is None:
        form.ticket_class.data, form.handling_mode.data = "general", "follow"
        form.submission_key.data = secrets.token_urlsafe(24)
        if len(meeting.enterprises) == 1:
            form.enterprise_id.data = str(meeting.enterprises[0].enterprise_id)
    return form


def _render(meeting, demand_form=None, status=200):
    actor = current_actor()
    may_record = services.may_record(actor)
    chooser = None
    if may_record:
        chooser = enterprise_chooser(actor, request.args, param=None,
                                     url=url_for(".detail", meeting_id=meeting.id, _anchor="participants"),
                                     exclude={p.enterprise_id for p in meeting.enterprises})
    from core.tickets.vocabulary import STATUSES

    return render_template("meetings/detail.html", meeting=meeting, kinds=services.KINDS, chooser=chooser,
                           may_record=may_record and actor.can("ticket.register"), may_edit=may_record,
                           demand_form=_demand_form(actor, meeting, demand_form), button=forms.ButtonForm(),
                           raised=services.demand_enterprises(meeting), statuses=STATUSES), status


@bp.route("/<int:meeting_id>")
@permission_required("meeting.read")
def detail(meeting_id):
    return _render(_load(meeting_id))


@bp.route("/<int:meeting_id>/enterprises", methods=["POST"])
@permission_required("meeting.record")
def add_enterprise(meeting_id):
    forms.ButtonForm()
    actor = current_actor()
    try:
        participant = services.add_enterprise(actor, meeting_id, id_arg("enterprise_id", request.form))
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except ValidationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        flash(_("“%(name)s” is on the list of enterprises taking part.", name=participant.enterprise.name),
              "success")
    return redirect(url_for(".detail", meeting_id=meeting_id) + "#participants")


@bp.route("/<int:meeting_id>/enterprises/<int:enterprise_id>/remove", methods=["POST"])
@permission_required("meeting.record")
def remove_enterprise(meeting_id, enterprise_id):
    forms.ButtonForm()
    try:
        services.remove_enterprise(current_actor(), meeting_id, enterprise_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except ValidationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        flash(_("The enterprise has been taken off the list."), "success")
    return redirect(url_for(".detail", meeting_id=meeting_id) + "#participants")


@bp.route("/<int:meeting_id>/demands", methods=["POST"])
@permission_required("meeting.record")
def raise_demand(meeting_id):
    actor = current_actor()
    meeting = _load(meeting_id)
    form = forms.DemandForm()
    data = services.DemandInput(
        enterprise_id=form.enterprise_id.data, category=form.category.data or "",
        ticket_class=form.ticket_class.data or "", handling_mode=form.handling_mode.data or "",
        description=form.description.data or "", contact_name=form.contact_name.data or "",
        submission_key=(form.submission_key.data or "")[:64] or None)
    try:
        ticket = services.raise_demand(actor, meeting.id, data)
    except Forbidden:
        abort(403)
    except (ValidationError, NotFound) as exc:
        db.session.rollback()
        bound = _demand_form(actor, meeting, form)
        apply_errors(bound, exc if isinstance(exc, ValidationError) else ValidationError(exc.message))
        return _render(_load(meeting_id), bound, 400)
    flash(_("The demand has been registered as ticket %(number)s; the form is ready for the next one.",
            number=ticket.number), "success")
    return redirect(url_for(".detail", meeting_id=meeting_id) + "#demands")


@bp.route("/<int:meeting_id>/minutes")
@permission_required("meeting.read")
def minutes_file(meeting_id):
    actor = current_actor()
    try:
        meeting, path = services.minutes_file(actor, meeting_id)
    except NotFound:
        abort(404)
    audit.record(actor, "meeting.minutes_download", meeting)
    db.session.commit()
    response = send_file(path, mimetype=meeting.file_type, as_attachment=True, download_name=meeting.file_name,
                         max_age=0, conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
