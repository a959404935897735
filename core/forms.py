"""Helpers shared by the forms of every domain."""
from core.errors import ValidationError


def apply_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form's fields (or at its top)."""
    placed = False
    for field_name, messages in (exc.errors or {}).items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [str(m) for m in messages]
            placed = True
    if not placed:
        form.form_errors.append(str(exc.message))
