"""case merges: two cases of the same issue become one when both sides' organizers agree

The row stays after the merge as the forwarding address of the merged case's old link. The
timeline's event kinds gain "cases_merged", so their CHECK constraint is rebuilt.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

OLD_KINDS = (
    'created', 'member_joined', 'member_left', 'evidence_pooled', 'evidence_withdrawn',
    'version_saved', 'signing_opened', 'signed', 'signature_withdrawn', 'submitted',
    'status_changed', 'organizer_changed', 'opened_to_company', 'company_answered',
    'outcome_disputed',
)
NEW_KINDS = (*OLD_KINDS, 'cases_merged')


def _enum(values):
    return sa.Enum(
        *values, name='caseeventkind', native_enum=False, length=32, create_constraint=True
    )


def _kinds(old, new):
    """Rebuild the kinds' CHECK: SQLite by copying the table (batch), PostgreSQL in place."""
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('case_events', recreate='always') as batch_op:
            batch_op.alter_column(
                'kind', existing_type=_enum(old), type_=_enum(new), existing_nullable=False
            )
        return
    quoted = ', '.join(f"'{v}'" for v in new)
    op.drop_constraint(op.f('ck_case_events_caseeventkind'), 'case_events', type_='check')
    op.create_check_constraint(
        op.f('ck_case_events_caseeventkind'), 'case_events', f'kind IN ({quoted})'
    )


def upgrade():
    op.create_table('case_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_case_id', sa.Integer(), nullable=True),
    sa.Column('from_public_id', sa.String(length=16), nullable=False),
    sa.Column('from_title', sa.String(length=200), nullable=False),
    sa.Column('into_case_id', sa.Integer(), nullable=True),
    sa.Column('into_public_id', sa.String(length=16), nullable=False),
    sa.Column('asked_case_id', sa.Integer(), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['asked_case_id'], ['group_cases.id'], name=op.f('fk_case_merges_asked_case_id_group_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_case_merges_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_case_id'], ['group_cases.id'], name=op.f('fk_case_merges_from_case_id_group_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['into_case_id'], ['group_cases.id'], name=op.f('fk_case_merges_into_case_id_group_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_case_merges_proposed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_merges'))
    )
    with op.batch_alter_table('case_merges', schema=None) as batch_op:
        batch_op.create_index('ix_case_merges_from_public_id', ['from_public_id'], unique=False)
        batch_op.create_index('ix_case_merges_into_case_id', ['into_case_id'], unique=False)

    _kinds(OLD_KINDS, NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM case_events WHERE kind = 'cases_merged'")
    _kinds(NEW_KINDS, OLD_KINDS)
    with op.batch_alter_table('case_merges', schema=None) as batch_op:
        batch_op.drop_index('ix_case_merges_into_case_id')
        batch_op.drop_index('ix_case_merges_from_public_id')

    op.drop_table('case_merges')
