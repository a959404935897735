"""Setting up an installation at the server's shell, without a Python shell:
``anqi init``, ``anqi users create``, ``anqi units import`` and ``anqi users import``."""
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.extensions import db
from core.org.models import Unit, User
from core.org.services import unit_by_code, user_by_username
from tests.conftest import PASSWORD, login

ADMIN_PASSWORD = "Ch4nge-me-later!"


def anqi(app, *args, input=None):
    return app.test_cli_runner().invoke(args=[str(a) for a in args], input=input)


def init(app, password=ADMIN_PASSWORD, code="ZJ", name="诸暨市公安局"):
    return anqi(app, "init", "--unit-code", code, "--unit-name", name, "--admin", "root",
                "--password-stdin", input=password + "\n")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_init_sets_up_the_top_unit_and_the_first_administrator(app):
    result = init(app)
    assert result.exit_code == 0, result.output
    unit = unit_by_code("ZJ")
    assert (unit.name, unit.kind, unit.parent_id) == ("诸暨市公安局", "city_bureau", None)
    admin = user_by_username("root")
    assert admin.roles == {"admin"} and admin.unit_id == unit.id
    assert not admin.must_change_password          # the operator chose it for themselves
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.username == "cli")))
    assert {"unit.create", "user.create"} <= actions


def test_init_is_refused_once_the_database_has_units(app):
    assert init(app).exit_code == 0
    again = init(app, code="OTHER")
    assert again.exit_code != 0
    assert "anqi users create" in again.output
    assert count(Unit) == 1 and count(User) == 1


def test_init_refuses_a_weak_password_and_leaves_the_database_empty(app):
    result = init(app, password="short")
    assert result.exit_code != 0
    assert count(Unit) == 0 and count(User) == 0
    assert init(app).exit_code == 0             # and can be run again


def test_init_asks_for_what_the_options_do_not_give(app):
    answers = "ZJ\n诸暨市公安局\n\nroot\n王伟\n" + ADMIN_PASSWORD + "\n" + ADMIN_PASSWORD + "\n"
    result = anqi(app, "init", input=answers)
    assert result.exit_code == 0, result.output
    assert ADMIN_PASSWORD not in result.output     # typed hidden
    assert user_by_username("root").name == "王伟"



def test_users_create_takes_the_role_in_words_and_generates_a_password(app):
    assert init(app).exit_code == 0
    result = anqi(app, "users", "create", "Zhang.Wei", "--unit", "zj", "--role", "窗口人员", "--name", "张伟")
    assert result.exit_code == 0, result.output
    user = user_by_username("zhang.wei")
    assert user.roles == {"desk"} and user.name == "张伟" and user.must_change_password
    generated = result.output.rsplit(" ", 1)[-1].strip()
    from core.auth.services import authenticate
    from core.org.actor import Actor

    assert authenticate(Actor(user=None, address="127.0.0.1"), "zhang.wei", generated)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.create")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.username == "cli" and generated not in str(entry.detail)


def test_users_create_reads_the_password_from_stdin(app):
    assert init(app).exit_code == 0
    result = anqi(app, "users", "create", "li.na", "--unit", "ZJ", "--role", "Auditor", "--password-stdin",
                  input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert user_by_username("li.na").roles == {"auditor"}


def test_users_create_names_the_valid_units_and_roles_when_one_is_wrong(app):
    assert init(app).exit_code == 0
    result = anqi(app, "users", "create", "bob", "--unit", "NOPE", "--role", "boss")
    assert result.exit_code != 0
    assert "诸暨市公安局 (ZJ)" in result.output
    assert "窗口人员 (desk)" in result.output and "民警 (officer)" in result.output
    assert user_by_username("bob") is None
