"""The batch pages: issue many signed-off documents at once on the workers.

A batch is started from the documents list (tick the signed-off documents,
then "Issue the selected"); its page shows the progress from the database
and reloads itself every few seconds until the batch is done (a plain meta
refresh: no script, and a reload at any time shows the same state). Failed
items show their reason and can be put back in the queue; so can the waiting
ones of a batch that has stalled. While no background worker is running the
page says it is waiting for one. The issued PDFs download as one ZIP. Every
rule is in core.documents.batches.
"""
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from core.documents import batches, forms
from core.errors import AnqiError, NotFound
from core.extensions import db
from core.web import current_actor, permission_required

bp = Blueprint("document_batches", __name__, url_prefix="/documents/batches")

REFRESH_SECONDS = 3


def _load(batch_id):
    try:
        return batches.get(current_actor(), batch_id)
    except NotFound:
        abort(404)


def _selected_ids() -> list[int]:
    values = request.form.getlist("document")
    return [int(v) for v in values if v.isascii() and v.isdigit() and 0 < int(v) < 2**31]


@bp.route("/")
@permission_required("document.read")
def index():
    return render_template("documents_pages/batches.html", batches=batches.for_unit(current_actor()),
                           progress=batches.progress)


@bp.route("/", methods=["POST"])
@permission_required("document.issue")
def create():
    form = forms.ActionForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please send it again."), "error")
        return redirect(url_for("documents.index"))
    try:
        batch = batches.create(current_actor(), _selected_ids())
    except AnqiError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("documents.index"))
    flash(_("%(n)d documents are being issued by the background workers.", n=batch.total), "success")
    return redirect(url_for(".detail", batch_id=batch.id))


@bp.route("/<int:batch_id>")
@permission_required("document.read")
def detail(batch_id):
    batch = _load(batch_id)
    progress = batches.progress(batch.id)
    outlook = None if progress.finished else batches.outlook(batch.id)
    return render_template("documents_pages/batch.html", batch=batch, progress=progress, outlook=outlook,
                           retry_form=forms.ActionForm(), refresh=None if progress.finished else REFRESH_SECONDS)


@bp.route("/<int:batch_id>/retry", methods=["POST"])
@permission_required("document.issue")
def retry(batch_id):
    _load(batch_id)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please send it again."), "error")
        return redirect(url_for(".detail", batch_id=batch_id))
    try:
        batches.retry_failed(current_actor(), batch_id)
    except AnqiError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        flash(_("The documents are back in the queue."), "success")
    return redirect(url_for(".detail", batch_id=batch_id))


@bp.route("/<int:batch_id>.zip")
@permission_required("document.read")
def download(batch_id):
    _load(batch_id)
    try:
        content = batches.zip_of(current_actor(), batch_id)
    except AnqiError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for(".detail", batch_id=batch_id))
    response = send_file(BytesIO(content), mimetype="application/zip", as_attachment=True,
                         download_name=f"batch-{batch_id}.zip", max_age=0, conditional=False, etag=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response
