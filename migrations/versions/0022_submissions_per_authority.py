"""one signed version to several authorities: a submission per authority

A case whose members' complaints concern several licensed businesses (a wallet's balance
at the central bank, the bank card behind it at the banking regulator) is addressed to each
authority in the same signed version: `version_addressees` names the authorities besides the
version's first one, and a case now has one submission per authority (unique per case and
authority instead of per case).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 03:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'version_addressees',
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('authority_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['authority_id'],
            ['authorities.id'],
            name=op.f('fk_version_addressees_authority_id_authorities'),
        ),
        sa.ForeignKeyConstraint(
            ['version_id'],
            ['complaint_versions.id'],
            name=op.f('fk_version_addressees_version_id_complaint_versions'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('version_id', 'authority_id', name=op.f('pk_version_addressees')),
    )
    with op.batch_alter_table('submissions') as batch:
        batch.drop_constraint('uq_submissions_case_id', type_='unique')
        batch.create_unique_constraint(
            'uq_submissions_case_id_authority_id', ['case_id', 'authority_id']
        )


def downgrade() -> None:
    # a case submitted to several authorities keeps its first submission only
    op.execute(
        "DELETE FROM submissions WHERE id NOT IN "
        "(SELECT min(id) FROM submissions GROUP BY case_id)"
    )
    with op.batch_alter_table('submissions') as batch:
        batch.drop_constraint('uq_submissions_case_id_authority_id', type_='unique')
        batch.create_unique_constraint('uq_submissions_case_id', ['case_id'])
    op.drop_table('version_addressees')
