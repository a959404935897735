"""The administrator's pages: active sessions (list, end one) and the second
factor (which roles need it; reset a user's)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.auth import second_factor, sessions
from core.errors import NotFound, ValidationError
from core.org.roles import ROLES
from core.org.services import all_users
from core.web import current_actor, permission_required

bp = Blueprint("auth_admin", __name__, url_prefix="/admin")


@bp.route("/sessions")
@permission_required("system.manage")
def sessions_list():
    return render_template("auth/sessions.html", rows=sessions.active(current_actor()),
                           reasons=sessions.REASONS)


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
@permission_required("system.manage")
def end_session(session_id):
    try:
        row = sessions.end_by_admin(current_actor(), session_id)
    except NotFound:
        abort(404)
    flash(_("The session of %(user)s has been ended.", user=row.user.username), "success")
    return redirect(url_for(".sessions_list"))


@bp.route("/second-factor")
@permission_required("system.manage")
def second_factor_page():
    return render_template("auth/second_factor_admin.html", policy=second_factor.policy(), roles=ROLES,
                           users=all_users(), enrolled=second_factor.credentials(current_actor()))


@bp.route("/second-factor/policy", methods=["POST"])
@permission_required("system.manage")
def second_factor_policy():
    try:
        second_factor.set_policy(current_actor(), request.form.getlist("roles"))
    except ValidationError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The second-factor rule has been saved."), "success")
    return redirect(url_for(".second_factor_page"))


@bp.route("/second-factor/<int:user_id>/reset", methods=["POST"])
@permission_required("system.manage")
def second_factor_reset(user_id):
    try:
        user = second_factor.reset(current_actor(), user_id)
    except NotFound:
        abort(404)
    flash(_("The second factor of %(user)s has been removed; they set up a new one at their next login.",
            user=user.username), "success")
    return redirect(url_for(".second_factor_page"))
