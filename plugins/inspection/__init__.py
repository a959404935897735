"""Combined inspections (综合查一次) with auditable random draws (双随机一公开): hook implementations."""
import click
from flask import render_template
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.cli_help import group
from core.plugins.toolkit import MenuItem, Panel, Widget, hookimpl
from plugins.inspection import code_labels
from plugins.inspection import models  # noqa: F401  (the tables, for the schema check)
from plugins.inspection.views import bp

BUSINESS_ROLES = {"leader", "desk", "officer"}


@hookimpl
def anqi_blueprints(app):
    return [bp]


@hookimpl
def anqi_permissions():
    return {
        "inspection.read": BUSINESS_ROLES,
        "inspection.plan": {"leader", "desk"},          # plans, targets, the draw, publication
        "inspection.inspect": BUSINESS_ROLES,           # record visits, re-check, apply for credit repair
        "inspection.decide": {"leader"},                # cap overrides, credit repair decisions
        "inspection.catalogue": {"leader"},             # catalogue, exemption list, settings of the unit
    }


@hookimpl
def anqi_menu_items(unit, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    return [MenuItem(label=_l("Combined inspections"), endpoint="inspection.index", order=10),
            MenuItem(label=_l("Declared conflicts of interest"), endpoint="inspection.conflicts_page", order=11)]


@hookimpl
def anqi_document_types(unit):
    from plugins.inspection.letters import TYPES

    return list(TYPES)


@hookimpl
def anqi_enterprise_panels(enterprise, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    from plugins.inspection import views

    return [Panel(title=_l("Inspections"), html=Markup(views.enterprise_panel(enterprise)), order=40)]


@hookimpl
def anqi_dashboard_widgets(unit, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    from plugins.inspection import views

    return [Widget(title=_l("Combined inspections this year"), html=Markup(views.dashboard_widget()), order=40)]


@hookimpl
def anqi_enterprise_findings(enterprise, actor):
    """Issues found on the enterprise's visits, open while their rectification is."""
    from plugins.inspection import visits

    return visits.findings_of(actor, enterprise.id)


@group("inspection", help=_l("Combined inspections: check recorded draws."))
def inspection_cli():
    pass


@inspection_cli.command("verify-draw", help=_l("Run PLAN_ID's draw again from its seed and inputs and compare."))
@click.argument("plan_id", type=int)
@with_appcontext
def verify_draw(plan_id):
    from core.errors import AnqiError
    from core.org.actor import shell_actor
    from plugins.inspection import plans

    try:
        outcome = plans.verify(shell_actor(), plan_id)
    except AnqiError as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(f"plan {plan_id}: seed {outcome.seed}, inputs sha256 {outcome.inputs_sha256}")
    click.echo(f"inputs {'ok' if outcome.inputs_ok else 'CHANGED'}, result {'same' if outcome.result_ok else 'DIFFERENT'}, "
               f"visits {'match' if outcome.rows_ok else 'DIFFER'}")
    if not outcome.ok:
        raise SystemExit(1)


@hookimpl
def anqi_cli(cli):
    cli.add_command(inspection_cli)


@hookimpl
def anqi_demo_data(context):
    from plugins.inspection import demo

    demo.build(context)


@hookimpl
def anqi_security_samples(context):
    from plugins.inspection import security_samples

    return security_samples.make(context)


@hookimpl
def anqi_public_routes():
    # 一公开: a published plan's results, for anyone (404 unless published and the unit enabled the plugin).
    return ["/p/inspection/results/<int:plan_id>", "/p/inspection/results/<int:plan_id>.pdf"]


@hookimpl
def anqi_permission_labels():
    return code_labels.PERMISSIONS


@hookimpl
def anqi_audit_labels():
    return code_labels.AUDIT
