"""billing outbox: a token per claim, so a worker records an outcome only while it owns the row

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable column: on SQLite, batch mode adds it with ALTER TABLE, without a rebuild.
    with op.batch_alter_table('billing_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('billing_outbox', schema=None) as batch_op:
        batch_op.drop_column('claim_token')
