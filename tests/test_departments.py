"""转交办: the register of outside departments — who keeps it (the centre's leaders and
the administrator; a station reads it), what it refuses, its pages, and the intake
form, the transfer and the JSON API choosing from it; a ticket keeps the name the
department had when it was transferred."""
import pytest
from sqlalchemy import select

from core.api import auth as api_auth
from core.audit.models import AuditEntry
from core.departments import services as departments
from core.departments.models import OutsideDepartment
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.org.services import save_unit, save_user
from core.registry import services as registry
from core.tickets import services as tickets
from tests.conftest import PASSWORD, actor_for, enrol_second_factor, login
from tests.helpers import code, count, fresh_client, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

MARKET = {"name": "市场监管局", "contact_person": "周科长", "office_phone": "0575 8701 2315",
          "address": "诸暨市暨阳街道东二路18号", "note": "商标仿冒、产品质量"}


@pytest.fixture
def station_leader(city):
    save_user(shell_actor(), {"username": "leader_a", "name": "LEADER_A", "unit_id": city.station_a.id,
                              "roles": ["leader"], "password": PASSWORD})
    enrol_second_factor("leader_a")
    return actor_for("leader_a")


@pytest.fixture
def firm(city):
    return registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})


def audit_actions(prefix="department.") -> list[tuple[str, str]]:
    db.session.rollback()
    return [(e.action, e.result) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id))]


def client_for(app, username):
    client = fresh_client(app)
    login(client, username)
    return client


# --- the register and who keeps it --------------------------------------------------------

def test_the_centres_leader_keeps_the_register_and_every_change_is_audited(city):
    leader = actor_for("leader")
    market = departments.create(leader, MARKET)
    assert (market.unit_id, market.office_phone, market.active) == (city.city.id, "0575-87012315", True)
    tax = departments.create(leader, {"name": "税务局"})
    departments.update(leader, market.id, {**MARKET, "contact_person": "吴科长"}, version=market.version)
    departments.set_active(leader, tax.id, False)
    departments.set_active(leader, tax.id, False)           # already inactive: nothing more happens
    # Everyone of the tree reads the register, the active ones first; only active ones are offered.
    for username in ("desk", "desk_a", "officer_b"):
        assert [d.name for d in departments.listing(actor_for(username))] == ["市场监管局", "税务局"]
        assert [d.name for d in departments.choices(actor_for(username))] == ["市场监管局"]
    assert audit_actions() == [("department.create", "ok"), ("department.create", "ok"),
                               ("department.update", "ok"), ("department.deactivate", "ok")]
    update = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "department.update")).one()
    assert update.detail == {"fields": ["contact_person"]}
    departments.set_active(leader, tax.id, True)
    assert [d.name for d in departments.choices(actor_for("desk"))] == ["市场监管局", "税务局"]


def test_a_station_leader_the_desk_and_an_officer_read_but_do_not_keep_it(city, station_leader):
    market = departments.create(actor_for("leader"), MARKET)
    for actor in (station_leader, actor_for("desk"), actor_for("officer_a")):
        with pytest.raises(Forbidden):
            departments.create(actor, {"name": "住建局"})
        with pytest.raises(Forbidden):
            departments.update(actor, market.id, {**MARKET, "note": "改"})
        with pytest.raises(Forbidden):
            departments.set_active(actor, market.id, False)
    assert count(OutsideDepartment) == 1 and db.session.get(OutsideDepartment, market.id).active
    assert audit_actions()[1:] == [("department.create", "denied"), ("department.update", "denied"),
                                   ("department.deactivate", "denied")] * 3
    # The administrator keeps it as configuration; the auditor does not even read it.
    departments.create(actor_for("admin"), {"name": "住建局"})
    with pytest.raises(Forbidden):
        departments.listing(actor_for("auditor"))


def test_bad_entries_are_refused_all_at_once_and_nothing_is_written(city):
    leader = actor_for("leader")
    with pytest.raises(ValidationError) as refused:
        departments.create(leader, {"name": " ", "office_phone": "12", "address": "路" * 201,
                                    "contact_person": "人" * 51})
    assert set(refused.value.errors) == {"name", "office_phone", "address", "contact_person"}
    assert "12" not in str(refused.value.errors["office_phone"][0])
    market = departments.create(leader, MARKET)
    with pytest.raises(ValidationError) as twice:
        departments.create(leader, {"name": "市场监管局"})
    assert set(twice.value.errors) == {"name"}
    tax = departments.create(leader, {"name": "税务局"})
    with pytest.raises(ValidationError):
        departments.update(leader, tax.id, {"name": "市场监管局"})
    assert count(OutsideDepartment) == 2 and db.session.get(OutsideDepartment, tax.id).name == "税务局"
    assert ("department.create", "rejected") in audit_actions()
    # A department of another tree of units is not found (nor offered).
    other_root = save_unit(shell_actor(), {"code": "ELSE", "name": "另一市公安局", "kind": "city_bureau"})
    elsewhere = departments.create(shell_actor(), {"name": "市场监管局"}, unit_id=other_root.id)
    with pytest.raises(NotFound):
        departments.get(actor_for("desk"), elsewhere.id)
    assert [d.id for d in departments.listing(actor_for("desk"))] == [market.id, tax.id]


# --- the pages ------------------------------------------------------------------------------

def test_the_pages_add_edit_and_deactivate_with_messages(app, city):
    leader = client_for(app, "leader")
    response = leader.post("/departments/new", data={"name": "", "office_phone": "abc"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and count(OutsideDepartment) == 0
    assert page.count('class="error"') >= 2                      # every problem at once, on its field
    response = leader.post("/departments/new", data=MARKET)
    assert response.status_code == 302 and response.headers["Location"].endswith("/departments/")
    market = db.session.scalars(select(OutsideDepartment)).one()
    listing = leader.get("/departments/").get_data(as_text=True)
    assert "市场监管局" in listing and "0575-87012315" in listing and 'data-testid="department-deactivate"' in listing
    assert "flash-success" in listing
    form = leader.get(f"/departments/{market.id}/edit").get_data(as_text=True)
    assert 'name="version"' in form
    # Saved by someone else in between: 409, their version shown, nothing overwritten.
    departments.update(actor_for("leader"), market.id, {**MARKET, "note": "别人改的"})
    response = leader.post(f"/departments/{market.id}/edit", data={**MARKET, "version": "1", "note": "我的"})
    assert response.status_code == 409 and "别人改的" in response.get_data(as_text=True)
    assert db.session.get(OutsideDepartment, market.id).note == "别人改的"
    response = leader.post(f"/departments/{market.id}/deactivate")
    assert response.status_code == 302 and not db.session.get(OutsideDepartment, market.id).active
    # The desk reads the list, without the keeping buttons, and may not open the forms.
    desk = client_for(app, "desk")
    listing = desk.get("/departments/").get_data(as_text=True)
    assert "市场监管局" in listing and "department-new" not in listing and "department-activate" not in listing
    assert desk.get("/departments/new").status_code == 403
    assert desk.post(f"/departments/{market.id}/activate").status_code == 403
    # The administrator's door, in the system menu.
    admin = client_for(app, "admin")
    assert "/admin/departments/" in admin.get("/admin/units").get_data(as_text=True)
    assert admin.get("/departments/").status_code == 403
    assert admin.post(f"/admin/departments/{market.id}/activate").status_code == 302
    assert db.session.get(OutsideDepartment, market.id).active
    assert admin.get("/admin/departments/999999/edit").status_code == 404


def test_a_station_leader_sees_the_list_but_is_refused_the_forms(app, city, station_leader):
    departments.create(actor_for("leader"), MARKET)
    client = client_for(app, "leader_a")
    assert "市场监管局" in client.get("/departments/").get_data(as_text=True)
    assert client.get("/departments/new").status_code == 403
    assert client.post("/departments/new", data={"name": "住建局"}).status_code == 403
    assert count(OutsideDepartment) == 1


# --- tickets choose from the register --------------------------------------------------------

def test_intake_and_transfer_choose_from_the_register_and_keep_the_name(app, city, firm):
    leader, desk = actor_for("leader"), actor_for("desk")
    market = departments.create(leader, MARKET)
    old = departments.create(leader, {"name": "老部门"})
    departments.set_active(leader, old.id, False)
    page = client_for(app, "desk").get(f"/tickets/new?enterprise={firm.id}").get_data(as_text=True)
    assert f'<option value="{market.id}">市场监管局</option>' in page and "老部门" not in page
    ticket = tickets.register(desk, tickets.Intake(
        enterprise_id=firm.id, channel="hotline", category="dispute", ticket_class="general",
        handling_mode="transfer", description="商标被仿冒。", department_id=market.id))
    assert (ticket.external_department, ticket.external_department_id) == ("市场监管局", market.id)
    # The transfer itself, by the register's id, through the page.
    response = client_for(app, "desk").post(f"/tickets/{ticket.id}/transfer",
                                            data={"transfer-department_id": str(market.id)})
    assert response.status_code == 302
    db.session.rollback()
    ticket = tickets.get(desk, ticket.id)
    assert ticket.status == "transferred" and ticket.events[-1].data["department_id"] == market.id
    # Renamed later: the ticket keeps the name it was sent to.
    departments.update(leader, market.id, {**MARKET, "name": "市场监督管理局"})
    assert tickets.get(desk, ticket.id).external_department == "市场监管局"
    # An inactive department, or a name the register lacks, is refused; the register's name is matched.
    second = tickets.register(desk, tickets.Intake(
        enterprise_id=firm.id, channel="hotline", category="dispute", ticket_class="general",
        handling_mode="follow", description="第二件。"))
    for kwargs in ({"department_id": old.id}, {"department": "随便写的局"}, {"department_id": 999999}):
        with pytest.raises(ValidationError) as refused:
            tickets.transfer(desk, second.id, **kwargs)
        assert refused.value.errors.keys() == {"department_id"}
    assert tickets.get(desk, second.id).status == "registered"
    tickets.transfer(desk, second.id, "市场监督管理局")
    assert tickets.get(desk, second.id).external_department_id == market.id
    response = client_for(app, "desk").post(f"/tickets/{second.id}/transfer", data={"transfer-department_id": ""})
    assert response.status_code in (400, 409)


def test_an_empty_register_still_takes_a_typed_name(city, firm):
    """A new installation whose leaders have not filled the register in yet."""
    desk = actor_for("desk")
    ticket = tickets.register(desk, tickets.Intake(
        enterprise_id=firm.id, channel="hotline", category="dispute", ticket_class="general",
        handling_mode="transfer", description="欠薪。", external_department="人社局"))
    assert (ticket.external_department, ticket.external_department_id) == ("人社局", None)


# --- the JSON API ------------------------------------------------------------------------------

@pytest.fixture
def token(city):
    system_account("sys_desk", city.centre.id, roles=["desk"], leader="leader")
    _, issued = api_auth.issue(shell_actor(), "sys_desk", "测试")
    db.session.commit()
    return {"Authorization": f"Bearer {issued}"}


def test_the_api_lists_the_register_and_transfers_by_its_id(app, city, firm, token):
    leader = actor_for("leader")
    market = departments.create(leader, MARKET)
    tax = departments.create(leader, {"name": "税务局"})
    departments.set_active(leader, tax.id, False)
    client = fresh_client(app)
    items = client.get("/api/v1/departments", headers=token).get_json()["items"]
    assert [(d["name"], d["active"]) for d in items] == [("市场监管局", True), ("税务局", False)]
    assert items[0]["office_phone"] == "0575-87012315"
    assert [d["name"] for d in client.get("/api/v1/departments?active=true", headers=token).get_json()["items"]] \
        == ["市场监管局"]
    body = {"enterprise_id": firm.id, "channel": "government", "category": "dispute", "ticket_class": "general",
            "handling_mode": "transfer", "description": "12345转来：商标被仿冒。", "department_id": market.id}
    created = client.post("/api/v1/tickets", json=body, headers=token)
    assert created.status_code == 201
    data = created.get_json()
    assert (data["external_department"], data["external_department_id"]) == ("市场监管局", market.id)
    refused = client.post("/api/v1/tickets", json={**body, "department_id": tax.id}, headers=token)
    assert refused.status_code == 422 and "department_id" in refused.get_json()["error"]["fields"]
    named = client.post("/api/v1/tickets", json={**body, "department_id": None, "external_department": "外星局"},
                        headers=token)
    assert named.status_code == 422 and "external_department" in named.get_json()["error"]["fields"]
    # The transfer operation.
    response = client.post(f"/api/v1/tickets/{data['id']}/transfer", json={"department_id": market.id,
                                                                            "note": "请协助"}, headers=token)
    assert response.status_code == 200 and response.get_json()["status"] == "transferred"
    again = client.post(f"/api/v1/tickets/{data['id']}/transfer", json={"department_id": market.id}, headers=token)
    assert again.status_code == 422
    missing = client.post(f"/api/v1/tickets/{data['id']}/transfer", json={}, headers=token)
    assert missing.status_code == 422 and "department_id" in missing.get_json()["error"]["fields"]
