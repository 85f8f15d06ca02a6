"""Mail outbox (messages, attachments), single-use email tokens, wait list notified time

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mail_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('to', sa.String(length=254), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('message_id', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('available_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('gave_up_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_message')),
    sa.UniqueConstraint('key', name=op.f('uq_mail_message_key'))
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_message_available_at'), ['available_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_sent_at'), ['sent_at'], unique=False)

    op.create_table('mail_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['mail_message.id'], name=op.f('fk_mail_attachment_message_id_mail_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_attachment'))
    )
    with op.batch_alter_table('mail_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_attachment_message_id'), ['message_id'], unique=False)

    op.create_table('email_token',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_email_token'))
    )
    with op.batch_alter_table('email_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_token_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_token_subject'), ['subject'], unique=False)

    with op.batch_alter_table('area_waitlist', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notified_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('area_waitlist', schema=None) as batch_op:
        batch_op.drop_column('notified_at')
    with op.batch_alter_table('email_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_token_subject'))
        batch_op.drop_index(batch_op.f('ix_email_token_expires_at'))
    op.drop_table('email_token')
    with op.batch_alter_table('mail_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_attachment_message_id'))
    op.drop_table('mail_attachment')
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_message_sent_at'))
        batch_op.drop_index(batch_op.f('ix_mail_message_available_at'))
    op.drop_table('mail_message')
