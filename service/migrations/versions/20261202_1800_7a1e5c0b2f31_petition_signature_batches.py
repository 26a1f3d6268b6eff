"""petition signatures counted in the log per interval, not one entry each; offices remember
the representation rules they were filled under, and their terms and reselections

Revision ID: 7a1e5c0b2f31
Revises: a1f0c0de19aa
Create Date: 2026-12-02 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '7a1e5c0b2f31'
down_revision: str | None = 'a1f0c0de19aa'
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
    op.add_column('office', sa.Column('term_ends_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('office', sa.Column('term_days', sa.Integer(), nullable=True))
    op.add_column('office', sa.Column('reselection_days', sa.Integer(), nullable=True))
    op.add_column('office', sa.Column('reselection_election_id', sa.Uuid(), nullable=True))
    op.create_index(op.f('ix_office_term_ends_at'), 'office', ['term_ends_at'], unique=False)
    op.create_foreign_key(
        op.f('fk_office_reselection_election_id_election'),
        'office',
        'election',
        ['reselection_election_id'],
        ['id'],
        ondelete='RESTRICT',
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f('fk_office_reselection_election_id_election'), 'office', type_='foreignkey'
    )
    op.drop_index(op.f('ix_office_term_ends_at'), table_name='office')
    for column in ('reselection_election_id', 'reselection_days', 'term_days', 'term_ends_at'):
        op.drop_column('office', column)
    op.drop_column('office', 'filled_under')
    op.drop_column('recall_petition', 'pending_since')
    op.drop_column('recall_petition', 'signatures_logged')
