"""The administrator's page of demand categories: list, add, rename, deactivate.
Thin: the rules are in core.tickets.categories."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import Optional

from core.errors import NotFound, ValidationError
from core.forms import apply_errors
from core.tickets import categories
from core.web import current_actor, flash_done, flash_refusal, permission_required

bp = Blueprint("ticket_categories", __name__, url_prefix="/admin/categories")


class CategoryForm(FlaskForm):
    code = StringField(_l("Code"), description=_l(
        "2 to 32 lower-case letters, digits or _, e.g. fire_safety. It cannot be changed later."))
    name_zh = StringField(_l("Chinese name"))
    name_en = StringField(_l("English name"))
    sort_order = IntegerField(_l("Place in the list"), validators=[Optional()], default=100,
                              description=_l("Smaller numbers come first."))


class ToggleForm(FlaskForm):
    """Deactivate or activate again: a button with its CSRF token."""


@bp.route("/")
@permission_required(categories.PERMISSION)
def index():
    return render_template("ticket_categories/list.html", rows=categories.listing(current_actor()),
                           toggle=ToggleForm())


@bp.route("/new", methods=["GET", "POST"], defaults={"category_id": None})
@bp.route("/<int:category_id>/edit", methods=["GET", "POST"])
@permission_required(categories.PERMISSION)
def form(category_id):
    actor = current_actor()
    try:
        category = categories.get(actor, category_id) if category_id else None
    except NotFound:
        abort(404)
    form = CategoryForm(obj=category)
    if request.method == "POST":
        data = {"code": form.code.data, "name_zh": form.name_zh.data, "name_en": form.name_en.data,
                "sort_order": request.form.get("sort_order", "")}
        try:
            saved = categories.create(actor, data) if category is None else categories.rename(actor, category.id, data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return render_template("ticket_categories/form.html", form=form, category=category), 400
        flash_done(_("The category “%(name)s” has been saved.", name=saved.name_zh))
        return redirect(url_for(".index"))
    return render_template("ticket_categories/form.html", form=form, category=category)


@bp.route("/<int:category_id>/deactivate", methods=["POST"])
@permission_required(categories.PERMISSION)
def deactivate(category_id):
    return _toggle(category_id, False)


@bp.route("/<int:category_id>/activate", methods=["POST"])
@permission_required(categories.PERMISSION)
def activate(category_id):
    return _toggle(category_id, True)


def _toggle(category_id, active):
    ToggleForm()   # the CSRF check happens app-wide; the form only carries its token
    try:
        category = categories.set_active(current_actor(), category_id, active)
    except NotFound:
        abort(404)
    except ValidationError as exc:
        flash_refusal(exc)
    else:
        if active:
            flash_done(_("“%(name)s” is offered again at intake.", name=category.name_zh))
        else:
            flash_done(_("“%(name)s” is no longer offered at intake; the tickets that have it keep it.",
                         name=category.name_zh))
    return redirect(url_for(".index"))
