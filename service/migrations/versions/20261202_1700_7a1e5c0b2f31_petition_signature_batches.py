"""petition signatures counted in the log per interval, not one entry each; offices remember
the representation rules they were filled under

Revision ID: 7a1e5c0b2f31
Revises: e3a11c0de5e1
Create Date: 2026-12-02 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '7a1e5c0b2f31'
down_revision: str | None = 'e3a11c0de5e1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Petitions open before this revision logged every signature: their count is logged.
    op.add_column(
        'recall_petition',
        sa.Column('signatures_logged', sa.Integer(), server_default='0', nullable=False),
    )
    op.add_column(
        'recall_petition', sa.Column('pending_since', sa.DateTime(timezone=True), nullable=True)
    )
    op.execute('UPDATE recall_petition SET signatures_logged = signatures')
    op.add_column(
        'office',
        sa.Column('filled_under', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )


def downgrade() -> None:
    op.drop_column('office', 'filled_under')
    op.drop_column('recall_petition', 'pending_since')
    op.drop_column('recall_petition', 'signatures_logged')
