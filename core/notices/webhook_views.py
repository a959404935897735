"""The administrator's pages for outbound webhooks: the endpoints, their form
(the secret shown once, after saving), the delivery log and its replay.
Thin: the rules are in core.notices.webhooks."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import NotFound, ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.notices import webhook_forms as forms
from core.notices import webhooks
from core.notices.models import WebhookDelivery
from core.submissions import services as submissions
from core.web import current_actor, id_arg, permission_required

bp = Blueprint("notice_webhooks", __name__, url_prefix="/admin/webhooks")
PERMISSION = "notice.manage"


def _endpoint_or_404(webhook_id):
    try:
        return webhooks.get_endpoint(current_actor(), webhook_id)
    except NotFound:
        abort(404)


@bp.route("/")
@permission_required(PERMISSION)
def index():
    return render_template("notices/webhooks.html", endpoints=webhooks.endpoints(current_actor()),
                           labels=webhooks.EVENT_LABELS, action=forms.ActionForm())


@bp.route("/new", methods=["GET", "POST"])
@permission_required(PERMISSION)
def new():
    return _form(None)


@bp.route("/<int:webhook_id>/edit", methods=["GET", "POST"])
@permission_required(PERMISSION)
def edit(webhook_id):
    return _form(_endpoint_or_404(webhook_id))


def _form(endpoint):
    actor = current_actor()
    form = forms.WebhookForm(obj=endpoint) if request.method == "GET" else forms.WebhookForm()
    if request.method == "GET" and endpoint is None:
        form.submission_key.data = submissions.new_key()
    if request.method == "POST":
        if endpoint is None and (done := submissions.seen(actor, form.submission_key.data)):
            return redirect(done)            # the form sent twice: its endpoint is already there
        try:
            saved, secret = webhooks.save_endpoint(actor, form.to_values(), endpoint.id if endpoint else None)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
            return render_template("notices/webhook_form.html", form=form, endpoint=endpoint), 400
        if endpoint is None:
            submissions.remember(actor, form.submission_key.data, url_for(".edit", webhook_id=saved.id))
        flash(_("The webhook endpoint “%(name)s” has been saved.", name=saved.name), "success")
        if secret is None:
            return redirect(url_for(".index"))
        # Rendered, not redirected: the secret must not travel in a flash message (a cookie).
        page = render_template("notices/webhook_secret.html", endpoint=saved, secret=secret,
                               signature_header=webhooks.SIGNATURE_HEADER)
        return page, 200, {"Cache-Control": "no-store"}
    return render_template("notices/webhook_form.html", form=form, endpoint=endpoint)


@bp.route("/<int:webhook_id>/deactivate", methods=["POST"])
@permission_required(PERMISSION)
def deactivate(webhook_id):
    forms.ActionForm()   # the CSRF check happens app-wide; the form only carries its token
    try:
        endpoint = webhooks.deactivate(current_actor(), webhook_id)
    except NotFound:
        abort(404)
    flash(_("Nothing more is posted to “%(name)s”; its delivery log is kept.", name=endpoint.name), "success")
    return redirect(url_for(".index"))


@bp.route("/<int:webhook_id>/activate", methods=["POST"])
@permission_required(PERMISSION)
def activate(webhook_id):
    forms.ActionForm()
    try:
        endpoint = webhooks.activate(current_actor(), webhook_id)
    except NotFound:
        abort(404)
    except ValidationError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Events are posted to “%(name)s” again.", name=endpoint.name), "success")
    return redirect(url_for(".index"))


@bp.route("/<int:webhook_id>/deliveries")
@permission_required(PERMISSION)
def deliveries(webhook_id):
    endpoint = _endpoint_or_404(webhook_id)
    rows, next_before = webhooks.deliveries(current_actor(), endpoint.id, before_id=id_arg("before"))
    return render_template("notices/webhook_deliveries.html", endpoint=endpoint, deliveries=rows,
                           next_before=next_before, first_page=id_arg("before") is None,
                           labels=webhooks.EVENT_LABELS, statuses=webhooks.STATUS_LABELS,
                           subject=webhooks.subject, error_label=webhooks.error_label,
                           error_detail=webhooks.error_detail, action=forms.ActionForm(),
                           replayable=(webhooks.SENT, webhooks.FAILED))


@bp.route("/deliveries/<int:webhook_delivery_id>/replay", methods=["POST"])
@permission_required(PERMISSION)
def replay(webhook_delivery_id):
    forms.ActionForm()
    actor = current_actor()
    try:
        row = webhooks.replay(actor, webhook_delivery_id)
    except NotFound:
        abort(404)
    except ValidationError as exc:
        original = db.session.get(WebhookDelivery, webhook_delivery_id)
        flash(str(exc.message), "error")
        return redirect(url_for(".deliveries", webhook_id=original.endpoint_id))
    flash(_("The post has been queued again (as number %(id)d).", id=row.id), "success")
    return redirect(url_for(".deliveries", webhook_id=row.endpoint_id))
