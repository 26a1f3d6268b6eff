"""schema lineage: every migration the database went through, for rolling deploys

Revision ID: a1f0c0de19aa
Revises: 5a1d7c0e2b9f
Create Date: 2026-12-02 17:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a1f0c0de19aa'
down_revision: str | None = '5a1d7c0e2b9f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('schema_lineage',
    sa.Column('revision', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('revision', name=op.f('pk_schema_lineage')),
    comment='every migration the database has been brought through (for rolling deploys)'
    )


def downgrade() -> None:
    op.drop_table('schema_lineage')
