"""published case figures

One coarse snapshot of each case's figures, republished only after enough members changed,
and the facts each member had when it was last published.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 07:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'published_case_figures',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('changed_members', sa.Integer(), server_default='0', nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['group_cases.id'], name=op.f('fk_published_case_figures_case_id_group_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_published_case_figures')),
    )
    op.create_table(
        'published_member_facts',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('facts', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['group_cases.id'], name=op.f('fk_published_member_facts_case_id_group_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_published_member_facts_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id', 'user_id', name=op.f('pk_published_member_facts')),
    )
    # every existing case starts unpublished, with all its members counted as changed: its
    # next change publishes it when it has enough members
    op.execute(
        "INSERT INTO published_case_figures (case_id, changed_members, figures) "
        "SELECT id, member_count, '{}' FROM group_cases"
    )


def downgrade():
    op.drop_table('published_member_facts')
    op.drop_table('published_case_figures')
