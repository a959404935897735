"""No lost work on the administrator's forms: a unit or user saved by someone
else meanwhile is a conflict that shows their version and keeps the entries,
and saving again applies them. Logins and language choices are not edits."""
import re

from core.extensions import db
from core.org.models import Unit, User
from tests.conftest import login, on_databases
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


def _admin(app):
    client = fresh_client(app)
    login(client, "admin")
    return client


def _version(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def test_two_administrators_editing_one_unit(app, city):
    first, second = _admin(app), _admin(app)
    url = f"/admin/units/{city.station_a.id}/edit"
    version = _version(first.get(url).get_data(as_text=True))
    form = {"code": "STA", "kind": "station", "parent_id": city.city.id, "active": "y", "doc_prefix": ""}
    assert second.post(url, data={**form, "name": "甲派出所（新址）", "version": version}).status_code == 302
    response = first.post(url, data={**form, "name": "甲镇派出所", "version": version})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'data-testid="unit-conflict"' in page
    assert "甲派出所（新址）" in page and 'value="甲镇派出所"' in page
    db.session.expire_all()
    assert db.session.get(Unit, city.station_a.id).name == "甲派出所（新址）"
    assert first.post(url, data={**form, "name": "甲镇派出所", "version": _version(page)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Unit, city.station_a.id).name == "甲镇派出所"


def test_two_administrators_editing_one_user_and_a_login_between_is_no_conflict(app, city):
    first, second = _admin(app), _admin(app)
    user_id = city.users["desk_a"].id
    url = f"/admin/users/{user_id}/edit"
    version = _version(first.get(url).get_data(as_text=True))
    form = {"unit_id": city.station_a.id, "roles": ["desk"], "active": "y"}
    # The user logs in and picks a language meanwhile: that is not an edit of the account.
    own = fresh_client(app)
    login(own, "desk_a")
    own.post("/lang", data={"lang": "en"})
    assert first.post(url, data={**form, "name": "窗口甲", "version": version}).status_code == 302
    response = second.post(url, data={**form, "name": "窗口乙", "version": version})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'data-testid="user-conflict"' in page and "窗口甲" in page
    db.session.expire_all()
    assert db.session.get(User, user_id).name == "窗口甲"
    assert second.post(url, data={**form, "name": "窗口乙", "version": _version(page)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user_id).name == "窗口乙"


# --- enterprises and tickets ---------------------------------------------------------------------

def _enterprise_form(enterprise, name, version):
    return {"name": name, "credit_code": enterprise.credit_code, "unit_id": enterprise.unit_id,
            "liaison_officer_id": 0, "district": "", "industry": "", "version": version}


def test_a_stale_enterprise_save_is_409_with_the_other_version_and_the_entries(app, city):
    """Before: the conflict was shown with 200, as if the save had gone through."""
    from core.registry import services as registry
    from tests.conftest import actor_for
    from tests.helpers import code

    enterprise = registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})
    first, second = fresh_client(app), fresh_client(app)
    login(first, "desk_a")
    login(second, "desk")
    url = f"/enterprises/{enterprise.id}/edit"
    version = _version(first.get(url).get_data(as_text=True))
    assert second.post(url, data=_enterprise_form(enterprise, "浙江华达科技股份有限公司", version)).status_code == 302
    response = first.post(url, data=_enterprise_form(enterprise, "华达科技（诸暨）有限公司", version))
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'data-testid="enterprise-conflict"' in page
    assert "浙江华达科技股份有限公司" in page and 'value="华达科技（诸暨）有限公司"' in page
    assert first.post(url, data=_enterprise_form(enterprise, "华达科技（诸暨）有限公司",
                                                 _version(page))).status_code == 302
    assert registry.get(actor_for("desk_a"), enterprise.id).name == "华达科技（诸暨）有限公司"


@on_databases("postgresql")   # SQLite's BEGIN IMMEDIATE lets no other writer in between the read and the save
def test_a_ticket_changed_by_someone_else_while_saving_is_409_with_the_ticket_as_it_stands(app, city):
    """Another officer's change commits between the page's read of the ticket and its
    own UPDATE (a real second connection, at that moment): before, a 302 as if done."""
    from sqlalchemy import event, text
    from sqlalchemy.orm import Session

    from core.registry import services as registry
    from core.tickets import services as tickets
    from tests.conftest import actor_for
    from tests.helpers import code

    enterprise = registry.create(actor_for("desk"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})
    ticket = tickets.register(actor_for("desk"), tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
        handling_mode="follow", description="厂区门口有人堵路。"))
    client = fresh_client(app)
    login(client, "desk")

    def someone_else_saves(session, _context, _instances):
        with db.engine.connect() as other:
            other.execute(text("UPDATE ticket SET version = version + 1 WHERE id = :id"), {"id": ticket.id})
            other.commit()

    event.listen(Session, "before_flush", someone_else_saves, once=True)
    try:
        response = client.post(f"/tickets/{ticket.id}/dispatch", data={
            "dispatch-unit_id": city.station_a.id, "dispatch-note": "请尽快处理"})
    finally:
        if event.contains(Session, "before_flush", someone_else_saves):
            event.remove(Session, "before_flush", someone_else_saves)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "请尽快处理" in page
    assert tickets.get(actor_for("desk"), ticket.id).status == "registered"
