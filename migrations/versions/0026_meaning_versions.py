"""numbered case-profile changes: processes keep a company's profiles and read only changes

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 20:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meaning_versions",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_meaning_versions_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_meaning_versions")),
    )
    with op.batch_alter_table("case_vectors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.create_index("ix_case_vectors_company_seq", ["company_id", "seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_vectors", schema=None) as batch_op:
        batch_op.drop_index("ix_case_vectors_company_seq")
        batch_op.drop_column("seq")
    op.drop_table("meaning_versions")
