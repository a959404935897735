"""The consultation's forms (专家会诊) on the ticket page."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField

from core.tickets.consultations import MAX_WORKING_DAYS


class InviteForm(FlaskForm):
    unit_ids = SelectMultipleField(_l("Units asked for their opinion"), validate_choice=False,
                                   render_kw={"size": 8},
                                   description=_l("Hold Ctrl (or ⌘) to choose several."))
    question = TextAreaField(_l("Question to the units"), render_kw={"rows": 3})
    working_days = StringField(_l("Opinions due within (working days)"), render_kw={"inputmode": "numeric"},
                               description=_l("1 to %(n)d working days.", n=MAX_WORKING_DAYS))

    def set_choices(self, units):
        self.unit_ids.choices = [(str(u.id), "　" * max(u.depth, 0) + u.name) for u in units]


class OpinionForm(FlaskForm):
    opinion = TextAreaField(_l("Your unit's opinion"), render_kw={"rows": 4})
