"""web sessions

Revision ID: 5e551049a1b2
Revises: d9dd63935ebc
Create Date: 2026-12-02 12:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '5e551049a1b2'
down_revision: str | None = 'd9dd63935ebc'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('web_session',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('roles', postgresql.ARRAY(sa.String(length=32)), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_web_session')),
    comment="signed-in browsers: the SHA-256 of each session cookie's id, never the id itself"
    )
    op.create_index('ix_web_session_subject', 'web_session', ['subject'], unique=False)
    op.create_index('ix_web_session_expires_at', 'web_session', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_web_session_expires_at', table_name='web_session')
    op.drop_index('ix_web_session_subject', table_name='web_session')
    op.drop_table('web_session')
