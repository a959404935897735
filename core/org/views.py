"""The administrator's pages for units and users."""
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from core.errors import Conflict, ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.org import services
from core.org import importing
from core.org.forms import OrgImportForm, UnitForm, UserForm
from core.org.models import Unit, User
from core.web import current_actor, flash_done, permission_required

bp = Blueprint("org", __name__, url_prefix="/admin")


@bp.route("/units")
@permission_required("system.manage")
def units():
    return render_template("org/units.html", units=services.all_units(), usual_words=services.usual_self_reference)


@bp.route("/units/new", methods=["GET", "POST"], defaults={"unit_id": None})
@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@permission_required("system.manage")
def unit_form(unit_id):
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit_id and unit is None:
        abort(404)
    form = UnitForm(obj=unit)
    form.set_choices(services.all_units(), editing=unit)
    if request.method == "GET" and unit is not None:
        form.parent_id.data = unit.parent_id or 0
    if unit is not None:      # what an empty field falls back to
        form.self_reference.render_kw = {"placeholder": services.usual_self_reference(unit.kind)}
    if form.validate_on_submit():
        data = {"code": form.code.data, "name": form.name.data, "kind": form.kind.data,
                "parent_id": form.parent_id.data or None, "doc_prefix": form.doc_prefix.data,
                "self_reference": form.self_reference.data,
                "active": form.active.data, "version": form.version.data}
        try:
            services.save_unit(current_actor(), data, unit_id)
        except Conflict as exc:
            unit = db.session.get(Unit, unit_id)
            form.version.data = unit.version        # saving again applies these entries over theirs
            form.form_errors.append(str(exc.message))
            return render_template("org/unit_form.html", form=form, unit=unit, conflict=unit), 409
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Unit saved."), "success")
            return redirect(url_for(".units"))
    return render_template("org/unit_form.html", form=form, unit=unit)


@bp.route("/users")
@permission_required("system.manage")
def users():
    return render_template("org/users.html", users=services.all_users())


@bp.route("/users/new", methods=["GET", "POST"], defaults={"user_id": None})
@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@permission_required("system.manage")
def user_form(user_id):
    user = db.session.get(User, user_id) if user_id else None
    if user_id and user is None:
        abort(404)
    form = UserForm(obj=user)
    form.unit_id.choices = [(u.id, "　" * max(u.depth, 0) + u.name) for u in services.all_units()]
    if request.method == "GET" and user is not None:
        form.roles.data = sorted(user.roles)
    if form.validate_on_submit():
        data = {"username": form.username.data, "kind": form.kind.data, "name": form.name.data,
                "unit_id": form.unit_id.data,
                "roles": form.roles.data, "password": form.password.data, "active": form.active.data,
                "version": form.version.data}
        try:
            services.save_user(current_actor(), data, user_id)
        except Conflict as exc:
            user = db.session.get(User, user_id)
            form.version.data = user.version
            form.form_errors.append(str(exc.message))
            return render_template("org/user_form.html", form=form, user=user, conflict=user), 409
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("User saved."), "success")
            return redirect(url_for(".users"))
    return render_template("org/user_form.html", form=form, user=user)


TEMPLATE_NAMES = {importing.UNITS: "单位导入模板.xlsx", importing.USERS: "用户导入模板.xlsx"}


@bp.route("/units/import", methods=["GET", "POST"])
@permission_required("system.manage")
def units_import():
    return _import_page(importing.UNITS)


@bp.route("/users/import", methods=["GET", "POST"])
@permission_required("system.manage")
def users_import():
    return _import_page(importing.USERS)


@bp.route("/units/import/template.xlsx")
@permission_required("system.manage")
def units_import_template():
    return _template(importing.UNITS)


@bp.route("/users/import/template.xlsx")
@permission_required("system.manage")
def users_import_template():
    return _template(importing.USERS)


def _import_page(kind):
    """Check a file, or import it: every wrong row is shown and nothing is written
    while one is wrong. The generated initial passwords are shown once, on the
    answer to the import, which no cache keeps."""
    form = OrgImportForm()
    result = None
    imported = False
    if form.validate_on_submit():
        imported = request.form.get("action") == "import"
        upload = form.file.data
        try:
            result = importing.run(current_actor(), kind, upload.filename or "", upload.stream,
                                   dry_run=not imported)
        except ValidationError as exc:
            apply_errors(form, exc)
            result = None
        else:
            if result.problems:
                imported = False
            elif imported:
                flash_done(_("Imported %(n)d rows.", n=len(result.rows)))
    body = render_template("org/import.html", form=form, kind=kind, result=result, imported=imported,
                           columns=importing.COLUMNS[kind])
    return body, 400 if result is not None and result.problems else 200, {"Cache-Control": "no-store"}


def _template(kind):
    return send_file(io.BytesIO(importing.template(kind)), as_attachment=True, download_name=TEMPLATE_NAMES[kind],
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
