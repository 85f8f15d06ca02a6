"""staff, audit log, funnel, plan visibility and documents, affiliates, promo limits

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 01:14:15.783970
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

PLAN = sa.table('plan', sa.column('code', sa.String), sa.column('channels', sa.JSON))
VISIBILITY = sa.table('plan_visibility', sa.column('plan_code', sa.String), sa.column('channel', sa.String))


def upgrade() -> None:
    op.create_table('affiliate',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_affiliate'))
    )
    op.create_table('funnel_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_ref', sa.String(length=32), nullable=False),
    sa.Column('step', sa.String(length=32), nullable=False),
    sa.Column('affiliate_code', sa.String(length=32), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funnel_event')),
    sa.UniqueConstraint('draft_ref', 'step', name=op.f('uq_funnel_event_draft_ref'))
    )
    with op.batch_alter_table('funnel_event', schema=None) as batch_op:
        batch_op.create_index('ix_funnel_event_at_step', ['at', 'step'], unique=False)

    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('email', name=op.f('uq_staff_email'))
    )
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity_type', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_audit_entry_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_entity_type'), ['entity_type'], unique=False)

    op.create_table('staff_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_session_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_staff_session'))
    )
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_session_staff_id'), ['staff_id'], unique=False)

    op.create_table('plan_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('version', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['plan_code'], ['plan.code'], name=op.f('fk_plan_document_plan_code_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_document')),
    sa.UniqueConstraint('plan_code', 'kind', 'version', name=op.f('uq_plan_document_plan_code'))
    )
    with op.batch_alter_table('plan_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_document_plan_code'), ['plan_code'], unique=False)

    op.create_table('plan_visibility',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_code', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=48), nullable=False),
    sa.Column('shown_from', sa.Date(), nullable=True),
    sa.Column('shown_to', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['plan_code'], ['plan.code'], name=op.f('fk_plan_visibility_plan_code_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_visibility'))
    )
    with op.batch_alter_table('plan_visibility', schema=None) as batch_op:
        batch_op.create_index('ix_plan_visibility_channel_plan', ['channel', 'plan_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_visibility_plan_code'), ['plan_code'], unique=False)

    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resubmissions', sa.Integer(), server_default='0', nullable=False))

    # Each channel a plan listed becomes an open-ended visibility window on that channel. The
    # rows are read now and written after the plan table is rebuilt: on SQLite the rebuild drops
    # the old table, and that would delete visibility rows already pointing at it (ON DELETE CASCADE).
    conn = op.get_bind()
    rows = [{"plan_code": code, "channel": channel}
            for code, channels in conn.execute(sa.select(PLAN.c.code, PLAN.c.channels))
            for channel in (channels or [])]

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('utility_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('retired', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_plan_utility_code'), ['utility_code'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_plan_utility_code_utility'), 'utility', ['utility_code'], ['code'])
        batch_op.drop_column('channels')
    if rows:
        op.bulk_insert(VISIBILITY, rows)

    with op.batch_alter_table('promo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_uses', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('affiliate_code', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_promo_affiliate_code_affiliate'), 'affiliate', ['affiliate_code'], ['code'])



def downgrade() -> None:
    with op.batch_alter_table('promo', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_promo_affiliate_code_affiliate'), type_='foreignkey')
        batch_op.drop_column('affiliate_code')
        batch_op.drop_column('max_uses')

    # Read the visibility rows before the plan table is rebuilt (see upgrade), then fold them back.
    conn = op.get_bind()
    channels: dict[str, set[str]] = {}
    for code, channel in conn.execute(sa.select(VISIBILITY.c.plan_code, VISIBILITY.c.channel)):
        channels.setdefault(code, set()).add(channel)

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channels', sa.JSON(), nullable=True))
        batch_op.drop_constraint(batch_op.f('fk_plan_utility_code_utility'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_utility_code'))
        batch_op.drop_column('retired')
        batch_op.drop_column('utility_code')

    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_column('resubmissions')

    for (code,) in conn.execute(sa.select(PLAN.c.code)):
        conn.execute(PLAN.update().where(PLAN.c.code == code).values(channels=sorted(channels.get(code, set()))))

    with op.batch_alter_table('plan_visibility', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_visibility_plan_code'))
        batch_op.drop_index('ix_plan_visibility_channel_plan')

    op.drop_table('plan_visibility')
    with op.batch_alter_table('plan_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_document_plan_code'))

    op.drop_table('plan_document')
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_session_staff_id'))

    op.drop_table('staff_session')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_entity_type'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))

    op.drop_table('audit_entry')
    op.drop_table('staff')
    with op.batch_alter_table('funnel_event', schema=None) as batch_op:
        batch_op.drop_index('ix_funnel_event_at_step')

    op.drop_table('funnel_event')
    op.drop_table('affiliate')
