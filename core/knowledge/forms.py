"""The knowledge base's form: fields, choices, the CSRF token and the version;
the rules are the service's (core.knowledge.services)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from core.knowledge.services import KINDS
from core.routing.forms import unit_choices


class ArticleForm(FlaskForm):
    title = StringField(_l("Title"), description=_l("As enterprises would look for it, e.g. “企业变更登记办事指南”."))
    kind = SelectField(_l("Kind"), validate_choice=False)
    category = SelectField(_l("Demand category"), validate_choice=False)
    unit_id = SelectField(_l("Kept by"), validate_choice=False)
    body = TextAreaField(_l("Text"), render_kw={"rows": 14},
                         description=_l("Plain text: an empty line starts a new paragraph. Shown as written, "
                                        "without any formatting."))
    version = HiddenField()

    def set_choices(self, categories: dict, units, article=None):
        self.kind.choices = [("", _l("— choose —"))] + list(KINDS.items())
        self.category.choices = [("", _l("— every category —"))] + list(categories.items())
        if article is not None and article.category and article.category not in categories:
            self.category.choices.append((article.category, article.category))
        self.unit_id.choices = unit_choices(units)
