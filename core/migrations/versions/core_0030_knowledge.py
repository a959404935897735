"""knowledge base (政策咨询, 法治宣传) and legal-education sessions (法治宣教)

``knowledge_article``: the centre's articles (policy, procedure, legal education,
common question), by unit and demand category, published on the portal.
``legal_education_session`` with its speakers, enterprises, articles and files.

Revision ID: core_0030_knowledge
Revises: core_0029_meetings
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0030_knowledge'
down_revision = "core_0029_meetings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('knowledge_article',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_knowledge_article_unit_id_unit')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_knowledge_article_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'],
                            name=op.f('fk_knowledge_article_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_article'))
    )
    op.create_index('ix_knowledge_article_published', 'knowledge_article', ['published', 'published_at', 'id'])
    op.create_index('ix_knowledge_article_unit_kind', 'knowledge_article', ['unit_id', 'kind'])

    op.create_table('legal_education_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('audience', sa.String(length=500), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=True),
    sa.Column('material', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_legal_education_session_unit_id_unit')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_legal_education_session_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'],
                            name=op.f('fk_legal_education_session_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_education_session'))
    )
    op.create_index('ix_legal_education_session_unit_held', 'legal_education_session', ['unit_id', 'held_on'])

    op.create_table('legal_education_speaker',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['legal_education_session.id'], ondelete='CASCADE',
                            name=op.f('fk_legal_education_speaker_session_id_legal_education_session')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_legal_education_speaker_user_id_user_account')),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_legal_education_speaker'))
    )
    op.create_table('legal_education_enterprise',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['legal_education_session.id'], ondelete='CASCADE',
                            name=op.f('fk_legal_education_enterprise_session_id_legal_education_session')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'],
                            name=op.f('fk_legal_education_enterprise_enterprise_id_enterprise')),
    sa.PrimaryKeyConstraint('session_id', 'enterprise_id', name=op.f('pk_legal_education_enterprise'))
    )
    op.create_index(op.f('ix_legal_education_enterprise_enterprise_id'), 'legal_education_enterprise',
                    ['enterprise_id'])
    op.create_table('legal_education_article',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['legal_education_session.id'], ondelete='CASCADE',
                            name=op.f('fk_legal_education_article_session_id_legal_education_session')),
    sa.ForeignKeyConstraint(['article_id'], ['knowledge_article.id'],
                            name=op.f('fk_legal_education_article_article_id_knowledge_article')),
    sa.PrimaryKeyConstraint('session_id', 'article_id', name=op.f('pk_legal_education_article'))
    )
    op.create_table('legal_education_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['legal_education_session.id'], ondelete='CASCADE',
                            name=op.f('fk_legal_education_file_session_id_legal_education_session')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'],
                            name=op.f('fk_legal_education_file_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_education_file'))
    )
    op.create_index(op.f('ix_legal_education_file_session_id'), 'legal_education_file', ['session_id'])


def downgrade():
    op.drop_index(op.f('ix_legal_education_file_session_id'), table_name='legal_education_file')
    op.drop_table('legal_education_file')
    op.drop_table('legal_education_article')
    op.drop_index(op.f('ix_legal_education_enterprise_enterprise_id'), table_name='legal_education_enterprise')
    op.drop_table('legal_education_enterprise')
    op.drop_table('legal_education_speaker')
    op.drop_index('ix_legal_education_session_unit_held', table_name='legal_education_session')
    op.drop_table('legal_education_session')
    op.drop_index('ix_knowledge_article_unit_kind', table_name='knowledge_article')
    op.drop_index('ix_knowledge_article_published', table_name='knowledge_article')
    op.drop_table('knowledge_article')
