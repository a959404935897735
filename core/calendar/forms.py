from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class ScheduleUploadForm(FlaskForm):
    file = FileField(_l("The State Council's schedule as CSV"),
                     validators=[FileRequired(_l("Choose the CSV file to import."))],
                     description=_l("One line per day: date,kind,name — for example 2027-02-06,holiday,春节 or "
                                    "2027-02-20,workday,春节 (kind: holiday or workday, also 休 or 班)."))
