"""the issuing units' seals, the certificates that sign issued PDFs, and how each issued document was authenticated

``unit_seal``: a unit's seal image (its file is sealed on disk with the
personal-data keys). ``unit_signing_certificate``: the certificate a unit
signs its PDFs with (issued by the local certificate authority, or imported).
``document_authentication``: the seal pressed on an issued document (or none)
and the certificate that signed it.

Revision ID: core_0017
Revises: core_0016
Create Date: 2026-12-06 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0017'
down_revision = 'core_0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unit_seal',
    sa.Column('unit_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('file_name', sa.String(length=80), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_seal_unit_id_unit')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'],
                            name=op.f('fk_unit_seal_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_unit_seal'))
    )
    op.create_table('unit_signing_certificate',
    sa.Column('unit_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('file_name', sa.String(length=80), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('not_after', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_signing_certificate_unit_id_unit')),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_unit_signing_certificate'))
    )
    op.create_table('document_authentication',
    sa.Column('document_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seal_sha256', sa.String(length=64), nullable=True),
    sa.Column('signer_subject', sa.String(length=300), nullable=False),
    sa.Column('signer_fingerprint', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'],
                            name=op.f('fk_document_authentication_document_id_document')),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_document_authentication'))
    )


def downgrade():
    op.drop_table('document_authentication')
    op.drop_table('unit_signing_certificate')
    op.drop_table('unit_seal')
