"""Helpers for the enterprise portal's tests: enterprises with verified
accounts, signing in on the portal, a letter addressed to an enterprise."""
import io

from core.documents import services as documents
from core.org.actor import Actor
from core.portal import accounts
from core.portal.actor import PortalActor
from core.registry import services as registry
from core.tickets import attachments
from core.tickets import services as tickets
from tests.conftest import actor_for
from tests.helpers import code

PORTAL_PASSWORD = "Qiye#2026ok"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))


def visitor() -> Actor:
    return Actor(user=None, address="127.0.0.1")


def registration(n: int, name: str, phone: str, **changes) -> accounts.Registration:
    values = dict(credit_code=code(n), enterprise_name=name, name="王经理", phone=phone,
                  password=PORTAL_PASSWORD, repeat=PORTAL_PASSWORD)
    values.update(changes)
    if values.get("unit_id") is None:       # the form always asks for the area's station or centre
        values["unit_id"] = accounts.serving_units()[0].id
    return accounts.Registration(**values)


def enterprise(desk: str, n: int, name: str):
    return registry.create(actor_for(desk), {"name": name, "credit_code": code(n)})


def verified_account(desk: str, n: int, name: str, phone: str):
    """An enterprise in ``desk``'s unit and its verified manager account."""
    found = registry.find_by_credit_code(code(n)) or enterprise(desk, n, name)
    account = accounts.register(visitor(), registration(n, found.name, phone))
    return accounts.decide(actor_for(desk), account.id, True)


def portal(account) -> PortalActor:
    return PortalActor(account, "127.0.0.1")


def portal_login(client, phone: str, password: str = PORTAL_PASSWORD):
    response = client.post("/portal/login", data={"phone": phone, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return response


def demand(account, text="消防验收进度咨询。", files=False):
    prepared = attachments.check_uploads([("现场.png", io.BytesIO(PNG))]) if files else []
    from core.portal import demands

    return demands.submit(portal(account), "dispute", text, prepared)


def letter_to(desk: str, leader: str, enterprise_id: int, title="风险提示函"):
    draft = documents.create(actor_for(desk), documents.Draft(
        doc_type="letter", title=title, addressees=["收件企业"], body=[("p", "请加强内部管理。")],
        enterprise_id=enterprise_id))
    documents.submit(actor_for(desk), draft.id)
    documents.sign_off(actor_for(leader), draft.id)
    return documents.issue(actor_for(desk), draft.id)


def answer_and_close(ticket_id, desk="desk_a", officer="officer_a", unit=None):
    tickets.dispatch(actor_for(desk), ticket_id, unit or actor_for(officer).unit_id)
    tickets.sign(actor_for(officer), ticket_id)
    tickets.answer(actor_for(officer), ticket_id, "已协调消防部门，下周一现场验收。", "resolved")
    return tickets.close(actor_for(desk), ticket_id)

