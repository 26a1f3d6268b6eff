"""sortition: a ``committing`` state while the due work runner solves a fair draw's portfolio,
and the reason a commitment could not be completed

Revision ID: c0aa17e5d2b1
Revises: 7a1e5c0b2f31
Create Date: 2026-12-02 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0aa17e5d2b1'
down_revision: str | None = '7a1e5c0b2f31'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('sortition', sa.Column('commit_problem', sa.String(length=500), nullable=True))
    op.drop_constraint(op.f('ck_sortition_sortition_state_known'), 'sortition', type_='check')
    op.create_check_constraint(
        op.f('ck_sortition_sortition_state_known'),
        'sortition',
        "state IN ('pool_open', 'committing', 'committed', 'drawn')",
    )


def downgrade() -> None:
    # A sortition still being solved goes back to an open pool: its commitment was never logged.
    op.execute("UPDATE sortition SET state = 'pool_open' WHERE state = 'committing'")
    op.drop_constraint(op.f('ck_sortition_sortition_state_known'), 'sortition', type_='check')
    op.create_check_constraint(
        op.f('ck_sortition_sortition_state_known'),
        'sortition',
        "state IN ('pool_open', 'committed', 'drawn')",
    )
    op.drop_column('sortition', 'commit_problem')
