"""The ticket pages' forms. They render the fields and carry the CSRF token;
the rules (what is required, which values are allowed) are checked by the
services, whose messages are shown on the fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, SelectField, StringField, TextAreaField

from core.tickets.vocabulary import CHANNELS, CLASSES, MODES, RATINGS, RESULTS


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
    external_department = StringField(_l("Receiving department"),
                                      description=_l("Only for a transfer (转交办) to a department outside the police."))
    description = TextAreaField(_l("Description of the demand"), render_kw={"rows": 5})
    attachments = MultipleFileField(
        _l("Attachments"),
        description=_l("Photos (JPEG, PNG, WebP), audio (MP3, M4A, AAC, WAV, Ogg/Opus, AMR), video (MP4, WebM) "
                       "or PDF; several files may be chosen."))

    def set_choices(self, categories: dict):
        self.channel.choices = _choices(CHANNELS)
        self.category.choices = _choices(categories, blank=_l("— choose —"))
        self.ticket_class.choices = _choices(CLASSES)
        self.handling_mode.choices = _choices(MODES)


class DispatchForm(FlaskForm):
    unit_id = SelectField(_l("Handling unit"), validate_choice=False)
    officer_id = SelectField(_l("Officer (optional)"), validate_choice=False)
    note = TextAreaField(_l("Note"), render_kw={"rows": 2})

    def set_choices(self, units, officers):
        self.unit_id.choices = [("", _l("— choose —"))] + [(str(u.id), "　" * max(u.depth, 0) + u.name)
                                                           for u in units]
        self.officer_id.choices = [("", _l("— the unit decides —"))] + [
            (str(o.id), f"{o.name}（{o.unit.name}）") for o in officers]


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
    department = StringField(_l("Receiving department"))
    note = TextAreaField(_l("Note"), render_kw={"rows": 2})


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
    attachments = MultipleFileField(_l("Files"))

