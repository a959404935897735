"""The plugin toolkit is one documented surface: docs/hooks.md holds its
reference as the code would write it, so a changed signature fails here until
the document says it, and every public name has a docstring."""
import inspect

from core.plugins import reference, toolkit


def test_the_document_holds_the_reference_the_code_writes(app):
    with app.app_context():
        written = reference.text()
    assert reference.documented() == written, (
        "docs/hooks.md's toolkit reference differs from core.plugins.toolkit: "
        "run `.venv/bin/python -m core.plugins.reference --write` and review the change")


def test_every_public_name_says_what_it_is():
    undocumented = []
    for name in toolkit.__all__:
        obj = getattr(toolkit, name)
        members = ([getattr(obj, f) for f in toolkit.SERVICES[name]] if name in toolkit.SERVICES else [obj])
        for member in members:
            if (inspect.isfunction(member) or inspect.isclass(member)) and not reference._summary(member):
                if not (inspect.isclass(member) and member.__doc__ and "(" in member.__doc__.split("\n")[0]):
                    undocumented.append(getattr(member, "__qualname__", name))
    assert undocumented == []


def test_each_service_namespace_names_functions_that_exist():
    for namespace, names in toolkit.SERVICES.items():
        module = getattr(toolkit, namespace)
        assert all(callable(getattr(module, n, None)) for n in names), namespace
    assert set(toolkit.SERVICES) <= set(toolkit.__all__)
    assert all(hasattr(toolkit, n) for n in toolkit.__all__)


def test_a_signature_change_shows_in_the_reference(app, monkeypatch):
    def clean_text(value, limit: int = 5000, *, keep_newlines: bool = True) -> str:
        """Strip and normalise."""
    monkeypatch.setattr(toolkit, "clean_text", clean_text)
    with app.app_context():
        assert "keep_newlines" in reference.text()
        assert reference.text() != reference.documented()
