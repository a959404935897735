"""The quarterly risk report: the figures checked against hand-counted
fixtures (this quarter, the previous one and the change), the ten most
serious, the letters issued and answered; the job's progress; the document
through core's sign-off and numbering with its tables and charts; a quarter
not yet ended only as a watermarked draft."""
import io
import re
import subprocess
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from core import clock
from core.audit.models import AuditEntry
from core.documents import services as documents
from core.errors import ValidationError
from core.extensions import db
from core.jobqueue import owners
from core.registry import services as registry
from plugins.risk_assessment import assessments, follow_up, letters, quarters, reports
from plugins.risk_assessment.models import Report
from tests.conftest import actor_for
from tests.helpers import code, count, ended_process_owner
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.risk_assessment_world import build, risk

TODAY = datetime(2026, 7, 10, 2, 0)            # Friday 10 July 2026: the second quarter has ended


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def _assess(enterprise_id, day, *risks, who="desk_a"):
    made = assessments.create(actor_for(who), enterprise_id, f"{day}风险评估", assessed_on=day)
    return [assessments.add_risk(actor_for(who), made.id, r) for r in risks], made


@pytest.fixture
def quarter(app, city):
    """Station A's risks (E0, E1: 袜业/大唐街道; E2: 五金机械/暨阳街道; E3: 珍珠/山下湖镇):

    Q4 2025 (not counted)  E3 ip 2×2
    Q1 2026 (previous)     E0 fundraising 5×4 high; E2 embezzlement 2×3 medium
    Q2 2026 (the quarter)  E0 fundraising 4×4 high, contract_fraud 3×3 medium;
                           E1 fundraising 5×5 high, bribery 1×2 low (closed);
                           E3 ip 2×4 medium
    Q3 2026 (not counted)  E2 tax 5×5
    and one of station B in Q2, outside station A's area."""
    world = build(city, now=TODAY)
    e0, e1, e2, e3 = world.enterprises
    _assess(e3, date(2025, 12, 31), risk("ip", 2, 2))
    _assess(e0, date(2026, 2, 10), risk("fundraising", 5, 4))
    _assess(e2, date(2026, 3, 31), risk("embezzlement", 2, 3))
    (high0, medium0), a0 = _assess(e0, date(2026, 4, 1), risk("fundraising", 4, 4, title="向员工高息集资"),
                                   risk("contract_fraud", 3, 3))
    (high1, low1), a1 = _assess(e1, date(2026, 5, 15), risk("fundraising", 5, 5, title="以投资理财名义吸收公众存款"),
                                risk("bribery", 1, 2))
    _assess(e3, date(2026, 6, 30), risk("ip", 2, 4))
    _assess(e2, date(2026, 7, 1), risk("tax", 5, 5))
    assessments.close_risk(actor_for("desk_a"), low1.id, "mitigated", "已建立礼品登记制度。")
    b = registry.create(actor_for("desk_b"), {"name": "乙区企业", "credit_code": code(399), "industry": "袜业",
                                              "district": "大唐街道"})
    _assess(b.id, date(2026, 5, 1), risk("fundraising", 5, 5), who="desk_b")
    # Letters: in Q2 a notice answered in time and a warning list not answered; an
    # advice letter never issued; in Q3 a notice issued (not counted).
    clock.freeze(datetime(2026, 5, 20, 2, 0))
    notice = letters.draft(actor_for("desk_a"), a0.id, "notice", [high0.id])
    warning = letters.draft(actor_for("desk_a"), a1.id, "warning", [high1.id])
    letters.draft(actor_for("desk_a"), a0.id, "advice", [medium0.id])
    for letter in (notice, warning):
        _issue(letter.document_id)
        documents.deliver(actor_for("desk_a"), letter.document_id, "签收人", datetime(2026, 5, 20, 2, 0), "in_person")
    clock.freeze(datetime(2026, 5, 25, 2, 0))
    follow_up.record_response(actor_for("desk_a"), notice.id, date(2026, 5, 25), "rectified", "已清退。")
    clock.freeze(datetime(2026, 7, 2, 2, 0))
    _issue(letters.draft(actor_for("desk_a"), a0.id, "notice", [medium0.id]).document_id)
    clock.freeze(TODAY)
    return world


def _issue(document_id):
    documents.submit(actor_for("desk_a"), document_id)
    documents.sign_off(actor_for("leader_a"), document_id)
    documents.issue(actor_for("desk_a"), document_id)


def _lines(lines):
    return [(line["key"], line["current"], line["previous"], line["change"]) for line in lines]


def test_the_quarter_figures_match_the_hand_count(app, city, quarter):
    desk = actor_for("desk_a")
    q = quarters.Quarter(2026, 2)
    assert (q.first, q.last, q.previous) == (date(2026, 4, 1), date(2026, 6, 30), quarters.Quarter(2026, 1))
    assert quarters.totals(desk, q) == {"current": 5, "previous": 2, "change": 3, "percent": 150, "closed": 1,
                                        "open": 4, "enterprises": 3}
    assert _lines(quarters.counts_by(desk, q, "category")) == [
        ("fundraising", 2, 1, 1), ("bribery", 1, 0, 1), ("contract_fraud", 1, 0, 1), ("ip", 1, 0, 1),
        ("embezzlement", 0, 1, -1)]
    assert _lines(quarters.counts_by(desk, q, "industry")) == [("袜业", 4, 1, 3), ("珍珠", 1, 0, 1), ("五金机械", 0, 1, -1)]
    assert _lines(quarters.counts_by(desk, q, "district")) == [
        ("大唐街道", 4, 1, 3), ("山下湖镇", 1, 0, 1), ("暨阳街道", 0, 1, -1)]
    assert _lines(quarters.counts_by(desk, q, "level")) == [("high", 2, 1, 1), ("medium", 2, 1, 1), ("low", 1, 0, 1)]
    assert [(t["title"], t["score"], t["level"], t["status"]) for t in quarters.most_serious(desk, q)] == [
        ("以投资理财名义吸收公众存款", 25, "高", "未销号"), ("向员工高息集资", 16, "高", "未销号"),
        ("contract_fraud风险", 9, "中", "未销号"), ("ip风险", 8, "中", "未销号"), ("bribery风险", 2, "低", "已销号")]
    assert [(x["kind"], x["issued"], x["answered"], x["late"], x["awaiting"])
            for x in quarters.letters_issued(desk, q)] == [
        ("notice", 1, 1, 0, 0), ("advice", 0, 0, 0, 0), ("warning", 1, 0, 0, 1)]
    assert {x["key"]: x["count"] for x in quarters.outcomes(desk, q) if x["count"]} == {"mitigated": 1}
    # The first quarter, seen from its own side: the previous quarter holds one risk (Q4 2025).
    assert quarters.totals(desk, quarters.Quarter(2026, 1))["previous"] == 1
    # Station B counts only its own.
    assert quarters.totals(actor_for("desk_b"), q)["current"] == 1


def test_the_report_job_writes_a_file_to_the_government_through_sign_off(app, city, quarter):
    report = reports.request(actor_for("desk_a"), 2026, 2, "建议加强对袜业企业民间借贷的监测。\n建议市场监管部门联合开展合同诈骗防范宣传。")
    report = reports.get(actor_for("desk_a"), report.id)
    assert (report.status, report.steps_done, report.steps_total, report.provisional) == ("done", 9, 9, False)
    assert report.figures["total"]["current"] == 5 and len(report.figures["top"]) == 5
    document = documents.get(actor_for("desk_a"), report.document_id)
    assert (document.doc_type, document.layout, document.addressees) == (
        "risk_assessment.quarterly_report", "file", ["中共市委", "市人民政府"])
    kinds = [kind for kind, _value in document.body]
    assert kinds.count("figure") == 3 and kinds.count("table") == 6 and kinds.count("contents") == 1
    figure = next(value for kind, value in document.body if kind == "figure")
    assert figure["svg"].startswith("<svg") and "<rect" in figure["svg"] and "图1" in figure["caption"]
    _issue(document.id)
    document = documents.get(actor_for("desk_a"), document.id)
    assert document.number == "甲公〔2026〕2号" and document.status == "issued"   # after the warning list
    text = text_of(documents.pdf(actor_for("desk_a"), document.id))
    for words in ("甲派出所文件", "甲公〔2026〕2号", "关于2026年第二季度全市企业风险情况的报告", "中共市委", "市人民政府",
                  "共评估发现企业风险5项", "较上季度增加3项（150%）", "以投资理财名义吸收公众存款", "非法集资",
                  "建议加强对袜业企业民间借贷的监测", "图2", "风险预警单", "已销号1项，其中已化解1项"):
        assert words in text, words
    assert "草稿" not in text


def test_a_quarter_not_yet_ended_is_only_a_watermarked_draft(app, city, quarter):
    report = reports.request(actor_for("desk_a"), 2026, 3, "建议持续关注。")
    report = reports.get(actor_for("desk_a"), report.id)
    assert report.provisional and report.status == "done" and report.document_id is None
    assert report.figures["total"]["current"] == 1
    drafts = count(documents.Document)
    text = text_of(reports.preview(actor_for("desk_a"), report.id))
    assert "草稿" in text and "2026年第三季度" in text
    assert count(documents.Document) == drafts           # nothing stored that could be signed off


def test_bad_report_requests_are_refused_and_nothing_is_written(app, city, quarter):
    for year, quarter_, text in [(2026, 4, "建议"), (2026, 5, "建议"), ("x", 1, "建议"), (2026, 2, "  ")]:
        with pytest.raises(ValidationError):
            reports.request(actor_for("desk_a"), year, quarter_, text)
    assert count(Report) == 0
    from core.errors import Forbidden

    with pytest.raises(Forbidden):
        reports.request(actor_for("officer_a"), 2026, 2, "建议")


def test_a_failed_job_keeps_its_reason_and_runs_again(app, city, quarter, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(quarters, "most_serious", broken)
    monkeypatch.setattr(quarters, "STEPS", [(n, broken if n == "top" else f) for n, f in quarters.STEPS])
    report = reports.request(actor_for("desk_a"), 2026, 2, "建议")
    report = reports.get(actor_for("desk_a"), report.id)
    assert report.status == "failed" and "database went away" in report.error and report.steps_done == 5
    monkeypatch.undo()
    assert reports.build(report.id).status == "done"


def _claim(report_id, owner):
    """As a run of the job does: the report taken, being built."""
    db.session.execute(update(Report).where(Report.id == report_id).values(
        status="running", claimed_by=owner, claimed_at=clock.now(), document_id=None))
    db.session.commit()


def test_the_report_job_delivered_twice_makes_one_report_and_one_document(app, city, quarter):
    """The queue delivers a job at least once: a second delivery after the first finished
    does nothing; one after a run that died having drafted the document takes over and keeps
    that document; one while a live run builds the report leaves it to that run."""
    report = reports.request(actor_for("desk_a"), 2026, 2, "建议加强监测。", enqueue=False)
    first = reports.build(report.id)
    document_id, drafts = first.document_id, count(documents.Document)
    assert first.status == "done" and document_id is not None
    assert reports.build(report.id).document_id == document_id and count(documents.Document) == drafts
    _claim(report.id, ended_process_owner())       # died after drafting, before recording the report
    again = reports.build(report.id)
    assert (again.status, again.document_id, again.claimed_by) == ("done", document_id, None)
    assert count(documents.Document) == drafts
    assert count(AuditEntry, AuditEntry.action == "risk_assessment.report_built") == 2
    other = subprocess.Popen(["sleep", "60"])       # another worker, alive, building it now
    try:
        live = str(owners.Owner(owners.host_name(), other.pid, owners.start_ticks(other.pid), "w"))
        _claim(report.id, live)
        assert (reports.build(report.id).status, reports.get(actor_for("desk_a"), report.id).claimed_by) == (
            "running", live)
    finally:
        other.kill()
        other.wait()


def test_core_renders_an_unstored_draft_only_when_it_is_valid(app, city):
    build(city)
    drafts = count(documents.Document)
    pdf = documents.preview_draft(actor_for("desk_a"), documents.Draft(
        doc_type="file", title="临时报告", addressees=["市委"], body=[("p", "正文")]))
    assert "草稿" in text_of(pdf) and "临时报告" in text_of(pdf)
    with pytest.raises(ValidationError):
        documents.preview_draft(actor_for("desk_a"), documents.Draft(doc_type="file", title="临时报告", body=[("p", "正文")]))
    assert count(documents.Document) == drafts
