from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from core.routing.forms import unit_choices


class OfferForm(FlaskForm):
    name = StringField(_l("Service"), description=_l("What the enterprise orders, e.g. “上门指导企业内部安全防范”."))
    description = TextAreaField(_l("What it is"), render_kw={"rows": 4},
                                description=_l("The service's measures and working standard (服务保障事项、措施和工作标准)."))
    audience = StringField(_l("Who may order it"), description=_l("Empty: the enterprises verified on the portal."))
    unit_id = SelectField(_l("Providing unit"), validate_choice=False)
    category = SelectField(_l("Demand category of the order"), validate_choice=False)
    days = StringField(_l("Time to handle it (working days, 办理时限)"), render_kw={"inputmode": "numeric"})
    sort_order = StringField(_l("Place in the list"), render_kw={"inputmode": "numeric"},
                             description=_l("Smaller first; empty: 100."))
    active = BooleanField(_l("Offered on the portal"), default=True)

    def set_choices(self, categories: dict, units, offer=None):
        self.category.choices = [("", _l("— choose —"))] + list(categories.items())
        if offer is not None and offer.category not in categories:
            self.category.choices.append((offer.category, offer.category))
        self.unit_id.choices = unit_choices(units)


class RuleForm(FlaskForm):
    code = StringField(_l("Number"), description=_l("As numbered in the negative list, e.g. 3 or 3.1."))
    text = TextAreaField(_l("Conduct"), render_kw={"rows": 3},
                         description=_l("The conduct towards enterprises that is forbidden."))
    sort_order = StringField(_l("Place in the list"), render_kw={"inputmode": "numeric"},
                             description=_l("Smaller first; empty: 100."))
    active = BooleanField(_l("In force"), default=True)
