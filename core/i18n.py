"""Languages: Simplified Chinese first, English second.

The reader's choice (the header's switch) is kept in the session and, for a
logged-in user, on the user; without a choice everyone reads Chinese.

Catalogues: core's and one per plugin. One English word may need different
Chinese in different places ("Registered" is a ticket's 已受理 and a
trademark's 已注册), so the catalogues are not merged into one: a plugin's
words come first only while that plugin speaks — its pages (the loader marks
the request) and its hook calls (the plugin manager marks each call) — and
core's come first everywhere else, so no plugin changes core's words.

Nor does core change a plugin's: a text the speaking plugin says itself (its
``messages.pot``, or what its sources say when it ships none) and its catalogue
does not translate stays as the plugin wrote it, instead of taking core's
translation of the same English ("Topic" is not core's 类别 on a plugin's page).
Texts of core's own templates and code on the plugin's pages keep core's words.
"""
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from babel import support
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import current_app, g, has_app_context, has_request_context, session
from flask_babel import Domain, get_locale
from flask_login import current_user

from core.extensions import babel

_speaking: ContextVar[str | None] = ContextVar("anqi_speaking_plugin", default=None)

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


@contextmanager
def plugin_speaking(name: str | None):
    """Translate with ``name``'s catalogue in front while the block runs."""
    token = _speaking.set(name)
    try:
        yield
    finally:
        _speaking.reset(token)


def speaking_plugin() -> str | None:
    name = _speaking.get()
    if name is None and has_request_context():
        name = g.get("anqi_plugin")
    return name


class Catalogues(Domain):
    """Flask-Babel's domain with the catalogue order of this module's docstring."""

    def get_translations(self):
        if not has_app_context():
            return support.NullTranslations()
        locale = get_locale()
        if locale is None:
            return support.NullTranslations()
        folders = current_app.extensions.get("anqi_catalogues") or {"core": "", "plugins": {}}
        speaking = speaking_plugin()
        if speaking not in folders["plugins"]:
            speaking = None
        cache = current_app.extensions.setdefault("anqi_translations", {})
        key = (str(locale), speaking)
        if key not in cache:
            order = [folder for name, folder in sorted(folders["plugins"].items()) if name != speaking]
            order.append(folders["core"])
            if speaking:
                order.append(folders["plugins"][speaking])
            translations = support.Translations()
            for folder in order:          # a later catalogue's entry wins
                if speaking and folder == folders["plugins"][speaking]:
                    translations.merge(_as_written(plugin_texts(Path(folder).parent)))
                catalog = support.Translations.load(folder, [locale], "messages")
                translations.merge(catalog)
                if hasattr(catalog, "plural"):
                    translations.plural = catalog.plural
            cache[key] = translations
        return cache[key]


_TEXTS: dict[str, frozenset] = {}


def plugin_texts(plugin_folder: Path) -> frozenset:
    """The texts a plugin says itself, as msgids (a plural as its pair): its
    ``translations/messages.pot`` when it ships one, else those Babel extracts
    from its Python files and templates, as ``make extract-messages`` would."""
    key = str(plugin_folder)
    if key not in _TEXTS:
        template = plugin_folder / "translations" / "messages.pot"
        if template.is_file():
            with template.open("rb") as f:
                ids = [m.id for m in read_po(f) if m.id]
        else:
            ids = [message for _file, _line, message, _comments, _context in extract_from_dir(
                str(plugin_folder), method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")])]
        _TEXTS[key] = frozenset(tuple(i) if isinstance(i, (list, tuple)) else i for i in ids)
    return _TEXTS[key]


def _as_written(texts) -> support.Translations:
    """A catalogue translating each of ``texts`` into itself."""
    catalog = support.Translations()
    for text in texts:
        if isinstance(text, tuple):
            for n, form in enumerate(text[:2]):
                catalog._catalog[(text[0], n)] = form
        else:
            catalog._catalog[text] = text
    return catalog


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale)
    babel.domain_instance = Catalogues()     # shared by every app: its cache lives in each app's extensions

    @app.context_processor
    def _languages():
        return {"language_names": LANGUAGE_NAMES, "html_lang": html_lang()}


def html_lang() -> str:
    """The value for <html lang>: zh-CN or en."""
    locale = get_locale()
    if locale is None or locale.language == "zh":
        return "zh-CN"
    return locale.language
