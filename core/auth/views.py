from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from core.auth import services
from core.auth.forms import LoginForm, PasswordForm
from core.errors import ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.web import current_actor, public, signed_in

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None, default: str) -> str:
    """Only local paths: an open redirect would help phishing."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return default


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
            lang = session.get("lang")
            session.clear()  # a fresh session at login; only the language choice carries over
            if lang:
                session["lang"] = lang
            login_user(user)
            return redirect(_safe_next(request.args.get("next"), url_for("dashboard.index")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    services.logout(current_actor())
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
            services.change_password(current_actor(), form.current.data, form.new.data, form.repeat.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/password.html", form=form)


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
