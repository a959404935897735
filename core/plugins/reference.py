"""The toolkit's reference in docs/hooks.md, written from the code: every name
of ``core.plugins.toolkit.__all__`` (and each public function of its service
namespaces) with its signature and the first paragraph of its docstring.
tests/test_toolkit.py compares it with the document, so a changed signature
fails until the document is written again:

    .venv/bin/python -m core.plugins.reference --write
"""
import inspect
import re
import sys
from pathlib import Path

BEGIN = "<!-- toolkit reference: written by `python -m core.plugins.reference --write`; do not edit by hand -->"
END = "<!-- end of the toolkit reference -->"
DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "hooks.md"


def _summary(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    if inspect.isclass(obj) and doc.startswith(obj.__name__ + "("):
        return ""           # the dataclass's generated docstring repeats the signature
    return " ".join(doc.split("\n\n")[0].split())


def _signature(name: str, obj) -> str:
    try:
        signature = str(inspect.signature(obj))
    except (TypeError, ValueError):
        return name
    # Annotations read as written in the code, not as their modules' full paths.
    signature = re.sub(r"\b(?:[a-z_]+\.)+([A-Z]\w*)", r"\1", signature)
    signature = re.sub(r"(: |-> )'([\w |\[\],]+)'", r"\1\2", signature)     # a forward reference ("Actor")
    return name + signature


def _line(name: str, obj) -> str:
    if name == "db":
        return "- `db`: Flask-SQLAlchemy's extension: tables are `db.Model` classes, queries go through `db.session`."
    if inspect.isfunction(obj) or inspect.isclass(obj):
        summary = _summary(obj)
        return f"- `{_signature(name, obj)}`" + (f": {summary}" if summary else "")
    if isinstance(obj, dict):
        return f"- `{name}`: " + ", ".join(f"`{k}` → `{v}`" for k, v in obj.items())
    return f"- `{name}`: {_summary(obj) or type(obj).__name__}"


def text() -> str:
    from core.plugins import toolkit

    lines = [BEGIN, ""]
    namespaces = []
    for name in toolkit.__all__:
        if name in toolkit.SERVICES:
            namespaces.append(name)
            continue
        lines.append(_line(name, getattr(toolkit, name)))
    for namespace in namespaces:
        module = getattr(toolkit, namespace)
        lines += ["", f"`toolkit.{namespace}` (`{module.__name__}`):", ""]
        lines += [_line(f"{namespace}.{f}", getattr(module, f)) for f in toolkit.SERVICES[namespace]]
    lines += ["", END]
    return "\n".join(lines)


def documented() -> str | None:
    """The reference as docs/hooks.md holds it now (None when it holds none)."""
    content = DOCUMENT.read_text(encoding="utf-8")
    if BEGIN not in content or END not in content:
        return None
    return content[content.index(BEGIN):content.index(END) + len(END)]


def write() -> None:
    content = DOCUMENT.read_text(encoding="utf-8")
    current = documented()
    if current is None:
        raise SystemExit(f"{DOCUMENT} has no place for the reference: add the lines\n{BEGIN}\n{END}")
    DOCUMENT.write_text(content.replace(current, text()), encoding="utf-8")


if __name__ == "__main__":
    from core import create_app

    with create_app().app_context():
        if "--write" in sys.argv[1:]:
            write()
        else:
            print(text())
