"""The IP officers on the enterprise portal: the service is offered only where
the enterprise's unit enabled the plugin; a question asked on the portal is
routed and falls due like one taken at the desk; the officer answers on the
staff side and the enterprise reads it; another enterprise's thread or file is
not found (and audited); the published answers, names removed, are on the
portal's public FAQ."""
import io
from datetime import date

import pytest

from core.audit.models import AuditEntry
from core.errors import Forbidden
from core.extensions import db
from core.notifications.models import Notification
from core.org.actor import shell_actor
from core.plugins import services as plugin_services
from core.tickets import attachments
from core.tickets.deadlines import end_of_local_day
from plugins.ip_protection import consultations, files
from plugins.ip_protection.models import Consultation, Message, MessageFile
from tests.conftest import actor_for, login
from tests.helpers import count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.ip_protection_world import NAME, build
from tests.portal_world import PNG, portal, portal_login, verified_account

MINE, THEIRS = "13700137301", "13700137302"
QUESTION = "诸暨市华达管业有限公司的注册商标被网店仿冒，联系人李秀英，电话13800138000，如何维权？"
ANSWER = "可向市场监管部门投诉，也可向公安机关报案；华达管业请保留购买记录。"


@pytest.fixture
def world(app, city):
    world = build(city)
    world.mine = verified_account("desk_a", 300, NAME, MINE)
    world.theirs = verified_account("desk_a", 301, world.other.name, THEIRS)
    world.client, world.other_client = fresh_client(app), fresh_client(app)
    portal_login(world.client, MINE)
    portal_login(world.other_client, THEIRS)
    return world


def ask_on_portal(client, text=QUESTION, key="k" * 24, **extra):
    data = {"topic": "trademark", "question": text, "submission_key": key, **extra}
    return client.post("/p/ip_protection/portal/questions/new", data=data, content_type="multipart/form-data")


def officer_client(app, username="officer_a"):
    client = fresh_client(app)
    login(client, username)
    return client


def test_the_service_is_on_the_portal_home_only_where_the_unit_enabled_the_plugin(app, world):
    home = world.client.get("/portal/home").get_data(as_text=True)
    assert "咨询知产警官" in home and "/p/ip_protection/portal/questions" in home
    assert world.client.get("/p/ip_protection/portal/questions").status_code == 200
    plugin_services.set_enabled(shell_actor(), "STA", "ip_protection", False)
    assert "咨询知产警官" not in world.client.get("/portal/home").get_data(as_text=True)
    assert world.client.get("/p/ip_protection/portal/questions").status_code == 404
    assert ask_on_portal(world.client).status_code == 404
    assert count(Consultation) == 0
    # A staff session never opens the enterprise's pages.
    assert officer_client(app).get("/p/ip_protection/portal/questions").status_code in (403, 404)


def test_a_portal_question_is_routed_like_a_desk_one_and_falls_due_the_next_working_day(app, world):
    response = ask_on_portal(world.client, files=[(io.BytesIO(PNG), "网店截图.png")])
    assert response.status_code == 303
    row = db.session.scalars(db.select(Consultation)).one()
    assert response.headers["Location"].endswith(f"/p/ip_protection/portal/questions/{row.id}")
    assert (row.channel, row.enterprise_id, row.unit_id, row.status) == ("portal", world.enterprise.id,
                                                                        world.enterprise.unit_id, "waiting")
    assert row.officer_id == world.officers[0]                   # fewest open, then the lowest id: as at the desk
    assert row.first_answer_due_at == end_of_local_day(date(2026, 3, 3))   # Monday → end of Tuesday
    assert row.registered_by_id is None and row.contact_name == world.mine.name
    assert [len(m.files) for m in row.messages] == [1]
    assert Notification.query.filter_by(user_id=row.officer_id, kind="ip_consultation").one().text == \
        f"{NAME}向知产警官提交了新的咨询。"
    entry = AuditEntry.query.filter_by(action="ip_protection.consult").one()
    assert entry.username == f"portal:{world.mine.id}" and entry.detail["channel"] == "portal"
    # The same form sent again makes no second consultation.
    assert ask_on_portal(world.client).status_code == 303 and count(Consultation) == 1
    # The next desk question goes to the next officer: the portal's counts in the routing.
    desk = consultations.register(actor_for("desk_a"), world.enterprise.id, consultations.Question(question="又一问"))
    assert desk.officer_id == world.officers[1] and desk.channel == "desk"
    page = world.client.get(f"/p/ip_protection/portal/questions/{row.id}").get_data(as_text=True)
    assert 'data-testid="ip-due"' in page and "2026年3月3日" in page and "网店截图.png" in page
    listing = world.client.get("/p/ip_protection/portal/questions").get_data(as_text=True)
    assert listing.count('data-testid="ip-question-link"') == 2     # the desk's consultation of the enterprise too


def test_refusals_say_why_and_write_nothing(app, world):
    response = ask_on_portal(world.client, text="   ")
    assert response.status_code == 400 and "请写下您的问题" in response.get_data(as_text=True)
    response = ask_on_portal(world.client, key="b" * 24, files=[(io.BytesIO(b"MZ\x90\x00binary"), "工具.exe")])
    assert response.status_code == 400 and 'data-testid="error-attachments"' in response.get_data(as_text=True)
    assert count(Consultation) == 0 and count(Message) == 0 and count(MessageFile) == 0
    assert list(files.folder().iterdir()) == []
    row = consultations.ask(portal(world.mine), consultations.Question(question="商标如何续展？", topic="trademark"))
    response = world.client.post(f"/p/ip_protection/portal/questions/{row.id}/follow-up", data={"body": " "})
    assert response.status_code == 400 and count(Message) == 1
    # The portal's functions are for the enterprise's own actor; the desk's refuse it.
    with pytest.raises(Forbidden):
        consultations.ask(actor_for("desk_a"), consultations.Question(question="问题"))
    with pytest.raises(Forbidden):
        consultations.get(portal(world.mine), row.id)


def test_the_officer_answers_on_the_staff_side_and_the_enterprise_reads_it(app, world):
    ask_on_portal(world.client, files=[(io.BytesIO(PNG), "网店截图.png")])
    row = db.session.scalars(db.select(Consultation)).one()
    staff = officer_client(app)
    listing = staff.get("/p/ip_protection/consultations").get_data(as_text=True)
    assert row.subject in listing and 'data-testid="channel-portal"' in listing
    page = staff.get(f"/p/ip_protection/consultations/{row.id}").get_data(as_text=True)
    assert "企业门户" in page and world.mine.name in page and 'data-testid="answer-form"' in page
    assert staff.get(f"/p/ip_protection/files/{row.messages[0].files[0].id}").status_code == 200
    response = staff.post(f"/p/ip_protection/consultations/{row.id}/answer", data={"body": ANSWER})
    assert response.status_code == 303
    thread = world.client.get(f"/p/ip_protection/portal/questions/{row.id}").get_data(as_text=True)
    assert ANSWER in thread
    assert 'data-testid="ip-message-officer"' in thread
    # The enterprise asks again; the officer sees it waiting.
    response = world.client.post(f"/p/ip_protection/portal/questions/{row.id}/follow-up",
                                 data={"body": "网店在外省，也能在本地报案吗？"})
    assert response.status_code == 303
    assert consultations.get(actor_for("officer_a"), row.id).status == "waiting"
    assert "网店在外省" in staff.get(f"/p/ip_protection/consultations/{row.id}").get_data(as_text=True)
    assert AuditEntry.query.filter_by(action="ip_protection.follow_up", username=f"portal:{world.mine.id}").count() == 1


def test_only_the_messages_meant_for_the_enterprise_are_shown(app, world):
    row = consultations.ask(portal(world.mine), consultations.Question(question="商标如何续展？", topic="trademark"))
    consultations.answer(actor_for("officer_a"), row.id, "到期前十二个月内申请续展。")
    note = Message(consultation_id=row.id, side="note", body="内部：该企业曾有侵权线索", author_id=world.officers[0])
    db.session.add(note)
    db.session.commit()
    shown, messages = consultations.read_own(portal(world.mine), row.id)
    assert [m.side for m in messages] == ["enterprise", "officer"]
    thread = world.client.get(f"/p/ip_protection/portal/questions/{row.id}").get_data(as_text=True)
    assert "到期前十二个月内申请续展" in thread and "内部" not in thread
    # Nor the officer's name, nor the staff's controls.
    officer = db.session.get(Consultation, row.id).officer
    assert officer.name not in thread and "publish" not in thread and "reassign" not in thread


def test_another_enterprises_thread_and_file_are_not_found_and_audited(app, world):
    files_ = attachments.check_uploads([("合同.png", io.BytesIO(PNG))])
    row = consultations.ask(portal(world.mine), consultations.Question(question="商标如何续展？", files=files_))
    file_id = row.messages[0].files[0].id
    before = AuditEntry.query.filter_by(action="portal.not_found").count()
    for method, url in [("get", f"/p/ip_protection/portal/questions/{row.id}"),
                        ("post", f"/p/ip_protection/portal/questions/{row.id}/follow-up"),
                        ("get", f"/p/ip_protection/portal/files/{file_id}")]:
        response = getattr(world.other_client, method)(url, data={"body": "我也想问"} if method == "post" else None)
        assert response.status_code == 404, url
    assert AuditEntry.query.filter_by(action="portal.not_found").count() == before + 3
    assert count(Message) == 1
    assert row.subject not in world.other_client.get("/p/ip_protection/portal/questions").get_data(as_text=True)
    assert world.client.get(f"/p/ip_protection/portal/files/{file_id}").status_code == 200


def test_the_public_faq_shows_the_published_answer_without_names(app, world):
    row = consultations.ask(portal(world.mine), consultations.Question(question=QUESTION, topic="trademark"))
    consultations.answer(actor_for("officer_a"), row.id, ANSWER, publishable=True)
    anonymous = fresh_client(app)
    page = anonymous.get("/portal/faq").get_data(as_text=True)
    assert "网店仿冒" in page and "市场监管部门投诉" in page and "商标" in page
    for name in (NAME, "华达管业", "李秀英", "13800138000"):
        assert name not in page, name
    assert "网店仿冒" in anonymous.get("/portal/faq?q=维权").get_data(as_text=True)
    assert "网店仿冒" not in anonymous.get("/portal/faq?q=出境").get_data(as_text=True)
    # Only the units that have the plugin switched on publish.
    plugin_services.set_enabled(shell_actor(), "STA", "ip_protection", False)
    assert "网店仿冒" not in anonymous.get("/portal/faq").get_data(as_text=True)
