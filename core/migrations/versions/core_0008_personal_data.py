"""personal data encrypted at rest: contact phones of enterprises and tickets

Revision ID: core_0008
Revises: core_0007
Create Date: 2026-12-01 09:00:00

The plain ``phone`` columns are replaced by ``*_encrypted`` (AES-GCM, see
core/privacy) and ``*_hash`` (the keyed lookup hash). Existing values are
encrypted here with the application's personal-data key (PERSONAL_DATA_KEYS, or
the key file, made in the instance folder on first use), so this migration
runs through ``anqi db upgrade``, which has the application's configuration.
"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from core.privacy import cipher
from core.privacy.keys import KeyRing
from core.privacy.validation import normalise


# revision identifiers, used by Alembic.
revision = 'core_0008'
down_revision = 'core_0007'
branch_labels = None
depends_on = None

# (table, plain column, encrypted column, hash column, purpose)
FIELDS = (
    ('enterprise_contact', 'phone', 'phone_encrypted', 'phone_hash', 'enterprise_contact.phone'),
    ('ticket', 'contact_phone', 'contact_phone_encrypted', 'contact_phone_hash', 'ticket.contact_phone'),
)
BATCH = 1000


def _keyring():
    return current_app.extensions.get('anqi_personal_data') or KeyRing.for_app(current_app)


def _convert(table, source, target, hash_column, change):
    """Rewrite ``source`` into ``target`` (and the hash) batch by batch."""
    connection = op.get_bind()
    rows = sa.table(table, sa.column('id', sa.Integer), sa.column(source, sa.String),
                    sa.column(target, sa.String), sa.column(hash_column, sa.String))
    last_id = 0
    while True:
        batch = connection.execute(
            sa.select(rows.c.id, rows.c[source]).where(rows.c.id > last_id, rows.c[source] != '')
            .order_by(rows.c.id).limit(BATCH)).all()
        if not batch:
            break
        for row_id, value in batch:
            values = change(value)
            connection.execute(rows.update().where(rows.c.id == row_id).values(**{target: values[0]},
                                                                              **values[1]))
        last_id = batch[-1][0]


def upgrade():
    ring = _keyring()
    for table, plain, encrypted, hashed, purpose in FIELDS:
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.add_column(sa.Column(encrypted, sa.String(length=255), nullable=False, server_default=''))
            batch_op.add_column(sa.Column(hashed, sa.String(length=64), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_{hashed}'), [hashed], unique=False)

        def encrypt(value, purpose=purpose, hashed=hashed):
            key = ring.current()
            return cipher.encrypt(ring, purpose, value, key), {
                hashed: cipher.lookup_hash(key, 'phone', normalise('phone', value))}

        _convert(table, plain, encrypted, hashed, encrypt)
        op.drop_column(table, plain)


def downgrade():
    ring = _keyring()
    for table, plain, encrypted, hashed, purpose in FIELDS:
        op.add_column(table, sa.Column(plain, sa.String(length=40), nullable=False, server_default=''))

        def decrypt(value, purpose=purpose):
            return cipher.decrypt(ring, purpose, value), {}

        _convert(table, encrypted, plain, hashed, decrypt)
        op.drop_index(op.f(f'ix_{table}_{hashed}'), table_name=table)
        op.drop_column(table, hashed)
        op.drop_column(table, encrypted)
