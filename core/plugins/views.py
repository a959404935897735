"""The administrator's plugin page: what is installed, and which units use it."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from core.errors import AnqiError
from core.org.services import all_units
from core.plugins import services
from core.web import current_actor, permission_required

bp = Blueprint("plugins", __name__, url_prefix="/admin/plugins")


@bp.route("/")
@permission_required("system.manage")
def admin():
    language = "zh" if get_locale().language == "zh" else "en"
    plugins = services.manager().manifests.values()
    enabled = {m.name: set(services.units_enabled(m.name)) for m in plugins}
    return render_template("plugins/admin.html", plugins=plugins, units=all_units(), enabled=enabled,
                           language=language)


@bp.route("/toggle", methods=["POST"])
@permission_required("system.manage")
def toggle():
    name = request.form.get("plugin", "")
    unit_code = request.form.get("unit", "")
    enable = request.form.get("enabled") == "1"
    try:
        row = services.set_enabled(current_actor(), unit_code, name, enable)
    except AnqiError as exc:
        flash(str(exc.message), "error")
    else:
        language = "zh" if get_locale().language == "zh" else "en"
        names = {"plugin": services.manager().manifests[name].localized("title", language), "unit": row.unit.name}
        flash(_("%(plugin)s enabled for %(unit)s.", **names) if enable
              else _("%(plugin)s disabled for %(unit)s.", **names), "success")
    return redirect(url_for(".admin"))
