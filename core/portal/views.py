"""The enterprise portal's pages (``/portal/…``): public pages, sign-in and
registration, and the pages of a signed-in enterprise. Thin: the rules are in
core.portal.* and in the ticket and document services, which take the
enterprise's own actor (``core.portal.actor``)."""
import io
import re
import secrets
from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from core import clock
from core.audit import services as audit
from core.auth.guard import fresh_session
from core.auth.lockout import AccountLocked
from core.documents import services as documents
from core.errors import AnqiError, NotFound, ValidationError
from core.extensions import db
from core.knowledge import services as knowledge
from core.notices import events as notice_catalogue
from core.notices import services as outside_notices
from core.org.actor import Actor
from core.portal import accounts, demands, extensions, notices, second_factor
from core.portal.models import VERIFIED, PortalAccount
from core.portal.sessions import SESSION_KEY, current_account
from core.registry import profile_changes
from core.tickets import attachments, onsite
from core.uploads import held
from core.tickets import services as tickets
from core.tickets.vocabulary import RATINGS, RESULTS, STATUSES
from core.tickets.views import EVENT_LABELS
from core.auth.second_factor import qr_svg as totp_qr
from core.web import id_arg, portal_actor, portal_not_found, portal_required, public

bp = Blueprint("portal", __name__, url_prefix="/portal")

PENDING_KEY = "anqi_portal_pending"     # between the password and the second factor
PENDING_FOR = timedelta(minutes=5)      # time to type the code after the password
SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
DELIVERY_LABELS = documents.DELIVERY_METHODS


@bp.app_context_processor
def _portal_frame():
    return {"portal_account": current_account}


def _visitor() -> Actor:
    return Actor(user=None, address=request.remote_addr or "")


def _safe_next(target):
    if target and target.startswith("/portal/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _uploads(name: str):
    return [(f.filename, f.stream) for f in request.files.getlist(name) if f and f.filename]


# --- public pages ------------------------------------------------------------------------

@bp.route("/")
@public
def index():
    return render_template("portal/index.html", news=notices.published(limit=5), kinds=notices.KINDS,
                           signed_in=current_account() is not None)


@bp.route("/notices")
@public
def notice_list():
    kind = request.args.get("kind")
    kind = kind if kind in notices.KINDS else None
    return render_template("portal/notices.html", items=notices.published(kind), kind=kind, kinds=notices.KINDS)


@bp.route("/notices/<int:notice_id>")
@public
def notice(notice_id):
    try:
        item = notices.published_one(notice_id)
    except NotFound:
        abort(404)
    return render_template("portal/notice.html", item=item, kinds=notices.KINDS)


@bp.route("/faq")
@public
def faq():
    """The knowledge base's published articles (core.knowledge) and the plugins'
    questions and answers (hook ``anqi_public_faq``), one search for both."""
    query = (request.args.get("q") or "")[:100]
    kind = request.args.get("kind") if request.args.get("kind") in knowledge.KINDS else None
    return render_template("portal/faq.html", articles=knowledge.published(query, kind), kinds=knowledge.KINDS,
                           kind=kind, entries=extensions.faq(query) if kind is None else [], query=query)


@bp.route("/knowledge/<int:article_id>")
@public
def knowledge_article(article_id):
    try:
        article = knowledge.published_one(article_id)
    except NotFound:
        abort(404)
    return render_template("portal/knowledge.html", article=article, kinds=knowledge.KINDS)


@bp.route("/verify")
@public
def verify():
    """The QR verification page, for a code typed by hand."""
    code = "".join(ch for ch in (request.args.get("code") or "").upper() if ch.isalnum())[:16]
    if code:
        return redirect(url_for("verify.check", code=code))
    return render_template("portal/verify.html")


# --- registration and signing in -----------------------------------------------------------

@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    errors, values = {}, {}
    if request.method == "POST":
        form = request.form
        values = {k: form.get(k, "") for k in ("credit_code", "enterprise_name", "unit_id", "name", "phone")}
        try:
            accounts.register(_visitor(), accounts.Registration(
                credit_code=form.get("credit_code", ""), enterprise_name=form.get("enterprise_name", ""),
                unit_id=id_arg("unit_id", form), name=form.get("name", ""), phone=form.get("phone", ""),
                password=form.get("password", ""), repeat=form.get("repeat", "")))
        except ValidationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.errors.items()} or {"": [str(exc.message)]}
        else:
            return render_template("portal/registered.html")
    return render_template("portal/register.html", errors=errors, values=values, units=accounts.serving_units()), \
        (400 if errors else 200)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_account() is not None:
        return redirect(url_for(".home"))
    error = None
    if request.method == "POST":
        actor = _visitor()
        try:
            account = accounts.authenticate(actor, request.form.get("phone", ""), request.form.get("password", ""))
        except (AccountLocked, ValidationError) as exc:
            error = str(exc.message)
        else:
            target = _safe_next(request.args.get("next"))
            if second_factor.is_enrolled(account):
                fresh_session()   # only who passed the password step, when and where next: no session yet
                session[PENDING_KEY] = {"account": account.id, "at": clock.now().isoformat(), "next": target}
                return redirect(url_for(".login_second_factor"))
            return _signed_in(actor, account, target)
    return render_template("portal/login.html", error=error), (400 if error else 200)


def _signed_in(actor, account, target):
    key = accounts.log_in(actor, account, request.user_agent.string)
    fresh_session()   # a new session: no staff login and nothing else carried over
    session[SESSION_KEY] = key
    return redirect(target or url_for(".home"))


def _pending_account():
    """The account that passed the password step in this browser within 5 minutes, and where next."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None, None
    try:
        started = datetime.fromisoformat(pending["at"])
        account = db.session.get(PortalAccount, int(pending["account"]))
    except (KeyError, TypeError, ValueError):
        return None, None
    if account is None or account.status != VERIFIED or clock.now() - started > PENDING_FOR:
        return None, None
    return account, _safe_next(pending.get("next"))


@bp.route("/login/second-factor", methods=["GET", "POST"])
@public
def login_second_factor():
    account, target = _pending_account()
    if account is None:
        session.pop(PENDING_KEY, None)
        flash(_("Please sign in again: the second step was not started or took too long."), "info")
        return redirect(url_for(".login"))
    error = None
    if request.method == "POST":
        actor = _visitor()
        try:
            second_factor.check(actor, account, request.form.get("code", ""), accounts.throttle_name(account.phone))
        except AccountLocked as exc:
            session.pop(PENDING_KEY, None)
            flash(str(exc.message), "error")
            return redirect(url_for(".login"))
        except ValidationError as exc:
            error = str(exc.message)
        else:
            return _signed_in(actor, account, target)
    return render_template("portal/login_code.html", error=error), (400 if error else 200)


@bp.route("/logout", methods=["POST"])
@portal_required
def logout():
    accounts.log_out(portal_actor())
    fresh_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for(".index"))


@bp.route("/password", methods=["GET", "POST"])
@portal_required
def password():
    errors = {}
    if request.method == "POST":
        try:
            accounts.change_password(portal_actor(), request.form.get("current", ""), request.form.get("new", ""),
                                     request.form.get("repeat", ""))
        except ValidationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.errors.items()} or {"": [str(exc.message)]}
        else:
            flash(_("Your password has been changed."), "success")
            return redirect(url_for(".home"))
    return render_template("portal/password.html", errors=errors), (400 if errors else 200)


@bp.route("/notice-settings", methods=["GET", "POST"])
@portal_required
def notice_settings():
    """Which of the enterprise's notices also come by SMS (core/notices), to this account's phone."""
    actor = portal_actor()
    account_id = actor.account.id
    if request.method == "POST":
        chosen = {kind: request.form.getlist(f"channels-{kind}") for kind in notice_catalogue.ENTERPRISE_KINDS}
        outside_notices.save_choices(account_id=account_id, chosen=chosen, actor=actor)
        flash(_("Your notice settings have been saved."), "success")
        return redirect(url_for(".notice_settings"), code=303)
    current = outside_notices.choices(account_id=account_id)
    return render_template("portal/notice_settings.html",
                           kinds=[(k, notice_catalogue.KINDS[k]) for k in notice_catalogue.ENTERPRISE_KINDS],
                           chosen={kind: choice.channels for kind, choice in current.items()})


@bp.route("/second-factor", methods=["GET", "POST"])
@portal_required
def second_factor_page():
    """The account's second factor: its state once set up (and the form that removes it);
    else the set-up, started by a POST to ``second_factor_start`` and confirmed here."""
    actor = portal_actor()
    account = actor.account
    if second_factor.is_enrolled(account):
        return render_template("portal/second_factor.html", enrolled=True,
                               codes_left=second_factor.recovery_codes_left(account), errors={})
    errors = {}
    if request.method == "POST":
        try:
            codes = second_factor.confirm(actor, request.form.get("code", ""))
        except ValidationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.errors.items()}
        else:
            # Rendered, not redirected: the codes must not travel in a flash message (a cookie).
            return render_template("portal/recovery_codes.html", codes=codes), 200, {"Cache-Control": "no-store"}
    secret = second_factor.pending_secret(account)
    qr = grouped = None
    if secret:
        grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
        qr = totp_qr(second_factor.provisioning_uri(account, secret), title=_("QR code for the authenticator app"))
    return render_template("portal/second_factor.html", enrolled=False, secret=grouped, qr=qr, errors=errors), \
        (400 if errors else 200), {"Cache-Control": "no-store"}


@bp.route("/second-factor/start", methods=["POST"])
@portal_required
def second_factor_start():
    try:
        second_factor.start(portal_actor())
    except ValidationError as exc:
        flash(str(exc.message), "error")
    return redirect(url_for(".second_factor_page"))


@bp.route("/second-factor/remove", methods=["POST"])
@portal_required
def second_factor_remove():
    try:
        second_factor.remove(portal_actor(), request.form.get("password", ""))
    except ValidationError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The second factor has been removed: signing in asks for the password only."), "success")
    return redirect(url_for(".second_factor_page"))


# --- the enterprise's pages -------------------------------------------------------------------

@bp.route("/home")
@portal_required
def home():
    actor = portal_actor()
    mine = demands.of_enterprise(actor, limit=5)
    inbox = documents.addressed_to(actor, limit=5)
    unconfirmed = [d for d in inbox if documents.electronic_receipt(d) is None]
    return render_template("portal/home.html", account=actor.account, enterprise=actor.enterprise, tickets=mine,
                           waiting=demands.waiting_for_enterprise(actor),
                           profile_decision=profile_changes.unseen_decision(actor),
                           letters=inbox, unconfirmed=unconfirmed, services=extensions.services_for(actor.enterprise),
                           statuses=STATUSES)


def _profile_form() -> dict:
    form = request.form
    names, titles, phones = (form.getlist(f"contact_{part}")[:profile_changes.MAX_CONTACTS + 1]
                             for part in ("name", "title", "phone"))
    values = {field: form.get(field, "") for field in profile_changes.FIELDS}
    values["contacts"] = [{"name": n, "title": t, "phone": p} for n, t, p in zip(names, titles, phones)]
    return values


@bp.route("/profile", methods=["GET", "POST"])
@portal_required
def profile():
    """Our profile (企业信息): the registry's facts of the enterprise, and the
    manager's proposal of changes, waiting for the desk or decided."""
    actor = portal_actor()
    enterprise = actor.enterprise
    errors = {}
    change = profile_changes.latest(actor)
    values = profile_changes.form_values(enterprise, change)
    if request.method == "POST":
        values = _profile_form()
        try:
            profile_changes.propose(actor, values)
        except ValidationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.errors.items()} or {"": [str(exc.message)]}
        except AnqiError as exc:
            abort(exc.status)
        else:
            flash(_("Your changes have been sent to the police, who will check them and update the registry."),
                  "success")
            return redirect(url_for(".profile"), code=303)
    blank_rows = 2 if len(values["contacts"]) < profile_changes.MAX_CONTACTS else 0
    return render_template("portal/profile.html", enterprise=enterprise, account=actor.account, change=change,
                           values=values, errors=errors, blank_rows=blank_rows, fields=profile_changes.FIELDS,
                           labels=profile_changes.LABELS, statuses=profile_changes.STATUS_LABELS), \
        (400 if errors else 200)


@bp.route("/profile/seen", methods=["POST"])
@portal_required
def profile_decision_seen():
    """The home page's news of a decided proposal has been read: it goes."""
    actor = portal_actor()
    profile_changes.mark_seen(actor, profile_changes.latest(actor))
    return redirect(url_for(".home"), code=303)


@bp.route("/users", methods=["GET", "POST"])
@portal_required
def users():
    actor = portal_actor()
    errors, values = {}, {}
    if request.method == "POST":
        form = request.form
        values = {"name": form.get("name", ""), "phone": form.get("phone", "")}
        try:
            accounts.add_colleague(actor, form.get("name", ""), form.get("phone", ""), form.get("password", ""),
                                   form.get("repeat", ""))
        except ValidationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.errors.items()} or {"": [str(exc.message)]}
        except AnqiError as exc:
            abort(exc.status)
        else:
            flash(_("The user has been added and can sign in now."), "success")
            return redirect(url_for(".users"))
    return render_template("portal/users.html", people=accounts.colleagues(actor), account=actor.account,
                           errors=errors, values=values, statuses=accounts.STATUS_LABELS), (400 if errors else 200)


@bp.route("/users/<int:account_id>/disable", methods=["POST"])
@portal_required
def user_disable(account_id):
    actor = portal_actor()
    try:
        accounts.disable_colleague(actor, account_id)
    except NotFound:
        db.session.rollback()
        portal_not_found("portal_account", account_id)
    except ValidationError as exc:
        flash(str(exc.message), "error")
    except AnqiError as exc:
        abort(exc.status)
    else:
        flash(_("The account has been disabled; its sessions have ended."), "success")
    return redirect(url_for(".users"))


# --- demands -------------------------------------------------------------------------------------

@bp.route("/demands")
@portal_required
def demand_list():
    return render_template("portal/demands.html", tickets=demands.of_enterprise(portal_actor()), statuses=STATUSES)


@bp.route("/demands/new", methods=["GET", "POST"])
@portal_required
def demand_new():
    actor = portal_actor()
    errors, values, held_files = {}, {}, []
    submission_key = secrets.token_urlsafe(24)
    if request.method == "POST":
        form = request.form
        values = {"category": form.get("category", ""), "description": form.get("description", "")}
        key = form.get("submission_key", "")
        # The files held from a failed submit and those sent now, checked with the fields in one pass.
        chosen = held.gather(actor, form.getlist(held.FORM_FIELD), _uploads("attachments"))
        try:
            if chosen.problems:
                raise ValidationError.of({**demands.check(actor, values["category"], values["description"]),
                                          "attachments": chosen.problems})
            ticket = demands.submit(actor, values["category"], values["description"], chosen.files,
                                    submission_key=key if SUBMISSION_KEY.match(key) else None)
        except ValidationError as exc:
            db.session.rollback()
            errors = {k: [str(m) for m in v] for k, v in exc.errors.items()} or {"": [str(exc.message)]}
            held_files = held.keep(actor, chosen)
            submission_key = key if SUBMISSION_KEY.match(key) else submission_key
        else:
            held.release(actor, chosen)
            flash(_("Your demand has been received as number %(number)s.", number=ticket.number), "success")
            return redirect(url_for(".demand", ticket_id=ticket.id))
    return render_template("portal/demand_new.html", categories=tickets.categories(actor), errors=errors,
                           values=values, submission_key=submission_key, held_files=held_files,
                           max_size=attachments.size_text(attachments.max_bytes())), (400 if errors else 200)


def _ticket(actor, ticket_id):
    try:
        return tickets.get(actor, ticket_id)
    except NotFound:
        portal_not_found("ticket", ticket_id)


def _render_demand(ticket, errors=None, status=200, held_files=(), values=None):
    actor = portal_actor()
    allowed = tickets.available_actions(actor, ticket)
    return render_template("portal/demand.html", ticket=ticket, events=demands.timeline(ticket),
                           files=list(ticket.attachments), allowed=allowed,
                           asking=tickets.awaiting_information(ticket) if "supply_info" in allowed else None,
                           category=tickets.category_label(ticket.category), statuses=STATUSES, results=RESULTS,
                           ratings=RATINGS, event_labels=EVENT_LABELS, text_kinds=demands.TEXT_KINDS,
                           visit=onsite.awaiting_confirmation(ticket) if "onsite_confirm" in allowed else None,
                           errors=errors or {}, held_files=held_files, values=values or {}), status


@bp.route("/demands/<int:ticket_id>")
@portal_required
def demand(ticket_id):
    return _render_demand(_ticket(portal_actor(), ticket_id))


def _act(ticket_id, perform, message, chosen=None, values=None):
    """Perform an action on the demand; on a refusal, the demand page with the
    entries (``values``) and the files that passed (``chosen``, held) kept."""
    actor = portal_actor()
    _ticket(actor, ticket_id)
    try:
        perform(actor)
    except NotFound:
        db.session.rollback()
        portal_not_found("ticket", ticket_id)
    except StaleDataError:
        # A change by the desk committed between reading the demand and saving: 409 and the demand
        # as it stands now.
        db.session.rollback()
        flash(_("Someone else changed this ticket at the same moment. Here is how it stands now; "
                "try again if it still needs doing."), "error")
        held_files = held.keep(actor, chosen) if chosen else []
        return _render_demand(_ticket(actor, ticket_id), status=409, held_files=held_files, values=values)
    except AnqiError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        errors = {k: [str(m) for m in v] for k, v in getattr(exc, "errors", {}).items()}
        held_files = held.keep(actor, chosen) if chosen else []
        return _render_demand(_ticket(actor, ticket_id), errors, status=exc.status, held_files=held_files,
                              values=values)
    if chosen:
        held.release(actor, chosen)
    flash(message, "success")
    return redirect(url_for(".demand", ticket_id=ticket_id))


@bp.route("/demands/<int:ticket_id>/rate", methods=["POST"])
@portal_required
def demand_rate(ticket_id):
    return _act(ticket_id, lambda actor: tickets.rate(actor, ticket_id, request.form.get("rating", ""),
                                                      request.form.get("comment", "")),
                _("Thank you: your rating has been recorded."))


@bp.route("/demands/<int:ticket_id>/complain", methods=["POST"])
@portal_required
def demand_complain(ticket_id):
    return _act(ticket_id, lambda actor: tickets.complain(actor, ticket_id, request.form.get("text", "")),
                _("Your complaint has been sent to the centre's leaders."))


@bp.route("/demands/<int:ticket_id>/information", methods=["POST"])
@portal_required
def demand_information(ticket_id):
    text = request.form.get("text", "")
    # The files held from a failed submit and those sent now, checked with the text in one pass.
    chosen = held.gather(portal_actor(), request.form.getlist(held.FORM_FIELD), _uploads("attachments"))

    def perform(actor):
        if chosen.problems:
            raise ValidationError.of({**tickets.check_supply_info(text), "attachments": chosen.problems})
        tickets.supply_info(actor, ticket_id, text, chosen.files)

    return _act(ticket_id, perform, _("Your information has been added to the demand."), chosen=chosen,
                values={"text": text})


@bp.route("/demands/<int:ticket_id>/onsite-confirm", methods=["POST"])
@portal_required
def demand_onsite_confirm(ticket_id):
    return _act(ticket_id, lambda actor: onsite.confirm(actor, ticket_id),
                _("Thank you: you have confirmed the result of the visit."))


@bp.route("/demands/<int:ticket_id>/attachments/<int:attachment_id>")
@portal_required
def demand_file(ticket_id, attachment_id):
    actor = portal_actor()
    try:
        attachment, path = attachments.get(actor, ticket_id, attachment_id)
    except NotFound:
        portal_not_found("ticket_attachment", attachment_id)
    audit.record(actor, "ticket.attachment_download", object_type="ticket_attachment", object_id=attachment.id,
                 detail={"ticket": ticket_id})
    db.session.commit()
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.original_name, max_age=0, conditional=False, etag=False)
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- letters -----------------------------------------------------------------------------------------

@bp.route("/letters")
@portal_required
def letters():
    actor = portal_actor()
    inbox = documents.addressed_to(actor)
    return render_template("portal/letters.html", letters=inbox,
                           confirmed={d.id for d in inbox if documents.electronic_receipt(d) is not None})


def _letter(actor, document_id):
    try:
        return documents.get(actor, document_id)
    except NotFound:
        portal_not_found("document", document_id)


@bp.route("/letters/<int:document_id>")
@portal_required
def letter(document_id):
    actor = portal_actor()
    document = _letter(actor, document_id)
    audit.record(actor, "document.view", document)
    db.session.commit()
    return render_template("portal/letter.html", document=document,
                           receipt=documents.electronic_receipt(document))


@bp.route("/letters/<int:document_id>/pdf")
@portal_required
def letter_pdf(document_id):
    actor = portal_actor()
    document = _letter(actor, document_id)
    try:
        content = documents.pdf(actor, document_id)
    except ValidationError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".letter", document_id=document_id))
    audit.record(actor, "document.download", document)
    db.session.commit()
    response = send_file(io.BytesIO(content), mimetype="application/pdf", as_attachment=False,
                         download_name=f"{document.number or document.id}.pdf", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/letters/<int:document_id>/confirm", methods=["POST"])
@portal_required
def letter_confirm(document_id):
    actor = portal_actor()
    _letter(actor, document_id)
    try:
        documents.confirm_receipt(actor, document_id)
    except NotFound:
        portal_not_found("document", document_id)
    except StaleDataError:
        db.session.rollback()
    flash(_("Thank you: the receipt of this letter has been recorded."), "success")
    return redirect(url_for(".letter", document_id=document_id))
