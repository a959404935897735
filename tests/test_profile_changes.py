"""The enterprise keeps its own profile: its portal account manager proposes
contacts, address and business facts, the desk of its unit sees what differs
and accepts it into the registry (as a desk edit, optimistic lock included) or
refuses it with a reason the enterprise reads."""
import logging
from datetime import datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from core import clock
from core.audit.models import AuditEntry
from core.errors import Conflict, Forbidden, NotFound, ValidationError
from core.extensions import db
from core.notifications.models import Notification
from core.portal import accounts
from core.registry import profile_changes
from core.registry import services as registry
from core.registry.models import EnterpriseProfileChange
from tests.conftest import actor_for, login
from tests.helpers import code, count, en, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.portal_world import PORTAL_PASSWORD, portal, portal_login, verified_account

MANAGER_PHONE = "13905750001"
NEW_PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(datetime(2026, 12, 1, 2, 0))


@pytest.fixture
def manager(app, city):
    account = verified_account("desk_a", 1, "诸暨市精密机械有限公司", MANAGER_PHONE)
    registry.update(actor_for("desk_a"), account.enterprise_id, {
        "address": "浣东街道1号", "district": "浣东街道", "industry": "制造业",
        "contacts": [{"name": "王经理", "phone": "13900000001", "title": "总经理"}]})
    return account


def proposal(**changes):
    values = {"legal_representative": "", "address": "暨阳街道工业园8号", "district": "暨阳街道",
              "industry": "制造业",
              "contacts": [{"name": "王经理", "phone": "139****0001", "title": "总经理"},
                           {"name": "李安全", "phone": NEW_PHONE, "title": "安全主管"}]}
    values.update(changes)
    return values


def test_the_manager_proposes_and_the_registry_waits_for_the_desk(manager, city):
    change = profile_changes.propose(portal(manager), proposal())
    enterprise = manager.enterprise
    assert change.status == "pending" and change.base_version == enterprise.version
    assert enterprise.address == "浣东街道1号" and len(enterprise.contacts) == 1   # not yet in the registry
    # The masked phone the form showed stands for the stored one; the new one is kept encrypted.
    assert [c.phone for c in change.contacts] == ["13900000001", NEW_PHONE]
    stored = db.session.execute(text("SELECT phone_encrypted, phone_hash FROM enterprise_profile_change_contact"))
    assert all(NEW_PHONE not in row.phone_encrypted and row.phone_hash for row in stored)
    notified = {n.user_id for n in Notification.query.filter_by(kind="profile_change")}
    assert city.users["desk_a"].id in notified and city.users["desk_b"].id not in notified
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "enterprise.profile_propose"))
    assert entry.object_id == str(change.id) and set(entry.detail["fields"]) == {"address", "district", "contacts"}
    assert NEW_PHONE not in str(entry.detail)


def test_a_new_proposal_replaces_the_waiting_one(manager):
    first = profile_changes.propose(portal(manager), proposal())
    # The form shows the waiting proposal, its new phone masked; sent back as it is, the phone stays.
    shown = profile_changes.form_values(manager.enterprise, first)
    assert shown["contacts"][1]["phone"] == "138****5678"
    second = profile_changes.propose(portal(manager), {**shown, "address": "暨阳街道工业园9号"})
    assert second.contacts[1].phone == NEW_PHONE
    db.session.refresh(first)
    assert first.status == "replaced" and second.status == "pending"
    assert count(EnterpriseProfileChange, EnterpriseProfileChange.status == "pending") == 1
    # The desk cannot accept the replaced one, and is told why.
    with pytest.raises(ValidationError) as caught:
        profile_changes.accept(actor_for("desk_a"), first.id, manager.enterprise.version)
    assert "newer proposal" in en(caught.value.message)


def test_only_the_manager_proposes_and_a_proposal_must_change_something(manager):
    colleague = accounts.add_colleague(portal(manager), "赵会计", "13905750002", PORTAL_PASSWORD, PORTAL_PASSWORD)
    with pytest.raises(Forbidden):
        profile_changes.propose(portal(colleague), proposal())
    same = {"legal_representative": "", "address": "浣东街道1号", "district": "浣东街道", "industry": "制造业",
            "contacts": [{"name": "王经理", "phone": "139****0001", "title": "总经理"}]}
    with pytest.raises(ValidationError) as caught:
        profile_changes.propose(portal(manager), same)
    assert "Nothing differs" in en(caught.value.message)
    errors = profile_changes.check(portal(manager), proposal(
        address="地" * 301, contacts=[{"name": "", "phone": "12345", "title": "会计"}]))
    assert set(errors) == {"address", "contacts"} and len(errors["contacts"]) == 2   # every problem at once
    assert count(EnterpriseProfileChange) == 0


def test_accepting_applies_the_change_as_a_desk_edit_and_audits_it(manager):
    change = profile_changes.propose(portal(manager), proposal())
    desk = actor_for("desk_a")
    version = manager.enterprise.version
    differences = {d.field: (d.before, d.after) for d in profile_changes.differences(change)}
    assert differences == {"address": ("浣东街道1号", "暨阳街道工业园8号"), "district": ("浣东街道", "暨阳街道")}
    rows = profile_changes.contact_differences(change)
    assert [r.changed for r in rows] == [False, True] and rows[1].before is None
    accepted = profile_changes.accept(desk, change.id, version)
    enterprise = registry.get(desk, manager.enterprise_id)
    assert accepted.status == "accepted" and accepted.decided_by_id == desk.user_id
    assert enterprise.address == "暨阳街道工业园8号" and enterprise.version == version + 1
    assert [(c.name, c.phone) for c in enterprise.contacts] == [("王经理", "13900000001"), ("李安全", NEW_PHONE)]
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.result == "ok")
                                      .order_by(AuditEntry.id)))
    assert actions[-2:] == ["enterprise.profile_accept", "enterprise.update"]    # one transaction, as a desk edit
    # The enterprise is told on its home page once, and then sees it on its profile page.
    assert profile_changes.unseen_decision(portal(manager)).id == change.id
    profile_changes.mark_seen(portal(manager), profile_changes.latest(portal(manager)))
    assert profile_changes.unseen_decision(portal(manager)) is None
    with pytest.raises(ValidationError) as caught:
        profile_changes.accept(desk, change.id, enterprise.version)
    assert "already been decided" in en(caught.value.message)


def test_refusing_keeps_the_registry_and_tells_the_reason(manager):
    change = profile_changes.propose(portal(manager), proposal())
    version = manager.enterprise.version
    with pytest.raises(ValidationError):
        profile_changes.refuse(actor_for("desk_a"), change.id, "  ")
    profile_changes.refuse(actor_for("desk_a"), change.id, "地址与营业执照不符，请先变更登记。")
    enterprise = registry.get(actor_for("desk_a"), manager.enterprise_id)
    assert enterprise.version == version and enterprise.address == "浣东街道1号" and len(enterprise.contacts) == 1
    decided = profile_changes.unseen_decision(portal(manager))
    assert decided.status == "refused" and decided.decision_reason == "地址与营业执照不符，请先变更登记。"
    assert count(AuditEntry, AuditEntry.action == "enterprise.profile_refuse", AuditEntry.result == "ok") == 1


def test_another_units_desk_neither_sees_nor_decides(manager):
    change = profile_changes.propose(portal(manager), proposal())
    other = actor_for("desk_b")
    assert profile_changes.waiting(other) == []
    assert [c.id for c in profile_changes.waiting(actor_for("desk_a"))] == [change.id]
    for decide in (lambda: profile_changes.accept(other, change.id, 1),
                   lambda: profile_changes.refuse(other, change.id, "不同意"),
                   lambda: profile_changes.get_for_desk(other, change.id),
                   lambda: profile_changes.reveal_phones(other, change.id)):
        with pytest.raises(NotFound):
            decide()
    with pytest.raises(Forbidden):       # an officer does not edit the registry
        profile_changes.waiting(actor_for("officer_a"))
    db.session.refresh(change)
    assert change.status == "pending"


def test_a_stale_accept_after_a_desk_edit_is_refused_with_a_message(manager):
    change = profile_changes.propose(portal(manager), proposal())
    shown_version = manager.enterprise.version                   # the desk's page was built on this
    registry.update(actor_for("desk"), manager.enterprise_id, {"industry": "装备制造"})   # someone edits meanwhile
    with pytest.raises(Conflict) as caught:
        profile_changes.accept(actor_for("desk_a"), change.id, shown_version)
    assert "saved by someone else" in en(caught.value.message)
    db.session.rollback()
    enterprise = registry.get(actor_for("desk_a"), manager.enterprise_id)
    assert enterprise.address == "浣东街道1号" and enterprise.industry == "装备制造"
    assert db.session.get(EnterpriseProfileChange, change.id).status == "pending"
    # Looked at again, the page shows the industry the proposal would put back, and accepting works.
    assert {d.field for d in profile_changes.differences(db.session.get(EnterpriseProfileChange, change.id))} == \
        {"address", "district", "industry"}
    profile_changes.accept(actor_for("desk_a"), change.id, enterprise.version)
    assert registry.get(actor_for("desk_a"), manager.enterprise_id).address == "暨阳街道工业园8号"


def test_the_pages_mask_phones_and_keep_them_out_of_logs_and_urls(app, manager, caplog):
    caplog.set_level(logging.DEBUG)
    enterprise_client = fresh_client(app)
    portal_login(enterprise_client, MANAGER_PHONE)
    page = enterprise_client.get("/portal/profile").get_data(as_text=True)
    assert 'data-testid="profile-form"' in page and "139****0001" in page and "13900000001" not in page
    form = {"legal_representative": "", "address": "暨阳街道工业园8号", "district": "暨阳街道", "industry": "制造业",
            "contact_name": ["王经理", "李安全", ""], "contact_title": ["总经理", "安全主管", ""],
            "contact_phone": ["139****0001", NEW_PHONE, ""]}
    sent = enterprise_client.post("/portal/profile", data=form)
    assert sent.status_code == 303 and NEW_PHONE not in sent.headers["Location"]
    page = enterprise_client.get("/portal/profile").get_data(as_text=True)
    assert 'data-status="pending"' in page and NEW_PHONE not in page
    bad = enterprise_client.post("/portal/profile", data={**form, "contact_phone": ["139****0001", "12", ""]})
    assert bad.status_code == 400 and "data-testid=\"error-contacts\"" in bad.get_data(as_text=True)

    change = db.session.scalar(select(EnterpriseProfileChange).where(EnterpriseProfileChange.status == "pending"))
    desk = fresh_client(app)
    login(desk, "desk_a")
    listing = desk.get("/portal-desk/profile-changes").get_data(as_text=True)
    assert f"/portal-desk/profile-changes/{change.id}" in listing
    enterprise_page = desk.get(f"/enterprises/{manager.enterprise_id}").get_data(as_text=True)
    assert f"/portal-desk/profile-changes/{change.id}" in enterprise_page
    detail = desk.get(f"/portal-desk/profile-changes/{change.id}").get_data(as_text=True)
    assert "138****5678" in detail and NEW_PHONE not in detail and 'data-testid="difference-address"' in detail
    revealed = desk.post(f"/portal-desk/profile-changes/{change.id}/reveal").get_data(as_text=True)
    assert NEW_PHONE in revealed
    assert count(AuditEntry, AuditEntry.action == "personal_data.reveal",
                 AuditEntry.object_type == "enterprise_profile_change_contact") == 2
    version = manager.enterprise.version
    accepted = desk.post(f"/portal-desk/profile-changes/{change.id}/accept", data={"version": str(version)})
    assert accepted.status_code == 303
    other = fresh_client(app)
    login(other, "desk_b")
    assert other.get(f"/portal-desk/profile-changes/{change.id}").status_code == 404
    assert "profile-change" not in other.get("/portal-desk/profile-changes").get_data(as_text=True).replace(
        "profile-changes", "")

    home = enterprise_client.get("/portal/home").get_data(as_text=True)
    assert 'data-testid="profile-decision"' in home
    assert enterprise_client.post("/portal/profile/seen").status_code == 303
    assert 'data-testid="profile-decision"' not in enterprise_client.get("/portal/home").get_data(as_text=True)
    for phone in (NEW_PHONE, "13900000001"):
        assert phone not in caplog.text
        assert not db.session.scalar(select(AuditEntry.id).where(AuditEntry.detail.cast(db.String).contains(phone))
                                     .limit(1))


def test_the_credit_code_and_name_are_not_the_enterprises_to_change(manager):
    change = profile_changes.propose(portal(manager), proposal(name="别的名字", credit_code=code(9)))
    enterprise = manager.enterprise
    assert not hasattr(change, "credit_code") and not hasattr(change, "name")
    profile_changes.accept(actor_for("desk_a"), change.id, enterprise.version)
    enterprise = registry.get(actor_for("desk_a"), manager.enterprise_id)
    assert enterprise.name == "诸暨市精密机械有限公司" and enterprise.credit_code == code(1)


def test_the_migration_goes_down_and_up_again(app, manager):
    from alembic import command
    from sqlalchemy import inspect

    profile_changes.propose(portal(manager), proposal())
    account_id, enterprise_id = manager.id, manager.enterprise_id
    db.session.remove()
    migrate = app.extensions["migrate"]
    config = migrate.migrate.get_config(migrate.directory)
    command.downgrade(config, "core_0025_search_grams")  # the revision before core_0026_profile_changes
    tables = set(inspect(db.engine).get_table_names())
    assert "enterprise_profile_change" not in tables and "enterprise_profile_change_contact" not in tables
    db.session.remove()
    command.upgrade(config, "heads")
    assert count(EnterpriseProfileChange) == 0
    from core.portal.models import PortalAccount

    profile_changes.propose(portal(db.session.get(PortalAccount, account_id)), proposal())
    with pytest.raises(IntegrityError):        # the one-pending index is back
        db.session.add(EnterpriseProfileChange(enterprise_id=enterprise_id, status="pending"))
        db.session.flush()
    db.session.rollback()


def test_an_accept_without_the_version_the_page_showed_is_refused(manager):
    change = profile_changes.propose(portal(manager), proposal())
    for version in (None, "", "abc"):
        with pytest.raises(Conflict):
            profile_changes.accept(actor_for("desk_a"), change.id, version)
        db.session.rollback()
    assert registry.get(actor_for("desk_a"), manager.enterprise_id).address == "浣东街道1号"
