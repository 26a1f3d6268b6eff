"""delegates, card votes, proxies and attendance

Revision ID: 7d1e6a0c4b21
Revises: b7c1e4a2d9f0
Create Date: 2026-12-02 17:10:00

A contest may be weighted (a card vote): each elector row carries the weight of its vote and,
where standing orders allow proxies, the member who may cast it for them; the contest keeps the
total weight of its electorate. An assembly keeps its delegates (registered by their branch,
approved by credentials) and who has checked in; the chair may freeze the set present.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7d1e6a0c4b21'
down_revision: str | None = 'b7c1e4a2d9f0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('contest', sa.Column('weighted', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('contest', sa.Column('electorate_weight', sa.BigInteger(), nullable=True))
    op.add_column('contest_elector', sa.Column('weight', sa.BigInteger(), server_default='1', nullable=False))
    op.add_column('contest_elector', sa.Column('proxy_member_id', sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f('fk_contest_elector_proxy_member_id_member'), 'contest_elector', 'member',
        ['proxy_member_id'], ['id'], ondelete='RESTRICT',
    )
    op.create_check_constraint(op.f('ck_contest_elector_weight_positive'), 'contest_elector', 'weight >= 1')
    op.create_table('delegate',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('assembly_id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.BigInteger(), nullable=False),
    sa.Column('branch_id', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('proxy_member_id', sa.BigInteger(), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('registered', 'credentialed', 'rejected', 'withdrawn')", name=op.f('ck_delegate_delegate_state')),
    sa.ForeignKeyConstraint(['assembly_id'], ['assembly.id'], name=op.f('fk_delegate_assembly_id_assembly'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_delegate_member_id_member'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_delegate_branch_id_branch'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['proxy_member_id'], ['member.id'], name=op.f('fk_delegate_proxy_member_id_member'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegate')),
    sa.UniqueConstraint('assembly_id', 'member_id', name='delegate_once'),
    )
    op.create_index('ix_delegate_assembly_id', 'delegate', ['assembly_id'], unique=False)
    op.create_table('attendance',
    sa.Column('assembly_id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.BigInteger(), nullable=False),
    sa.Column('how', sa.String(length=16), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("how IN ('code', 'steward')", name=op.f('ck_attendance_attendance_how')),
    sa.ForeignKeyConstraint(['assembly_id'], ['assembly.id'], name=op.f('fk_attendance_assembly_id_assembly'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_attendance_member_id_member'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('assembly_id', 'member_id', name=op.f('pk_attendance')),
    )
    op.create_table('attendance_roll',
    sa.Column('assembly_id', sa.Uuid(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('present', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assembly_id'], ['assembly.id'], name=op.f('fk_attendance_roll_assembly_id_assembly'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('assembly_id', name=op.f('pk_attendance_roll')),
    )


def downgrade() -> None:
    op.drop_table('attendance_roll')
    op.drop_table('attendance')
    op.drop_index('ix_delegate_assembly_id', table_name='delegate')
    op.drop_table('delegate')
    op.drop_constraint(op.f('ck_contest_elector_weight_positive'), 'contest_elector', type_='check')
    op.drop_constraint(op.f('fk_contest_elector_proxy_member_id_member'), 'contest_elector', type_='foreignkey')
    op.drop_column('contest_elector', 'proxy_member_id')
    op.drop_column('contest_elector', 'weight')
    op.drop_column('contest', 'electorate_weight')
    op.drop_column('contest', 'weighted')
