"""plan bill credits and per-month early termination fees

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 00:50:38.822839
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('etf_per_remaining_month', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('bill_credit', sa.Numeric(precision=10, scale=4), nullable=True))
        batch_op.add_column(sa.Column('bill_credit_min_kwh', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('bill_credit_min_kwh')
        batch_op.drop_column('bill_credit')
        batch_op.drop_column('etf_per_remaining_month')

