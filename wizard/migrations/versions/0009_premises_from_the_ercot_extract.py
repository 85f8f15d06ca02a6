"""Premises from ERCOT's TDSP ESI ID extract, the import runs, and each utility's DUNS

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

KEY = sa.String(length=160).with_variant(sa.String(length=160, collation="C"), "postgresql")
#: The ERCOT DUNS numbers of the demo catalog's TDSPs, for databases created before this column.
KNOWN_DUNS = {"oncor": "1039940674000", "centerpoint": "957877905", "aep_central": "007924772",
              "aep_north": "007923311", "tnmp": "007929441"}


def upgrade() -> None:
    op.create_table('premise',
    sa.Column('esi_id', sa.String(length=22), nullable=False),
    sa.Column('address', sa.String(length=120), nullable=False),
    sa.Column('address_overflow', sa.String(length=60), nullable=False),
    sa.Column('city', sa.String(length=60), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('zip', sa.String(length=5), nullable=False),
    sa.Column('zip4', sa.String(length=4), nullable=False),
    sa.Column('duns', sa.String(length=16), nullable=False),
    sa.Column('meter_read_cycle', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('premise_type', sa.String(length=40), nullable=False),
    sa.Column('power_region', sa.String(length=20), nullable=False),
    sa.Column('station_code', sa.String(length=20), nullable=False),
    sa.Column('station_name', sa.String(length=60), nullable=False),
    sa.Column('metered', sa.Boolean(), nullable=False),
    sa.Column('open_service_orders', sa.String(length=40), nullable=False),
    sa.Column('polr_customer_class', sa.String(length=40), nullable=False),
    sa.Column('settlement_ams', sa.String(length=20), nullable=False),
    sa.Column('tdsp_ams', sa.String(length=20), nullable=False),
    sa.Column('switch_hold', sa.Boolean(), nullable=False),
    sa.Column('address_key', KEY, nullable=False),
    sa.Column('street_key', KEY, nullable=False),
    sa.PrimaryKeyConstraint('esi_id', name=op.f('pk_premise'))
    )
    with op.batch_alter_table('premise', schema=None) as batch_op:
        batch_op.create_index('ix_premise_zip_address_key', ['zip', 'address_key'], unique=False)
        batch_op.create_index('ix_premise_zip_street_key', ['zip', 'street_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_premise_duns'), ['duns'], unique=False)

    op.create_table('premise_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('started_by', sa.String(length=254), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('bytes_total', sa.BigInteger(), nullable=False),
    sa.Column('bytes_read', sa.BigInteger(), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_loaded', sa.Integer(), nullable=False),
    sa.Column('rows_removed', sa.Integer(), nullable=False),
    sa.Column('rows_bad', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_premise_import'))
    )

    with op.batch_alter_table('utility', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duns', sa.String(length=16), nullable=True))
    utility = sa.table('utility', sa.column('code', sa.String), sa.column('duns', sa.String))
    for code, duns in KNOWN_DUNS.items():
        op.execute(utility.update().where(utility.c.code == code, utility.c.duns.is_(None)).values(duns=duns))


def downgrade() -> None:
    with op.batch_alter_table('utility', schema=None) as batch_op:
        batch_op.drop_column('duns')
    op.drop_table('premise_import')
    with op.batch_alter_table('premise', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_premise_duns'))
        batch_op.drop_index('ix_premise_zip_street_key')
        batch_op.drop_index('ix_premise_zip_address_key')
    op.drop_table('premise')
