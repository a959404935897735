"""The enabling unit's leader keeps the catalogue: items changed and withdrawn,
checklist forms made, changed and withdrawn, enterprises exempted by their
credit code, name or initials — through the page, with every refusal beside its field."""
from sqlalchemy import select

from core.extensions import db
from plugins.inspection import catalogue
from plugins.inspection.models import Exemption, Form, Item
from tests.conftest import actor_for, login
from tests.helpers import code, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.inspection_world import build


def _leader(app):
    client = fresh_client(app)
    login(client, "leader_a")
    return client


def test_the_leader_changes_and_withdraws_an_item_and_a_form(app, city):
    world = build(city)
    client = _leader(app)
    page = client.get("/p/inspection/catalogue").get_data(as_text=True)
    assert 'data-testid="edit-item"' in page and 'data-testid="new-form"' in page
    item = db.session.scalars(select(Item).where(Item.unit_id == city.station_a.id).order_by(Item.id)).first()
    response = client.post("/p/inspection/catalogue/items", data={
        "item_id": item.id, "code": item.code, "name": "旅客住宿登记（修订）", "police_type": item.police_type,
        "legal_basis": "《旅馆业治安管理办法》第六条", "yearly_limit": "3", "active": "0"})
    assert response.status_code == 303
    db.session.expire_all()
    item = db.session.get(Item, item.id)
    assert (item.name, item.yearly_limit, item.active) == ("旅客住宿登记（修订）", 3, False)
    assert item.id not in {i.id for i in catalogue.items(actor_for("leader_a"), active_only=True)}

    chosen = [i.id for i in catalogue.items(actor_for("leader_a"), active_only=True)[:3]]
    client.post("/p/inspection/catalogue/forms", data={"name": "民宿监管一件事", "enterprise_type": "民宿",
                                                      "item_ids": [str(i) for i in chosen], "active": "1"})
    form = db.session.scalar(select(Form).where(Form.name == "民宿监管一件事"))
    assert [i.id for i in form.items] == chosen
    client.post("/p/inspection/catalogue/forms", data={"form_id": form.id, "name": "民宿监管一件事",
                                                      "enterprise_type": "民宿", "item_ids": [str(chosen[0])],
                                                      "active": "0"})
    db.session.expire_all()
    form = db.session.get(Form, form.id)
    assert [i.id for i in form.items] == [chosen[0]] and form.active is False
    assert form.id not in {f.id for f in catalogue.forms(actor_for("desk_a"), active_only=True)}
    # A form without items is refused, and nothing changes.
    response = client.post("/p/inspection/catalogue/forms", data={"form_id": form.id, "name": "空表",
                                                                 "enterprise_type": "", "active": "1"},
                           follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(Form, form.id).name == "民宿监管一件事"
    assert world.form_id


def test_an_enterprise_is_exempted_by_its_credit_code(app, city):
    world = build(city)
    client = _leader(app)
    enterprise_id = world.enterprises[0]
    response = client.post("/p/inspection/exemptions", data={
        "enterprise": code(100), "reason": "诚信示范企业，无事不扰", "starts_on": "2026-01-01", "ends_on": "2026-12-31"})
    assert response.status_code == 303
    row = db.session.scalar(select(Exemption))
    assert row.enterprise_id == enterprise_id
    assert "甲区测试企业0号" in client.get("/p/inspection/catalogue").get_data(as_text=True)
    # An unknown code or another unit's enterprise: a message, nothing stored.
    for reference in (code(999), "not-a-code"):
        client.post("/p/inspection/exemptions", data={"enterprise": reference, "reason": "x",
                                                     "starts_on": "2026-01-01", "ends_on": "2026-12-31"})
    assert len(db.session.scalars(select(Exemption)).all()) == 1


def test_an_enterprise_is_exempted_by_its_name_or_its_initials(app, city):
    from core.registry import pinyin
    from core.registry import services as registry

    world = build(city)
    client = _leader(app)
    period = {"reason": "诚信示范企业，无事不扰", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}
    assert client.post("/p/inspection/exemptions", data={"enterprise": "甲区测试企业3号", **period}).status_code == 303
    other = registry.create(actor_for("desk_a"), {"name": "诸暨市恒泰袜业有限公司", "credit_code": code(150)})
    initials = pinyin.initials(other.name)
    assert client.post("/p/inspection/exemptions", data={"enterprise": initials, **period}).status_code == 303
    assert [row.enterprise_id for row in db.session.scalars(select(Exemption).order_by(Exemption.id))] == [
        world.enterprises[3], other.id]
    # A name several enterprises share: the page names them, nothing stored.
    response = client.post("/p/inspection/exemptions", data={"enterprise": "甲区测试企业", **period})
    assert response.status_code == 400 and "甲区测试企业0号、" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Exemption)).all()) == 2


def test_an_exemption_shows_every_error_beside_its_field_and_keeps_the_entries(app, city):
    import lxml.html

    build(city)
    client = _leader(app)
    response = client.post("/p/inspection/exemptions", data={
        "enterprise": "不存在的企业", "reason": " ", "starts_on": "2026-12-31", "ends_on": "2026-01-01"})
    assert response.status_code == 400
    [form] = lxml.html.fromstring(response.get_data(as_text=True)).xpath('//form[@data-testid="exemption-form"]')
    errors = {box.xpath(".//input/@name")[0]: [p.text_content() for p in box.xpath(".//p[@class='error']")]
              for box in form.xpath('.//div[contains(@class, "has-error")]')}
    assert errors == {"enterprise": ["辖区内没有与“不存在的企业”相符的企业。"],
                      "reason": ["请说明免检理由。"],
                      "starts_on": ["请填写期间：结束日期不得早于开始日期。"]}
    assert form.xpath('.//input[@name="enterprise"]/@value') == ["不存在的企业"]
    assert form.xpath('.//input[@name="starts_on"]/@value') == ["2026-12-31"]
    assert db.session.scalars(select(Exemption)).all() == []


def test_only_the_catalogue_permission_changes_it(app, city):
    build(city)
    item = db.session.scalars(select(Item).where(Item.unit_id == city.station_a.id)).first()
    client = fresh_client(app)
    login(client, "desk_a")
    assert 'data-testid="edit-item"' not in client.get("/p/inspection/catalogue").get_data(as_text=True)
    assert client.post("/p/inspection/catalogue/items", data={"item_id": item.id, "code": "X", "name": "Y",
                                                              "police_type": item.police_type}).status_code == 403
