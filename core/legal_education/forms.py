"""The legal-education session's form: fields, choices, the CSRF token and the
version; the rules are the service's (core.legal_education.services)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, SelectField, SelectMultipleField, StringField, \
    TextAreaField

from core.routing.forms import unit_choices
from core.tickets.attachments import HINT as attachments_hint


class SessionForm(FlaskForm):
    held_on = StringField(_l("Date"), render_kw={"type": "date"})
    place = StringField(_l("Place"), description=_l("e.g. “华达纺织有限公司三楼会议室”."))
    topic = StringField(_l("Topic"), description=_l("e.g. “防范电信网络诈骗”, “合同诈骗与企业合规”."))
    unit_id = SelectField(_l("Unit"), validate_choice=False)
    speaker_ids = SelectMultipleField(_l("Police speakers"), validate_choice=False, render_kw={"size": 6},
                                      description=_l("Hold Ctrl (or ⌘) to choose several."))
    enterprises = TextAreaField(_l("Enterprises that attended"), render_kw={"rows": 4},
                                description=_l("One a line: the name, its pinyin initials or the credit code."))
    audience = TextAreaField(_l("Audience"), render_kw={"rows": 2},
                             description=_l("Who came, in words, e.g. “园区企业财务人员”."))
    headcount = StringField(_l("Number of people"), render_kw={"inputmode": "numeric"})
    article_ids = SelectMultipleField(_l("Knowledge-base articles used"), validate_choice=False,
                                      render_kw={"size": 5})
    material = TextAreaField(_l("Material"), render_kw={"rows": 3},
                             description=_l("What was shown or handed out, in words."))
    files = MultipleFileField(_l("Material files"), description=attachments_hint)
    version = HiddenField()

    def set_choices(self, units, speakers, articles):
        self.unit_id.choices = unit_choices(units)
        self.speaker_ids.choices = [(str(u.id), f"{u.name} · {u.unit.name}" if u.unit else u.name)
                                    for u in speakers]
        self.article_ids.choices = [(str(a.id), a.title) for a in articles]
