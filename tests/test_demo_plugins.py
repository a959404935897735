"""`anqi demo` fills the five plugins with a year of records made through their
own services, only for the units that enabled each plugin; the same seed gives
the same records; `--no-plugin-data` leaves the plugins empty."""
import shutil
from datetime import datetime

import pytest
from sqlalchemy import MetaData, func, select, text

from core import clock
from core.extensions import db
from core.plugins.models import UnitPlugin
from tests.conftest import _reset_postgres

PLUGINS = ("inspection", "exit_entry", "ip_protection", "project_officer", "risk_assessment")
# What a user opens first in each plugin, and what it must hold.
MAIN_TABLES = {
    "inspection": ["inspection_plan", "inspection_visit", "inspection_finding", "inspection_rectification"],
    "exit_entry": ["exit_entry_window", "exit_entry_slot", "exit_entry_appointment", "exit_entry_application",
                   "exit_entry_applicant"],
    "ip_protection": ["ip_protection_consultation", "ip_protection_message", "ip_protection_check",
                      "ip_protection_case", "ip_protection_brand", "ip_protection_brand_member"],
    "project_officer": ["project_officer_project", "project_officer_member", "project_officer_plan_version",
                        "project_officer_visit", "project_officer_meeting", "project_officer_risk"],
    "risk_assessment": ["risk_assessment_assessment", "risk_assessment_risk_item", "risk_assessment_letter",
                        "risk_assessment_response", "risk_assessment_report"],
}
# Secrets a service makes itself on every run: not the seed's to repeat. Personal data
# (an applicant's ID number, a contact's phone) is sealed with a fresh nonce each time.
RANDOM_COLUMNS = {"exit_entry_appointment": {"code"}}
SEALED = "v1:"
NOW = datetime(2026, 11, 20, 2, 0)          # 10:00 in China, a Friday
SMALL = ["demo", "--enterprises", "40", "--seed", "2026"]


def run_demo(app, *extra):
    result = app.test_cli_runner().invoke(args=SMALL + list(extra))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def plugin_tables() -> list:
    metadata = MetaData()
    metadata.reflect(db.session.connection())
    return [t for name, t in sorted(metadata.tables.items()) if name.startswith(PLUGINS)]


def counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in plugin_tables()}


def records() -> dict[str, list]:
    """Every plugin row, by table, in key order, less the columns a service fills with a secret."""
    found = {}
    for table in plugin_tables():
        columns = [c for c in table.columns if c.name not in RANDOM_COLUMNS.get(table.name, set())]
        order = list(table.primary_key.columns) or columns
        found[table.name] = [tuple("sealed" if isinstance(v, str) and v.startswith(SEALED) else v for v in row)
                             for row in db.session.execute(select(*columns).order_by(*order))]
    return found


def test_every_plugin_gets_a_year_of_records_for_its_units_only(app):
    clock.freeze(NOW)
    output = run_demo(app)
    assert "Created the plugins' records for the year." in output
    found = counts()
    for plugin, tables in MAIN_TABLES.items():
        for table in tables:
            assert found[table] > 0, f"{plugin}: {table} is empty"
    # Only units that enabled the plugin hold its records.
    for plugin, table in [("inspection", "inspection_plan"), ("exit_entry", "exit_entry_window"),
                          ("exit_entry", "exit_entry_application"), ("ip_protection", "ip_protection_consultation"),
                          ("project_officer", "project_officer_project"),
                          ("risk_assessment", "risk_assessment_assessment")]:
        enabled = set(db.session.scalars(select(UnitPlugin.unit_id).where(UnitPlugin.plugin == plugin,
                                                                          UnitPlugin.enabled.is_(True))))
        holders = set(db.session.scalars(text(f"SELECT DISTINCT unit_id FROM {table}")))
        assert holders and holders <= enabled, (plugin, table)
    # A year of them, done as the services do it: visits recorded, letters issued, documents answered.
    oldest = db.session.scalar(text("SELECT min(period_start) FROM inspection_plan"))
    assert (NOW.date() - (oldest if not isinstance(oldest, str) else datetime.fromisoformat(oldest).date())).days > 300
    assert db.session.scalar(text("SELECT count(*) FROM inspection_visit WHERE status = 'done'")) > 0
    assert db.session.scalar(text("SELECT count(*) FROM inspection_plan WHERE seed IS NOT NULL")) == \
        found["inspection_plan"]
    # The draws are real ones: run again from their stored seed and inputs, they give the same visits.
    from core.org.actor import shell_actor
    from plugins.inspection import plans

    for plan_id in db.session.scalars(text("SELECT id FROM inspection_plan ORDER BY id LIMIT 3")):
        assert plans.verify(shell_actor(), plan_id, record=False).ok, plan_id
    assert db.session.scalar(text("SELECT count(*) FROM exit_entry_applicant WHERE status = 'collected'")) > 0
    assert db.session.scalar(text("SELECT count(*) FROM ip_protection_consultation WHERE status = 'closed'")) > 0
    assert db.session.scalar(text("SELECT count(*) FROM project_officer_plan_version WHERE status = 'approved'")) > 0
    assert db.session.scalar(text("SELECT count(*) FROM project_officer_project WHERE dossier_document_id IS NOT NULL")) \
        == found["project_officer_project"]
    assert db.session.scalar(text(
        "SELECT count(*) FROM risk_assessment_letter l JOIN document d ON d.id = l.document_id "
        "WHERE d.status = 'delivered'")) > 0
    assert db.session.scalar(text("SELECT status FROM risk_assessment_report")) == "done"
    # Audited as the pages' changes are.
    for action in ("inspection.draw", "inspection.visit", "exit_entry.book", "exit_entry.apply",
                   "ip_protection.answer", "ip_protection.case", "project_officer.visit",
                   "risk_assessment.letter", "document.issue"):
        assert db.session.scalar(text("SELECT count(*) FROM audit_entry WHERE action = :a"), {"a": action}) > 0, action


def test_the_same_seed_gives_the_same_records(app, make_app, database_url, tmp_path, sqlite_template, request):
    clock.freeze(NOW)
    run_demo(app)
    first = records()
    db.session.remove()
    db.engine.dispose()
    if database_url.startswith("sqlite"):
        second_url = f"sqlite:///{tmp_path / 'second.db'}"
        shutil.copy(sqlite_template, tmp_path / "second.db")
    else:
        second_url = database_url
        _reset_postgres(*request.getfixturevalue("postgres_ready"))
    again = make_app(SQLALCHEMY_DATABASE_URI=second_url)
    with again.app_context():
        clock.freeze(NOW)
        run_demo(again)
        second = records()
        db.session.remove()
    assert sum(len(rows) for rows in first.values()) > 100
    assert [t for t in first if second[t] != first[t]] == []


def test_no_plugin_data_leaves_the_plugins_empty(app):
    clock.freeze(NOW)
    before = counts()
    output = run_demo(app, "--no-plugin-data")
    assert "Created the plugins' records" not in output
    assert db.session.scalar(text("SELECT count(*) FROM enterprise")) == 40
    assert counts() == before
    assert not any(before[t] for tables in MAIN_TABLES.values() for t in tables)
