"""full-text search of the tickets' text

``search_ticket_text``: one row a ticket with what people wrote on it
(core/search/index.py), indexed by trigrams: on SQLite an FTS5 virtual table
with the trigram tokenizer (SQLite 3.34 or later; ``rowid`` is the ticket's
id), on PostgreSQL a table with a ``pg_trgm`` GIN index. Filled here from the
tickets and their timelines.

Revision ID: core_0020_search
Revises: core_0019_held_uploads
Create Date: 2026-12-06 20:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "core_0020_search"
down_revision = "core_0019_held_uploads"
branch_labels = None
depends_on = None


def upgrade():
    from core.search import index

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_ticket_text USING fts5(body, tokenize = 'trigram')")
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_table(
            "search_ticket_text",
            sa.Column("ticket_id", sa.Integer, sa.ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True),
            sa.Column("body", sa.Text, nullable=False),
        )
        op.execute("CREATE INDEX ix_search_ticket_text_body ON search_ticket_text "
                   "USING gin (body gin_trgm_ops)")
    index.rebuild(bind, short_words=False)     # their table comes with core_0025_search_grams


def downgrade():
    op.execute("DROP TABLE search_ticket_text")
