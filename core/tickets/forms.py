"""The ticket pages' forms. They render the fields and carry the CSRF token;
the rules (what is required, which values are allowed) are checked by the
services, whose messages are shown on the fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, SelectField, StringField, TextAreaField

from core.routing.forms import OfficerField, unit_choices
from core.tickets.attachments import HINT as attachments_hint
from core.tickets.vocabulary import CLASSES, INTAKE_CHANNELS, MODES, RATINGS, RESULTS


def _choices(mapping, blank=None):
    items = [(key, label) for key, label in mapping.items()]
    return ([("", blank)] + items) if blank else items


class IntakeForm(FlaskForm):
    enterprise_id = HiddenField()
    submission_key = HiddenField()
    contact_name = StringField(_l("Contact person"))
    contact_phone = StringField(_l("Contact phone"), render_kw={"inputmode": "tel"})
    channel = SelectField(_l("Channel"), validate_choice=False)
    category = SelectField(_l("Category"), validate_choice=False)
    ticket_class = SelectField(_l("Class"), validate_choice=False)
    handling_mode = SelectField(_l("Handling mode"), validate_choice=False)
    department_id = SelectField(_l("Receiving department"), validate_choice=False,
                                description=_l("Only for a transfer (转交办): a department of the register of "
                                               "outside departments."))
    description = TextAreaField(_l("Description of the demand"), render_kw={"rows": 5})
    # 立即办: the desk's answer, given at intake; 提级办: why the parent unit must take it up.
    answer = TextAreaField(_l("Answer given at the desk"), render_kw={"rows": 3},
                           description=_l("Only for 立即办: the ticket is answered and closed at once, "
                                          "then awaits the enterprise's rating."))
    result = SelectField(_l("Result of the answer"), validate_choice=False)
    escalation_reason = TextAreaField(_l("Reason for escalation"), render_kw={"rows": 2},
                                      description=_l("Only for 提级办: the parent unit's leaders dispatch it."))
    attachments = MultipleFileField(_l("Attachments"), description=attachments_hint)

    def set_choices(self, categories: dict, departments=()):
        self.department_id.choices = _department_choices(departments)
        self.channel.choices = _choices(INTAKE_CHANNELS)
        self.category.choices = _choices(categories, blank=_l("— choose —"))
        self.ticket_class.choices = _choices(CLASSES)
        self.handling_mode.choices = _choices(MODES)
        self.result.choices = _choices(RESULTS, blank=_l("— choose —"))


def _department_choices(departments):
    return [("", _l("— choose —"))] + [(str(d.id), d.name) for d in departments]


def follower_choices(candidates, blank):
    """转盯办: the officers and leaders who may follow a ticket, with their unit."""
    return [("", blank)] + [(str(u.id), f"{u.name}（{u.unit.name}）") for u in candidates]


class DispatchForm(FlaskForm):
    unit_id = SelectField(_l("Handling unit"), validate_choice=False)
    officer_id = OfficerField(_l("Officer (optional)"))
    due_on = StringField(_l("Deadline set at dispatch (限期)"), render_kw={"type": "date"},
                         description=_l("Optional, required for 限期办: the end of a working day, China time, "
                                        "from the next working day to the class's own deadline (60 working "
                                        "days for a complex ticket)."))
    follower_id = SelectField(_l("Follower (盯办人)"), validate_choice=False,
                              description=_l("Follows the ticket to its end and is warned before the deadline: "
                                             "the enterprise's liaison officer by default, or a leader. "
                                             "Needed for 转盯办."))
    note = TextAreaField(_l("Note"), render_kw={"rows": 2})
    suggestion = None   # core.routing.services.Suggestion, shown above the fields

    def set_followers(self, candidates, selected=None):
        self.follower_id.choices = follower_choices(candidates, _l("— no follower —"))
        if selected is not None and not self.follower_id.data:
            self.follower_id.data = str(selected)

    def set_choices(self, units, officers_by_unit: dict):
        """``units`` as their tree; ``officers_by_unit``: unit id → its officers (core.routing)."""
        self.unit_id.choices = unit_choices(units, blank=_l("— choose —"))
        self.officer_id.set_groups(units, officers_by_unit, self.unit_id)

    def preselect(self, suggestion) -> None:
        """Choose the suggested unit and officer (a fresh form only)."""
        self.suggestion = suggestion
        if suggestion is not None and suggestion.unit_id:
            self.unit_id.data = str(suggestion.unit_id)
            self.officer_id.data = str(suggestion.officer_id or "")


class SignForm(FlaskForm):
    pass


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 3})


class AnswerForm(FlaskForm):
    reply = TextAreaField(_l("Reply to the enterprise"), render_kw={"rows": 4})
    result = SelectField(_l("Result"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.result.choices = _choices(RESULTS, blank=_l("— choose —"))


class TransferForm(FlaskForm):
    department_id = SelectField(_l("Receiving department"), validate_choice=False)
    note = TextAreaField(_l("Note"), render_kw={"rows": 2})

    def set_choices(self, departments):
        self.department_id.choices = _department_choices(departments)


class TransferReplyForm(AnswerForm):
    pass


class CloseForm(FlaskForm):
    note = TextAreaField(_l("Note"), render_kw={"rows": 2})


class RateForm(FlaskForm):
    rating = SelectField(_l("Rating"), validate_choice=False)
    comment = TextAreaField(_l("Comment"), render_kw={"rows": 2})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rating.choices = _choices(RATINGS, blank=_l("— choose —"))


class SuperviseForm(FlaskForm):
    due_at = StringField(_l("Supervision deadline"), render_kw={"type": "date"},
                         description=_l("By the end of this day, China time."))
    instruction = TextAreaField(_l("Instruction"), render_kw={"rows": 3})


class ExtensionForm(FlaskForm):
    days = StringField(_l("Working days"), render_kw={"inputmode": "numeric"})
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 3})


class DecideExtensionForm(FlaskForm):
    extension_id = HiddenField()
    note = TextAreaField(_l("Note"), render_kw={"rows": 2})


class TextForm(FlaskForm):
    text = TextAreaField(_l("Text"), render_kw={"rows": 3})


class AttachForm(FlaskForm):
    attachments = MultipleFileField(_l("Files"), description=attachments_hint)



class BulkForm(FlaskForm):
    """The ticket list's bulk actions: the ticked rows come as ``ticket`` values,
    the action as the button pressed; ``unit_id`` for "dispatch all to one unit"."""
    unit_id = SelectField(_l("Unit"), choices=[], validate_choice=False)
    return_to = HiddenField()

    def set_choices(self, units):
        self.unit_id.choices = unit_choices(units, blank=_l("— choose —"))
