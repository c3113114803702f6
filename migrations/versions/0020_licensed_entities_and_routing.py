"""licensed entities and complaint routing

The regulated businesses behind each company (kind, jurisdiction, licence, source), and each
complaint's answers to the routing questions (what was affected, where the member lives), the
authority proposed from them, and whether and when the member complained to the company first.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 11:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'licensed_entities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('jurisdiction', sa.String(length=8), nullable=False),
        sa.Column('legal_name', sa.String(length=300), nullable=False),
        sa.Column('licence', sa.Text(), nullable=False),
        sa.Column('supervisor', sa.Text(), nullable=False),
        sa.Column('source_url', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('payment_institution', 'bank', 'consumer_finance', 'merchant_platform', 'securities')", name=op.f('ck_licensed_entities_entitykind')),
        sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_licensed_entities_company_id_companies'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_licensed_entities')),
        sa.UniqueConstraint('company_id', 'kind', 'jurisdiction', 'legal_name', name=op.f('uq_licensed_entities_company_id_kind_jurisdiction_legal_name')),
    )
    op.create_index(op.f('ix_licensed_entities_company_id'), 'licensed_entities', ['company_id'], unique=False)
    op.create_table(
        'complaint_routing',
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('affected', sa.String(length=24), nullable=True),
        sa.Column('residence', sa.String(length=8), nullable=True),
        sa.Column('authority_slug', sa.String(length=64), nullable=True),
        sa.Column('entity_id', sa.Integer(), nullable=True),
        sa.Column('complained_first', sa.Boolean(), nullable=True),
        sa.Column('complained_on', sa.Date(), nullable=True),
        sa.Column('company_reference', sa.String(length=100), nullable=False, server_default=''),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_routing_complaint_id_complaints'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['entity_id'], ['licensed_entities.id'], name=op.f('fk_complaint_routing_entity_id_licensed_entities'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('complaint_id', name=op.f('pk_complaint_routing')),
    )


def downgrade() -> None:
    op.drop_table('complaint_routing')
    op.drop_index(op.f('ix_licensed_entities_company_id'), table_name='licensed_entities')
    op.drop_table('licensed_entities')
