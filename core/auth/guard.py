"""The check before every request: is this browser's session still standing,
and may this user go anywhere yet?

It runs before every other request hook (plugins' checks read the current
user). A session that has ended or expired logs the browser out, and the page
asks for a new login. A logged-in user who must change their password, or whose
role needs a second factor they have not set up, reaches only that page and
logout until they have done it. The JSON API (bearer tokens, no cookies) is
left to its own check, and static files are not looked at.
"""
from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from core.auth import second_factor, sessions

SESSION_KEY = "anqi_session"   # the key of the user_session row, in the signed cookie
PENDING_KEY = "anqi_pending"   # between the password and the second factor: who, since when, where next
_ALWAYS = frozenset({"static", "auth.logout", "auth.language"})
_PASSWORD_PAGES = _ALWAYS | {"auth.password"}
_ENROL_PAGES = _ALWAYS | {"auth.enrol", "auth.enrol_start"}


def fresh_session() -> None:
    """Empty the Flask session, keeping only the language choice: at login a
    browser gets nothing it carried before (no session fixation)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def check_request():
    if request.blueprint == "api" or request.endpoint == "static":
        return None
    user_id = session.get("_user_id")
    key = session.get(SESSION_KEY)
    if user_id is None and key is None:
        return None
    reason = sessions.check(sessions.find(key), user_id) if user_id is not None else "unknown"
    if reason is not None:
        logout_user()
        fresh_session()
        if reason in (sessions.IDLE, sessions.ABSOLUTE):
            flash(_("Your session has ended (%(reason)s). Please log in again.",
                    reason=sessions.REASONS[reason]), "info")
        elif reason in sessions.REASONS and reason != sessions.LOGOUT:
            flash(_("Your session was ended (%(reason)s). Please log in again.",
                    reason=sessions.REASONS[reason]), "info")
        return None  # the page itself asks for a login, keeping where the user was going
    return _restricted()


def _restricted():
    if not current_user.is_authenticated or request.endpoint is None:
        return None
    if current_user.must_change_password:
        if request.endpoint not in _PASSWORD_PAGES:
            return redirect(url_for("auth.password"))
    elif request.endpoint not in _ENROL_PAGES and second_factor.required_for(current_user) \
            and not second_factor.is_enrolled(current_user):
        return redirect(url_for("auth.enrol"))
    return None
