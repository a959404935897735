"""The enterprise chooser (core/registry/chooser.py and the ``enterprise_chooser``
macro): one search box by name, pinyin initials or credit code, within the
user's area; the enterprise chosen shown with a link to change it; another
unit's enterprise neither listed nor shown when its id is forced into the
address; the intake, the visit and the meeting pages all use it."""
import html

import pytest
from werkzeug.datastructures import MultiDict

from core.meetings import services as meetings
from core.registry import services as registry
from core.registry.chooser import enterprise_chooser
from core.testing import actor_for, fresh_client, login
from tests.helpers import code
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

MINE = "甲所辖区华达纺织有限公司"
THEIRS = "乙所辖区华达纺织有限公司"


@pytest.fixture
def firms(city):
    mine = registry.create(actor_for("desk_a"), {"name": MINE, "credit_code": code(1)})
    theirs = registry.create(actor_for("desk_b"), {"name": THEIRS, "credit_code": code(2)})
    return mine, theirs


def client_for(app, username):
    client = fresh_client(app)
    login(client, username)
    return client


def page(client, address) -> str:
    response = client.get(address)
    assert response.status_code == 200, address
    return html.unescape(response.get_data(as_text=True))


def test_the_search_finds_by_name_pinyin_initials_and_credit_code_in_the_users_area(app, firms):
    mine, theirs = firms
    with app.test_request_context("/somewhere"):
        for q in ("华达纺织", "jsxqhd", "huada", code(1)[:8], code(2)):
            chooser = enterprise_chooser(actor_for("desk_a"), MultiDict({"q": q}))
            assert chooser.chosen is None and chooser.found is not None
            names = [e.name for e in chooser.found]
            assert THEIRS not in names, q
            if q != code(2):
                assert names == [MINE], q
        nothing = enterprise_chooser(actor_for("desk_a"), MultiDict({"q": code(2)}))
        assert nothing.found == []
        untouched = enterprise_chooser(actor_for("desk_a"), MultiDict())
        assert untouched.found is None and untouched.chosen is None


def test_another_units_enterprise_forced_into_the_address_is_not_chosen_nor_named(app, firms):
    mine, theirs = firms
    with app.test_request_context("/somewhere"):
        chooser = enterprise_chooser(actor_for("desk_a"), MultiDict({"enterprise": str(theirs.id)}))
        assert chooser.chosen is None and chooser.chosen_id is None and chooser.refused
    desk = client_for(app, "desk_a")
    shown = page(desk, f"/tickets/new?enterprise={theirs.id}")
    assert THEIRS not in shown and code(2) not in shown
    assert 'data-testid="chosen-enterprise"' not in shown and 'data-testid="intake-form"' not in shown
    assert 'data-testid="enterprise-refused"' in shown and 'data-testid="enterprise-search"' in shown
    visit = page(client_for(app, "officer_a"), f"/liaison/visits/new?enterprise={theirs.id}")
    assert THEIRS not in visit and 'data-testid="visit-form"' not in visit
    # Posted back by a doctored form: refused with a message, still without its name.
    response = desk.post("/tickets/new", data={"enterprise_id": str(theirs.id), "channel": "hotline",
                                               "category": "dispute", "ticket_class": "general",
                                               "handling_mode": "follow", "description": "堵路"})
    assert response.status_code == 400 and THEIRS not in response.get_data(as_text=True)
    # Not an id at all: simply none chosen.
    for junk in ("abc", "-1", "1e3", "99999999999999999999", "%00"):
        odd = page(desk, f"/tickets/new?enterprise={junk}")
        assert 'data-testid="enterprise-search"' in odd and 'data-testid="chosen-enterprise"' not in odd


def test_the_chosen_enterprise_is_shown_with_a_change_link_and_the_pages_other_arguments_kept(app, city, firms):
    mine, _theirs = firms
    desk = client_for(app, "desk_a")
    found = page(desk, "/tickets/new?category=dispute&q=hd")
    assert MINE in found and THEIRS not in found
    assert f'href="/tickets/new?category=dispute&enterprise={mine.id}" data-testid="pick-enterprise"' in found
    assert '<input type="hidden" name="category" value="dispute">' in found   # the search box keeps it too
    chosen = page(desk, f"/tickets/new?category=dispute&enterprise={mine.id}")
    assert f'<strong data-testid="chosen-enterprise">{MINE}</strong>' in chosen
    assert code(1) in chosen and city.station_a.name in chosen
    assert 'href="/tickets/new?category=dispute" data-testid="change-enterprise"' in chosen
    assert f'name="enterprise_id" type="hidden" value="{mine.id}"' in chosen
    none = page(desk, "/tickets/new?q=没有这家企业")
    assert 'data-testid="enterprise-none-found"' in none and "没有这家企业" in none


def test_the_intake_the_visit_and_the_meeting_pages_use_the_chooser(app, city, firms):
    mine, _theirs = firms
    intake = page(client_for(app, "desk_a"), "/tickets/new?q=华达")
    assert 'data-testid="enterprise-chooser"' in intake and f"/tickets/new?enterprise={mine.id}" in intake
    visit = page(client_for(app, "officer_a"), "/liaison/visits/new?q=华达")
    assert 'data-testid="enterprise-chooser"' in visit and f"/liaison/visits/new?enterprise={mine.id}" in visit
    meeting = meetings.save(actor_for("desk_a"), meetings.MeetingInput(
        kind="symposium", title="警企座谈会", starts_at="2026-03-18T09:30", place="会议室",
        unit_id=city.station_a.id, organisations="市工商联", officer_ids=[], minutes=""))
    detail = page(client_for(app, "desk_a"), f"/meetings/{meeting.id}?q=华达")
    assert 'data-testid="enterprise-chooser"' in detail and 'data-testid="pick-enterprise"' in detail
    assert f'action="/meetings/{meeting.id}/enterprises"' in detail and f'value="{mine.id}"' in detail
    assert f'action="/meetings/{meeting.id}#participants"' in detail
    meetings.add_enterprise(actor_for("desk_a"), meeting.id, mine.id)
    taking_part = page(client_for(app, "desk_a"), f"/meetings/{meeting.id}?q=华达")
    assert 'data-testid="enterprise-results"' not in taking_part       # already on the list
