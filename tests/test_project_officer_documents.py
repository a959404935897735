"""The project file (一套档案) as one PDF with a table of contents, the
monthly summary letter, the enterprise panel and dashboard widget, per-unit
enablement, and the pages."""
import io
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from core.documents import services as documents
from core.errors import NotFound, ValidationError
from core.org.actor import shell_actor
from core.plugins import services as plugin_services
from plugins.project_officer import dossier, meetings, monthly, plan_versions, risks, team, visits
from tests.conftest import actor_for, login
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.project_officer_world import build, user_id

NUMBERS = "一二三四五六七"


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pages_of(pdf: bytes) -> list[str]:
    return [flat(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def fill(world, visits_count=3, risks_count=2):
    desk, officer = actor_for("desk_a"), actor_for("officer_a")
    team.add_police(desk, world.project_id, user_id("officer_a2"), "协助走访")
    team.add_contact(desk, world.project_id, "周经理", "项目经理", "13857512345")
    team.handover(desk, world.project_id, "officer", user_id("officer_a2"), "移交台账")
    version = plan_versions.start(desk, world.project_id)
    plan_versions.save(desk, version.id, {"risks": "征地拆迁遗留问题可能引发阻工", "measures": "每月走访一次",
                                          "contacts": "项目经理周经理", "emergency": "发生阻工立即出警"})
    plan_versions.approve(actor_for("leader_a"), version.id)
    for n in range(1, visits_count + 1):
        visits.record(officer, world.project_id, date(2026, 3, 2) - timedelta(days=n), f"甲{n:03d}",
                      f"施工方反映问题{n}", "现场协调", "下次回访")
    meetings.record(officer, world.project_id, "joint", date(2026, 2, 20), "街道、住建、派出所", "阻工问题", "分工负责")
    made = []
    for n in range(1, risks_count + 1):
        risk = risks.create(officer, world.project_id, risks.RiskInput(
            risk_type=["obstruction", "wages", "extortion"][n % 3], level=["high", "medium", "low"][n % 3],
            title=f"R{n:02d}号事项", description=f"第{n}项情况说明。", found_on=date(2026, 3, 2) - timedelta(days=n)))
        if n % 2:
            risks.add_action(officer, risk.id, "action", f"约谈当事人{n}")
            risks.resolve(officer, risk.id, f"已化解{n}")
        made.append(risk)
    ticket = risks.register_ticket(desk, made[0].id)
    return ticket


def check_contents(pages, document):
    """The contents on the first pages name every section and the page holding it."""
    assert "目录" in pages[0]
    first = int(re.search(r"一、项目基本情况\.*(\d+)", pages[0]).group(1))
    contents = "".join(pages[:first])              # the contents run into the first section's page
    headings = [kind_text for kind_text in document.body if kind_text[0] in ("h1", "h2")]
    h1 = [text for kind, text in headings if kind == "h1"]
    assert h1 == list(dossier.SECTIONS)
    for n, title in enumerate(h1):
        entry = re.search(re.escape(f"{NUMBERS[n]}、{title}") + r"\.*(\d+)", contents)
        assert entry, (title, contents)
        assert f"{NUMBERS[n]}、{title}" in pages[int(entry.group(1)) - 1]      # the page it names holds it
    assert len(re.findall(r"（[一二三四五六七八九十]+）", contents)) == sum(1 for k, _t in headings if k == "h2")


def test_the_file_is_one_pdf_whose_contents_match_its_sections(app, city):
    world = build(city)
    ticket = fill(world)
    document = dossier.make(actor_for("desk_a"), world.project_id)
    assert document.doc_type == dossier.DOSSIER and document.layout == "file" and document.family == dossier.DOSSIER
    assert document.related_type == "project_officer_project" and document.related_id == world.project_id
    pdf = dossier.pdf(actor_for("desk_a"), world.project_id)
    pages = pages_of(pdf)
    assert "目录" not in "".join(pages)          # a short file shows no contents (the long one below does)
    text = "".join(pages)
    for expected in ("杭诸高铁诸暨站综合枢纽工程", "诸暨高铁新城建设有限公司", "285000万元",
                     "民警钱二", "周经理", "138****2345", "移交台账", "第1版", "征地拆迁遗留问题可能引发阻工",
                     "甲001", "甲003", "联席座谈", "R01号事项", "已化解1", "尚在稳控化解中", ticket.number):
        assert expected in text, expected
    assert "13857512345" not in text


def test_a_project_with_100_visits_and_50_risks_renders_completely(app, city):
    world = build(city)
    fill(world, visits_count=100, risks_count=50)
    document = dossier.make(actor_for("desk_a"), world.project_id)
    pages = pages_of(dossier.pdf(actor_for("desk_a"), world.project_id))
    check_contents(pages, document)
    text = "".join(pages)
    missing = [n for n in range(1, 101) if f"甲{n:03d}" not in text]
    assert missing == []
    assert [n for n in range(1, 51) if f"R{n:02d}号事项" not in text] == []
    assert "建档以来共走访100次" in text and "共排查50项，已化解25项，尚在稳控25项" in text


def test_the_file_is_made_by_a_unit_that_sees_the_project_and_downloaded_from_its_page(app, city):
    world = build(city)
    with pytest.raises(NotFound):
        dossier.make(actor_for("desk_b"), world.project_id)
    with pytest.raises(NotFound):
        dossier.pdf(actor_for("desk_a"), world.project_id)              # not made yet
    client = fresh_client(app)
    login(client, "officer_a")
    assert client.post(f"/p/project_officer/projects/{world.project_id}/dossier").status_code == 303
    page = client.get(f"/p/project_officer/projects/{world.project_id}").get_data(as_text=True)
    assert 'data-testid="download-dossier"' in page
    response = client.get(f"/p/project_officer/projects/{world.project_id}/dossier.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    other = fresh_client(app)
    login(other, "desk_b")
    assert other.get(f"/p/project_officer/projects/{world.project_id}/dossier.pdf").status_code == 404


def test_the_monthly_summary_for_the_leader(app, city):
    world = build(city)
    fill(world, visits_count=3, risks_count=3)
    document = monthly.make(actor_for("desk_a"), 2026, 2)
    assert document.doc_type == monthly.MONTHLY and document.layout == "letter"
    assert document.addressees == ["甲所李所长同志"]
    text = flat("".join(pages_of(documents.preview(actor_for("desk_a"), document.id))))
    assert "关于2026年2月重点项目警官工作情况的报告" in text
    assert "本月开展走访2次" in text                       # 28 February and 27 February; 1 March is next month
    assert "本月新排查2项（高风险1项、中风险0项、低风险1项）" in text and "移送工单专案办理1件" not in text
    figure = next(value for kind, value in document.body if kind == "figure")
    assert "图1近六个月" in text and "9月" in figure["svg"] and "2月" in figure["svg"]      # September to February
    march = flat("".join(pages_of(documents.preview(actor_for("desk_a"), monthly.make(actor_for("desk_a"), 2026, 3).id))))
    assert "本月开展走访1次" in march and "本月新排查1项" in march and "移送工单专案办理1件" in march
    with pytest.raises(ValidationError):
        monthly.make(actor_for("desk_a"), 2026, 4)           # a month that has not begun
    with pytest.raises(ValidationError):
        monthly.make(actor_for("desk_b"), 2026, 2)           # no project files at station B


def test_enterprise_panel_dashboard_widget_and_a_unit_without_the_plugin(app, city):
    world = build(city)
    fill(world, visits_count=1, risks_count=3)
    a = fresh_client(app)
    login(a, "desk_a")
    panel = a.get(f"/enterprises/{world.enterprise_a}").get_data(as_text=True)
    assert 'data-testid="project-officer-panel"' in panel and "杭诸高铁诸暨站综合枢纽工程" in panel
    home = a.get("/").get_data(as_text=True)
    assert 'data-testid="project-officer-widget"' in home and "/p/project_officer/" in home
    assert re.search(r'data-testid="stage-construction">1<', home)
    assert re.search(r'data-testid="open-low">1<', home)        # risk 2 open (low); 1 and 3 resolved
    assert re.search(r'data-testid="on-schedule">1 / 1<', home)
    plugin_services.set_enabled(shell_actor(), "STB", "project_officer", False)
    b = fresh_client(app)
    login(b, "desk_b")
    for url in ("/p/project_officer/", f"/p/project_officer/projects/{world.project_id}", "/p/project_officer/queue",
                "/p/project_officer/rules"):
        assert b.get(url).status_code == 404, url
    assert b.post(f"/p/project_officer/projects/{world.project_id}/visits").status_code == 404
    home = b.get("/").get_data(as_text=True)
    assert "/p/project_officer/" not in home and 'data-testid="project-officer-widget"' not in home
    plugin_services.set_enabled(shell_actor(), "STA", "project_officer", False)
    assert a.get(f"/p/project_officer/projects/{world.project_id}").status_code == 404
    assert 'data-testid="project-officer-panel"' not in a.get(f"/enterprises/{world.enterprise_a}").get_data(as_text=True)
    assert "project_officer.dossier" not in documents.types(actor_for("desk_a"))


def test_the_pages_register_a_project_and_record_its_work(app, city):
    world = build(city)
    client = fresh_client(app)
    login(client, "desk_a")
    form = client.get(f"/p/project_officer/projects/new?enterprise={world.enterprise_a}").get_data(as_text=True)
    assert "诸暨高铁新城建设有限公司" in form
    bad = client.post("/p/project_officer/projects/new", data={"name": "新项目", "enterprise_id": world.enterprise_a,
                                                              "stage": "planning", "visit_interval_months": "1",
                                                              "leader_id": user_id("leader_a")})
    assert bad.status_code == 400 and 'data-testid="errors"' in bad.get_data(as_text=True)
    response = client.post("/p/project_officer/projects/new", data={
        "name": "诸暨经开区污水处理厂扩建", "enterprise_id": world.enterprise_a, "stage": "planning",
        "officer_id": user_id("officer_a"), "leader_id": user_id("leader_a"), "visit_interval_months": "2",
        "investment": "12000.5", "starts_on": "2026-04-01"})
    assert response.status_code == 303
    url = response.headers["Location"]
    assert client.post(url + "/visits", data={"visited_on": "2026-03-02", "visitors": "民警甲"}).status_code == 303
    future = client.post(url + "/visits", data={"visited_on": "2026-03-05", "visitors": "民警甲"}, follow_redirects=True)
    assert future.status_code == 200
    page = client.get(url).get_data(as_text=True)
    assert page.count('data-testid="visit"') == 1
    response = client.post(url + "/risks", data={"risk_type": "wages", "level": "low", "title": "分包欠薪",
                                                 "found_on": "2026-03-01"})
    assert response.status_code == 303 and "/risks/" in response.headers["Location"]
    no_level = client.post(url + "/risks", data={"risk_type": "wages", "title": "分包欠薪", "found_on": "2026-03-01"})
    assert no_level.status_code == 303 and no_level.headers["Location"].endswith(url)     # back, with the message
    assert client.get(url).get_data(as_text=True).count('data-testid="risk"') == 1
