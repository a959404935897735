from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from core.routing.forms import unit_choices


class PhraseForm(FlaskForm):
    title = StringField(_l("Title"), description=_l("A few words to find it by, e.g. “路灯已报修”."))
    text = TextAreaField(_l("Phrase"), render_kw={"rows": 4},
                         description=_l("Inserted into the answer or the note, where it can still be changed."))
    category = SelectField(_l("Category"), validate_choice=False)
    unit_id = SelectField(_l("Unit"), validate_choice=False)

    def set_choices(self, categories: dict, units, phrase=None):
        self.category.choices = [("", _l("— every category —"))] + list(categories.items())
        if phrase is not None and phrase.category and phrase.category not in categories:
            self.category.choices.append((phrase.category, phrase.category))
        self.unit_id.choices = unit_choices(units)
