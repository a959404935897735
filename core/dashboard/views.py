from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from core import clock
from core.dashboard import home, services
from core.tickets.queues import countdown_to
from core.org.permissions import has_permission
from core.web import current_actor, signed_in

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@signed_in
def index():
    # Administrators and auditors see no business data; send them to their own pages.
    if not has_permission(current_user, "dashboard.read"):
        if has_permission(current_user, "system.manage"):
            return redirect(url_for("org.users"))
        if has_permission(current_user, "audit.read"):
            return redirect(url_for("audit.index"))
    actor = current_actor()
    actor.require("dashboard.read")
    return render_template("dashboard/index.html", home=home.home(actor), summary=services.summary(actor),
                           widgets=services.widgets(actor), now=clock.now(), countdown_to=countdown_to,
                           complaint_days=home.COMPLAINT_DAYS)
