"""billing delivery: give-up time, status checks, quote-request plans

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 23:20:45.425215
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('billing_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gave_up_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_checked_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quote_request', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('quote_request')

    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_column('status_checked_at')

    with op.batch_alter_table('billing_outbox', schema=None) as batch_op:
        batch_op.drop_column('gave_up_at')

