"""Unit scoping: a user sees and changes the records of their unit and the units
below it, by list, by URL and by form; the centre sees its whole tree; the
administrator and the auditor see no business data."""
import re

import pytest
from sqlalchemy import select

from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.registry import services
from core.registry.models import Enterprise
from core.registry.services import EnterpriseFilter
from tests.conftest import actor_for, login
from tests.helpers import code, count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

A_NAME, B_NAME = "甲所辖区华达科技有限公司", "乙所辖区西湖食品有限公司"


@pytest.fixture
def two(city):
    """One enterprise in each station's area; returns their ids."""
    a = services.create(actor_for("desk_a"), {"name": A_NAME, "credit_code": code(1), "district": "甲街道"})
    b = services.create(actor_for("desk_b"), {"name": B_NAME, "credit_code": code(2), "district": "乙街道"})
    assert a.unit_id == city.station_a.id and b.unit_id == city.station_b.id
    return a.id, b.id


def client_for(app, username):
    client = fresh_client(app)
    login(client, username)
    return client


def reload(enterprise_id) -> Enterprise:
    db.session.rollback()
    return db.session.get(Enterprise, enterprise_id)


# --- listing -----------------------------------------------------------------------

@pytest.mark.parametrize("username", ["desk_a", "officer_a"])
def test_station_a_lists_only_its_own_enterprises(app, two, username):
    page = services.search(actor_for(username))
    assert [e.name for e in page.items] == [A_NAME]
    html = client_for(app, username).get("/enterprises/").get_data(as_text=True)
    assert A_NAME in html and B_NAME not in html


def test_filters_and_search_do_not_reach_outside_the_scope(app, city, two):
    actor = actor_for("desk_a")
    assert services.search(actor, EnterpriseFilter(unit_id=city.station_b.id)).items == []
    assert services.search(actor, EnterpriseFilter(q=B_NAME)).items == []
    assert services.search(actor, EnterpriseFilter(q=code(2))).items == []
    assert services.search(actor, EnterpriseFilter(district="乙街道")).items == []
    assert "乙街道" not in services.distinct_values(actor, "district")
    client = client_for(app, "desk_a")
    for url in (f"/enterprises/?unit={city.station_b.id}", f"/enterprises/?q={code(2)}", "/enterprises/?q=xhsp"):
        assert B_NAME not in client.get(url).get_data(as_text=True)


def test_station_a_does_not_see_b_in_the_unit_and_officer_choices(app, city, two):
    actor = actor_for("desk_a")
    assert {u.code for u in services.units(actor)} == {"STA"}
    assert {o.username for o in services.officers(actor)} == {"officer_a"}


def test_the_centre_sees_both_stations(app, city, two):
    for username in ("desk", "leader"):
        assert {e.name for e in services.search(actor_for(username)).items} == {A_NAME, B_NAME}
    client = client_for(app, "desk")
    html = client.get("/enterprises/").get_data(as_text=True)
    assert A_NAME in html and B_NAME in html
    assert client.get(f"/enterprises/{two[1]}").status_code == 200
    assert client.get(f"/enterprises/{two[0]}/edit").status_code == 200


def test_dashboard_figures_count_only_the_scope(app, two):
    from core.dashboard.services import summary

    assert summary(actor_for("desk_a"))["enterprises"] == 1
    assert summary(actor_for("officer_b"))["enterprises"] == 1
    assert summary(actor_for("desk"))["enterprises"] == 2
    html = client_for(app, "desk_a").get("/").get_data(as_text=True)
    assert re.search(r'data-testid="enterprise-count">1<', html)


def test_a_unit_sees_the_units_below_it(app, city):
    from core.org.actor import shell_actor
    from core.org.services import save_unit, save_user

    room = save_unit(shell_actor(), {"code": "STA-1", "name": "甲所警企联络室", "kind": "liaison_room",
                                     "parent_id": city.station_a.id})
    save_user(shell_actor(), {"username": "desk_room", "name": "室", "unit_id": room.id, "roles": ["desk"],
                              "password": "Passw0rd-test"})
    below = services.create(actor_for("desk_room"), {"name": "联络室企业有限公司", "credit_code": code(3)})
    assert services.get(actor_for("desk_a"), below.id).id == below.id      # A sees its room
    with pytest.raises(NotFound):
        services.get(actor_for("desk_b"), below.id)                        # B does not
    with pytest.raises(NotFound):
        services.get(actor_for("desk_room"), services.create(actor_for("desk_a"), {
            "name": "甲所本级企业", "credit_code": code(4)}).id)              # the room does not see up


# --- opening and changing by URL ---------------------------------------------------

@pytest.mark.parametrize("username", ["desk_a", "officer_a"])
def test_station_a_cannot_open_bs_enterprise(app, two, username):
    client = client_for(app, username)
    assert client.get(f"/enterprises/{two[0]}").status_code == 200
    response = client.get(f"/enterprises/{two[1]}")
    assert response.status_code == 404
    assert B_NAME not in response.get_data(as_text=True)
    assert client.get("/enterprises/999999").status_code == 404  # missing and hidden look the same
    with pytest.raises(NotFound):
        services.get(actor_for(username), two[1])


def test_station_a_cannot_edit_bs_enterprise(app, city, two):
    client = client_for(app, "desk_a")
    b_id = two[1]
    assert client.get(f"/enterprises/{b_id}/edit").status_code == 404
    response = client.post(f"/enterprises/{b_id}/edit", data={
        "name": "被篡改的名字", "credit_code": code(2), "unit_id": city.station_a.id, "liaison_officer_id": 0,
        "notes": "changed"})
    assert response.status_code == 404
    b = reload(b_id)
    assert (b.name, b.unit_id, b.notes, b.version) == (B_NAME, city.station_b.id, "", 1)
    with pytest.raises(NotFound):
        services.update(actor_for("desk_a"), b_id, {"name": "被篡改的名字"})
    assert reload(b_id).name == B_NAME


def test_station_a_cannot_move_its_enterprise_into_bs_area(app, city, two):
    a_id = two[0]
    with pytest.raises(ValidationError) as caught:
        services.update(actor_for("desk_a"), a_id, {"unit_id": city.station_b.id})
    assert "unit_id" in caught.value.errors
    client = client_for(app, "desk_a")
    response = client.post(f"/enterprises/{a_id}/edit", data={
        "name": A_NAME, "credit_code": code(1), "unit_id": city.station_b.id, "liaison_officer_id": 0})
    assert response.status_code == 200  # the form again, with the error
    assert reload(a_id).unit_id == city.station_a.id


def test_station_a_cannot_create_in_bs_unit(app, city, two):
    with pytest.raises(ValidationError) as caught:
        services.create(actor_for("desk_a"), {"name": "越权企业", "credit_code": code(5),
                                              "unit_id": city.station_b.id})
    assert "unit_id" in caught.value.errors
    assert count(Enterprise, Enterprise.credit_code == code(5)) == 0

    client = client_for(app, "desk_a")
    response = client.post("/enterprises/new", data={
        "name": "越权企业", "credit_code": code(5), "unit_id": city.station_b.id, "liaison_officer_id": 0})
    assert response.status_code == 200
    assert count(Enterprise) == 2
    assert db.session.scalar(select(Enterprise).where(Enterprise.name == "越权企业")) is None


def test_station_a_cannot_name_bs_officer(app, city, two):
    with pytest.raises(ValidationError) as caught:
        services.update(actor_for("desk_a"), two[0], {"liaison_officer_id": city.user("officer_b").id})
    assert "liaison_officer_id" in caught.value.errors
    assert reload(two[0]).liaison_officer_id is None


def test_the_form_creates_in_the_users_unit(app, city):
    client = client_for(app, "desk_a")
    response = client.post("/enterprises/new", data={
        "name": "甲所新企业有限公司", "credit_code": code(6), "unit_id": city.station_a.id, "liaison_officer_id": 0})
    assert response.status_code == 302
    db.session.rollback()
    created = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code(6)))
    assert created.unit_id == city.station_a.id and created.name == "甲所新企业有限公司"


def test_an_officer_reads_but_does_not_write(app, two):
    client = client_for(app, "officer_a")
    assert client.get("/enterprises/new").status_code == 403
    assert client.get(f"/enterprises/{two[0]}/edit").status_code == 403
    with pytest.raises(Forbidden):
        services.update(actor_for("officer_a"), two[0], {"name": "x"})
    assert reload(two[0]).name == A_NAME


# --- administrator and auditor ------------------------------------------------------

@pytest.mark.parametrize("username", ["admin", "auditor"])
def test_admin_and_auditor_get_403_on_enterprise_pages(app, two, username):
    client = client_for(app, username)
    for url in ("/enterprises/", f"/enterprises/{two[0]}", f"/enterprises/{two[0]}/edit", "/enterprises/new",
                "/enterprises/import", "/enterprises/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert A_NAME not in response.get_data(as_text=True)
    with pytest.raises(Forbidden):
        services.search(actor_for(username))
    with pytest.raises(Forbidden):
        services.get(actor_for(username), two[0])
    with pytest.raises(Forbidden):
        services.create(actor_for(username), {"name": "x", "credit_code": code(7)})


def test_admin_home_shows_no_business_data(app, two):
    client = client_for(app, "admin")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")
    html = client.get("/admin/users").get_data(as_text=True)
    assert A_NAME not in html and B_NAME not in html
    assert client.get("/audit/").status_code == 403


def test_auditor_reads_the_audit_log_and_desk_does_not(app, two):
    auditor = client_for(app, "auditor")
    assert auditor.get("/").headers["Location"].endswith("/audit/")
    response = auditor.get("/audit/")
    assert response.status_code == 200
    assert "enterprise.create" in response.get_data(as_text=True)
    assert auditor.get("/admin/users").status_code == 403
    for username in ("desk", "desk_a", "leader", "officer_a", "admin"):
        assert client_for(app, username).get("/audit/").status_code == 403, username


def test_a_refused_page_is_audited(app, two):
    from core.audit.models import AuditEntry

    client_for(app, "admin").get("/enterprises/")
    db.session.rollback()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "access.denied")
                              .order_by(AuditEntry.id.desc()))
    assert entry.username == "admin" and entry.result == "denied" and entry.object_id == "registry.index"


def test_anonymous_visitors_are_sent_to_log_in(app, two):
    client = fresh_client(app)
    for url in ("/", "/enterprises/", f"/enterprises/{two[0]}", "/audit/", "/p/inspection/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


# --- doctored URLs and forms ---------------------------------------------------------

HUGE = "99999999999999999999"


def test_out_of_range_ids_in_urls_are_not_found_not_errors(app, two):
    desk = client_for(app, "desk_a")
    for url in (f"/enterprises/{HUGE}", f"/enterprises/{HUGE}/edit", "/enterprises/2147483648"):
        assert desk.get(url).status_code == 404, url
    for url in (f"/enterprises/?officer={HUGE}", f"/enterprises/?unit={HUGE}", "/enterprises/?unit=²",
                f"/enterprises/export.xlsx?officer={HUGE}", "/enterprises/?officer=-1&unit=abc"):
        assert desk.get(url).status_code == 200, url
    admin = client_for(app, "admin")
    for url in (f"/admin/units/{HUGE}/edit", f"/admin/users/{HUGE}/edit"):
        assert admin.get(url).status_code == 404, url
    assert client_for(app, "auditor").get(f"/audit/?before={HUGE}").status_code == 200


def test_a_doctored_form_version_is_a_conflict_not_an_error(app, city, two):
    client = client_for(app, "desk_a")
    client.post("/lang", data={"lang": "en"})
    response = client.post(f"/enterprises/{two[0]}/edit", data={
        "name": "改过的名字", "credit_code": code(1), "unit_id": city.station_a.id, "liaison_officer_id": 0,
        "version": "abc"})
    assert response.status_code == 409
    assert "Someone else saved this enterprise" in response.get_data(as_text=True)
    assert reload(two[0]).name == A_NAME
    with pytest.raises(ValidationError):
        services.update(actor_for("desk_a"), two[0], {"unit_id": HUGE})


def test_a_stale_form_is_a_conflict(app, city, two):
    services.update(actor_for("desk"), two[0], {"notes": "中心先改了"})
    client = client_for(app, "desk_a")
    client.post("/lang", data={"lang": "en"})
    response = client.post(f"/enterprises/{two[0]}/edit", data={
        "name": "甲所改名", "credit_code": code(1), "unit_id": city.station_a.id, "liaison_officer_id": 0,
        "version": 1})
    assert "Someone else saved this enterprise" in response.get_data(as_text=True)
    enterprise = reload(two[0])
    assert (enterprise.name, enterprise.notes, enterprise.version) == (A_NAME, "中心先改了", 2)


def test_the_enterprise_form_sent_twice_registers_one(app, city):
    import re as _re

    from tests.helpers import count as _count

    client = client_for(app, "desk_a")
    page = client.get("/enterprises/new").get_data(as_text=True)
    key = _re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page).group(1)
    data = {"name": "双击测试有限公司", "credit_code": code(9), "unit_id": city.station_a.id, "liaison_officer_id": 0,
            "submission_key": key}
    first = client.post("/enterprises/new", data=data)
    second = client.post("/enterprises/new", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(Enterprise) == 1
    # The key is the user's own: someone else sending it gets the usual duplicate message, not the record.
    other = client_for(app, "desk").post("/enterprises/new", data=data)
    assert other.status_code == 200 and _count(Enterprise) == 1
