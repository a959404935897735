"""Forms show every error at once, next to its field, and keep the files chosen
in a submit that failed for another reason: the intake, the answer and the
portal's demand form; the allowed formats come from one table."""
import io
import re

import lxml.html
import pytest
from flask_babel import force_locale

from core.audit.models import AuditEntry
from core.extensions import db
from core.registry import services as registry
from core.tickets import attachments
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketAttachment
from core.uploads.models import HeldUpload
from tests.conftest import actor_for, login
from tests.helpers import code, count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
EXE = b"MZ\x90\x00" + bytes(200)


@pytest.fixture
def enterprise_id(city):
    return registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)}).id


def client_for(app, username):
    client = fresh_client(app)
    login(client, username)
    return client


def intake(enterprise_id, files=(), held=(), **values):
    data = {"enterprise_id": str(enterprise_id), "channel": "walk_in", "category": "safety",
            "ticket_class": "general", "handling_mode": "follow", "description": "仓库消防通道被占用。",
            "contact_name": "王经理", "contact_phone": "13900139000", "held": list(held), **values}
    data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return data


def field_errors(html: str) -> dict:
    """Each field with errors on the page: its input's name → its messages."""
    page = lxml.html.fromstring(html)
    found = {}
    for box in page.xpath('//div[contains(concat(" ", @class, " "), " has-error ")]'):
        names = box.xpath(".//input[@name and @type!='checkbox']/@name | .//textarea/@name | .//select/@name")
        found[names[0] if names else ""] = [p.text_content().strip() for p in box.xpath(".//p[@class='error']")]
    return found


def held_tokens(html: str) -> dict:
    page = lxml.html.fromstring(html)
    return {box.text_content().strip(): box.xpath(".//input/@value")[0]
            for box in page.xpath('//*[@data-testid="held-file"]')}


# --- the intake ------------------------------------------------------------------------------

def test_a_bad_phone_and_an_exe_are_both_shown_and_nothing_is_written(app, enterprise_id):
    client = client_for(app, "desk_a")
    response = client.post("/tickets/new", content_type="multipart/form-data", data=intake(
        enterprise_id, [("现场.png", PNG), ("病毒.exe", EXE)], contact_phone="12345"))
    assert response.status_code == 400
    errors = field_errors(response.get_data(as_text=True))
    assert set(errors) == {"contact_phone", "attachments"}
    assert any("病毒.exe" in e for e in errors["attachments"]) and errors["contact_phone"]
    assert count(Ticket) == 0 and count(TicketAttachment) == 0
    assert not AuditEntry.query.filter_by(action="ticket.register", result="success").count()


def test_the_file_that_passed_is_held_and_used_on_the_next_submit(app, enterprise_id):
    client = client_for(app, "desk_a")
    first = client.post("/tickets/new", content_type="multipart/form-data", data=intake(
        enterprise_id, [("现场.png", PNG)], contact_phone="12345"))
    assert first.status_code == 400
    assert set(field_errors(first.get_data(as_text=True))) == {"contact_phone"}
    [(label, token)] = held_tokens(first.get_data(as_text=True)).items()
    assert "现场.png" in label and "已选文件：现场.png" in label
    # The phone fixed, no file picked again: the held photo is the ticket's attachment.
    second = client.post("/tickets/new", content_type="multipart/form-data",
                         data=intake(enterprise_id, held=[token]))
    assert second.status_code == 302
    ticket = Ticket.query.one()
    [attachment] = ticket.attachments
    assert (attachment.original_name, attachment.size) == ("现场.png", len(PNG))
    assert count(HeldUpload) == 0


def test_an_unticked_held_file_is_not_attached(app, enterprise_id):
    client = client_for(app, "desk_a")
    first = client.post("/tickets/new", content_type="multipart/form-data", data=intake(
        enterprise_id, [("现场.png", PNG)], description=""))
    assert set(field_errors(first.get_data(as_text=True))) == {"description"}
    assert client.post("/tickets/new", content_type="multipart/form-data",
                       data=intake(enterprise_id)).status_code == 302
    assert count(Ticket) == 1 and count(TicketAttachment) == 0


def test_another_users_held_file_cannot_be_used(app, city, enterprise_id):
    first = client_for(app, "desk_a").post("/tickets/new", content_type="multipart/form-data", data=intake(
        enterprise_id, [("现场.png", PNG)], contact_phone="12345"))
    [token] = held_tokens(first.get_data(as_text=True)).values()
    other = client_for(app, "desk")
    assert other.post("/tickets/new", content_type="multipart/form-data",
                      data=intake(enterprise_id, held=[token])).status_code == 302
    assert count(Ticket) == 1 and count(TicketAttachment) == 0
    assert count(HeldUpload) == 1     # still desk_a's


def test_a_held_file_expires(app, enterprise_id):
    from datetime import timedelta

    from core import clock
    from core.uploads import held

    client = client_for(app, "desk_a")
    first = client.post("/tickets/new", content_type="multipart/form-data", data=intake(
        enterprise_id, [("现场.png", PNG)], contact_phone="12345"))
    [token] = held_tokens(first.get_data(as_text=True)).values()
    clock.freeze(clock.now() + held.KEEP + timedelta(minutes=1))     # the conftest sets it free again
    assert client.post("/tickets/new", content_type="multipart/form-data",
                       data=intake(enterprise_id, held=[token])).status_code == 302
    assert count(TicketAttachment) == 0
    assert held.forget_old() == 1 and count(HeldUpload) == 0
    assert list(held.folder().iterdir()) == []


def test_a_held_file_is_checked_again_when_used(app, enterprise_id):
    from core.uploads import held

    client = client_for(app, "desk_a")
    first = client.post("/tickets/new", content_type="multipart/form-data", data=intake(
        enterprise_id, [("现场.png", PNG)], contact_phone="12345"))
    [token] = held_tokens(first.get_data(as_text=True)).values()
    row = HeldUpload.query.one()
    (held.folder() / row.stored_name).write_bytes(EXE)       # changed on disk since it was held
    response = client.post("/tickets/new", content_type="multipart/form-data",
                           data=intake(enterprise_id, held=[token]))
    assert response.status_code == 400
    assert "现场.png" in " ".join(field_errors(response.get_data(as_text=True))["attachments"])
    assert count(Ticket) == 0


# --- one table of formats -----------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["zh_Hans_CN", "en"])
def test_the_hint_the_picker_and_the_refusal_list_the_same_formats(app, city, enterprise_id, locale):
    client = client_for(app, "desk_a")
    with client.session_transaction() as session:
        session["lang"] = locale
    page = lxml.html.fromstring(client.get(f"/tickets/new?enterprise={enterprise_id}").get_data(as_text=True))
    [picker] = page.xpath('//input[@name="attachments"]')
    assert set(picker.get("accept").split(",")) == {f".{e}" for e in attachments.EXTENSIONS}
    hint = page.xpath('//*[@data-testid="upload-hint"]')[0].text_content()
    refused = client.post("/tickets/new", content_type="multipart/form-data",
                          data=intake(enterprise_id, [("病毒.exe", EXE)]))
    [refusal] = field_errors(refused.get_data(as_text=True))["attachments"]
    with app.test_request_context(), force_locale(locale):
        allowed = attachments.allowed_text()
    assert allowed in hint and allowed in refusal
    for name in ("JPEG", "PNG", "WebP", "MP3", "M4A", "AAC", "WAV", "Ogg/Opus", "AMR", "MP4", "MOV", "3GP", "WebM",
                 "PDF"):
        assert name in allowed


# --- the answer --------------------------------------------------------------------------------

def test_the_answer_form_shows_a_missing_reply_and_a_missing_result_together(app, city, enterprise_id):
    ticket = tickets.register(actor_for("desk_a"), tickets.Intake(
        enterprise_id=enterprise_id, channel="online", category="other", ticket_class="general",
        handling_mode="follow", description="路灯不亮"))
    tickets.dispatch(actor_for("desk_a"), ticket.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), ticket.id)
    officer = client_for(app, "officer_a")
    response = officer.post(f"/tickets/{ticket.id}/answer", data={"answer-reply": " ", "answer-result": ""})
    assert response.status_code == 400
    assert set(field_errors(response.get_data(as_text=True))) == {"answer-reply", "answer-result"}
    assert db.session.get(Ticket, ticket.id).status == "handling"


# --- the portal's demand form ------------------------------------------------------------------

def test_the_portal_demand_form_shows_every_error_and_keeps_the_photo(app, city):
    from tests.portal_world import portal_login, verified_account

    verified_account("desk_a", 1, "甲精密机械有限公司", "13900139001")
    client = fresh_client(app)
    portal_login(client, "13900139001")
    first = client.post("/portal/demands/new", content_type="multipart/form-data", data={
        "category": "", "description": "厂区门口有人堵路。",
        "attachments": [(io.BytesIO(PNG), "门口.png"), (io.BytesIO(EXE), "病毒.exe")]})
    assert first.status_code == 400
    html = first.get_data(as_text=True)
    assert 'data-testid="error-category"' in html and 'data-testid="error-attachments"' in html
    [token] = held_tokens(html).values()
    # Sent again with the category chosen and no file picked: the held photo is attached.
    second = client.post("/portal/demands/new", content_type="multipart/form-data", data={
        "category": "dispute", "description": "厂区门口有人堵路。", "held": [token]})
    assert second.status_code == 302
    [attachment] = Ticket.query.one().attachments
    assert attachment.original_name == "门口.png"


# --- the ticket page's forms with files --------------------------------------------------------

def signed_for(city, enterprise_id, mode="follow"):
    ticket = tickets.register(actor_for("desk_a"), tickets.Intake(
        enterprise_id=enterprise_id, channel="hotline", category="dispute", ticket_class="general",
        handling_mode=mode, description="厂区门口有人堵路，影响出货。"))
    tickets.dispatch(actor_for("desk_a"), ticket.id, city.station_a.id)
    return tickets.sign(actor_for("officer_a"), ticket.id)


def test_adding_files_holds_the_good_one_when_another_is_refused(app, city, enterprise_id):
    ticket = signed_for(city, enterprise_id)
    officer = client_for(app, "officer_a")
    first = officer.post(f"/tickets/{ticket.id}/attach", content_type="multipart/form-data", data={
        "attach-attachments": [(io.BytesIO(PNG), "现场.png"), (io.BytesIO(EXE), "工具.exe")]})
    assert first.status_code == 400 and count(TicketAttachment) == 0
    html = first.get_data(as_text=True)
    assert "工具.exe" in " ".join(field_errors(html)["attach-attachments"])
    [token] = held_tokens(html).values()
    assert officer.post(f"/tickets/{ticket.id}/attach", data={"held": [token]}).status_code == 302
    assert [a.original_name for a in db.session.get(Ticket, ticket.id).attachments] == ["现场.png"]


def test_the_onsite_result_shows_its_fields_and_its_scan_together(app, city, enterprise_id):
    ticket = signed_for(city, enterprise_id, mode="on_site")
    officer = client_for(app, "officer_a")
    response = officer.post(f"/tickets/{ticket.id}/onsite", content_type="multipart/form-data", data={
        "onsite-visited_on": "", "onsite-place": "厂区门口", "onsite-done": "", "onsite-result": "resolved",
        "onsite-signer_name": "王经理", "onsite-signed_record": [(io.BytesIO(EXE), "签字单.exe")]})
    assert response.status_code == 400
    assert set(field_errors(response.get_data(as_text=True))) == {
        "onsite-visited_on", "onsite-done", "onsite-signed_record"}
    assert db.session.get(Ticket, ticket.id).status == "handling"


def test_the_portal_information_form_shows_both_errors_and_keeps_the_photo(app, city):
    from tests.portal_world import demand, portal_login, verified_account

    account = verified_account("desk_a", 1, "甲精密机械有限公司", "13900139001")
    ticket = demand(account)
    tickets.dispatch(actor_for("desk_a"), ticket.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), ticket.id)
    tickets.request_info(actor_for("officer_a"), ticket.id, "请补充现场照片。")
    client = fresh_client(app)
    portal_login(client, "13900139001")
    first = client.post(f"/portal/demands/{ticket.id}/information", content_type="multipart/form-data", data={
        "text": " ", "attachments": [(io.BytesIO(PNG), "夜间.png"), (io.BytesIO(EXE), "工具.exe")]})
    assert first.status_code == 400
    html = first.get_data(as_text=True)
    assert 'data-testid="error-text"' in html and 'data-testid="error-attachments"' in html
    [token] = held_tokens(html).values()
    second = client.post(f"/portal/demands/{ticket.id}/information", data={"text": "照片见附件。", "held": [token]})
    assert second.status_code == 302
    assert [a.original_name for a in db.session.get(Ticket, ticket.id).attachments] == ["夜间.png"]


def test_a_question_to_the_ip_officers_shows_both_errors_and_keeps_the_photo(app, city):
    from plugins.ip_protection.models import Consultation, MessageFile
    from tests.ip_protection_world import NAME, build
    from tests.portal_world import portal_login, verified_account

    build(city)
    verified_account("desk_a", 300, NAME, "13700137301")
    client = fresh_client(app)
    portal_login(client, "13700137301")
    first = client.post("/p/ip_protection/portal/questions/new", content_type="multipart/form-data", data={
        "topic": "trademark", "question": " ", "submission_key": "q" * 24,
        "files": [(io.BytesIO(PNG), "仿冒.png"), (io.BytesIO(EXE), "工具.exe")]})
    assert first.status_code == 400
    html = first.get_data(as_text=True)
    assert 'data-testid="error-question"' in html and 'data-testid="error-attachments"' in html
    assert count(Consultation) == 0
    [token] = held_tokens(html).values()
    second = client.post("/p/ip_protection/portal/questions/new", data={
        "topic": "trademark", "question": "网店仿冒我们的商标，如何维权？", "submission_key": "q" * 24,
        "held": [token]})
    assert second.status_code in (302, 303)
    assert [f.original_name for f in MessageFile.query.all()] == ["仿冒.png"]


def test_the_desks_consultation_form_shows_the_file_error_beside_the_field_and_holds_the_photo(app, city):
    from plugins.ip_protection.models import MessageFile
    from tests.ip_protection_world import build

    world = build(city)
    desk = client_for(app, "desk_a")
    first = desk.post("/p/ip_protection/consultations/new", content_type="multipart/form-data", data={
        "enterprise_id": world.enterprise.id, "question": "", "topic": "patent",
        "files": [(io.BytesIO(PNG), "图样.png"), (io.BytesIO(EXE), "工具.exe")]})
    assert first.status_code == 400
    html = first.get_data(as_text=True)
    assert "工具.exe" in " ".join(field_errors(html)["files"])
    [token] = held_tokens(html).values()
    second = desk.post("/p/ip_protection/consultations/new", data={
        "enterprise_id": world.enterprise.id, "question": "外观设计专利被抄袭怎么办？", "topic": "patent",
        "held": [token]})
    assert second.status_code == 303
    assert [f.original_name for f in MessageFile.query.all()] == ["图样.png"]


def test_an_inspection_visit_shows_a_missing_description_and_a_refused_photo_and_keeps_the_good_one(app, city):
    from plugins.inspection import plans
    from plugins.inspection.models import Photo
    from tests.inspection_world import build, plan_input

    world = build(city)
    plan = plans.run_draw(actor_for("desk_a"), plans.create(actor_for("desk_a"), plan_input(
        world, city, draw_count=1)).id)
    url = f"/p/inspection/visits/{plan.visits[0].id}"
    client = client_for(app, "desk_a")
    fields = sorted(set(re.findall(r'name="(result_\d+)"', client.get(url).get_data(as_text=True))))
    first_item = fields[0].split("_")[1]
    data = {name: "compliant" for name in fields}
    data[fields[0]] = "issue"
    first = client.post(url, content_type="multipart/form-data", data={
        **data, f"photos_{first_item}": [(io.BytesIO(PNG), "前台.png"), (io.BytesIO(EXE), "工具.exe")]})
    assert first.status_code == 400
    page = lxml.html.fromstring(first.get_data(as_text=True))
    [item] = [f for f in page.xpath('//fieldset') if f.xpath(f'.//input[@name="photos_{first_item}"]')]
    messages = " ".join(p.text_content() for p in item.xpath(".//p[@class='error']"))
    assert "工具.exe" in messages and len(item.xpath(".//p[@class='error']")) == 2   # the description, the file
    [token] = item.xpath('.//*[@data-testid="held-file"]//input/@value')
    data[f"description_{first_item}"] = "前台未登记旅客身份信息"
    assert client.post(url, data={**data, f"held_photos_{first_item}": [token]}).status_code == 303
    assert [p.original_name for p in Photo.query.all()] == ["前台.png"]


# --- the IP officers' forms ------------------------------------------------------------------

def _consultation(world):
    from plugins.ip_protection import consultations

    return consultations.register(actor_for("desk_a"), world.enterprise.id, consultations.Question(
        question="我司注册商标被他人在网店上使用，如何维权？", topic="trademark"))


def _form(html: str, testid: str) -> str:
    """The part of the page inside one form."""
    [form] = lxml.html.fromstring(html).xpath(f'//form[@data-testid="{testid}"]')
    return lxml.html.tostring(form, encoding="unicode")


def test_the_answer_to_a_consultation_shows_both_errors_and_uses_the_held_file(app, city):
    from plugins.ip_protection.models import Message, MessageFile
    from tests.ip_protection_world import build

    row = _consultation(build(city))
    officer = client_for(app, "officer_a")
    url = f"/p/ip_protection/consultations/{row.id}"
    first = officer.post(url + "/answer", content_type="multipart/form-data", data={
        "body": " ", "publishable": "1", "files": [(io.BytesIO(PNG), "说明.png"), (io.BytesIO(EXE), "工具.exe")]})
    assert first.status_code == 400
    answer = _form(first.get_data(as_text=True), "answer-form")
    errors = field_errors(answer)
    assert set(errors) == {"body", "files"} and errors["body"] == ["请填写内容。"]
    assert "工具.exe" in " ".join(errors["files"])
    assert 'name="publishable" value="1" data-testid="publishable" checked' in answer
    assert field_errors(_form(first.get_data(as_text=True), "follow-up-form")) == {}   # only the form sent
    assert count(Message) == 1 and count(MessageFile) == 0
    [token] = held_tokens(answer).values()
    second = officer.post(url + "/answer", data={"body": "请提供商标注册证。", "held": [token]})
    assert second.status_code == 303
    assert [f.original_name for f in MessageFile.query.all()] == ["说明.png"] and count(HeldUpload) == 0


def test_a_follow_up_at_the_desk_shows_both_errors_and_uses_the_held_file(app, city):
    from plugins.ip_protection.models import Message, MessageFile
    from tests.ip_protection_world import build

    row = _consultation(build(city))
    desk = client_for(app, "desk_a")
    url = f"/p/ip_protection/consultations/{row.id}/follow-up"
    first = desk.post(url, content_type="multipart/form-data", data={
        "body": "", "files": [(io.BytesIO(PNG), "注册证.png"), (io.BytesIO(EXE), "工具.exe")]})
    assert first.status_code == 400
    follow = _form(first.get_data(as_text=True), "follow-up-form")
    errors = field_errors(follow)
    assert set(errors) == {"body", "files"} and "工具.exe" in " ".join(errors["files"])
    assert count(Message) == 1 and count(MessageFile) == 0
    [token] = held_tokens(follow).values()
    assert desk.post(url, data={"body": "注册证已上传。", "held": [token]}).status_code == 303
    assert [f.original_name for f in MessageFile.query.all()] == ["注册证.png"]


def test_a_follow_up_on_the_portal_shows_both_errors_and_uses_the_held_file(app, city):
    from plugins.ip_protection.models import Message, MessageFile
    from tests.ip_protection_world import NAME, build
    from tests.portal_world import portal_login, verified_account

    row = _consultation(build(city))
    verified_account("desk_a", 300, NAME, "13700137302")
    client = fresh_client(app)
    portal_login(client, "13700137302")
    url = f"/p/ip_protection/portal/questions/{row.id}/follow-up"
    first = client.post(url, content_type="multipart/form-data", data={
        "body": " ", "files": [(io.BytesIO(PNG), "网店.png"), (io.BytesIO(EXE), "工具.exe")]})
    assert first.status_code == 400
    html = first.get_data(as_text=True)
    assert 'data-testid="error-body"' in html and 'data-testid="error-attachments"' in html and "工具.exe" in html
    assert count(Message) == 1 and count(MessageFile) == 0
    [token] = held_tokens(html).values()
    assert client.post(url, data={"body": "补充网店截图。", "held": [token]}).status_code == 303
    assert [f.original_name for f in MessageFile.query.all()] == ["网店.png"]


def test_evidence_for_a_case_shows_both_errors_and_uses_the_held_file(app, city):
    from plugins.ip_protection import cases
    from plugins.ip_protection.models import Evidence
    from tests.ip_protection_world import build

    world = build(city)
    case = cases.report(actor_for("desk_a"), world.enterprise.id, cases.Report(
        kind="trademark", rights="第12345678号注册商标", infringer="某网店", description="网店销售假冒管件。"))
    officer = client_for(app, "officer_a")
    url = f"/p/ip_protection/cases/{case.id}/evidence"
    first = officer.post(url, content_type="multipart/form-data", data={
        "description": "长" * 501, "evidence": [(io.BytesIO(PNG), "假冒品.png"), (io.BytesIO(EXE), "工具.exe")]})
    assert first.status_code == 400
    form = _form(first.get_data(as_text=True), "evidence-form")
    errors = field_errors(form)
    assert set(errors) == {"evidence", "description"} and "工具.exe" in " ".join(errors["evidence"])
    assert errors["description"] == ["请不要超过500个字。"] and "长" * 501 in form      # the entry kept
    assert count(Evidence) == 0
    [token] = held_tokens(form).values()
    assert officer.post(url, data={"description": "网店页面截图", "held": [token]}).status_code == 303
    [evidence] = Evidence.query.all()
    assert (evidence.original_name, evidence.description) == ("假冒品.png", "网店页面截图")


def test_the_case_form_shows_its_fields_and_its_evidence_together_and_holds_the_photo(app, city):
    from plugins.ip_protection.models import Case, Evidence
    from tests.ip_protection_world import build

    world = build(city)
    desk = client_for(app, "desk_a")
    data = {"enterprise_id": world.enterprise.id, "kind": "trademark", "rights": "第12345678号注册商标",
            "infringer": "", "description": "网店销售假冒管件。", "channel": "walk_in", "submission_key": "e" * 24}
    first = desk.post("/p/ip_protection/cases/new", content_type="multipart/form-data", data={
        **data, "evidence": [(io.BytesIO(PNG), "假冒品.png"), (io.BytesIO(EXE), "工具.exe")]})
    assert first.status_code == 400
    html = first.get_data(as_text=True)
    errors = field_errors(html)
    assert set(errors) == {"infringer", "evidence"} and "工具.exe" in " ".join(errors["evidence"])
    assert count(Case) == 0 and count(Ticket) == 0
    [token] = held_tokens(html).values()
    second = desk.post("/p/ip_protection/cases/new", data={**data, "infringer": "某网店", "held": [token]})
    assert second.status_code == 303
    assert [e.original_name for e in Evidence.query.all()] == ["假冒品.png"]
