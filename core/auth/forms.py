from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[InputRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=200)])
    new = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=200)])
    repeat = PasswordField(_l("New password again"), validators=[InputRequired(), Length(max=200)])


class CodeForm(FlaskForm):
    code = StringField(_l("Verification code"), validators=[InputRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "spellcheck": "false"})
