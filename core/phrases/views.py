"""The reply phrases' pages (常用语), kept by the units' leaders. Thin: the rules
are in core.phrases.services."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.phrases import services
from core.phrases.forms import PhraseForm
from core.tickets import services as tickets
from core.web import current_actor, permission_required

bp = Blueprint("phrases", __name__, url_prefix="/phrases")


@bp.route("/")
@permission_required("phrase.manage")
def index():
    actor = current_actor()
    return render_template("phrases/index.html", phrases=services.kept(actor),
                           categories=tickets.categories(actor), category_label=tickets.category_label)


def _form(phrase_id=None):
    actor = current_actor()
    phrase = services.get(actor, phrase_id) if phrase_id else None
    form = PhraseForm(obj=None if request.method == "POST" else phrase)
    units = services.units(actor)
    form.set_choices(tickets.categories(actor), units, phrase)
    if request.method == "GET":
        form.unit_id.data = str(phrase.unit_id if phrase else actor.unit_id)
        form.category.data = phrase.category if phrase else (request.args.get("category") or "")[:64]
    if request.method == "POST" and form.validate_on_submit():
        data = services.PhraseInput(title=form.title.data or "", text=form.text.data or "",
                                    category=form.category.data or "", unit_id=form.unit_id.data)
        try:
            services.save(actor, data, phrase_id)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            flash(_("The reply phrase has been saved."), "success")
            return redirect(url_for(".index"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("phrases/form.html", form=form, phrase=phrase), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required("phrase.manage")
def new():
    return _form()


@bp.route("/<int:reply_phrase_id>/edit", methods=["GET", "POST"])
@permission_required("phrase.manage")
def edit(reply_phrase_id):
    return _form(reply_phrase_id)


@bp.route("/<int:reply_phrase_id>/delete", methods=["POST"])
@permission_required("phrase.manage")
def delete(reply_phrase_id):
    services.delete(current_actor(), reply_phrase_id)
    flash(_("The reply phrase has been deleted."), "success")
    return redirect(url_for(".index"), code=303)
