"""the chair's flow: the vote step each chair request names, and inquorate votes retaken

Revision ID: f1a2b3c4d5e6
Revises: e3a11c0de5e1
Create Date: 2026-12-02 16:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'f1a2b3c4d5e6'
down_revision: str | None = 'e3a11c0de5e1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('motion', sa.Column('vote_step', sa.Integer(), server_default='0', nullable=False))
    op.add_column(
        'motion',
        sa.Column(
            'inquorate_votes',
            postgresql.JSONB(astext_type=sa.Text()),
            server_default='[]',
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column('motion', 'inquorate_votes')
    op.drop_column('motion', 'vote_step')
