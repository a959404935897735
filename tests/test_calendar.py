"""The working-day calendar: 2026's holidays and working weekends, deadlines
counted across them, provisional years, importing and confirming the official
schedule, the admin pages and the ``anqi calendar`` commands."""
from datetime import date, datetime

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from core import clock
from core.audit.models import AuditEntry
from core.calendar import services as calendar
from core.calendar.models import CalendarDay, CalendarYear
from core.errors import Forbidden, ValidationError
from core.extensions import db
from core.registry import services as registry
from core.tickets import deadlines
from core.tickets import services as tickets
from core.tickets.models import Ticket
from tests.conftest import actor_for, csrf_token, login
from tests.helpers import code, count, csv_bytes, en
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


def utc(y, m, d, hh=0, mm=0, ss=0) -> datetime:
    """A Beijing wall-clock time as the naive UTC the database stores."""
    return datetime(y, m, d, hh, mm, ss).replace(tzinfo=deadlines.LOCAL).astimezone(deadlines.UTC).replace(
        tzinfo=None)


def end_of(y, m, d) -> datetime:
    return utc(y, m, d, 23, 59, 59)


# A 2027 schedule for the tests (the real one is not published yet): the Spring
# Festival from Friday 5 to Saturday 13 February, Sunday 31 January and
# Saturday 20 February worked in its place.
SCHEDULE_2027 = [("date", "kind", "name"), ("2027-01-01", "holiday", "元旦"),
                 ("2027-01-31", "班", "春节")] + [
    (f"2027-02-{day:02d}", "休", "春节") for day in range(5, 14)] + [("2027-02-20", "workday", "春节")]


@pytest.fixture
def enterprise(city):
    return registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})


def register(enterprise, ticket_class="general", at=None):
    if at is not None:
        clock.freeze(at)
    return tickets.register(actor_for("desk"), tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class=ticket_class,
        handling_mode="follow", description="厂区门口有人堵路，影响出货。"))


# --- the days of 2026 ---------------------------------------------------------------

def test_2026_is_official_with_its_holidays_and_working_weekends(app):
    year = calendar.ensure_year(2026)
    assert not year.provisional and year.source == calendar.SOURCE_PACKAGE
    day = lambda m, d: db.session.get(CalendarDay, date(2026, m, d))  # noqa: E731
    # Spring Festival: 15–23 February off; Saturdays 14 and 28 February worked for it.
    assert (day(2, 14).workday, day(2, 14).name) == (True, "春节")
    assert (day(2, 15).workday, day(2, 15).name) == (False, "春节")
    assert (day(2, 23).workday, day(2, 23).name) == (False, "春节")
    assert (day(2, 28).workday, day(2, 28).name) == (True, "春节")
    # National Day: 1–7 October off; Sunday 20 September and Saturday 10 October worked.
    assert (day(9, 20).workday, day(9, 20).name) == (True, "国庆节")
    assert all(not day(10, d).workday and day(10, d).name == "国庆节" for d in range(1, 8))
    assert (day(10, 10).workday, day(10, 10).name) == (True, "国庆节")
    assert (day(9, 25).workday, day(9, 25).name) == (False, "中秋节")
    # A plain weekend has no name; a plain weekday is worked.
    assert (day(3, 7).workday, day(3, 7).name) == (False, "")
    assert (day(3, 9).workday, day(3, 9).name) == (True, "")


def test_the_years_special_days_are_its_holidays_and_working_weekends(app):
    special = {d.day: (d.workday, d.name) for d in calendar.special_days(2026)}
    assert special[date(2026, 2, 14)] == (True, "春节")
    assert special[date(2026, 2, 21)] == (False, "春节")  # a holiday on a Saturday is listed too
    assert special[date(2026, 10, 10)] == (True, "国庆节")
    assert date(2026, 3, 7) not in special and date(2026, 3, 9) not in special


def test_a_year_unknown_to_the_package_is_provisional_with_weekends_and_fixed_holidays(app):
    year = calendar.ensure_year(2027)
    assert year.provisional and year.source == calendar.SOURCE_PROVISIONAL
    assert not calendar.is_workday(date(2027, 1, 1))      # New Year, a Friday
    assert not calendar.is_workday(date(2027, 5, 1)) and not calendar.is_workday(date(2027, 10, 1))
    assert calendar.is_workday(date(2027, 2, 8))          # the Spring Festival is not known yet
    assert not calendar.is_workday(date(2027, 1, 2))      # a Saturday


def test_loading_a_year_is_safe_when_another_process_loaded_it_first(app):
    calendar.ensure_year(2027)
    db.session.commit()
    db.session.expunge_all()
    # A second loader that did not see the first one's rows (as on PostgreSQL,
    # where both start before either commits) ends up with the existing year.
    original_get = db.session.get
    calls = []

    def get(model, key, **kwargs):
        if model is CalendarYear and not calls:
            calls.append(key)
            return None
        return original_get(model, key, **kwargs)

    db.session.get = get
    try:
        year = calendar.ensure_year(2027)
    finally:
        del db.session.get
    assert year.year == 2027 and calls == [2027]
    assert db.session.scalar(select(func.count()).select_from(CalendarYear)) == 1
    assert db.session.scalar(select(func.count()).where(CalendarDay.day.between(
        date(2027, 1, 1), date(2027, 12, 31)))) == 365


# --- deadlines across 2026's holidays -----------------------------------------------------------

def test_a_general_ticket_registered_before_the_spring_festival(app, enterprise):
    # Friday 13 February 2026: Saturday 14 is worked (1), 15–23 are off, then
    # Tuesday 24 (2) … Friday 27 (5).
    ticket = register(enterprise, at=utc(2026, 2, 13, 10))
    assert ticket.due_at == end_of(2026, 2, 27) and not ticket.deadline_provisional
    # Late in the evening in Beijing is still Friday, whatever the UTC date.
    assert register(enterprise, at=utc(2026, 2, 13, 23, 30)).due_at == end_of(2026, 2, 27)
    # Registered on the working Saturday: 24, 25, 26, 27 and Saturday 28 (worked).
    assert register(enterprise, at=utc(2026, 2, 14, 9)).due_at == end_of(2026, 2, 28)


def test_sign_for_is_due_by_the_end_of_the_next_working_day(app):
    assert deadlines.sign_deadline(utc(2026, 2, 13, 16)).at == end_of(2026, 2, 14)   # the working Saturday
    assert deadlines.sign_deadline(utc(2026, 2, 14, 16)).at == end_of(2026, 2, 24)   # across the holiday
    assert deadlines.sign_deadline(utc(2026, 9, 18, 16)).at == end_of(2026, 9, 20)   # a working Sunday
    assert deadlines.sign_deadline(utc(2026, 9, 30, 16)).at == end_of(2026, 10, 8)   # across National Day


def test_a_general_ticket_around_national_day(app, enterprise):
    # Wednesday 30 September: 8, 9, Saturday 10 (worked), 12, 13 October.
    assert register(enterprise, at=utc(2026, 9, 30, 9)).due_at == end_of(2026, 10, 13)
    # Friday 18 September: Sunday 20 (worked), 21, 22, 23, 24.
    assert register(enterprise, at=utc(2026, 9, 18, 9)).due_at == end_of(2026, 9, 24)
    # Thursday 24 September: the Mid-autumn Festival (25–27) and National Day in between.
    assert register(enterprise, at=utc(2026, 9, 24, 9)).due_at == end_of(2026, 10, 9)


def test_an_instant_ticket_has_twelve_calendar_hours(app, enterprise):
    ticket = register(enterprise, "instant", at=utc(2026, 2, 13, 18))
    assert ticket.due_at == utc(2026, 2, 14, 6) and not ticket.deadline_provisional
    assert register(enterprise, "instant", at=utc(2026, 10, 1, 9)).due_at == utc(2026, 10, 1, 21)


def test_a_complex_ticket_reports_progress_every_five_working_days(app, enterprise):
    ticket = register(enterprise, "complex", at=utc(2026, 9, 30, 9))
    assert ticket.due_at is None and ticket.progress_due_at == end_of(2026, 10, 13)
    assert deadlines.progress_deadline(utc(2026, 2, 13, 10)).at == end_of(2026, 2, 27)


# --- provisional years, import, confirm, recomputation -----------------------------------------------

def test_a_deadline_crossing_into_2027_says_it_is_provisional(app, enterprise):
    # Monday 28 December 2026: 29, 30, 31, then 2027 — New Year's Day off,
    # the weekend, Monday 4 and Tuesday 5 January — counted on a provisional year.
    ticket = register(enterprise, at=utc(2026, 12, 28, 9))
    assert ticket.due_at == end_of(2027, 1, 5) and ticket.deadline_provisional
    # A count that stays within 2026 is not provisional, even at the end of the year.
    assert not register(enterprise, at=utc(2026, 12, 21, 9)).deadline_provisional


def test_importing_2027_makes_it_official_and_recomputes_open_tickets(app, city, enterprise):
    desk = actor_for("desk")
    ticket = register(enterprise, at=utc(2027, 2, 4, 9))         # Thursday, the day before the holiday
    assert ticket.due_at == end_of(2027, 2, 11) and ticket.deadline_provisional
    tickets.dispatch(desk, ticket.id, city.station_a.id)
    assert db.session.get(Ticket, ticket.id).sign_due_at == end_of(2027, 2, 5)
    closed = register(enterprise, at=utc(2027, 2, 4, 9))
    tickets.dispatch(desk, closed.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), closed.id)
    tickets.answer(actor_for("officer_a"), closed.id, "已处理。", "resolved")
    tickets.close(desk, closed.id)
    closed_due = db.session.get(Ticket, closed.id).due_at

    loaded = calendar.import_schedule(actor_for("admin"), csv_bytes(SCHEDULE_2027))

    assert loaded == [2027]
    year = db.session.get(CalendarYear, 2027)
    assert not year.provisional and year.source == calendar.SOURCE_IMPORT
    assert year.changed_by_id == city.users["admin"].id
    assert not calendar.is_workday(date(2027, 2, 8)) and calendar.is_workday(date(2027, 2, 20))
    assert db.session.get(CalendarDay, date(2027, 1, 31)).name == "春节"
    assert not calendar.is_workday(date(2027, 10, 1))  # a fixed-date holiday the file did not list
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    # 15, 16, 17, 18, 19 February; the sign-for deadline moves past the holiday too.
    assert ticket.due_at == end_of(2027, 2, 19) and not ticket.deadline_provisional
    assert ticket.sign_due_at == end_of(2027, 2, 15)
    assert db.session.get(Ticket, closed.id).due_at == closed_due   # closed tickets keep theirs
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.import")).one()
    assert entry.result == "ok" and entry.object_id == "2027" and entry.username == "admin"


def test_importing_again_replaces_the_years_days(app, city):
    admin = actor_for("admin")
    calendar.import_schedule(admin, csv_bytes(SCHEDULE_2027))
    calendar.import_schedule(admin, csv_bytes([("2027-02-08", "holiday", "春节")]))
    assert not calendar.is_workday(date(2027, 2, 8))
    assert calendar.is_workday(date(2027, 2, 9)) and not calendar.is_workday(date(2027, 2, 20))
    assert db.session.get(CalendarDay, date(2027, 1, 31)).name == ""


def test_confirming_a_provisional_year(app, city, enterprise):
    ticket = register(enterprise, at=utc(2026, 12, 28, 9))
    assert ticket.deadline_provisional
    year = calendar.confirm_year(actor_for("admin"), 2027)
    assert not year.provisional and year.source == calendar.SOURCE_CONFIRMED
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.due_at == end_of(2027, 1, 5) and not ticket.deadline_provisional
    assert count(AuditEntry, AuditEntry.action == "calendar.confirm", AuditEntry.result == "ok") == 1


def test_confirming_an_official_year_is_refused_and_audited(app, city):
    with pytest.raises(ValidationError) as refused:
        calendar.confirm_year(actor_for("admin"), 2026)
    assert "2026" in en(refused.value.message)
    assert count(AuditEntry, AuditEntry.action == "calendar.confirm", AuditEntry.result == "rejected") == 1
    with pytest.raises(ValidationError):
        calendar.confirm_year(actor_for("admin"), 1999)


def test_a_malformed_csv_changes_nothing_and_is_audited(app, city, enterprise):
    ticket = register(enterprise, at=utc(2026, 12, 28, 9))
    days_before = count(CalendarDay)
    rows = SCHEDULE_2027[:3] + [("2027-02-30", "holiday", "春节")] + SCHEDULE_2027[3:]
    with pytest.raises(ValidationError) as rejected:
        calendar.import_schedule(actor_for("admin"), csv_bytes(rows))
    messages = [en(m) for m in rejected.value.errors["file"]]
    assert messages == ["Line 4: “2027-02-30” is not a date written as YYYY-MM-DD."]
    assert count(CalendarDay) == days_before
    assert db.session.get(CalendarYear, 2027).provisional
    assert db.session.get(Ticket, ticket.id).deadline_provisional
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.import")).one()
    assert entry.result == "rejected" and entry.detail["errors"] == 1


@pytest.mark.parametrize(("row", "message"), [
    (("2027/02/05", "holiday", ""), "Line 2: “2027/02/05” is not a date written as YYYY-MM-DD."),
    (("2027-02-05", "vacation", ""), "Line 2: the kind must be holiday or workday (休 or 班)."),
    (("2027-01-01", "holiday", ""), "Line 2: 2027-01-01 is already listed on line 1."),
    (("1999-01-01", "holiday", ""), "Line 2: the year must be between 2000 and 2100."),
])
def test_each_wrong_line_is_named(app, city, row, message):
    with pytest.raises(ValidationError) as rejected:
        calendar.import_schedule(actor_for("admin"), csv_bytes([("2027-01-01", "holiday", "元旦"), row]))
    assert [en(m) for m in rejected.value.errors["file"]] == [message]
    assert db.session.get(CalendarYear, 2027) is None


def test_an_empty_file_is_refused(app, city):
    with pytest.raises(ValidationError) as rejected:
        calendar.import_schedule(actor_for("admin"), b"date,kind,name\n")
    assert en(rejected.value.message) == "The file holds no dates."


def test_only_the_administrator_changes_the_calendar(app, city):
    with pytest.raises(Forbidden):
        calendar.import_schedule(actor_for("desk"), csv_bytes(SCHEDULE_2027))
    with pytest.raises(Forbidden):
        calendar.confirm_year(actor_for("leader"), 2027)
    with pytest.raises(Forbidden):
        calendar.set_day(actor_for("desk"), date(2026, 3, 4), False)
    assert count(AuditEntry, AuditEntry.action.startswith("calendar."), AuditEntry.result == "denied") == 3
    assert db.session.get(CalendarYear, 2027) is None


def test_changing_one_day_recomputes_open_deadlines(app, city, enterprise):
    ticket = register(enterprise, at=utc(2026, 3, 2, 9))   # Monday: due Monday 9 March
    assert ticket.due_at == end_of(2026, 3, 9)
    calendar.set_day(actor_for("admin"), "2026-03-04", False, "临时停工")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).due_at == end_of(2026, 3, 10)
    assert db.session.get(CalendarDay, date(2026, 3, 4)).name == "临时停工"
    calendar.set_day(actor_for("admin"), date(2026, 3, 7), True, "")  # and a Saturday worked
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).due_at == end_of(2026, 3, 9)
    assert count(AuditEntry, AuditEntry.action == "calendar.day", AuditEntry.result == "ok") == 2


def test_a_wrong_day_is_refused_and_audited(app, city):
    with pytest.raises(ValidationError) as refused:
        calendar.set_day(actor_for("admin"), "2026-02-30", False)
    assert en(refused.value.message) == "“2026-02-30” is not a date written as YYYY-MM-DD."
    assert count(AuditEntry, AuditEntry.action == "calendar.day", AuditEntry.result == "rejected") == 1


# --- the admin pages -------------------------------------------------------------------------------

def test_the_admin_sees_the_years_and_a_years_days(client, city):
    calendar.ensure_year(2026)
    db.session.commit()
    login(client, "admin")
    page = client.get("/admin/calendar")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-year="2026"' in html and gettext("Official") in html
    assert 'href="/admin/calendar"' in html  # the menu entry
    page = client.get("/admin/calendar/2026")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-day="2026-02-14"' in html and 'data-day="2026-10-10"' in html and "春节" in html
    assert 'data-day="2026-03-07"' not in html
    assert 'data-testid="confirm-year"' not in html
    page = client.get("/admin/calendar/2028")  # not loaded: shown as it would be, nothing written
    assert page.status_code == 200 and 'data-testid="confirm-year"' in page.get_data(as_text=True)
    assert count(CalendarYear, CalendarYear.year == 2028) == 0
    assert client.get("/admin/calendar/1800").status_code == 404


def test_the_calendar_pages_are_for_the_administrator_only(client, city):
    login(client, "desk")
    assert client.get("/admin/calendar").status_code == 403
    assert client.post("/admin/calendar/2027/confirm").status_code == 403
    assert count(CalendarYear, CalendarYear.year == 2027) == 0


def test_uploading_the_schedule(client, city):
    login(client, "admin")
    response = client.post("/admin/calendar/import", data={"file": (_file(SCHEDULE_2027), "2027.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/admin/calendar/2027"
    db.session.rollback()
    assert not db.session.get(CalendarYear, 2027).provisional
    assert 'data-day="2027-02-08"' in response.get_data(as_text=True)


def test_uploading_a_malformed_schedule_shows_the_line(client, city):
    login(client, "admin")
    rows = SCHEDULE_2027 + [("2027-13-01", "holiday", "")]
    response = client.post("/admin/calendar/import", data={"file": (_file(rows), "2027.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "2027-13-01" in html and "flash-error" in html
    assert count(CalendarYear, CalendarYear.year == 2027) == 0
    assert count(AuditEntry, AuditEntry.action == "calendar.import", AuditEntry.result == "rejected") == 1


def test_confirming_and_toggling_from_the_page(client, city):
    login(client, "admin")
    client.get("/admin/calendar/2027")
    response = client.post("/admin/calendar/2027/confirm", follow_redirects=True)
    assert response.status_code == 200 and response.request.path == "/admin/calendar/2027"
    db.session.rollback()
    assert not db.session.get(CalendarYear, 2027).provisional
    response = client.post("/admin/calendar/day", data={"year": "2026", "day": "2026-02-14", "workday": "0",
                                                        "name": "春节"}, follow_redirects=True)
    assert response.request.path == "/admin/calendar/2026"
    db.session.rollback()
    assert not calendar.is_workday(date(2026, 2, 14))
    response = client.post("/admin/calendar/day", data={"year": "2026", "day": "14/02/2026", "workday": "1"},
                           follow_redirects=True)
    assert "flash-error" in response.get_data(as_text=True)
    assert count(AuditEntry, AuditEntry.action == "calendar.day", AuditEntry.result == "rejected") == 1


def test_the_forms_need_the_csrf_token(make_app, city):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        login(client, "admin")
        assert client.post("/admin/calendar/2027/confirm").status_code == 400
        page = client.get("/admin/calendar/2027")
        response = client.post("/admin/calendar/2027/confirm", data={"csrf_token": csrf_token(page.data)})
        assert response.status_code == 302
        db.session.rollback()
        assert not db.session.get(CalendarYear, 2027).provisional


def _file(rows):
    import io

    return io.BytesIO(csv_bytes(rows))


# --- the commands --------------------------------------------------------------------------------------

def test_anqi_calendar_import_and_show(app, city, tmp_path):
    runner = app.test_cli_runner()
    good = tmp_path / "2027.csv"
    good.write_bytes(csv_bytes(SCHEDULE_2027))
    result = runner.invoke(args=["calendar", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "2027" in result.output
    assert not db.session.get(CalendarYear, 2027).provisional
    result = runner.invoke(args=["calendar", "show", "2027"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert gettext("official") in lines[0]
    assert any(line.startswith("2027-02-08") and "春节" in line for line in lines)
    assert any(line.startswith("2027-02-20") and gettext("working weekend") in line for line in lines)
    assert not any(line.startswith("2027-02-27") for line in lines)


def test_anqi_calendar_import_names_the_malformed_line(app, city, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(SCHEDULE_2027[:5] + [("2027-2-9", "休", "春节")]))
    result = app.test_cli_runner().invoke(args=["calendar", "import", str(bad)])
    assert result.exit_code != 0
    assert "6" in result.output and "2027-2-9" in result.output
    assert db.session.get(CalendarYear, 2027) is None


def test_anqi_calendar_confirm(app, city):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["calendar", "confirm", "2027"])
    assert result.exit_code == 0, result.output
    assert not db.session.get(CalendarYear, 2027).provisional
    assert runner.invoke(args=["calendar", "confirm", "2027"]).exit_code == 1  # already official
    assert runner.invoke(args=["calendar", "confirm", "twenty"]).exit_code == 2


def test_anqi_calendar_due(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["calendar", "due", "general", "2026-02-13 10:00"])
    assert result.exit_code == 0, result.output
    assert "2026-02-27 23:59:59" in result.output      # the deadline
    assert "2026-02-14 23:59:59" in result.output      # signing for a dispatch at that moment
    assert gettext("provisional") not in result.output.replace(gettext("Provisional: no"), "")
    result = runner.invoke(args=["calendar", "due", "instant", "2026-02-13 10:00"])
    assert "2026-02-13 22:00:00" in result.output
    result = runner.invoke(args=["calendar", "due", "complex", "2026-09-30 09:00"])
    assert "2026-10-13 23:59:59" in result.output and "2026-10-08 23:59:59" in result.output
    result = runner.invoke(args=["calendar", "due", "general", "2026-12-28 09:00"])
    assert result.exit_code == 0
    assert "2027-01-05 23:59:59" in result.output and gettext("provisional") in result.output


@pytest.mark.parametrize("args", [["urgent", "2026-02-13 10:00"], ["general", "2026-02-30 10:00"],
                                  ["general", "13/02/2026"], ["general", "2026-02-13 25:00"]])
def test_anqi_calendar_due_refuses_wrong_input(app, args):
    result = app.test_cli_runner().invoke(args=["calendar", "due", *args])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip()
