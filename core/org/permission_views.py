"""The permission matrix as a page, for the administrator and the auditor (and
an assessor looking over their shoulder): every permission, the roles that hold
it, and the pages and actions that require it, read from the app's URL map so
the page cannot drift from the code."""
from collections import defaultdict

from flask import Blueprint, current_app, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from core.org.permissions import PERMISSION_LABELS, matrix
from core.org.roles import ROLES
from core.plugins import services as plugins
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


def permission_labels(permissions) -> dict:
    """Each permission in words: core's, then what each plugin calls its own."""
    labels = {}
    for contribution in plugins.manager().call_all("anqi_permission_labels"):
        labels.update(contribution or {})
    labels.update(PERMISSION_LABELS)
    language = "zh" if get_locale().language == "zh" else "en"
    for permission in permissions:
        name = permission.split(".")[0]
        if permission not in labels and name in plugins.manager().manifests:
            title = plugins.manager().manifests[name].localized("title", language)
            labels[permission] = _l("%(plugin)s: a permission", plugin=title)
    return labels


@bp.route("/")
@permission_required("permissions.read")
def index():
    merged = matrix()
    return render_template("org/permissions.html", matrix=sorted(merged.items()), roles=ROLES,
                           labels=permission_labels(merged), endpoints=endpoints_by_access(), PUBLIC=PUBLIC,
                           SIGNED_IN=SIGNED_IN)
