"""The notices' pages: the administrator's templates (with a preview) and
delivery log, and each user's own mobile number, email and choices. Thin: the
rules are in core.notices.services."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import ValidationError
from core.extensions import db
from core.notices import events as catalogue
from core.notices import services
from core.notices.models import FAILED, STATUSES, NoticeMessage
from core.web import current_actor, permission_required, signed_in

bp = Blueprint("notices", __name__)

LOG_PAGE = 50


def _locale() -> str:
    locale = request.args.get("locale") or request.form.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]
    return locale if locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.route("/admin/notices/")
@permission_required("notice.manage")
def templates():
    locale = _locale()
    example = services.sample_values(locale)
    rows = []
    for spec in catalogue.EVENTS.values():
        for channel in catalogue.CHANNELS:
            subject, body, default = services.template(spec.key, channel, locale)
            text = services.fill(body, example)      # as it reads when sent, with example values
            rows.append({"event": spec, "channel": channel, "body": text, "default": default,
                         "length": services.sms_length(text) if channel == catalogue.SMS else None})
    return render_template("notices/templates.html", rows=rows, locale=locale,
                           configured=services.configured_channels(), sms_length=catalogue.SMS_LENGTH)


@bp.route("/admin/notices/<event>/<channel>", methods=["GET", "POST"])
@permission_required("notice.manage")
def edit_template(event, channel):
    if event not in catalogue.EVENTS or channel not in catalogue.CHANNELS:
        abort(404)
    actor = current_actor()
    locale = _locale()
    subject, body, default = services.template(event, channel, locale)
    errors = {}
    if request.method == "POST":
        subject, body = request.form.get("subject", ""), request.form.get("body", "")
        action = request.form.get("action")
        if action == "reset":
            services.reset_template(actor, event, channel, locale)
            flash(_("The default text is used again."), "success")
            return redirect(url_for(".edit_template", event=event, channel=channel, locale=locale), code=303)
        if action == "save":
            try:
                services.save_template(actor, event, channel, locale, subject, body)
            except ValidationError as exc:
                db.session.rollback()
                errors = exc.errors
            else:
                flash(_("The text has been saved; the next messages use it."), "success")
                return redirect(url_for(".edit_template", event=event, channel=channel, locale=locale), code=303)
        else:
            errors = services.check_template(event, channel, locale, subject, body)
    preview = services.preview(channel, locale, subject, body)
    return render_template("notices/template_form.html", spec=catalogue.EVENTS[event], channel=channel,
                           locale=locale, subject=subject, body=body, default=default, errors=errors,
                           preview=preview, sms_length=catalogue.SMS_LENGTH,
                           placeholders=catalogue.PLACEHOLDERS), 400 if errors else 200


@bp.route("/admin/notices/log")
@permission_required("notice.manage")
def log():
    status = request.args.get("status") or ""
    channel = request.args.get("channel") or ""
    before = request.args.get("before", type=int)
    stmt = select(NoticeMessage).order_by(NoticeMessage.id.desc()).limit(LOG_PAGE + 1)
    if status in STATUSES or status == services.DIGEST:
        stmt = stmt.where(NoticeMessage.status == status)
    if channel in catalogue.CHANNELS:
        stmt = stmt.where(NoticeMessage.channel == channel)
    if before:
        stmt = stmt.where(NoticeMessage.id < before)
    messages = list(db.session.scalars(stmt))
    more = len(messages) > LOG_PAGE
    messages = messages[:LOG_PAGE]
    failed = db.session.scalar(select(NoticeMessage.id).where(NoticeMessage.status == FAILED).limit(1)) is not None
    return render_template("notices/log.html", messages=messages, status=status, channel=channel,
                           next_before=messages[-1].id if more else None, any_failed=failed,
                           label=catalogue.label)


@bp.route("/account/notices", methods=["GET", "POST"])
@signed_in
def mine():
    from core.org.models import User

    actor = current_actor()
    user = db.session.get(User, actor.user_id)
    errors = {}
    phone, email = user.phone or "", user.email or ""
    current = services.choices(user_id=user.id)
    chosen = {kind: list(choice.channels) for kind, choice in current.items()}
    digest = {kind for kind, choice in current.items() if choice.digest}
    if request.method == "POST":
        phone, email = request.form.get("phone", ""), request.form.get("email", "")
        chosen = {kind: request.form.getlist(f"channels-{kind}") for kind in catalogue.STAFF_KINDS}
        digest = {kind for kind in catalogue.STAFF_KINDS if request.form.get(f"digest-{kind}")}
        try:
            services.save_own(actor, phone=phone, email=email, chosen=chosen, digest=digest)
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            flash(_("Your notice settings have been saved."), "success")
            return redirect(url_for(".mine"), code=303)
    return render_template("notices/mine.html", phone=phone, email=email, chosen=chosen, digest=digest,
                           errors=errors, kinds=[(k, catalogue.KINDS[k]) for k in catalogue.STAFF_KINDS],
                           channels=catalogue.CHANNEL_LABELS, configured=services.configured_channels(),
                           quiet=current_app.config["NOTICE_QUIET_HOURS"]), 400 if errors else 200
