"""signature counts

Each version keeps the number of members who currently sign it, updated with every entry of the
signature log, so signing and the petition page no longer group the whole log. An index finds a
member's latest entry on a version directly.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 07:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

#: members whose latest entry on the version is a signature (the rule of signing_state)
BACKFILL = """
UPDATE complaint_versions SET signature_count = (
    SELECT count(*) FROM signature_entries AS entry
    WHERE entry.version_id = complaint_versions.id
      AND entry.membership_id IS NOT NULL
      AND entry.action = 'sign'
      AND entry.seq = (
          SELECT max(later.seq) FROM signature_entries AS later
          WHERE later.version_id = entry.version_id
            AND later.membership_id = entry.membership_id
      )
)
"""


def upgrade():
    with op.batch_alter_table('complaint_versions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('signature_count', sa.Integer(), server_default='0', nullable=False)
        )
    op.execute(BACKFILL)
    with op.batch_alter_table('signature_entries', schema=None) as batch_op:
        batch_op.create_index(
            'ix_signature_entries_member_version',
            ['version_id', 'membership_id', 'seq'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('signature_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_entries_member_version')
    with op.batch_alter_table('complaint_versions', schema=None) as batch_op:
        batch_op.drop_column('signature_count')
