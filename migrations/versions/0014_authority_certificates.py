"""authority certificates

X.509 certificates an authority registers so that its case bundles are encrypted to it (CMS
EnvelopedData), kept as a history so that earlier bundles stay tied to the key they were made
for, and the certificate each submission's bundle was encrypted to.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 10:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'authority_certificates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('authority_id', sa.Integer(), nullable=False),
        sa.Column('fingerprint_sha256', sa.String(length=64), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('issuer', sa.Text(), nullable=False),
        sa.Column('serial_number', sa.String(length=64), nullable=False),
        sa.Column('not_before', sa.DateTime(), nullable=False),
        sa.Column('not_after', sa.DateTime(), nullable=False),
        sa.Column('der', sa.LargeBinary(), nullable=False),
        sa.Column('registered_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['authority_id'], ['authorities.id'], name=op.f('fk_authority_certificates_authority_id_authorities'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_authority_certificates')),
        sa.UniqueConstraint('authority_id', 'fingerprint_sha256', name=op.f('uq_authority_certificates_authority_id_fingerprint_sha256')),
    )
    op.create_index(op.f('ix_authority_certificates_authority_id'), 'authority_certificates', ['authority_id'], unique=False)
    with op.batch_alter_table('submissions') as batch_op:
        batch_op.add_column(sa.Column('bundle_certificate_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_submissions_bundle_certificate_id_authority_certificates'), 'authority_certificates', ['bundle_certificate_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('submissions') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_submissions_bundle_certificate_id_authority_certificates'), type_='foreignkey')
        batch_op.drop_column('bundle_certificate_id')
    op.drop_index(op.f('ix_authority_certificates_authority_id'), table_name='authority_certificates')
    op.drop_table('authority_certificates')
