"""A leader's page for the system accounts (API) of their units: which business
roles and whether personal data each may read. Thin: core/org/system_accounts.py."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import NotFound, ValidationError
from core.extensions import db
from core.org import system_accounts
from core.org.roles import ROLES
from core.web import current_actor, permission_required

bp = Blueprint("system_accounts", __name__, url_prefix="/system-accounts")


@bp.route("/")
@permission_required(system_accounts.PERMISSION)
def index():
    return render_template("org/system_accounts.html", accounts=system_accounts.listed(current_actor()),
                           grantable=[(role, ROLES[role]) for role in system_accounts.GRANTABLE])


@bp.route("/<int:system_account_id>/access", methods=["POST"])
@permission_required(system_accounts.PERMISSION)
def access(system_account_id):
    try:
        account = system_accounts.set_access(current_actor(), system_account_id, request.form.getlist("roles"),
                                             request.form.get("may_reveal") == "1")
    except NotFound:
        db.session.rollback()
        abort(404)
    except ValidationError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The access of %(user)s has been saved.", user=account.username), "success")
    return redirect(url_for(".index"))
