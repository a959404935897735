"""audit chain: hashes on every entry, the archive anchors, and database triggers
that refuse changing or deleting entries

Revision ID: core_0007
Revises: core_0006
Create Date: 2026-11-30 02:40:00

The entries written before this revision are chained here, in id order. Then
the database itself refuses UPDATE on audit_entry, and DELETE of an entry less
than 180 days old (the legal minimum; only the archive job deletes, and only
older entries). audit_anchor refuses both. On PostgreSQL TRUNCATE is refused too,
and audit_chain_head() serialises the writers of the chain.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0007'
down_revision = 'core_0006'
branch_labels = None
depends_on = None

MIN_RETENTION_DAYS = 180  # core.audit.retention.MIN_DAYS, written out: a migration never changes

SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
    f"""CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
       WHEN OLD.at IS NULL OR OLD.at >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-{MIN_RETENTION_DAYS} days')
       BEGIN SELECT RAISE(ABORT, 'audit entries younger than {MIN_RETENTION_DAYS} days cannot be deleted'); END""",
    """CREATE TRIGGER audit_anchor_no_update BEFORE UPDATE ON audit_anchor
       BEGIN SELECT RAISE(ABORT, 'audit anchors are append-only'); END""",
    """CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor
       BEGIN SELECT RAISE(ABORT, 'audit anchors are append-only'); END""",
]
SQLITE_DROP = ["audit_entry_no_update", "audit_entry_no_delete", "audit_anchor_no_update", "audit_anchor_no_delete"]

LOCK_KEY = 0x616E716961756469  # pg_advisory_xact_lock's key for "the audit chain" ("anqiaudi")

POSTGRESQL_TRIGGERS = [
    # The chain's head for the next entry, read after taking the lock that makes this transaction
    # the chain's only writer until it ends. VOLATILE: the SELECTs see what committed while it waited.
    f"""CREATE FUNCTION audit_chain_head() RETURNS varchar LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
        head varchar;
    BEGIN
        PERFORM pg_advisory_xact_lock({LOCK_KEY});
        SELECT hash INTO head FROM audit_entry ORDER BY id DESC LIMIT 1;
        IF head IS NULL THEN
            SELECT last_hash INTO head FROM audit_anchor ORDER BY id DESC LIMIT 1;
        END IF;
        RETURN coalesce(head, repeat('0', 64));
    END $$""",
    f"""CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF OLD.at < (now() AT TIME ZONE 'UTC') - interval '{MIN_RETENTION_DAYS} days' THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'audit entries younger than {MIN_RETENTION_DAYS} days cannot be deleted'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RAISE EXCEPTION 'audit entries are append-only' USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE FUNCTION audit_anchor_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit anchors are append-only' USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
       FOR EACH ROW EXECUTE PROCEDURE audit_entry_append_only()""",
    """CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
       FOR EACH STATEMENT EXECUTE PROCEDURE audit_entry_append_only()""",
    """CREATE TRIGGER audit_anchor_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_anchor
       FOR EACH STATEMENT EXECUTE PROCEDURE audit_anchor_append_only()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER audit_anchor_append_only ON audit_anchor",
    "DROP TRIGGER audit_entry_no_truncate ON audit_entry",
    "DROP TRIGGER audit_entry_append_only ON audit_entry",
    "DROP FUNCTION audit_anchor_append_only()",
    "DROP FUNCTION audit_chain_head()",
    "DROP FUNCTION audit_entry_append_only()",
]


def upgrade():
    op.create_table('audit_anchor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('first_entry_id', sa.Integer(), nullable=False),
    sa.Column('last_entry_id', sa.Integer(), nullable=False),
    sa.Column('first_at', sa.DateTime(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_anchor'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    _chain_existing_entries(op.get_bind())
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRESQL_TRIGGERS}.get(dialect, []):
        op.execute(statement)


def _chain_existing_entries(connection, batch=2000):
    """Chain the entries already written, oldest first, as core.audit.chain does."""
    from core.audit.chain import GENESIS, entry_hash

    entry = sa.table('audit_entry', sa.column('id', sa.Integer), sa.column('at', sa.DateTime),
                     sa.column('user_id', sa.Integer), sa.column('username', sa.String),
                     sa.column('unit_id', sa.Integer), sa.column('address', sa.String),
                     sa.column('action', sa.String), sa.column('object_type', sa.String),
                     sa.column('object_id', sa.String), sa.column('result', sa.String),
                     sa.column('detail', sa.JSON), sa.column('prev_hash', sa.String), sa.column('hash', sa.String))
    update = (entry.update().where(entry.c.id == sa.bindparam('entry_id'))
              .values(prev_hash=sa.bindparam('new_prev'), hash=sa.bindparam('new_hash')))
    prev, after = GENESIS, 0
    while True:
        rows = connection.execute(sa.select(entry).where(entry.c.id > after).order_by(entry.c.id).limit(batch)).all()
        if not rows:
            break
        changes = []
        for row in rows:
            digest = entry_hash(prev, row.at, row.user_id, row.username, row.unit_id, row.address, row.action,
                                row.object_type, row.object_id, row.result, row.detail)
            changes.append({"entry_id": row.id, "new_prev": prev, "new_hash": digest})
            prev = digest
        connection.execute(update, changes)
        after = rows[-1].id


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_DROP:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for statement in POSTGRESQL_DROP:
            op.execute(statement)
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    op.drop_table('audit_anchor')
