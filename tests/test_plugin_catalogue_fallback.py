"""A plugin's own texts never take core's translation of the same English: what
its catalogue does not translate stays as the plugin wrote it, whether it ships
a catalogue or none, while core's texts on its pages keep core's words."""
from flask_babel import force_locale, gettext

from core import i18n
from core.i18n import plugin_speaking


def _outside_plugin(app, tmp_path, monkeypatch, pot: str | None = None):
    """A plugin ``outside`` saying "Topic" in its code and "Audience" in a template."""
    folder = tmp_path / "outside"
    (folder / "templates" / "outside").mkdir(parents=True)
    (folder / "views.py").write_text('from flask_babel import gettext as _\n\nLABEL = _("Topic")\n', encoding="utf-8")
    (folder / "templates" / "outside" / "list.html").write_text('<th>{{ _("Audience") }}</th>\n', encoding="utf-8")
    if pot is not None:
        (folder / "translations").mkdir()
        (folder / "translations" / "messages.pot").write_text(pot, encoding="utf-8")
    monkeypatch.setitem(app.extensions["anqi_catalogues"]["plugins"], "outside", str(folder / "translations"))
    app.extensions.pop("anqi_translations", None)
    i18n._TEXTS.pop(str(folder), None)
    return folder


def said(app, text, plugin=None):
    with app.test_request_context(), force_locale("zh_Hans_CN"), plugin_speaking(plugin):
        return gettext(text)


def test_a_plugin_without_a_catalogue_keeps_its_own_english(app, tmp_path, monkeypatch):
    _outside_plugin(app, tmp_path, monkeypatch)
    assert said(app, "Topic") == "主题" and said(app, "Audience") == "宣讲对象"     # core's words on core's pages
    assert said(app, "Topic", "outside") == "Topic"                                  # its code
    assert said(app, "Audience", "outside") == "Audience"                            # its template
    assert said(app, "Log out", "outside") == said(app, "Log out")                    # core's layout on its pages
    assert said(app, "Log out") != "Log out"


def test_a_plugin_catalogue_lists_the_texts_it_owns(app, tmp_path, monkeypatch):
    _outside_plugin(app, tmp_path, monkeypatch, pot='msgid ""\nmsgstr ""\n\nmsgid "Topic"\nmsgstr ""\n')
    assert said(app, "Topic", "outside") == "Topic"
    assert said(app, "Audience", "outside") == "宣讲对象"     # not among the texts its catalogue names


def test_the_in_tree_plugins_still_speak_chinese(app):
    assert said(app, "Registered", "ip_protection") != said(app, "Registered")       # its own 已注册
    for plugin, folder in app.extensions["anqi_catalogues"]["plugins"].items():
        texts = sorted(t for t in i18n.plugin_texts(i18n.Path(folder).parent) if isinstance(t, str) and "%" not in t)
        assert texts and all(said(app, t, plugin) != t for t in texts), plugin
