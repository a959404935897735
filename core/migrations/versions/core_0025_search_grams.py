"""the index of short words in the tickets' text

``search_ticket_gram``: one row a ticket with the distinct characters and pairs
of neighbouring characters of its text (core/search/grams.py), so that a word
of one or two characters is found in every ticket: on SQLite a contentless FTS5
table (``unicode61`` tokenizer, ``rowid`` the ticket's id), on PostgreSQL a
``text[]`` column with a GIN index. Filled here from the trigram table's text.

Revision ID: core_0025_search_grams
Revises: core_0024_notices
Create Date: 2026-12-07 11:40:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "core_0025_search_grams"
down_revision = "core_0024_notices"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    from core.search import grams

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_ticket_gram USING fts5(grams, content = '', tokenize = 'unicode61')")
        key = "rowid"
    else:
        op.create_table(
            "search_ticket_gram",
            sa.Column("ticket_id", sa.Integer, sa.ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True),
            sa.Column("grams", postgresql.ARRAY(sa.Text), nullable=False),
        )
        op.execute("CREATE INDEX ix_search_ticket_gram_grams ON search_ticket_gram USING gin (grams)")
        key = "ticket_id"
    last = 0
    while True:
        rows = bind.execute(sa.text(f"SELECT {key}, body FROM search_ticket_text WHERE {key} > :last "
                                    f"ORDER BY {key} LIMIT :n"), {"last": last, "n": BATCH}).all()
        if not rows:
            return
        grams.add(bind, dict(rows))
        last = rows[-1][0]


def downgrade():
    op.execute("DROP TABLE search_ticket_gram")
