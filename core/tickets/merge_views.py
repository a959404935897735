"""The pages of duplicates and merging (诉求合并) on the tickets blueprint: the
intake's duplicate panel as JSON (the panel refreshes when the category
changes), and the merge step — the survivor chosen by its number, then
confirmed. Thin: the rules are in core.tickets.duplicates and merging."""
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from core.errors import AnqiError, NotFound, ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.tickets import duplicates, merging, services
from core.tickets.merge_forms import ConfirmMergeForm
from core.tickets.views import EVENT_LABELS, VOCABULARY, _load, _render, bp
from core.web import current_actor, id_arg, permission_required

# The timeline's words for a merge (the ticket page and the portal read EVENT_LABELS).
EVENT_LABELS.update({
    "merged": _l("Merged into another ticket"),
    "merged_in": _l("Another ticket merged into this one"),
    "merged_contact": _l("Contact of a merged ticket"),
})


def _candidate(c: duplicates.Candidate, labels: dict) -> dict:
    return {"id": c.id, "number": c.number, "url": url_for("tickets.detail", ticket_id=c.id), "status": c.status,
            "status_label": c.status_label, "open": c.is_open, "category": c.category,
            "category_label": labels.get(c.category, c.category), "registered_on": c.registered_on,
            "description": c.description, "enterprise": c.enterprise_name}


@bp.route("/new/duplicates")
@permission_required("ticket.register")
def intake_duplicates():
    """The intake panel's lists for an enterprise and a category, as JSON."""
    actor = current_actor()
    enterprise_id = id_arg("enterprise")
    if enterprise_id is None:
        return jsonify(error=_("Choose the enterprise.")), 400
    try:
        found = duplicates.for_intake(actor, enterprise_id, request.args.get("category", ""))
    except NotFound as exc:
        return jsonify(error=str(exc.message)), 404
    labels = services.categories(actor)
    return jsonify(enterprise=[_candidate(c, labels) for c in found.same_enterprise],
                   place=[_candidate(c, labels) for c in found.same_place],
                   district=found.district, category=found.category,
                   category_label=labels.get(found.category, found.category) if found.category else "")


# --- merging ----------------------------------------------------------------------------

def _page(ticket, form, survivor=None, status=200):
    actor = current_actor()
    candidates = None
    if survivor is None:
        candidates = [c for c in duplicates.find(actor, ticket.enterprise, exclude_id=ticket.id).same_enterprise
                      if c.is_open]
    return render_template(
        "tickets/merge.html", ticket=ticket, survivor=survivor, form=form, candidates=candidates,
        files=list(ticket.attachments), categories=services.categories(actor),
        contact=merging.contact_outcome(ticket, survivor) if survivor is not None else "", **VOCABULARY), status


@bp.route("/<int:ticket_id>/merge", methods=["GET", "POST"])
@permission_required("ticket.dispatch")
def merge(ticket_id):
    """合并. GET (or the ticket page's form, POST without ``confirm``): choose the
    survivor by its number and see what will happen; POST with ``confirm``: merge.
    (The ticket page's form posts to /tickets/<id>/merge, which this more specific
    rule answers instead of the generic action route.)"""
    actor = current_actor()
    ticket = _load(ticket_id)
    form = ConfirmMergeForm()
    number = (request.form.get("into") or request.form.get("merge-into") if request.method == "POST"
              else request.args.get("into")) or ""
    form.into.data = number.strip()[:20]
    confirmed = request.method == "POST" and request.form.get("confirm") == "yes"
    try:
        if confirmed:
            survivor = merging.merge(actor, ticket_id, form.into.data, form.note.data or "")
        elif number.strip():
            _duplicate, survivor = merging.check(actor, ticket_id, number)
            return _page(ticket, form, survivor)
        else:
            if request.method == "POST":
                raise ValidationError(_l("Write the number of the ticket to merge into, e.g. 2026-000123."),
                                      field="into")
            merging.check_merge_allowed(actor, ticket)
            return _page(ticket, form)
    except NotFound:
        db.session.rollback()
        abort(404)
    except StaleDataError:
        db.session.rollback()
        flash(_("Someone else changed this ticket at the same moment. Here is how it stands now; "
                "try again if it still needs doing."), "error")
        return _render(_load(ticket_id), status=409)
    except ValidationError as exc:
        db.session.rollback()
        if getattr(exc, "errors", None) and "into" in exc.errors:
            apply_errors(form, exc)
            flash(str(exc.message), "error")
            return _page(_load(ticket_id), form, status=exc.status)
        flash(str(exc.message), "error")
        return _render(_load(ticket_id), status=exc.status)
    except AnqiError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _render(_load(ticket_id), status=exc.status)
    flash(_("Ticket %(number)s has been merged into %(into)s.", number=ticket.number, into=survivor.number),
          "success")
    return redirect(url_for("tickets.detail", ticket_id=survivor.id))


@bp.app_template_global("ticket_merges")
def ticket_merges(ticket):
    """For the ticket pages (staff and portal): the merge that closed the ticket
    (``.closed_by``, its survivor ``.closed_by.into``) and those merged into it."""
    return merging.merges_of(ticket)
