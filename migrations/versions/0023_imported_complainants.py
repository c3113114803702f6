"""imported complainants: one placeholder account per imported row, until claimed

An association's import gives each row its own account that nobody can log in to, so the
imported complaints are different people for matching and can form cases; the person takes
the complaint into their own account with the link the association sends them.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 07:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'imported_complainants',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=80), nullable=False),
        sa.Column('claim_token_sha256', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('claimed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['users.id'],
            name=op.f('fk_imported_complainants_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['imported_by_id'],
            ['users.id'],
            name=op.f('fk_imported_complainants_imported_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['claimed_by_id'],
            ['users.id'],
            name=op.f('fk_imported_complainants_claimed_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_imported_complainants')),
        sa.UniqueConstraint(
            'claim_token_sha256', name=op.f('uq_imported_complainants_claim_token_sha256')
        ),
    )
    op.create_index(
        op.f('ix_imported_complainants_source'), 'imported_complainants', ['source'], unique=False
    )
    op.create_index(
        op.f('ix_imported_complainants_imported_by_id'),
        'imported_complainants',
        ['imported_by_id'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f('ix_imported_complainants_imported_by_id'), table_name='imported_complainants'
    )
    op.drop_index(op.f('ix_imported_complainants_source'), table_name='imported_complainants')
    op.drop_table('imported_complainants')
