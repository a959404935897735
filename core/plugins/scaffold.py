"""``anqi plugins scaffold NAME``: a new plugin as its own installable package,
made from the files in core/plugins/scaffold_template/ (``string.Template``
placeholders such as ``${name}``; ``__package__`` and ``__name__`` in a path
become the package and the plugin's name). The package holds a manifest, the
entry point, a table and its first migration, a service scoped by unit, a list
and a form page, an enterprise panel, a portal page, the security suite's
samples, a zh_Hans_CN catalogue (extracted, translated and compiled here) and
passing tests; docs/plugins.md walks through it."""
import keyword
import re
import string
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po
from flask_babel import lazy_gettext as _l

from core.errors import ValidationError

TEMPLATE = Path(__file__).with_name("scaffold_template")
NAME = re.compile(r"[a-z][a-z0-9_]{1,30}")
TITLE = re.compile(r"[^\"'\\{}%$<>\n\r\t]{1,40}")     # written as it is into code, templates, catalogues
LOCALE = "zh_Hans_CN"

# The Chinese of every text the scaffold's files say; ${...} as in the files.
TRANSLATIONS = {
    "${title_en}": "${title_zh}",
    "${title_en} entry": "${title_zh}记录",
    "See the ${title_en_lower} entries": "查看${title_zh}记录",
    "Record ${title_en_lower} entries": "登记${title_zh}记录",
    "Recorded a ${title_en_lower} entry": "登记${title_zh}记录",
    "What the police recorded for your enterprise.": "民警为本企业登记的记录。",
    "Choose an enterprise of your area.": "请选择本辖区的企业。",
    "Give the entry a title.": "请填写标题。",
    "The title is longer than %(limit)d characters.": "标题超过%(limit)d个字。",
    "The notes are longer than %(limit)d characters.": "备注超过%(limit)d个字。",
    "The entry was not recorded.": "记录未保存，请修改后重新提交。",
    "No such entry.": "没有这条记录。",
    "Title": "标题",
    "Notes": "备注",
    "The entry “%(title)s” was recorded.": "已登记记录“%(title)s”。",
    "Enterprise": "企业",
    "Enterprise:": "企业：",
    "Recorded": "登记时间",
    "Recorded:": "登记时间：",
    "No entries yet.": "还没有记录。",
    "New entry": "新建记录",
    "Record": "登记",
}


@dataclass(frozen=True)
class Names:
    """What the scaffold's placeholders stand for."""

    name: str            # the plugin's name: manifest, entry point, URL prefix, table prefix
    title_zh: str
    title_en: str

    @property
    def values(self) -> dict:
        return {"name": self.name, "package": f"anqi_{self.name}", "dist_name": self.name.replace("_", "-"),
                "title_zh": self.title_zh, "title_en": self.title_en,
                "title_en_lower": self.title_en[:1].lower() + self.title_en[1:]}


def check_name(name: str, taken_plugins, table_names) -> None:
    """A plugin name anqi can use: lower-case letters, digits and underscores,
    not a Python keyword, not a loaded plugin, no table of core's or another's
    starting with it."""
    if not NAME.fullmatch(name or "") or keyword.iskeyword(name):
        raise ValidationError(_l("A plugin's name is 2 to 31 lower-case letters, digits or underscores, starting "
                                 "with a letter (e.g. visit_log)."), field="name")
    if name in taken_plugins:
        raise ValidationError(_l("A plugin named %(name)s is already installed.", name=name), field="name")
    clashing = sorted(t for t in table_names if t == name or t.startswith(name + "_"))
    if clashing:
        raise ValidationError(_l("Tables named %(tables)s already start with %(name)s: choose another name.",
                                 tables=", ".join(clashing[:3]), name=name), field="name")


def write(names: Names, out: Path) -> Path:
    """Write the package into a new folder ``out/anqi-<name>`` and return it."""
    message = _l("A title is 1 to 40 characters, without quotes, backslashes, braces, angle brackets, "
                 "percent or dollar signs.")
    bad = {field: [message] for field, title in (("title_zh", names.title_zh), ("title_en", names.title_en))
           if not TITLE.fullmatch(title)}
    if bad:
        raise ValidationError(message, errors=bad)
    values = names.values
    target = out / f"anqi-{values['dist_name']}"
    if target.exists():
        raise ValidationError(_l("%(folder)s already exists: choose another --out.", folder=str(target)),
                              field="out")
    for source in sorted(TEMPLATE.rglob("*.tmpl")):
        relative = str(source.relative_to(TEMPLATE).with_suffix(""))
        relative = relative.replace("__package__", values["package"]).replace("__name__", names.name)
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(string.Template(source.read_text(encoding="utf-8")).substitute(values), encoding="utf-8")
    _catalogue(target / values["package"], values)
    return target


def _catalogue(package: Path, values: dict) -> None:
    """The package's messages.pot, its zh_Hans_CN catalogue with the scaffold's
    texts translated, and the compiled .mo that ships with it."""
    translations = {string.Template(k).substitute(values): string.Template(v).substitute(values)
                    for k, v in TRANSLATIONS.items()}
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    project = f"anqi-{values['dist_name']}"
    template, catalogue = Catalog(project=project, version="0.1.0"), Catalog(locale=LOCALE, project=project,
                                                                            version="0.1.0")
    for filename, lineno, message, comments, context in extract_from_dir(str(package), method_map, keywords=keywords):
        template.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
        catalogue.add(message, translations.get(message, ""), locations=[(filename, lineno)], context=context)
    folder = package / "translations"
    messages = folder / LOCALE / "LC_MESSAGES"
    messages.mkdir(parents=True, exist_ok=True)
    with open(folder / "messages.pot", "wb") as pot:
        write_po(pot, template, width=76, sort_output=True)
    with open(messages / "messages.po", "wb") as po:
        write_po(po, catalogue, width=76, sort_output=True)
    with open(messages / "messages.mo", "wb") as mo:
        write_mo(mo, catalogue)
