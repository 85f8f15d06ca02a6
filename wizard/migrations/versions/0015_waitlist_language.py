"""The wait list remembers the language of the page where each address was left: the "we serve
your ZIP now" email is written in it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 22:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Addresses left before pages spoke Spanish were left on English pages.
    with op.batch_alter_table('area_waitlist', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), server_default='en', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('area_waitlist', schema=None) as batch_op:
        batch_op.drop_column('language')
