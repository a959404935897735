"""The register of outside departments as pages: the list, add, edit, deactivate.

Two doors to the same pages: ``/departments/…`` for the business roles (the
leaders of the centre keep it, everyone reads it) and ``/admin/departments/…``
for the administrator, whose configuration permission is its own (三权分立).
Thin: the rules are in core.departments.services."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.departments import forms, services
from core.errors import Conflict, Forbidden, NotFound, ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.web import current_actor, permission_required

bp = Blueprint("departments", __name__)

# area -> (endpoint prefix, URL prefix)
AREAS = {"work": "", "admin": "admin_"}


def _endpoint(area: str, name: str) -> str:
    return f".{AREAS[area]}{name}"


def _list(area: str):
    actor = current_actor()
    return render_template("departments/list.html", departments=services.listing(actor),
                           may_manage=services.may_manage(actor), area=area, endpoint=_endpoint,
                           toggle=forms.ToggleForm())


def _form(area: str, department_id=None):
    actor = current_actor()
    department = None
    try:
        if department_id is not None:
            department = services.get(actor, department_id)
        if not services.may_manage(actor):
            services.require_manage(actor, "department.update" if department else "department.create", department)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    form = forms.DepartmentForm(obj=department)
    conflict = None
    if request.method == "POST":
        data = {name: form[name].data or "" for name in services.FIELDS}
        try:
            if department is None:
                saved = services.create(actor, data)
            else:
                saved = services.update(actor, department.id, data, form.version.data)
        except Conflict as exc:
            db.session.rollback()
            conflict = services.get(actor, department.id)
            form.version.data = conflict.version       # saving again applies these entries over theirs
            form.form_errors.append(str(exc.message))
            return render_template("departments/form.html", form=form, department=conflict, conflict=conflict,
                                   area=area, endpoint=_endpoint), 409
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
            return render_template("departments/form.html", form=form, department=department, area=area,
                                   endpoint=_endpoint), 400
        except Forbidden:
            abort(403)
        flash(_("The department “%(name)s” has been saved.", name=saved.name), "success")
        return redirect(url_for(_endpoint(area, "index")))
    return render_template("departments/form.html", form=form, department=department, area=area,
                           endpoint=_endpoint)


def _toggle(area: str, department_id, active: bool):
    forms.ToggleForm()   # the CSRF check happens app-wide; the form only carries its token
    try:
        department = services.set_active(current_actor(), department_id, active)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    if active:
        flash(_("“%(name)s” is offered again for transfers.", name=department.name), "success")
    else:
        flash(_("“%(name)s” is no longer offered for transfers; tickets already transferred keep it.",
                name=department.name), "success")
    return redirect(url_for(_endpoint(area, "index")))


# --- the business roles' door --------------------------------------------------------------

@bp.route("/departments/")
@permission_required("department.read")
def index():
    return _list("work")


@bp.route("/departments/new", methods=["GET", "POST"])
@permission_required("department.manage")
def new():
    return _form("work")


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@permission_required("department.manage")
def edit(department_id):
    return _form("work", department_id)


@bp.route("/departments/<int:department_id>/deactivate", methods=["POST"])
@permission_required("department.manage")
def deactivate(department_id):
    return _toggle("work", department_id, False)


@bp.route("/departments/<int:department_id>/activate", methods=["POST"])
@permission_required("department.manage")
def activate(department_id):
    return _toggle("work", department_id, True)


# --- the administrator's door --------------------------------------------------------------

@bp.route("/admin/departments/")
@permission_required("department.configure")
def admin_index():
    return _list("admin")


@bp.route("/admin/departments/new", methods=["GET", "POST"])
@permission_required("department.configure")
def admin_new():
    return _form("admin")


@bp.route("/admin/departments/<int:department_id>/edit", methods=["GET", "POST"])
@permission_required("department.configure")
def admin_edit(department_id):
    return _form("admin", department_id)


@bp.route("/admin/departments/<int:department_id>/deactivate", methods=["POST"])
@permission_required("department.configure")
def admin_deactivate(department_id):
    return _toggle("admin", department_id, False)


@bp.route("/admin/departments/<int:department_id>/activate", methods=["POST"])
@permission_required("department.configure")
def admin_activate(department_id):
    return _toggle("admin", department_id, True)
