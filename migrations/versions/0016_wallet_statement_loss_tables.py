"""wallet statement loss tables

The rows a member proved from a wallet statement: payments and refunds of one counterparty in
one window, with order numbers kept only as keyed hashes. The statement itself is not stored.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 10:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'statement_tables',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=12), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('membership_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('layout', sa.String(length=20), nullable=False),
        sa.Column('status', sa.Enum('draft', 'confirmed', name='statementstatus', native_enum=False, length=24, create_constraint=True), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('window_start', sa.Date(), nullable=False),
        sa.Column('window_end', sa.Date(), nullable=False),
        sa.Column('counterparty', sa.String(length=200), nullable=False),
        sa.Column('rows_read', sa.Integer(), nullable=False),
        sa.Column('total_minor', sa.BigInteger(), nullable=False),
        sa.Column('claimed_minor', sa.BigInteger(), nullable=True),
        sa.Column('claimed_currency', sa.String(length=3), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['group_cases.id'], name=op.f('fk_statement_tables_case_id_group_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_statement_tables_membership_id_memberships'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_statement_tables_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_tables')),
        sa.UniqueConstraint('public_id', name=op.f('uq_statement_tables_public_id')),
    )
    op.create_index('ix_statement_tables_case_status', 'statement_tables', ['case_id', 'status'])
    op.create_index(op.f('ix_statement_tables_membership_id'), 'statement_tables', ['membership_id'])
    op.create_index(op.f('ix_statement_tables_user_id'), 'statement_tables', ['user_id'])
    op.create_table(
        'statement_rows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('table_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.Enum('payment', 'refund', name='statementrowkind', native_enum=False, length=24, create_constraint=True), nullable=False),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('counterparty', sa.String(length=200), nullable=False),
        sa.Column('description', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=40), nullable=False),
        sa.Column('order_hash', sa.String(length=64), nullable=False),
        sa.Column('closed', sa.Boolean(), nullable=False),
        sa.Column('dropped', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['group_cases.id'], name=op.f('fk_statement_rows_case_id_group_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['table_id'], ['statement_tables.id'], name=op.f('fk_statement_rows_table_id_statement_tables'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_rows')),
    )
    op.create_index('ix_statement_rows_case_order', 'statement_rows', ['case_id', 'order_hash'])


def downgrade():
    op.drop_index('ix_statement_rows_case_order', table_name='statement_rows')
    op.drop_table('statement_rows')
    op.drop_index(op.f('ix_statement_tables_user_id'), table_name='statement_tables')
    op.drop_index(op.f('ix_statement_tables_membership_id'), table_name='statement_tables')
    op.drop_index('ix_statement_tables_case_status', table_name='statement_tables')
    op.drop_table('statement_tables')
