"""email sign-in: codes, mail outbox, officers' sign-in grants

Revision ID: e3a11c0de5e1
Revises: 5e551049a1b2
Create Date: 2026-12-02 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'e3a11c0de5e1'
down_revision: str | None = '5e551049a1b2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sign_in_code',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('roles', postgresql.ARRAY(sa.String(length=32)), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_sign_in_code')),
    comment='emailed sign-in codes, kept only as SHA-256; each good once, until expires_at'
    )
    op.create_index('ix_sign_in_code_expires_at', 'sign_in_code', ['expires_at'], unique=False)
    op.create_table('mail_outbox',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('to_address', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
    comment='mail waiting to be sent; the body is cleared once the mail has gone'
    )
    op.create_index('ix_mail_outbox_due', 'mail_outbox', ['next_attempt_at'], unique=False, postgresql_where='sent_at IS NULL')
    op.create_table('sign_in_grant',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('granted_by', sa.String(length=64), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_grant')),
    sa.UniqueConstraint('email', 'subject', 'role', name='sign_in_grant_once'),
    comment='officers who sign in by email: the address, who they are and the role it gives'
    )
    op.create_index('ix_sign_in_grant_email', 'sign_in_grant', ['email'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sign_in_grant_email', table_name='sign_in_grant')
    op.drop_table('sign_in_grant')
    op.drop_index('ix_mail_outbox_due', table_name='mail_outbox')
    op.drop_table('mail_outbox')
    op.drop_index('ix_sign_in_code_expires_at', table_name='sign_in_code')
    op.drop_table('sign_in_code')
