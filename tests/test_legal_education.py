"""Legal-education sessions (法治宣教, core/legal_education): recorded by the
units' police with speakers, attending enterprises, audience, material
(articles and files checked like attachments); scoped by unit, audited, every
problem at once; listed on the enterprise's page."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.audit.models import AuditEntry
from core.errors import Conflict, Forbidden, NotFound, ValidationError
from core.extensions import db
from core.knowledge import services as knowledge
from core.legal_education import services as legal
from core.legal_education.models import LegalEducationFile, LegalEducationSession
from core.registry import services as registry
from tests.conftest import actor_for, login
from tests.helpers import code, count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.portal_world import PNG


@pytest.fixture
def world(city):
    a = registry.create(actor_for("desk_a"), {"name": "甲所辖区华达纺织有限公司", "credit_code": code(1)})
    b = registry.create(actor_for("desk_b"), {"name": "乙所辖区永兴机械有限公司", "credit_code": code(2)})
    article = knowledge.save(actor_for("desk"), knowledge.ArticleInput(
        title="警惕电信网络诈骗", kind="education", category="", unit_id=city.centre.id, body="务必当面核实。"))
    return {"a": a, "b": b, "article": article}


def entries(city, **changes) -> legal.SessionInput:
    values = dict(held_on=(clock.now() - timedelta(days=3)).date().isoformat(), place="华达纺织三楼会议室",
                  topic="防范电信网络诈骗", unit_id=city.station_a.id,
                  speaker_ids=[str(city.user("officer_a").id)], enterprises=code(1), audience="财务人员",
                  headcount="25", material="发放反诈手册。")
    values.update(changes)
    return legal.SessionInput(**values)


def test_an_officer_records_a_session_audited(app, city, world):
    made = legal.save(actor_for("officer_a"), entries(city, article_ids=[str(world["article"].id)]),
                      uploads=[("现场.png", io.BytesIO(PNG))])
    assert [e.id for e in made.enterprises] == [world["a"].id]
    assert [u.username for u in made.speakers] == ["officer_a"]
    assert (made.headcount, made.articles, len(made.files)) == (25, [world["article"]], 1)
    legal.save(actor_for("desk_a"), entries(city, topic="防范电信网络诈骗（二）", headcount=""), made.id,
               version=str(made.version))
    with pytest.raises(Conflict):
        legal.save(actor_for("desk_a"), entries(city), made.id, version="1")
    db.session.rollback()
    saved = db.session.get(LegalEducationSession, made.id)
    assert (saved.topic, saved.headcount, len(saved.files)) == ("防范电信网络诈骗（二）", None, 1)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "legal_education_session",
                                                                 AuditEntry.result == "ok")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["legal_education.create", "legal_education.update"]


def test_every_problem_at_once_and_nothing_kept(app, city, world):
    future = (clock.now() + timedelta(days=5)).date().isoformat()
    with pytest.raises(ValidationError) as caught:
        legal.save(actor_for("officer_a"), entries(city, held_on=future, place="", topic="", speaker_ids=[],
                                                   enterprises=f"{code(2)}\n不存在的公司", headcount="-3",
                                                   unit_id=city.station_b.id, article_ids=["999"]),
                   uploads=[("手册.pdf", io.BytesIO(b"not a pdf"))])
    assert set(caught.value.errors) == {"held_on", "place", "topic", "speaker_ids", "enterprises", "headcount",
                                        "unit_id", "article_ids", "files"}
    assert len(caught.value.errors["enterprises"]) == 2      # the other station's and the unknown one
    with pytest.raises(ValidationError) as caught:
        legal.save(actor_for("officer_a"), entries(city, enterprises="", audience=""))
    assert set(caught.value.errors) == {"audience"}
    assert count(LegalEducationSession) == count(LegalEducationFile) == 0


def test_scope_and_the_enterprises_page(app, city, world):
    made = legal.save(actor_for("officer_a"), entries(city), uploads=[("现场.png", io.BytesIO(PNG))])
    assert [s.id for s in legal.listing(actor_for("desk_b"))] == []
    with pytest.raises(NotFound):
        legal.get(actor_for("desk_b"), made.id)
    assert [s.id for s in legal.listing(actor_for("desk"), "诈骗")] == [made.id]     # the centre sees the city
    with pytest.raises(Forbidden):
        legal.save(actor_for("admin"), entries(city))
    client = fresh_client(app)
    login(client, "desk_a")
    page = client.get(f"/enterprises/{world['a'].id}").get_data(as_text=True)
    assert 'data-testid="enterprise-legal-education"' in page and "防范电信网络诈骗" in page
    detail = client.get(f"/legal-education/{made.id}").get_data(as_text=True)
    assert "OFFICER_A" in detail and "甲所辖区华达纺织有限公司" in detail
    file_id = made.files[0].id
    download = client.get(f"/legal-education/{made.id}/files/{file_id}")
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    other = fresh_client(app)
    login(other, "desk_b")
    assert other.get(f"/legal-education/{made.id}").status_code == 404
    assert other.get(f"/legal-education/{made.id}/files/{file_id}").status_code == 404


def test_the_form(app, city, world):
    client = fresh_client(app)
    login(client, "officer_a")
    assert 'href="/legal-education/"' in client.get("/legal-education/").get_data(as_text=True)
    response = client.post("/legal-education/new", data={"held_on": "", "place": "", "topic": "", "unit_id": "",
                                                          "enterprises": "", "audience": ""})
    assert response.status_code == 400 and response.get_data(as_text=True).count('class="error"') == 6
    response = client.post("/legal-education/new", data={
        "held_on": (clock.now() - timedelta(days=1)).date().isoformat(), "place": "服务中心报告厅",
        "topic": "合同诈骗防范", "unit_id": str(city.station_a.id),
        "speaker_ids": [str(city.user("officer_a").id)], "enterprises": "甲所辖区华达纺织有限公司",
        "headcount": "12", "files": (io.BytesIO(PNG), "讲座.png")}, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    made = db.session.scalars(select(LegalEducationSession)).one()
    assert [f.original_name for f in made.files] == ["讲座.png"]
    assert client.get(f"/legal-education/{made.id}/edit").status_code == 200


def test_a_file_chosen_before_a_refused_submit_is_kept_for_the_next(app, city, world):
    """The material file sent with a form that lacked its topic is held, listed on the
    page, and saved with the session when the form comes back with it."""
    client = fresh_client(app)
    login(client, "officer_a")
    form = {"held_on": (clock.now() - timedelta(days=1)).date().isoformat(), "place": "服务中心报告厅",
            "unit_id": str(city.station_a.id), "speaker_ids": [str(city.user("officer_a").id)],
            "enterprises": "甲所辖区华达纺织有限公司"}
    refused = client.post("/legal-education/new", data={**form, "topic": "", "files": (io.BytesIO(PNG), "讲座.png")},
                          content_type="multipart/form-data")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "讲座.png" in text and count(LegalEducationSession) == 0
    held_token = text.split('name="held" value="')[1].split('"')[0]
    saved = client.post("/legal-education/new", data={**form, "topic": "合同诈骗防范", "held": held_token})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:2000]
    made = db.session.scalars(select(LegalEducationSession)).one()
    assert [f.original_name for f in made.files] == ["讲座.png"]
