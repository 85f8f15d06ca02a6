"""Affiliate branding and embedding origins; sub_id and utm_* attribution on enrollments and funnel

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 08:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing affiliates keep our look and may not be framed anywhere until staff list origins.
    with op.batch_alter_table('affiliate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('display_name', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('brand_colour', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('accent_colour', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('logo', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('logo_type', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('logo_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('support_phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('welcome_text', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('embed_origins', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('default_promo', sa.String(length=32), nullable=True))

    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sub_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('utm', sa.JSON(), nullable=True))

    with op.batch_alter_table('funnel_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sub_id', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('funnel_event', schema=None) as batch_op:
        batch_op.drop_column('sub_id')

    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_column('utm')
        batch_op.drop_column('sub_id')

    with op.batch_alter_table('affiliate', schema=None) as batch_op:
        for column in ('default_promo', 'embed_origins', 'welcome_text', 'support_phone', 'logo_version',
                       'logo_type', 'logo', 'accent_colour', 'brand_colour', 'display_name'):
            batch_op.drop_column(column)
