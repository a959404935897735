import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from core.errors import Conflict, Forbidden, NotFound, ValidationError
from core.forms import apply_errors
from core.plugins.services import call_for_unit
from core.privacy import masking
from core.registry import export as export_module
from core.registry import import_jobs, importer, profile_changes, services
from core.registry.forms import EnterpriseForm, ImportConfirmForm, ImportUploadForm
from core.submissions import services as submissions
from core.web import current_actor, id_arg, permission_required

bp = Blueprint("registry", __name__, url_prefix="/enterprises")


def filters_from_request() -> services.EnterpriseFilter:
    args = request.args

    def tri(name):
        value = args.get(name, "")
        return {"1": True, "0": False}.get(value)

    return services.EnterpriseFilter(
        q=args.get("q", "")[:100], district=args.get("district", "")[:50],
        industry=args.get("industry", "")[:50], officer_id=id_arg("officer"), unit_id=id_arg("unit"),
        above_scale=tri("above_scale"), is_key=tri("is_key"), tag=args.get("tag", "")[:30],
    )


def page_size() -> int:
    size = request.args.get("size", type=int)
    return size if size in current_app.config["PAGE_SIZE_CHOICES"] else current_app.config["PAGE_SIZE"]


@bp.route("/")
@permission_required("enterprise.read")
def index():
    actor = current_actor()
    filters = filters_from_request()
    sort = request.args.get("sort", "name")
    if sort not in services.SORTS:
        sort = "name"
    try:
        page = services.search(actor, filters, sort=sort, cursor=request.args.get("cursor"), limit=page_size())
    except ValidationError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".index"))
    return render_template(
        "registry/list.html", page=page, filters=filters, sort=sort, size=page.limit,
        officers=services.officers(actor), units=services.units(actor),
        districts=services.distinct_values(actor, "district"),
        industries=services.distinct_values(actor, "industry"),
    )


@bp.route("/<int:enterprise_id>")
@permission_required("enterprise.read")
def detail(enterprise_id):
    actor = current_actor()
    try:
        enterprise = services.get(actor, enterprise_id)
    except NotFound:
        abort(404)
    return _render_detail(actor, enterprise)


@bp.route("/<int:enterprise_id>/reveal", methods=["POST"])
@permission_required("enterprise.read")
def reveal(enterprise_id):
    """The enterprise page with one contact's phone shown in full (audited)."""
    actor = current_actor()
    try:
        contact = services.reveal_contact_phone(actor, enterprise_id, id_arg("ref", request.form))
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    return _render_detail(actor, services.get(actor, enterprise_id), revealed_contact=contact.id)


def _render_detail(actor, enterprise, revealed_contact=None):
    panels = sorted(call_for_unit("anqi_enterprise_panels", actor.unit_id, enterprise=enterprise,
                                  user=actor.user), key=lambda p: p.order)
    from core.tickets import services as tickets
    from core.tickets.vocabulary import STATUSES

    from core.portal import accounts as portal_accounts

    latest = tickets.for_enterprise(actor, enterprise.id) if actor.can("ticket.read") else None
    portal = portal_accounts.of_enterprise(actor, enterprise) if actor.can("portal.verify") else None
    proposed = profile_changes.pending_of(enterprise.id) if actor.can("enterprise.write") else None
    from core.legal_education import services as legal_education

    legal_sessions = legal_education.for_enterprise(actor, enterprise.id) \
        if actor.can("legal_education.read") else None
    from core.liaison import visits

    liaison_visits = visits.for_enterprise(actor, enterprise.id)
    from core.meetings import services as meetings

    attended = meetings.for_enterprise(actor, enterprise.id) if actor.can("meeting.read") else None
    return render_template("registry/detail.html", enterprise=enterprise, panels=panels, tickets=latest,
                           legal_sessions=legal_sessions, meetings=attended, meeting_kinds=meetings.KINDS,
                           ticket_statuses=STATUSES, revealed_contact=revealed_contact, portal_accounts=portal,
                           portal_statuses=portal_accounts.STATUS_LABELS, proposed_change=proposed,
                           liaison_visits=liaison_visits)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("enterprise.write")
def create():
    actor = current_actor()
    form = EnterpriseForm()
    form.set_choices(services.units(actor), services.officers(actor))
    if request.method == "GET":
        form.unit_id.data = actor.unit_id
        form.submission_key.data = submissions.new_key()
    if form.validate_on_submit():
        if done := submissions.seen(actor, form.submission_key.data):
            return redirect(done)            # the form sent twice: its enterprise is already there
        try:
            enterprise = services.create(actor, form.to_data())
        except ValidationError as exc:
            if done := submissions.seen(actor, form.submission_key.data):
                return redirect(done)        # sent twice at the same moment: the first one made it
            apply_errors(form, exc)
        else:
            target = url_for(".detail", enterprise_id=enterprise.id)
            submissions.remember(actor, form.submission_key.data, target)
            flash(_("Enterprise “%(name)s” registered.", name=enterprise.name), "success")
            return redirect(target)
    return render_template("registry/form.html", form=form, enterprise=None)


@bp.route("/<int:enterprise_id>/edit", methods=["GET", "POST"])
@permission_required("enterprise.write")
def edit(enterprise_id):
    actor = current_actor()
    try:
        enterprise = services.get(actor, enterprise_id)
    except NotFound:
        abort(404)
    form = EnterpriseForm(obj=None if request.method == "POST" else enterprise)
    form.set_choices(services.units(actor), services.officers(actor))
    if request.method == "GET":
        form.tags.data = "，".join(enterprise.tags)
        form.liaison_officer_id.data = enterprise.liaison_officer_id or 0
        form.version.data = enterprise.version
        _fill_contacts(form, enterprise)
    conflict = False
    if form.validate_on_submit():
        try:
            services.update(actor, enterprise_id, form.to_data(), version=form.version.data or None)
        except Conflict as exc:
            conflict = True
            form.form_errors.append(str(exc.message))
            enterprise = services.get(actor, enterprise_id)
            form.version.data = enterprise.version
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for(".detail", enterprise_id=enterprise_id))
    # A stale save answers 409 with the other person's version beside the user's entries.
    return render_template("registry/form.html", form=form, enterprise=enterprise, conflict=conflict), \
        (409 if conflict else 200)


def _fill_contacts(form, enterprise):
    while len(form.contacts) < len(enterprise.contacts):
        form.contacts.append_entry()
    for entry, contact in zip(form.contacts, enterprise.contacts):
        # The phone goes into the form masked; saving it unchanged keeps the stored number.
        entry.form.name.data, entry.form.phone.data, entry.form.title.data = \
            contact.name, masking.mask("phone", contact.phone), contact.title


# --- import and export --------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
@permission_required("enterprise.import")
def import_upload():
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            token = import_jobs.start(current_actor(), upload.filename or "", upload.stream)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect(url_for(".import_status", token=token), 303)
    return render_template("registry/import.html", form=form, columns=importer.COLUMNS)


@bp.route("/import/<token>")
@permission_required("enterprise.import")
def import_status(token):
    actor = current_actor()
    try:
        state = import_jobs.status(actor, token)
    except NotFound:
        abort(404)
    return render_template("registry/import_status.html", state=state, rows=import_jobs.shown_rows(actor, state),
                           form=ImportConfirmForm(), stages=import_jobs, columns=importer.COLUMNS)


@bp.route("/import/<token>", methods=["POST"])
@permission_required("enterprise.import")
def import_confirm(token):
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        import_jobs.confirm(current_actor(), token, only_valid=form.only_valid.data)
    except NotFound:
        abort(404)
    except ValidationError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The import has started; this page shows how far it has got."), "success")
    return redirect(url_for(".import_status", token=token), 303)


@bp.route("/import/template.xlsx")
@permission_required("enterprise.import")
def import_template():
    return send_file(io.BytesIO(importer.template_workbook()), as_attachment=True,
                     download_name="企业导入模板.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/export.xlsx")
@permission_required("enterprise.export")
def export():
    try:
        content, _count = export_module.workbook(current_actor(), filters_from_request(),
                                                 reveal=request.args.get("reveal") == "1")
    except Forbidden:
        abort(403)
    return send_file(io.BytesIO(content), as_attachment=True, download_name="企业名录.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
