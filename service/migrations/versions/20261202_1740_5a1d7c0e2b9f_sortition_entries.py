"""sortition: per-volunteer salts, the salted commitments binding tickets to members, and the
committed portfolio of a fair (maximin) lottery

Revision ID: 5a1d7c0e2b9f
Revises: f1a2b3c4d5e6
Create Date: 2026-12-02 17:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '5a1d7c0e2b9f'
down_revision: str | None = 'f1a2b3c4d5e6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('sortition_volunteer', sa.Column('salt', sa.String(length=32), nullable=True))
    op.add_column(
        'sortition', sa.Column('entries', postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )
    op.add_column('sortition', sa.Column('entries_digest', sa.String(length=64), nullable=True))
    op.add_column(
        'sortition', sa.Column('portfolio', postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )


def downgrade() -> None:
    op.drop_column('sortition', 'portfolio')
    op.drop_column('sortition', 'entries_digest')
    op.drop_column('sortition', 'entries')
    op.drop_column('sortition_volunteer', 'salt')
