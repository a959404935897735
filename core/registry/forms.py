from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class ContactForm(Form):
    name = StringField(_l("Full name"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    title = StringField(_l("Position"), validators=[Optional(), Length(max=100)])


class EnterpriseForm(FlaskForm):
    name = StringField(_l("Enterprise name"), validators=[Length(max=200)])
    credit_code = StringField(_l("Unified social credit code"), validators=[Length(max=40)])
    legal_representative = StringField(_l("Legal representative"), validators=[Length(max=100)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    district = StringField(_l("District"), validators=[Length(max=50)])
    industry = StringField(_l("Industry"), validators=[Length(max=50)])
    unit_id = SelectField(_l("Responsible unit"), coerce=int)
    liaison_officer_id = SelectField(_l("Liaison officer"), coerce=int)
    above_scale = BooleanField(_l("Above designated size (规上)"))
    is_key = BooleanField(_l("Key enterprise"))
    tags = StringField(_l("Tags"), validators=[Length(max=500)],
                       description=_l("Separate tags with commas."))
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)])
    contacts = FieldList(FormField(ContactForm), min_entries=3, max_entries=20)
    version = HiddenField()
    submission_key = HiddenField()      # the create form's one-time key (core.submissions)

    def set_choices(self, units, officers):
        self.unit_id.choices = [(u.id, "　" * max(u.depth, 0) + u.name) for u in units]
        self.liaison_officer_id.choices = [(0, _l("— none —"))] + [
            (o.id, f"{o.name}（{o.unit.name}）") for o in officers]

    def to_data(self) -> dict:
        return {
            "name": self.name.data, "credit_code": self.credit_code.data,
            "legal_representative": self.legal_representative.data, "address": self.address.data,
            "district": self.district.data, "industry": self.industry.data,
            "unit_id": self.unit_id.data, "liaison_officer_id": self.liaison_officer_id.data or None,
            "above_scale": self.above_scale.data, "is_key": self.is_key.data,
            "tags": self.tags.data or "", "notes": self.notes.data,
            "contacts": [c.data for c in self.contacts],
        }


class ImportUploadForm(FlaskForm):
    file = FileField(_l("CSV or Excel file"), validators=[FileRequired(_l("Choose a file to import."))])


class ImportConfirmForm(FlaskForm):
    only_valid = BooleanField(_l("Import only the good rows and leave the rejected ones out"))
