"""The permission matrix as a page, for the administrator and the auditor (and
an assessor looking over their shoulder): every permission, the roles that hold
it, and the pages and actions that require it, read from the app's URL map so
the page cannot drift from the code."""
from collections import defaultdict

from flask import Blueprint, current_app, render_template

from core.org.permissions import PERMISSION_LABELS, matrix
from core.org.roles import ROLES
from core.web import PUBLIC, SIGNED_IN, access_of, permission_required

bp = Blueprint("permissions", __name__, url_prefix="/admin/permissions")


def endpoints_by_access() -> dict[str, list[tuple[str, str]]]:
    """Access (a permission, ``public``, ``signed_in``, ``api:…``) → [(methods, path)]."""
    found = defaultdict(list)
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        access = access_of(current_app.view_functions.get(rule.endpoint)) or "?"
        methods = ",".join(sorted(rule.methods - {"HEAD", "OPTIONS"}))
        found[access.removeprefix("api:")].append((methods, rule.rule))
    return {access: sorted(rules, key=lambda r: r[1]) for access, rules in found.items()}


@bp.route("/")
@permission_required("permissions.read")
def index():
    merged = matrix()
    return render_template("org/permissions.html", matrix=sorted(merged.items()), roles=ROLES,
                           labels=PERMISSION_LABELS, endpoints=endpoints_by_access(), PUBLIC=PUBLIC,
                           SIGNED_IN=SIGNED_IN)
