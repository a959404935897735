"""The notification inbox and the unread count in the page header."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from core.errors import NotFound
from core.extensions import db
from core.notifications import services
from core.notifications.models import Notification
from core.web import signed_in

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _unread():
    def unread_notifications() -> int:
        """The header badge's count; asked only by pages that show the header."""
        if not current_user or not current_user.is_authenticated:
            return 0
        try:
            return services.unread_count(current_user.id)
        except SQLAlchemyError:  # an error page after a database failure still renders
            db.session.rollback()
            return 0

    return {"unread_notifications": unread_notifications}


@bp.route("/")
@signed_in
def index():
    return render_template("notifications/index.html", items=services.inbox(current_user.id))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@signed_in
def read(notification_id):
    """Mark one notification read; with ``open`` go on to its ticket."""
    try:
        services.mark_read(current_user.id, notification_id)
    except NotFound:
        abort(404)
    notification = db.session.get(Notification, notification_id)
    if request.form.get("open") and notification is not None and notification.user_id == current_user.id \
            and notification.ticket_id:
        return redirect(url_for("tickets.detail", ticket_id=notification.ticket_id))
    return redirect(url_for(".index"))


@bp.route("/read-all", methods=["POST"])
@signed_in
def read_all():
    services.mark_read(current_user.id)
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for(".index"))
