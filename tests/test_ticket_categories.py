"""The administrator keeps the demand categories: a page and ``anqi categories``.
A category in use is deactivated, never deleted; every change is audited."""
from sqlalchemy import select

from core.audit import services as audit
from core.audit.models import AuditEntry
from core.extensions import db
from core.registry import services as registry
from core.tickets import services as tickets
from core.tickets.models import TicketCategory
from tests.conftest import actor_for, login
from tests.helpers import code, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


def category(code_):
    db.session.rollback()
    return db.session.scalar(select(TicketCategory).where(TicketCategory.code == code_))


def actions(action):
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action,
                                                            AuditEntry.result == audit.OK)))


def register_dispute(desk="desk"):
    enterprise = registry.create(actor_for(desk), {"name": "测试企业", "credit_code": code(7)})
    return tickets.register(actor_for(desk), tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
        handling_mode="follow", description="门口有人堵路。"))


def test_the_administrator_adds_renames_and_deactivates_a_category(app, city):
    register_dispute()
    admin = fresh_client(app)
    login(admin, "admin")
    page = admin.get("/admin/categories/").get_data(as_text=True)
    assert "矛盾纠纷" in page and "Dispute" in page 
    assert 'href="/admin/categories/"' in admin.get("/admin/users").get_data(as_text=True)     # in the menu

    response = admin.post("/admin/categories/new", data={"code": "fire_safety", "name_zh": "消防安全",
                                                        "name_en": "Fire safety", "sort_order": "35"})
    assert response.status_code == 302
    assert "消防安全" in admin.get(response.headers["Location"]).get_data(as_text=True)   # the confirmation
    added = category("fire_safety")
    assert (added.name_en, added.sort_order, added.active) == ("Fire safety", 35, True)
    assert "fire_safety" in tickets.categories(actor_for("desk"))

    response = admin.post(f"/admin/categories/{added.id}/edit", data={"name_zh": "消防隐患", "name_en": "Fire hazard",
                                                                     "sort_order": "35", "code": "other_code"})
    assert response.status_code == 302
    renamed = category("fire_safety")
    assert (renamed.code, renamed.name_zh) == ("fire_safety", "消防隐患")

    dispute = category("dispute")
    assert admin.post(f"/admin/categories/{dispute.id}/deactivate").status_code == 302
    assert not category("dispute").active
    assert "dispute" not in tickets.categories(actor_for("desk"))
    assert tickets.category_label("dispute") == "矛盾纠纷"        # its tickets keep it, with its name
    assert admin.post(f"/admin/categories/{dispute.id}/activate").status_code == 302
    assert category("dispute").active
    for action in ("ticket_category.create", "ticket_category.update", "ticket_category.deactivate",
                   "ticket_category.activate"):
        assert [e.username for e in actions(action)] == ["admin"], action


def test_all_of_a_wrong_forms_errors_are_shown_at_once(app, city):
    admin = fresh_client(app)
    login(admin, "admin")
    response = admin.post("/admin/categories/new", data={"code": "Dispute!", "name_zh": "", "name_en": "",
                                                        "sort_order": "x"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page.count('<p class="error">') == 4          # code, both names and the place, at once
    response = admin.post("/admin/categories/new", data={"code": "dispute", "name_zh": "重复", "name_en": "Again"})
    assert response.status_code == 400
    assert db.session.scalar(select(TicketCategory).where(TicketCategory.name_zh == "重复")) is None


def test_the_last_active_category_stays(app, city):
    admin = fresh_client(app)
    login(admin, "admin")
    rows = list(db.session.scalars(select(TicketCategory).order_by(TicketCategory.id)))
    for row in rows[:-1]:
        admin.post(f"/admin/categories/{row.id}/deactivate")
    admin.post(f"/admin/categories/{rows[-1].id}/deactivate")
    assert category(rows[-1].code).active


def test_only_the_administrator_reaches_the_page(app, city):
    for username in ("desk", "leader", "auditor"):
        client = fresh_client(app)
        login(client, username)
        assert client.get("/admin/categories/").status_code == 403
        assert client.post("/admin/categories/new", data={"code": "x_y", "name_zh": "某", "name_en": "X"}
                           ).status_code == 403
    assert category("x_y") is None


def test_the_categories_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["categories", "add", "fire_safety", "--zh", "消防安全", "--en", "Fire safety"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["categories", "rename", "fire_safety", "--zh", "消防隐患"]).exit_code == 0
    assert runner.invoke(args=["categories", "disable", "dispute"]).exit_code == 0
    listing = runner.invoke(args=["categories", "list"]).output
    assert "消防隐患" in listing and "Fire safety" in listing
    assert not category("dispute").active and category("fire_safety").name_zh == "消防隐患"
    refused = runner.invoke(args=["categories", "add", "fire_safety", "--zh", "又", "--en", "Again"])
    assert refused.exit_code != 0
    assert runner.invoke(args=["categories", "disable", "nope"]).exit_code != 0
    assert [e.username for e in actions("ticket_category.create")] == ["cli"]
