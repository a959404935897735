"""The plugins' official documents say what they are about and speak as the
unit that issues them: every title is 关于<事由>的<文种> naming the record's
matter (the enterprise, the quarter, the month, the project); the body names
its issuer as that unit calls itself (本中心 from the centre, 我所 from a
station, 我局 from the city bureau, or the words the administrator set on the
unit) and never as another unit would; only the documents going up to the
party committee and government (the warning list, the quarterly report) are
上行文. The administrator sets a unit's words on its form."""
import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.documents import services as documents
from core.extensions import db
from core.org.actor import shell_actor
from core.org.models import Unit
from core.org.services import SELF_REFERENCES, save_user, self_reference
from core.plugins import services as plugin_services
from tests.conftest import PASSWORD, actor_for, login
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

# Every way a document may name its issuer; a body uses its own unit's words and none of the others.
ISSUER_WORDS = set(SELF_REFERENCES.values()) | {"我单位", "本局", "我中心", "本所"}
CUSTOM = "本派出所"


def body_text(document) -> str:
    """The words of a document's body: paragraphs, headings, table cells, captions."""
    parts = []
    for kind, value in document.body:
        if kind == "table":
            parts += value["columns"] + [cell for row in value["rows"] for cell in row]
        elif kind == "figure":
            parts.append(value["caption"])
        elif isinstance(value, str):
            parts.append(value)
    return "\n".join(parts)


def assert_worded_as(document, issuer: str | None):
    """The body names its issuer as ``issuer`` (None: not at all), never with another unit's words."""
    text = body_text(document)
    if issuer is not None:
        assert issuer in text, (document.title, issuer)
    for words in ISSUER_WORDS - {issuer}:
        assert words not in text, (document.title, words)


def enable(plugin, *codes):
    for unit in codes:
        plugin_services.set_enabled(shell_actor(), unit, plugin, True)


def city_desk(city):
    """A desk clerk at the city bureau itself."""
    save_user(shell_actor(), {"username": "desk_city", "name": "市局窗口", "unit_id": city.city.id, "roles": ["desk"],
                              "password": PASSWORD})
    return actor_for("desk_city")


def name_unit(unit, words):
    unit.self_reference = words
    db.session.commit()


# --- 两书一单 and the quarterly report --------------------------------------------------------

def test_risk_documents_name_the_enterprise_and_the_risk_and_the_two_going_up_are_upward(app, city):
    from plugins.risk_assessment import assessments, letters, reports
    from tests.risk_assessment_world import build, risk

    world = build(city)
    enable("risk_assessment", "HQ", "CITY")
    station, centre, bureau = actor_for("desk_a"), actor_for("desk"), city_desk(city)
    assessment = assessments.create(station, world.enterprises[0], "2026年第一季度企业风险评估")
    high = assessments.add_risk(station, assessment.id, risk("fundraising", 5, 4, title="以高息向员工集资"))
    low = assessments.add_risk(station, assessment.id, risk("bid_rigging", 2, 2, title="投标报价雷同"))
    both, firm = [high.id, low.id], "甲区第一针织有限公司"
    department = {"addressee_kind": "department", "addressee": "诸暨市市场监督管理局"}

    drafted = [  # issuer, the words it names itself by, kind, risks, addressee → the title
        (station, "我所", "notice", both, {}, f"关于{firm}非法集资等风险的提示书"),
        (station, "我所", "notice", [low.id], department, f"关于{firm}串通投标风险的提示书"),
        (centre, "本中心", "advice", both, {}, f"关于防范{firm}非法集资等风险的意见建议书"),
        (bureau, "我局", "advice", [high.id], department, f"关于防范{firm}非法集资风险的意见建议书"),
        (station, "我所", "warning", both, {}, f"关于{firm}非法集资等隐患的风险预警单"),
    ]
    seen_types = set()
    for actor, words, kind, risk_ids, extra, title in drafted:
        letter = letters.draft(actor, assessment.id, kind, risk_ids, **extra)
        document = documents.get(actor, letter.document_id)
        assert document.title == title
        assert_worded_as(document, words)
        assert document.upward is (kind == "warning"), title
        seen_types.add(document.doc_type)
    assert seen_types == {letters.NOTICE_LETTER, letters.NOTICE_FILE, letters.ADVICE_LETTER, letters.ADVICE_FILE,
                          letters.WARNING_LIST}

    report = reports.request(station, 2025, 4, "建议加强对袜业企业民间借贷的监测。")
    document = documents.get(station, report.document_id)
    assert document.title == "关于2025年第四季度全市企业风险情况的报告"
    assert document.upward is True
    assert_worded_as(document, None)


# --- 综合查一次 -----------------------------------------------------------------------------

def test_inspection_documents_name_the_enterprise_and_speak_as_the_centre(app, city):
    from plugins.inspection import letters, plans, visits
    from tests.inspection_world import build, plan_input

    world = build(city)
    enable("inspection", "HQ")
    plan = plans.run_draw(actor_for("desk_a"), plans.create(actor_for("desk_a"), plan_input(world, city)).id)
    visit = plan.visits[0]
    firm, item = visit.enterprise.name, visit.plan.form.items[0]
    centre = actor_for("desk")

    notice = letters.notice(centre, visit.id)
    results = {i.id: visits.ItemResult("issue", "未按规定登记旅客身份信息") if i.id == item.id
               else visits.ItemResult("compliant") for i in visit.plan.form.items}
    visits.record(actor_for("desk_a"), visit.id, results)
    result = letters.result(centre, visit.id)
    order = visits.get(centre, visit.id).findings[0].rectification
    rectification = letters.rectification(centre, order.id)
    assert [d.title for d in (notice, result, rectification)] == [
        f"关于对{firm}开展“综合查一次”联合检查的通知书",
        f"关于{firm}“综合查一次”联合检查结果的告知书",
        f"关于责令{firm}限期整改{item.name}问题的通知书"]
    for document in (notice, result, rectification):
        assert_worded_as(document, "本中心")
        assert document.upward is False

    name_unit(city.station_a, CUSTOM)             # the station's own words, set by the administrator
    assert_worded_as(letters.notice(actor_for("desk_a"), visit.id), CUSTOM)


# --- 知产警官在线 ---------------------------------------------------------------------------

def test_ip_documents_name_the_enterprise_and_speak_as_the_station(app, city):
    from plugins.ip_protection import checks, consultations, letters
    from tests.ip_protection_world import NAME, build
    from tests.test_ip_protection_checks import data

    world = build(city)
    officer = actor_for("officer_a")
    check = checks.record(officer, world.enterprise.id, data([80, 70, 40, 60, 90, 50, 100]))
    report = letters.check_report(officer, check.id)
    assert report.title == f"关于{NAME}知识产权保护体检情况的报告"
    assert_worded_as(report, "我所")

    row = consultations.register(actor_for("desk_a"), world.enterprise.id,
                                 consultations.Question(question="商标续展需要注意什么？", topic="trademark"))
    consultations.answer(officer, row.id, "注册商标有效期满前十二个月内办理续展。")
    reply = letters.reply(officer, row.id)
    assert reply.title == f"关于{NAME}知识产权咨询事项的答复函"
    assert_worded_as(reply, None)               # a reply says 你单位 … 收悉, never who answers
    assert not report.upward and not reply.upward

    name_unit(city.station_a, CUSTOM)
    assert_worded_as(letters.check_report(officer, check.id), CUSTOM)


# --- 出入境绿色通道 -------------------------------------------------------------------------

def test_exit_entry_documents_name_the_enterprise_and_speak_as_the_bureau(app, city):
    from plugins.exit_entry import applications, letters
    from tests.exit_entry_world import applicant, build

    world = build(city)
    enable("exit_entry", "CITY")
    application = applications.register(actor_for("desk_a"), world.enterprises[0], [applicant(1), applicant(2)])
    bureau = city_desk(city)
    receipt = letters.receipt(bureau, application.id)
    letter = letters.recommendation(bureau, application.id)
    assert receipt.title == "关于甲区外贸企业0号出入境证件“绿色通道”申请的受理回执"
    assert letter.title == "关于为甲区外贸企业0号人员优先办理出入境证件的推荐函"
    assert_worded_as(receipt, "我局")
    assert_worded_as(letter, None)
    assert not receipt.upward and not letter.upward
    assert_worded_as(letters.receipt(actor_for("desk_a"), application.id), "我所")


# --- 项目警官 -------------------------------------------------------------------------------

def test_project_documents_name_the_project_and_the_month_and_stay_internal(app, city):
    from plugins.project_officer import dossier, monthly
    from tests.project_officer_world import build
    from tests.test_project_officer_documents import fill

    world = build(city)
    fill(world, visits_count=1, risks_count=1)
    archive = dossier.make(actor_for("desk_a"), world.project_id)
    summary = monthly.make(actor_for("desk_a"), 2026, 2)
    assert archive.title == "杭诸高铁诸暨站综合枢纽工程“五个一”工作档案"
    assert summary.title == "关于2026年2月重点项目警官工作情况的报告"
    for document in (archive, summary):
        assert_worded_as(document, None)
        assert document.upward is False


# --- the unit's own words, on its form --------------------------------------------------------

def _unit_form(station, **changes):
    form = {"code": station.code, "name": station.name, "kind": station.kind, "parent_id": station.parent_id,
            "doc_prefix": station.doc_prefix or "", "active": "y", "version": station.version}
    form.update(changes)
    return form


def test_the_administrator_sets_and_clears_a_units_words_and_too_long_is_refused(app, city):
    client = fresh_client(app)
    login(client, "admin")
    url = f"/admin/units/{city.station_a.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'placeholder="我所"' in page                  # what an empty field falls back to

    response = client.post(url, data=_unit_form(city.station_a, self_reference=f" {CUSTOM} "), follow_redirects=True)
    assert response.status_code == 200 and CUSTOM in response.get_data(as_text=True)    # the unit list shows it
    db.session.expire_all()
    assert db.session.get(Unit, city.station_a.id).self_reference == CUSTOM
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "unit.update")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.object_id == str(city.station_a.id) and entry.detail["self_reference"] == CUSTOM

    station = db.session.get(Unit, city.station_a.id)
    response = client.post(url, data=_unit_form(station, self_reference="我" * 11, name="", code="!"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "10" in page and page.count('class="error"') == 3       # every error at once, the words' among them
    db.session.expire_all()
    assert db.session.get(Unit, city.station_a.id).self_reference == CUSTOM       # nothing changed

    response = client.post(url, data=_unit_form(station, self_reference=""))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Unit, city.station_a.id).self_reference is None
    assert self_reference(db.session.get(Unit, city.station_a.id)) == "我所"    # back to the usual words


@pytest.mark.parametrize("kind, words", [("centre", "本中心"), ("station", "我所"), ("city_bureau", "我局"),
                                         ("brigade", "我大队")])
def test_a_unit_that_has_not_said_is_named_by_the_usual_words_of_its_kind(kind, words):
    assert self_reference(Unit(kind=kind)) == words
    assert self_reference(Unit(kind=kind, self_reference=CUSTOM)) == CUSTOM
