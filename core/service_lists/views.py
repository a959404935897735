"""The pages of the two lists: the leaders' pages that keep them (/service-lists/),
the ticket page's tags against the negative list, and the portal's published lists
and the order of a service (/portal/services/). Thin: the rules are in
core.service_lists.services."""
import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.org.permissions import has_permission
from core.portal.views import SUBMISSION_KEY
from core.registry import services as registry
from core.service_lists import services
from core.service_lists.forms import OfferForm, RuleForm
from core.tickets import services as tickets
from core.web import current_actor, permission_required, portal_actor, portal_not_found, portal_required, public

bp = Blueprint("service_lists", __name__, url_prefix="/service-lists")
portal_bp = Blueprint("portal_services", __name__, url_prefix="/portal/services")


@bp.app_context_processor
def _helpers():
    return {"conduct_panel": conduct_panel}


def conduct_panel(ticket) -> dict | None:
    """The ticket page's section of negative-list tags: shown on a complaint or 作风问题
    ticket, with the form to those who may tag."""
    from flask_login import current_user

    if not services.taggable(ticket):
        return None
    tagged = services.tags(ticket.id)
    may_tag = has_permission(current_user, services.TAG)
    if not tagged and not may_tag:
        return None
    chosen = {r.id for r in tagged}
    choices = [r for r in services.rules(current_actor()) if r.active or r.id in chosen] if may_tag else []
    return {"tags": tagged, "chosen": chosen, "choices": choices, "may_tag": may_tag}


# --- the leaders' pages ---------------------------------------------------------------------

@bp.route("/")
@permission_required(services.MANAGE)
def index():
    actor = current_actor()
    return render_template("service_lists/index.html", offers=services.offers(actor),
                           rules=services.rules(actor), keeps_rules=services.keeps_negative_list(actor),
                           category_label=tickets.category_label)


def _offer_form(offer_id=None):
    actor = current_actor()
    offer = services.get_offer(actor, offer_id) if offer_id else None
    form = OfferForm(obj=None if request.method == "POST" else offer)
    form.set_choices(tickets.categories(actor), registry.units(actor), offer)
    if request.method == "GET":
        form.unit_id.data = str(offer.unit_id if offer else actor.unit_id)
        form.days.data = str(offer.days) if offer else ""
        form.sort_order.data = str(offer.sort_order) if offer else ""
    if request.method == "POST" and form.validate_on_submit():
        data = services.OfferInput(name=form.name.data or "", description=form.description.data or "",
                                   audience=form.audience.data or "", unit_id=form.unit_id.data,
                                   category=form.category.data or "", days=form.days.data,
                                   active=form.active.data, sort_order=form.sort_order.data)
        try:
            services.save_offer(actor, data, offer_id)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            flash(_("The service has been saved."), "success")
            return redirect(url_for(".index"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("service_lists/offer_form.html", form=form, offer=offer), status


@bp.route("/services/new", methods=["GET", "POST"])
@permission_required(services.MANAGE)
def offer_new():
    return _offer_form()


@bp.route("/services/<int:service_offer_id>/edit", methods=["GET", "POST"])
@permission_required(services.MANAGE)
def offer_edit(service_offer_id):
    return _offer_form(service_offer_id)


def _rule_form(rule_id=None):
    actor = current_actor()
    rule = services.get_rule(actor, rule_id) if rule_id else None
    if rule is None:
        services._require_keep_rules(actor, "conduct_rule.create")
    form = RuleForm(obj=None if request.method == "POST" else rule)
    if request.method == "GET":
        form.sort_order.data = str(rule.sort_order) if rule else ""
    if request.method == "POST" and form.validate_on_submit():
        data = services.RuleInput(code=form.code.data or "", text=form.text.data or "", active=form.active.data,
                                  sort_order=form.sort_order.data)
        try:
            services.save_rule(actor, data, rule_id)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            flash(_("The entry of the negative list has been saved."), "success")
            return redirect(url_for(".index"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("service_lists/rule_form.html", form=form, rule=rule), status


@bp.route("/negative-list/new", methods=["GET", "POST"])
@permission_required(services.MANAGE)
def rule_new():
    return _rule_form()


@bp.route("/negative-list/<int:conduct_rule_id>/edit", methods=["GET", "POST"])
@permission_required(services.MANAGE)
def rule_edit(conduct_rule_id):
    return _rule_form(conduct_rule_id)


@bp.route("/tickets/<int:ticket_id>/tags", methods=["POST"])
@permission_required(services.TAG)
def tag(ticket_id):
    actor = current_actor()
    try:
        services.tag(actor, ticket_id, request.form.getlist("rule_ids"))
    except NotFound:
        abort(404)
    except ValidationError as exc:
        db.session.rollback()
        for messages in (exc.errors or {}).values():
            for message in messages:
                flash(str(message), "error")
    else:
        flash(_("The ticket's entries of the negative list have been saved."), "success")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id) + "#conduct-tags", code=303)


# --- the portal ------------------------------------------------------------------------------

@portal_bp.route("/negative-list")
@public
def negative_list():
    return render_template("portal/negative_list.html", rules=services.rules(None, active_only=True))


@portal_bp.route("/")
@portal_required
def offers():
    actor = portal_actor()
    return render_template("portal/services.html", offers=services.published_offers(actor.enterprise),
                           category_label=tickets.category_label)


@portal_bp.route("/<int:service_offer_id>/order", methods=["GET", "POST"])
@portal_required
def order(service_offer_id):
    actor = portal_actor()
    offer = services.published_offer(actor.enterprise, service_offer_id)
    if offer is None:
        portal_not_found("service_offer", service_offer_id)
    errors, text = {}, ""
    if request.method == "POST":
        text = request.form.get("text") or ""
        key = request.form.get("submission_key") or ""
        key = key if SUBMISSION_KEY.match(key) else None
        try:
            ticket = services.order(actor, offer.id, text, submission_key=key)
        except ValidationError as exc:
            db.session.rollback()
            errors = {k: [str(m) for m in v] for k, v in (exc.errors or {}).items()} or {"": [str(exc.message)]}
        except Forbidden:
            abort(403)
        else:
            flash(_("Your order has been received as demand %(number)s.", number=ticket.number), "success")
            return redirect(url_for("portal.demand", ticket_id=ticket.id), code=303)
    return render_template("portal/service_order.html", offer=offer, errors=errors, text=text,
                           submission_key=secrets.token_urlsafe(24),
                           category_label=tickets.category_label), 400 if errors else 200
