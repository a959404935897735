"""the second factor's secret encrypted at rest

Revision ID: core_0010
Revises: core_0009
Create Date: 2026-11-30 04:00:00

``user_totp.secret`` becomes ``secret_encrypted`` (AES-GCM with the
personal-data keys, see core/privacy), so that whoever reads the database
cannot make a user's codes. Like core_0008 it needs the application's
configuration: run it through ``anqi db upgrade``.
"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from core.privacy import cipher
from core.privacy.keys import KeyRing


# revision identifiers, used by Alembic.
revision = 'core_0010'
down_revision = 'core_0009'
branch_labels = None
depends_on = None

PURPOSE = 'user_totp.secret'


def _keyring():
    return current_app.extensions.get('anqi_personal_data') or KeyRing.for_app(current_app)


def _convert(source, target, change):
    connection = op.get_bind()
    rows = sa.table('user_totp', sa.column('user_id', sa.Integer), sa.column(source, sa.String),
                    sa.column(target, sa.String))
    for user_id, value in connection.execute(sa.select(rows.c.user_id, rows.c[source])).all():
        if value:
            connection.execute(rows.update().where(rows.c.user_id == user_id).values({target: change(value)}))


def upgrade():
    op.add_column('user_totp', sa.Column('secret_encrypted', sa.String(length=255), nullable=False,
                                         server_default=''))
    ring = _keyring()
    _convert('secret', 'secret_encrypted', lambda value: cipher.encrypt(ring, PURPOSE, value, ring.current()))
    op.drop_column('user_totp', 'secret')


def downgrade():
    op.add_column('user_totp', sa.Column('secret', sa.String(length=64), nullable=False, server_default=''))
    ring = _keyring()
    _convert('secret_encrypted', 'secret', lambda value: cipher.decrypt(ring, PURPOSE, value))
    op.drop_column('user_totp', 'secret_encrypted')
