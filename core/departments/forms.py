"""The department register's form. It renders the fields and carries the CSRF
token and the version; the rules are the service's (core.departments.services)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField


class DepartmentForm(FlaskForm):
    name = StringField(_l("Name"), description=_l("As the department calls itself, e.g. 市场监督管理局."))
    contact_person = StringField(_l("Contact person"))
    office_phone = StringField(_l("Office phone"), render_kw={"inputmode": "tel"})
    address = StringField(_l("Address"))
    note = TextAreaField(_l("Note"), render_kw={"rows": 3},
                         description=_l("What it handles, office hours, how it wants matters sent."))
    version = HiddenField()


class ToggleForm(FlaskForm):
    """Deactivate or activate again: a button with its CSRF token."""
