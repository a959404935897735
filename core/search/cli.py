"""``anqi search …``: the search index from the shell."""
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


@click.group("search")
def search():
    """Full-text search of the tickets' text."""


@search.command("rebuild")
@with_appcontext
def rebuild_command():
    """Index every ticket's text afresh (after a bulk load or a restore)."""
    from core.audit import services as audit
    from core.extensions import db
    from core.org.actor import shell_actor
    from core.search import index

    total = index.rebuild(db.session.connection())
    audit.record(shell_actor(), "search.rebuild", object_type="ticket", detail={"tickets": total})
    db.session.commit()
    click.echo(_("Indexed the text of %(n)d tickets.", n=total))
