"""The administrator's page for API tokens: list, issue (shown once) and revoke."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.api import auth
from core.errors import NotFound, ValidationError
from core.org.services import all_users
from core.web import current_actor, permission_required

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/api-tokens")


def _render(new_token=None, new_row=None, status=200):
    response = render_template("api/tokens.html", tokens=auth.tokens(current_actor()),
                               users=[u for u in all_users() if u.active and u.is_system], new_token=new_token, new_row=new_row)
    # The page may hold a token that is shown once: never cache it.
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/")
@permission_required("system.manage")
def index():
    return _render()


@bp.route("/", methods=["POST"])
@permission_required("system.manage")
def issue():
    try:
        row, token = auth.issue(current_actor(), request.form.get("user", ""), request.form.get("name", ""))
    except ValidationError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".index"))
    # Rendered, not redirected: the token must not travel in a flash message (a cookie).
    return _render(new_token=token, new_row=row)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@permission_required("system.manage")
def revoke(token_id):
    try:
        row = auth.revoke(current_actor(), token_id)
    except NotFound:
        abort(404)
    except ValidationError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The token %(prefix)s… of %(user)s is revoked.", prefix=row.prefix, user=row.user.username),
              "success")
    return redirect(url_for(".index"))
