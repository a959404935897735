from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


# The file's lines are code, written as they are whatever the page's language.
SAMPLE_FORMAT = Markup('<code>date,kind,name</code>')
SAMPLE_HOLIDAY = Markup('<code>2027-02-06,holiday,春节</code>')
SAMPLE_WORKDAY = Markup('<code>2027-02-20,workday,春节</code>')
HOLIDAY_KIND, WORKDAY_KIND = Markup('<code>holiday</code>'), Markup('<code>workday</code>')


class ScheduleUploadForm(FlaskForm):
    file = FileField(_l("The State Council's schedule as CSV"),
                     validators=[FileRequired(_l("Choose the CSV file to import."))],
                     description=LazyString(lambda: Markup(gettext(
                         "One line per day: %(format)s — for example %(holiday)s or %(workday)s "
                         "(kind: %(holiday_kind)s or %(workday_kind)s, also 休 or 班).", format=SAMPLE_FORMAT,
                         holiday=SAMPLE_HOLIDAY, workday=SAMPLE_WORKDAY, holiday_kind=HOLIDAY_KIND,
                         workday_kind=WORKDAY_KIND))))
