"""A risk warning list (风险预警单) drawn for a class of enterprises — one
industry in one district — naming the open assessed risks of that class's
enterprises within the user's units, issued as one core document; and the
quarter's figures counting each risk where its enterprise was when it was found."""
import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.documents import services as documents
from core.errors import ValidationError
from core.extensions import db
from core.registry import services as registry
from plugins.risk_assessment import assessments, follow_up, letters, quarters
from plugins.risk_assessment.models import Letter
from tests.conftest import actor_for, login
from tests.helpers import code, count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.risk_assessment_world import build, risk


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def assess(actor, enterprise_id, *risks):
    assessment = assessments.create(actor, enterprise_id, "2026年第一季度企业风险评估")
    return [assessments.add_risk(actor, assessment.id, r) for r in risks]


@pytest.fixture
def classes(app, city):
    """Station A: two hosiery firms in 大唐街道 with risks, a hosiery firm in
    暨阳街道 and a hardware firm with risks; station B: a hosiery firm in 大唐街道
    with a risk."""
    world = build(city)
    desk_a, desk_b = actor_for("desk_a"), actor_for("desk_b")
    first, second, hardware, _pearl = world.enterprises
    elsewhere = registry.create(desk_a, {"name": "甲区暨阳袜业有限公司", "credit_code": code(401), "industry": "袜业",
                                         "district": "暨阳街道"}).id
    at_b = registry.create(desk_b, {"name": "乙区大唐袜业有限公司", "credit_code": code(402), "industry": "袜业",
                                    "district": "大唐街道"}).id
    high, closed = assess(desk_a, first, risk("fundraising", 5, 4, title="以高息向员工集资"),
                          risk("tax", 3, 3, title="虚开发票线索"))
    assessments.close_risk(desk_a, closed.id, "not_confirmed", "经核查不属实。")
    (low,) = assess(desk_a, second, risk("bid_rigging", 2, 2, area="business_process", title="投标报价雷同",
                                         measures="建立投标文件内部审核制度。"))
    assess(desk_a, elsewhere, risk("ip", 4, 4, title="暨阳袜业商标侵权"))
    assess(desk_a, hardware, risk("contract_fraud", 4, 4, title="五金合同诈骗"))
    assess(desk_b, at_b, risk("fundraising", 5, 5, title="乙区袜企集资"))
    return {"first": first, "second": second, "high": high, "low": low, "closed": closed}


def issue(document_id):
    documents.submit(actor_for("desk_a"), document_id)
    documents.sign_off(actor_for("leader_a"), document_id)
    documents.issue(actor_for("desk_a"), document_id)
    return documents.get(actor_for("desk_a"), document_id), documents.pdf(actor_for("desk_a"), document_id)


def test_a_class_warning_list_names_only_that_classs_open_risks_within_scope(app, classes):
    desk = actor_for("desk_a")
    assert [r.title for r in letters.class_risks(desk, "袜业", "大唐街道")] == ["以高息向员工集资", "投标报价雷同"]
    letter = letters.draft_for_class(desk, "袜业", "大唐街道")
    assert (letter.assessment_id, letter.enterprise_id, letter.industry, letter.district) == (
        None, None, "袜业", "大唐街道")
    assert (letter.kind, letter.addressee_kind, letter.addressee) == ("warning", "government", "市委、市政府")
    assert letter.risk_ids == sorted([classes["high"].id, classes["low"].id])
    assert letter.due_on == date(2026, 3, 30)                  # 20 working days after Monday 2 March
    document, pdf = issue(letter.document_id)
    assert (document.doc_type, document.layout, document.number) == ("risk_assessment.warning_list", "file",
                                                                     "甲公〔2026〕1号")
    assert document.related_type == "risk_assessment_letter" and document.related_id == letter.id
    assert document.title == "关于大唐街道袜业行业企业非法集资等隐患的风险预警单"
    text = text_of(pdf)
    for words in ("市委、市政府", "大唐街道袜业行业企业共2家", "其中2家企业存在尚未销号的风险隐患2项", "甲区第一针织有限公司",
                  "以高息向员工集资", "甲区第二针织有限公司", "投标报价雷同", "建立投标文件内部审核制度", "2026年3月30日前"):
        assert words in text, words
    for other in ("虚开发票线索", "暨阳袜业", "五金合同诈骗", "乙区"):       # closed, another district or industry, another unit
        assert other not in text, other
    assert text.index("以高息向员工集资") < text.index("投标报价雷同")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "risk_assessment.class_warning"))
    assert entry.object_id == str(letter.id) and entry.detail["industry"] == "袜业"
    assert entry.detail["enterprises"] == sorted([classes["first"], classes["second"]])
    assert entry.detail["document_id"] == document.id


def test_another_units_class_warning_list_names_its_own_enterprises(app, classes):
    desk_b = actor_for("desk_b")
    assert [r.title for r in letters.class_risks(desk_b, "袜业", "大唐街道")] == ["乙区袜企集资"]
    with pytest.raises(ValidationError) as error:                  # station A's industries are not B's to choose
        letters.draft_for_class(desk_b, "五金机械", "暨阳街道")
    assert "industry" in error.value.errors


def test_a_class_without_open_risks_or_not_in_the_area_is_refused_and_nothing_is_written(app, classes):
    desk = actor_for("desk_a")
    drafts = count(documents.Document)
    for industry, district, extra, field in [
            ("珍珠", "山下湖镇", {}, "industry"),                  # no risk assessed
            ("袜业", "无此街道", {}, "district"), ("无此行业", "大唐街道", {}, "industry"),
            ("袜业", "大唐街道", {"addressee_kind": "enterprise"}, "addressee_kind"),
            ("袜业", "大唐街道", {"addressee_kind": "department"}, "addressee"),
            ("袜业", "大唐街道", {"due_on": date(2026, 3, 2)}, "due_on")]:
        with pytest.raises(ValidationError) as error:
            letters.draft_for_class(desk, industry, district, **extra)
        assert field in error.value.errors, (industry, district, extra)
    assert count(Letter) == 0 and count(documents.Document) == drafts
    refused = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "risk_assessment.class_warning")).all()
    assert len(refused) == 6 and {e.result for e in refused} == {"rejected"}


def test_the_class_warning_page_shows_the_risks_and_drafts_the_list(app, classes):
    client = fresh_client(app)
    login(client, "desk_a")
    client.post("/lang", data={"lang": "en"})
    assert 'data-testid="ra-class-warning"' in client.get("/p/risk_assessment/").get_data(as_text=True)
    page = client.get("/p/risk_assessment/warnings/class").get_data(as_text=True)
    assert '<option value="袜业">袜业</option>' in page and '<option value="大唐街道">大唐街道</option>' in page
    assert "乙区" not in page
    page = client.get("/p/risk_assessment/warnings/class?industry=袜业&district=大唐街道").get_data(as_text=True)
    shown = re.search(r'data-testid="ra-class-risks".*?</section>', page, re.S).group(0)
    assert "以高息向员工集资" in shown and "投标报价雷同" in shown and "甲区第一针织有限公司" in shown
    assert "五金合同诈骗" not in shown and "暨阳袜业" not in shown and "虚开发票线索" not in shown
    response = client.post("/p/risk_assessment/warnings/class", data={
        "industry": "袜业", "district": "大唐街道", "addressee_kind": "department", "addressee": "诸暨市经济和信息化局",
        "submission_key": "class-1"})
    assert response.status_code == 303
    letter = db.session.scalar(select(Letter))
    assert response.headers["Location"].endswith(f"/documents/{letter.document_id}")
    assert letter.addressee == "诸暨市经济和信息化局"
    page = client.get(f"/p/risk_assessment/letters/{letter.id}").get_data(as_text=True)
    assert 'data-testid="ra-letter-class"' in page and "甲区第二针织有限公司" in page
    index = client.get("/p/risk_assessment/").get_data(as_text=True)
    assert 'data-testid="ra-class-letters"' in index and f"/p/risk_assessment/letters/{letter.id}" in index
    assert follow_up.state(letter) == "drafting"

    refused = client.post("/p/risk_assessment/warnings/class", data={"industry": "珍珠", "district": "山下湖镇",
                                                                    "submission_key": "class-2"})
    assert refused.status_code == 400 and "nothing to warn of" in refused.get_data(as_text=True)


def test_another_unit_cannot_see_a_class_warning_list(app, classes):
    letter = letters.draft_for_class(actor_for("desk_a"), "袜业", "大唐街道")
    b = fresh_client(app)
    login(b, "desk_b")
    assert b.get(f"/p/risk_assessment/letters/{letter.id}").status_code == 404
    assert f"/p/risk_assessment/letters/{letter.id}" not in b.get("/p/risk_assessment/").get_data(as_text=True)


def test_a_quarters_figures_count_a_risk_where_its_enterprise_was_when_found(app, classes):
    desk = actor_for("desk_a")
    registry.update(desk, classes["first"], {"industry": "纺织", "district": "浣东街道"})
    quarter = quarters.Quarter(2026, 1)
    industries = {line["key"]: line["current"] for line in quarters.counts_by(desk, quarter, "industry")}
    districts = {line["key"]: line["current"] for line in quarters.counts_by(desk, quarter, "district")}
    assert industries.get("袜业") == 4 and "纺织" not in industries      # three at 大唐 (one closed), one at 暨阳
    assert districts.get("大唐街道") == 3 and "浣东街道" not in districts
    top = {line["title"]: line for line in quarters.most_serious(desk, quarter)}
    assert (top["以高息向员工集资"]["industry"], top["以高息向员工集资"]["district"]) == ("袜业", "大唐街道")
