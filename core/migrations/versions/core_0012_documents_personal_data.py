"""documents carrying personal data sealed; an addressee's confirmation recorded once

Revision ID: core_0012
Revises: core_0011
Create Date: 2026-12-05 10:00:00

- ``document.personal_data`` and ``document.sealed_content``: a document that
  prints personal data (full ID numbers) keeps its content sealed with the
  personal-data keys (core/privacy) instead of in the plain JSON columns. Existing
  documents keep theirs as they are (the flag is off).
- ``ux_document_delivery_confirmed``: at most one delivery confirmed by the
  addressee itself on the portal (method ``electronic``, no staff recorder) per
  document, so two confirmations at the same instant record one. Confirmations
  recorded twice before this revision (the race it closes) are reduced to the
  first one first, or the index could not be made.

The downgrade opens the sealed content and PDFs again (it needs the keys: run it
through ``anqi db downgrade``), since the code before this revision reads them
in the clear.
"""
import json
from pathlib import Path

from alembic import op
import sqlalchemy as sa
from flask import current_app


# revision identifiers, used by Alembic.
revision = 'core_0012'
down_revision = 'core_0011'
branch_labels = None
depends_on = None

CONFIRMED = "method = 'electronic' AND recorded_by_id IS NULL"


def upgrade():
    op.add_column('document', sa.Column('personal_data', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('document', sa.Column('sealed_content', sa.String(), nullable=False, server_default=''))
    op.execute(f"DELETE FROM document_delivery WHERE {CONFIRMED} AND id NOT IN "
               f"(SELECT min(id) FROM document_delivery WHERE {CONFIRMED} GROUP BY document_id)")
    op.create_index('ux_document_delivery_confirmed', 'document_delivery', ['document_id'], unique=True,
                    sqlite_where=sa.text(CONFIRMED), postgresql_where=sa.text(CONFIRMED))


def _unseal_all():
    from core.config import storage_root
    from core.privacy import cipher, files
    from core.privacy.keys import KeyRing

    ring = current_app.extensions.get('anqi_personal_data') or KeyRing.for_app(current_app)
    folder = Path(current_app.config.get('DOCUMENT_STORAGE') or storage_root(current_app) / 'documents')
    connection = op.get_bind()
    table = sa.table('document', sa.column('id', sa.Integer), sa.column('sealed_content', sa.String),
                     sa.column('pdf_name', sa.String), sa.column('personal_data', sa.Boolean),
                     *(sa.column(name, sa.JSON) for name in ('addressees', 'copies', 'body', 'attachment_titles')))
    rows = connection.execute(sa.select(table.c.id, table.c.sealed_content, table.c.pdf_name)
                              .where(table.c.personal_data == sa.true())).all()
    for document_id, sealed, pdf_name in rows:
        content = json.loads(cipher.decrypt(ring, 'document.sealed_content', sealed)) if sealed else {}
        connection.execute(table.update().where(table.c.id == document_id).values(
            {name: content.get(name) or [] for name in ('addressees', 'copies', 'body', 'attachment_titles')}))
        path = folder / pdf_name if pdf_name else None
        if path is not None and path.is_file() and files.is_sealed(path.read_bytes()):
            files.write_atomically(path, files.unseal(ring, 'document.pdf', path.read_bytes()))


def downgrade():
    op.drop_index('ux_document_delivery_confirmed', table_name='document_delivery',
                  sqlite_where=sa.text(CONFIRMED), postgresql_where=sa.text(CONFIRMED))
    _unseal_all()
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('sealed_content')
        batch_op.drop_column('personal_data')
