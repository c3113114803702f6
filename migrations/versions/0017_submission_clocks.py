"""submission clocks

Deadlines per submission (acknowledge, answer, close), the extensions an authority records,
and the rule set each authority follows.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 10:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

CLOCK_KINDS = ('acknowledge', 'answer', 'close')
UNITS = ('calendar_days', 'working_days', 'business_days', 'hours')


def upgrade():
    with op.batch_alter_table('authorities') as batch:
        batch.add_column(sa.Column('clock_rules', sa.String(length=40), nullable=True))
    op.create_table(
        'submission_clocks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(*CLOCK_KINDS, name='clockkind', native_enum=False, length=24, create_constraint=True), nullable=False),
        sa.Column('rule_set', sa.String(length=40), nullable=False),
        sa.Column('unit', sa.Enum(*UNITS, name='clockunit', native_enum=False, length=24, create_constraint=True), nullable=False),
        sa.Column('period', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('due_at', sa.DateTime(), nullable=True),
        sa.Column('stopped_at', sa.DateTime(), nullable=True),
        sa.Column('due_soon_notified_at', sa.DateTime(), nullable=True),
        sa.Column('overdue_notified_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_submission_clocks_submission_id_submissions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_clocks')),
        sa.UniqueConstraint('submission_id', 'kind', name=op.f('uq_submission_clocks_submission_id_kind')),
    )
    op.create_index('ix_submission_clocks_running_due', 'submission_clocks', ['stopped_at', 'due_at'])
    op.create_table(
        'clock_extensions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('clock_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.Integer(), nullable=False),
        sa.Column('previous_due_at', sa.DateTime(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['clock_id'], ['submission_clocks.id'], name=op.f('fk_clock_extensions_clock_id_submission_clocks'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_clock_extensions_recorded_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_clock_extensions')),
    )
    op.create_index('ix_clock_extensions_clock_id', 'clock_extensions', ['clock_id'])


def downgrade():
    op.drop_index('ix_clock_extensions_clock_id', table_name='clock_extensions')
    op.drop_table('clock_extensions')
    op.drop_index('ix_submission_clocks_running_due', table_name='submission_clocks')
    op.drop_table('submission_clocks')
    with op.batch_alter_table('authorities') as batch:
        batch.drop_column('clock_rules')
