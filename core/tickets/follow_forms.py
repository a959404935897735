"""The forms of 转盯办 (the follower) and 现场办 (the on-site result and its
signature). They render the fields and carry the CSRF token; the rules are the
services' (core.tickets.follow, core.tickets.onsite)."""
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FileField, SelectField, StringField, TextAreaField

from core.tickets import attachments, onsite
from core.tickets.forms import follower_choices
from core.tickets.vocabulary import RESULTS


class FollowerForm(FlaskForm):
    follower_id = SelectField(_l("Follower (盯办人)"), validate_choice=False)
    note = TextAreaField(_l("Note"), render_kw={"rows": 2})

    def set_choices(self, candidates, selected=None):
        self.follower_id.choices = follower_choices(candidates, _l("— no follower —"))
        if selected is not None and not self.follower_id.data:
            self.follower_id.data = str(selected)


SIGNATURE_HINT = _l("The enterprise's representative who signed the visit record. With a name, the result counts "
                    "as confirmed by signature.")
SCAN_HINT = _l("Allowed: %(allowed)s; optional.",
               allowed=LazyString(lambda: attachments.allowed_text(onsite.SCAN_KINDS)))
SCAN_ACCEPT = {"accept": attachments.accept(onsite.SCAN_KINDS)}


class OnsiteResultForm(FlaskForm):
    visited_on = StringField(_l("Day of the visit"), render_kw={"type": "date"})
    place = StringField(_l("Place of the visit"))
    done = TextAreaField(_l("What was done on site"), render_kw={"rows": 4})
    result = SelectField(_l("Result"), validate_choice=False)
    signer_name = StringField(_l("Signed by (optional)"), description=SIGNATURE_HINT)
    signed_record = FileField(_l("Scan of the signed visit record"), description=SCAN_HINT,
                              render_kw=SCAN_ACCEPT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.result.choices = [("", _l("— choose —"))] + list(RESULTS.items())


class SignatureForm(FlaskForm):
    signer_name = StringField(_l("Signed by"), description=_l("The enterprise's representative who signed the "
                                                               "visit record."))
    signed_record = FileField(_l("Scan of the signed visit record"), description=SCAN_HINT,
                              render_kw=SCAN_ACCEPT)
