from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from core.org.models import UNIT_KINDS, USER_KINDS
from core.org.roles import ROLES


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Length(max=32)])
    name = StringField(_l("Name"), validators=[Length(max=100)])
    kind = SelectField(_l("Kind"), choices=list(UNIT_KINDS.items()))
    parent_id = SelectField(_l("Parent unit"), coerce=int)
    doc_prefix = StringField(_l("Document prefix (机关代字)"), validators=[Length(max=20)],
                             description=_l("Used in document numbers, e.g. 诸公经."))
    # No length check here: the service's (core.org.services.save_unit) comes with the form's other errors.
    self_reference = StringField(_l("How its documents refer to it"), description=_l(
        "The words the text of the unit's documents uses for it, e.g. 我局, 本中心, 我所. "
        "Empty: the usual words for its kind."))
    active = BooleanField(_l("Active"), default=True)
    version = HiddenField()

    def set_choices(self, units, editing=None):
        self.parent_id.choices = [(0, _l("— none (top of the tree) —"))] + [
            (u.id, "　" * max(u.depth, 0) + u.name) for u in units
            if editing is None or not u.path.startswith(editing.path)]


class UserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[Length(max=64)])
    kind = SelectField(_l("Kind of account"), choices=list(USER_KINDS.items()), default="person", description=_l(
        "A system account is for another system's API tokens: no password, no role here; a leader of its unit "
        "grants its access."))
    name = StringField(_l("Full name"), validators=[Length(max=100)])
    unit_id = SelectField(_l("Unit"), coerce=int)
    roles = SelectMultipleField(_l("Roles"), choices=list(ROLES.items()),
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    password = PasswordField(_l("Password"), validators=[Length(max=200)], description=_l(
        "At least 8 characters of 3 kinds (a-z, A-Z, 0-9, other). Empty keeps it; a new one is changed at login."))
    active = BooleanField(_l("Active"), default=True)
    version = HiddenField()


class OrgImportForm(FlaskForm):
    """A file of units or users to check, or to import (core.org.importing)."""
    file = FileField(_l("CSV or Excel file"), validators=[FileRequired(_l("Choose a file to import."))])
