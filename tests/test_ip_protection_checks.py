"""IP health checks: the score rule (the mean of the seven areas, rounded half
up), a missing area score refused with nothing written, the trend, weak areas
as findings, and the health-check report PDF through core's document service."""
import io
import re
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from core import clock
from core.documents import services as documents
from core.errors import NotFound, ValidationError
from core.registry import services as registry
from plugins.ip_protection import checks, consultations, letters
from plugins.ip_protection.models import Check, CheckArea
from tests.conftest import actor_for, login
from tests.helpers import count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.ip_protection_world import NAME, build

AREAS = list(checks.AREAS)


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def scores(*values):
    return dict(zip(AREAS, values))


def data(values, **changes):
    fields = dict(checked_on=date(2026, 3, 2), scores=scores(*values), trademark_count="3",
                  trademark_classes="6, 17，35", patents={"granted": "2", "pending": "1"},
                  notes={"trade_secrets": "无保密制度"}, findings="未建立商业秘密保护制度。",
                  recommendations="制定保密制度并与核心员工签订保密协议。", follow_up_on=date(2026, 6, 1))
    fields.update(changes)
    return checks.CheckInput(**fields)


def test_overall_is_the_mean_of_the_seven_areas_rounded_half_up():
    assert checks.overall(scores(100, 100, 100, 100, 100, 100, 100)) == 100
    assert checks.overall(scores(80, 70, 40, 60, 90, 50, 100)) == 70          # 490 / 7
    assert checks.overall(scores(80, 80, 80, 80, 80, 80, 83)) == 80          # 563 / 7 = 80.43
    assert checks.overall(scores(0, 0, 0, 0, 0, 0, 4)) == 1                   # 0.57 → 1
    assert checks.overall(scores(50, 50, 50, 50, 50, 51, 52)) == 50          # 353 / 7 = 50.43
    assert checks.overall(scores(100, 100, 100, 100, 100, 100, 97)) == 100   # 697 / 7 = 99.57
    with pytest.raises(ValueError):
        checks.overall(scores(1, 2, 3))


def test_a_check_is_recorded_with_its_scores_and_a_missing_score_is_refused(app, city):
    world = build(city)
    officer = actor_for("officer_a")
    missing = data([80, 70, 40, 60, 90, 50, 100])
    del missing.scores["training"]
    with pytest.raises(ValidationError) as caught:
        checks.record(officer, world.enterprise.id, missing)
    assert "score_training" in caught.value.errors
    for bad in ([80, 70, 40, 60, 90, 50, 101], [80, 70, 40, 60, 90, 50, -1], [80, 70, 40, 60, 90, 50, "七十"]):
        with pytest.raises(ValidationError):
            checks.record(officer, world.enterprise.id, data(bad))
    with pytest.raises(ValidationError) as caught:
        checks.record(officer, world.enterprise.id, data([80] * 7, trademark_classes="9, 46"))
    assert "trademark_classes" in caught.value.errors
    with pytest.raises(ValidationError):
        checks.record(officer, world.enterprise.id, data([80] * 7, follow_up_on=date(2026, 3, 1)))
    with pytest.raises(ValidationError):
        checks.record(officer, world.enterprise.id, data([80] * 7, checked_on=date(2026, 3, 3)))   # tomorrow
    with pytest.raises(ValidationError):
        checks.record(actor_for("officer_b"), world.enterprise.id, data([80] * 7))            # not reachable
    assert count(Check) == 0 and count(CheckArea) == 0
    check = checks.record(officer, world.enterprise.id, data([80, 70, 40, 60, 90, 50, 100]))
    assert check.overall == 70 and [a.score for a in check.areas] == [80, 70, 40, 60, 90, 50, 100]
    assert check.trademark_classes == [6, 17, 35] and check.patents == {"granted": 2, "pending": 1, "lapsed": 0}
    with pytest.raises(NotFound):
        checks.get(actor_for("desk_b"), check.id)


def test_the_trend_and_the_weak_areas_as_findings(app, city):
    world = build(city)
    officer = actor_for("officer_a")
    first = checks.record(officer, world.enterprise.id, data([80, 70, 40, 60, 90, 50, 100], follow_up_on=None))
    clock.freeze(datetime(2026, 9, 1, 2, 0))
    second = checks.record(officer, world.enterprise.id, data([85, 75, 65, 70, 90, 55, 100],
                                                              checked_on=date(2026, 9, 1), follow_up_on=None))
    rows = checks.trend(checks.history(actor_for("desk_a"), world.enterprise.id))
    assert [(r["check"].id, r["check"].overall, r["change"]) for r in rows] == [(first.id, 70, None),
                                                                                (second.id, 77, 7)]
    assert rows[1]["area_changes"]["trade_secrets"] == 25
    found = [f for f in registry.findings(actor_for("desk_a"), world.enterprise.id) if f.source == "ip_protection.check"]
    assert sorted((f.title, f.is_open, f.values["check_id"]) for f in found) == [
        ("保密条款合同", False, first.id), ("保密条款合同", True, second.id), ("商业秘密保护措施", False, first.id)]
    assert checks.latest(actor_for("desk_a"), world.enterprise.id).id == second.id
    assert checks.follow_ups_due(actor_for("desk_a")) == []          # neither check set a follow-up date
    # The enterprise page of the plugin shows the trend.
    client = fresh_client(app)
    login(client, "desk_a")
    page = client.get(f"/p/ip_protection/enterprises/{world.enterprise.id}").get_data(as_text=True)
    assert page.count('data-testid="trend-row"') == 2 and "<svg" in page and "+7" in page


def test_follow_ups_due_are_those_of_the_latest_check(app, city):
    world = build(city)
    officer = actor_for("officer_a")
    checks.record(officer, world.enterprise.id, data([60] * 7, checked_on=date(2026, 1, 5),
                                                     follow_up_on=date(2026, 2, 1)))
    checks.record(officer, world.other.id, data([60] * 7, follow_up_on=date(2026, 3, 6)))
    checks.record(officer, world.enterprise.id, data([70] * 7, checked_on=date(2026, 2, 10),
                                                     follow_up_on=date(2026, 5, 1)))
    due = checks.follow_ups_due(actor_for("desk_a"))                # today 2 March: within 7 days, or past
    assert [c.enterprise_id for c in due] == [world.other.id]
    assert checks.follow_ups_due(actor_for("desk_b")) == []
    client = fresh_client(app)
    login(client, "desk_a")
    assert 'data-testid="follow-ups"' in client.get("/p/ip_protection/").get_data(as_text=True)


def test_the_health_check_report_is_numbered_signed_off_and_says_what_was_found(app, city):
    world = build(city)
    officer = actor_for("officer_a")
    checks.record(officer, world.enterprise.id, data([60, 60, 60, 60, 60, 60, 60], follow_up_on=None,
                                                     checked_on=date(2026, 1, 15)))
    check = checks.record(officer, world.enterprise.id, data([80, 70, 40, 60, 90, 50, 100]))
    draft = letters.check_report(officer, check.id)
    assert draft.doc_type == letters.CHECK_REPORT and draft.related_id == check.id
    assert draft.enterprise_id == world.enterprise.id
    assert any(kind == "table" for kind, _value in draft.body) and any(kind == "figure" for kind, _value in draft.body)
    documents.submit(officer, draft.id)
    documents.sign_off(actor_for("leader_a"), draft.id)
    issued = documents.issue(actor_for("desk_a"), draft.id)
    assert issued.number == "甲公函〔2026〕1号" and issued.signed_by_id == actor_for("leader_a").user_id
    text = text_of(documents.pdf(actor_for("desk_a"), draft.id))
    for expected in (f"关于{NAME}知识产权保护体检情况的报告", "甲公函〔2026〕1号", "商业秘密保护措施", "40", "综合得分（七项平均）",
                     "70", "第6类、第17类、第35类", "有效2件", "未建立商业秘密保护制度", "制定保密制度",
                     "2026年6月1日", "2026年3月2日", "历次体检综合得分"):
        assert expected in text, expected


def test_the_reply_letter_to_a_consultation(app, city):
    world = build(city)
    row = consultations.register(actor_for("desk_a"), world.enterprise.id,
                                 consultations.Question(question="商标续展需要注意什么？", topic="trademark"))
    with pytest.raises(ValidationError):                 # not before an answer
        letters.reply(actor_for("officer_a"), row.id)
    consultations.answer(actor_for("officer_a"), row.id, "注册商标有效期满前十二个月内办理续展。")
    draft = letters.reply(actor_for("officer_a"), row.id)
    documents.submit(actor_for("officer_a"), draft.id)
    documents.sign_off(actor_for("leader_a"), draft.id)
    issued = documents.issue(actor_for("desk_a"), draft.id)
    text = text_of(documents.pdf(actor_for("desk_a"), draft.id))
    assert issued.number == "甲公函〔2026〕1号"
    for expected in (f"关于{NAME}知识产权咨询事项的答复函", "商标续展需要注意什么", "十二个月内办理续展", "2026年3月2日"):
        assert expected in text, expected


def test_the_check_pages(app, city):
    world = build(city)
    client = fresh_client(app)
    login(client, "officer_a")
    url = f"/p/ip_protection/enterprises/{world.enterprise.id}/checks/new"
    form = {f"score_{a}": "80" for a in AREAS}
    form.update(checked_on="2026-03-02", trademark_count="1", trademark_classes="6")
    partial = dict(form)
    del partial["score_patents"]
    response = client.post(url, data=partial)
    assert response.status_code == 400 and count(Check) == 0
    response = client.post(url, data=form)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="overall">80<' in page
    assert client.post(response.headers["Location"] + "/report").status_code == 303
