"""Enrollments from every channel: who made each one (agent, partner or import line), and the
channel indexed for operations' filter

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 19:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('made_by', sa.String(length=120), nullable=True))
        batch_op.create_index('ix_enrollment_channel', ['channel'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollment_channel')
        batch_op.drop_column('made_by')
