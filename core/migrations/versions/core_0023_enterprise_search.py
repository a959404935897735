"""the enterprise search's own index

``search_enterprise``: one row an enterprise with its search keys (name, full
pinyin, credit code, the initials' ordered letter triples;
core/registry/search_index.py), indexed by trigrams: on SQLite an FTS5 virtual
table with the trigram tokenizer (``rowid`` is the enterprise's id), on
PostgreSQL a table with a ``pg_trgm`` GIN index. Filled here from the registry.

Revision ID: core_0023_enterprise_search
Revises: core_0022_unfinished_enterprise
Create Date: 2026-12-10 00:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "core_0023_enterprise_search"
down_revision = "core_0022_unfinished_enterprise"
branch_labels = None
depends_on = None


def upgrade():
    from core.registry import search_index

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_enterprise USING fts5(keys, tokenize = 'trigram')")
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_table(
            "search_enterprise",
            sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprise.id", ondelete="CASCADE"),
                      primary_key=True),
            sa.Column("keys", sa.Text, nullable=False),
        )
        op.execute("CREATE INDEX ix_search_enterprise_keys ON search_enterprise USING gin (keys gin_trgm_ops)")
    search_index.rebuild(bind, names=False)


def downgrade():
    op.execute("DROP TABLE search_enterprise")
