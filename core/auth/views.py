from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from core import clock
from core.auth import second_factor as totp
from core.auth import services
from core.auth.forms import CodeForm, LoginForm, PasswordForm
from core.auth.guard import PENDING_KEY, SESSION_KEY, fresh_session
from core.auth.lockout import AccountLocked
from core.errors import ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.org.models import User
from core.web import current_actor, public, signed_in

bp = Blueprint("auth", __name__)

PENDING_FOR = timedelta(minutes=5)  # time to type the second factor after the password


def _safe_next(target: str | None, default: str | None) -> str | None:
    """Only local paths: an open redirect would help phishing."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return default


def _no_store(body, status=200):
    return body, status, {"Cache-Control": "no-store"}


def _complete_login(user, target: str | None):
    key = services.log_in(current_actor(), user, request.user_agent.string)
    fresh_session()  # a new session at login; only the language choice carries over
    session[SESSION_KEY] = key
    login_user(user)
    if totp.required_for(user) and not totp.is_enrolled(user):
        # The set-up starts with the login (a POST), so its page shows the QR code at once.
        totp.start_enrolment(current_actor())
        return redirect(url_for(".enrol"))
    return redirect(target or url_for("dashboard.index"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(current_actor(), form.username.data, form.password.data)
        except ValidationError as exc:
            form.password.errors.append(str(exc.message))
        else:
            target = _safe_next(request.args.get("next"), None)
            if services.needs_second_factor(user):
                fresh_session()
                session[PENDING_KEY] = {"user": user.id, "at": clock.now().isoformat(), "next": target}
                return redirect(url_for(".second_factor"))
            return _complete_login(user, target)
    from core.org.setup import has_users

    return render_template("auth/login.html", form=form, first_setup=not has_users())


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None, {}
    try:
        started = datetime.fromisoformat(pending["at"])
        user = db.session.get(User, int(pending["user"]))
    except (KeyError, TypeError, ValueError):
        return None, {}
    if user is None or clock.now() - started > PENDING_FOR:
        return None, {}
    return user, pending


@bp.route("/login/second-factor", methods=["GET", "POST"])
@public
def second_factor():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Please log in again: the second step was not started or took too long."), "info")
        return redirect(url_for(".login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            services.check_second_factor(current_actor(), user, form.code.data)
        except AccountLocked as exc:
            session.pop(PENDING_KEY, None)
            flash(str(exc.message), "error")
            return redirect(url_for(".login"))
        except ValidationError as exc:
            form.code.errors.append(str(exc.message))
        else:
            return _complete_login(user, _safe_next(pending.get("next"), None))
    return render_template("auth/second_factor.html", form=form)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    services.logout(current_actor(), session.get(SESSION_KEY))
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_actor(), form.current.data, form.new.data, form.repeat.data,
                                     session_key=session.get(SESSION_KEY))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/password.html", form=form)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@signed_in
def enrol():
    """The user's second factor: its state once set up; else the set-up, started
    by a POST to ``enrol_start`` (a GET changes nothing) and confirmed here."""
    if totp.is_enrolled(current_user):
        return render_template("auth/second_factor_status.html",
                               credential=totp.credential(current_user.id),
                               codes_left=totp.recovery_codes_left(current_user))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = totp.confirm_enrolment(current_actor(), form.code.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # Rendered, not redirected: the codes must not travel in a flash message (a cookie).
            return _no_store(render_template("auth/recovery_codes.html", codes=codes))
    pending = totp.credential(current_user.id)
    secret = qr = None
    if pending is not None:
        secret = " ".join(pending.secret[i:i + 4] for i in range(0, len(pending.secret), 4))
        qr = totp.qr_svg(totp.provisioning_uri(current_user, pending.secret),
                         title=_("QR code for the authenticator app"))
    return _no_store(render_template("auth/enrol.html", form=form, secret=secret, qr=qr,
                                     required=totp.required_for(current_user)))


@bp.route("/account/second-factor/start", methods=["POST"])
@signed_in
def enrol_start():
    try:
        totp.start_enrolment(current_actor())
    except ValidationError as exc:
        flash(str(exc.message), "error")
    return redirect(url_for(".enrol"))


@bp.route("/lang", methods=["POST"])
@public
def language():
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated and current_user.locale != lang:
            current_user.locale = lang
            db.session.commit()
    return redirect(_safe_next(request.form.get("next"), url_for("dashboard.index")))
