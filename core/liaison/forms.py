"""The forms of liaison visits and visit plans. They render the fields and carry
the CSRF token; the rules are the services' (core.liaison.visits, visit_plans)."""
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, MultipleFileField, SelectField, StringField, TextAreaField

from core.liaison import visit_plans
from core.tickets import attachments

PHOTO_HINT = _l("Allowed: %(allowed)s; several photos may be chosen.",
                allowed=LazyString(lambda: attachments.allowed_text(("photo",))))


def _blank(choices, blank=_l("— choose —")):
    return [("", blank)] + [(str(k), v) for k, v in choices]


class DemandFields:
    """The demand heard on a visit, to be registered as a ticket of channel “On a visit”."""

    def set_demand_choices(self, categories: dict):
        self.demand_category.choices = _blank(categories.items())


def _photos_field(label):
    return MultipleFileField(label, description=PHOTO_HINT,
                             render_kw={"accept": LazyString(lambda: attachments.accept(("photo",)))})


class VisitFields:
    """What a visit's record says, on the recording form and on the correcting one."""
    officer_id = SelectField(_l("Visited by"), validate_choice=False)
    visited_on = StringField(_l("Day of the visit"), render_kw={"type": "date"})
    heard = TextAreaField(_l("What the enterprise said (纳谏)"), render_kw={"rows": 5})
    done = TextAreaField(_l("What was done, and the follow-up"), render_kw={"rows": 3})

    def set_officers(self, officers):
        self.officer_id.choices = [(str(o.id), f"{o.name}（{o.unit.name}）") for o in officers]


class VisitForm(FlaskForm, VisitFields, DemandFields):
    enterprise_id = HiddenField()
    submission_key = HiddenField()
    photos = _photos_field(_l("Photos"))
    with_demand = BooleanField(_l("Register a demand heard on this visit as a ticket"))
    demand_category = SelectField(_l("Category"), validate_choice=False)
    demand_description = TextAreaField(_l("The demand"), render_kw={"rows": 4},
                                       description=_l("Empty: what the enterprise said."))
    demand_contact_name = StringField(_l("Contact person"))
    demand_contact_phone = StringField(_l("Contact phone"), render_kw={"inputmode": "tel"})

    def set_choices(self, officers, categories: dict):
        self.set_officers(officers)
        self.set_demand_choices(categories)


class VisitEditForm(FlaskForm, VisitFields):
    """A visit's record corrected: the enterprise stays, photos sent are added."""
    version = HiddenField()
    photos = _photos_field(_l("Photos to add"))


class DemandForm(FlaskForm, DemandFields):
    submission_key = HiddenField()
    demand_category = SelectField(_l("Category"), validate_choice=False)
    demand_description = TextAreaField(_l("The demand"), render_kw={"rows": 4})
    demand_contact_name = StringField(_l("Contact person"))
    demand_contact_phone = StringField(_l("Contact phone"), render_kw={"inputmode": "tel"})


class PlanForm(FlaskForm):
    interval = SelectField(_l("How often"), validate_choice=False)
    enterprise_id = SelectField(_l("Which enterprises"), validate_choice=False)

    def set_choices(self, enterprises):
        self.interval.choices = [(k, v) for k, v in visit_plans.INTERVALS.items()]
        self.enterprise_id.choices = [("", _l("Every key enterprise I am liaison officer for"))] + [
            (str(e.id), e.name) for e in enterprises]
