from flask import render_template
from flask_babel import get_locale

from core.plugins.services import manager
from core.plugins.toolkit import plugin_blueprint
from core.web import permission_required

bp = plugin_blueprint("ip_protection", __name__)


@bp.route("/")
@permission_required("ip_protection.read")
def index():
    language = "zh" if get_locale().language == "zh" else "en"
    return render_template("plugins/landing.html", manifest=manager().manifests["ip_protection"], language=language)
