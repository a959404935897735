"""The coverage page of 一企一警 and its assignment in bulk. Thin: the rules are
in core.liaison.coverage."""
from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext

from core.errors import ValidationError
from core.liaison import coverage
from core.registry import services as registry
from core.web import current_actor, flash_done, flash_refusal, permission_required, see_other

bp = Blueprint("liaison", __name__, url_prefix="/liaison")


@bp.route("/coverage")
@permission_required("enterprise.read")
def coverage_page():
    actor = current_actor()
    unit_id = request.args.get("unit_id", type=int)
    return render_template(
        "liaison/coverage.html", minimum=coverage.minimum(), thin=coverage.thin_officers(actor),
        units=coverage.by_unit(actor), unit_id=unit_id, officers=registry.officers(actor),
        page=coverage.without_officer(actor, unit_id=unit_id, cursor=request.args.get("cursor")))


@bp.route("/coverage/assign", methods=["POST"])
@permission_required("enterprise.write")
def assign():
    actor = current_actor()
    unit_id = request.form.get("unit_id", type=int)
    try:
        result = coverage.assign(actor, request.form.getlist("enterprise_ids"),
                                 request.form.get("officer_id", type=int))
    except ValidationError as exc:
        flash_refusal(exc)
        return see_other(".coverage_page", unit_id=unit_id)
    if result.done:
        officer = result.done[0].liaison_officer
        flash_done(ngettext("%(num)d enterprise now has %(officer)s as its liaison officer.",
                            "%(num)d enterprises now have %(officer)s as their liaison officer.",
                            len(result.done), officer=officer.name if officer else ""))
    for _enterprise_id, why in result.refused:
        flash_refusal(ValidationError(why))
    return see_other(".coverage_page", unit_id=unit_id)
