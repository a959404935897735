"""The ticket page's forms for the paused clock (core/tickets/pausing.py)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from core.tickets.pausing import DIRECT_REASONS, MAX_PAUSE_DAYS, REASONS


class PauseForm(FlaskForm):
    reason = SelectField(_l("Why the clock stops"), validate_choice=False)
    until = StringField(_l("Appointment day"), render_kw={"type": "date"},
                        description=_l("The clock runs again by itself at the end of this day (China time), "
                                       "at most %(n)d days ahead.", n=MAX_PAUSE_DAYS))
    note = TextAreaField(_l("Note"), render_kw={"rows": 2},
                         description=_l("What the enterprise chose, e.g. to come to the window on that day."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = [(code, REASONS[code]) for code in DIRECT_REASONS]


class ResumeForm(FlaskForm):
    note = TextAreaField(_l("What the enterprise answered or did"), render_kw={"rows": 3},
                         description=_l("Required when the clock waits for information: the answer is recorded "
                                        "as the enterprise's."))
