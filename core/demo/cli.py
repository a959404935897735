import click
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l

from core.cli_help import command, option


@command("demo", help=_l(
    "Create a realistic small city: units, users for every role, enterprises, tickets, the "
    "plugins' records."))
@option("--enterprises", "count", default=300, show_default=True, help=_l("How many enterprises to create."))
@option("--if-empty", is_flag=True, help=_l("Do nothing when the database already holds units."))
@option("--tickets", default=0, show_default=True, help=_l("How many demand tickets to create (a year's worth)."))
@option("--seed", default=7110, show_default=True, help=_l("Random seed, so the same data comes out."))
@option("--no-plugin-data", is_flag=True, help=_l("Leave the plugins' records out (plans, applications, "
                                                     "consultations, projects, assessments)."))
@with_appcontext
def demo(count, if_empty, tickets, seed, no_plugin_data):
    from core.demo import data

    if if_empty and not data.is_empty():
        click.echo("The database already holds data; demo data not loaded.")
        return
    logins = data.build(enterprises=count, seed=seed, progress=click.echo)
    if tickets:
        from core.demo import tickets as demo_tickets

        demo_tickets.build(tickets, seed=seed, progress=click.echo)
        from core.service_lists import demo as demo_lists

        demo_lists.tag_complaints(progress=click.echo)
    from core.demo import meetings as demo_meetings

    demo_meetings.build(progress=click.echo)
    if not no_plugin_data:
        from core.demo import plugin_data

        plugin_data.build(seed=seed, progress=click.echo)
    click.echo("\nDemo logins (password for all: %s):" % data.DEMO_PASSWORD)
    for username, role, unit in logins:
        click.echo(f"  {username:<14} {role:<8} {unit}")
    click.echo("leader and admin set up a second factor (an authenticator app, TOTP) at their first login.")
