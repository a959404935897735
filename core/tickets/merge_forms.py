"""The merge step's forms (诉求合并): the survivor chosen by its number, then confirmed."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField


class MergeForm(FlaskForm):
    """On the ticket page: the number of the ticket to merge into."""

    into = StringField(_l("Merge into ticket number"), render_kw={"placeholder": "2026-000123", "inputmode": "numeric"},
                       description=_l("An open ticket of the same enterprise; you confirm on the next page."))


class ConfirmMergeForm(FlaskForm):
    """On the confirmation page: the survivor as chosen, and an optional note."""

    into = HiddenField()
    note = TextAreaField(_l("Note (optional)"), render_kw={"rows": 2})
