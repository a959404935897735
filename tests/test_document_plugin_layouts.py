"""One issued document of every plugin, measured against GB/T 9704-2012 as the
receiving office would: the head's distances, full lines, titles without a lone
character, 签发人 on the documents going up, the seal's ink on the 成文日期, a
小标宋 (not a sans) title and a 楷体 second-level heading. The documents are
drafted by the plugins' own services, signed off by a leader of the issuing
unit, issued (numbered, sealed, signed) and read back from the store."""
import io

import pdfplumber
import pypdfium2
import pytest

from core.documents import seals
from core.documents import services as documents
from core.documents.rendering import chinese_date
from core.org.actor import shell_actor
from core.org.services import save_user
from core.plugins import services as plugin_services
from tests import pdf_measure as pm
from tests.conftest import PASSWORD, actor_for
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

INDENT_MM = 2 * (16 - 0.21) / pm.MM          # two characters as the body's letters are set
SCALE = 2                                    # pixels per point when looking for the seal's ink


def issue(document_id, desk: str, leader: str):
    documents.submit(actor_for(desk), document_id)
    documents.sign_off(actor_for(leader), document_id)
    issued = documents.issue(actor_for(desk), document_id)
    return issued, documents.pdf(actor_for(desk), issued.id)


def prepare(city):
    """Prefixes and seals for the centre and station A, and a leader at station A."""
    from core.org.services import user_by_username

    city.centre.doc_prefix, city.station_a.doc_prefix = "诸公企", "诸公甲"
    if user_by_username("leader_a") is None:
        save_user(shell_actor(), {"username": "leader_a", "name": "甲所所长", "unit_id": city.station_a.id,
                                  "roles": ["leader"], "password": PASSWORD})
    for unit in (city.centre, city.station_a):
        seals.upload(actor_for("admin"), unit.id, io.BytesIO(seals.sample(unit.name)))


def risk_assessment_documents(city) -> dict:
    from plugins.risk_assessment import assessments, reports
    from plugins.risk_assessment import letters
    from tests import risk_assessment_world as world

    built = world.build(city)
    prepare(city)
    station = actor_for("desk_a")
    assessment = assessments.create(station, built.enterprises[0], "2026年第一季度企业风险评估")
    risks = [assessments.add_risk(station, assessment.id, world.risk(
        "fundraising", 5, 4, title="以高息向员工集资，2026年1至10月涉及员工126人、金额约1,280万元")).id]
    found = {}
    for kind in ("notice", "warning"):
        letter = letters.draft(station, assessment.id, kind, risks)
        found[f"risk_assessment.{kind}"] = issue(letter.document_id, "desk_a", "leader_a")
    report = reports.request(station, 2025, 4, "建议加强对袜业企业民间借贷的监测，2026年第一季度前完成排查。")
    found["risk_assessment.report"] = issue(report.document_id, "desk_a", "leader_a")
    return found


def inspection_documents(city) -> dict:
    from plugins.inspection import letters, plans
    from tests import inspection_world as world

    built = world.build(city)
    prepare(city)
    plugin_services.set_enabled(shell_actor(), "HQ", "inspection", True)   # the centre sends the notice
    station = actor_for("desk_a")
    plan = plans.run_draw(station, plans.create(station, world.plan_input(built, city)).id)
    return {"inspection.notice": issue(letters.notice(actor_for("desk"), plan.visits[0].id).id, "desk", "leader")}


def ip_protection_documents(city) -> dict:
    from plugins.ip_protection import checks, letters
    from tests import ip_protection_world as world
    from tests.test_ip_protection_checks import data

    built = world.build(city)
    prepare(city)
    check = checks.record(actor_for("officer_a"), built.enterprise.id, data([80, 70, 40, 60, 90, 50, 100]))
    return {"ip_protection.check_report": issue(letters.check_report(actor_for("officer_a"), check.id).id,
                                                "desk_a", "leader_a")}


def exit_entry_documents(city) -> dict:
    from plugins.exit_entry import applications, letters
    from tests import exit_entry_world as world

    built = world.build(city)
    prepare(city)
    station = actor_for("desk_a")
    application = applications.register(station, built.enterprises[0], [world.applicant(1), world.applicant(2)])
    return {"exit_entry.receipt": issue(letters.receipt(station, application.id).id, "desk_a", "leader_a")}


def project_officer_documents(city) -> dict:
    from plugins.project_officer import dossier
    from tests import project_officer_world as world
    from tests.test_project_officer_documents import fill

    built = world.build(city)
    prepare(city)
    fill(built, visits_count=2, risks_count=1)
    return {"project_officer.dossier": issue(dossier.make(actor_for("desk_a"), built.project_id).id,
                                             "desk_a", "leader_a")}


PLUGINS = {"risk_assessment": risk_assessment_documents, "inspection": inspection_documents,
           "ip_protection": ip_protection_documents, "exit_entry": exit_entry_documents,
           "project_officer": project_officer_documents}
UPWARD = {"risk_assessment.warning", "risk_assessment.report"}


def title_lines(page) -> list[pm.Line]:
    return [line for line in pm.lines(page, 1) if line.size == pytest.approx(22, abs=0.1)]


def check_head(document, doc):
    page = doc.pages[0]
    lines = pm.lines(page, 1)
    mark = next(line for line in lines if line.size > 26)
    number = pm.find(lines, f"〔{document.year}〕")
    assert number.text.startswith(document.number)
    if document.layout == "file":
        assert mark.em_top == pytest.approx(72, abs=1)
        (separator,) = pm.red_rules(page)
        assert separator.top - number.em_bottom == pytest.approx(4, abs=0.8)
        if document.upward:                     # 上行文: the number flush left, 签发人 on its line
            assert number.text == f"{document.number}签发人：{document.signed_by.name}"
            assert number.left == pytest.approx(pm.TEXT_LEFT + 16 / pm.MM, abs=0.5)
        else:
            assert "签发人" not in number.text
            assert number.centre == pytest.approx((pm.TEXT_LEFT + pm.TEXT_RIGHT) / 2, abs=1)
    else:
        assert mark.em_top == pytest.approx(30, abs=1)
        double_bottom = max(rule.bottom for rule in pm.red_rules(page) if rule.top < 100)
        assert 0 < number.em_top - double_bottom <= 7
        assert not document.upward


def check_page_numbers(pdf, doc):
    for index, page in enumerate(doc.pages):
        if pm.page_number_line(page, index + 1) is None:
            continue
        dashes = [ink for ink in pm.ink(pdf, index) if ink.char == "—" and ink.top > pm.TEXT_BOTTOM]
        assert len(dashes) == 2 and all(d.top - pm.TEXT_BOTTOM == pytest.approx(7, abs=1) for d in dashes)


def check_lines(document, doc):
    titles = title_lines(doc.pages[0])
    assert "".join(line.text for line in titles) == document.title
    assert all(len(line.text) >= 2 for line in titles), [line.text for line in titles]
    assert all("Sans" not in char["fontname"] for line in titles for char in line.chars)
    paragraphs = pm.paragraphs_lines(pm.all_lines(doc), INDENT_MM)
    assert paragraphs
    for paragraph in paragraphs:
        for line in paragraph[:-1]:
            assert line.right == pytest.approx(pm.TEXT_RIGHT, abs=0.5), (document.doc_type, line.text)


def check_seal(document, pdf, doc):
    """Red ink over the 成文日期 line on the page that carries it."""
    day = chinese_date(document.document_date)
    for index, page in enumerate(doc.pages):
        dates = [line for line in page.extract_text_lines() if line["text"] == day]
        if dates:
            break
    else:
        raise AssertionError(f"{day} is on no page of {document.doc_type}")
    (date,) = dates
    source = pypdfium2.PdfDocument(pdf)
    image = source[index].render(scale=SCALE).to_pil().convert("RGB")
    source.close()
    pixels = image.load()
    red = [(x, y) for y in range(int(date["top"] * SCALE), int(date["bottom"] * SCALE))
           for x in range(int(date["x0"] * SCALE), int(date["x1"] * SCALE))
           if pixels[x, y][0] > 170 and pixels[x, y][1] < 120 and pixels[x, y][2] < 120]
    assert len(red) > 20, document.doc_type


def kai_headings(doc) -> list[str]:
    """The font names of the second-level headings (（一）…) in the body."""
    return [char["fontname"] for line in pm.all_lines(doc) if line.text.startswith("（一）")
            for char in line.chars[:3]]


@pytest.mark.parametrize("plugin", sorted(PLUGINS))
def test_an_issued_document_of_every_plugin_meets_the_standard(app, city, plugin):
    issued = PLUGINS[plugin](city)
    assert {name for name, (document, _pdf) in issued.items() if document.upward} == UPWARD & set(issued)
    headings = []
    for name, (document, pdf) in issued.items():
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            check_head(document, doc)
            check_page_numbers(pdf, doc)
            check_lines(document, doc)
            check_seal(document, pdf, doc)
            headings += kai_headings(doc)
    assert all("Kai" in name for name in headings), set(headings)
