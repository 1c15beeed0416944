"""the employee roll-up read by branch and month

A branch's employees ranked (the branch page, a manager's overview) read their rows of
rollup_audit_employee through this index instead of every employee's rows of the period.

Revision ID: 7c1f0e2ad5b3
Revises: 04ba627dc9bc
Create Date: 2026-11-29 14:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c1f0e2ad5b3'
down_revision = '04ba627dc9bc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rollup_audit_employee', schema=None) as batch_op:
        batch_op.create_index('ix_rollup_audit_employee_branch_month', ['branch_id', 'month'], unique=False)


def downgrade():
    with op.batch_alter_table('rollup_audit_employee', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_audit_employee_branch_month')
