"""document numbers unique per issuing mark and year; documents going up; the faces a document was issued with; a unit's self-reference

A document number (``诸公企〔2026〕1号``) was counted per unit, numbering family
and year, and a family the prefix table did not know printed no mark of its
own, so two families could print the same number. Numbers are now counted per
issuing mark (``诸公企``, ``诸公企函``) and year: ``document_number_sequence``
replaces ``document_sequence``, ``document.number_mark`` keeps the mark a
number was given under, and a unique index on (number_mark, year, seq) holds
the rule. Documents numbered by the previous version keep their numbers; where
several share one, an issued one (the oldest) keeps the mark in ``number_mark``
and the others are left without it (``anqi documents check-numbers`` lists
them and renumbers those not yet issued). The new counters start after the
highest number given under each mark, shared ones included.

``document.upward`` (上行文: 签发人 in the head), ``document.faces`` (the font
faces it was issued with), ``unit.self_reference`` (我局 / 本中心 / 我所).

Revision ID: core_0016
Revises: core_0015
Create Date: 2026-12-06 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0016'
down_revision = 'core_0015'
branch_labels = None
depends_on = None


def mark_of(number: str) -> str:
    return number.split("〔", 1)[0]


def upgrade():
    op.create_table('document_number_sequence',
    sa.Column('mark', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('mark', 'year', name=op.f('pk_document_number_sequence'))
    )
    op.add_column('document', sa.Column('number_mark', sa.String(length=40), nullable=True))
    op.add_column('document', sa.Column('upward', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('document', sa.Column('faces', sa.JSON(), nullable=True))
    op.add_column('unit', sa.Column('self_reference', sa.String(length=10), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, number, year, seq, status FROM document "
                                "WHERE number IS NOT NULL AND seq IS NOT NULL ORDER BY id")).all()
    # Of documents sharing a number, an issued one keeps it (it is printed and frozen), the oldest
    # first; a merely numbered one can be renumbered (`anqi documents check-numbers --renumber`).
    rows.sort(key=lambda row: (row.status not in ("issued", "delivered"), row.id))
    taken, last = set(), {}
    for document_id, number, year, seq, _status in rows:
        mark = mark_of(number)
        last[(mark, year)] = max(last.get((mark, year), 0), seq)
        if (mark, year, seq) in taken:
            continue                 # a duplicate numbered by the previous version: listed by check-numbers
        taken.add((mark, year, seq))
        bind.execute(sa.text("UPDATE document SET number_mark = :mark WHERE id = :id"),
                     {"mark": mark, "id": document_id})
    for (mark, year), value in sorted(last.items()):
        bind.execute(sa.text("INSERT INTO document_number_sequence (mark, year, last) VALUES (:m, :y, :l)"),
                     {"m": mark, "y": year, "l": value})

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index('ix_document_number')
        batch_op.create_index('ux_document_mark_number', ['number_mark', 'year', 'seq'], unique=True)
    op.drop_table('document_sequence')


def downgrade():
    op.create_table('document_sequence',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_document_sequence_unit_id_unit')),
    sa.PrimaryKeyConstraint('unit_id', 'family', 'year', name=op.f('pk_document_sequence'))
    )
    bind = op.get_bind()
    bind.execute(sa.text("INSERT INTO document_sequence (unit_id, family, year, last) "
                         "SELECT unit_id, family, year, max(seq) FROM document WHERE seq IS NOT NULL "
                         "GROUP BY unit_id, family, year"))
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index('ux_document_mark_number')
        # The previous version's index, unique per unit, family and year: numbers given since
        # in one mark across families may meet it, so it comes back without uniqueness.
        batch_op.create_index('ix_document_number', ['unit_id', 'family', 'year', 'seq'], unique=False)
    op.drop_column('unit', 'self_reference')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('faces')
        batch_op.drop_column('upward')
        batch_op.drop_column('number_mark')
    op.drop_table('document_number_sequence')
