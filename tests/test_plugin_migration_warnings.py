"""Loud failures for an outside plugin's author and an operator: ``anqi db
upgrade`` warns about a plugin's migrations Alembic will not read, and a command
run on a database not yet migrated says which command makes it, without a
traceback."""
from types import SimpleNamespace

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from flask import current_app

from core.cli import command_line
from core.extensions import db
from core.plugins import migrations


def script():
    migrate = current_app.extensions["migrate"]
    return ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))


def plugin(tmp_path, name) -> SimpleNamespace:
    folder = tmp_path / name
    folder.mkdir()
    return SimpleNamespace(name=name, path=folder)


def test_the_in_tree_plugins_migrations_are_all_read(app):
    with app.app_context():
        manifests = current_app.extensions["anqi_plugins"].manifests.values()
        assert migrations.problems(manifests, script(), db.metadata.tables) == []


def test_each_layout_alembic_would_skip_is_named(app, tmp_path):
    nested, empty, missing, plain = (plugin(tmp_path, n) for n in ("nested", "empty", "missing", "plain"))
    (nested.path / "migrations" / "versions").mkdir(parents=True)
    (nested.path / "migrations" / "versions" / "nested_0001_first.py").write_text("revision = 'nested_0001'\n")
    (empty.path / "migrations").mkdir()
    with app.app_context():
        found = migrations.problems([nested, empty, missing, plain], script(),
                                    ["missing_item", "missing_log", "ticket", "plainly_core"])
    assert len(found) == 3
    assert "nested" in found[0] and str(nested.path / "migrations" / "versions") in found[0]
    assert "empty" in found[1] and str(empty.path / "migrations") in found[1]
    assert "missing_item, missing_log" in found[2]


def test_upgrade_warns_before_it_migrates(app, tmp_path, monkeypatch):
    nested = plugin(tmp_path, "nested")
    (nested.path / "migrations" / "versions").mkdir(parents=True)
    (nested.path / "migrations" / "versions" / "nested_0001_first.py").write_text("revision = 'nested_0001'\n")
    manager = app.extensions["anqi_plugins"]
    monkeypatch.setitem(manager.manifests, "nested", nested)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert str(nested.path / "migrations" / "versions") in result.stderr


@pytest.mark.parametrize("args", [["plugins", "list"], ["users", "create", "clerk", "--unit", "A", "--role", "desk",
                                                         "--password-stdin"]])
def test_a_command_on_an_unmigrated_database_names_the_upgrade(make_app, tmp_path, args):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.sqlite'}")
    result = CliRunner().invoke(command_line(lambda: app), args, input="a-long-password\n",
                                                prog_name="anqi")
    assert result.exit_code == 1
    assert "anqi db upgrade" in result.stderr and "Traceback" not in result.stderr + result.output
    assert "数据库" in result.stderr         # in the configured language
