"""The inspection plugin answers a plan, visit or order that is not the user's
exactly like a missing one (404; 403 where the route is not theirs at all),
never with a server error, and a plan whose lead unit has since been closed can
still be published by the units above it."""
import pytest

from core.extensions import db
from core.org.models import Unit
from tests.conftest import login
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.test_inspection_visits import drawn  # noqa: F401  (fixture)

MISSING = 2**31 - 1


def _inspection_urls(app, value):
    """Every route of the plugin that names a record, with ``value`` for each id."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("inspection.") or rule.endpoint.endswith(".static"):
            continue
        ids = [a for a in rule.arguments if a.endswith("_id")]
        if not ids or set(rule.arguments) - set(ids):
            continue
        with app.test_request_context():
            yield rule, app.url_for(rule.endpoint, **{a: value for a in ids})


def test_a_closed_lead_units_plan_is_published_by_the_centre_and_hidden_from_others(app, city, drawn):
    """Before: the lead unit was looked up among the *active* units of the actor's
    scope, and publishing a closed station's plan raised StopIteration (a 500)."""
    _world, plan = drawn
    db.session.get(Unit, city.station_a.id).active = False
    db.session.commit()
    from core.org.actor import shell_actor
    from core.plugins import services as plugin_services

    plugin_services.set_enabled(shell_actor(), "HQ", "inspection", True)
    centre = fresh_client(app)
    login(centre, "desk")
    assert centre.post(f"/p/inspection/plans/{plan.id}/publish").status_code == 303
    assert fresh_client(app).get(f"/p/inspection/results/{plan.id}").status_code == 200
    other = fresh_client(app)
    login(other, "desk_b")
    assert other.post(f"/p/inspection/plans/{plan.id}/publish").status_code == 404


@pytest.mark.parametrize("username", ["desk_b", "officer_b"])
def test_no_route_of_the_plugin_fails_on_a_foreign_or_missing_id(app, city, drawn, username):
    _world, plan = drawn
    client = fresh_client(app)
    login(client, username)
    checked = 0
    for value in (plan.id, MISSING):
        for rule, url in _inspection_urls(app, value):
            if "results" in rule.rule:
                continue       # the public 一公开 pages: a published plan's results for anyone
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method, data={"reason": "x"})
                assert response.status_code in (403, 404), (username, method, url, response.status_code)
                checked += 1
    assert checked > 20
