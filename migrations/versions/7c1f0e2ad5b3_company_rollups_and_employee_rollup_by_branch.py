"""company roll-ups, and the employee roll-up read by branch and month

The company level of the monthly roll-ups (the branches added up: a company-wide figure reads a
row per month, scorecard and channel), filled here from the branch level; and an index by which a
branch's employees ranked (the branch page, a manager's overview) read their rows of
rollup_audit_employee instead of every employee's rows of the period.

Revision ID: 7c1f0e2ad5b3
Revises: 04ba627dc9bc
Create Date: 2026-11-29 14:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c1f0e2ad5b3'
down_revision = '04ba627dc9bc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rollup_audit_company',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('scorecard_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('audits', sa.Integer(), nullable=False),
    sa.Column('scored', sa.Integer(), nullable=False),
    sa.Column('score_sum', sa.Float(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('critical', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_audit_company')),
    sa.UniqueConstraint('month', 'scorecard_id', 'channel', name='uq_rollup_audit_company')
    )
    op.create_table('rollup_criterion_company',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('scorecard_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('criterion_key', sa.String(length=64), nullable=False),
    sa.Column('kpi', sa.String(length=32), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('full', sa.Integer(), nullable=False),
    sa.Column('earned', sa.Float(), nullable=False),
    sa.Column('possible', sa.Float(), nullable=False),
    sa.Column('numbers', sa.Integer(), nullable=False),
    sa.Column('number_sum', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_criterion_company')),
    sa.UniqueConstraint('month', 'scorecard_id', 'channel', 'criterion_id', 'criterion_key', 'kpi', name='uq_rollup_criterion_company')
    )
    op.create_table('rollup_section_company',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('scorecard_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('section_key', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('scored', sa.Integer(), nullable=False),
    sa.Column('score_sum', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_section_company')),
    sa.UniqueConstraint('month', 'scorecard_id', 'channel', 'section_id', 'section_key', 'position', name='uq_rollup_section_company')
    )
    with op.batch_alter_table('rollup_audit_employee', schema=None) as batch_op:
        batch_op.create_index('ix_rollup_audit_employee_branch_month', ['branch_id', 'month'], unique=False)
    _fill()


def _fill():
    """Add up the branch level into the company level, in the migration's own transaction."""
    from sqlalchemy.orm import Session

    from reports.rollups import rebuild

    with Session(bind=op.get_bind()) as session:
        rebuild(session, levels=("company",))
        session.flush()


def downgrade():
    with op.batch_alter_table('rollup_audit_employee', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_audit_employee_branch_month')
    op.drop_table('rollup_section_company')
    op.drop_table('rollup_criterion_company')
    op.drop_table('rollup_audit_company')
