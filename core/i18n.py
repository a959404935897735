"""Languages: Simplified Chinese first, English second.

The reader's choice (the header's switch) is kept in the session and, for a
logged-in user, on the user; without a choice everyone reads Chinese.
"""
from flask import current_app, has_request_context, session
from flask_babel import get_locale
from flask_login import current_user

from core.extensions import babel

LANGUAGE_NAMES = {"zh_Hans_CN": "中文", "en": "English"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the shell, background jobs: no session, no user
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _languages():
        return {"language_names": LANGUAGE_NAMES, "html_lang": html_lang()}


def html_lang() -> str:
    """The value for <html lang>: zh-CN or en."""
    locale = get_locale()
    if locale is None or locale.language == "zh":
        return "zh-CN"
    return locale.language
