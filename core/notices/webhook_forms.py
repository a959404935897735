"""The webhook endpoint's form. It renders the fields and carries the CSRF token
and the create form's one-time key; the rules are the service's
(core.notices.webhooks)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget

from core.notices.webhooks import WEBHOOK_EVENTS


class WebhookForm(FlaskForm):
    name = StringField(_l("Name"), description=_l("The system that receives the posts, e.g. 市大数据平台."))
    url = StringField(_l("Address"), render_kw={"inputmode": "url", "spellcheck": "false"}, description=_l(
        "The web address the events are posted to. Its host must be on the list of addresses anqi may send to "
        "(NOTICE_ALLOWED_HOSTS in the configuration)."))
    events = SelectMultipleField(_l("Events"), choices=list(WEBHOOK_EVENTS.items()), validate_choice=False,
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    hotline = BooleanField(_l("This is the 12345 platform"), description=_l(
        "Tickets referred by 12345 have their answer and their closing posted back here, in the 12345 return "
        "format. One endpoint at most has this mark."))
    new_secret = BooleanField(_l("Make a new secret"), description=_l(
        "The old secret stops working at once: give the new one to the receiving system."))
    submission_key = HiddenField()      # the create form's one-time key (core.submissions)

    def to_values(self) -> dict:
        return {"name": self.name.data or "", "url": self.url.data or "", "events": self.events.data or [],
                "hotline": bool(self.hotline.data), "new_secret": bool(self.new_secret.data)}


class ActionForm(FlaskForm):
    """A button (deactivate, activate, replay) with its CSRF token."""
