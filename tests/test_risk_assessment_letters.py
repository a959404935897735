"""The two letters and one list: drafted from an assessment with its risks,
through core's sign-off, numbering and delivery; each PDF names the
addressee, the number and the risks, in the format its addressee calls for.
Follow-up: response deadlines on the working-day calendar (across the National
Day holiday), responses only to delivered letters, late ones flagged."""
import io
import re
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from core import clock
from core.documents import services as documents
from core.errors import NotFound, ValidationError
from core.plugins import services as plugin_services
from core.org.actor import shell_actor
from plugins.risk_assessment import assessments, follow_up, letters
from plugins.risk_assessment.models import Letter, Response
from tests.conftest import actor_for, login
from tests.helpers import count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.risk_assessment_world import build, risk


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


@pytest.fixture
def assessed(app, city):
    world = build(city)
    desk = actor_for("desk_a")
    assessment = assessments.create(desk, world.enterprises[0], "2026年第一季度企业风险评估")
    high = assessments.add_risk(desk, assessment.id, risk("fundraising", 5, 4, title="以高息向员工集资"))
    low = assessments.add_risk(desk, assessment.id, risk("bid_rigging", 2, 2, area="business_process",
                                                         title="投标报价雷同", measures="建立投标文件内部审核制度。"))
    return world, assessments.get(desk, assessment.id), high, low


def issue(document_id):
    documents.submit(actor_for("desk_a"), document_id)
    documents.sign_off(actor_for("leader_a"), document_id)
    documents.issue(actor_for("desk_a"), document_id)
    return documents.get(actor_for("desk_a"), document_id), documents.pdf(actor_for("desk_a"), document_id)


def deliver(document_id, when):
    documents.deliver(actor_for("desk_a"), document_id, "企业法人代表", when, "in_person")


def test_a_reminder_letter_to_the_enterprise_is_a_numbered_letter_listing_its_risks(app, city, assessed):
    world, assessment, high, low = assessed
    letter = letters.draft(actor_for("desk_a"), assessment.id, "notice", [high.id, low.id])
    assert letter.addressee == "甲区第一针织有限公司" and letter.risk_ids == sorted([high.id, low.id])
    assert letter.due_on == date(2026, 3, 16)                      # 10 working days after Monday 2 March
    document, pdf = issue(letter.document_id)
    assert (document.doc_type, document.layout, document.number) == (
        "risk_assessment.notice_letter", "letter", "甲公函〔2026〕1号")
    assert document.related_type == "risk_assessment_letter" and document.related_id == letter.id
    text = text_of(pdf)
    for words in ("关于甲区第一针织有限公司非法集资等风险的提示书", "甲公函〔2026〕1号", "以高息向员工集资", "投标报价雷同",
                  "第一百七十六条", "建立投标文件内部审核制度", "2026年3月16日前",
                  "风险等级：高"):
        assert words in text, words
    assert "甲派出所文件" not in text                                 # 信函格式, not 文件格式
    assert text.index("以高息向员工集资") < text.index("投标报价雷同")      # the most serious first


def test_an_advice_letter_to_a_department_is_a_file_with_numbered_recommendations(app, city, assessed):
    world, assessment, high, low = assessed
    letter = letters.draft(actor_for("desk_a"), assessment.id, "advice", [high.id, low.id],
                           addressee_kind="department", addressee="诸暨市市场监督管理局")
    document, pdf = issue(letter.document_id)
    assert (document.doc_type, document.layout, document.number) == (
        "risk_assessment.advice_file", "file", "甲公〔2026〕1号")
    text = text_of(pdf)
    for words in ("关于防范甲区第一针织有限公司非法集资等风险的意见建议书", "诸暨市市场监督管理局", "甲派出所文件", "甲公〔2026〕1号", "1.立即停止对外借款",
                  "2.建立投标文件内部审核制度", "2026年3月23日前"):      # 15 working days
        assert words in text, words
    to_enterprise = letters.draft(actor_for("desk_a"), assessment.id, "advice", [low.id])
    assert documents.get(actor_for("desk_a"), to_enterprise.document_id).layout == "letter"


def test_a_warning_list_to_the_government_is_a_file_with_a_table_of_risks(app, city, assessed):
    world, assessment, high, low = assessed
    letter = letters.draft(actor_for("desk_a"), assessment.id, "warning", [high.id, low.id])
    assert (letter.addressee_kind, letter.addressee) == ("government", "市委、市政府")
    document, pdf = issue(letter.document_id)
    assert (document.doc_type, document.layout, document.number) == ("risk_assessment.warning_list", "file",
                                                                     "甲公〔2026〕1号")
    text = text_of(pdf)
    for words in ("关于甲区第一针织有限公司非法集资等隐患的风险预警单", "市委、市政府", "甲公〔2026〕1号", "非法集资", "串通投标", "甲区第一针织有限公司（袜业）",
                  "以高息向员工集资", "立即停止对外借款"):
        assert words in text, words
    with pytest.raises(ValidationError):                    # a warning list does not go to the enterprise
        letters.draft(actor_for("desk_a"), assessment.id, "warning", [high.id], addressee_kind="enterprise")


def test_a_letter_with_no_risks_or_no_addressee_is_refused_and_nothing_is_written(app, city, assessed):
    world, assessment, high, low = assessed
    drafts = count(documents.Document)
    for kind, risk_ids, extra in [("notice", [], {}), ("advice", [high.id], {"addressee_kind": "department"}),
                                  ("notice", [high.id + 999], {}), ("letter", [high.id], {}),
                                  ("notice", [high.id], {"due_on": date(2026, 3, 2)})]:
        with pytest.raises(ValidationError):
            letters.draft(actor_for("desk_a"), assessment.id, kind, risk_ids, **extra)
    assessments.close_risk(actor_for("desk_a"), low.id, "mitigated", "企业已建立审核制度。")
    with pytest.raises(ValidationError):                      # a closed risk is not written to anyone
        letters.draft(actor_for("desk_a"), assessment.id, "notice", [low.id])
    assert count(Letter) == 0 and count(documents.Document) == drafts
    with pytest.raises(NotFound):
        letters.draft(actor_for("desk_b"), assessment.id, "notice", [high.id])


def test_the_response_deadline_skips_the_national_day_holiday(app, city):
    world = build(city, now=datetime(2026, 9, 29, 2, 0))      # Tuesday 29 September, 10:00 in China
    desk = actor_for("desk_a")
    assessment = assessments.create(desk, world.enterprises[0], "节前风险评估")
    item = assessments.add_risk(desk, assessment.id, risk())
    # 30 Sep; 1–7 Oct are holidays; 8, 9, 10 (a Saturday worked in lieu), 12–16, 19 Oct.
    assert letters.draft(desk, assessment.id, "notice", [item.id]).due_on == date(2026, 10, 19)
    # 15 working days: 20–23 Oct and 26 Oct.
    assert letters.draft(desk, assessment.id, "advice", [item.id]).due_on == date(2026, 10, 26)


def test_responses_answer_only_delivered_letters_and_late_ones_are_flagged(app, city, assessed):
    world, assessment, high, low = assessed
    desk = actor_for("desk_a")
    letter = letters.draft(desk, assessment.id, "notice", [high.id])
    assert follow_up.state(letter) == "drafting"
    with pytest.raises(ValidationError) as error:
        follow_up.record_response(desk, letter.id, date(2026, 3, 2), "rectified", "已整改")
    assert "letter" in error.value.errors and "尚未送达" in str(error.value.message)
    issue(letter.document_id)
    assert follow_up.state(letters.get(desk, letter.id)) == "issued"
    with pytest.raises(ValidationError):                   # issued is not delivered
        follow_up.record_response(desk, letter.id, date(2026, 3, 2), "rectified", "已整改")
    assert count(Response) == 0
    clock.freeze(datetime(2026, 3, 3, 2, 0))
    deliver(letter.document_id, datetime(2026, 3, 3, 1, 0))
    assert follow_up.state(letters.get(desk, letter.id)) == "awaiting"
    assert follow_up.awaiting(desk) == {"awaiting": 1, "overdue": 0}
    clock.freeze(datetime(2026, 3, 18, 2, 0))             # past the due day, 16 March
    assert follow_up.state(letters.get(desk, letter.id)) == "overdue"
    assert follow_up.awaiting(desk) == {"awaiting": 0, "overdue": 1}
    for bad in [(None, "rectified", "已整改"), (date(2026, 3, 19), "rectified", "已整改"),
                (date(2026, 3, 2), "rectified", "已整改"), (date(2026, 3, 17), "", "已整改"),
                (date(2026, 3, 17), "rectified", "  ")]:
        with pytest.raises(ValidationError):
            follow_up.record_response(desk, letter.id, *bad)
    response = follow_up.record_response(desk, letter.id, date(2026, 3, 17), "rectified", "企业提交整改报告，已清退借款。")
    assert response.late and follow_up.state(letters.get(desk, letter.id)) == "answered_late"
    assert follow_up.awaiting(desk) == {"awaiting": 0, "overdue": 0}
    on_time = letters.draft(desk, assessment.id, "advice", [low.id])
    issue(on_time.document_id)
    deliver(on_time.document_id, datetime(2026, 3, 18, 2, 0))
    assert not follow_up.record_response(desk, on_time.id, date(2026, 3, 18), "accepted", "采纳建议。").late
    with pytest.raises(NotFound):
        follow_up.record_response(actor_for("desk_b"), on_time.id, date(2026, 3, 18), "accepted", "越权")


def test_a_unit_without_the_plugin_sees_none_of_it(app, city, assessed):
    world, assessment, high, low = assessed
    plugin_services.set_enabled(shell_actor(), "STB", "risk_assessment", False)
    b = fresh_client(app)
    login(b, "desk_b")
    for url in ("/p/risk_assessment/", f"/p/risk_assessment/assessments/{assessment.id}",
                "/p/risk_assessment/reports"):
        assert b.get(url).status_code == 404, url
    home = b.get("/").get_data(as_text=True)
    assert "/p/risk_assessment/" not in home and 'data-testid="risk-assessment-widget"' not in home
    a = fresh_client(app)
    login(a, "desk_a")
    home = a.get("/").get_data(as_text=True)
    assert "/p/risk_assessment/" in home and 'data-testid="risk-assessment-widget"' in home
    assert 'data-testid="ra-open-high"' in home
    page = a.get(f"/enterprises/{world.enterprises[0]}").get_data(as_text=True)
    assert 'data-testid="risk-assessment-panel"' in page and "以高息向员工集资" in page
    # Switched off for station A: its data stays, its pages go.
    plugin_services.set_enabled(shell_actor(), "STA", "risk_assessment", False)
    assert a.get(f"/p/risk_assessment/assessments/{assessment.id}").status_code == 404
    assert 'data-testid="risk-assessment-panel"' not in a.get(f"/enterprises/{world.enterprises[0]}").get_data(as_text=True)
    assert assessments.get(actor_for("desk_a"), assessment.id).risks
