"""三权分立: the administrator, the auditor and the business roles are held by
different people; the administrator reads no business record, the auditor
only the audit trail; the permission matrix is one table, shown as a page."""
import pytest

from core.errors import ValidationError
from core.org import permissions
from core.org.actor import shell_actor
from core.org.roles import ADMIN, AUDITOR, BUSINESS_ROLES
from core.org.services import save_user
from tests.conftest import PASSWORD, login
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


@pytest.mark.parametrize("roles", [["admin", "desk"], ["auditor", "leader"], ["admin", "auditor"]])
def test_the_three_powers_cannot_be_combined_in_one_account(app, city, roles):
    with pytest.raises(ValidationError) as caught:
        save_user(shell_actor(), {"username": "mixed", "name": "MIXED", "unit_id": city.centre.id,
                                  "roles": roles, "password": PASSWORD})
    assert "roles" in caught.value.errors
    with pytest.raises(ValidationError):
        save_user(shell_actor(), {"name": "ADMIN", "unit_id": city.city.id, "roles": roles},
                  user_id=city.users["admin"].id)
    assert city.user("admin").roles == {"admin"}


def test_business_roles_combine_freely(app, city):
    user = save_user(shell_actor(), {"username": "both", "name": "BOTH", "unit_id": city.centre.id,
                                     "roles": ["desk", "leader"], "password": PASSWORD})
    assert user.roles == {"desk", "leader"}


def test_the_matrix_gives_admin_and_auditor_no_business_permission(app):
    matrix = permissions.matrix()
    held = {role: {p for p, roles in matrix.items() if role in roles} for role in (ADMIN, AUDITOR)}
    # Configuration only: accounts and settings, the matrix itself, the list of ticket categories.
    assert held[ADMIN] == {"system.manage", "permissions.read", "ticket.categories"}
    assert held[AUDITOR] == {"audit.read", "permissions.read"}
    for permission in held[ADMIN]:
        assert not matrix[permission] & BUSINESS_ROLES, permission
    assert matrix["system.manage"] == {ADMIN}


def test_a_plugin_cannot_grant_the_auditor_anything():
    merged = permissions.build_matrix([{"inspection.read": ["auditor", "officer"]}])
    assert merged["inspection.read"] == {"officer"}


def test_the_matrix_page_shows_every_permission_to_admin_and_auditor_only(app, city):
    for username in ("admin", "auditor"):
        client = fresh_client(app)
        login(client, username)
        page = client.get("/admin/permissions/").get_data(as_text=True)
        for permission in permissions.matrix():
            assert f'data-permission="{permission}"' in page, permission
        assert "/admin/users" in page and "/tickets/&lt;int:ticket_id&gt;" in page
    for username in ("desk", "leader", "officer_a"):
        client = fresh_client(app)
        login(client, username)
        assert client.get("/admin/permissions/").status_code == 403
