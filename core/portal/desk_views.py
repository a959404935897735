"""The staff's pages for the portal (``/portal-desk/…``): verifying
enterprises' accounts, writing the public notices, the complaints the
enterprises filed, and the changes enterprises propose to their own profile.
Thin: the rules are in core.portal.accounts and .notices and in
core.registry.profile_changes."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import AnqiError, Forbidden, NotFound, ValidationError
from core.extensions import db
from core.portal import accounts, notices
from core.registry import profile_changes
from core.tickets import services as tickets
from core.web import current_actor, flash_done, flash_refusal, permission_required, see_other

bp = Blueprint("portal_desk", __name__, url_prefix="/portal-desk")


def _errors(exc) -> dict:
    return {k: [str(m) for m in v] for k, v in exc.errors.items()} or {"": [str(exc.message)]}


@bp.route("/accounts")
@permission_required("portal.verify")
def accounts_page():
    actor = current_actor()
    return render_template("portal_desk/accounts.html", waiting=accounts.waiting(actor),
                           decided=accounts.recent_decisions(actor), statuses=accounts.STATUS_LABELS,
                           flags=accounts.FLAGS)


@bp.route("/accounts/<int:account_id>/decide", methods=["POST"])
@permission_required("portal.verify")
def decide(account_id):
    actor = current_actor()
    approve = request.form.get("decision") == "verify"
    try:
        account = accounts.decide(actor, account_id, approve, request.form.get("reason", ""))
    except NotFound:
        db.session.rollback()
        abort(404)
    except AnqiError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for(".accounts_page"))
    flash(_("%(name)s of %(enterprise)s has been verified.", name=account.name, enterprise=account.enterprise_name)
          if approve else _("The registration has been refused."), "success")
    return redirect(url_for(".accounts_page"))


@bp.route("/notices")
@permission_required("portal.publish")
def notices_page():
    return render_template("portal_desk/notices.html", items=notices.for_staff(current_actor()), kinds=notices.KINDS)


@bp.route("/notices/new", methods=["GET", "POST"])
@permission_required("portal.publish")
def notice_new():
    return _edit(None)


@bp.route("/notices/<int:notice_id>", methods=["GET", "POST"])
@permission_required("portal.publish")
def notice_edit(notice_id):
    return _edit(notice_id)


def _edit(notice_id):
    actor = current_actor()
    try:
        item = notices.get_for_staff(actor, notice_id) if notice_id else None
    except NotFound:
        abort(404)
    errors = {}
    values = {"kind": item.kind, "title": item.title, "body": item.body} if item else {"kind": "news"}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("kind", "title", "body")}
        try:
            item = notices.save(actor, notice_id, values["kind"], values["title"], values["body"])
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            flash(_("The notice has been saved."), "success")
            return redirect(url_for(".notices_page"))
    return render_template("portal_desk/notice_form.html", item=item, values=values, errors=errors,
                           kinds=notices.KINDS), (400 if errors else 200)


@bp.route("/notices/<int:notice_id>/publish", methods=["POST"])
@permission_required("portal.publish")
def notice_publish(notice_id):
    publish = request.form.get("publish") == "1"
    try:
        notices.publish(current_actor(), notice_id, publish)
    except NotFound:
        abort(404)
    flash(_("The notice is now public on the portal.") if publish else _("The notice has been withdrawn."), "success")
    return redirect(url_for(".notices_page"))


@bp.route("/complaints")
@permission_required("ticket.supervise")
def complaints():
    return render_template("portal_desk/complaints.html", items=tickets.complaints(current_actor()))


# --- the enterprises' own profile changes ------------------------------------------------------

@bp.route("/profile-changes")
@permission_required("enterprise.write")
def profile_changes_page():
    actor = current_actor()
    return render_template("portal_desk/profile_changes.html", waiting=profile_changes.waiting(actor),
                           decided=profile_changes.recent_decisions(actor), statuses=profile_changes.STATUS_LABELS)


def _render_profile_change(change, revealed=False):
    return render_template("portal_desk/profile_change.html", change=change, revealed=revealed,
                           differences=profile_changes.differences(change),
                           contacts=profile_changes.contact_differences(change),
                           statuses=profile_changes.STATUS_LABELS)


@bp.route("/profile-changes/<int:change_id>")
@permission_required("enterprise.write")
def profile_change(change_id):
    actor = current_actor()
    try:
        change = profile_changes.get_for_desk(actor, change_id)
    except NotFound:
        abort(404)
    return _render_profile_change(change)


@bp.route("/profile-changes/<int:change_id>/reveal", methods=["POST"])
@permission_required("enterprise.write")
def profile_change_reveal(change_id):
    """The proposal's page with every phone in full (audited)."""
    actor = current_actor()
    try:
        change = profile_changes.reveal_phones(actor, change_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    return _render_profile_change(change, revealed=True)


@bp.route("/profile-changes/<int:change_id>/accept", methods=["POST"])
@permission_required("enterprise.write")
def profile_change_accept(change_id):
    actor = current_actor()
    try:
        change = profile_changes.accept(actor, change_id, request.form.get("version"))
    except NotFound:
        abort(404)
    except AnqiError as exc:
        flash_refusal(exc)
        return see_other(".profile_change", change_id=change_id)
    flash_done(_("The changes of %(enterprise)s are now in the registry.", enterprise=change.enterprise.name))
    return see_other(".profile_changes_page")


@bp.route("/profile-changes/<int:change_id>/refuse", methods=["POST"])
@permission_required("enterprise.write")
def profile_change_refuse(change_id):
    actor = current_actor()
    try:
        change = profile_changes.refuse(actor, change_id, request.form.get("reason", ""))
    except NotFound:
        abort(404)
    except AnqiError as exc:
        flash_refusal(exc)
        return see_other(".profile_change", change_id=change_id)
    flash_done(_("The proposal of %(enterprise)s has been refused; the registry is unchanged and the enterprise "
                 "sees your reason.", enterprise=change.enterprise.name))
    return see_other(".profile_changes_page")
