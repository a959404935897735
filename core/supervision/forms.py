"""The registers' forms on the ticket page. They render the fields and carry the
CSRF token; the rules are the services'."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField


def _leader_choices(leaders):
    return [("", _l("— choose —"))] + [(str(u.id), f"{u.name}（{u.unit.name}）") for u in leaders]


class ListingForm(FlaskForm):
    due_on = StringField(_l("Register deadline"), render_kw={"type": "date"},
                         description=_l("By the end of this day, China time."))
    responsible_id = SelectField(_l("Responsible leader"), validate_choice=False)
    note = TextAreaField(_l("Supervision instruction (督办要求)"), render_kw={"rows": 3})

    def set_choices(self, leaders):
        self.responsible_id.choices = _leader_choices(leaders)


class ProgressForm(FlaskForm):
    text = TextAreaField(_l("This week's progress"), render_kw={"rows": 3})


class TakeOffForm(FlaskForm):
    note = TextAreaField(_l("Why it is taken off"), render_kw={"rows": 2})


class TakeUpForm(FlaskForm):
    responsible_id = SelectField(_l("Responsible leader"), validate_choice=False)
    note = TextAreaField(_l("Note"), render_kw={"rows": 3}, description=_l("What the leader will do about it."))

    def set_choices(self, leaders):
        self.responsible_id.choices = _leader_choices(leaders)
