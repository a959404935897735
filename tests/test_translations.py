"""The Chinese catalogues: complete, well-formed, and what the pages show.

Messages are extracted afresh from the source (as ``make extract-messages``
does), so a string added without its translation fails here, naming the
string. Core's catalogue covers core/, each plugin's its own folder.
"""
import os
import re
from collections import Counter
from pathlib import Path

import flask_babel
import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = "zh_Hans_CN"
KEYWORDS = ("_l", "lazy_gettext")  # besides babel's defaults (_, gettext, ngettext, …)

# Each catalogue: (name, source folder, its translations folder).
CATALOGUES = [("core", ROOT / "core", ROOT / "core" / "translations")] + [
    (f"plugins/{d.name}", d, d / "translations")
    for d in sorted((ROOT / "plugins").iterdir())
    if (d / "__manifest__.py").is_file()
]
IDS = [name for name, _source, _translations in CATALOGUES]

# A conversion specifier: %(name)s, %d, %%, …
SPEC = re.compile(r"%(?:\(([^)]*)\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[hlL]?([diouxXeEfFgGcrsa%])")


def _po_path(translations: Path) -> Path:
    return translations / LOCALE / "LC_MESSAGES" / "messages.po"


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f, locale=LOCALE)


def _extract(source: Path, out: Path):
    """Extract ``source``'s messages into the template ``out`` and read it back."""
    args = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "--sort-output"]
    for keyword in KEYWORDS:
        args += ["-k", keyword]
    CommandLineInterface().run(args + ["-o", str(out), str(source)])
    with out.open("rb") as f:
        return read_po(f)


def _relative(filename: str) -> str:
    path = Path(filename)
    return path.relative_to(ROOT).as_posix() if path.is_absolute() and path.is_relative_to(ROOT) else filename


def _texts(value) -> tuple:
    """A message's id or string as a tuple (plural messages have several)."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _specs(text: str) -> Counter:
    return Counter(m.group(0) for m in SPEC.finditer(text) if m.group(0) != "%%")


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """Compile every catalogue, so the pages below do not rely on leftovers
    (.mo files are build output and ignored by git). Each is written beside its
    place and moved there whole: the suite's other processes read these files
    meanwhile, and must never find one half-written."""
    for _name, _source, translations in CATALOGUES:
        po = _po_path(translations)
        if po.is_file():
            written = po.with_suffix(f".mo.{os.getpid()}")
            with written.open("wb") as f:
                write_mo(f, _read(po))
            os.replace(written, po.with_suffix(".mo"))


@pytest.mark.parametrize(("name", "source", "translations"), CATALOGUES, ids=IDS)
def test_every_message_has_a_chinese_translation(name, source, translations, tmp_path):
    template = _extract(source, tmp_path / "messages.pot")
    messages = [m for m in template if m.id]
    po = _po_path(translations)
    if not messages:
        return
    assert po.is_file(), f"{name} has {len(messages)} messages but no catalogue at {po.relative_to(ROOT)}"
    catalogue = _read(po)
    missing = []
    for message in messages:
        entry = catalogue.get(message.id, context=message.context)
        if entry is None or entry.fuzzy or not all(s.strip() for s in _texts(entry.string)):
            where = ", ".join(sorted({_relative(filename) for filename, _line in message.locations}))
            missing.append(f"  {_texts(message.id)[0]!r}  ({where})")
    assert not missing, (
        f"{len(missing)} message(s) of {name} lack a non-fuzzy Chinese translation in "
        f"{po.relative_to(ROOT)} (run `make extract-messages`, then translate):\n" + "\n".join(missing)
    )


@pytest.mark.parametrize(("name", "source", "translations"), CATALOGUES, ids=IDS)
def test_catalogue_header(name, source, translations):
    po = _po_path(translations)
    if not po.is_file():
        pytest.skip(f"{name} has no catalogue")
    catalogue = _read(po)
    # A fuzzy header makes `pybabel compile` skip the whole catalogue.
    assert not catalogue.fuzzy, f"{po.relative_to(ROOT)}: the header is marked fuzzy"
    headers = dict(catalogue.mime_headers)
    assert headers.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    assert headers.get("Language") == LOCALE
    assert "charset=utf-8" in headers.get("Content-Type", "").lower()


@pytest.mark.parametrize(("name", "source", "translations"), CATALOGUES, ids=IDS)
def test_translations_keep_the_placeholders(name, source, translations):
    po = _po_path(translations)
    if not po.is_file():
        pytest.skip(f"{name} has no catalogue")
    problems = []
    for message in _read(po):
        if not message.id:
            continue
        msgid = _texts(message.id)[0]
        expected = _specs(msgid)
        for string in _texts(message.string):
            if not string:
                continue
            if message.fuzzy:
                problems.append(f"  {msgid!r}: marked fuzzy")
            if _specs(string) != expected:
                problems.append(f"  {msgid!r}: {sorted(_specs(string).elements())} instead of "
                                f"{sorted(expected.elements())}")
                continue
            # Templates format every string (Jinja's new-style gettext), so a
            # stray % in a translation would break the page.
            values = {m.group(1): 1 for m in SPEC.finditer(msgid) if m.group(1)}
            try:
                msgid % values
            except (KeyError, TypeError, ValueError):
                continue  # not a format string in the source either
            try:
                string % values
            except (KeyError, TypeError, ValueError) as exc:
                problems.append(f"  {msgid!r}: translation is not a valid format string ({exc})")
    assert not problems, f"{po.relative_to(ROOT)}:\n" + "\n".join(problems)


def _get(client, path):
    # The ``app`` fixture keeps one application context pushed for the whole
    # test, so ``g`` (where Flask-Babel caches the request's locale) outlives
    # each test-client request; in production every request starts afresh.
    flask_babel.refresh()
    return client.get(path)


def test_login_page_is_chinese_by_default_and_english_on_request(client):
    response = _get(client, "/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "<title>登录 · 安企</title>" in html  # the template's _() strings
    assert "用户名" in html and "密码" in html  # the form's lazy labels
    assert "Log in" not in html

    response = client.post("/lang", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302
    html = _get(client, "/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "<title>Log in · anqi</title>" in html
    assert "User name" in html and "Password" in html
    assert "登录" not in html and "用户名" not in html

    client.post("/lang", data={"lang": "zh_Hans_CN", "next": "/login"})
    assert "登录" in _get(client, "/login").get_data(as_text=True)


def test_a_plugin_speaks_its_own_words_without_changing_cores(app, city):
    """"Registered" is a ticket's 已受理 on core's pages and a trademark's 已注册
    in the IP plugin; "Name" is 名称 in the registry and 姓名 on an exit-entry
    applicant. A plugin's catalogue comes first only on its own pages and in its
    own hook calls; plugin-only words translate everywhere."""
    from core.i18n import plugin_speaking
    from core.plugins import services as plugin_services
    from core.org.actor import shell_actor
    from tests.conftest import login
    from tests.helpers import fresh_client

    with app.test_request_context(), flask_babel.force_locale("zh_Hans_CN"):
        assert flask_babel.gettext("Registered") == "已受理"
        assert flask_babel.gettext("Name") == "名称"
        with plugin_speaking("ip_protection"):
            assert flask_babel.gettext("Registered") == "已注册"
        with plugin_speaking("exit_entry"):
            assert flask_babel.gettext("Name") == "姓名"
        assert flask_babel.gettext("Combined inspections") == "综合查一次"

    plugin_services.set_enabled(shell_actor(), "STA", "exit_entry", True)
    client = fresh_client(app)
    login(client, "desk_a")
    form = client.get("/p/exit_entry/applications/new").get_data(as_text=True)
    assert ">姓名</label>" in form                      # the plugin's page: its own word
    registry = client.get("/enterprises/").get_data(as_text=True)
    assert "名称" in registry and "姓名" not in registry   # core's page: core's word, the plugin loaded or not

    # Each hook implementation runs with its plugin speaking (the panels and widgets it renders).
    from core.i18n import speaking_plugin
    from core.plugins.manager import _speaking_as

    assert _speaking_as("exit_entry", speaking_plugin)() == "exit_entry" and speaking_plugin() is None
    manager = app.extensions["anqi_plugins"]
    impls = [impl for caller in manager.pm.hook.__dict__.values() if hasattr(caller, "get_hookimpls")
             for impl in caller.get_hookimpls()]
    assert impls and all(hasattr(impl.function, "__wrapped__") for impl in impls)
