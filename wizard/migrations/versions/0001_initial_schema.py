"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 23:15:18.034606
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('acknowledgement',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', 'version', name=op.f('pk_acknowledgement'))
    )
    op.create_table('area_waitlist',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('zip', sa.String(length=5), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_waitlist')),
    sa.UniqueConstraint('zip', 'email', name=op.f('uq_area_waitlist_zip'))
    )
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_type', sa.String(length=16), nullable=False),
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('contact_method', sa.String(length=16), nullable=False),
    sa.Column('business_name', sa.String(length=120), nullable=True),
    sa.Column('tax_id', sa.String(length=16), nullable=True),
    sa.Column('date_of_birth_enc', sa.Text(), nullable=True),
    sa.Column('identity_enc', sa.Text(), nullable=True),
    sa.Column('identity_last4', sa.String(length=4), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer'))
    )
    op.create_table('promo',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('unlocks', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_promo'))
    )
    op.create_table('referral_source',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_referral_source'))
    )
    op.create_table('state',
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('usage_levels', sa.JSON(), nullable=False),
    sa.Column('rescission_business_days', sa.Integer(), nullable=False),
    sa.Column('max_days_ahead', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_state'))
    )
    op.create_table('account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('username_key', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_account_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account')),
    sa.UniqueConstraint('customer_id', name=op.f('uq_account_customer_id')),
    sa.UniqueConstraint('username_key', name=op.f('uq_account_username_key'))
    )
    op.create_table('enrollment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('utility_code', sa.String(length=32), nullable=False),
    sa.Column('plan_code', sa.String(length=32), nullable=False),
    sa.Column('plan_snapshot', sa.JSON(), nullable=False),
    sa.Column('esi_id', sa.String(length=22), nullable=True),
    sa.Column('service_address', sa.JSON(), nullable=False),
    sa.Column('billing_address', sa.JSON(), nullable=False),
    sa.Column('enrollment_type', sa.String(length=16), nullable=False),
    sa.Column('start_timing', sa.String(length=16), nullable=False),
    sa.Column('requested_date', sa.Date(), nullable=True),
    sa.Column('promo_code', sa.String(length=32), nullable=True),
    sa.Column('referral_source', sa.String(length=32), nullable=True),
    sa.Column('affiliate_code', sa.String(length=32), nullable=True),
    sa.Column('consent', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.Column('status_message', sa.Text(), nullable=True),
    sa.Column('billing_reference', sa.String(length=64), nullable=True),
    sa.Column('service_start_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_enrollment_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollment')),
    sa.UniqueConstraint('number', name=op.f('uq_enrollment_number')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_enrollment_submission_key'))
    )
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollment_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollment_status'), ['status'], unique=False)

    op.create_table('plan',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('rate_type', sa.String(length=16), nullable=False),
    sa.Column('energy_cents_per_kwh', sa.Numeric(precision=10, scale=4), nullable=False),
    sa.Column('base_fee', sa.Numeric(precision=10, scale=4), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('early_termination_fee', sa.Numeric(precision=10, scale=4), nullable=False),
    sa.Column('renewable_percent', sa.Integer(), nullable=False),
    sa.Column('customer_types', sa.JSON(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('promo_only', sa.Boolean(), nullable=False),
    sa.Column('available_from', sa.Date(), nullable=True),
    sa.Column('available_to', sa.Date(), nullable=True),
    sa.Column('efl_version', sa.String(length=16), nullable=False),
    sa.Column('tos_version', sa.String(length=16), nullable=False),
    sa.Column('yrac_version', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['state_code'], ['state.code'], name=op.f('fk_plan_state_code_state')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_plan'))
    )
    op.create_table('utility',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('delivery_cents_per_kwh', sa.Numeric(precision=10, scale=4), nullable=False),
    sa.Column('delivery_monthly', sa.Numeric(precision=10, scale=4), nullable=False),
    sa.Column('esi_prefixes', sa.JSON(), nullable=False),
    sa.Column('esi_length', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['state_code'], ['state.code'], name=op.f('fk_utility_state_code_state')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_utility'))
    )
    op.create_table('billing_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('available_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollment.id'], name=op.f('fk_billing_outbox_enrollment_id_enrollment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_outbox')),
    sa.UniqueConstraint('enrollment_id', name=op.f('uq_billing_outbox_enrollment_id'))
    )
    with op.batch_alter_table('billing_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_outbox_available_at'), ['available_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_outbox_sent_at'), ['sent_at'], unique=False)

    op.create_table('draft',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollment.id'], name=op.f('fk_draft_enrollment_id_enrollment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft'))
    )
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_expires_at'), ['expires_at'], unique=False)

    op.create_table('service_area',
    sa.Column('zip', sa.String(length=5), nullable=False),
    sa.Column('utility_code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['utility_code'], ['utility.code'], name=op.f('fk_service_area_utility_code_utility')),
    sa.PrimaryKeyConstraint('zip', 'utility_code', name=op.f('pk_service_area'))
    )
    op.create_table('status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=40), nullable=True),
    sa.Column('to_status', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.String(length=80), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollment.id'], name=op.f('fk_status_change_enrollment_id_enrollment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_change'))
    )
    with op.batch_alter_table('status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_change_enrollment_id'), ['enrollment_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('status_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_change_enrollment_id'))

    op.drop_table('status_change')
    op.drop_table('service_area')
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_expires_at'))

    op.drop_table('draft')
    with op.batch_alter_table('billing_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_outbox_sent_at'))
        batch_op.drop_index(batch_op.f('ix_billing_outbox_available_at'))

    op.drop_table('billing_outbox')
    op.drop_table('utility')
    op.drop_table('plan')
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollment_status'))
        batch_op.drop_index(batch_op.f('ix_enrollment_customer_id'))

    op.drop_table('enrollment')
    op.drop_table('account')
    op.drop_table('state')
    op.drop_table('referral_source')
    op.drop_table('promo')
    op.drop_table('customer')
    op.drop_table('area_waitlist')
    op.drop_table('acknowledgement')
