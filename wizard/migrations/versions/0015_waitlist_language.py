"""The wait list remembers the language of the page where each address was left: the "we serve
your ZIP now" email is written in it

Revision ID: 0015
Revises: 0013 (on this branch; 0014 once the Spanish catalog's migration is merged)
Create Date: 2026-12-06 22:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
# MERGE NOTE: 0014 (the Spanish catalog's columns) is on another branch; when it is merged,
# this becomes '0014' (tests/test_migrations.py::test_one_head fails until it is).
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Addresses left before pages spoke Spanish were left on English pages.
    with op.batch_alter_table('area_waitlist', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), server_default='en', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('area_waitlist', schema=None) as batch_op:
        batch_op.drop_column('language')
