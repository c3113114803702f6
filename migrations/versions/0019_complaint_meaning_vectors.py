"""complaint meaning vectors and case profiles

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaint_vectors",
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_vectors_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_complaint_vectors_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("complaint_id", name=op.f("pk_complaint_vectors")),
    )
    op.create_index(
        "ix_complaint_vectors_company_id", "complaint_vectors", ["company_id", "complaint_id"]
    )
    op.create_table(
        "case_vectors",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.LargeBinary(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["group_cases.id"],
            name=op.f("fk_case_vectors_case_id_group_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_case_vectors_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_vectors")),
    )
    op.create_index("ix_case_vectors_company_id", "case_vectors", ["company_id", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_vectors_company_id", table_name="case_vectors")
    op.drop_table("case_vectors")
    op.drop_index("ix_complaint_vectors_company_id", table_name="complaint_vectors")
    op.drop_table("complaint_vectors")
