"""The legal-education sessions' pages (/legal-education/…). Thin: the rules
are in core.legal_education.services."""
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.legal_education import services
from core.legal_education.forms import SessionForm
from core.tickets import attachments
from core.uploads import held
from core.web import current_actor, permission_required

bp = Blueprint("legal_education", __name__, url_prefix="/legal-education")


@bp.route("/")
@permission_required("legal_education.read")
def index():
    actor = current_actor()
    query = (request.args.get("q") or "")[:100]
    return render_template("legal_education/index.html", sessions=services.listing(actor, query), query=query,
                           may_write=actor.can("legal_education.write"))


@bp.route("/<int:education_session_id>")
@permission_required("legal_education.read")
def detail(education_session_id):
    actor = current_actor()
    found = services.get(actor, education_session_id)
    return render_template("legal_education/detail.html", item=found, may_edit=services.may_edit(actor, found))


def _entries(form) -> services.SessionInput:
    return services.SessionInput(
        held_on=form.held_on.data or "", place=form.place.data or "", topic=form.topic.data or "",
        unit_id=form.unit_id.data, speaker_ids=list(form.speaker_ids.data or []),
        enterprises=form.enterprises.data or "", audience=form.audience.data or "",
        headcount=form.headcount.data or "", article_ids=list(form.article_ids.data or []),
        material=form.material.data or "")


def _form(session_id=None):
    actor = current_actor()
    found = services._editable(actor, session_id, "legal_education.update") if session_id else None
    form = SessionForm(obj=None if request.method == "POST" else found)
    form.set_choices(services.units(actor), services.speakers(actor), services.articles())
    if request.method == "GET":
        form.unit_id.data = str(found.unit_id if found else actor.unit_id)
        form.version.data = str(found.version) if found else ""
        if found:
            form.held_on.data = found.held_on.isoformat()
            form.headcount.data = str(found.headcount or "")
            form.speaker_ids.data = [str(u.id) for u in found.speakers]
            form.article_ids.data = [str(a.id) for a in found.articles]
            form.enterprises.data = "\n".join(e.credit_code or e.name for e in found.enterprises)
    held_files = []
    if request.method == "POST" and form.validate_on_submit():
        uploads = [(f.filename, f.stream) for f in request.files.getlist(form.files.name) if f and f.filename]
        # The files held from a failed submit and those sent now, checked with the fields in one pass.
        chosen = held.gather(actor, request.form.getlist(held.FORM_FIELD), uploads)
        entries = _entries(form)
        entries.files, entries.file_problems = chosen.files, chosen.problems
        try:
            saved = services.save(actor, entries, session_id, form.version.data)
        except Conflict as exc:
            db.session.rollback()
            found = services.get(actor, session_id)
            form.version.data = str(found.version)     # saving again applies these entries over theirs
            form.form_errors.append(str(exc.message))
            return render_template("legal_education/form.html", form=form, item=found, conflict=found,
                                   held_files=held.keep(actor, chosen),
                                   max_size=attachments.size_text(attachments.max_bytes())), 409
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
            held_files = held.keep(actor, chosen)
        else:
            held.release(actor, chosen)
            flash(_("The legal-education session has been saved."), "success")
            return redirect(url_for(".detail", education_session_id=saved.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("legal_education/form.html", form=form, item=found, held_files=held_files,
                           max_size=attachments.size_text(attachments.max_bytes())), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required("legal_education.write")
def new():
    return _form()


@bp.route("/<int:education_session_id>/edit", methods=["GET", "POST"])
@permission_required("legal_education.write")
def edit(education_session_id):
    return _form(education_session_id)


@bp.route("/<int:education_session_id>/files/<int:material_id>")
@permission_required("legal_education.read")
def download(education_session_id, material_id):
    try:
        item, path = services.material_file(current_actor(), education_session_id, material_id)
    except NotFound:
        abort(404)
    response = send_file(path, mimetype=item.content_type, as_attachment=True, download_name=item.original_name,
                         max_age=0, conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
