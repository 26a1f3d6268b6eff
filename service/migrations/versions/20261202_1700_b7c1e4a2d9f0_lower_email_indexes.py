"""indexes on lower(email) for the member and sign-in grant lookups, which compare without case

Revision ID: b7c1e4a2d9f0
Revises: e3a11c0de5e1
Create Date: 2026-12-02 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b7c1e4a2d9f0'
down_revision: str | None = 'e3a11c0de5e1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_member_email_lower', 'member', [sa.text('lower(email)')], unique=False)
    op.drop_index('ix_sign_in_grant_email', table_name='sign_in_grant')
    op.create_index(
        'ix_sign_in_grant_email_lower', 'sign_in_grant', [sa.text('lower(email)')], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_sign_in_grant_email_lower', table_name='sign_in_grant')
    op.create_index('ix_sign_in_grant_email', 'sign_in_grant', ['email'], unique=False)
    op.drop_index('ix_member_email_lower', table_name='member')
