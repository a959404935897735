"""Cases and their core tickets (linked both ways), evidence and handling;
regional brands (a duplicate registration number refused), members and
alerts linked to cases; outreach counted per enterprise and per officer; the
enterprise panel, the dashboard widget and per-unit enablement."""
import io
import re
from datetime import date

import pytest

from core.errors import Forbidden, NotFound, ValidationError
from core.org.actor import shell_actor
from core.plugins import services as plugin_services
from core.registry import services as registry
from core.tickets import attachments
from core.tickets import services as tickets
from core.tickets.models import Ticket
from plugins.ip_protection import brands, cases, checks, consultations, outreach
from plugins.ip_protection.models import Brand, BrandMember, Case, Evidence
from tests import pdfs
from tests.conftest import actor_for, login
from tests.helpers import count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.ip_protection_world import build

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))


def report(world, **changes):
    values = dict(kind="trademark", rights="第12345678号“华达”注册商标", infringer="某网店",
                  infringer_details="某电商平台店铺", description="网店销售假冒“华达”牌管件。",
                  evidence=attachments.check_uploads([("假冒品.png", io.BytesIO(PNG))]))
    values.update(changes)
    return cases.report(actor_for("desk_a"), world.enterprise.id, cases.Report(**values))


def test_a_report_opens_a_ticket_of_the_plugin_category_linked_both_ways(app, city):
    world = build(city)
    case = report(world)
    ticket = tickets.get(actor_for("desk_a"), case.ticket_id)
    assert ticket.category == "ip_protection.infringement" and ticket.enterprise_id == world.enterprise.id
    assert "某网店" in ticket.description and "假冒注册商标" in ticket.description
    assert cases.of_ticket(actor_for("desk_a"), ticket.id).id == case.id
    assert len(case.evidence) == 1 and case.status == "registered"
    client = fresh_client(app)
    login(client, "desk_a")
    case_page = client.get(f"/p/ip_protection/cases/{case.id}").get_data(as_text=True)
    assert f'href="/tickets/{ticket.id}"' in case_page                      # case → ticket
    ticket_page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="ip-ticket-panel"' in ticket_page
    assert f'href="/p/ip_protection/cases/{case.id}"' in ticket_page          # ticket → case
    # A ticket of another category has no panel; a unit without the plugin shows none.
    other = tickets.register(actor_for("desk_a"), tickets.Intake(
        enterprise_id=world.enterprise.id, channel="hotline", category="dispute", ticket_class="general",
        handling_mode="follow", description="门口堵路。"))
    assert 'data-testid="ip-ticket-panel"' not in client.get(f"/tickets/{other.id}").get_data(as_text=True)
    plugin_services.set_enabled(shell_actor(), "STA", "ip_protection", False)
    assert 'data-testid="ip-ticket-panel"' not in client.get(f"/tickets/{ticket.id}").get_data(as_text=True)


def test_a_case_without_an_enterprise_or_its_facts_is_refused_and_nothing_written(app, city):
    world = build(city)
    with pytest.raises(ValidationError) as caught:
        cases.report(actor_for("desk_a"), None, cases.Report(kind="patent", rights="ZL2025", infringer="甲",
                                                             description="抄袭外观设计。"))
    assert "enterprise_id" in caught.value.errors
    for changes, field in ((dict(kind="theft"), "kind"), (dict(rights=""), "rights"), (dict(infringer=" "), "infringer"),
                           (dict(description=""), "description")):
        with pytest.raises(ValidationError) as caught:
            report(world, **changes)
        assert field in caught.value.errors
    with pytest.raises(Forbidden):                     # officers do not open tickets
        cases.report(actor_for("officer_a"), world.enterprise.id, cases.Report(kind="patent"))
    assert count(Case) == 0 and count(Ticket) == 0 and count(Evidence) == 0


def test_handling_evidence_and_findings(app, city):
    world = build(city)
    case = report(world, submission_key="c" * 64)
    assert report(world, submission_key="c" * 64).id == case.id and count(Ticket) == 1
    with pytest.raises(ValidationError):                # registered cannot jump to filed
        cases.move(actor_for("officer_a"), case.id, "filed")
    cases.move(actor_for("officer_a"), case.id, "investigating", "调取网店交易记录")
    cases.add_evidence(actor_for("officer_a"), case.id,
                       attachments.check_uploads([("交易记录.pdf", io.BytesIO(pdfs.PLAIN))]), "交易记录")
    with pytest.raises(NotFound):
        cases.add_evidence(actor_for("officer_b"), case.id, [])
    found = [f for f in registry.findings(actor_for("desk_a"), world.enterprise.id) if f.source == "ip_protection.case"]
    assert [(f.ref, f.is_open, f.values) for f in found] == [(case.id, True, {"ip_case_id": case.id})]
    with pytest.raises(ValidationError):                # closing says how it ended
        cases.move(actor_for("officer_a"), case.id, "closed")
    cases.move(actor_for("officer_a"), case.id, "closed", "已移送起诉")
    case = cases.get(actor_for("desk_a"), case.id)
    assert [e.status for e in case.events] == ["registered", "investigating", "closed"] and len(case.evidence) == 2
    assert not [f for f in registry.findings(actor_for("desk_a"), world.enterprise.id) if f.source == "ip_protection.case"]
    client = fresh_client(app)
    login(client, "officer_a")
    assert client.get(f"/p/ip_protection/evidence/{case.evidence[1].id}").data.startswith(b"%PDF")
    b = fresh_client(app)
    login(b, "desk_b")
    assert b.get(f"/p/ip_protection/evidence/{case.evidence[1].id}").status_code == 404
    assert b.get(f"/p/ip_protection/cases/{case.id}").status_code == 404


def test_regional_brands_members_and_alerts(app, city):
    world = build(city)
    desk = actor_for("desk_a")
    planned = brands.load_plan(desk)
    assert [b.name for b in planned] == ["诸暨管业", "诸暨袜业", "诸暨珍珠", "同山烧"]
    assert brands.load_plan(desk) == []                     # listed once
    pipes = planned[0]
    with pytest.raises(ValidationError) as caught:           # registered needs a number and a holder
        brands.save(desk, {"name": "诸暨管业", "status": "registered"}, pipes.id)
    assert "registration_number" in caught.value.errors
    brands.save(desk, {"name": "诸暨管业", "industry": "管道阀门", "association": "诸暨市管业行业协会",
                       "status": "registered", "registration_number": "12 345 678", "classes": "6, 17",
                       "registered_on": date(2020, 5, 1), "valid_until": date(2030, 4, 30)}, pipes.id)
    assert brands.get(desk, pipes.id).registration_number == "12345678"
    with pytest.raises(ValidationError) as caught:            # a duplicate registration number
        brands.save(desk, {"name": "诸暨袜业", "association": "诸暨市袜业协会", "status": "registered",
                           "registration_number": "12345678"}, planned[1].id)
    assert "registration_number" in caught.value.errors
    assert brands.get(desk, planned[1].id).status == "planned"      # nothing half-written
    with pytest.raises(ValidationError):
        brands.save(desk, {"name": "新品牌", "association": "协会", "status": "applied", "registration_number": "12345678"})
    assert count(Brand) == 4
    member = brands.add_member(desk, pipes.id, world.enterprise.id, "许可使用")
    with pytest.raises(ValidationError):
        brands.add_member(desk, pipes.id, world.enterprise.id)
    with pytest.raises(ValidationError):
        brands.add_member(actor_for("desk_b"), brands.load_plan(actor_for("desk_b"))[0].id, world.enterprise.id)
    assert [m.brand.name for m in brands.memberships(desk, world.enterprise.id)] == ["诸暨管业"]
    assert brands.memberships(actor_for("desk_b"), world.enterprise.id) == []
    alert = brands.raise_alert(desk, pipes.id, "外地市场发现假冒“诸暨管业”标识的管件", "义乌某市场")
    case = report(world, alert_id=alert.id, kind="trademark", rights="第12345678号集体商标")
    assert brands.get_alert(desk, alert.id).case_id == case.id
    assert [a.id for a in brands.alerts_of_case(desk, case.id)] == [alert.id]
    second = brands.raise_alert(desk, pipes.id, "网店冒用集体商标")
    brands.link_case(desk, second.id, case.id)
    cases.move(actor_for("officer_a"), case.id, "closed", "责令停止侵权")
    assert {a.status for a in brands.alerts_of_case(desk, case.id)} == {"closed"}
    with pytest.raises(NotFound):
        brands.link_case(actor_for("desk_b"), alert.id, case.id)
    brands.remove_member(desk, member.id)
    assert count(BrandMember) == 0


def test_outreach_counted_per_enterprise_and_per_officer(app, city):
    world = build(city)
    a1, a2, _a3 = world.officers
    outreach.record(actor_for("officer_a"), outreach.OutreachInput(
        kind="talk", held_on=date(2026, 3, 1), topic="商业秘密保护", audience="管理层", attendance="20",
        enterprise_ids=[world.enterprise.id, world.other.id], officer_ids=[a1, a2]))
    outreach.record(actor_for("officer_a2"), outreach.OutreachInput(
        kind="training", held_on=date(2026, 2, 20), topic="商标使用规范", attendance="35",
        enterprise_ids=[world.enterprise.id]))
    with pytest.raises(ValidationError) as caught:
        outreach.record(actor_for("officer_a"), outreach.OutreachInput(kind="talk", held_on=date(2026, 3, 5),
                                                                       topic="", attendance="x"))
    assert {"held_on", "topic", "attendance", "enterprise_ids"} <= set(caught.value.errors)
    assert outreach.per_enterprise(actor_for("desk_a")) == [(world.enterprise.id, world.enterprise.name, 2, 55),
                                                            (world.other.id, world.other.name, 1, 20)]
    client = fresh_client(app)
    login(client, "desk_a")
    page = client.get("/p/ip_protection/outreach").get_data(as_text=True)
    assert world.other.name in page and "商业秘密保护" in page
    assert [(uid, events, people) for uid, _name, events, people in outreach.per_officer(actor_for("desk_a"))] == [
        (a1, 1, 20), (a2, 2, 55)]
    assert outreach.per_enterprise(actor_for("desk_b")) == []


def test_panel_widget_and_per_unit_enablement(app, city):
    world = build(city)
    row = consultations.register(actor_for("desk_a"), world.enterprise.id,
                                 consultations.Question(question="如何保护外观设计？", topic="patent"))
    consultations.answer(actor_for("officer_a"), row.id, "可申请外观设计专利。")
    checks.record(actor_for("officer_a"), world.enterprise.id, checks.CheckInput(
        checked_on=date(2026, 3, 2), scores={a: 90 for a in checks.AREAS}))
    report(world)
    brands.add_member(actor_for("desk_a"), brands.load_plan(actor_for("desk_a"))[0].id, world.enterprise.id)
    a = fresh_client(app)
    login(a, "desk_a")
    page = a.get(f"/enterprises/{world.enterprise.id}").get_data(as_text=True)
    assert 'data-testid="ip-panel"' in page
    assert re.search(r'data-testid="ip-latest-score"><a [^>]*>90</a>', page)
    assert 'data-testid="ip-consultations">1<' in page and "诸暨管业" in page
    home = a.get("/").get_data(as_text=True)
    assert 'data-testid="ip-widget"' in home and 'data-testid="ip-on-time">1 / 1' in home
    assert 'data-testid="ip-checks">1<' in home
    by_kind = re.search(r'data-testid="ip-cases-by-kind">([^<]*)<', home).group(1)
    assert [int(n) for n in re.findall(r"\d+", by_kind)] == [1, 0, 0, 0]          # one counterfeit trademark
    # Switched off for station B: no menu, no pages, no widget, no document types, no ticket category.
    plugin_services.set_enabled(shell_actor(), "STB", "ip_protection", False)
    b = fresh_client(app)
    login(b, "desk_b")
    for url in ("/p/ip_protection/", "/p/ip_protection/faq", f"/p/ip_protection/consultations/{row.id}",
                "/p/ip_protection/brands", "/p/ip_protection/outreach"):
        assert b.get(url).status_code == 404, url
    home = b.get("/").get_data(as_text=True)
    assert "/p/ip_protection/" not in home and 'data-testid="ip-widget"' not in home
    from core.documents import services as documents

    assert "ip_protection.check_report" not in documents.types(actor_for("desk_b"))
    assert "ip_protection.infringement" not in tickets.categories(actor_for("desk_b"))
    assert "ip_protection.infringement" in tickets.categories(actor_for("desk_a"))
    # The centre sees station A's enterprise but has not enabled the plugin: no panel.
    centre = fresh_client(app)
    login(centre, "desk")
    page = centre.get(f"/enterprises/{world.enterprise.id}")
    assert page.status_code == 200 and 'data-testid="ip-panel"' not in page.get_data(as_text=True)


def test_a_brigade_reaches_the_enterprises_routed_to_it(app, city):
    """An IP brigade's scope holds no enterprises: it reaches those its records name."""
    from core.org.services import save_unit, save_user
    from tests.conftest import PASSWORD

    world = build(city)
    shell = shell_actor()
    brigade = save_unit(shell, {"code": "SYH", "name": "食药环大队", "kind": "brigade", "parent_id": city.city.id,
                                "doc_prefix": "食"})
    plugin_services.set_enabled(shell, "SYH", "ip_protection", True)
    plugin_services.set_enabled(shell, "HQ", "ip_protection", True)
    save_user(shell, {"username": "syh_officer", "name": "知产警官", "unit_id": brigade.id, "roles": ["officer"],
                      "password": PASSWORD})
    with pytest.raises(ValidationError):
        checks.record(actor_for("syh_officer"), world.enterprise.id, checks.CheckInput(
            checked_on=date(2026, 3, 2), scores={a: 90 for a in checks.AREAS}))
    # The centre's desk (whole city) registers and routes the consultation to the brigade.
    row = consultations.register(actor_for("desk"), world.enterprise.id, consultations.Question(
        question="商业秘密被离职员工带走怎么办？", topic="trade_secret", unit_id=brigade.id))
    assert row.unit_id == brigade.id and row.officer.username == "syh_officer"
    with pytest.raises(ValidationError):       # station A is not in the brigade's scope
        consultations.register(actor_for("desk"), world.enterprise.id, consultations.Question(
            question="问题", unit_id=city.station_a.id + 1000))
    consultations.answer(actor_for("syh_officer"), row.id, "可向公安机关报案。")
    check = checks.record(actor_for("syh_officer"), world.enterprise.id, checks.CheckInput(
        checked_on=date(2026, 3, 2), scores={a: 90 for a in checks.AREAS}))
    assert check.unit_id == brigade.id
    with pytest.raises(ValidationError):
        checks.record(actor_for("syh_officer"), world.other.id, checks.CheckInput(
            checked_on=date(2026, 3, 2), scores={a: 90 for a in checks.AREAS}))


def test_the_brand_and_outreach_pages(app, city):
    world = build(city)
    client = fresh_client(app)
    login(client, "desk_a")
    made = client.post("/p/ip_protection/brands/new", data={
        "name": "诸暨珍珠", "industry": "珍珠", "association": "诸暨市珍珠行业协会", "status": "registered",
        "registration_number": "87654321", "classes": "14"})
    assert made.status_code == 303
    duplicate = client.post("/p/ip_protection/brands/new", data={
        "name": "山下湖珍珠", "association": "协会", "status": "registered", "registration_number": "87654321"})
    assert duplicate.status_code == 400 and count(Brand) == 1
    brand_url = made.headers["Location"]
    assert client.post(brand_url + "/edit", data={"name": "", "status": "planned"}).status_code == 400
    assert client.post(brand_url + "/members", data={"enterprise_id": world.enterprise.id}).status_code == 303
    assert world.enterprise.name in client.get(brand_url).get_data(as_text=True)
    officer = fresh_client(app)
    login(officer, "officer_a")
    assert officer.post("/p/ip_protection/brands/new", data={"name": "x"}).status_code == 403
    assert officer.post("/p/ip_protection/outreach/new", data={"topic": ""}).status_code == 400
    assert officer.post("/p/ip_protection/outreach/new", data={
        "kind": "training", "held_on": "2026-03-01", "topic": "商标保护", "attendance": "12",
        "enterprise_ids": [world.enterprise.id]}).status_code == 303


def test_numbers_beyond_any_id_or_score_are_refused_not_a_server_error(app, city):
    world = build(city)
    client = fresh_client(app)
    login(client, "officer_a")
    huge = "9" * 5000
    assert client.post("/p/ip_protection/outreach/new", data={
        "kind": "talk", "held_on": "2026-03-01", "topic": "宣讲", "attendance": huge,
        "enterprise_ids": [huge, "99999999999"], "officer_ids": [huge, "²"]}).status_code == 400
    form = {f"score_{a}": huge for a in checks.AREAS}
    form.update(checked_on="2026-03-02", trademark_count=huge, patents_granted="-1")
    assert client.post(f"/p/ip_protection/enterprises/{world.enterprise.id}/checks/new", data=form).status_code == 400
