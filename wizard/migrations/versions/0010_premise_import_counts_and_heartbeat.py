"""Premise imports: new and changed premises counted apart, the time of the last progress report;
premise ESI ID, ZIP and DUNS compared byte-wise on PostgreSQL (cheaper index maintenance)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 16:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


DIGITS = {"esi_id": 22, "zip": 5, "duns": 16}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE premise " + ", ".join(
            f'ALTER COLUMN {name} TYPE varchar({length}) COLLATE "C"' for name, length in DIGITS.items()))
    with op.batch_alter_table('premise_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rows_added', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('rows_changed', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=False,
                                      server_default=sa.text('CURRENT_TIMESTAMP')))
    with op.batch_alter_table('premise_import', schema=None) as batch_op:
        batch_op.alter_column('rows_added', server_default=None)
        batch_op.alter_column('rows_changed', server_default=None)
        batch_op.alter_column('updated_at', server_default=None)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE premise " + ", ".join(
            f'ALTER COLUMN {name} TYPE varchar({length}) COLLATE "default"' for name, length in DIGITS.items()))
    with op.batch_alter_table('premise_import', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('rows_changed')
        batch_op.drop_column('rows_added')
