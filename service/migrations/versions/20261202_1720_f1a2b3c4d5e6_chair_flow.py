"""the chair's flow: the vote step each chair request names, inquorate votes retaken,
votes counted by show of hands, and the speakers list

Revision ID: f1a2b3c4d5e6
Revises: 7d1e6a0c4b21
Create Date: 2026-12-02 17:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types.guid
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'f1a2b3c4d5e6'
down_revision: str | None = '7d1e6a0c4b21'
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
    op.add_column(
        'motion',
        sa.Column('open_hand_vote', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.add_column(
        'motion',
        sa.Column(
            'hand_counts',
            postgresql.JSONB(astext_type=sa.Text()),
            server_default='[]',
            nullable=False,
        ),
    )
    op.create_table(
        'speaker_request',
        sa.Column('motion_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column('member_id', sa.BigInteger(), nullable=False),
        sa.Column('side', sa.String(length=8), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('called_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
        sa.CheckConstraint("side IN ('for', 'against')", name=op.f('ck_speaker_request_speaker_side')),
        sa.CheckConstraint(
            "state IN ('waiting', 'speaking', 'spoken', 'withdrawn')",
            name=op.f('ck_speaker_request_speaker_state'),
        ),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_speaker_request_member_id_member'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], name=op.f('fk_speaker_request_motion_id_motion'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_speaker_request')),
    )
    op.create_index(op.f('ix_speaker_request_motion_id'), 'speaker_request', ['motion_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_speaker_request_motion_id'), table_name='speaker_request')
    op.drop_table('speaker_request')
    op.drop_column('motion', 'hand_counts')
    op.drop_column('motion', 'open_hand_vote')
    op.drop_column('motion', 'inquorate_votes')
    op.drop_column('motion', 'vote_step')
