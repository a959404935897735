"""The staff pages of the official documents (公文) and the public verification
page. Thin: every rule is in core.documents.services.

- ``documents``: the list, the draft form (new and edit), the document page
  with the actions the user may take now (each a small POST form to
  ``/documents/<id>/<action>``), the PDF preview (inline; a large draft's is
  made by the background workers while a page that reloads itself waits for
  it, see previews.py) and the issued PDF (a download, audited). Issuing a
  large document from its page goes to the workers too, as a batch of one.
- ``verify`` (no login): ``/verify/<code>``, what the QR code on an issued PDF
  points at; it shows the number, the issuing unit, the date and the SHA-256,
  never the title or the body; ``/verify/ca.pem`` and ``/verify/ca.cer``, the
  certificate of the authority that certifies the units' signing keys
  (signing.py), for receiving offices to trust.
"""
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from core import clock
from core.audit import services as audit
from core.documents import batches, blocks, forms, previews, services
from core.documents.models import Document
from core.errors import AnqiError, Conflict, Forbidden, NotFound, ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.registry import services as registry
from core.tickets import deadlines
from core.tickets import services as tickets
from core.uploads import held
from core.web import current_actor, id_arg, permission_required, public

bp = Blueprint("documents", __name__, url_prefix="/documents")
PAGE = 50  # documents on a page of the list

verify_bp = Blueprint("verify", __name__, url_prefix="/verify")


@bp.app_template_filter("document_figure")
def document_figure(svg: str) -> Markup:
    """A body figure drawn on the page as in the PDF; a drawing that fails the
    check (stored before the rules changed) is left out rather than shown raw."""
    try:
        return Markup(blocks.inline_svg(svg))
    except blocks.BlockError:
        return Markup("")


STATUS_LABELS = {"draft": _l("Draft"), "submitted": _l("Submitted"), "signed": _l("Signed off"), "numbered": _l("Numbered"),
                 "issued": _l("Issued"), "delivered": _l("Delivered")}
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def _vocabulary(actor) -> dict:
    return {"statuses": STATUS_LABELS, "kinds": {code: kind.label for code, kind in services.types(actor).items()},
            "methods": services.DELIVERY_METHODS}


def _load(document_id) -> Document:
    try:
        return services.get(current_actor(), document_id)
    except NotFound:
        abort(404)


# --- the list -------------------------------------------------------------------

@bp.route("/")
@permission_required("document.read")
def index():
    actor = current_actor()
    documents = services.for_unit(actor, limit=PAGE + 1, before_id=id_arg("before"))
    older = documents[PAGE - 1].id if len(documents) > PAGE else None
    return render_template("documents_pages/list.html", documents=documents[:PAGE], older=older,
                           batch_form=forms.ActionForm(), **_vocabulary(actor))


# --- the draft form ----------------------------------------------------------------

def _linked(actor, form, on_get: bool):
    """The ticket and enterprise a new draft is linked to, each visible to the
    actor (the hidden fields come from the browser). Returns (ticket,
    enterprise, problem)."""
    ticket = enterprise = None
    ticket_id = id_arg("ticket") if on_get else _int(form.ticket_id.data)
    enterprise_id = id_arg("enterprise") if on_get else _int(form.enterprise_id.data)
    try:
        if ticket_id:
            ticket = tickets.get(actor, ticket_id)
            enterprise_id = enterprise_id or ticket.enterprise_id
        if enterprise_id:
            enterprise = registry.get(actor, enterprise_id)
    except (NotFound, Forbidden) as exc:
        return None, None, exc.message
    return ticket, enterprise, None


def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 2**31 else None


def _draft(form, kept=(), **links) -> services.Draft:
    return services.Draft(
        doc_type=form.doc_type.data or "", title=form.title.data or "", addressees=forms.lines(form.addressees.data),
        copies=forms.lines(form.copies.data), body=forms.body_blocks(form.body.data, kept),
        attachment_titles=forms.lines(form.attachment_titles.data), **links)


def _render_form(form, document=None, ticket=None, enterprise=None, status=200, conflict=None):
    heading = _("Edit the draft") if document else _("New document")
    return render_template("documents_pages/form.html", form=form, document=document, ticket=ticket,
                           enterprise=enterprise, heading=heading, conflict=conflict), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required("document.draft")
def new():
    actor = current_actor()
    form = forms.DraftForm()
    form.set_choices(services.types(actor))
    ticket, enterprise, problem = _linked(actor, form, on_get=request.method == "GET")
    if request.method == "GET":
        if problem:
            flash(str(problem), "error")
        form.doc_type.data = "letter"
        form.submission_key.data = secrets.token_urlsafe(24)
        form.ticket_id.data = str(ticket.id) if ticket else ""
        form.enterprise_id.data = str(enterprise.id) if enterprise else ""
        if enterprise:
            form.addressees.data = enterprise.name
        return _render_form(form, ticket=ticket, enterprise=enterprise)
    try:
        if problem:
            raise ValidationError(problem)
        key = form.submission_key.data or ""
        document = services.create(actor, _draft(form, ticket_id=ticket.id if ticket else None,
                                                 enterprise_id=enterprise.id if enterprise else None,
                                                 submission_key=key if SUBMISSION_KEY.match(key) else None))
    except AnqiError as exc:
        db.session.rollback()
        apply_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(exc.message))
        return _render_form(form, ticket=ticket, enterprise=enterprise, status=exc.status)
    flash(_("The draft has been saved."), "success")
    return redirect(url_for(".detail", document_id=document.id))


@bp.route("/<int:document_id>/edit", methods=["GET", "POST"])
@permission_required("document.draft")
def edit(document_id):
    actor = current_actor()
    document = _load(document_id)
    if "edit" not in services.available_actions(actor, document):
        flash(_("This document is %(status)s; only a draft can be edited.",
                status=services.STATUS_NAMES.get(document.status, document.status)), "error")
        return redirect(url_for(".detail", document_id=document.id))
    form = forms.DraftForm(formdata=request.form if request.method == "POST" else None)
    form.set_choices(services.types(actor))
    if request.method == "GET":
        form.doc_type.data, form.title.data = document.doc_type, document.title
        form.addressees.data, form.copies.data = "\n".join(document.addressees), "\n".join(document.copies)
        form.body.data = forms.body_text(document.body)
        form.attachment_titles.data = "\n".join(document.attachment_titles)
        form.version.data = str(document.version)
        services.record_reading(actor, document, "page")
        return _render_form(form, document)
    # The links were made when the draft was created; the form does not change them.
    draft = _draft(form, kept=document.body, ticket_id=document.ticket_id, enterprise_id=document.enterprise_id,
                   related_type=document.related_type, related_id=document.related_id)
    try:
        services.update(actor, document.id, draft, version=_int(form.version.data))
    except NotFound:
        db.session.rollback()
        abort(404)
    except Conflict as exc:
        db.session.rollback()
        current = _load(document_id)
        form.version.data = str(current.version)     # saving again applies the author's entries over it
        form.form_errors.append(str(exc.message))
        return _render_form(form, current, status=409, conflict=current)
    except StaleDataError:
        db.session.rollback()
        flash(_("Someone else changed this document at the same moment. Here is how it stands now; "
                "make your changes again if they are still needed."), "error")
        return redirect(url_for(".detail", document_id=document_id))
    except AnqiError as exc:
        db.session.rollback()
        apply_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(exc.message))
        return _render_form(form, _load(document_id), status=exc.status)
    flash(_("The draft has been saved."), "success")
    return redirect(url_for(".detail", document_id=document_id))


# --- the document page -----------------------------------------------------------

@dataclass(frozen=True)
class Action:
    form: type
    title: object
    button: object
    primary: bool = False      # the next step: shown open
    multipart: bool = False


ACTIONS = {
    "submit": Action(forms.ActionForm, _l("Submit for sign-off"), _l("Submit"), primary=True),
    "send_back": Action(forms.SendBackForm, _l("Send back to the authors"), _l("Send back")),
    "sign": Action(forms.ActionForm, _l("Sign off (签发)"), _l("Sign off"), primary=True),
    "issue": Action(forms.ActionForm, _l("Issue: give the number and store the PDF"), _l("Issue"), primary=True),
    "deliver": Action(forms.DeliveryForm, _l("Record a delivery (送达)"), _l("Record the delivery"), primary=True,
                      multipart=True),
    "correct": Action(forms.ActionForm, _l("Correct by a new document"), _l("Start a correction")),
}


def _form(name, action, bound=None):
    form = bound or action.form(prefix=name, formdata=None)
    if name == "deliver":
        form.set_choices(services.DELIVERY_METHODS)
        if bound is None:
            now = clock.now().replace(tzinfo=deadlines.UTC).astimezone(deadlines.LOCAL)
            form.received_at.data = now.strftime("%Y-%m-%d %H:%M")
    return form


def _neighbours(actor, document):
    """The document this one replaces and those that replace it, where the actor may see them."""
    replaces = None
    if document.replaces_id:
        try:
            replaces = services.get(actor, document.replaces_id)
        except NotFound:
            replaces = None
    replaced_by = list(db.session.scalars(
        select(Document).where(Document.replaces_id == document.id, actor.scope.filter(Document.unit_id))
        .order_by(Document.id)))
    return replaces, replaced_by


def _render(document, bound_name=None, bound_form=None, status=200, held_files=()):
    actor = current_actor()
    allowed = services.available_actions(actor, document)
    action_forms = [(name, action, _form(name, action, bound_form if name == bound_name else None))
                    for name, action in ACTIONS.items() if name in allowed]
    replaces, replaced_by = _neighbours(actor, document)
    ticket = enterprise = None
    try:
        ticket = tickets.get(actor, document.ticket_id) if document.ticket_id else None
    except (NotFound, Forbidden):
        pass
    try:
        enterprise = registry.get(actor, document.enterprise_id) if document.enterprise_id else None
    except (NotFound, Forbidden):
        pass
    verification = services.verification_url(document.verification_code) if document.verification_code else None
    return render_template(
        "documents_pages/detail.html", document=document, action_forms=action_forms, can_edit="edit" in allowed,
        replaces=replaces, replaced_by=replaced_by, ticket=ticket, enterprise=enterprise,
        verification=verification, bound_name=bound_name, held_files=held_files, **_vocabulary(actor)), status


@bp.route("/<int:document_id>")
@permission_required("document.read")
def detail(document_id):
    document = _load(document_id)
    services.record_reading(current_actor(), document, "page")   # the page shows the body
    return _render(document)


def _received_at(value) -> datetime:
    """``YYYY-MM-DD HH:MM`` in Beijing time as the stored naive UTC."""
    value = (value or "").strip()
    for pattern in TIME_FORMATS:
        try:
            local = datetime.strptime(value, pattern)
        except ValueError:
            continue
        return local.replace(tzinfo=deadlines.LOCAL).astimezone(deadlines.UTC).replace(tzinfo=None)
    raise ValidationError(_l("Give the time of receipt as YYYY-MM-DD HH:MM (Beijing time)."), field="received_at")


def _perform(name, actor, document_id, form, chosen=None):
    """Call the service behind action ``name``; return (message, where to go next).
    ``chosen``: the files of an action that takes them (core.uploads.held)."""
    here = url_for(".detail", document_id=document_id)
    if name == "submit":
        services.submit(actor, document_id)
        return _("The document has been submitted for sign-off."), here
    if name == "send_back":
        services.send_back(actor, document_id, form.reason.data or "")
        return _("The document has been sent back to its authors as a draft."), here
    if name == "sign":
        services.sign_off(actor, document_id)
        return _("The document has been signed off; it can now be issued."), here
    if name == "issue":
        document = services.get(actor, document_id)
        if document.status in ("signed", "numbered") and previews.heavy(document):
            # Too long to render in a web request: the workers issue it, as a batch of one.
            batch = batches.create(actor, [document_id])
            return (_("The document is long: the background workers are issuing it. This page shows when it "
                      "is done."), url_for("document_batches.detail", batch_id=batch.id))
        document = services.issue(actor, document_id)
        return _("The document has been issued as %(number)s.", number=document.number), here
    if name == "deliver":
        # The time, the receipt and the other fields are checked in one pass: every problem at once.
        errors, received_at = {}, None
        try:
            received_at = _received_at(form.received_at.data)
        except ValidationError as exc:
            errors = exc.errors
        problems = list(chosen.problems)
        if len(chosen.held) + len(chosen.new) + len(chosen.problems) > 1:
            problems = [_l("Attach one receipt.")]
        receipt = chosen.files[0] if len(chosen.files) == 1 else None
        if errors or problems:
            raise ValidationError.of({**services.check_delivery(actor, document_id, form.recipient.data or "",
                                                                received_at, form.method.data or "", receipt),
                                      **errors, **({"receipt": problems} if problems else {})})
        services.deliver(actor, document_id, form.recipient.data or "", received_at,
                         form.method.data or "", receipt=receipt)
        return _("The delivery has been recorded."), here
    if name == "correct":
        draft = services.correct(actor, document_id)
        return (_("A correction has been started as a new draft; change what needs changing and submit it."),
                url_for(".edit", document_id=draft.id))
    abort(404)


@bp.route("/<int:document_id>/<action>", methods=["POST"])
@permission_required("document.read")
def act(document_id, action):
    spec = ACTIONS.get(action)
    if spec is None:
        abort(404)
    actor = current_actor()
    _load(document_id)
    form = spec.form(prefix=action)
    chosen = None
    if action == "deliver":
        form.set_choices(services.DELIVERY_METHODS)
        # The receipt held from a failed submit and the one sent now, checked with the fields in one pass.
        chosen = held.gather(actor, request.form.getlist(held.FORM_FIELD),
                             [(f.filename, f.stream) for f in request.files.getlist(form.receipt.name)
                              if f and f.filename])
    try:
        message, target = _perform(action, actor, document_id, form, chosen)
    except NotFound:
        db.session.rollback()
        abort(404)
    except StaleDataError:
        db.session.rollback()
        flash(_("Someone else changed this document at the same moment. Here is how it stands now; "
                "try again if it still needs doing."), "error")
        return redirect(url_for(".detail", document_id=document_id))
    except AnqiError as exc:
        db.session.rollback()
        if isinstance(exc, ValidationError) and exc.errors:
            apply_errors(form, exc)
            if chosen and "receipt" in exc.errors:
                chosen.new = []         # a refused receipt is not held; a second one is not either
        flash(str(exc.message), "error")
        held_files = held.keep(actor, chosen) if chosen else []
        return _render(_load(document_id), action, form, status=exc.status, held_files=held_files)
    if chosen:
        held.release(actor, chosen)
    flash(message, "success")
    return redirect(target)


# --- the PDFs ----------------------------------------------------------------------

def _filename(document) -> str:
    """The number and the title, without what a file system or a header refuses."""
    name = " ".join(part for part in (document.number or "", document.title) if part)
    name = re.sub(r"\s+", " ", UNSAFE_IN_NAME.sub("_", name)).strip(" ._") or "document"
    return f"{name[:120]}.pdf"


def _pdf_response(content: bytes, filename: str, *, inline: bool):
    response = send_file(BytesIO(content), mimetype="application/pdf", as_attachment=not inline,
                         download_name=filename, max_age=0, conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # ``sandbox`` on the inline one too: Chromium's own PDF viewer (an extension, not the
    # sandboxed page) still shows it — checked with Debian's chromium 156, headless as
    # tests/e2e runs it (tests/e2e/test_documents.py) — and a PDF that slipped in with
    # script would run in an opaque origin without the app's cookies.
    response.headers["Content-Security-Policy"] = PDF_POLICY
    return response


PDF_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"


def _refused(document_id, exc):
    db.session.rollback()
    flash(str(exc.message), "error")
    return _render(_load(document_id), status=exc.status)


@bp.route("/<int:document_id>/preview.pdf")
@permission_required("document.read")
def preview(document_id):
    actor = current_actor()
    document = _load(document_id)
    filename, title = _filename(document), document.title      # read now: the service ends the transaction
    try:
        result = previews.prepare(actor, document_id, in_request=True)
    except NotFound:
        abort(404)
    except AnqiError as exc:
        return _refused(document_id, exc)
    if result.state != "ready":
        response = make_response(render_template(
            "documents_pages/preview.html", document_id=document_id, title=title, result=result,
            retry_form=forms.ActionForm(), refresh=PREVIEW_REFRESH_SECONDS if result.state == "preparing" else None),
            202 if result.state == "preparing" else 400)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    if result.issued:     # an issued document's own PDF: reading it is audited like a download
        audit.record(actor, "document.view_pdf", document, detail={"number": document.number})
        db.session.commit()
    return _pdf_response(result.content, filename, inline=True)


PREVIEW_REFRESH_SECONDS = 3


@bp.route("/<int:document_id>/preview/retry", methods=["POST"])
@permission_required("document.read")
def retry_preview(document_id):
    """Try a failed preview again (e.g. after the server was too busy to make it in time)."""
    form = forms.ActionForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please send it again."), "error")
        return redirect(url_for(".detail", document_id=document_id))
    try:
        previews.retry(current_actor(), document_id)
    except NotFound:
        abort(404)
    return redirect(url_for(".preview", document_id=document_id))


@bp.route("/<int:document_id>/document.pdf")
@permission_required("document.read")
def download(document_id):
    actor = current_actor()
    document = _load(document_id)
    try:
        content = services.pdf(actor, document_id)
    except NotFound:
        abort(404)
    except AnqiError as exc:
        return _refused(document_id, exc)
    audit.record(actor, "document.download", document, detail={"number": document.number})
    db.session.commit()
    return _pdf_response(content, _filename(document), inline=False)


@bp.route("/<int:document_id>/deliveries/<int:delivery_id>/receipt")
@permission_required("document.read")
def receipt(document_id, delivery_id):
    try:
        delivery, path, content_type = services.receipt(current_actor(), document_id, delivery_id)
    except NotFound:
        db.session.rollback()
        abort(404)
    response = send_file(path, mimetype=content_type, as_attachment=True, max_age=0, conditional=False,
                         etag=False, download_name=f"receipt-{document_id}-{delivery.id}{path.suffix}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    return response


# --- public verification -------------------------------------------------------------

@verify_bp.route("/<code>")
@public
def check(code):
    """Open to anyone (the QR code is scanned by whoever holds the paper): the
    facts that prove a copy genuine, never its content."""
    found = services.verify(code)
    response = render_template("documents_pages/verify.html", found=found), 200 if found else 404
    return response


def _ca_response(content: bytes | None, mimetype: str, filename: str):
    if content is None:
        abort(404)
    response = make_response(content)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@verify_bp.route("/ca.pem")
@public
def ca_pem():
    """The certificate of the authority that certifies the units' signing keys
    (signing.py), for the receiving offices to trust in their PDF readers."""
    from core.documents import signing

    return _ca_response(signing.ca_pem(), "application/x-pem-file", "anqi-document-signing-ca.pem")


@verify_bp.route("/ca.cer")
@public
def ca_cer():
    """The same certificate in DER, the form Windows and most readers open by a double click."""
    from core.documents import signing

    return _ca_response(signing.ca_der(), "application/pkix-cert", "anqi-document-signing-ca.cer")
