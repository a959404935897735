"""Foreign talent against the yearly targets (seed 004: 20 events, 40 talents
paired, 5 long-term or permanent residences), the frozen-account case linked
to its core ticket both ways, the dashboard widget, and per-unit enablement."""
from datetime import date, datetime

import pytest
from flask import current_app
from sqlalchemy import select

from core import clock
from core.documents import services as documents
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.plugins import services as plugin_services
from core.tickets import services as tickets
from plugins.exit_entry import applications, frozen, settings, stats, talent
from tests.conftest import actor_for, login
from tests.exit_entry_world import applicant, build
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


@pytest.fixture
def world(app, city):
    return build(city)


def _client(username):
    client = fresh_client(current_app._get_current_object())
    login(client, username)
    return client


# --- talent -------------------------------------------------------------------------------------

def test_progress_counts_events_paired_talents_and_residences_against_the_targets(world, city):
    desk, officer = actor_for("desk_a"), actor_for("officer_a")
    progress = talent.progress(desk, 2026)
    assert progress.targets == {"events": 20, "pairings": 40, "residences": 5}
    assert progress.done == {"events": 0, "pairings": 0, "residences": 0}
    for n in range(3):
        talent.add_event(officer, f"外籍人才政策宣讲会第{n + 1}场", date(2026, 9, 1 + n), "市民中心", 40)
    talent.add_event(officer, "去年的宣讲", date(2025, 12, 1))
    experts = [talent.add(desk, world.enterprises[0], f"Expert {n}", "德国", "foreign_expert", "工程师",
                          date(2026, 3, 1)) for n in range(3)]
    talent.pair(officer, experts[0].id, officer.user_id, date(2026, 5, 1))
    talent.pair(desk, experts[0].id, desk.user_id, date(2026, 6, 1))          # a second officer: still one talent
    talent.pair(officer, experts[1].id, officer.user_id, date(2026, 7, 1))
    with pytest.raises(ValidationError):
        talent.pair(officer, experts[1].id, officer.user_id, date(2026, 7, 2))   # the same pair twice
    with pytest.raises(ValidationError):
        talent.pair(officer, experts[2].id, city.users["officer_b"].id, date(2026, 7, 2))  # another unit's officer
    long_term = talent.apply_permit(desk, experts[0].id, "long_term", date(2026, 6, 1))
    permanent = talent.apply_permit(desk, experts[1].id, "permanent", date(2026, 6, 1))
    work = talent.apply_permit(desk, experts[2].id, "work_residence", date(2026, 6, 1))
    with pytest.raises(ValidationError):
        talent.apply_permit(desk, experts[0].id, "long_term", date(2026, 6, 2))  # already pending
    talent.decide_permit(desk, long_term.id, True, date(2026, 8, 1))
    talent.decide_permit(desk, permanent.id, False, date(2026, 8, 1))
    talent.decide_permit(desk, work.id, True, date(2026, 8, 1))
    with pytest.raises(ValidationError):
        talent.decide_permit(desk, work.id, True, date(2026, 8, 2))
    progress = talent.progress(desk, 2026)
    assert progress.done == {"events": 3, "pairings": 2, "residences": 1}
    assert (progress.share("events"), progress.share("pairings"), progress.share("residences")) == (15, 5, 20)
    assert talent.progress(desk, 2025).done == {"events": 1, "pairings": 0, "residences": 0}
    with pytest.raises(ValidationError):
        talent.add_event(officer, "明天的宣讲", date(2026, 10, 1))                # not held yet
    # The leader edits the targets; others may not.
    with pytest.raises(Forbidden):
        settings.save_targets(desk, 2026, 10, 20, 3)
    with pytest.raises(ValidationError):
        settings.save_targets(actor_for("leader_a"), 2026, -1, 20, 3)
    settings.save_targets(actor_for("leader_a"), 2026, 10, 20, 2)
    progress = talent.progress(desk, 2026)
    assert progress.targets == {"events": 10, "pairings": 20, "residences": 2}
    assert (progress.share("events"), progress.share("residences")) == (30, 50)
    assert talent.progress(actor_for("desk_b"), 2026).done == {"events": 0, "pairings": 0, "residences": 0}
    with pytest.raises(NotFound):
        talent.get(actor_for("desk_b"), experts[0].id)
    page = _client("leader_a").get("/p/exit_entry/talent").get_data(as_text=True)
    assert 'data-testid="progress-events"' in page and "<td>3</td><td>10</td><td>30</td>" in page


# --- frozen accounts ----------------------------------------------------------------------------

def _case(world, **changes):
    values = dict(bank="中国银行诸暨支行", amount="1,250,000.50", reason="境外客户货款涉嫌电诈资金被止付",
                  authority="某省某市公安局", frozen_on=date(2026, 9, 20))
    values.update(changes)
    return frozen.open_case(actor_for("desk_a"), world.enterprises[0], frozen.CaseInput(**values))


def test_a_frozen_account_case_and_its_ticket_link_to_each_other(world):
    case = _case(world)
    ticket = tickets.get(actor_for("desk_a"), case.ticket_id)
    assert ticket.category == "exit_entry.frozen_account" and ticket.enterprise_id == world.enterprises[0]
    assert "中国银行诸暨支行" in ticket.description and str(case.amount) == "1250000.50"
    assert tickets.categories(actor_for("desk_a"))["exit_entry.frozen_account"]
    desk = _client("desk_a")
    ticket_page = desk.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="exit-entry-ticket-panel"' in ticket_page
    assert f'href="/p/exit_entry/frozen/{case.id}"' in ticket_page
    case_page = desk.get(f"/p/exit_entry/frozen/{case.id}").get_data(as_text=True)
    assert f'href="/tickets/{ticket.id}"' in case_page and 'data-testid="ticket-link"' in case_page
    # Steps, then the outcome.
    with pytest.raises(ValidationError):
        frozen.close(actor_for("desk_a"), case.id, "unfrozen")          # no step recorded yet
    frozen.add_step(actor_for("desk_a"), case.id, "联系冻结机关核实资金来源", date(2026, 9, 25))
    with pytest.raises(ValidationError):
        frozen.add_step(actor_for("desk_a"), case.id, "未来的步骤", date(2026, 10, 5))
    from core.registry import services as registry

    found = registry.findings(actor_for("desk_a"), world.enterprises[0])
    assert [(f.source, f.ref, f.is_open, f.endpoint) for f in found] == [
        ("exit_entry.frozen_account", case.id, True, "exit_entry.frozen_case")]
    frozen.close(actor_for("desk_a"), case.id, "unfrozen", "已全额解冻")
    assert frozen.get(actor_for("desk_a"), case.id).status == "closed"
    assert [f.is_open for f in registry.findings(actor_for("desk_a"), world.enterprises[0])] == [False]
    # Another station sees neither; a plain ticket has no panel.
    with pytest.raises(NotFound):
        frozen.get(actor_for("desk_b"), case.id)
    assert frozen.for_ticket(actor_for("desk_b"), ticket.id) is None
    other = tickets.register(actor_for("desk_a"), tickets.Intake(
        enterprise_id=world.enterprises[0], channel="hotline", category="dispute", ticket_class="general",
        handling_mode="follow", description="门口堵路。"))
    assert 'exit-entry-ticket-panel' not in desk.get(f"/tickets/{other.id}").get_data(as_text=True)


def test_a_bad_case_writes_neither_case_nor_ticket(world):
    from core.tickets.models import Ticket

    for bad, field in ((dict(amount="很多"), "amount"), (dict(bank=" "), "bank"),
                       (dict(frozen_on=date(2026, 10, 2)), "frozen_on"), (dict(authority=""), "authority")):
        with pytest.raises(ValidationError) as refused:
            _case(world, **bad)
        assert field in refused.value.errors
    db.session.rollback()
    assert db.session.scalar(select(Ticket.id)) is None
    response = _client("desk_a").post("/p/exit_entry/frozen", data={"enterprise": "1", "bank": "", "amount": "x"})
    assert response.status_code == 400 and 'data-testid="errors"' in response.get_data(as_text=True)
    with pytest.raises(Forbidden):
        frozen.open_case(actor_for("officer_a"), world.enterprises[0], frozen.CaseInput())


# --- the widget and enablement -------------------------------------------------------------------

def test_the_widget_shows_volume_median_and_90th_percentile_against_target(world):
    desk = actor_for("desk_a")
    batch = applications.register(desk, world.enterprises[0], [applicant(n) for n in range(1, 6)] +
                                  [applicant(9, doc_type="taiwan")])
    # Ready after 1, 2, 3, 5 and 9 working days (counted from 30 September across National Day; 10 October
    # is worked): the 90th percentile lies between 5 and 9, and the last is past its 7 days.
    for person, day in zip(batch.applicants[:5], (8, 9, 10, 13, 19)):
        clock.freeze(datetime(2026, 10, day, 2, 0))
        for step in ("materials_checked", "submitted", "ready"):
            applications.advance(desk, person.id, step)
    figures = {row.doc_type: row for row in stats.by_doc_type(desk, 2026)}
    passport = figures["passport"]
    assert (passport.volume, passport.ready, passport.median_days, passport.p90_days) == (5, 5, 3, 7.4)
    assert (passport.target_normal, passport.overdue) == (7, 1)
    assert (figures["taiwan"].volume, figures["taiwan"].median_days) == (1, None)
    assert stats.percentile([5], 0.9) == 5 and stats.percentile([], 0.9) is None
    home = _client("desk_a").get("/").get_data(as_text=True)
    assert 'data-testid="exit-entry-widget"' in home and 'data-doc-type="passport"' in home
    assert 'data-testid="widget-talent"' in home


def test_a_unit_without_the_plugin_sees_none_of_it(world, city):
    application = applications.register(actor_for("desk_a"), world.enterprises[0], [applicant(1)])
    case = _case(world)
    plugin_services.set_enabled(shell_actor(), "STB", "exit_entry", False)
    b = _client("desk_b")
    for url in ("/p/exit_entry/", f"/p/exit_entry/applications/{application.id}", "/p/exit_entry/appointments",
                "/p/exit_entry/talent", "/p/exit_entry/frozen", "/p/exit_entry/applications/new"):
        assert b.get(url).status_code == 404, url
    assert b.post("/p/exit_entry/windows", data={"name": "x"}).status_code == 404
    home = b.get("/").get_data(as_text=True)
    assert "/p/exit_entry/" not in home and 'data-testid="exit-entry-widget"' not in home
    assert "exit_entry.frozen_account" not in tickets.categories(actor_for("desk_b"))
    assert "exit_entry.receipt" not in documents.types(actor_for("desk_b"))
    a = _client("desk_a")
    home = a.get("/").get_data(as_text=True)
    assert "/p/exit_entry/" in home and 'data-testid="exit-entry-widget"' in home
    assert "exit_entry.receipt" in documents.types(actor_for("desk_a"))
    # The centre sees station A's enterprise and ticket but has not enabled the plugin: no panels.
    centre = _client("desk")
    page = centre.get(f"/enterprises/{world.enterprises[0]}")
    assert page.status_code == 200 and 'data-testid="exit-entry-panel"' not in page.get_data(as_text=True)
    page = centre.get(f"/tickets/{case.ticket_id}")
    assert page.status_code == 200 and "exit-entry-ticket-panel" not in page.get_data(as_text=True)
    # Switched off for station A: hidden, not deleted.
    plugin_services.set_enabled(shell_actor(), "STA", "exit_entry", False)
    assert _client("desk_a").get(f"/p/exit_entry/applications/{application.id}").status_code == 404
    plugin_services.set_enabled(shell_actor(), "STA", "exit_entry", True)
    assert _client("desk_a").get(f"/p/exit_entry/applications/{application.id}").status_code == 200


@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_every_page_opens_in_both_languages(world, language):
    from plugins.exit_entry import appointments, onsite

    desk = actor_for("desk_a")
    application = applications.register(desk, world.enterprises[0], [applicant(1)])
    window = appointments.add_window(desk, "专窗")
    appointments.open_slots(desk, window.id, date(2026, 9, 30), date(2026, 10, 9), [("09:00", "10:00")], 2)
    booked = appointments.book(desk, world.enterprises[0], appointments.slots(desk, date(2026, 9, 30), 1)[0].id)
    onsite.request(desk, world.enterprises[1], 12, "", date(2026, 10, 8))
    expert = talent.add(desk, world.enterprises[0], "Anna", "德国", "foreign_expert", arrived_on=date(2026, 3, 1))
    talent.apply_permit(desk, expert.id, "permanent", date(2026, 9, 1))
    talent.pair(desk, expert.id, desk.user_id, date(2026, 9, 2))
    talent.add_event(desk, "政策宣讲", date(2026, 9, 3))
    case = _case(world)
    frozen.add_step(desk, case.id, "联系银行", date(2026, 9, 21))
    for username in ("leader_a", "desk_a", "officer_a"):
        client = _client(username)
        client.post("/lang", data={"lang": language})
        for url in ("/", "/p/exit_entry/", f"/p/exit_entry/applications/{application.id}", "/p/exit_entry/appointments",
                    f"/p/exit_entry/appointments/{booked.id}/slip", "/p/exit_entry/talent",
                    f"/p/exit_entry/talent/{expert.id}", "/p/exit_entry/frozen", f"/p/exit_entry/frozen/{case.id}",
                    f"/enterprises/{world.enterprises[0]}", f"/tickets/{case.ticket_id}"):
            response = client.get(url)
            assert response.status_code == 200, (username, url, response.status_code)
        assert client.get("/p/exit_entry/applications/new").status_code == (403 if username == "officer_a" else 200)
        assert client.get("/p/exit_entry/settings").status_code == (200 if username == "leader_a" else 403)
    page = _client("desk_a").get(f"/p/exit_entry/applications/{application.id}").get_data(as_text=True)
    assert ("Application received" if language == "en" else "已受理") in page
