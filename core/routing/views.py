"""The routing pages: the rules (属地属事) kept by the centre's leaders — and by
the administrator, on pages of their own permission — and the desk's bulk
dispatch by the suggestions. Thin: the rules are in core.routing.services."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from core.errors import ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.routing import services
from core.routing.forms import BulkDispatchForm, RuleForm, unit_choices
from core.tickets.vocabulary import CLASSES
from core.web import current_actor, id_arg, permission_required

bp = Blueprint("routing", __name__, url_prefix="/routing")

# The rule pages twice over: for the leaders (``routing.rules``) and, under
# /routing/admin/, for the administrator (``routing.configure``), whose
# permissions are configuration only (三权分立: no permission shared with a business role).
AREAS = {"": ("routing.rules", "/rules"), "admin_": ("routing.configure", "/admin/rules")}


def _rules_page(area):
    actor = current_actor()
    labels = services.rule_categories(actor)
    return render_template("routing/rules.html", rules=services.rules(actor), area=area, labels=labels,
                           category_name=services.category_name, matches=services.MATCHES,
                           can_keep=services.can_keep(actor))


def _rule_form(area, rule_id=None):
    actor = current_actor()
    # Refused (403, audited) or not found (404) through the app's handler of core.errors.
    services.require_keep(actor, "routing.rule_update" if rule_id else "routing.rule_create", rule_id)
    rule = services.get_rule(actor, rule_id) if rule_id else None
    form = RuleForm(obj=None if request.method == "POST" else rule)
    form.set_choices(services.choices(actor), rule)
    if request.method == "GET" and rule is not None:
        form.unit_id.data, form.officer_id.data = str(rule.unit_id), str(rule.officer_id or "")
    if request.method == "POST" and form.validate_on_submit():
        data = services.RuleInput(category=form.category.data or "", unit_id=form.unit_id.data,
                                  officer_id=form.officer_id.data, district=form.district.data or "",
                                  industry=form.industry.data or "")
        try:
            services.save_rule(actor, data, rule_id)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            flash(_("The routing rule has been saved."), "success")
            return redirect(url_for(f".{area}rules"))
    status = 400 if request.method == "POST" else 200
    return render_template("routing/rule_form.html", form=form, rule=rule, area=area), status


def _delete(area, rule_id):
    services.delete_rule(current_actor(), rule_id)
    flash(_("The routing rule has been deleted."), "success")
    return redirect(url_for(f".{area}rules"))


def _register(area, permission, prefix):
    @permission_required(permission)
    def rules():
        return _rules_page(area)

    @permission_required(permission)
    def rule_new():
        return _rule_form(area)

    @permission_required(permission)
    def rule_edit(routing_rule_id):
        return _rule_form(area, routing_rule_id)

    @permission_required(permission)
    def rule_delete(routing_rule_id):
        return _delete(area, routing_rule_id)

    bp.add_url_rule(prefix, f"{area}rules", rules)
    bp.add_url_rule(f"{prefix}/new", f"{area}rule_new", rule_new, methods=["GET", "POST"])
    bp.add_url_rule(f"{prefix}/<int:routing_rule_id>/edit", f"{area}rule_edit", rule_edit, methods=["GET", "POST"])
    bp.add_url_rule(f"{prefix}/<int:routing_rule_id>/delete", f"{area}rule_delete", rule_delete, methods=["POST"])


for _area, (_permission, _prefix) in AREAS.items():
    _register(_area, _permission, _prefix)


# --- bulk dispatch ------------------------------------------------------------------------------

def _page_size() -> int:
    size = request.args.get("size", type=int)
    return size if size in current_app.config["PAGE_SIZE_CHOICES"] else 50


@bp.route("/dispatch", methods=["GET", "POST"])
@permission_required("ticket.dispatch")
def bulk():
    """The desk's tickets to dispatch with their suggestions; the ticked ones are dispatched in one go."""
    actor = current_actor()
    form = BulkDispatchForm()
    results, status = None, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        chosen = []
        for raw in dict.fromkeys(request.form.getlist("ticket")):  # a ticket ticked twice is dispatched once
            ticket_id = id_arg("id", {"id": raw})
            if ticket_id is not None:
                chosen.append(services.BulkChoice(ticket_id, request.form.get(f"unit-{ticket_id}"),
                                                  request.form.get(f"officer-{ticket_id}")))
        try:
            results = services.dispatch_many(actor, chosen)
        except ValidationError as exc:
            flash(str(exc.message), "error")
            status = 400
        else:
            done = sum(r.dispatched for r in results)
            refused = len(results) - done
            if done:
                flash(ngettext("%(num)d ticket dispatched.", "%(num)d tickets dispatched.", done), "success")
            if refused:
                flash(ngettext("%(num)d ticket refused: see why below.", "%(num)d tickets refused: see why below.",
                               refused), "error")
    page, suggestions = services.review(actor, cursor=request.args.get("cursor"), limit=_page_size())
    units = services.units_in_tree(actor)
    return render_template("routing/bulk.html", form=form, page=page, suggestions=suggestions, results=results,
                           unit_choices=unit_choices(units, blank=_("— choose —")), size=page.limit,
                           labels=services.tickets.categories(actor), classes=CLASSES), status
