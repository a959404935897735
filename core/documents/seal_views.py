"""The administrator's page of the issuing units' seals (印章) and signing
certificates: ``/admin/documents/seals``. Thin: the rules are in seals.py and
signing.py."""
from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from core.documents import seals
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.web import current_actor, permission_required

bp = Blueprint("document_seals", __name__, url_prefix="/admin/documents/seals")


@bp.app_template_global("document_stamp")
def document_stamp(document) -> str | None:
    """What the document's page says of its seal and signature: before the issue,
    whether the seal will be pressed; after it, whether it was and who signed."""
    if document.status in ("signed", "numbered"):
        if seals.has_seal(document.unit_id):
            return _("The unit's seal will be pressed on the document when it is issued, and its PDF signed "
                     "digitally.")
        return _("This unit has not uploaded its seal yet: the document will be issued without a seal (its PDF "
                 "is still signed digitally).")
    authentication = seals.authentication_of(document) if document.status in ("issued", "delivered") else None
    if authentication is None:
        return None
    if authentication.seal_sha256:
        return _("Issued with the unit's seal; the PDF is signed digitally by %(subject)s.",
                 subject=authentication.signer_subject)
    return _("Issued without a seal (the unit had none); the PDF is signed digitally by %(subject)s.",
             subject=authentication.signer_subject)


class SealForm(FlaskForm):
    """Upload or remove: the CSRF token; the file comes from ``request.files``."""


def _page(problems=None, failed_unit=None, status=200):
    return render_template("documents_settings/seals.html", rows=seals.issuing_units(current_actor()),
                           form=SealForm(), problems=problems or [], failed_unit=failed_unit,
                           max_size="2 MB"), status


@bp.route("/")
@permission_required("system.manage")
def index():
    return _page()


@bp.route("/<int:unit_id>", methods=["POST"])
@permission_required("system.manage")
def upload(unit_id):
    form = SealForm()
    if not form.validate_on_submit():
        return _page([_("The form has expired; reload the page and try again.")], unit_id, 400)
    upload = request.files.get("seal")
    try:
        seal = seals.upload(current_actor(), unit_id, upload.stream if upload and upload.filename else None)
    except NotFound as exc:
        db.session.rollback()
        return _page([exc.message], None, 404)
    except ValidationError as exc:
        db.session.rollback()
        return _page(exc.errors.get(seals.FIELD) or [exc.message], unit_id, 400)
    flash(_("The seal of %(unit)s is saved; documents it issues from now on carry it.", unit=seal.unit.name),
          "success")
    return redirect(url_for(".index"))


@bp.route("/<int:unit_id>/remove", methods=["POST"])
@permission_required("system.manage")
def remove(unit_id):
    form = SealForm()
    if not form.validate_on_submit():
        return _page([_("The form has expired; reload the page and try again.")], unit_id, 400)
    try:
        seals.remove(current_actor(), unit_id)
    except NotFound as exc:
        db.session.rollback()
        return _page([exc.message], unit_id, 404)
    flash(_("The seal is removed; the unit's documents are issued without a seal from now on."), "success")
    return redirect(url_for(".index"))


@bp.route("/<int:unit_id>/seal.png")
@permission_required("system.manage")
def image(unit_id):
    try:
        png = seals.image(current_actor(), unit_id)
    except (NotFound, ValidationError):
        db.session.rollback()
        return make_response("", 404)
    response = make_response(png)
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'; sandbox"
    return response
