"""Spanish catalog texts: plan names, statements and referral labels in Spanish; plan documents
per language (a Spanish EFL, TOS or YRAC translates a version)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 22:20:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every text stays as it is; Spanish pages show the English until marketing writes a Spanish one.
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_es', sa.String(length=80), nullable=True))
    with op.batch_alter_table('acknowledgement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_es', sa.String(length=1000), nullable=True))
    with op.batch_alter_table('referral_source', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label_es', sa.String(length=80), nullable=True))
    # Documents uploaded so far are English; a version may now have one of each language.
    with op.batch_alter_table('plan_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), server_default='en', nullable=False))
        batch_op.drop_constraint('uq_plan_document_plan_code', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_plan_document_plan_code'),
                                          ['plan_code', 'kind', 'version', 'language'])


def downgrade() -> None:
    op.execute("DELETE FROM plan_document WHERE language <> 'en'")
    with op.batch_alter_table('plan_document', schema=None) as batch_op:
        batch_op.drop_constraint('uq_plan_document_plan_code', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_plan_document_plan_code'), ['plan_code', 'kind', 'version'])
        batch_op.drop_column('language')
    with op.batch_alter_table('referral_source', schema=None) as batch_op:
        batch_op.drop_column('label_es')
    with op.batch_alter_table('acknowledgement', schema=None) as batch_op:
        batch_op.drop_column('text_es')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('name_es')
