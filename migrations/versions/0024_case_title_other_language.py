"""case titles in the other language: a case started in Chinese can be found in English

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('group_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_other', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('group_cases', schema=None) as batch_op:
        batch_op.drop_column('title_other')
