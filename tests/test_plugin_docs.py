"""Every name that docs/hooks.md and docs/plugins.md mention in code — the
toolkit's (``toolkit.audit.record``) and core's (``core.testing.login``) —
exists, and where the text shows a call, the call fits the signature: its
keywords are parameters and it passes no more positional arguments than the
function takes. A renamed function or argument fails here until the guide says it."""
import importlib
import inspect
import re
from pathlib import Path

import pytest

from core.plugins import toolkit

DOCS = Path(__file__).resolve().parent.parent / "docs"
NAME = re.compile(r"(?<![\w.])((?:toolkit|core)(?:\.\w+)+)(\(([^()]*)\))?")


def _mentions(document: str):
    for span in re.findall(r"`([^`\n]+)`|^    (.+)$", (DOCS / document).read_text(encoding="utf-8"), re.M):
        code = span[0] or span[1]
        for match in NAME.finditer(code):
            yield match.group(1), match.group(3)


def _resolve(dotted: str):
    parts = dotted.split(".")
    if parts[0] == "toolkit":
        found, rest = toolkit, parts[1:]
    else:
        for cut in range(len(parts), 0, -1):
            try:
                found = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            rest = parts[cut:]
            break
        else:
            raise AssertionError(f"no module for {dotted}")
    for part in rest:
        found = getattr(found, part)
    return found


def _fits(function, arguments: str) -> bool:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return True
    parameters = signature.parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        keywords = set()
    else:
        keywords = {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    given = [a.strip() for a in re.split(r",(?![^\[{]*[\]}])", arguments) if a.strip() and a.strip() != "…"]
    named = [a.split("=", 1)[0].strip() for a in given if re.match(r"^\w+\s*=", a)]
    unnamed = [a for a in given if not re.match(r"^\w+\s*=", a) and not a.startswith("*")]
    if keywords and any(n not in keywords for n in named):
        return False
    return any(p.kind is p.VAR_POSITIONAL for p in parameters) or len(unnamed) <= len(positional)


@pytest.mark.parametrize("document", ["hooks.md", "plugins.md"])
def test_every_name_the_guides_mention_exists_with_the_signature_shown(document):
    mentioned, wrong = 0, []
    for dotted, arguments in _mentions(document):
        try:
            found = _resolve(dotted)
        except (AttributeError, AssertionError) as missing:
            wrong.append(f"{dotted}: {missing}")
            continue
        mentioned += 1
        if arguments is not None and callable(found) and not _fits(found, arguments):
            wrong.append(f"{dotted}({arguments}) does not fit {inspect.signature(found)}")
    assert wrong == []
    assert mentioned > 20


def test_a_renamed_argument_is_caught():
    def record(actor, action, obj=None, *, detail=None):
        pass

    assert _fits(record, 'actor, "x.y", entry, detail={...}')
    assert not _fits(record, 'actor, "x.y", entry, details={...}')
    assert not _fits(record, "actor, action, obj, extra")
