"""The risk_assessment pages: thin views over the plugin's services."""
from flask import render_template

from core.plugins.toolkit import plugin_blueprint
from core.web import current_actor, permission_required
from plugins.risk_assessment import assessments, follow_up, letters

bp = plugin_blueprint("risk_assessment", __name__)


@bp.route("/")
@permission_required("risk_assessment.read")
def index():
    actor = current_actor()
    return render_template("risk_assessment/index.html", assessments=assessments.recent(actor))


def enterprise_panel(enterprise) -> str:
    actor = current_actor()
    return render_template("risk_assessment/panel.html", enterprise=enterprise,
                           assessments=assessments.of_enterprise(actor, enterprise.id),
                           risks=assessments.open_risks(actor, enterprise.id),
                           letters=letters.of_enterprise(actor, enterprise.id), state=follow_up.state)


def dashboard_widget() -> str:
    actor = current_actor()
    return render_template("risk_assessment/widget.html", levels=assessments.open_by_level(actor),
                           letters=follow_up.awaiting(actor))
