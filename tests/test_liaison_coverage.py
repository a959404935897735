"""一企一警 coverage (core/liaison): officers serving fewer than the minimum,
enterprises without an officer by unit, and assigning an officer to many
enterprises at once, each audited, within the user's units only."""
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.extensions import db
from core.liaison import coverage
from core.registry import services as registry
from core.registry.models import Enterprise
from tests.conftest import actor_for, csrf_token, login
from tests.helpers import code
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


def _enterprises(unit, count, start, officer=None):
    made = []
    for n in range(start, start + count):
        data = {"name": f"测试企业{n}有限公司", "credit_code": code(n), "unit_id": unit.id}
        if officer is not None:
            data["liaison_officer_id"] = officer.id
        made.append(registry.create(actor_for("desk"), data))
    return made


def test_the_page_shows_thin_officers_and_enterprises_without_an_officer_by_unit(city, client):
    officer_a, officer_b = city.user("officer_a"), city.user("officer_b")
    _enterprises(city.station_a, 3, 1, officer_a)        # officer_a serves three: enough
    _enterprises(city.station_b, 1, 10, officer_b)       # officer_b one: too few
    _enterprises(city.station_a, 2, 20)                  # two without an officer in station A
    _enterprises(city.station_b, 4, 30)                  # four in station B
    desk = actor_for("desk")
    thin = {t.user.username: t.enterprises for t in coverage.thin_officers(desk)}
    assert thin["officer_b"] == 1 and "officer_a" not in thin
    assert {u.unit.code: (u.enterprises, u.without_officer) for u in coverage.by_unit(desk)} == {
        "STA": (5, 2), "STB": (5, 4)}
    assert len(coverage.without_officer(desk).items) == 6
    # A station's desk sees its own station only.
    desk_a = actor_for("desk_a")
    assert {u.unit.code for u in coverage.by_unit(desk_a)} == {"STA"}
    assert {e.unit_id for e in coverage.without_officer(desk_a).items} == {city.station_a.id}
    assert "officer_b" not in {t.user.username for t in coverage.thin_officers(desk_a)}

    login(client, "desk")
    page = client.get("/liaison/coverage").get_data(as_text=True)
    assert "一企一警" in page and "OFFICER_B" in page and "测试企业30有限公司" in page
    page = client.get("/liaison/coverage", query_string={"unit_id": city.station_a.id}).get_data(as_text=True)
    assert "测试企业20有限公司" in page and "测试企业30有限公司" not in page


def test_the_minimum_is_a_setting(city, app):
    _enterprises(city.station_a, 3, 1, city.user("officer_a"))
    assert "officer_a" not in {t.user.username for t in coverage.thin_officers(actor_for("desk"))}
    app.config["LIAISON_MIN_ENTERPRISES"] = 5
    thin = {t.user.username: t.enterprises for t in coverage.thin_officers(actor_for("desk"))}
    assert thin["officer_a"] == 3


def test_assigning_in_bulk_changes_each_audits_each_and_confirms(city, client):
    lonely = _enterprises(city.station_a, 3, 1)
    login(client, "desk")
    token = csrf_token(client.get("/liaison/coverage").data)
    answer = client.post("/liaison/coverage/assign", data={
        "csrf_token": token, "officer_id": city.user("officer_a").id,
        "enterprise_ids": [e.id for e in lonely[:2]]}, follow_redirects=True)
    assert "2 家企业的联络民警现为 OFFICER_A" in answer.get_data(as_text=True)
    db.session.expire_all()
    officers = [db.session.get(Enterprise, e.id).liaison_officer_id for e in lonely]
    assert officers == [city.user("officer_a").id, city.user("officer_a").id, None]
    audited = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "enterprise.update", AuditEntry.object_type == "enterprise"))
    assert audited == 2


def test_assigning_names_every_missing_choice_and_refuses_an_officer_of_another_unit(city, client):
    lonely = _enterprises(city.station_a, 1, 1)
    desk_a = actor_for("desk_a")
    try:
        coverage.assign(desk_a, [], None)
    except coverage.ValidationError as exc:
        assert set(exc.errors) == {"enterprise_ids", "officer_id"}
    else:
        raise AssertionError("an empty assignment was accepted")
    try:
        coverage.assign(desk_a, [lonely[0].id], city.user("officer_b").id)
    except coverage.ValidationError as exc:
        assert "liaison_officer_id" in exc.errors
    else:
        raise AssertionError("an officer of another unit was accepted")
    db.session.expire_all()
    assert db.session.get(Enterprise, lonely[0].id).liaison_officer_id is None

    login(client, "desk_a")
    token = csrf_token(client.get("/liaison/coverage").data)
    answer = client.post("/liaison/coverage/assign", data={"csrf_token": token}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "请勾选要分配的企业" in page and "请选择联络民警" in page


def test_an_officer_may_read_the_page_but_not_assign(city, client):
    lonely = _enterprises(city.station_a, 1, 1)
    login(client, "officer_a")
    assert client.get("/liaison/coverage").status_code == 200
    token = csrf_token(client.get("/liaison/coverage").data)
    answer = client.post("/liaison/coverage/assign", data={
        "csrf_token": token, "officer_id": city.user("officer_a").id, "enterprise_ids": [lonely[0].id]})
    assert answer.status_code == 403
