"""company respondents, answers, offers and members' outcomes

Respondent accounts bound to one company, cases an organizer opened to the company, the
company's answer, its private offers to members, and each member's own outcome. The role and
the timeline's event kinds each gain values, so their CHECK constraints are rebuilt.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

OLD_ROLES = ('member', 'regulator', 'admin')
NEW_ROLES = (*OLD_ROLES, 'respondent')
OLD_KINDS = (
    'created', 'member_joined', 'member_left', 'evidence_pooled', 'evidence_withdrawn',
    'version_saved', 'signing_opened', 'signed', 'signature_withdrawn', 'submitted',
    'status_changed', 'organizer_changed',
)
NEW_KINDS = (*OLD_KINDS, 'opened_to_company', 'company_answered', 'outcome_disputed')


def _enum(values, name, length):
    return sa.Enum(*values, name=name, native_enum=False, length=length, create_constraint=True)


def _check(table, column, name, old, new, length):
    """Rebuild a value-list CHECK: SQLite by copying the table (batch), PostgreSQL in place."""
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table(table, recreate='always') as batch_op:
            batch_op.alter_column(
                column, existing_type=_enum(old, name, length), type_=_enum(new, name, length),
                existing_nullable=False,
            )
        return
    quoted = ', '.join(f"'{v}'" for v in new)
    op.drop_constraint(op.f(f'ck_{table}_{name}'), table, type_='check')
    op.create_check_constraint(op.f(f'ck_{table}_{name}'), table, f'{column} IN ({quoted})')


def upgrade():
    op.create_table(
        'company_respondents',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('verified_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_company_respondents_company_id_companies')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_company_respondents_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_company_respondents')),
    )
    op.create_index(op.f('ix_company_respondents_company_id'), 'company_respondents', ['company_id'], unique=False)
    op.create_table(
        'case_openings',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('opened_by_pseudonym', sa.String(length=16), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['group_cases.id'], name=op.f('fk_case_openings_case_id_group_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_openings')),
    )
    op.create_table(
        'company_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('respondent_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['group_cases.id'], name=op.f('fk_company_answers_case_id_group_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['respondent_id'], ['users.id'], name=op.f('fk_company_answers_respondent_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_company_answers')),
        sa.UniqueConstraint('case_id', name=op.f('uq_company_answers_case_id')),
    )
    op.create_table(
        'member_offers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=12), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('membership_id', sa.Integer(), nullable=False),
        sa.Column('respondent_id', sa.Integer(), nullable=True),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('status', _enum(('pending', 'accepted', 'declined'), 'offerstatus', 24), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['group_cases.id'], name=op.f('fk_member_offers_case_id_group_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_member_offers_membership_id_memberships'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['respondent_id'], ['users.id'], name=op.f('fk_member_offers_respondent_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_member_offers')),
        sa.UniqueConstraint('membership_id', name=op.f('uq_member_offers_membership_id')),
        sa.UniqueConstraint('public_id', name=op.f('uq_member_offers_public_id')),
    )
    op.create_index('ix_member_offers_case_status', 'member_offers', ['case_id', 'status'], unique=False)
    op.create_table(
        'member_outcomes',
        sa.Column('membership_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('state', _enum(('nothing_yet', 'partly_refunded', 'fully_refunded', 'refused'), 'outcomestate', 24), nullable=False),
        sa.Column('refunded_minor', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('rating', _enum(('satisfied', 'partly', 'not_satisfied'), 'outcomerating', 24), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('dispute', sa.Text(), nullable=True),
        sa.Column('disputed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['group_cases.id'], name=op.f('fk_member_outcomes_case_id_group_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_member_outcomes_membership_id_memberships'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('membership_id', name=op.f('pk_member_outcomes')),
    )
    op.create_index(op.f('ix_member_outcomes_case_id'), 'member_outcomes', ['case_id'], unique=False)
    _check('users', 'role', 'userrole', OLD_ROLES, NEW_ROLES, 24)
    _check('case_events', 'kind', 'caseeventkind', OLD_KINDS, NEW_KINDS, 32)


def downgrade():
    op.execute("DELETE FROM case_events WHERE kind IN ('opened_to_company', 'company_answered', 'outcome_disputed')")
    op.execute("UPDATE users SET role = 'member' WHERE role = 'respondent'")
    _check('case_events', 'kind', 'caseeventkind', NEW_KINDS, OLD_KINDS, 32)
    _check('users', 'role', 'userrole', NEW_ROLES, OLD_ROLES, 24)
    op.drop_index(op.f('ix_member_outcomes_case_id'), table_name='member_outcomes')
    op.drop_table('member_outcomes')
    op.drop_index('ix_member_offers_case_status', table_name='member_offers')
    op.drop_table('member_offers')
    op.drop_table('company_answers')
    op.drop_table('case_openings')
    op.drop_index(op.f('ix_company_respondents_company_id'), table_name='company_respondents')
    op.drop_table('company_respondents')
