"""``anqi search …``: the search index from the shell."""
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.cli_help import group


@group("search", help=_l("Full-text search of the tickets' text."))
def search():
    pass


@search.command("rebuild", help=_l("Index every ticket's text and every enterprise's name afresh (after a bulk "
                                    "load or a restore)."))
@with_appcontext
def rebuild_command():
    from core.audit import services as audit
    from core.extensions import db
    from core.org.actor import shell_actor
    from core.registry import search_index as enterprise_index
    from core.search import index

    total = index.rebuild(db.session.connection())
    enterprises = enterprise_index.rebuild(db.session.connection())
    audit.record(shell_actor(), "search.rebuild", object_type="ticket",
                 detail={"tickets": total, "enterprises": enterprises})
    db.session.commit()
    click.echo(_("Indexed the text of %(n)d tickets and the names of %(m)d enterprises.", n=total, m=enterprises))
