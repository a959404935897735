"""docs/hooks.md documents every hook in core/plugins/spec.py, with its signature."""
import inspect
import re
from pathlib import Path

from core.plugins import spec

DOC = Path(__file__).resolve().parent.parent / "docs" / "hooks.md"


def hook_signatures() -> dict[str, str]:
    return {
        name: f"{name}({', '.join(inspect.signature(func).parameters)})"
        for name, func in vars(spec).items()
        if name.startswith("anqi_") and callable(func)
    }


def documented() -> dict[str, str]:
    headings = re.findall(r"^### `(anqi_\w+)\(([^)]*)\)`", DOC.read_text(encoding="utf-8"), re.M)
    return {name: f"{name}({args})" for name, args in headings}


def test_every_hook_is_documented_with_its_signature():
    missing = {name: sig for name, sig in hook_signatures().items() if documented().get(name) != sig}
    assert not missing, f"document these hooks in docs/hooks.md as '### `signature`': {missing}"


def test_docs_name_no_hook_that_does_not_exist():
    extra = set(documented()) - set(hook_signatures())
    assert not extra, f"docs/hooks.md documents hooks that core/plugins/spec.py lacks: {sorted(extra)}"


def test_every_hook_spec_has_a_docstring():
    assert all(getattr(spec, name).__doc__ for name in hook_signatures())
