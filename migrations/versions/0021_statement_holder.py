"""statement holder: named in the statement, or stated by the member

Only Alipay's app export names the account holder (姓名), which the import checks against the
member; for the layouts that name none (or a nickname only) the member states that the
statement is of her own account before confirming it. Tables already read from the app export
had their holder checked on import.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 20:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('statement_tables') as batch:
        batch.add_column(
            sa.Column('holder_named', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column('own_account_stated_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE statement_tables SET holder_named = true WHERE layout = 'alipay_app'")


def downgrade() -> None:
    with op.batch_alter_table('statement_tables') as batch:
        batch.drop_column('own_account_stated_at')
        batch.drop_column('holder_named')
