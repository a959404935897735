"""the enterprises' names by their short words

``search_enterprise_gram``: one row an enterprise with the distinct characters
and pairs of neighbouring characters of its name (core/registry/name_grams.py),
so that the search box finds the few enterprises whose name holds a word of one
or two characters without reading every name: on SQLite an FTS5 table
(``unicode61`` tokenizer, ``rowid`` the enterprise's id), on PostgreSQL a
``text[]`` column with a GIN index. Filled here from the registry.

Revision ID: core_0031_enterprise_grams
Revises: core_0030_knowledge
Create Date: 2026-12-07 15:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "core_0031_enterprise_grams"
down_revision = "core_0030_knowledge"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    from core.registry import name_grams

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_enterprise_gram USING fts5(grams, tokenize = 'unicode61')")
    else:
        op.create_table(
            "search_enterprise_gram",
            sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprise.id", ondelete="CASCADE"),
                      primary_key=True),
            sa.Column("grams", postgresql.ARRAY(sa.Text), nullable=False),
        )
        op.execute("CREATE INDEX ix_search_enterprise_gram_grams ON search_enterprise_gram USING gin (grams)")
    last = 0
    while True:
        rows = bind.execute(sa.text("SELECT id, name FROM enterprise WHERE id > :last ORDER BY id LIMIT :n"),
                            {"last": last, "n": BATCH}).all()
        if not rows:
            return
        name_grams.insert(bind, dict(rows))
        last = rows[-1][0]


def downgrade():
    op.execute("DROP TABLE search_enterprise_gram")
