"""The meeting pages' forms. They render the fields and carry the CSRF token; the rules
are the service's (core.meetings.services)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FileField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField

from core.tickets import attachments


class MeetingForm(FlaskForm):
    kind = SelectField(_l("Kind of meeting"), validate_choice=False)
    title = StringField(_l("Title"), description=_l("e.g. 服务企业周警企座谈会"))
    starts_at = StringField(_l("Date and time"), render_kw={"type": "datetime-local"})
    place = StringField(_l("Place"))
    unit_id = SelectField(_l("Organising unit"), validate_choice=False)
    department_ids = SelectMultipleField(_l("Departments taking part"), validate_choice=False,
                                         description=_l("From the register of outside departments."))
    organisations = TextAreaField(_l("Other organisations taking part"), render_kw={"rows": 3},
                                  description=_l("One name a line: the federation of industry and commerce "
                                                 "(工商联), chambers of commerce (商会), trade associations."))
    officer_ids = SelectMultipleField(_l("Police participants"), validate_choice=False)
    minutes = TextAreaField(_l("Minutes"), render_kw={"rows": 8},
                            description=_l("What was discussed and agreed. The enterprises taking part and the "
                                           "demands raised are added on the meeting's page."))
    minutes_file = FileField(_l("Minutes file (optional)"), description=attachments.HINT)
    submission_key = HiddenField()
    version = HiddenField()

    def set_choices(self, kinds: dict, units, departments, officers):
        self.kind.choices = list(kinds.items())
        self.unit_id.choices = [(str(u.id), u.name) for u in units]
        self.department_ids.choices = [(str(d.id), d.name) for d in departments]
        self.officer_ids.choices = [(str(u.id), f"{u.name}（{u.unit.name}）") for u in officers]


class DemandForm(FlaskForm):
    enterprise_id = SelectField(_l("Enterprise"), validate_choice=False)
    contact_name = StringField(_l("Contact person"))
    category = SelectField(_l("Category"), validate_choice=False)
    ticket_class = SelectField(_l("Class"), validate_choice=False)
    handling_mode = SelectField(_l("Handling mode"), validate_choice=False)
    description = TextAreaField(_l("The demand raised"), render_kw={"rows": 3})
    submission_key = HiddenField()


class ButtonForm(FlaskForm):
    """A button with its CSRF token (add or remove an enterprise)."""

    enterprise_id = HiddenField()
