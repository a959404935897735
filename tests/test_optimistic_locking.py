"""No lost work on the administrator's forms: a unit or user saved by someone
else meanwhile is a conflict that shows their version and keeps the entries,
and saving again applies them. Logins and language choices are not edits."""
import re

from core.extensions import db
from core.org.models import Unit, User
from tests.conftest import login
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


def _admin(app):
    client = fresh_client(app)
    login(client, "admin")
    return client


def _version(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def test_two_administrators_editing_one_unit(app, city):
    first, second = _admin(app), _admin(app)
    url = f"/admin/units/{city.station_a.id}/edit"
    version = _version(first.get(url).get_data(as_text=True))
    form = {"code": "STA", "kind": "station", "parent_id": city.city.id, "active": "y", "doc_prefix": ""}
    assert second.post(url, data={**form, "name": "甲派出所（新址）", "version": version}).status_code == 302
    response = first.post(url, data={**form, "name": "甲镇派出所", "version": version})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'data-testid="unit-conflict"' in page
    assert "甲派出所（新址）" in page and 'value="甲镇派出所"' in page
    db.session.expire_all()
    assert db.session.get(Unit, city.station_a.id).name == "甲派出所（新址）"
    assert first.post(url, data={**form, "name": "甲镇派出所", "version": _version(page)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Unit, city.station_a.id).name == "甲镇派出所"


def test_two_administrators_editing_one_user_and_a_login_between_is_no_conflict(app, city):
    first, second = _admin(app), _admin(app)
    user_id = city.users["desk_a"].id
    url = f"/admin/users/{user_id}/edit"
    version = _version(first.get(url).get_data(as_text=True))
    form = {"unit_id": city.station_a.id, "roles": ["desk"], "active": "y"}
    # The user logs in and picks a language meanwhile: that is not an edit of the account.
    own = fresh_client(app)
    login(own, "desk_a")
    own.post("/lang", data={"lang": "en"})
    assert first.post(url, data={**form, "name": "窗口甲", "version": version}).status_code == 302
    response = second.post(url, data={**form, "name": "窗口乙", "version": version})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'data-testid="user-conflict"' in page and "窗口甲" in page
    db.session.expire_all()
    assert db.session.get(User, user_id).name == "窗口甲"
    assert second.post(url, data={**form, "name": "窗口乙", "version": _version(page)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user_id).name == "窗口乙"
