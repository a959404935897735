"""The auditor's page: the audit trail, filtered, newest first; the chain's
verification, the retention period and the archives made. Nothing here changes
or removes an entry."""
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from core.audit import archive, services, verification
from core.audit.labels import action_label, object_type_label
from core.web import current_actor, id_arg, permission_required

bp = Blueprint("audit", __name__, url_prefix="/audit")
RESULT_LABELS = {services.OK: _l("succeeded"), services.DENIED: _l("denied"), services.REJECTED: _l("rejected")}


def _date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.route("/")
@permission_required("audit.read")
def index():
    args = request.args
    filters = {
        "username": args.get("username", "").strip()[:64] or None,
        "action": args.get("action", "").strip()[:64] or None,
        "result": args.get("result") if args.get("result") in services.RESULTS else None,
        "object_type": args.get("object_type", "").strip()[:40] or None,
        "object_id": args.get("object_id", "").strip()[:64] or None,
        "since": _date(args.get("since")),
        "until": _date(args.get("until")),
    }
    before = id_arg("before")
    entries = services.search(current_actor(), **filters, before_id=before, limit=51)
    more = len(entries) > 50
    entries = entries[:50]
    actor = current_actor()
    return render_template("audit/index.html", entries=entries, filters=filters, results=services.RESULTS,
                           result_labels=RESULT_LABELS, action_label=action_label,
                           object_type_label=object_type_label,
                           language="zh" if get_locale().language == "zh" else "en",
                           next_before=entries[-1].id if more and entries else None,
                           verified=verification.latest_verification(actor),
                           retention_days=archive.retention_days(), archives=archive.archives(actor))


@bp.route("/verify", methods=["POST"])
@permission_required("audit.read")
def verify():
    result = verification.run_verification(current_actor())
    flash(str(result.message), "success" if result.intact else "error")
    return redirect(url_for("audit.index") + "#verification")
