"""Consultations: deterministic routing to IP officers, the first answer due
within one working day on the calendar (weekend, holiday, 调休 Saturday), the
late flag, the thread with files, and the FAQ with the enterprise's names
removed."""
import io
from datetime import date, datetime

import pytest

from core import clock
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.plugins import services as plugin_services
from core.tickets import attachments
from core.tickets.deadlines import end_of_local_day, local_date
from plugins.ip_protection import consultations, officers, redaction
from plugins.ip_protection.models import Consultation, Message
from tests.conftest import actor_for, login
from tests.helpers import count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.ip_protection_world import NAME, build

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))


def ask(world, text="我司注册商标被他人在网店上使用，如何维权？", **changes):
    values = dict(question=text, topic="trademark")
    values.update(changes)
    return consultations.register(actor_for("desk_a"), world.enterprise.id, consultations.Question(**values))


def test_routing_goes_to_the_officer_with_fewest_open_then_lowest_id(app, city):
    world = build(city)
    a1, a2, a3 = world.officers
    # No designated IP officer: the unit's officers, fewest open first, ties by id.
    assert [ask(world).officer_id for _ in range(4)] == [a1, a2, a3, a1]
    # A closed consultation no longer counts: a2's one closes, so a2 is next (1 open against a1's 2, a3's 1, a2 lower).
    second = db.session.scalars(db.select(Consultation).where(Consultation.officer_id == a2)).first()
    consultations.answer(actor_for("officer_a2"), second.id, "可向市场监管部门投诉，也可向公安机关报案。")
    consultations.close(actor_for("desk_a"), second.id)
    assert ask(world).officer_id == a2
    # The leader designates IP officers: only they receive consultations from now on.
    with pytest.raises(Forbidden):
        officers.designate(actor_for("desk_a"), a3)
    officers.designate(actor_for("leader_a"), a3)
    officers.designate(actor_for("leader_a"), a2)
    assert officers.candidate_ids(city.station_a.id) == [a2, a3]
    # a2 has 1 open, a3 has 1 open: a2 (lower id); then a3.
    assert [ask(world).officer_id for _ in range(2)] == [a2, a3]
    with pytest.raises(ValidationError):      # someone of another unit
        officers.designate(actor_for("leader_a"), city.users["officer_b"].id)
    officers.withdraw(actor_for("leader_a"), a2)
    assert officers.candidate_ids(city.station_a.id) == [a3]


def test_a_unit_without_officers_refuses_and_writes_nothing(app, city):
    world = build(city)
    from core.org.models import User

    for user in db.session.scalars(db.select(User).where(User.unit_id == city.station_a.id)):
        if "officer" in user.roles:
            user.active = False
    db.session.commit()
    with pytest.raises(ValidationError) as caught:
        ask(world)
    assert "unit_id" in caught.value.errors
    assert count(Consultation) == 0 and count(Message) == 0


def test_a_question_is_required_and_nothing_is_half_written(app, city):
    world = build(city)
    with pytest.raises(ValidationError) as caught:
        ask(world, text="   ")
    assert "question" in caught.value.errors
    with pytest.raises(ValidationError) as caught:
        consultations.register(actor_for("desk_a"), None, consultations.Question(question="问题"))
    assert "enterprise_id" in caught.value.errors
    with pytest.raises(ValidationError):         # another unit's enterprise is not reachable
        consultations.register(actor_for("desk_b"), world.enterprise.id, consultations.Question(question="问题"))
    assert count(Consultation) == 0 and count(Message) == 0


@pytest.mark.parametrize("registered, due", [
    (datetime(2026, 3, 6, 2, 0), date(2026, 3, 9)),       # Friday 10:00 → Monday, over the weekend
    (datetime(2026, 3, 6, 17, 0), date(2026, 3, 9)),      # Saturday 01:00 in Beijing (Friday in UTC) → Monday
    (datetime(2026, 9, 30, 7, 0), date(2026, 10, 8)),     # the day before National Day → after the holiday
    (datetime(2026, 10, 9, 2, 0), date(2026, 10, 10)),    # Friday → the Saturday worked in lieu (调休)
])
def test_the_first_answer_is_due_at_the_end_of_the_next_working_day(app, city, registered, due):
    world = build(city, at=registered)
    row = ask(world)
    assert row.first_answer_due_at == end_of_local_day(due)
    assert local_date(row.first_answer_due_at) == due
    assert not row.is_late(clock.now())


def test_late_flag_for_a_late_answer_and_for_a_missing_one(app, city):
    world = build(city, at=datetime(2026, 3, 6, 2, 0))                 # Friday
    on_time, late = ask(world), ask(world)
    clock.freeze(datetime(2026, 3, 9, 15, 0))                           # Monday 23:00 in Beijing: still in time
    consultations.answer(actor_for("officer_a"), on_time.id, "答复：建议先固定侵权证据。")
    assert not consultations.get(actor_for("desk_a"), on_time.id).is_late(clock.now())
    clock.freeze(datetime(2026, 3, 9, 16, 30))                          # Tuesday 00:30 in Beijing
    assert consultations.get(actor_for("desk_a"), late.id).is_late(clock.now())
    assert [c.id for c in consultations.listing(actor_for("desk_a"), late=True)] == [late.id]
    consultations.answer(actor_for("officer_a2"), late.id, "答复：可申请行政查处。")
    row = consultations.get(actor_for("desk_a"), late.id)
    assert row.is_late(clock.now()) and row.status == "answered"
    assert consultations.on_time_counts(actor_for("desk_a"), 2026) == (1, 2)


def test_thread_with_files_and_who_may_answer(app, city):
    world = build(city)
    files = attachments.check_uploads([("侵权截图.png", io.BytesIO(PNG))])
    row = ask(world, files=files)
    assert row.officer_id == world.officers[0]
    with pytest.raises(Forbidden):                                    # the desk does not answer
        consultations.answer(actor_for("desk_a"), row.id, "答复")
    with pytest.raises(NotFound):                                     # another unit does not see it
        consultations.answer(actor_for("officer_b"), row.id, "答复")
    with pytest.raises(ValidationError):
        consultations.answer(actor_for("officer_a"), row.id, "  ")
    consultations.answer(actor_for("officer_a"), row.id, "请提供商标注册证。")
    consultations.follow_up(actor_for("desk_a"), row.id, "注册证已上传。",
                            attachments.check_uploads([("注册证.png", io.BytesIO(PNG))]))
    row = consultations.get(actor_for("desk_a"), row.id)
    assert [m.side for m in row.messages] == ["enterprise", "officer", "enterprise"] and row.status == "waiting"
    stored = row.messages[0].files[0]
    assert consultations.message_file(actor_for("officer_a"), stored.id).sha256 == stored.sha256
    with pytest.raises(NotFound):
        consultations.message_file(actor_for("desk_b"), stored.id)
    client = fresh_client(app)
    login(client, "officer_a")
    download = client.get(f"/p/ip_protection/files/{stored.id}")
    assert download.status_code == 200 and download.data == PNG
    assert "sandbox" in download.headers["Content-Security-Policy"]
    other = fresh_client(app)
    login(other, "desk_b")
    assert other.get(f"/p/ip_protection/files/{stored.id}").status_code == 404


def test_short_forms_of_a_name():
    assert redaction.short_forms(NAME, "浙江省诸暨市店口镇工业区8号") >= {NAME, "诸暨市华达管业", "华达管业", "华达"}
    assert "华达" in redaction.short_forms("浙江华达科技股份有限公司")
    assert "恒泰袜业" in redaction.short_forms("诸暨恒泰袜业有限公司", "诸暨市大唐街道")


def test_the_faq_removes_the_enterprise_names_and_is_searchable(app, city):
    world = build(city)
    enterprise = world.enterprise
    question = (f"我是{NAME}的法务李秀英，法定代表人王建国让我咨询：华达管业的“华达”商标（信用代码{enterprise.credit_code}）"
                "在网店被仿冒，联系电话13912345678，怎么办？")
    row = ask(world, text=question, contact_name="赵敏")
    answer = "华达公司可先公证保全网店页面，再向公安机关报案；诸暨市华达管业有限公司也可向平台投诉。赵敏可带材料来所。"
    message = consultations.answer(actor_for("officer_a"), row.id, answer, publishable=True)
    entries = consultations.faq("网店")
    assert len(entries) == 1
    text = entries[0].question + entries[0].answer
    for secret in (NAME, "华达", "李秀英", "王建国", "赵敏", enterprise.credit_code, "13912345678"):
        assert secret not in text, secret
    assert "某企业" in text and "公证保全" in entries[0].answer and "商标" in entries[0].question
    assert consultations.faq("公证 平台")[0].id == entries[0].id          # every word must match
    assert consultations.faq("专利") == []
    assert consultations.get(actor_for("desk_a"), row.id).messages[1].publishable
    with pytest.raises(ValidationError):                                   # the enterprise's own words are not answers
        consultations.publish(actor_for("officer_a"), row.messages[0].id)
    consultations.withdraw(actor_for("officer_a"), message.id)
    assert consultations.faq("网店") == []
    consultations.publish(actor_for("officer_a"), message.id)
    assert len(consultations.faq()) == 1
    # The staff page shows it; a unit that switched the plugin off takes its answers out of the FAQ.
    client = fresh_client(app)
    login(client, "desk_b")
    page = client.get("/p/ip_protection/faq?q=网店").get_data(as_text=True)
    assert 'data-testid="faq-entry"' in page and NAME not in page
    plugin_services.set_enabled(shell_actor(), "STA", "ip_protection", False)
    assert consultations.faq() == []


def test_the_pages_register_answer_and_publish(app, city):
    world = build(city)
    desk = fresh_client(app)
    login(desk, "desk_a")
    form = desk.get(f"/p/ip_protection/consultations/new?enterprise_id={world.enterprise.id}")
    assert form.status_code == 200 and NAME in form.get_data(as_text=True)
    assert desk.post("/p/ip_protection/consultations/new", data={
        "enterprise_id": world.enterprise.id, "question": "", "topic": "patent"}).status_code == 400
    response = desk.post("/p/ip_protection/consultations/new", data={
        "enterprise_id": world.enterprise.id, "question": "外观设计专利被抄袭怎么办？", "topic": "patent",
        "submission_key": "k" * 20, "files": (io.BytesIO(PNG), "图样.png")}, content_type="multipart/form-data")
    assert response.status_code == 303
    again = desk.post("/p/ip_protection/consultations/new", data={
        "enterprise_id": world.enterprise.id, "question": "外观设计专利被抄袭怎么办？", "topic": "patent",
        "submission_key": "k" * 20})
    assert again.headers["Location"] == response.headers["Location"] and count(Consultation) == 1
    url = response.headers["Location"]
    officer = fresh_client(app)
    login(officer, "officer_a")
    assert 'data-testid="answer-form"' in officer.get(url).get_data(as_text=True)
    assert officer.post(url + "/answer", data={"body": ""}).status_code == 400
    assert officer.post(url + "/answer", data={"body": "可申请专利权评价报告。", "publishable": "1"}).status_code == 303
    page = officer.get(url).get_data(as_text=True)
    assert 'data-testid="published"' in page and 'data-testid="message-officer"' in page
    assert officer.post(url + "/reply-letter").status_code == 303


def test_a_calendar_change_moves_the_unanswered_deadlines(app, city):
    from core.calendar import services as calendar

    world = build(city, at=datetime(2026, 3, 6, 2, 0))                 # Friday
    waiting, answered = ask(world), ask(world)
    consultations.answer(actor_for("officer_a2"), answered.id, "答复。")
    calendar.set_day(shell_actor(), date(2026, 3, 9), False, "临时调整")   # Monday becomes a day off
    assert local_date(consultations.get(actor_for("desk_a"), waiting.id).first_answer_due_at) == date(2026, 3, 10)
    assert local_date(consultations.get(actor_for("desk_a"), answered.id).first_answer_due_at) == date(2026, 3, 9)


def test_a_leader_hands_a_consultation_to_another_ip_officer(app, city):
    world = build(city)
    a1, a2, _a3 = world.officers
    row = ask(world)
    assert row.officer_id == a1
    with pytest.raises(Forbidden):
        consultations.reassign(actor_for("officer_a"), row.id, a2)
    with pytest.raises(ValidationError):                     # not an officer of the unit
        consultations.reassign(actor_for("leader_a"), row.id, city.users["officer_b"].id)
    consultations.reassign(actor_for("leader_a"), row.id, a2)
    assert consultations.get(actor_for("desk_a"), row.id).officer_id == a2
    assert consultations.may_answer(actor_for("officer_a2"), consultations.get(actor_for("officer_a2"), row.id))
    client = fresh_client(app)
    login(client, "leader_a")
    page = client.get(f"/p/ip_protection/consultations/{row.id}").get_data(as_text=True)
    assert 'data-testid="reassign"' in page
    assert client.post(f"/p/ip_protection/consultations/{row.id}/reassign", data={"user_id": a1}).status_code == 303
    assert consultations.get(actor_for("desk_a"), row.id).officer_id == a1
